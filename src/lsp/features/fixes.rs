//! Code actions: the quick fixes a diagnostic's `help` describes.

use super::*;

impl Server {
    pub(super) fn code_action(&mut self, params: &Value) -> Result<Value, RpcError> {
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

/// The quick fixes a diagnostic's `help` describes, as (title, [(start, end, new text)]) in
/// the diagnostic's file.
pub(super) type Fix = (String, Vec<(usize, usize, String)>);

pub(super) fn fixes(d: &Diagnostic, text: &str, loaded: &Loaded) -> Vec<Fix> {
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
pub(super) fn wildcard_fixes(span: crate::diag::Span, loaded: &Loaded) -> Vec<String> {
    let policy = &loaded.policy;
    let mut keys = Vec::new();
    let mut push = |c: &crate::model::Capability, prefix: ResourcePrefix| {
        if !c.resource.is_wildcard() && c.resource.prefix == prefix {
            keys.push(c.resource.key());
        }
    };
    for (gi, g) in policy.grants.iter().enumerate() {
        if let Some(w) = g.allows.iter().find(|a| a.resource_span() == span) {
            let prefix = w.resource.prefix;
            for s in policy.sessions.iter().filter(|s| s.grant == gi) {
                s.requests.iter().for_each(|r| push(r, prefix));
            }
        }
    }
    for s in &policy.sessions {
        if let Some(w) = s.requests.iter().find(|r| r.resource_span() == span) {
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
pub(super) fn statement_line(text: &str, start: usize, end: usize) -> (usize, usize) {
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

pub(super) fn grant_span(file: &PolicyFile, name: &str) -> Option<(usize, usize)> {
    file.items.iter().find_map(|i| match i {
        Item::Grant(g) if g.name.value == name => Some((g.name.span.start, g.name.span.end)),
        _ => None,
    })
}
