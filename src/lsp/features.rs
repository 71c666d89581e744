//! What the language server knows: the open documents, the policy files of the workspace
//! folders, and the answers to each request. Everything here works on untrusted input: bad
//! parameters are `InvalidParams`, broken documents are diagnostics.

use super::text;
use super::{error_code, RpcError};
use crate::diag::{Code, Diagnostic, Severity, Sources};
use crate::lit::{Ability, ResourcePrefix};
use crate::load::{self, Loaded, PolicyFormat};
use crate::syntax::ast::{Item, PolicyFile};
use crate::verify::check::{self, CheckOptions};
use crate::verify::lints::LintOptions;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The DSL's keywords, for completion.
pub const KEYWORDS: &[(&str, &str)] = &[
    (
        "grant",
        "grant \"<name>\" { ... }: what the wallet signs (the AuthSig's SIWE fields and ReCap)",
    ),
    (
        "session",
        "session \"<name>\" from \"<grant>\" { ... }: what one session key asks for",
    ),
    (
        "network",
        "network \"datil\" | \"naga\" | \"erc5573\": the network the file is written for (at the top; default datil)",
    ),
    ("from", "the grant a session's requests must be covered by"),
    (
        "domain",
        "SIWE domain the wallet shows (required in a grant)",
    ),
    ("statement", "SIWE statement prefix shown to the user"),
    ("chain-id", "SIWE chain id (default 1)"),
    (
        "max-ttl",
        "longest AuthSig lifetime (default and maximum: 30d)",
    ),
    (
        "allow",
        "allow <ability> on \"<resource>\" [where { ... }]: a capability of the grant",
    ),
    (
        "request",
        "request <ability> on \"<resource>\": a capability the session asks for",
    ),
    ("on", "the resource of a capability"),
    (
        "where",
        "ReCap nota-bene data (the nodes read it only on rate-limit-increase-auth)",
    ),
    ("ttl", "session signature lifetime (default 24h)"),
    (
        "signer",
        "signer pkp \"0x<eth address>\": the grant's AuthSig is a PKP / Lit Action session's, signed by the Lit network (lit.bls) for this PKP",
    ),
    (
        "auth-action",
        "auth-action \"<IPFS CID>\": a Lit Action allowed to authorize the PKP session (one line each)",
    ),
];

/// Hover text of the signer keywords (`signer`, `pkp`, `auth-action`).
fn signer_keyword_doc(word: &str) -> Option<String> {
    Some(match word {
        "signer" | "pkp" => "**`signer pkp \"0x<eth address>\"`**\n\nThe grant's AuthSig is not a wallet's: the Lit network signs it (`derivedVia: lit.bls`) for this PKP, as `getPkpSessionSigs` / `getLitActionSessionSigs` return it. `check --authsig` and `verify --policy` prove it comes from this PKP (`pkp-mismatch`), and reject a wallet's AuthSig (`signer-not-pkp`).".to_string(),
        "auth-action" => "**`auth-action \"<IPFS CID>\"`**\n\nA Lit Action allowed to authorize the PKP session: every CID in the AuthSig's auth context (`actionIpfsIds`) must be listed (`auth-action-not-allowed`). `compile` gives it as `getLitActionSessionSigs`' `litActionIpfsId`.".to_string(),
        _ => return None,
    })
}

/// Walking the workspace stops after this many directory entries.
const MAX_WORKSPACE_ENTRIES: usize = 20_000;
const MAX_WORKSPACE_DEPTH: usize = 12;

#[derive(Debug)]
struct Doc {
    text: String,
    /// The file name used in diagnostics (the path for `file:` URIs).
    name: String,
    format: PolicyFormat,
}

/// Grant names of a policy file on disk, with the time it was read.
#[derive(Debug)]
struct IndexedFile {
    modified: Option<SystemTime>,
    len: u64,
    grants: Vec<String>,
    /// (session, grant it is from).
    sessions: Vec<(String, String)>,
}

/// The server's state.
#[derive(Debug, Default)]
pub struct Server {
    docs: BTreeMap<String, Doc>,
    roots: Vec<PathBuf>,
    index: HashMap<PathBuf, IndexedFile>,
    /// When the workspace was last walked (at most once a second while typing).
    refreshed: Option<std::time::Instant>,
}

/// The result of checking the open documents together.
struct Analysis {
    loaded: Loaded,
    diagnostics: Vec<Diagnostic>,
    /// File id → URI (open documents and the workspace files pulled in).
    uris: Vec<String>,
    /// File id → whether the file is an open document.
    open: Vec<bool>,
}

