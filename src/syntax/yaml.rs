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
use serde_json::{Map, Value};

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

// --------------------------------------------------------------------------- writing ---

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
/// its comments and blank lines: the DSL text, or [`layout_text`] of a YAML text; pass `""`
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
            let it = &file.items[*i];
            write_block(&mut out, text, it, &all_parts[*i], &owned[*i]);
            prev_end = Some((it.span().end, true));
        }
    }
    if file.items.is_empty() {
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
fn key_scalar(k: &str) -> String {
    if plain_ok(k) {
        k.to_string()
    } else {
        double_quoted(k)
    }
}

/// A scalar in block context: plain when that reads back as the same string, else quoted.
fn scalar(v: &Value) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
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
