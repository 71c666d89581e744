//! Diagnostics for the open documents: checked together with the workspace files they
//! need, published as LSP `publishDiagnostics`.

use super::*;

impl Server {
    /// Checks the open documents together, with the workspace files they need: those that
    /// define the grants the open sessions use, and those whose sessions use the open grants
    /// (or an open grant would look unused). Files whose names collide are left out.
    pub(super) fn analyse(&mut self) -> Analysis {
        let mut inputs = Vec::new();
        let mut uris = Vec::new();
        let mut open = Vec::new();
        let mut grants = Vec::new();
        let mut names = Vec::new();
        let mut wanted = Vec::new();
        for (uri, doc) in &self.docs {
            let file = parse_doc(&doc.text, doc.format);
            for item in &file.items {
                match item {
                    Item::Grant(g) => {
                        grants.push(g.name.value.clone());
                        names.push(g.name.value.clone());
                    }
                    Item::Session(s) => {
                        names.push(s.name.value.clone());
                        wanted.push(s.from.value.clone());
                    }
                }
            }
            inputs.push((doc.name.clone(), doc.format, doc.text.clone().into_bytes()));
            uris.push(uri.clone());
            open.push(true);
        }
        if !self.roots.is_empty() {
            self.refresh_index();
            wanted.retain(|g| !grants.contains(g));
            wanted.sort();
            wanted.dedup();
            let mut add =
                |path: PathBuf, names: &mut Vec<String>, index: &HashMap<PathBuf, IndexedFile>| {
                    if let Some(text) = read_text(&path) {
                        if let Some(f) = index.get(&path) {
                            names.extend(f.grants.iter().cloned());
                            names.extend(f.sessions.iter().map(|(n, _)| n.clone()));
                        }
                        inputs.push((
                            path.display().to_string(),
                            PolicyFormat::from_path(&path),
                            text.into_bytes(),
                        ));
                        uris.push(path_to_uri(&path));
                        open.push(false);
                    }
                };
            for g in &wanted {
                if let Some(path) = self
                    .workspace_files(&names, |f| f.grants.iter().any(|x| x == g))
                    .into_iter()
                    .next()
                {
                    add(path, &mut names, &self.index);
                }
            }
            let users = self.workspace_files(&names, |f| {
                f.sessions.iter().any(|(_, from)| grants.contains(from))
            });
            for path in users {
                // Re-check against the names added meanwhile.
                let collides = self.index.get(&path).is_some_and(|f| {
                    f.grants
                        .iter()
                        .chain(f.sessions.iter().map(|(n, _)| n))
                        .any(|n| names.contains(n))
                });
                if !collides {
                    add(path, &mut names, &self.index);
                }
            }
        }
        let loaded = load::load_inputs(inputs);
        let opts = CheckOptions {
            session: None,
            lint: LintOptions::default(),
        };
        // The editor shows diagnostics only: no coverage entries (`check_findings`).
        let diagnostics = check::check_findings(
            &loaded,
            &opts,
            loaded.diagnostics.clone(),
            check::CoverageUse::Count,
        )
        .diagnostics
        .0;
        Analysis {
            loaded,
            diagnostics,
            uris,
            open,
        }
    }

    /// `publishDiagnostics` for every open document (and empty ones for `closed`).
    pub(super) fn publish_all(&mut self, closed: &[String]) -> Vec<Value> {
        let analysis = self.analyse();
        let mut per_uri: BTreeMap<String, Vec<Value>> =
            self.docs.keys().map(|u| (u.clone(), Vec::new())).collect();
        for d in &analysis.diagnostics {
            if let Some((uri, diag)) = to_lsp(d, &analysis) {
                if let Some(list) = per_uri.get_mut(&uri) {
                    list.push(diag);
                }
            }
        }
        let mut out: Vec<Value> = closed.iter().map(|u| publish(u, Vec::new())).collect();
        out.extend(per_uri.into_iter().map(|(u, d)| publish(&u, d)));
        out
    }
}

pub(super) fn publish(uri: &str, diagnostics: Vec<Value>) -> Value {
    json!({"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics",
        "params": {"uri": uri, "diagnostics": diagnostics}})
}

/// One diagnostic as LSP: the URI it belongs to and the `Diagnostic` object. The message and
/// `help` are `check`'s; diagnostics in workspace files that are not open are dropped.
pub(super) fn to_lsp(d: &Diagnostic, a: &Analysis) -> Option<(String, Value)> {
    let sources: &Sources = &a.loaded.sources;
    let (file_id, range) = match d.span {
        Some(span) => {
            let text = sources.get(span.file)?.text();
            (span.file, text::range(text, span.start, span.end))
        }
        None => {
            // A file-level finding: the file it names, else the first open document.
            let id = d
                .file
                .as_ref()
                .and_then(|name| {
                    sources
                        .files()
                        .find(|(_, f)| f.name() == name)
                        .map(|(i, _)| i)
                })
                .or_else(|| a.open.iter().position(|o| *o))?;
            (id, text::range("", 0, 0))
        }
    };
    if !a.open.get(file_id).copied().unwrap_or(false) {
        return None;
    }
    let uri = a.uris.get(file_id)?.clone();
    let severity = match d.severity {
        Severity::Error => 1,
        Severity::Warning => 2,
        Severity::Note => 3,
    };
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<Value> = d
        .related
        .iter()
        .filter_map(|r| {
            let text = sources.get(r.span.file)?.text();
            let uri = a.uris.get(r.span.file)?;
            Some(json!({"location": {"uri": uri, "range": text::range(text, r.span.start, r.span.end)},
                "message": r.message}))
        })
        .collect();
    let mut v = json!({
        "range": range,
        "severity": severity,
        "code": d.code.as_str(),
        "source": "litcap",
        "message": message,
        "data": {"help": d.help, "label": d.label},
    });
    if !related.is_empty() {
        v["relatedInformation"] = Value::Array(related);
    }
    Some((uri, v))
}
