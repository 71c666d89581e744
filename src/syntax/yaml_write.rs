//! Writing a policy's syntax tree in its YAML and JSON forms (the reading half and the shape
//! are [`super::yaml`]'s): a block holds each setting once and its capabilities in one list;
//! YAML output keeps comments and blank lines (see the "Writing" section of `yaml`).

use super::ast::*;
use crate::diag::{Code, Diagnostic, Diagnostics, Span};
use serde_json::{Map, Value};

/// One block as written in the YAML/JSON forms: settings once each, capabilities in one list
/// at the place of the first.
enum Part<'a> {
    Setting(&'static str, Value, usize),
    List(&'static str, Vec<(&'a Capability, usize)>),
    /// `auth-action`: the CIDs of the grant's `auth-action` lines.
    Actions(Vec<(&'a Spanned<String>, usize)>),
}

/// The parts of a block, or a diagnostic for a setting given twice.
fn parts(item: &Item) -> Result<Vec<Part<'_>>, Diagnostic> {
    let mut parts: Vec<Part> = Vec::new();
    let mut seen: Vec<(&'static str, Span)> = Vec::new();
    let mut setting = |parts: &mut Vec<Part>, key: &'static str, v: Value, i: usize, span: Span| {
        if let Some((_, first)) = seen.iter().find(|(k, _)| *k == key) {
            let (kind, name) = match item {
                Item::Grant(g) => ("grant", &g.name.value),
                Item::Session(s) => ("session", &s.name.value),
            };
            return Err(Diagnostic::new(
                Code::DuplicateSetting,
                format!("`{key}` is set twice in {kind} `{name}`; the YAML and JSON forms hold one `{key}` per block"),
            )
            .at(span, "set again here")
            .related(*first, "first set here")
            .help(format!("keep one `{key}` line, then convert")));
        }
        seen.push((key, span));
        parts.push(Part::Setting(key, v, i));
        Ok(())
    };
    match item {
        Item::Grant(g) => {
            for (i, s) in g.body.iter().enumerate() {
                match &s.kind {
                    GrantStmtKind::Domain(v) => setting(
                        &mut parts,
                        "domain",
                        Value::String(v.value.clone()),
                        i,
                        s.span,
                    )?,
                    GrantStmtKind::Statement(v) => setting(
                        &mut parts,
                        "statement",
                        Value::String(v.value.clone()),
                        i,
                        s.span,
                    )?,
                    GrantStmtKind::ChainId(v) => {
                        setting(&mut parts, "chain-id", Value::from(v.value), i, s.span)?
                    }
                    GrantStmtKind::MaxTtl(v) => setting(
                        &mut parts,
                        "max-ttl",
                        Value::String(v.value.to_string()),
                        i,
                        s.span,
                    )?,
                    GrantStmtKind::Allow(c) => push_capability(&mut parts, "allow", c, i),
                    GrantStmtKind::Signer { kind, address } => {
                        let mut m = Map::new();
                        m.insert(kind.value.clone(), Value::String(address.value.clone()));
                        setting(&mut parts, "signer", Value::Object(m), i, s.span)?
                    }
                    GrantStmtKind::AuthAction(cid) => {
                        match parts.iter_mut().find(|p| matches!(p, Part::Actions(_))) {
                            Some(Part::Actions(cids)) => cids.push((cid, i)),
                            _ => parts.push(Part::Actions(vec![(cid, i)])),
                        }
                    }
                }
            }
        }
        Item::Session(s) => {
            for (i, st) in s.body.iter().enumerate() {
                match &st.kind {
                    SessionStmtKind::Ttl(v) => setting(
                        &mut parts,
                        "ttl",
                        Value::String(v.value.to_string()),
                        i,
                        st.span,
                    )?,
                    SessionStmtKind::Request(c) => push_capability(&mut parts, "request", c, i),
                }
            }
        }
    }
    for p in &parts {
        if let Part::List(_, caps) = p {
            for (c, _) in caps {
                check_ability_key(c)?;
            }
        }
    }
    Ok(parts)
}

fn push_capability<'a>(parts: &mut Vec<Part<'a>>, key: &'static str, c: &'a Capability, i: usize) {
    match parts
        .iter_mut()
        .find(|p| matches!(p, Part::List(k, _) if *k == key))
    {
        Some(Part::List(_, caps)) => caps.push((c, i)),
        _ => parts.push(Part::List(key, vec![(c, i)])),
    }
}

