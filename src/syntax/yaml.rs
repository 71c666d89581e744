//! The YAML and JSON forms of a policy (`*.litcap.yaml`, `*.litcap.yml`, `*.litcap.json`),
//! read into the same [`PolicyFile`] as the DSL and written back from it.
//!
//! # Shape
//!
//! A file is a list of blocks, in file order (grants and sessions may interleave, as in the
//! DSL). A block is a mapping whose keys are the DSL's keywords; a capability is a one-key
//! mapping `<ability>: <resource>`, with `where` beside it for nota-bene data:
//!
//! ```yaml
//! # yaml-language-server: $schema=../schemas/policy.schema.json
//! - grant: treasury-signer
//!   domain: signer.example.com
//!   statement: Allow the treasury service to sign with its PKP.
//!   chain-id: 1
//!   max-ttl: 1h
//!   allow:
//!     - pkp-signing: lit-pkp://0xb03a...
//!     - rate-limit-increase-auth: lit-ratelimitincrease://24529
//!       where: { uses: "200" }
//!
//! - session: treasury
//!   from: treasury-signer
//!   ttl: 15m
//!   request:
//!     - pkp-signing: lit-pkp://0xb03a...
//! ```
//!
//! The JSON form is the same data as JSON. Every node keeps its span (byte offsets into the
//! YAML/JSON text), so the model's diagnostics point at the right line.
//!
//! # Reading
//!
//! The text is read into a positioned [`Node`] tree (bounded: see [`crate::schema::Limits`]),
//! validated against the policy schema (`schemas/policy.schema.json`; violations become
//! `schema-violation` diagnostics on the offending node), then mapped onto the syntax tree:
//! keys in their written order become statements in that order, and the entries of an
//! `allow`/`request` list become consecutive statements where the key is.
//!
//! # Writing
//!
//! A block holds each setting once, and its capabilities in one list. Writing a tree whose
//! block sets something twice is refused (the model rejects such a block anyway,
//! `duplicate-setting`); capabilities written apart in the DSL are gathered where the first
//! one is (the order of settings and capabilities carries no meaning). Comments are kept in
//! YAML output: own-line comments stay above what follows them, end-of-line comments stay on
//! the line of their statement. JSON has no comments.

use super::ast::*;
use crate::diag::{Code, Diagnostic, Diagnostics, FileId, Span};
use crate::schema::{self, Limits, Node, NodeValue, Schema, TextFormat};
use crate::time::Ttl;
use serde_json::Value;

/// The comment that points YAML editors at the schema (`# yaml-language-server: $schema=...`).
pub const MODELINE: &str = "yaml-language-server:";

/// Parses a policy in its YAML form.
pub fn parse_yaml(file: FileId, text: &str) -> (PolicyFile, Diagnostics) {
    parse_form(file, text, TextFormat::Yaml)
}

/// Parses a policy in its JSON form.
pub fn parse_json(file: FileId, text: &str) -> (PolicyFile, Diagnostics) {
    parse_form(file, text, TextFormat::Json)
}

fn parse_form(file: FileId, text: &str, format: TextFormat) -> (PolicyFile, Diagnostics) {
    let mut out = PolicyFile {
        file,
        items: Vec::new(),
        comments: Vec::new(),
        network: None,
    };
    let mut diags = Diagnostics::new();
    // An empty file is an empty policy in every form (as in the DSL and YAML): it grants
    // nothing, which is never a privilege problem, and generators write one for "no blocks".
    if text.trim_start_matches('\u{feff}').trim().is_empty() {
        return (out, diags);
    }
    let root = match schema::read_document(file, text, format, &Limits::default()) {
        Ok(root) => root,
        Err(d) => {
            diags.push(*d);
            return (out, diags);
        }
    };
    if format == TextFormat::Yaml {
        out.comments = yaml_comments(file, text, root.as_ref());
    }
    // An empty YAML document (`---` alone) holds no blocks, like an empty file.
    let Some(root) = root.filter(|r| !(format == TextFormat::Yaml && r.value == NodeValue::Null))
    else {
        return (out, diags);
    };
    let violations = schema::validate(Schema::Policy, &root);
    // Every block is read, even next to schema violations, so that the model's errors in the
    // other blocks are reported too (as in the DSL); what the reader finds inside a block that
    // already has a violation only repeats it.
    let mut found = Diagnostics::new();
    out.items = items(&root, &mut found);
    out.network = network(&root, &mut found);
    let blocked = crate::load::blocks_with(&out.items, &violations, &[Code::SchemaViolation]);
    found.0.retain(|d| !crate::load::inside_any(d, &blocked));
    diags.extend(violations);
    diags.extend(found);
    (out, diags)
}

