//! Diagnostics: stable codes, spans into source files, and the three renderings litcap
//! prints (miette for people, JSON and SARIF 2.1.0 for machines).
//!
//! The files: `codes` (the list of stable codes, one line each), `source` (files and spans),
//! `human` (miette rendering), `machine` (JSON), `sarif` (SARIF 2.1.0).

use miette::{LabeledSpan, SourceCode};
use serde_json::{json, Value};
use std::fmt;
use std::sync::Arc;

mod codes;
mod human;
mod machine;
mod sarif;
mod source;

pub use codes::Code;
pub use human::{
    render_error, render_human, render_human_each, render_human_width, CLIP_LINE_BYTES,
};
pub use machine::{json, location, to_json, DiagnosticJson, Location, SerializeSeq};
pub use sarif::{sarif, to_sarif};
pub use source::{FileId, SourceFile, Sources, Span};

/// Process exit codes. Documented in the README; other tools depend on them.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// Policy, verification or signing-precondition errors (diagnostics printed).
    pub const ERRORS: u8 = 1;
    /// Bad usage, unreadable input files, or output that could not be written.
    pub const USAGE: u8 = 2;
    /// Only warnings, and `--deny-warnings` was given.
    pub const WARNINGS: u8 = 3;
    /// A signer or network peer failed (unreachable, timed out, refused, wrong key).
    pub const SIGNER: u8 = 4;
    /// The key store holds a corrupt or foreign entry that litcap will not overwrite.
    pub const STORE: u8 = 5;
    /// The key store stayed locked by another process longer than the wait allowed; nothing
    /// was written (retry).
    pub const STORE_BUSY: u8 = 6;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// A secondary location with its own message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    pub span: Span,
    pub message: String,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    /// Lowercase, names the user's input in backticks.
    pub message: String,
    pub help: Option<String>,
    /// Where in the source; `None` for findings about inputs without text (flags, clocks).
    pub span: Option<Span>,
    pub label: Option<String>,
    pub related: Vec<Related>,
    /// A file name to report when there is no span (e.g. an AuthSig file that is not JSON).
    pub file: Option<String>,
}

impl Diagnostic {
    pub fn new(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.default_severity(),
            message: message.into(),
            help: None,
            span: None,
            label: None,
            related: Vec::new(),
            file: None,
        }
    }

    pub fn at(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.span = Some(span);
        let label = label.into();
        self.label = (!label.is_empty()).then_some(label);
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn help_opt(mut self, help: Option<String>) -> Diagnostic {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    pub fn related(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.related.push(Related {
            span,
            message: message.into(),
        });
        self
    }

    pub fn severity(mut self, severity: Severity) -> Diagnostic {
        self.severity = severity;
        self
    }

    pub fn in_file(mut self, file: impl Into<String>) -> Diagnostic {
        self.file = Some(file.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The diagnostics of one run, in the order they were found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(other);
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.0
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }

    /// Orders by file and position; findings without a span keep their place at the end.
    pub fn sort(&mut self) {
        self.0.sort_by_key(|d| match d.span {
            Some(s) => (0, s.file, s.start),
            None => (1, 0, 0),
        });
    }

    /// Drops warnings whose line is preceded by `# litcap: allow(<code>, ...)`. Errors are
    /// never silenced.
    pub fn apply_suppressions(&mut self, sources: &Sources) {
        self.0.retain(|d| {
            if d.severity == Severity::Error {
                return true;
            }
            let Some(span) = d.span else { return true };
            let Some(file) = sources.get(span.file) else {
                return true;
            };
            let (line, _) = file.line_col(span.start);
            !suppressed_at(file, line, d.code)
        });
    }

    /// The exit code for this set: errors → 1; warnings with `deny_warnings` → 3; else 0.
    pub fn exit_code(&self, deny_warnings: bool) -> u8 {
        if self.has_errors() {
            exit::ERRORS
        } else if deny_warnings && self.warning_count() > 0 {
            exit::WARNINGS
        } else {
            exit::OK
        }
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<T: IntoIterator<Item = Diagnostic>>(iter: T) -> Self {
        Diagnostics(iter.into_iter().collect())
    }
}

/// Whether the line above `line` (1-based) is an allow comment naming `code`.
fn suppressed_at(file: &SourceFile, line: usize, code: Code) -> bool {
    let mut above = line;
    // Allow comments may be stacked: walk up over consecutive comment lines.
    while above > 1 {
        above -= 1;
        let Some(text) = file.line(above) else {
            return false;
        };
        let text = text.trim();
        let Some(comment) = text.strip_prefix('#') else {
            return false;
        };
        if allow_list(comment).any(|c| c == code.as_str()) {
            return true;
        }
    }
    false
}

/// The codes of a `litcap: allow(a, b)` comment body.
pub fn allow_list(comment: &str) -> impl Iterator<Item = &str> {
    let inner = comment
        .trim()
        .strip_prefix("litcap:")
        .map(str::trim)
        .and_then(|r| r.strip_prefix("allow("))
        .and_then(|r| r.split_once(')'))
        .map(|(codes, _)| codes)
        .unwrap_or("");
    inner.split(',').map(str::trim).filter(|c| !c.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_comments_silence_warnings_only() {
        let mut sources = Sources::new();
        let text = "# litcap: allow(wildcard-resource)\nallow x\nallow y\n";
        let id = sources.add("p.litcap", text);
        let mut diags = Diagnostics::new();
        diags.push(Diagnostic::new(Code::WildcardResource, "w").at(Span::new(id, 35, 42), ""));
        diags.push(Diagnostic::new(Code::WildcardResource, "w").at(Span::new(id, 43, 50), ""));
        diags.push(Diagnostic::new(Code::Syntax, "e").at(Span::new(id, 35, 42), ""));
        diags.apply_suppressions(&sources);
        assert_eq!(diags.len(), 2);
        assert_eq!(diags.warning_count(), 1);
        assert_eq!(
            allow_list(" litcap: allow(a, b)").collect::<Vec<_>>(),
            vec!["a", "b"]
        );
    }
}