fn check_ability_key(c: &Capability) -> Result<(), Diagnostic> {
    if c.ability.value == "where" {
        return Err(Diagnostic::new(
            Code::UnknownAbility,
            "unknown ability `where`, which the YAML and JSON forms cannot write",
        )
        .at(c.ability.span, "unknown ability")
        .help("`where` holds nota-bene data in those forms; fix the ability, then convert"));
    }
    Ok(())
}

/// The JSON value of a capability entry.
fn capability_value(c: &Capability) -> Value {
    let mut m = Map::new();
    m.insert(
        c.ability.value.clone(),
        Value::String(c.resource.value.clone()),
    );
    if let Some(d) = &c.data {
        m.insert("where".into(), Value::Object(d.value.clone()));
    }
    Value::Object(m)
}

/// The policy as the value of its JSON form.
pub fn to_value(file: &PolicyFile) -> Result<Value, Diagnostics> {
    let mut blocks = Vec::new();
    if let Some(n) = &file.network {
        blocks.push(serde_json::json!({ "network": n.value }));
    }
    let mut diags = Diagnostics::new();
    for item in &file.items {
        let parts = match parts(item) {
            Ok(p) => p,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let mut m = Map::new();
        match item {
            Item::Grant(g) => {
                m.insert("grant".into(), Value::String(g.name.value.clone()));
            }
            Item::Session(s) => {
                m.insert("session".into(), Value::String(s.name.value.clone()));
                m.insert("from".into(), Value::String(s.from.value.clone()));
            }
        }
        for p in parts {
            match p {
                Part::Setting(k, v, _) => {
                    m.insert(k.into(), v);
                }
                Part::List(k, caps) => {
                    m.insert(
                        k.into(),
                        Value::Array(caps.iter().map(|(c, _)| capability_value(c)).collect()),
                    );
                }
                Part::Actions(cids) => {
                    m.insert(
                        "auth-action".into(),
                        Value::Array(
                            cids.iter()
                                .map(|(c, _)| Value::String(c.value.clone()))
                                .collect(),
                        ),
                    );
                }
            }
        }
        blocks.push(Value::Object(m));
    }
    if diags.is_empty() {
        Ok(Value::Array(blocks))
    } else {
        Err(diags)
    }
}

/// The policy in its JSON form (comments are not kept: JSON has none).
pub fn to_json(file: &PolicyFile) -> Result<String, Diagnostics> {
    let v = to_value(file)?;
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    Ok(s)
}

/// The policy in its YAML form. `text` is the source the tree was parsed from, for placing
/// its comments and blank lines: the DSL text, or [`layout_text`](super::yaml::layout_text) of a YAML text; pass `""`
/// for trees without one.
pub fn to_yaml(file: &PolicyFile, text: &str) -> Result<String, Diagnostics> {
    let mut diags = Diagnostics::new();
    let mut all_parts = Vec::with_capacity(file.items.len());
    for item in &file.items {
        match parts(item) {
            Ok(p) => all_parts.push(p),
            Err(d) => diags.push(d),
        }
    }
    if !diags.is_empty() {
        return Err(diags);
    }
    let mut out = String::new();
    // Comments outside every block are written between the blocks, in order.
    let mut owned: Vec<Vec<&Comment>> = vec![Vec::new(); file.items.len()];
    let mut top: Vec<(usize, Option<&Comment>, Option<usize>)> = Vec::new();
    for c in &file.comments {
        match file.items.iter().position(|it| {
            let s = it.span();
            c.span.start >= s.start && c.span.start < s.end
        }) {
            Some(i) => owned[i].push(c),
            None => top.push((c.span.start, Some(c), None)),
        }
    }
    for (i, it) in file.items.iter().enumerate() {
        top.push((it.span().start, None, Some(i)));
    }
    // The `network` block, where its line is (index past the items).
    if let Some(n) = &file.network {
        top.push((n.span.start, None, Some(file.items.len())));
    }
    top.sort_by_key(|(at, _, item)| (*at, item.is_some()));
    let mut prev_end: Option<(usize, bool)> = None;
    for (at, comment, item) in &top {
        if let Some((end, was_item)) = prev_end {
            if was_item || item.is_some() || blank_between(text, end, *at) {
                out.push('\n');
            }
        }
        if let Some(c) = comment {
            push_comment(&mut out, "", c);
            prev_end = Some((c.span.end, false));
        }
        if let Some(i) = item {
            match (file.items.get(*i), &file.network) {
                (Some(it), _) => {
                    write_block(&mut out, text, it, &all_parts[*i], &owned[*i]);
                    prev_end = Some((it.span().end, true));
                }
                (None, Some(n)) => {
                    out.push_str("- network: ");
                    out.push_str(&scalar(&Value::String(n.value.clone())));
                    out.push('\n');
                    prev_end = Some((n.span.end, true));
                }
                (None, None) => {}
            }
        }
    }
    if file.items.is_empty() && file.network.is_none() {
        out.push_str("[]\n");
    }
    Ok(out)
}

fn blank_between(text: &str, a: usize, b: usize) -> bool {
    text.get(a.min(b)..b.max(a))
        .is_some_and(|between| between.matches('\n').count() >= 2)
}

fn same_line(text: &str, a: usize, b: usize) -> bool {
    text.get(a.min(b)..a.max(b))
        .is_some_and(|between| !between.contains('\n'))
}

fn push_comment(out: &mut String, indent: &str, c: &Comment) {
    out.push_str(indent);
    out.push('#');
    out.push_str(c.text.trim_end());
    out.push('\n');
}

/// Where each comment of a block goes: on the header line, before a statement, at the end of
/// a statement's line, or at the end of the block.
struct Placement<'a> {
    header: Option<&'a Comment>,
    before: Vec<Vec<&'a Comment>>,
    trailing: Vec<Option<&'a Comment>>,
    end: Vec<&'a Comment>,
}