/// Maps a validated document onto syntax-tree items.
fn items(root: &Node, diags: &mut Diagnostics) -> Vec<Item> {
    let mut items = Vec::new();
    for block in root.items() {
        if let Some(session) = block.entry("session") {
            let name = spanned_string(&session.value);
            let from = block
                .get("from")
                .map(spanned_string)
                .unwrap_or_else(|| Spanned::new(String::new(), name.span));
            let mut body = Vec::new();
            for e in block.entries() {
                match e.key.as_str() {
                    "ttl" => {
                        if let Some(t) = duration(&e.value, diags) {
                            body.push(SessionStmt {
                                kind: SessionStmtKind::Ttl(t),
                                span: e.span(),
                            });
                        }
                    }
                    "request" => {
                        for entry in e.value.items() {
                            if let Some(c) = capability(entry) {
                                body.push(SessionStmt {
                                    kind: SessionStmtKind::Request(c),
                                    span: entry.span,
                                });
                            }
                        }
                    }
                    _ => {}
                }
            }
            items.push(Item::Session(Session {
                open: name.span.end,
                close: block.span.end,
                span: block.span,
                name,
                from,
                body,
            }));
        } else if let Some(grant) = block.entry("grant") {
            let name = spanned_string(&grant.value);
            let mut body = Vec::new();
            for e in block.entries() {
                let span = e.span();
                let kind = match e.key.as_str() {
                    "domain" => GrantStmtKind::Domain(spanned_string(&e.value)),
                    "statement" => GrantStmtKind::Statement(spanned_string(&e.value)),
                    "chain-id" => match chain_id(&e.value, diags) {
                        Some(n) => GrantStmtKind::ChainId(n),
                        None => continue,
                    },
                    "max-ttl" => match duration(&e.value, diags) {
                        Some(t) => GrantStmtKind::MaxTtl(t),
                        None => continue,
                    },
                    "allow" => {
                        for entry in e.value.items() {
                            if let Some(c) = capability(entry) {
                                body.push(GrantStmt {
                                    kind: GrantStmtKind::Allow(c),
                                    span: entry.span,
                                });
                            }
                        }
                        continue;
                    }
                    // `signer: { pkp: "0x..." }`: the DSL's `signer pkp "0x..."`.
                    "signer" => match e.value.entries().first() {
                        Some(s) => GrantStmtKind::Signer {
                            kind: Spanned::new(s.key.clone(), s.key_span),
                            address: spanned_string(&s.value),
                        },
                        None => continue,
                    },
                    // `auth-action: [cid, ...]`: one DSL `auth-action` line each.
                    "auth-action" => {
                        for cid in e.value.items() {
                            body.push(GrantStmt {
                                kind: GrantStmtKind::AuthAction(spanned_string(cid)),
                                span: cid.span,
                            });
                        }
                        continue;
                    }
                    _ => continue,
                };
                body.push(GrantStmt { kind, span });
            }
            items.push(Item::Grant(Grant {
                open: name.span.end,
                close: block.span.end,
                span: block.span,
                name,
                body,
            }));
        }
    }
    items
}

/// `- network: <name>`: the file's network (once; the model checks the name).
fn network(root: &Node, diags: &mut Diagnostics) -> Option<Spanned<String>> {
    let mut found: Option<Spanned<String>> = None;
    for e in root.items().iter().filter_map(|b| b.entry("network")) {
        let name = spanned_string(&e.value);
        match &found {
            Some(first) => diags.push(
                Diagnostic::new(Code::DuplicateSetting, "`network` is set twice")
                    .at(name.span, "set again here")
                    .related(first.span, "first set here")
                    .help("keep one `network` block"),
            ),
            None => found = Some(name),
        }
    }
    found
}

fn spanned_string(n: &Node) -> Spanned<String> {
    Spanned::new(n.as_str().unwrap_or_default().to_string(), n.span)
}

fn duration(n: &Node, diags: &mut Diagnostics) -> Option<Spanned<Ttl>> {
    let text = n.as_str()?;
    match Ttl::parse(text) {
        Ok(t) => Some(Spanned::new(t, n.span)),
        Err(e) => {
            diags.push(
                Diagnostic::new(Code::InvalidDuration, e.to_string())
                    .at(n.span, "not a duration")
                    .help("write a number followed by `s`, `m`, `h` or `d`, e.g. `15m` or `1h30m`"),
            );
            None
        }
    }
}

