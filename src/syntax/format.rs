//! `litcap fmt`: the canonical layout of a policy file, comments kept.
//!
//! Statements keep their order. Own-line comments stay before what follows them; a comment at
//! the end of a line stays on that line; a comment inside a statement (in a multi-line `where`
//! object) moves to its own line above the statement. Runs of blank lines shrink to one, and
//! top-level blocks are separated by one. Formatting formatted text changes nothing.

use super::ast::*;
use serde_json::Value;

/// Formats a parsed file. `text` is the source it was parsed from (used for comments and
/// blank lines); pass `""` for trees built from YAML or JSON.
pub fn format(file: &PolicyFile, text: &str) -> String {
    let mut out = String::new();
    let items: Vec<&Item> = file.items.iter().collect();
    let mut top: Vec<Entry> = Vec::new();
    let mut owned: Vec<Vec<&Comment>> = vec![Vec::new(); items.len()];
    let mut item_trailing: Vec<Option<&Comment>> = vec![None; items.len()];
    for c in &file.comments {
        let inside = items.iter().position(|it| {
            let s = it.span();
            c.span.start >= s.start && c.span.start < s.end
        });
        if let Some(i) = inside {
            owned[i].push(c);
            continue;
        }
        let trailing_of = items.iter().position(|it| {
            let close = close_of(it);
            close < c.span.start && same_line(text, close, c.span.start)
        });
        // A block that ends with its last statement, without a `}` (the YAML form, where a
        // block ends with its last entry): the comment belongs to that statement.
        if let Some(i) = trailing_of {
            if last_stmt_end(items[i]).is_some_and(|e| {
                e <= c.span.start
                    && same_line(text, e, c.span.start)
                    && !text.get(e..c.span.start).unwrap_or("}").contains('}')
            }) {
                owned[i].push(c);
                continue;
            }
        }
        match trailing_of {
            Some(i) if item_trailing[i].is_none() => item_trailing[i] = Some(c),
            _ => top.push(Entry {
                start: c.span.start,
                end: c.span.end,
                el: El::Comment(c),
            }),
        }
    }
    for (i, it) in items.iter().enumerate() {
        let s = it.span();
        top.push(Entry {
            start: s.start,
            end: s.end,
            el: El::Item(i),
        });
    }
    if let Some(n) = &file.network {
        top.push(Entry {
            start: n.span.start,
            end: n.span.end,
            el: El::Network(&n.value),
        });
    }
    top.sort_by_key(|e| e.start);
    let mut prev: Option<&Entry> = None;
    for e in &top {
        if let Some(p) = prev {
            let blank = blank_between(text, p.end, e.start)
                || matches!(
                    (&p.el, &e.el),
                    (El::Item(_) | El::Network(_), El::Item(_))
                        | (El::Item(_), El::Comment(_))
                        | (El::Item(_), El::Network(_))
                        | (El::Network(_), El::Comment(_))
                );
            if blank {
                out.push('\n');
            }
        }
        match e.el {
            El::Comment(c) => push_comment(&mut out, "", c),
            El::Network(name) => {
                out.push_str("network ");
                out.push_str(&quote(name));
                out.push('\n');
            }
            El::Item(i) => format_item(&mut out, text, items[i], &owned[i], item_trailing[i]),
            El::Stmt(_) => {}
        }
        prev = Some(e);
    }
    out
}

#[derive(Clone, Copy)]
enum El<'a> {
    Item(usize),
    Network(&'a str),
    Stmt(usize),
    Comment(&'a Comment),
}

struct Entry<'a> {
    start: usize,
    end: usize,
    el: El<'a>,
}

/// Where the last statement of a block ends.
fn last_stmt_end(item: &Item) -> Option<usize> {
    match item {
        Item::Grant(g) => g.body.last().map(|s| s.span.end),
        Item::Session(s) => s.body.last().map(|s| s.span.end),
    }
}

fn close_of(item: &Item) -> usize {
    match item {
        Item::Grant(g) => g.close,
        Item::Session(s) => s.close,
    }
}

fn same_line(text: &str, a: usize, b: usize) -> bool {
    match text.get(a.min(b)..a.max(b)) {
        Some(between) => !between.contains('\n'),
        None => false,
    }
}

