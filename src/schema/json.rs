//! The one positioned JSON reader: strict JSON (RFC 8259) that keeps the position of every value.
//!
//! serde_json forgets where values were; this reader produces a [`Node`] tree with byte spans
//! so that schema errors and model diagnostics point at the right line. Numbers are converted
//! by serde_json itself, so they mean exactly what they mean everywhere else in litcap.
//!
//! Readers that take their values from serde_json (AuthSigs, SessionSigs) use the same lexer
//! for positions only: [`scan_object`] gives each member's byte range, [`StringMap`] maps an
//! offset in a decoded string back into the file, and [`json_error`] turns serde_json's line
//! and column into a diagnostic.

use super::doc::{Entry, Node, NodeValue};
use super::Limits;
use crate::diag::{Code, Diagnostic, FileId, Span};
use serde_json::Number;
use std::ops::Range;

/// Parses a whole JSON text. The first error ends parsing (JSON has no recovery points).
pub fn parse(file: FileId, text: &str, limits: &Limits) -> Result<Node, Box<Diagnostic>> {
    let mut p = JsonParser {
        file,
        text,
        bytes: text.as_bytes(),
        pos: 0,
        depth: 0,
        limits,
    };
    // A UTF-8 byte order mark is tolerated, as editors on some systems write one.
    if text.starts_with('\u{feff}') {
        p.pos = 3;
    }
    p.skip_ws();
    if p.pos >= p.bytes.len() {
        return Err(p.error(
            p.pos,
            p.pos,
            "the JSON document is empty",
            "expected a value",
        ));
    }
    let node = p.value()?;
    p.skip_ws();
    if p.pos < p.bytes.len() {
        return Err(p.error(
            p.pos,
            p.pos + 1,
            "unexpected text after the JSON value",
            "a JSON document holds exactly one value",
        ));
    }
    Ok(node)
}

struct JsonParser<'a> {
    file: FileId,
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    limits: &'a Limits,
}