fn place<'a>(text: &str, item: &Item, comments: &[&'a Comment]) -> Placement<'a> {
    let (open, stmts): (usize, Vec<Span>) = match item {
        Item::Grant(g) => (g.open, g.body.iter().map(|s| s.span).collect()),
        Item::Session(s) => (s.open, s.body.iter().map(|s| s.span).collect()),
    };
    let mut p = Placement {
        header: None,
        before: vec![Vec::new(); stmts.len()],
        trailing: vec![None; stmts.len()],
        end: Vec::new(),
    };
    for c in comments {
        let start = c.span.start;
        let on_header = start < open
            || (same_line(text, open, start)
                && !stmts
                    .iter()
                    .any(|s| s.start < start && same_line(text, s.start, start)));
        if on_header && p.header.is_none() {
            p.header = Some(c);
            continue;
        }
        if let Some(i) = stmts.iter().position(|s| start >= s.start && start < s.end) {
            p.before[i].push(c);
            continue;
        }
        if let Some(i) = stmts
            .iter()
            .rposition(|s| s.end <= start && same_line(text, s.end, start))
        {
            if p.trailing[i].is_none() {
                p.trailing[i] = Some(c);
                continue;
            }
        }
        match stmts.iter().position(|s| s.start > start) {
            Some(i) => p.before[i].push(c),
            None => p.end.push(c),
        }
    }
    p
}

fn write_block(out: &mut String, text: &str, item: &Item, parts: &[Part], comments: &[&Comment]) {
    let p = place(text, item, comments);
    let stmt_spans: Vec<Span> = match item {
        Item::Grant(g) => g.body.iter().map(|s| s.span).collect(),
        Item::Session(s) => s.body.iter().map(|s| s.span).collect(),
    };
    let trailing = |out: &mut String, c: Option<&Comment>| {
        if let Some(c) = c {
            out.push_str(" #");
            out.push_str(c.text.trim_end());
        }
        out.push('\n');
    };
    match item {
        Item::Grant(g) => {
            out.push_str("- grant: ");
            out.push_str(&scalar(&Value::String(g.name.value.clone())));
            trailing(out, p.header);
        }
        Item::Session(s) => {
            out.push_str("- session: ");
            out.push_str(&scalar(&Value::String(s.name.value.clone())));
            trailing(out, p.header);
            out.push_str("  from: ");
            out.push_str(&scalar(&Value::String(s.from.value.clone())));
            out.push('\n');
        }
    }
    let mut prev_end: Option<usize> = None;
    for part in parts {
        match part {
            Part::Setting(key, v, i) => {
                let span = stmt_spans[*i];
                let first = p.before[*i]
                    .first()
                    .map(|c| c.span.start)
                    .unwrap_or(span.start);
                blank_before(out, text, prev_end, first);
                for c in &p.before[*i] {
                    push_comment(out, "  ", c);
                }
                out.push_str("  ");
                out.push_str(key);
                out.push_str(": ");
                out.push_str(&scalar(v));
                trailing(out, p.trailing[*i]);
                prev_end = Some(span.end);
            }
            Part::List(key, caps) => {
                let first_i = caps.first().map(|(_, i)| *i).unwrap_or(0);
                let span = stmt_spans[first_i];
                let first = p.before[first_i]
                    .first()
                    .map(|c| c.span.start)
                    .unwrap_or(span.start);
                blank_before(out, text, prev_end, first);
                out.push_str("  ");
                out.push_str(key);
                out.push_str(":\n");
                for (c, i) in caps {
                    let span = stmt_spans[*i];
                    if let Some(e) = prev_end {
                        let first = p.before[*i]
                            .first()
                            .map(|c| c.span.start)
                            .unwrap_or(span.start);
                        if e > span.start || !blank_between(text, e, first) {
                            // no blank line
                        } else {
                            out.push('\n');
                        }
                    }
                    for cm in &p.before[*i] {
                        push_comment(out, "    ", cm);
                    }
                    out.push_str("    - ");
                    out.push_str(&key_scalar(&c.ability.value));
                    out.push_str(": ");
                    out.push_str(&scalar(&Value::String(c.resource.value.clone())));
                    trailing(out, p.trailing[*i]);
                    if let Some(d) = &c.data {
                        write_where(out, &d.value);
                    }
                    prev_end = Some(span.end);
                }
            }
            Part::Actions(cids) => {
                let first_i = cids.first().map(|(_, i)| *i).unwrap_or(0);
                let span = stmt_spans[first_i];
                let first = p.before[first_i]
                    .first()
                    .map(|c| c.span.start)
                    .unwrap_or(span.start);
                blank_before(out, text, prev_end, first);
                out.push_str("  auth-action:\n");
                for (cid, i) in cids {
                    for cm in &p.before[*i] {
                        push_comment(out, "    ", cm);
                    }
                    out.push_str("    - ");
                    out.push_str(&scalar(&Value::String(cid.value.clone())));
                    trailing(out, p.trailing[*i]);
                    prev_end = Some(stmt_spans[*i].end);
                }
            }
        }
    }
    for c in &p.end {
        push_comment(out, "  ", c);
    }
}

