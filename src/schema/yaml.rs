//! YAML text → [`Node`] tree with byte spans, through saphyr-parser's event stream.
//!
//! Scalars are resolved with the YAML 1.2 core schema (`true`, `null`, `12`, `1.5` ...; quoted
//! scalars are always strings). The reader is bounded: nesting deeper than
//! [`Limits::max_depth`] and aliases that would copy more than [`Limits::max_alias_nodes`]
//! nodes in total (the "billion laughs" bomb) are refused with a diagnostic, and duplicate
//! keys are errors that name both places.

use super::doc::{CharToByte, Entry, Node, NodeValue};
use super::Limits;
use crate::diag::{Code, Diagnostic, FileId, Span};
use saphyr_parser::{Event, Parser, ScalarStyle, Tag};
use serde_json::Number;
use std::collections::HashMap;

/// Parses one YAML document. An empty stream (or comments only) is `Ok(None)`.
pub fn parse(file: FileId, text: &str, limits: &Limits) -> Result<Option<Node>, Box<Diagnostic>> {
    let mut r = Reader {
        file,
        pos: CharToByte::new(text),
        text,
        stack: Vec::new(),
        anchors: HashMap::new(),
        copied: 0,
        root: None,
        documents: 0,
        limits,
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(event) = parser.next_event() {
        let (event, span) = match event {
            Ok(e) => e,
            Err(e) => {
                let at = r.pos.byte(e.marker().index());
                let info = e.info();
                let (message, help) = if info.contains("recursion limit") {
                    return Err(Box::new(r.too_deep(at)));
                } else if info.contains("tab") {
                    // The scanner reports the token before the tab, often on the line above:
                    // point at the tab itself.
                    let tab = text
                        .get(at..)
                        .and_then(|rest| rest.find('\t'))
                        .map_or(at, |i| at + i);
                    return Err(Box::new(
                        Diagnostic::new(Code::Syntax, "a tab in the YAML indentation")
                            .at(r.span_at(tab), "tab")
                            .help("YAML indents with spaces only; replace the tab with spaces"),
                    ));
                } else {
                    (
                        format!("the YAML does not parse: {info}"),
                        "check the indentation and quoting near this place",
                    )
                };
                return Err(Box::new(
                    Diagnostic::new(Code::Syntax, message)
                        .at(r.span_at(at), "here")
                        .help(help),
                ));
            }
        };
        let start = r.pos.byte(span.start.index());
        let end = r.pos.byte(span.end.index()).max(start);
        match event {
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => {}
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                r.documents += 1;
                if r.documents > 1 {
                    return Err(Box::new(
                        Diagnostic::new(Code::Syntax, "the file holds more than one YAML document")
                            .at(Span::new(file, start, end.max(start + 1)), "second document")
                            .help("a policy file is one document; remove the `---` line or split the file"),
                    ));
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                // saphyr-parser's span of a quoted scalar runs on over the spaces and the
                // comment that follow it; the closing quote is found here instead.
                let (start, end) = match style {
                    ScalarStyle::DoubleQuoted | ScalarStyle::SingleQuoted => {
                        quoted_extent(text, start, style == ScalarStyle::DoubleQuoted)
                            .unwrap_or((start, end))
                    }
                    _ => (start, end),
                };
                let span = Span::new(file, start, end);
                let node = r.scalar(&value, style, tag.as_deref(), span)?;
                r.complete(node, anchor, Some(value.into_owned()))?;
            }
            Event::Alias(id) => {
                let span = Span::new(file, start, end);
                let Some(size) = r.anchors.get(&id).map(Node::size) else {
                    return Err(Box::new(
                        Diagnostic::new(
                            Code::Syntax,
                            "this alias refers to a node that contains it",
                        )
                        .at(span, "recursive alias")
                        .help("an alias can only repeat a node that is complete before it"),
                    ));
                };
                r.copy(size, span)?;
                let Some(mut node) = r.anchors.get(&id).cloned() else {
                    continue;
                };
                // The copy is reported where the alias is written.
                node.span = span;
                r.complete(node, 0, None)?;
            }
            Event::SequenceStart(anchor, tag) => {
                r.check_collection_tag(tag.as_deref(), "seq", start)?;
                let start = flow_open(text, start, end).unwrap_or(start);
                r.open(Frame::Seq(Vec::new()), start, anchor)?;
            }
            Event::MappingStart(anchor, tag) => {
                r.check_collection_tag(tag.as_deref(), "map", start)?;
                let start = flow_open(text, start, end).unwrap_or(start);
                r.open(
                    Frame::Map {
                        entries: Vec::new(),
                        key: None,
                        seen: HashMap::new(),
                    },
                    start,
                    anchor,
                )?;
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(open) = r.stack.pop() else { continue };
                // Block collections end where the next token starts; a span that ends after
                // its last child keeps trailing comments and blank lines out of it.
                let is_flow = r
                    .text
                    .as_bytes()
                    .get(open.start)
                    .is_some_and(|b| matches!(b, b'[' | b'{'));
                let value = match open.frame {
                    Frame::Seq(items) => NodeValue::Seq(items),
                    Frame::Map { entries, .. } => NodeValue::Map(entries),
                };
                let last_end = match &value {
                    NodeValue::Seq(items) => items.last().map(|n| n.span.end),
                    NodeValue::Map(entries) => entries.last().map(|e| e.value.span.end),
                    _ => None,
                };
                // A flow collection ends after its bracket (the event's span runs on over a
                // comment that follows it).
                let end = if is_flow {
                    start + 1
                } else {
                    last_end.unwrap_or(open.start)
                };
                let node = Node::new(value, Span::new(file, open.start, end.max(open.start)));
                r.complete(node, open.anchor, None)?;
            }
        }
    }
    Ok(r.root)
}

enum Frame {
    Seq(Vec<Node>),
    Map {
        entries: Vec<Entry>,
        key: Option<(String, Span)>,
        seen: HashMap<String, Span>,
    },
}

struct Open {
    frame: Frame,
    start: usize,
    anchor: usize,
}

struct Reader<'a> {
    file: FileId,
    text: &'a str,
    pos: CharToByte<'a>,
    stack: Vec<Open>,
    anchors: HashMap<usize, Node>,
    /// Nodes copied for anchors and aliases so far.
    copied: usize,
    root: Option<Node>,
    documents: usize,
    limits: &'a Limits,
}