fn chain_id(n: &Node, diags: &mut Diagnostics) -> Option<Spanned<u64>> {
    let NodeValue::Number(num) = &n.value else {
        return None;
    };
    let value = num.as_u64().or_else(|| {
        num.as_f64()
            .filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 18_446_744_073_709_551_616.0)
            .map(|f| f as u64)
    });
    match value {
        Some(v) => Some(Spanned::new(v, n.span)),
        None => {
            diags.push(
                Diagnostic::new(
                    Code::InvalidNumber,
                    format!("`{num}` does not fit in 64 bits"),
                )
                .at(n.span, "too large")
                .help("EIP-155 chain ids are small positive integers, e.g. `1` or `175188`"),
            );
            None
        }
    }
}

/// `{<ability>: <resource>, where: {...}}` → a capability (the schema has checked the shape).
fn capability(entry: &Node) -> Option<Capability> {
    let mut ability = None;
    let mut data = None;
    for e in entry.entries() {
        if e.key == "where" {
            if let Value::Object(map) = e.value.to_json() {
                data = Some(Spanned::new(map, e.value.span));
            }
        } else {
            ability = Some((
                Spanned::new(e.key.clone(), e.key_span),
                spanned_string(&e.value),
            ));
        }
    }
    let (ability, resource) = ability?;
    Some(Capability {
        ability,
        resource,
        data,
    })
}

/// The `#` comments of a YAML text: a `#` at the start of a line or after a space or tab,
/// outside every scalar.
fn yaml_comments(file: FileId, text: &str, root: Option<&Node>) -> Vec<Comment> {
    if !text.contains('#') {
        return Vec::new();
    }
    let mut scalars: Vec<(usize, usize)> = Vec::new();
    if let Some(root) = root {
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            match &n.value {
                NodeValue::Seq(items) => stack.extend(items.iter()),
                NodeValue::Map(entries) => {
                    for e in entries {
                        scalars.push((e.key_span.start, e.key_span.end));
                        stack.push(&e.value);
                    }
                }
                _ => scalars.push((n.span.start, n.span.end)),
            }
        }
    }
    scalars.sort_unstable();
    let inside = |at: usize| {
        let i = scalars.partition_point(|(s, _)| *s <= at);
        i > 0 && at < scalars[i - 1].1
    };
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'#'
            && (i == 0 || matches!(bytes[i - 1], b' ' | b'\t' | b'\n' | b'\r'))
            && !inside(i)
        {
            let start = i;
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            let end = if i > start && bytes[i - 1] == b'\r' {
                i - 1
            } else {
                i
            };
            out.push(Comment {
                span: Span::new(file, start, end),
                text: text[start + 1..end].to_string(),
            });
            continue;
        }
        i += 1;
    }
    out
}

/// The YAML text with the line breaks after `allow:` and `request:` keys turned into spaces
/// (offsets unchanged): the text to give [`super::format::format`] and [`to_yaml`] with a
/// tree read from YAML. Those keys are no statements of their own, so the line they stand on
/// must not count as a blank line or separate a comment from its statement.
pub fn layout_text(text: &str) -> String {
    let Ok(Some(root)) = schema::read_document(0, text, TextFormat::Yaml, &Limits::default())
    else {
        return text.to_string();
    };
    let mut bytes = text.as_bytes().to_vec();
    for block in root.items() {
        for e in block.entries() {
            if (e.key == "allow" || e.key == "request" || e.key == "auth-action")
                && !e.value.items().is_empty()
            {
                let (from, to) = (e.key_span.end, e.value.span.start);
                if let Some(between) = bytes.get_mut(from..to) {
                    for b in between.iter_mut().filter(|b| **b == b'\n') {
                        *b = b' ';
                    }
                }
            }
        }
    }
    String::from_utf8(bytes).unwrap_or_else(|_| text.to_string())
}

/// Whether a comment is the editor's schema line, which only means something in YAML.
pub fn is_modeline(c: &Comment) -> bool {
    c.text.trim_start().starts_with(MODELINE)
}