fn params_err(what: &str) -> RpcError {
    RpcError::invalid_params(format!("invalid params: {what}"))
}

fn uri_param(params: &Value) -> Result<String, RpcError> {
    params["textDocument"]["uri"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| params_err("`textDocument.uri` must be a string"))
}

fn position_param(params: &Value) -> Result<(u32, u32), RpcError> {
    let p = &params["position"];
    let get = |k: &str| {
        p[k].as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| params_err("`position` must have `line` and `character`"))
    };
    Ok((get("line")?, get("character")?))
}

/// The path of a `file:` URI.
pub fn uri_to_path(uri: &str) -> Option<PathBuf> {
    url::Url::parse(uri).ok()?.to_file_path().ok()
}

/// The `file:` URI of a path.
pub fn path_to_uri(path: &Path) -> String {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    url::Url::from_file_path(&abs)
        .map(|u| u.to_string())
        .unwrap_or_else(|_| format!("file://{}", abs.display()))
}

fn is_policy_file(name: &str) -> bool {
    name.ends_with(".litcap")
        || name.ends_with(".litcap.yaml")
        || name.ends_with(".litcap.yml")
        || name.ends_with(".litcap.json")
}

fn parse_doc(text: &str, format: PolicyFormat) -> PolicyFile {
    load::parse_text(0, text, format).0
}

fn grant_names(file: &PolicyFile) -> impl Iterator<Item = &str> {
    file.items.iter().filter_map(|i| match i {
        Item::Grant(g) => Some(g.name.value.as_str()),
        Item::Session(_) => None,
    })
}

impl Server {
    /// `initialize`: remembers the workspace folders, answers the capabilities.
    pub fn initialize(&mut self, params: &Value) -> Result<Value, RpcError> {
        let mut roots = Vec::new();
        if let Some(folders) = params["workspaceFolders"].as_array() {
            roots.extend(
                folders
                    .iter()
                    .filter_map(|f| f["uri"].as_str())
                    .filter_map(uri_to_path),
            );
        }
        if roots.is_empty() {
            if let Some(p) = params["rootUri"].as_str().and_then(uri_to_path) {
                roots.push(p);
            } else if let Some(p) = params["rootPath"].as_str() {
                roots.push(PathBuf::from(p));
            }
        }
        self.roots = roots;
        Ok(json!({
            "capabilities": {
                "textDocumentSync": {"openClose": true, "change": 1, "save": {"includeText": false}},
                "hoverProvider": true,
                "completionProvider": {"triggerCharacters": ["\"", " "]},
                "definitionProvider": true,
                "documentFormattingProvider": true,
                "codeActionProvider": {"codeActionKinds": ["quickfix"]},
            },
            "serverInfo": {"name": "litcap", "version": env!("CARGO_PKG_VERSION")},
        }))
    }

    /// A request other than `initialize` and `shutdown`.
    pub fn request(&mut self, method: &str, params: &Value) -> Result<Value, RpcError> {
        match method {
            "textDocument/hover" => self.hover(params),
            "textDocument/completion" => self.completion(params),
            "textDocument/definition" => self.definition(params),
            "textDocument/formatting" => self.formatting(params),
            "textDocument/codeAction" => self.code_action(params),
            _ => Err(RpcError {
                code: error_code::METHOD_NOT_FOUND,
                message: format!("method `{method}` is not supported"),
            }),
        }
    }

    /// A notification; returns the messages to send (diagnostics).
    pub fn notification(&mut self, method: &str, params: &Value) -> Vec<Value> {
        match method {
            "textDocument/didOpen" => {
                let doc = &params["textDocument"];
                let (Some(uri), Some(text)) = (doc["uri"].as_str(), doc["text"].as_str()) else {
                    return Vec::new();
                };
                self.open(uri, text.to_owned());
                self.publish_all(&[])
            }
            "textDocument/didChange" => {
                let Ok(uri) = uri_param(params) else {
                    return Vec::new();
                };
                // Full synchronisation: the last change holds the whole text.
                let text = params["contentChanges"]
                    .as_array()
                    .and_then(|c| c.last())
                    .and_then(|c| c["text"].as_str());
                match (self.docs.contains_key(&uri), text) {
                    (true, Some(text)) => {
                        self.open(&uri, text.to_owned());
                        self.publish_all(&[])
                    }
                    _ => Vec::new(),
                }
            }
            "textDocument/didClose" => {
                let Ok(uri) = uri_param(params) else {
                    return Vec::new();
                };
                if self.docs.remove(&uri).is_none() {
                    return Vec::new();
                }
                self.publish_all(&[uri])
            }
            "textDocument/didSave" | "workspace/didChangeWatchedFiles" => {
                self.refreshed = None;
                if self.docs.is_empty() {
                    Vec::new()
                } else {
                    self.publish_all(&[])
                }
            }
            _ => Vec::new(),
        }
    }