impl Reader<'_> {
    fn span_at(&self, at: usize) -> Span {
        let mut end = (at + 1).min(self.text.len());
        while end < self.text.len() && !self.text.is_char_boundary(end) {
            end += 1;
        }
        Span::new(self.file, at.min(end), end)
    }

    fn too_deep(&self, at: usize) -> Diagnostic {
        Diagnostic::new(
            Code::NestingTooDeep,
            format!(
                "the document is nested more than {} levels deep",
                self.limits.max_depth
            ),
        )
        .at(self.span_at(at), "too deep")
        .help("flatten the data; litcap reads at most this many levels of lists and mappings")
    }

    fn copy(&mut self, size: usize, span: Span) -> Result<(), Box<Diagnostic>> {
        self.copied = self.copied.saturating_add(size);
        if self.copied > self.limits.max_alias_nodes {
            return Err(Box::new(
                Diagnostic::new(
                    Code::Syntax,
                    format!(
                        "anchors and aliases expand to more than {} nodes",
                        self.limits.max_alias_nodes
                    ),
                )
                .at(span, "the limit is reached here")
                .help("aliases copy the node they name, so nested aliases grow exponentially (an \"alias bomb\"); write the data out instead"),
            ));
        }
        Ok(())
    }

    fn open(&mut self, frame: Frame, start: usize, anchor: usize) -> Result<(), Box<Diagnostic>> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(Box::new(self.too_deep(start)));
        }
        self.stack.push(Open {
            frame,
            start,
            anchor,
        });
        Ok(())
    }

    fn check_collection_tag(
        &self,
        tag: Option<&Tag>,
        expected: &str,
        start: usize,
    ) -> Result<(), Box<Diagnostic>> {
        match tag {
            None => Ok(()),
            Some(t) if t.is_yaml_core_schema() && t.suffix == expected => Ok(()),
            Some(t) => Err(Box::new(unsupported_tag(t, self.span_at(start)))),
        }
    }

    /// Attaches a finished node to its parent (or makes it the document).
    fn complete(
        &mut self,
        node: Node,
        anchor: usize,
        raw: Option<String>,
    ) -> Result<(), Box<Diagnostic>> {
        if anchor != 0 {
            self.copy(node.size(), node.span)?;
            self.anchors.insert(anchor, node.clone());
        }
        let Some(top) = self.stack.last_mut() else {
            self.root = Some(node);
            return Ok(());
        };
        match &mut top.frame {
            Frame::Seq(items) => items.push(node),
            Frame::Map { entries, key, seen } => match key.take() {
                None => {
                    // Keys are scalars; a non-string scalar key is read as written.
                    let text = match (&node.value, raw) {
                        (NodeValue::String(s), _) => s.clone(),
                        (NodeValue::Null | NodeValue::Bool(_) | NodeValue::Number(_), Some(r)) => r,
                        _ => {
                            return Err(Box::new(
                                Diagnostic::new(Code::Syntax, "a mapping key is not a string")
                                    .at(node.span, "complex key")
                                    .help("write keys as plain strings; lists, mappings and aliases cannot be keys"),
                            ))
                        }
                    };
                    if let Some(first) = seen.get(&text) {
                        return Err(Box::new(super::duplicate_key(&text, node.span, *first)));
                    }
                    seen.insert(text.clone(), node.span);
                    *key = Some((text, node.span));
                }
                Some((k, key_span)) => entries.push(Entry {
                    key: k,
                    key_span,
                    value: node,
                }),
            },
        }
        Ok(())
    }

    fn scalar(
        &self,
        value: &str,
        style: ScalarStyle,
        tag: Option<&Tag>,
        span: Span,
    ) -> Result<Node, Box<Diagnostic>> {
        let as_string = || Ok(Node::new(NodeValue::String(value.to_string()), span));
        let tag = match tag {
            None => None,
            Some(t) if t.handle == "!" && t.suffix.is_empty() => return as_string(),
            Some(t) if t.is_yaml_core_schema() => Some(t),
            Some(t) => return Err(Box::new(unsupported_tag(t, span))),
        };
        if let Some(t) = tag {
            if t.suffix == "str" {
                return as_string();
            }
        }
        let resolved = if style == ScalarStyle::Plain || tag.is_some() {
            resolve_plain(value)
        } else {
            Resolved::String
        };
        let node = |v| Ok(Node::new(v, span));
        let wanted = tag.map(|t| t.suffix.as_str());
        let mismatch = |what: &str| {
            Err(Box::new(
                Diagnostic::new(Code::Syntax, format!("`{value}` is not {what}"))
                    .at(span, "tagged value")
                    .help("remove the tag or write a value of that type"),
            ))
        };
        match (resolved, wanted) {
            (Resolved::Null, None | Some("null")) => node(NodeValue::Null),
            (_, Some("null")) => mismatch("null"),
            (Resolved::Bool(b), None | Some("bool")) => node(NodeValue::Bool(b)),
            (_, Some("bool")) => mismatch("a boolean"),
            (Resolved::Int(n), None | Some("int" | "float")) => node(NodeValue::Number(n)),
            (_, Some("int")) => mismatch("an integer"),
            (Resolved::Float(f), None | Some("float")) => match Number::from_f64(f) {
                Some(n) => node(NodeValue::Number(n)),
                None if tag.is_none() && value.starts_with("0x") => {
                    Err(Box::new(unquoted_hex(value, span)))
                }
                None => Err(Box::new(
                    Diagnostic::new(
                        Code::InvalidNumber,
                        format!("`{value}` is not a number JSON can carry"),
                    )
                    .at(span, "not a finite number")
                    .help("JSON has no infinities or NaN, and numbers beyond about 1.8e308 overflow; write the value as a string in quotes"),
                )),
            },
            (_, Some("float")) => mismatch("a number"),
            (Resolved::String, None) => as_string(),
            (_, Some(other)) => Err(Box::new(unsupported_tag(
                &Tag {
                    handle: "tag:yaml.org,2002:".into(),
                    suffix: other.into(),
                },
                span,
            ))),
        }
    }
}

