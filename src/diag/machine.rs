//! Diagnostics for machines: positions and the JSON form of `--format json`.

use super::*;

/// Position of a diagnostic for machine output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

pub fn location(d: &Diagnostic, sources: &Sources) -> Option<Location> {
    let span = d.span?;
    let file = sources.get(span.file)?;
    let (line, column) = file.line_col(span.start);
    let (end_line, end_column) = file.line_col(span.end);
    Some(Location {
        file: file.name().to_string(),
        line,
        column,
        end_line,
        end_column,
    })
}

/// The JSON form of one diagnostic: `{code, severity, message, file, line, column, help}`.
pub fn to_json(d: &Diagnostic, sources: &Sources) -> Value {
    let loc = location(d, sources);
    json!({
        "code": d.code.as_str(),
        "severity": d.severity.as_str(),
        "message": d.message,
        "file": loc.as_ref().map(|l| l.file.clone()).or_else(|| d.file.clone()),
        "line": loc.as_ref().map(|l| l.line),
        "column": loc.as_ref().map(|l| l.column),
        "help": d.help,
    })
}

/// A JSON array serialised from an iterator, one element at a time (the reports of large
/// policies are written without building them whole). `len` must be the iterator's length.
pub struct SerializeSeq<F> {
    len: usize,
    items: F,
}

impl<F> SerializeSeq<F> {
    pub fn new(len: usize, items: F) -> SerializeSeq<F> {
        SerializeSeq { len, items }
    }
}

impl<F, I, T> serde::Serialize for SerializeSeq<F>
where
    F: Fn() -> I,
    I: Iterator<Item = T>,
    T: serde::Serialize,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq as _;
        let mut seq = serializer.serialize_seq(Some(self.len))?;
        for item in (self.items)() {
            seq.serialize_element(&item)?;
        }
        seq.end()
    }
}