impl JsonParser<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn error(&self, start: usize, end: usize, message: &str, help: &str) -> Box<Diagnostic> {
        let end = end.min(self.bytes.len()).max(start.min(self.bytes.len()));
        let start = start.min(end);
        // Widen to a character boundary so the label never splits a character.
        let mut end = end;
        while end < self.bytes.len() && !self.text.is_char_boundary(end) {
            end += 1;
        }
        Box::new(
            Diagnostic::new(Code::Syntax, message.to_string())
                .at(self.span(start, end), "here")
                .help(help.to_string()),
        )
    }

    fn found(&self) -> String {
        match self.text[self.pos..].chars().next() {
            Some(c) => format!("`{}`", c.escape_debug()),
            None => "the end of the file".to_string(),
        }
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn value(&mut self) -> Result<Node, Box<Diagnostic>> {
        let start = self.pos;
        match self.bytes.get(self.pos) {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => {
                let s = self.string()?;
                Ok(Node::new(NodeValue::String(s), self.span(start, self.pos)))
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') if self.text[self.pos..].starts_with("true") => {
                self.pos += 4;
                Ok(Node::new(NodeValue::Bool(true), self.span(start, self.pos)))
            }
            Some(b'f') if self.text[self.pos..].starts_with("false") => {
                self.pos += 5;
                Ok(Node::new(NodeValue::Bool(false), self.span(start, self.pos)))
            }
            Some(b'n') if self.text[self.pos..].starts_with("null") => {
                self.pos += 4;
                Ok(Node::new(NodeValue::Null, self.span(start, self.pos)))
            }
            _ => Err(self.error(
                self.pos,
                self.pos + 1,
                &format!("expected a JSON value, found {}", self.found()),
                "a value is an object, an array, a string in double quotes, a number, `true`, `false` or `null`",
            )),
        }
    }

    fn enter(&mut self) -> Result<(), Box<Diagnostic>> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            let d = Diagnostic::new(
                Code::NestingTooDeep,
                format!(
                    "the document is nested more than {} levels deep",
                    self.limits.max_depth
                ),
            )
            .at(self.span(self.pos, self.pos + 1), "too deep")
            .help("flatten the data; litcap reads at most this many levels of `{` and `[`");
            return Err(Box::new(d));
        }
        Ok(())
    }

    fn object(&mut self) -> Result<Node, Box<Diagnostic>> {
        let start = self.pos;
        self.enter()?;
        self.pos += 1;
        let mut entries: Vec<Entry> = Vec::new();
        let mut seen: std::collections::HashMap<String, Span> = std::collections::HashMap::new();
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b'}') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Node::new(
                NodeValue::Map(entries),
                self.span(start, self.pos),
            ));
        }
        loop {
            self.skip_ws();
            if self.bytes.get(self.pos) != Some(&b'"') {
                return Err(self.error(
                    self.pos,
                    self.pos + 1,
                    &format!("expected a key in double quotes, found {}", self.found()),
                    "JSON object keys are strings in double quotes, and there is no comma after the last entry",
                ));
            }
            let key_start = self.pos;
            let key = self.string()?;
            let key_span = self.span(key_start, self.pos);
            if let Some(first) = seen.get(&key) {
                return Err(Box::new(super::duplicate_key(&key, key_span, *first)));
            }
            seen.insert(key.clone(), key_span);
            self.skip_ws();
            if self.bytes.get(self.pos) != Some(&b':') {
                return Err(self.error(
                    self.pos,
                    self.pos + 1,
                    &format!("expected `:` after the key, found {}", self.found()),
                    "write `\"key\": value`",
                ));
            }
            self.pos += 1;
            self.skip_ws();
            let value = self.value()?;
            entries.push(Entry {
                key,
                key_span,
                value,
            });
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                _ => {
                    return Err(self.error(
                        self.pos,
                        self.pos + 1,
                        &format!("expected `,` or `}}`, found {}", self.found()),
                        "separate entries with commas and close the object with `}`",
                    ))
                }
            }
        }
        self.depth -= 1;
        Ok(Node::new(
            NodeValue::Map(entries),
            self.span(start, self.pos),
        ))
    }

    fn array(&mut self) -> Result<Node, Box<Diagnostic>> {
        let start = self.pos;
        self.enter()?;
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.bytes.get(self.pos) == Some(&b']') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Node::new(NodeValue::Seq(items), self.span(start, self.pos)));
        }
        loop {
            self.skip_ws();
            items.push(self.value()?);
            self.skip_ws();
            match self.bytes.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                _ => {
                    return Err(self.error(
                        self.pos,
                        self.pos + 1,
                        &format!("expected `,` or `]`, found {}", self.found()),
                        "separate items with commas and close the array with `]`",
                    ))
                }
            }
        }
        self.depth -= 1;
        Ok(Node::new(NodeValue::Seq(items), self.span(start, self.pos)))
    }

    /// A string starting at `"`; leaves `pos` after the closing quote.
    fn string(&mut self) -> Result<String, Box<Diagnostic>> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            // Copy the run up to the next quote, backslash or control character.
            let run_start = self.pos;
            while let Some(&b) = self.bytes.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.text[run_start..self.pos]);
            match self.bytes.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    let esc = self.pos;
                    self.pos += 1;
                    let c = match self.bytes.get(self.pos) {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.pos += 1;
                            let c = self.unicode_escape(esc)?;
                            out.push(c);
                            continue;
                        }
                        _ => {
                            return Err(self.error(
                                esc,
                                self.pos + 1,
                                "invalid escape sequence in a JSON string",
                                "JSON escapes are `\\\"`, `\\\\`, `\\/`, `\\b`, `\\f`, `\\n`, `\\r`, `\\t` and `\\uXXXX`",
                            ))
                        }
                    };
                    self.pos += 1;
                    out.push(c);
                }
                Some(_) => {
                    return Err(self.error(
                        self.pos,
                        self.pos + 1,
                        "a control character (such as a line break) inside a JSON string",
                        "write it as an escape: `\\n`, `\\t`, or `\\u00XX`",
                    ))
                }
                None => {
                    return Err(self.error(
                        start,
                        start + 1,
                        "this JSON string is not closed",
                        "add the closing `\"`",
                    ))
                }
            }
        }
    }

    fn hex4(&mut self, esc: usize) -> Result<u32, Box<Diagnostic>> {
        let digits = self.text.get(self.pos..self.pos + 4).unwrap_or("");
        match u32::from_str_radix(digits, 16) {
            Ok(v) if digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_hexdigit()) => {
                self.pos += 4;
                Ok(v)
            }
            _ => Err(self.error(
                esc,
                (self.pos + 4).min(self.bytes.len()),
                "`\\u` must be followed by four hexadecimal digits",
                "write e.g. `\\u00e9`",
            )),
        }
    }

    fn unicode_escape(&mut self, esc: usize) -> Result<char, Box<Diagnostic>> {
        let hi = self.hex4(esc)?;
        let lone = |p: &Self| {
            p.error(
                esc,
                p.pos,
                "a `\\u` escape names half of a surrogate pair",
                "write characters outside the Basic Multilingual Plane as a pair `\\uD83D\\uDE00`, or as the character itself",
            )
        };
        if (0xDC00..0xE000).contains(&hi) {
            return Err(lone(self));
        }
        if (0xD800..0xDC00).contains(&hi) {
            if !self.text[self.pos..].starts_with("\\u") {
                return Err(lone(self));
            }
            self.pos += 2;
            let lo = self.hex4(esc)?;
            if !(0xDC00..0xE000).contains(&lo) {
                return Err(lone(self));
            }
            let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
            return char::from_u32(c).ok_or_else(|| lone(self));
        }
        char::from_u32(hi).ok_or_else(|| lone(self))
    }

    fn number(&mut self) -> Result<Node, Box<Diagnostic>> {
        let start = self.pos;
        let b = self.bytes;
        let mut i = self.pos;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        let int_start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let int_len = i - int_start;
        let bad = |p: &Self, end: usize| {
            p.error(
                start,
                end.max(start + 1),
                "this is not a JSON number",
                "JSON numbers look like `12`, `-3.5` or `1e6`, without leading zeros or `+`",
            )
        };
        if int_len == 0 || (int_len > 1 && b[int_start] == b'0') {
            return Err(bad(self, i));
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            let f = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == f {
                return Err(bad(self, i));
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let e = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == e {
                return Err(bad(self, i));
            }
        }
        self.pos = i;
        let literal = &self.text[start..i];
        match serde_json::from_str::<Number>(literal) {
            Ok(n) => Ok(Node::new(NodeValue::Number(n), self.span(start, i))),
            Err(_) => Err(Box::new(
                Diagnostic::new(
                    Code::InvalidNumber,
                    format!("`{literal}` is out of range for a JSON number"),
                )
                .at(self.span(start, i), "out of range")
                .help("JavaScript numbers are IEEE doubles; write large values as strings"),
            )),
        }
    }
}