/// The opening bracket of a flow collection within its start event's span (which may begin
/// with an anchor or a tag and end after the spaces that follow the bracket).
fn flow_open(text: &str, start: usize, end: usize) -> Option<usize> {
    let span = text
        .as_bytes()
        .get(start..end.max(start + 1).min(text.len()))?;
    span.iter()
        .position(|b| matches!(b, b'[' | b'{'))
        .map(|i| start + i)
}

/// The extent of a quoted scalar that starts at `start` (at its quote, or at an anchor or tag
/// before it): from the opening quote to just after the closing one.
fn quoted_extent(text: &str, start: usize, double: bool) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let quote = if double { b'"' } else { b'\'' };
    let mut i = start;
    // Skip `&anchor` and `!tag` properties and the spaces after them.
    while i < bytes.len() && bytes[i] != quote {
        if !matches!(bytes[i], b'&' | b'!') {
            return None;
        }
        while i < bytes.len() && !matches!(bytes[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
        }
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
        }
    }
    let open = i;
    i += 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if double => i += 2,
            b'\'' if !double && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote => return Some((open, i + 1)),
            _ => i += 1,
        }
    }
    None
}

fn unsupported_tag(t: &Tag, span: Span) -> Diagnostic {
    let shown = if t.is_yaml_core_schema() {
        format!("!!{}", t.suffix)
    } else {
        t.to_string()
    };
    Diagnostic::new(Code::Syntax, format!("unsupported YAML tag `{shown}`"))
        .at(span, "tag")
        .help("policies are plain data: use no tags, or only `!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!seq` and `!!map`")
}