    fn open(&mut self, uri: &str, text: String) {
        let name = uri_to_path(uri)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| uri.to_string());
        let format = PolicyFormat::from_path(Path::new(&name));
        self.docs
            .insert(uri.to_string(), Doc { text, name, format });
    }

    fn doc(&self, uri: &str) -> Result<&Doc, RpcError> {
        self.docs
            .get(uri)
            .ok_or_else(|| params_err(&format!("`{uri}` is not open")))
    }

    // ------------------------------------------------------------------ workspace --

    /// Policy files under the workspace folders, with the names they define and the grants
    /// their sessions use. Files are re-read only when their time or length changed.
    fn refresh_index(&mut self) {
        if self
            .refreshed
            .is_some_and(|t| t.elapsed() < std::time::Duration::from_secs(1))
        {
            return;
        }
        self.refreshed = Some(std::time::Instant::now());
        let mut seen = Vec::new();
        let mut budget = MAX_WORKSPACE_ENTRIES;
        for root in self.roots.clone() {
            walk(&root, 0, &mut budget, &mut seen);
        }
        self.index.retain(|p, _| seen.contains(p));
        for path in seen {
            let meta = std::fs::metadata(&path).ok();
            let modified = meta.as_ref().and_then(|m| m.modified().ok());
            let len = meta.as_ref().map(|m| m.len()).unwrap_or(0);
            if let Some(f) = self.index.get(&path) {
                if f.modified == modified && f.len == len {
                    continue;
                }
            }
            let (mut grants, mut sessions) = (Vec::new(), Vec::new());
            if let Some(text) = read_text(&path) {
                for item in parse_doc(&text, PolicyFormat::from_path(&path)).items {
                    match item {
                        Item::Grant(g) => grants.push(g.name.value),
                        Item::Session(s) => sessions.push((s.name.value, s.from.value)),
                    }
                }
            }
            self.index.insert(
                path,
                IndexedFile {
                    modified,
                    len,
                    grants,
                    sessions,
                },
            );
        }
    }

    /// Workspace files (not open), by path, that `wants` accepts and whose names do not
    /// collide with `names` (a file defining a name already in the set, such as the YAML twin
    /// of an open `.litcap` file, would only bring `duplicate-name` errors).
    fn workspace_files(
        &self,
        names: &[String],
        wants: impl Fn(&IndexedFile) -> bool,
    ) -> Vec<PathBuf> {
        let open: Vec<PathBuf> = self.docs.keys().filter_map(|u| uri_to_path(u)).collect();
        let mut found: Vec<PathBuf> = self
            .index
            .iter()
            .filter(|(p, f)| !open.contains(p) && wants(f))
            .filter(|(_, f)| {
                !f.grants
                    .iter()
                    .chain(f.sessions.iter().map(|(n, _)| n))
                    .any(|n| names.contains(n))
            })
            .map(|(p, _)| p.clone())
            .collect();
        found.sort();
        found
    }

    /// The workspace file (not open) that defines a grant, first by path.
    fn workspace_file_defining(&self, grant: &str) -> Option<PathBuf> {
        self.workspace_files(&[], |f| f.grants.iter().any(|g| g == grant))
            .into_iter()
            .next()
    }

    // ------------------------------------------------------------------ analysis --

    /// Checks the open documents together, with the workspace files they need: those that
    /// define the grants the open sessions use, and those whose sessions use the open grants
    /// (or an open grant would look unused). Files whose names collide are left out.
    fn analyse(&mut self) -> Analysis {
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
        let report = check::check_policy(&loaded, &opts);
        Analysis {
            loaded,
            diagnostics: report.diagnostics.0,
            uris,
            open,
        }
    }

    /// `publishDiagnostics` for every open document (and empty ones for `closed`).
    fn publish_all(&mut self, closed: &[String]) -> Vec<Value> {
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

    // ------------------------------------------------------------------ requests --

    fn hover(&self, params: &Value) -> Result<Value, RpcError> {
        let uri = uri_param(params)?;
        let (line, character) = position_param(params)?;
        let doc = self.doc(&uri)?;
        let at = text::offset(&doc.text, line, character);
        let Some((start, end)) = word_at(&doc.text, at) else {
            return Ok(Value::Null);
        };
        let word = &doc.text[start..end];
        let markdown = if let Some(a) = Ability::parse(word) {
            ability_doc(a)
        } else if let Some(p) = ResourcePrefix::parse(word) {
            prefix_doc(p)
        } else if let Some(doc) = signer_keyword_doc(word) {
            doc
        } else {
            return Ok(Value::Null);
        };
        Ok(json!({
            "contents": {"kind": "markdown", "value": markdown},
            "range": text::range(&doc.text, start, end),
        }))
    }

    fn completion(&mut self, params: &Value) -> Result<Value, RpcError> {
        let uri = uri_param(params)?;
        let (line, character) = position_param(params)?;
        let (before, format) = {
            let doc = self.doc(&uri)?;
            let at = text::offset(&doc.text, line, character);
            let (line_start, _) = text::line_span(&doc.text, at);
            (doc.text[line_start..at].to_string(), doc.format)
        };
        let trimmed =
            before.trim_end_matches(|c: char| c.is_alphanumeric() || c == '-' || c == '_');
        let in_quote = trimmed.ends_with('"');
        let head = trimmed.trim_end_matches('"').trim_end();
        let quote = |s: &str| {
            if in_quote {
                s.to_string()
            } else {
                format!("\"{s}\"")
            }
        };
        let mut items = Vec::new();
        if format == PolicyFormat::Dsl && !in_quote && head.ends_with("signer") {
            items.push(json!({"label": "pkp", "kind": 14,
                "detail": "the Lit network signs the AuthSig for this PKP (lit.bls)",
                "insertText": "pkp \"0x\""}));
        } else if head.ends_with("from") || head.ends_with("from:") {
            for g in self.grant_names_known() {
                items.push(
                    json!({"label": g, "kind": 18, "detail": "grant", "insertText": quote(&g)}),
                );
            }
        } else if head.ends_with(" on") || head.ends_with("resource:") {
            for p in ResourcePrefix::ALL {
                let label = format!("{}://", p.as_str());
                items.push(
                    json!({"label": label, "kind": 12, "detail": p.id_description(),
                    "insertText": if in_quote { label.clone() } else { format!("\"{label}") }}),
                );
            }
        } else {
            for a in Ability::ALL {
                items.push(json!({"label": a.as_str(), "kind": 20,
                    "detail": format!("{} on {}://", a.recap_ability(), a.resource_prefix())}));
            }
            if format == PolicyFormat::Dsl && !in_quote {
                for (k, doc) in KEYWORDS {
                    items.push(json!({"label": k, "kind": 14, "detail": doc}));
                }
            }
        }
        Ok(json!({"isIncomplete": false, "items": items}))
    }

    fn grant_names_known(&mut self) -> Vec<String> {
        let mut names: Vec<String> = self
            .docs
            .values()
            .flat_map(|d| {
                grant_names(&parse_doc(&d.text, d.format))
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect();
        if !self.roots.is_empty() {
            self.refresh_index();
            names.extend(self.index.values().flat_map(|f| f.grants.iter().cloned()));
        }
        names.sort();
        names.dedup();
        names
    }

    fn definition(&mut self, params: &Value) -> Result<Value, RpcError> {
        let uri = uri_param(params)?;
        let (line, character) = position_param(params)?;
        let grant = {
            let doc = self.doc(&uri)?;
            let at = text::offset(&doc.text, line, character);
            let file = parse_doc(&doc.text, doc.format);
            let found = file.items.iter().find_map(|i| match i {
                Item::Session(s) if s.from.span.start <= at && at <= s.from.span.end => {
                    Some(s.from.value.clone())
                }
                _ => None,
            });
            match found {
                Some(g) => g,
                None => return Ok(Value::Null),
            }
        };
        for (u, d) in &self.docs {
            if let Some(span) = grant_span(&parse_doc(&d.text, d.format), &grant) {
                return Ok(json!({"uri": u, "range": text::range(&d.text, span.0, span.1)}));
            }
        }
        if self.roots.is_empty() {
            return Ok(Value::Null);
        }
        self.refresh_index();
        let Some(path) = self.workspace_file_defining(&grant) else {
            return Ok(Value::Null);
        };
        let Some(text) = read_text(&path) else {
            return Ok(Value::Null);
        };
        match grant_span(&parse_doc(&text, PolicyFormat::from_path(&path)), &grant) {
            Some((s, e)) => {
                Ok(json!({"uri": path_to_uri(&path), "range": text::range(&text, s, e)}))
            }
            None => Ok(Value::Null),
        }
    }

    fn formatting(&self, params: &Value) -> Result<Value, RpcError> {
        let uri = uri_param(params)?;
        let doc = self.doc(&uri)?;
        if doc.format != PolicyFormat::Dsl {
            return Ok(Value::Null);
        }
        let (file, diags) = crate::syntax::parse(0, &doc.text);
        if diags.has_errors() {
            return Ok(Value::Null);
        }
        let formatted = crate::syntax::format::format(&file, &doc.text);
        if formatted == doc.text {
            return Ok(json!([]));
        }
        Ok(json!([{"range": text::whole(&doc.text), "newText": formatted}]))
    }

    fn code_action(&mut self, params: &Value) -> Result<Value, RpcError> {
        let uri = uri_param(params)?;
        let range = &params["range"];
        let (Some(l0), Some(c0), Some(l1), Some(c1)) = (
            range["start"]["line"].as_u64(),
            range["start"]["character"].as_u64(),
            range["end"]["line"].as_u64(),
            range["end"]["character"].as_u64(),
        ) else {
            return Err(params_err("`range` must have `start` and `end` positions"));
        };
        let clamp = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
        let (from, to, is_dsl) = {
            let doc = self.doc(&uri)?;
            (
                text::offset(&doc.text, clamp(l0), clamp(c0)),
                text::offset(&doc.text, clamp(l1), clamp(c1)),
                doc.format == PolicyFormat::Dsl,
            )
        };
        if !is_dsl {
            return Ok(json!([]));
        }
        let analysis = self.analyse();
        let Some(file_id) = analysis.uris.iter().position(|u| *u == uri) else {
            return Ok(json!([]));
        };
        let Some(source) = analysis.loaded.sources.get(file_id) else {
            return Ok(json!([]));
        };
        let text = source.text();
        let mut actions = Vec::new();
        for d in &analysis.diagnostics {
            let Some(span) = d.span else { continue };
            if span.file != file_id || span.end < from || span.start > to {
                continue;
            }
            let lsp_diag = to_lsp(d, &analysis).map(|(_, v)| v);
            for (title, edits) in fixes(d, text, &analysis.loaded) {
                let edits: Vec<Value> = edits
                    .into_iter()
                    .map(|(s, e, new)| json!({"range": text::range(text, s, e), "newText": new}))
                    .collect();
                actions.push(json!({
                    "title": title,
                    "kind": "quickfix",
                    "diagnostics": lsp_diag.iter().collect::<Vec<_>>(),
                    "isPreferred": true,
                    "edit": {"changes": {uri.clone(): edits}},
                }));
            }
        }
        Ok(Value::Array(actions))
    }
}

fn publish(uri: &str, diagnostics: Vec<Value>) -> Value {
    json!({"jsonrpc": "2.0", "method": "textDocument/publishDiagnostics",
        "params": {"uri": uri, "diagnostics": diagnostics}})
}

/// One diagnostic as LSP: the URI it belongs to and the `Diagnostic` object. The message and
/// `help` are `check`'s; diagnostics in workspace files that are not open are dropped.
fn to_lsp(d: &Diagnostic, a: &Analysis) -> Option<(String, Value)> {
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

/// The quick fixes a diagnostic's `help` describes, as (title, [(start, end, new text)]) in
/// the diagnostic's file.
type Fix = (String, Vec<(usize, usize, String)>);

fn fixes(d: &Diagnostic, text: &str, loaded: &Loaded) -> Vec<Fix> {
    let Some(span) = d.span else {
        return Vec::new();
    };
    if span.end > text.len()
        || !text.is_char_boundary(span.start)
        || !text.is_char_boundary(span.end)
    {
        return Vec::new();
    }
    let written = &text[span.start..span.end];
    match d.code {
        Code::DuplicateCapability => {
            let (s, e) = statement_line(text, span.start, span.end);
            vec![(
                format!("Remove the duplicate `{}`", written.trim()),
                vec![(s, e, String::new())],
            )]
        }
        Code::UnusedCapability => {
            let (s, e) = statement_line(text, span.start, span.end);
            vec![(
                format!("Remove the unused `{}`", written.trim()),
                vec![(s, e, String::new())],
            )]
        }
        Code::DecimalPkpId => {
            // The help names the hex form: "write `lit-pkp://0x…`".
            let Some(hex) = d.help.as_deref().and_then(|h| {
                let i = h.find("`lit-pkp://0x")?;
                let rest = &h[i + 1..];
                Some(rest[..rest.find('`')?].to_string())
            }) else {
                return Vec::new();
            };
            let new = if written.starts_with('"') {
                format!("\"{hex}\"")
            } else {
                hex.clone()
            };
            vec![(
                format!("Write the PKP id as hex: `{hex}`"),
                vec![(span.start, span.end, new)],
            )]
        }
        Code::NbIgnored => {
            // Remove ` where { ... }` (the span is the data object).
            let before = &text[..span.start];
            let trimmed = before.trim_end();
            let Some(head) = trimmed.strip_suffix("where") else {
                return Vec::new();
            };
            let start = head.trim_end_matches([' ', '\t']).len();
            vec![(
                "Remove the `where` clause (the nodes ignore it)".to_string(),
                vec![(start, span.end, String::new())],
            )]
        }
        Code::WildcardResource => wildcard_fixes(span, loaded)
            .into_iter()
            .map(|key| {
                let new = if written.starts_with('"') {
                    format!("\"{key}\"")
                } else {
                    key.clone()
                };
                (
                    format!("Name the resource instead of `*`: `{key}`"),
                    vec![(span.start, span.end, new)],
                )
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Specific resources that could replace a wildcard: for a grant's `allow`, those its sessions
/// request (and its other allows name); for a session's `request`, those its grant allows.
fn wildcard_fixes(span: crate::diag::Span, loaded: &Loaded) -> Vec<String> {
    let policy = &loaded.policy;
    let mut keys = Vec::new();
    let mut push = |c: &crate::model::Capability, prefix: ResourcePrefix| {
        if !c.resource.is_wildcard() && c.resource.prefix == prefix {
            keys.push(c.resource.key());
        }
    };
    for (gi, g) in policy.grants.iter().enumerate() {
        if let Some(w) = g.allows.iter().find(|a| a.resource_span == span) {
            let prefix = w.resource.prefix;
            for s in policy.sessions.iter().filter(|s| s.grant == gi) {
                s.requests.iter().for_each(|r| push(r, prefix));
            }
        }
    }
    for s in &policy.sessions {
        if let Some(w) = s.requests.iter().find(|r| r.resource_span == span) {
            let prefix = w.resource.prefix;
            if let Some(g) = policy.grants.get(s.grant) {
                g.allows.iter().for_each(|a| push(a, prefix));
            }
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

/// The lines holding a statement: from the start of its first line to the end of its last
/// (with the line break), when nothing else is on them; else the statement itself.
fn statement_line(text: &str, start: usize, end: usize) -> (usize, usize) {
    let (ls, _) = text::line_span(text, start);
    let (_, le) = text::line_span(text, end.saturating_sub(1).max(start));
    let lead = &text[ls..start];
    let trail = text[end..le].trim_end_matches(['\n', '\r']);
    let trail_ok = trail.trim().is_empty() || trail.trim_start().starts_with('#');
    if lead.trim().is_empty() && trail_ok {
        (ls, le)
    } else {
        (start, end)
    }
}

fn grant_span(file: &PolicyFile, name: &str) -> Option<(usize, usize)> {
    file.items.iter().find_map(|i| match i {
        Item::Grant(g) if g.name.value == name => Some((g.name.span.start, g.name.span.end)),
        _ => None,
    })
}

/// The word (letters, digits, `-`, `_`) around a byte offset.
fn word_at(text: &str, at: usize) -> Option<(usize, usize)> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let at = at.min(text.len());
    if !text.is_char_boundary(at) {
        return None;
    }
    let start = text[..at]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map(|(i, _)| i)
        .unwrap_or(at);
    let end = text[at..]
        .char_indices()
        .find(|(_, c)| !is_word(*c))
        .map(|(i, _)| at + i)
        .unwrap_or(text.len());
    (start < end).then_some((start, end))
}

/// What a request with this ability is and what the nodes check for it.
fn ability_action(a: Ability) -> &'static str {
    match a {
        Ability::AccessControlConditionDecryption => {
            "a request for decryption shares of data encrypted under access-control conditions"
        }
        Ability::AccessControlConditionSigning => {
            "a request for signature shares gated by access-control conditions (e.g. a signed JWT)"
        }
        Ability::PkpSigning => "a request to sign with a PKP (`pkpSign`, or signing inside a Lit Action)",
        Ability::RateLimitIncreaseAuth => {
            "a request paid with capacity credits delegated to the session's wallet (the only ability whose `where` data the nodes read)"
        }
        Ability::LitActionExecution => "the execution of a Lit Action (`executeJs`) with that IPFS CID",
        Ability::PaymentDelegation => {
            "a request paid by a payment delegation (Naga: the delegator pays up to the delegation's `max_price`)"
        }
        Ability::Recap(_) => {
            "an ERC-5573 capability: the relying party looks up this exact URI and `namespace/name` in the last recap"
        }
    }
}

/// Hover text of an ability: from the library's tables.
pub fn ability_doc(a: Ability) -> String {
    let p = a.resource_prefix();
    format!(
        "**`{a}`** (Lit ability)\n\n\
         | | |\n|---|---|\n\
         | ReCap ability | `{recap}` |\n\
         | resource prefix | `{p}://` |\n\
         | resource id | {id} |\n\n\
         **What the nodes check.** For {action}: the resource must be in the session's signed \
         `resourceAbilityRequests`, and a capability AuthSig's ReCap must grant `{recap}` (or `*/*`) \
         on `{p}://*` or, only when that wildcard key is absent, on `{p}://<id>`.",
        recap = a.recap_ability(),
        id = p.id_description(),
        action = ability_action(a),
    )
}

/// Hover text of a resource prefix.
pub fn prefix_doc(p: ResourcePrefix) -> String {
    let abilities: Vec<String> = p
        .abilities()
        .map(|a| format!("`{a}` (`{}`)", a.recap_ability()))
        .collect();
    format!(
        "**`{p}://`** (Lit resource prefix)\n\nid: {}\n\nabilities: {}\n\n`{p}://*` is every resource of this type.",
        p.id_description(),
        abilities.join(", ")
    )
}

fn read_text(path: &Path) -> Option<String> {
    let bytes = load::read_limited(path).ok()?;
    String::from_utf8(bytes).ok()
}

fn walk(dir: &Path, depth: usize, budget: &mut usize, out: &mut Vec<PathBuf>) {
    if depth > MAX_WORKSPACE_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        let name = e.file_name();
        let name = name.to_string_lossy();
        let Ok(kind) = e.file_type() else { continue };
        if kind.is_dir() {
            if name.starts_with('.') || name == "target" || name == "node_modules" {
                continue;
            }
            walk(&e.path(), depth + 1, budget, out);
        } else if kind.is_file() && is_policy_file(&name) {
            out.push(e.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRANT: &str = "grant \"g\" {\n  domain \"a.example\"\n  statement \"s\"\n  max-ttl 1h\n  allow pkp-signing on \"lit-pkp://*\"\n  allow pkp-signing on \"lit-pkp://*\"\n}\n";
    const SESSION: &str =
        "session \"s\" from \"g\" {\n  ttl 1h\n  request pkp-signing on \"lit-pkp://0x01\"\n}\n";

    fn server() -> Server {
        let mut s = Server::default();
        s.initialize(&json!({})).unwrap();
        s
    }

    fn open(s: &mut Server, uri: &str, text: &str) -> Vec<Value> {
        s.notification(
            "textDocument/didOpen",
            &json!({"textDocument": {"uri": uri, "languageId": "litcap", "version": 1, "text": text}}),
        )
    }

    fn codes_for(msgs: &[Value], uri: &str) -> Vec<String> {
        msgs.iter()
            .filter(|m| m["params"]["uri"] == uri)
            .flat_map(|m| {
                m["params"]["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .map(|d| d["code"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    #[test]
    fn a_session_and_its_grant_in_two_open_files() {
        let mut s = server();
        let first = open(&mut s, "file:///w/s.litcap", SESSION);
        assert!(
            codes_for(&first, "file:///w/s.litcap").contains(&"unknown-grant".to_string()),
            "{first:#?}"
        );
        let both = open(&mut s, "file:///w/g.litcap", GRANT);
        assert!(
            codes_for(&both, "file:///w/s.litcap").is_empty(),
            "{both:#?}"
        );
        let g = codes_for(&both, "file:///w/g.litcap");
        assert!(g.contains(&"duplicate-capability".to_string()), "{g:?}");
    }

    #[test]
    fn signer_lines_complete_and_hover() {
        let mut s = server();
        let text = "grant \"g\" {\n  domain \"a.example\"\n  signer \n  auth-action \"QmY3qun9qX3fUBHVfrA9f3v9RpyyPo8RHEuEN1XYPq1PrA\"\n}\n";
        open(&mut s, "file:///w/p.litcap", text);
        let pos = |line: u32, character: u32| {
            json!({"textDocument": {"uri": "file:///w/p.litcap"},
                "position": {"line": line, "character": character}})
        };
        let r = s.request("textDocument/completion", &pos(2, 9)).unwrap();
        let labels: Vec<&str> = r["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap())
            .collect();
        assert_eq!(labels, vec!["pkp"]);
        let r = s.request("textDocument/completion", &pos(1, 0)).unwrap();
        let all = r["items"].to_string();
        assert!(
            all.contains("\"signer\"") && all.contains("\"auth-action\""),
            "{all}"
        );
        let h = s.request("textDocument/hover", &pos(3, 5)).unwrap();
        let md = h["contents"]["value"].as_str().unwrap();
        assert!(md.contains("actionIpfsIds"), "{md}");
    }

    #[test]
    fn quick_fixes_remove_the_duplicate_and_name_the_resource() {
        let mut s = server();
        open(&mut s, "file:///w/s.litcap", SESSION);
        open(&mut s, "file:///w/g.litcap", GRANT);
        let r = s
            .request(
                "textDocument/codeAction",
                &json!({"textDocument": {"uri": "file:///w/g.litcap"},
                    "range": {"start": {"line": 5, "character": 0}, "end": {"line": 5, "character": 40}},
                    "context": {"diagnostics": []}}),
            )
            .unwrap();
        let titles: Vec<&str> = r
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["title"].as_str().unwrap())
            .collect();
        assert!(
            titles.iter().any(|t| t.starts_with("Remove the duplicate")),
            "{titles:?}"
        );
        assert!(
            titles
                .iter()
                .any(|t| t.contains(&format!("lit-pkp://{}", "0".repeat(63) + "1"))),
            "{titles:?}"
        );
    }

    #[test]
    fn garbage_documents_do_not_break_anything() {
        let mut s = server();
        for text in [
            "",
            "grant",
            "grant \"x\" {",
            "\u{feff}session \"é\" from",
            "{{{{",
            "\0\0",
        ] {
            open(&mut s, "file:///w/x.litcap", text);
            open(&mut s, "file:///w/x.litcap.yaml", text);
            open(&mut s, "file:///w/x.litcap.json", text);
            for m in [
                "textDocument/hover",
                "textDocument/completion",
                "textDocument/definition",
            ] {
                for (l, c) in [(0, 0), (0, 3), (9, 9)] {
                    s.request(
                        m,
                        &json!({"textDocument": {"uri": "file:///w/x.litcap"},
                        "position": {"line": l, "character": c}}),
                    )
                    .unwrap();
                }
            }
            s.request(
                "textDocument/formatting",
                &json!({"textDocument": {"uri": "file:///w/x.litcap"}}),
            )
            .unwrap();
        }
    }

    #[test]
    fn workspace_files_complete_the_open_ones_without_duplicates() {
        let dir = std::env::temp_dir().join(format!("litcap-lsp-ws-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let grant = GRANT.replace(
            "  allow pkp-signing on \"lit-pkp://*\"\n  allow pkp-signing on \"lit-pkp://*\"\n",
            "  allow pkp-signing on \"lit-pkp://0x01\"\n",
        );
        std::fs::write(dir.join("g.litcap"), &grant).unwrap();
        std::fs::write(dir.join("s.litcap"), SESSION).unwrap();
        // A twin of g.litcap in the other form: never pulled in next to it.
        std::fs::write(dir.join("g.litcap.yaml"), "- grant: g\n  domain: a.example\n  statement: s\n  max-ttl: 1h\n  allow:\n    - pkp-signing: lit-pkp://0x01\n").unwrap();
        let mut s = Server::default();
        s.initialize(&json!({"rootUri": path_to_uri(&dir)}))
            .unwrap();
        let g_uri = path_to_uri(&dir.join("g.litcap"));
        let msgs = open(&mut s, &g_uri, &grant);
        // The session in s.litcap uses the grant: no unused-capability; no duplicate-name.
        assert_eq!(codes_for(&msgs, &g_uri), Vec::<String>::new(), "{msgs:#?}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn words() {
        assert_eq!(word_at("allow pkp-signing on", 8), Some((6, 17)));
        assert_eq!(word_at("a b", 1), Some((0, 1)));
        assert_eq!(word_at(" ", 0), None);
    }
}