// ------------------------------------------------- positions for serde_json readers ---

/// One member of a JSON object, with byte ranges into the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberSpan {
    pub key: String,
    /// The key's string literal, quotes included.
    pub key_span: Range<usize>,
    /// The value, from its first to its last byte.
    pub value_span: Range<usize>,
}

/// Reads a JSON text whose top-level value is an object: the object's byte range and each
/// member's, duplicates included in document order (`JSON.parse` and serde_json keep the
/// last). `None` if the text is not such an object. For readers that take the values from
/// serde_json and only want positions (the AuthSig reader); trailing text is not checked.
pub fn scan_object(text: &str) -> Option<(Range<usize>, Vec<MemberSpan>)> {
    // Deeper than serde_json's recursion limit (128), so whatever serde_json read is
    // scanned in full, and the recursion stays bounded on anything else.
    let limits = Limits {
        max_depth: 256,
        max_alias_nodes: 0,
        max_bytes: usize::MAX,
    };
    let mut p = JsonParser {
        file: 0,
        text,
        bytes: text.as_bytes(),
        pos: 0,
        depth: 0,
        limits: &limits,
    };
    p.skip_ws();
    if p.bytes.get(p.pos) != Some(&b'{') {
        return None;
    }
    let start = p.pos;
    p.pos += 1;
    let mut members = Vec::new();
    p.skip_ws();
    if p.bytes.get(p.pos) == Some(&b'}') {
        return Some((start..p.pos + 1, members));
    }
    loop {
        p.skip_ws();
        if p.bytes.get(p.pos) != Some(&b'"') {
            return None;
        }
        let key_start = p.pos;
        let key = p.string().ok()?;
        let key_span = key_start..p.pos;
        p.skip_ws();
        if p.bytes.get(p.pos) != Some(&b':') {
            return None;
        }
        p.pos += 1;
        p.skip_ws();
        let value = p.value().ok()?;
        members.push(MemberSpan {
            key,
            key_span,
            value_span: value.span.start..value.span.end,
        });
        p.skip_ws();
        match p.bytes.get(p.pos) {
            Some(b',') => p.pos += 1,
            Some(b'}') => return Some((start..p.pos + 1, members)),
            _ => return None,
        }
    }
}