enum Resolved {
    Null,
    Bool(bool),
    Int(Number),
    Float(f64),
    String,
}

/// The YAML 1.2 core schema's resolution of a plain scalar.
fn resolve_plain(s: &str) -> Resolved {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "true" | "True" | "TRUE" => return Resolved::Bool(true),
        "false" | "False" | "FALSE" => return Resolved::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Resolved::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        _ => {}
    }
    let b = s.as_bytes();
    if let Some(hex) = s.strip_prefix("0x") {
        if !hex.is_empty() && hex.bytes().all(|c| c.is_ascii_hexdigit()) {
            return int_radix(hex, 16);
        }
        return Resolved::String;
    }
    if let Some(oct) = s.strip_prefix("0o") {
        if !oct.is_empty() && oct.bytes().all(|c| (b'0'..=b'7').contains(&c)) {
            return int_radix(oct, 8);
        }
        return Resolved::String;
    }
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    if !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) {
        // The JSON form of the same number when there is one, so `12` means what it means
        // in the DSL and in JSON; leading zeros and `+` are YAML-only spellings.
        let json_like = s.strip_prefix('+').unwrap_or(s);
        if let Ok(n) = serde_json::from_str::<Number>(json_like) {
            return Resolved::Int(n);
        }
        let negative = s.starts_with('-');
        let trimmed = digits.trim_start_matches('0');
        let canonical = match (negative, trimmed.is_empty()) {
            (_, true) => "0".to_string(),
            (true, false) => format!("-{trimmed}"),
            (false, false) => trimmed.to_string(),
        };
        return match serde_json::from_str::<Number>(&canonical) {
            Ok(n) => Resolved::Int(n),
            Err(_) => Resolved::Float(f64::INFINITY),
        };
    }
    if is_core_float(b) {
        let json_like = s.strip_prefix('+').unwrap_or(s);
        if let Ok(n) = serde_json::from_str::<Number>(json_like) {
            if let Some(f) = n.as_f64() {
                return Resolved::Float(f);
            }
        }
        return match json_like.parse::<f64>() {
            Ok(f) => Resolved::Float(f),
            Err(_) => Resolved::String,
        };
    }
    Resolved::String
}

/// A plain `0x…` too large for a number: almost always an Ethereum address (or a key, a hash)
/// written without quotes, which YAML reads as a hexadecimal integer (YAML 1.2 core schema
/// `0x[0-9a-fA-F]+`).
fn unquoted_hex(value: &str, span: Span) -> Diagnostic {
    let address = value.len() == 42;
    let message = if address {
        format!(
            "`{value}` is an Ethereum address, and unquoted YAML reads it as a hexadecimal number"
        )
    } else {
        format!(
            "`{value}` is unquoted, so YAML reads it as a hexadecimal number, too large for JSON"
        )
    };
    let what = if address { "the address" } else { "the value" };
    Diagnostic::new(Code::InvalidNumber, message)
        .at(span, "a number to YAML")
        .help(format!(
            "quote {what}: `\"{value}\"` (a hex string is text only in quotes)"
        ))
}

fn int_radix(digits: &str, radix: u32) -> Resolved {
    match u64::from_str_radix(digits, radix) {
        Ok(v) => Resolved::Int(Number::from(v)),
        Err(_) => Resolved::Float(f64::INFINITY),
    }
}