// The writing half (`to_value`, `to_json`, `to_yaml`) is `yaml_write`.
pub use super::yaml_write::{to_json, to_value, to_yaml};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::yaml_write::{key_scalar, scalar};
    use crate::syntax::{format::format, parse};

    fn yaml(text: &str) -> PolicyFile {
        let (f, d) = parse_yaml(0, text);
        assert!(d.is_empty(), "{d:?}");
        f
    }

    const DSL: &str = "# head\n\ngrant \"g\" { # about g\n  domain \"a.example\"\n  # before chain\n  chain-id 5 # five\n  allow pkp-signing on \"lit-pkp://*\" where { uses: \"2\", list: [1, 2.5, null, {k: true}] }\n  max-ttl 2h\n}\n\nsession \"s\" from \"g\" {\n  ttl 1h\n  request pkp-signing on \"lit-pkp://*\"\n}\n# tail\n";

    #[test]
    fn dsl_to_yaml_keeps_comments_and_reads_back() {
        let (f, d) = parse(0, DSL);
        assert!(d.is_empty());
        let y = to_yaml(&f, DSL).unwrap();
        assert_eq!(
            y,
            "# head\n\n- grant: g # about g\n  domain: a.example\n  # before chain\n  chain-id: 5 # five\n  allow:\n    - pkp-signing: lit-pkp://*\n      where:\n        uses: \"2\"\n        list: [1, 2.5, null, { k: true }]\n  max-ttl: 2h\n\n- session: s\n  from: g\n  ttl: 1h\n  request:\n    - pkp-signing: lit-pkp://*\n\n# tail\n"
        );
        let back = yaml(&y);
        assert_eq!(back.without_spans(), f.without_spans());
        // And back to the DSL, comments included.
        assert_eq!(format(&back, &layout_text(&y)), format(&f, DSL));
        // YAML → YAML is stable.
        assert_eq!(to_yaml(&back, &layout_text(&y)).unwrap(), y);
    }

    #[test]
    fn json_form() {
        let (f, _) = parse(0, DSL);
        let j = to_json(&f).unwrap();
        let (back, d) = parse_json(0, &j);
        assert!(d.is_empty(), "{d:?}");
        let mut expected = f.without_spans();
        expected.comments.clear();
        assert_eq!(back.without_spans(), expected);
    }

    #[test]
    fn quoting() {
        for s in [
            "",
            "a",
            "true",
            "No",
            "12",
            "1.5",
            "-x",
            "a: b",
            "a #b",
            "a#b",
            "x\ny",
            "é",
            "*",
            "lit-pkp://*",
            "\u{1}",
            "\u{7f}",
            "  pad ",
            "[x]",
            "{}",
            "\"q\"",
            "\\",
            "~",
            ".inf",
            "0x10",
            "a\tb",
            "\u{2028}",
            "\u{feff}x",
            "<<",
            "null",
            "key:",
            "%x",
        ] {
            let text = format!(
                "- grant: {}\n  domain: {}\n",
                scalar(&Value::String(s.into())),
                key_scalar(s)
            );
            let f = yaml(&text);
            let Item::Grant(g) = &f.items[0] else {
                panic!()
            };
            assert_eq!(g.name.value, s, "{text}");
            let GrantStmtKind::Domain(d) = &g.body[0].kind else {
                panic!()
            };
            assert_eq!(d.value, s, "{text}");
        }
    }

    #[test]
    fn repeated_settings_are_refused() {
        let (f, _) = parse(0, "grant \"g\" {\n  domain \"a\"\n  domain \"b\"\n}\n");
        let d = to_yaml(&f, "").unwrap_err();
        assert_eq!(d.0[0].code, Code::DuplicateSetting);
        assert_eq!(d.0[0].span.unwrap().start, 27);
    }

    #[test]
    fn spans_point_into_the_yaml() {
        let text = "- grant: g\n  domain: a.example\n  allow:\n    - pkp-signing: lit-pkp://1\n      where: {a: 1}\n";
        let f = yaml(text);
        let Item::Grant(g) = &f.items[0] else {
            panic!()
        };
        let GrantStmtKind::Allow(c) = &g.body[1].kind else {
            panic!()
        };
        assert_eq!(
            &text[c.ability.span.start..c.ability.span.end],
            "pkp-signing"
        );
        assert_eq!(
            &text[c.resource.span.start..c.resource.span.end],
            "lit-pkp://1"
        );
        let data = c.data.as_ref().unwrap();
        assert_eq!(&text[data.span.start..data.span.end], "{a: 1}");
        assert_eq!(
            &text[g.body[1].span.start..g.body[1].span.end],
            "pkp-signing: lit-pkp://1\n      where: {a: 1}"
        );
        assert_eq!(
            &text[g.body[0].span.start..g.body[0].span.end],
            "domain: a.example"
        );
    }
}