/// Maps byte offsets in a decoded JSON string to offsets in the file that holds its literal
/// (escapes such as `\n` take two bytes in the file and one in the string).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StringMap {
    /// `(decoded offset, file offset)` after every escape; the first is the literal's start.
    checkpoints: Vec<(usize, usize)>,
}

impl StringMap {
    /// For the string literal at `literal` (quotes included) in `text`.
    pub fn new(text: &str, literal: Range<usize>) -> StringMap {
        let b = text.as_bytes();
        let mut file = literal.start + 1;
        let end = literal.end.saturating_sub(1).min(b.len());
        let mut decoded = 0;
        let mut checkpoints = vec![(0, file)];
        while file < end {
            if b[file] != b'\\' {
                file += 1;
                decoded += 1;
                continue;
            }
            let (consumed, produced) = match b.get(file + 1) {
                Some(b'u') => {
                    let unit = |at: usize| {
                        text.get(at..at + 4)
                            .and_then(|h| u32::from_str_radix(h, 16).ok())
                    };
                    match unit(file + 2) {
                        Some(hi @ 0xD800..=0xDBFF)
                            if b.get(file + 6) == Some(&b'\\')
                                && b.get(file + 7) == Some(&b'u')
                                && unit(file + 8)
                                    .is_some_and(|lo| (0xDC00..=0xDFFF).contains(&lo)) =>
                        {
                            let _ = hi;
                            (12, 4)
                        }
                        Some(u) => (6, char::from_u32(u).map_or(3, char::len_utf8)),
                        None => (2, 1),
                    }
                }
                _ => (2, 1),
            };
            file += consumed;
            decoded += produced;
            checkpoints.push((decoded, file));
        }
        StringMap { checkpoints }
    }

    /// The file offset of a decoded offset.
    pub fn map(&self, decoded: usize) -> usize {
        let i = self.checkpoints.partition_point(|(d, _)| *d <= decoded);
        match i.checked_sub(1).and_then(|i| self.checkpoints.get(i)) {
            Some((d, f)) => f + (decoded - d),
            None => decoded,
        }
    }
}