fn blank_between(text: &str, a: usize, b: usize) -> bool {
    match text.get(a..b) {
        Some(between) => between.matches('\n').count() >= 2,
        None => false,
    }
}

fn push_comment(out: &mut String, indent: &str, c: &Comment) {
    out.push_str(indent);
    out.push('#');
    out.push_str(c.text.trim_end());
    out.push('\n');
}

fn format_item(
    out: &mut String,
    text: &str,
    item: &Item,
    comments: &[&Comment],
    trailing: Option<&Comment>,
) {
    let (header, open, close, stmts): (String, usize, usize, Vec<(usize, usize, String)>) =
        match item {
            Item::Grant(g) => (
                format!("grant {} {{", quote(&g.name.value)),
                g.open,
                g.close,
                g.body
                    .iter()
                    .map(|s| (s.span.start, s.span.end, grant_stmt(&s.kind)))
                    .collect(),
            ),
            Item::Session(s) => (
                format!(
                    "session {} from {} {{",
                    quote(&s.name.value),
                    quote(&s.from.value)
                ),
                s.open,
                s.close,
                s.body
                    .iter()
                    .map(|st| (st.span.start, st.span.end, session_stmt(&st.kind)))
                    .collect(),
            ),
        };
    let mut header_trailing: Option<&Comment> = None;
    let mut entries: Vec<Entry> = Vec::new();
    let mut stmt_trailing: Vec<Option<&Comment>> = vec![None; stmts.len()];
    for c in comments {
        let start = c.span.start;
        // Comments before `{` or on its line end the header line.
        let on_header_line = start < open
            || (start > open
                && same_line(text, open, start)
                && !stmts
                    .iter()
                    .any(|(s, _, _)| *s < start && same_line(text, *s, start)));
        if on_header_line && header_trailing.is_none() {
            header_trailing = Some(c);
            continue;
        }
        if let Some(i) = stmts.iter().position(|(s, e, _)| start >= *s && start < *e) {
            // Inside a statement: moves above it.
            entries.push(Entry {
                start: stmts[i].0,
                end: stmts[i].0,
                el: El::Comment(c),
            });
            continue;
        }
        let trails = stmts
            .iter()
            .rposition(|(_, e, _)| *e <= start && same_line(text, *e, start));
        match trails {
            Some(i) if stmt_trailing[i].is_none() => stmt_trailing[i] = Some(c),
            _ => entries.push(Entry {
                start,
                end: c.span.end,
                el: El::Comment(c),
            }),
        }
    }
    for (i, (s, e, _)) in stmts.iter().enumerate() {
        entries.push(Entry {
            start: *s,
            end: *e,
            el: El::Stmt(i),
        });
    }
    // Comments moved out of a statement sort before it (stable sort keeps their order).
    entries.sort_by_key(|e| (e.start, matches!(e.el, El::Stmt(_))));
    out.push_str(&header);
    if let Some(c) = header_trailing {
        out.push_str(" #");
        out.push_str(c.text.trim_end());
    }
    out.push('\n');
    let mut prev_end: Option<usize> = None;
    for e in &entries {
        if let Some(p) = prev_end {
            if blank_between(text, p, e.start) {
                out.push('\n');
            }
        }
        match e.el {
            El::Comment(c) => push_comment(out, "  ", c),
            El::Stmt(i) => {
                out.push_str("  ");
                out.push_str(&stmts[i].2);
                if let Some(c) = stmt_trailing[i] {
                    out.push_str(" #");
                    out.push_str(c.text.trim_end());
                }
                out.push('\n');
            }
            El::Item(_) | El::Network(_) => {}
        }
        prev_end = Some(e.end.max(prev_end.unwrap_or(0)));
    }
    let _ = close;
    out.push('}');
    if let Some(c) = trailing {
        out.push_str(" #");
        out.push_str(c.text.trim_end());
    }
    out.push('\n');
}

