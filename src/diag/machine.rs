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

/// [`to_json`] without building a `serde_json::Value`: the same keys in the same order, so the
/// same bytes when serialised (a report of 20k findings writes each one straight out).
pub fn json<'a>(d: &'a Diagnostic, sources: &'a Sources) -> DiagnosticJson<'a> {
    let span = d.span.and_then(|s| Some((s, sources.get(s.file)?)));
    let (file, at) = match span {
        Some((s, f)) => (Some(f.name()), Some(f.line_col(s.start))),
        None => (d.file.as_deref(), None),
    };
    DiagnosticJson {
        code: d.code.as_str(),
        severity: d.severity.as_str(),
        message: &d.message,
        file,
        line: at.map(|a| a.0),
        column: at.map(|a| a.1),
        help: d.help.as_deref(),
    }
}

/// See [`json()`].
#[derive(serde::Serialize)]
pub struct DiagnosticJson<'a> {
    code: &'a str,
    severity: &'a str,
    message: &'a str,
    file: Option<&'a str>,
    line: Option<usize>,
    column: Option<usize>,
    help: Option<&'a str>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streamed_diagnostic_json_is_the_value() {
        let mut sources = Sources::new();
        let id = sources.add("p.litcap", "grant \"x\" {}\nsecond line\n");
        let diags = [
            Diagnostic::new(Code::MissingDomain, "m `x`")
                .at(Span::new(id, 14, 20), "here")
                .help("add one"),
            Diagnostic::new(Code::InvalidJson, "not json").in_file("a.json"),
            Diagnostic::new(Code::Syntax, "nowhere"),
            Diagnostic::new(Code::Syntax, "no such file").at(Span::new(9, 0, 1), ""),
        ];
        for d in &diags {
            assert_eq!(
                serde_json::to_string_pretty(&json(d, &sources)).unwrap(),
                serde_json::to_string_pretty(&to_json(d, &sources)).unwrap()
            );
        }
    }
}