/// The byte offset of serde_json's 1-based line and (byte) column.
pub fn json_error_offset(text: &str, line: usize, column: usize) -> usize {
    let line_start = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>();
    let mut at = (line_start + column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// A `serde_json` error as an `invalid-json` diagnostic pointing at its position.
pub fn json_error(file: FileId, text: &str, what: &str, e: &serde_json::Error) -> Diagnostic {
    let at = json_error_offset(text, e.line(), e.column());
    let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
    let full = e.to_string();
    let reason = match full.rfind(" at line ") {
        Some(i) => &full[..i],
        None => full.as_str(),
    };
    let message = if e.is_eof() {
        format!("{what} is not valid JSON: it ends early ({reason})")
    } else {
        format!("{what} is not valid JSON: {reason}")
    };
    Diagnostic::new(Code::InvalidJson, message)
        .at(Span::new(file, at, end), "here")
        .help("fix the JSON syntax at this position (a JSON validator or `jq . FILE` shows the same place)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Node {
        parse(0, text, &Limits::default()).unwrap()
    }

    fn err(text: &str) -> Diagnostic {
        *parse(0, text, &Limits::default()).unwrap_err()
    }

    #[test]
    fn values_and_spans() {
        let n = ok(" {\"a\": [1, -2.5e3, \"x\\u00e9\\n\"], \"b\": {\"c\": null, \"d\": true}} ");
        assert_eq!(n.span, Span::new(0, 1, 61));
        let a = n.get("a").unwrap();
        assert_eq!(a.span, Span::new(0, 7, 31));
        assert_eq!(a.items()[1].to_json(), serde_json::json!(-2500.0));
        assert_eq!(a.items()[2].as_str(), Some("xé\n"));
        assert_eq!(n.entry("b").unwrap().key_span, Span::new(0, 33, 36));
        assert_eq!(
            n.to_json(),
            serde_json::json!({"a": [1, -2500.0, "xé\n"], "b": {"c": null, "d": true}})
        );
        assert_eq!(ok("\"\\ud83d\\ude00\"").as_str(), Some("😀"));
    }

    #[test]
    fn errors() {
        assert_eq!(err("{\"a\": 1,}").span.unwrap().start, 8);
        assert_eq!(err("[01]").code, Code::Syntax);
        assert_eq!(err("[1e999]").code, Code::InvalidNumber);
        assert_eq!(err("\"\\ud83d\"").code, Code::Syntax);
        assert_eq!(err("\"a\nb\"").code, Code::Syntax);
        assert_eq!(err("{} x").code, Code::Syntax);
        assert_eq!(err("").code, Code::Syntax);
        let d = err("{\"a\": 1, \"a\": 2}");
        assert!(d.message.contains("`a`"), "{}", d.message);
        assert_eq!(d.span.unwrap().start, 9);
        assert_eq!(d.related[0].span.start, 1);
        let deep = "[".repeat(100_000);
        assert_eq!(err(&deep).code, Code::NestingTooDeep);
        assert_eq!(err("\"é").code, Code::Syntax);
        assert_eq!(err("[\"\\x\"]").code, Code::Syntax);
    }

    #[test]
    fn json_positions() {
        let text = "{ \"a\" : [1, {\"b\": \"}\"}], \"s\\\"k\": \"x\\ny\\u00e9\\ud83d\\ude00z\" , \"n\": -1.5e3 }";
        let (obj, members) = scan_object(text).unwrap();
        assert_eq!(obj, 0..text.len());
        let keys: Vec<&str> = members.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, vec!["a", "s\"k", "n"]);
        assert_eq!(&text[members[0].value_span.clone()], "[1, {\"b\": \"}\"}]");
        assert_eq!(&text[members[2].value_span.clone()], "-1.5e3");
        let lit = members[1].value_span.clone();
        let decoded: String = serde_json::from_str(&text[lit.clone()]).unwrap();
        let map = StringMap::new(text, lit);
        for (i, _) in decoded.char_indices() {
            let at = map.map(i);
            let c = decoded[i..].chars().next().unwrap();
            let raw = &text[at..];
            assert!(
                raw.starts_with(c) || raw.starts_with('\\'),
                "{i} {c:?} {raw}"
            );
        }
        assert_eq!(
            &text[map.map(decoded.len() - 1)..map.map(decoded.len())],
            "z"
        );
        assert!(scan_object("[1]").is_none());
        assert!(scan_object("{\"a\" 1}").is_none());
        assert!(scan_object("{\"a\": [}").is_none());
        assert_eq!(json_error_offset("ab\ncdé", 2, 3), 5);
    }
}