/// `[-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?`
fn is_core_float(b: &[u8]) -> bool {
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let int_start = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let int_digits = i - int_start;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let f = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        frac_digits = i - f;
        if int_digits == 0 && frac_digits == 0 {
            return false;
        }
    } else if int_digits == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let e = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == e {
            return false;
        }
    }
    let _ = frac_digits;
    i == b.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ok(text: &str) -> Node {
        parse(0, text, &Limits::default()).unwrap().unwrap()
    }

    fn err(text: &str) -> Diagnostic {
        *parse(0, text, &Limits::default()).unwrap_err()
    }

    #[test]
    fn core_schema_resolution() {
        let n = ok("a: [~, null, '', true, False, 12, -3, +4, 007, 0x1f, 0o17, 1.5, .5, 1e3, 2., abc, \"12\", !!str 13, yes, on]\n");
        assert_eq!(
            n.to_json(),
            json!({"a": [null, null, "", true, false, 12, -3, 4, 7, 31, 15, 1.5, 0.5, 1000.0, 2.0, "abc", "12", "13", "yes", "on"]})
        );
        assert_eq!(err("a: .inf\n").code, Code::InvalidNumber);
        assert_eq!(err("a: .nan\n").code, Code::InvalidNumber);
        assert_eq!(err("a: !foo x\n").code, Code::Syntax);
        assert_eq!(err("a: !!int x\n").code, Code::Syntax);
        assert_eq!(
            ok("1: a\ntrue: b\n").to_json(),
            json!({"1": "a", "true": "b"})
        );
    }

    #[test]
    fn spans_are_byte_offsets() {
        let text = "é: [1, \"ü\"]\nb:\n  - c: d\n    e: f # note\n\n";
        let n = ok(text);
        let a = n.get("é").unwrap();
        assert_eq!(&text[a.span.start..a.span.end], "[1, \"ü\"]");
        assert_eq!(&text[n.entry("é").unwrap().key_span.start..][..2], "é");
        let b = n.get("b").unwrap();
        assert_eq!(&text[b.span.start..b.span.end], "- c: d\n    e: f");
        let inner = &b.items()[0];
        assert_eq!(&text[inner.span.start..inner.span.end], "c: d\n    e: f");
        assert_eq!(&text[n.span.start..n.span.end], &text[..text.len() - 9]);
    }

    #[test]
    fn spans_of_quoted_scalars_and_flow_collections_stop_at_their_end() {
        let text = "a: \"abc\" # c1\nb: [ \"x\" , 'y''s' ] # c2\nc: &k {k: \"v\"} # c3\nd: &q \"multi\n  line\" # c4\ne: 'it''s' # c5\n";
        let n = ok(text);
        let at = |s: Span| &text[s.start..s.end];
        assert_eq!(at(n.get("a").unwrap().span), "\"abc\"");
        let b = n.get("b").unwrap();
        assert_eq!(at(b.span), "[ \"x\" , 'y''s' ]");
        assert_eq!(at(b.items()[0].span), "\"x\"");
        assert_eq!(at(b.items()[1].span), "'y''s'");
        assert_eq!(at(n.get("c").unwrap().span), "{k: \"v\"}");
        assert_eq!(at(n.get("d").unwrap().span), "\"multi\n  line\"");
        assert_eq!(at(n.get("e").unwrap().span), "'it''s'");
        assert_eq!(n.get("e").unwrap().as_str(), Some("it's"));
    }

    #[test]
    fn bad_input_is_bounded() {
        // Billion laughs: nine levels of ten aliases each.
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let p = i - 1;
            bomb.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let d = err(&bomb);
        assert!(d.message.contains("aliases expand"), "{}", d.message);
        // Deep nesting, block and flow.
        let mut deep = String::new();
        for i in 0..200 {
            deep.push_str(&"  ".repeat(i));
            deep.push_str("k:\n");
        }
        assert_eq!(err(&deep).code, Code::NestingTooDeep);
        assert_eq!(
            err(&format!("a: {}", "[".repeat(10_000))).code,
            Code::NestingTooDeep
        );
        let d = err("a: 1\nb: 2\na: 3\n");
        assert_eq!(d.span.unwrap().start, 10);
        assert_eq!(d.related[0].span.start, 0);
        assert_eq!(err("a: *x\n").code, Code::Syntax);
        assert_eq!(err("a: 1\n---\nb: 2\n").code, Code::Syntax);
        assert_eq!(err("a: [\n").code, Code::Syntax);
        assert_eq!(err("? [a]\n: b\n").code, Code::Syntax);
        assert!(parse(0, "# only a comment\n", &Limits::default())
            .unwrap()
            .is_none());
    }

    #[test]
    fn aliases_copy_within_limits() {
        let n = ok("a: &x {k: [1, 2]}\nb: *x\n");
        assert_eq!(n.to_json(), json!({"a": {"k": [1, 2]}, "b": {"k": [1, 2]}}));
    }
}