fn grant_stmt(kind: &GrantStmtKind) -> String {
    match kind {
        GrantStmtKind::Domain(s) => format!("domain {}", quote(&s.value)),
        GrantStmtKind::Statement(s) => format!("statement {}", quote(&s.value)),
        GrantStmtKind::ChainId(n) => format!("chain-id {}", n.value),
        GrantStmtKind::MaxTtl(t) => format!("max-ttl {}", t.value),
        GrantStmtKind::Allow(c) => format!("allow {}", capability(c)),
        GrantStmtKind::Signer { kind, address } => {
            format!("signer {} {}", kind.value, quote(&address.value))
        }
        GrantStmtKind::AuthAction(cid) => format!("auth-action {}", quote(&cid.value)),
    }
}

fn session_stmt(kind: &SessionStmtKind) -> String {
    match kind {
        SessionStmtKind::Ttl(t) => format!("ttl {}", t.value),
        SessionStmtKind::Request(c) => format!("request {}", capability(c)),
    }
}

/// A Lit ability bare (`pkp-signing`), an ERC-5573 one (`namespace/name`, or anything the
/// bare form cannot hold) quoted.
pub fn ability(a: &str) -> String {
    let bare = !a.is_empty()
        && !a.contains('/')
        && a.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'*'));
    if bare {
        a.to_string()
    } else {
        quote(a)
    }
}

/// `<ability> on "<resource>" [where { ... }]`
pub fn capability(c: &Capability) -> String {
    let mut s = format!(
        "{} on {}",
        ability(&c.ability.value),
        quote(&c.resource.value)
    );
    if let Some(data) = &c.data {
        s.push_str(" where ");
        s.push_str(&object(&data.value));
    }
    s
}

/// A string literal of the policy language (JSON escapes, non-ASCII written as is).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn is_identifier(k: &str) -> bool {
    let mut chars = k.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn object(map: &serde_json::Map<String, Value>) -> String {
    if map.is_empty() {
        return "{}".to_string();
    }
    let fields: Vec<String> = map
        .iter()
        .map(|(k, v)| {
            let key = if is_identifier(k) {
                k.clone()
            } else {
                quote(k)
            };
            format!("{key}: {}", value(v))
        })
        .collect();
    format!("{{ {} }}", fields.join(", "))
}

fn value(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => quote(s),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(value).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(m) => object(m),
    }
}

#[cfg(test)]
mod tests {
    use super::super::parser::parse;
    use super::*;

    fn fmt(text: &str) -> String {
        let (f, d) = parse(0, text);
        assert!(d.is_empty(), "{d:?}");
        format(&f, text)
    }

    #[test]
    fn canonical_layout_keeps_comments() {
        let src = "# head\n\n\n# about dapp\ngrant   \"dapp\"{ # the dapp\n domain \"a.example\"   # trailing\n\n\n\n  allow pkp-signing on \"lit-pkp://*\" where {b:1,\"a b\":[true,null,\"x\"] ,}\n  # before close\n}   # after close\nsession \"s\" from \"dapp\" {\n  ttl 60m\n  request pkp-signing on \"lit-pkp://*\"\n}\n# tail";
        let out = fmt(src);
        assert_eq!(
            out,
            "# head\n\n# about dapp\ngrant \"dapp\" { # the dapp\n  domain \"a.example\" # trailing\n\n  allow pkp-signing on \"lit-pkp://*\" where { b: 1, \"a b\": [true, null, \"x\"] }\n  # before close\n} # after close\n\nsession \"s\" from \"dapp\" {\n  ttl 1h\n  request pkp-signing on \"lit-pkp://*\"\n}\n\n# tail\n"
        );
        assert_eq!(fmt(&out), out);
    }

    #[test]
    fn comments_inside_where_move_above_the_statement() {
        let src = "grant \"g\" {\n  allow pkp-signing on \"lit-pkp://*\" where {\n    a: 1, # one\n    b: 2\n  }\n}\n";
        let out = fmt(src);
        assert_eq!(
            out,
            "grant \"g\" {\n  # one\n  allow pkp-signing on \"lit-pkp://*\" where { a: 1, b: 2 }\n}\n"
        );
        assert_eq!(fmt(&out), out);
    }

    #[test]
    fn strings_round_trip() {
        let out = fmt("grant \"a\\\"b\\\\c\\u0001é\\/\" {\n}\n");
        assert_eq!(out, "grant \"a\\\"b\\\\c\\u0001é/\" {\n}\n");
        assert_eq!(fmt(&out), out);
    }
}