fn blank_before(out: &mut String, text: &str, prev_end: Option<usize>, start: usize) {
    if let Some(e) = prev_end {
        if blank_between(text, e, start) {
            out.push('\n');
        }
    }
}

fn write_where(out: &mut String, data: &Map<String, Value>) {
    if data.is_empty() {
        out.push_str("      where: {}\n");
        return;
    }
    out.push_str("      where:\n");
    for (k, v) in data {
        out.push_str("        ");
        out.push_str(&key_scalar(k));
        out.push_str(": ");
        out.push_str(&flow(v));
        out.push('\n');
    }
}

/// A value in flow style (JSON syntax, which is YAML too; keys plain where that is safe).
fn flow(v: &Value) -> String {
    match v {
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(flow).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(m) if m.is_empty() => "{}".into(),
        Value::Object(m) => format!(
            "{{ {} }}",
            m.iter()
                .map(|(k, v)| format!("{}: {}", flow_key(k), flow(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::String(s) => double_quoted(s),
        other => scalar(other),
    }
}

fn flow_key(k: &str) -> String {
    let identifier = k
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if identifier && plain_ok(k) {
        k.to_string()
    } else {
        double_quoted(k)
    }
}

/// A block-context key.
pub(super) fn key_scalar(k: &str) -> String {
    if plain_ok(k) {
        k.to_string()
    } else {
        double_quoted(k)
    }
}

/// A scalar in block context: plain when that reads back as the same string, else quoted.
pub(super) fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) if plain_ok(s) => s.clone(),
        Value::String(s) => double_quoted(s),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => flow(other),
    }
}

/// Whether a string can be written as a plain scalar and read back as the same string, by
/// YAML 1.2 readers and by the YAML 1.1 ones many editors still use.
fn plain_ok(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if first.is_ascii_digit() {
        // Durations (`15m`, `1h30m`) read the same everywhere; other digit-led strings may be
        // numbers, dates or sexagesimals to some reader.
        return crate::time::Ttl::parse(s).is_ok();
    }
    if "-?:,[]{}#&*!|>'\"%@`<=~.+ \t".contains(first) {
        return false;
    }
    if s.ends_with([' ', '\t', ':']) || s.contains(": ") || s.contains(" #") {
        return false;
    }
    if s.chars()
        .any(|c| needs_escape(c) || c == '\t' || "[]{},".contains(c))
    {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    !matches!(
        lower.as_str(),
        "y" | "n" | "yes" | "no" | "on" | "off" | "true" | "false" | "null"
    )
}

/// Characters YAML cannot carry raw in a scalar (or that readers treat specially).
fn needs_escape(c: char) -> bool {
    let u = c as u32;
    u < 0x20
        || (0x7f..=0x9f).contains(&u)
        || matches!(u, 0xfeff | 0xfffe | 0xffff | 0x2028 | 0x2029)
}

/// A double-quoted YAML scalar (JSON escapes, which YAML shares).
fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
