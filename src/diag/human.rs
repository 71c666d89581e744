//! Diagnostics for people: miette's graphical report, wrapped without breaking backticked
//! text, with long lines clipped to a window around the span.

use super::*;

/// Lines longer than this (in bytes) are not shown whole: the snippet is a clipped window
/// around the span. miette cannot render columns past 65,535 at all (programs write one-line
/// JSON), and a few thousand columns are unreadable anyway.
pub const CLIP_LINE_BYTES: usize = 400;
/// Characters of context kept on each side of a clipped span, and of the span itself.
const CLIP_CONTEXT_CHARS: usize = 40;
const CLIP_SPAN_CHARS: usize = 80;

/// Renders diagnostics for a terminal with miette (no colour unless `color`), 100 columns wide.
pub fn render_human(diags: &Diagnostics, sources: &Sources, color: bool) -> String {
    render_human_width(diags, sources, color, 100)
}

/// Splits a line into words at blanks outside backticks: text in backticks (a suggested line,
/// a resource key) is never broken, not even at its blanks, so it can be copied whole.
fn split_outside_backticks(line: &str) -> Box<dyn Iterator<Item = textwrap::core::Word<'_>> + '_> {
    let mut words = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'`' => quoted = !quoted,
            b' ' if !quoted => {
                let mut j = i;
                while j < bytes.len() && bytes[j] == b' ' {
                    j += 1;
                }
                words.push(textwrap::core::Word::from(&line[start..j]));
                start = j;
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    if start < line.len() {
        words.push(textwrap::core::Word::from(&line[start..]));
    }
    Box::new(words.into_iter())
}

/// The one renderer of litcap's messages for people: miette's graphical report, wrapped at
/// `width` without breaking text in backticks.
fn handler(color: bool, width: usize) -> miette::GraphicalReportHandler {
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    miette::GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_break_words(false)
        .with_word_separator(textwrap::WordSeparator::Custom(split_outside_backticks))
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
}

/// Renders any error that is a [`miette::Diagnostic`] (usage errors, unreadable inputs, key
/// and signer failures) in the same style as the diagnostics of [`render_human_width`].
pub fn render_error(e: &dyn miette::Diagnostic, color: bool, width: usize) -> String {
    let mut out = String::new();
    if handler(color, width).render_report(&mut out, e).is_err() {
        out = format!("error: {e}\n");
    }
    out.push('\n');
    out
}

/// [`render_human`] at a given width.
pub fn render_human_width(
    diags: &Diagnostics,
    sources: &Sources,
    color: bool,
    width: usize,
) -> String {
    let mut out = String::new();
    render_human_each(diags, sources, color, width, |chunk| out.push_str(chunk));
    out
}

/// [`render_human_width`] handed to `write` in pieces of about 64 KiB (whole diagnostics), so
/// 20k findings are written as they are rendered rather than held as one 14 MB string.
pub fn render_human_each(
    diags: &Diagnostics,
    sources: &Sources,
    color: bool,
    width: usize,
    mut write: impl FnMut(&str),
) {
    const CHUNK: usize = 1 << 16;
    let handler = handler(color, width);
    let mut out = String::new();
    for d in diags.iter() {
        let rendered = Rendered::new(d, sources);
        if handler.render_report(&mut out, &rendered).is_err() {
            out.push_str(&format!("{}: {}\n", d.severity.as_str(), d.message));
        }
        out.push('\n');
        if out.len() >= CHUNK {
            write(&out);
            out.clear();
        }
    }
    if !out.is_empty() {
        write(&out);
    }
}

/// Whether the line holding byte `offset` is too long to show whole.
fn on_long_line(file: &SourceFile, offset: usize) -> bool {
    let (line, _) = file.line_col(offset);
    file.line(line).is_some_and(|l| l.len() > CLIP_LINE_BYTES)
}

fn floor_char(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Byte offset `n` characters before (negative) or after `at` in `text`, within `lo..hi`.
fn chars_from(text: &str, at: usize, n: isize, lo: usize, hi: usize) -> usize {
    if n < 0 {
        let mut i = at;
        for (k, (j, _)) in text[lo..at].char_indices().rev().enumerate() {
            if k as isize >= -n {
                break;
            }
            i = lo + j;
        }
        i
    } else {
        text[at..hi]
            .char_indices()
            .nth(n as usize)
            .map(|(j, _)| at + j)
            .unwrap_or(hi)
    }
}

/// A window of one long line, standing in for the file in a snippet.
struct Clipped {
    name: String,
    text: String,
    /// 0-based line and column (in characters) of the primary span in the file.
    line: usize,
    column: usize,
    /// File byte offset of the window's first byte, and bytes of `…` put before it.
    window: (usize, usize),
    prefix: usize,
}

impl Clipped {
    fn new(file: &SourceFile, span: Span) -> Clipped {
        let text = file.text();
        let start = floor_char(text, span.start);
        let (line, col) = file.line_col(start);
        let line_start = file.line_start(line - 1);
        let line_end = line_start + file.line(line).map(str::len).unwrap_or(0);
        let start = start.min(line_end);
        let span_end = ceil_char(text, span.end.clamp(start, line_end));
        let span_end = chars_from(text, start, CLIP_SPAN_CHARS as isize, start, span_end);
        let from = chars_from(
            text,
            start,
            -(CLIP_CONTEXT_CHARS as isize),
            line_start,
            line_end,
        );
        let to = chars_from(
            text,
            span_end,
            CLIP_CONTEXT_CHARS as isize,
            span_end,
            line_end,
        );
        let mut excerpt = String::new();
        if from > line_start {
            excerpt.push('…');
        }
        let prefix = excerpt.len();
        excerpt.push_str(&text[from..to]);
        if to < line_end {
            excerpt.push('…');
        }
        Clipped {
            name: file.name().to_string(),
            text: excerpt,
            line: line - 1,
            column: col - 1,
            window: (from, to),
            prefix,
        }
    }

    /// The span in the excerpt, if it starts inside the window.
    fn map(&self, span: Span) -> Option<(usize, usize)> {
        let (from, to) = self.window;
        if span.start < from || span.start > to {
            return None;
        }
        let start = span.start - from + self.prefix;
        let end = span.end.min(to).max(span.start) - from + self.prefix;
        Some((start, end - start))
    }
}

impl SourceCode for Clipped {
    fn read_span<'a>(
        &'a self,
        _span: &miette::SourceSpan,
        _before: usize,
        _after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        // Always the whole window, one line; the column is that of the primary span in the
        // file, which is what miette shows in the snippet's header.
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            self.text.as_bytes(),
            miette::SourceSpan::new(0.into(), self.text.len()),
            self.line,
            self.column,
            1,
        )))
    }
}

/// A related location written out as text (`file:line:col: message`).
fn related_as_text(r: &Related, sources: &Sources) -> Option<String> {
    let f = sources.get(r.span.file)?;
    let (line, col) = f.line_col(r.span.start);
    Some(format!("{}:{line}:{col}: {}", f.name(), r.message))
}

struct Rendered<'a> {
    d: &'a Diagnostic,
    source: Option<&'a SourceFile>,
    /// Set when the primary span lies on a line too long to show.
    clipped: Option<Clipped>,
    /// Related locations drawn in the snippet.
    related_shown: Vec<&'a Related>,
    /// Related locations written out as text: in another file, or on a long line.
    related_text: Vec<String>,
}

impl<'a> Rendered<'a> {
    fn new(d: &'a Diagnostic, sources: &'a Sources) -> Rendered<'a> {
        let source = d.span.and_then(|s| sources.get(s.file));
        let clipped = match (d.span, source) {
            (Some(span), Some(file)) if on_long_line(file, span.start) => {
                Some(Clipped::new(file, span))
            }
            _ => None,
        };
        let mut related_shown = Vec::new();
        let mut related_text = Vec::new();
        for r in &d.related {
            let same_file = d.span.is_some_and(|s| s.file == r.span.file) && source.is_some();
            let drawable = match (&clipped, source) {
                (_, None) => false,
                (Some(c), Some(_)) => same_file && c.map(r.span).is_some(),
                (None, Some(file)) => same_file && !on_long_line(file, r.span.start),
            };
            if drawable {
                related_shown.push(r);
            } else if let Some(t) = related_as_text(r, sources) {
                related_text.push(t);
            }
        }
        Rendered {
            d,
            source,
            clipped,
            related_shown,
            related_text,
        }
    }
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.d, f)
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)?;
        if self.source.is_none() {
            if let Some(file) = &self.d.file {
                write!(f, " (in `{file}`)")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Rendered<'_> {}

impl miette::Diagnostic for Rendered<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!("litcap::{}", self.d.code.as_str())))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let mut parts: Vec<String> = Vec::new();
        if let Some(h) = &self.d.help {
            parts.push(h.clone());
        }
        parts.extend(self.related_text.iter().cloned());
        (!parts.is_empty()).then(|| Box::new(parts.join("\n")) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        match &self.clipped {
            Some(c) => Some(c as &dyn SourceCode),
            None => self.source.map(|s| s as &dyn SourceCode),
        }
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.d.span?;
        let mut labels = Vec::new();
        if let Some(c) = &self.clipped {
            let (start, len) = c.map(span).unwrap_or((c.prefix, 0));
            labels.push(LabeledSpan::new_primary_with_span(
                self.d.label.clone(),
                (start, len),
            ));
            for r in &self.related_shown {
                if let Some(at) = c.map(r.span) {
                    labels.push(LabeledSpan::new_with_span(Some(r.message.clone()), at));
                }
            }
            return Some(Box::new(labels.into_iter()));
        }
        let text_len = self.source.map(|s| s.text().len()).unwrap_or(0);
        let clamp = |s: Span| {
            let start = s.start.min(text_len);
            let end = s.end.min(text_len).max(start);
            (start, end - start)
        };
        labels.push(LabeledSpan::new_primary_with_span(
            self.d.label.clone(),
            clamp(span),
        ));
        for r in &self.related_shown {
            labels.push(LabeledSpan::new_with_span(
                Some(r.message.clone()),
                clamp(r.span),
            ));
        }
        Some(Box::new(labels.into_iter()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windowed_snippets_render_like_miette_on_the_whole_text() {
        let text: String = (0..40)
            .map(|i| format!("line {i} with some words\n"))
            .collect();
        let mut sources = Sources::new();
        let id = sources.add("p.litcap", text.clone());
        let handler =
            miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
                .with_width(100);
        for (start, end) in [
            (0, 4),
            (5, 30),
            (200, 260),
            (text.len() - 10, text.len()),
            (text.len(), text.len()),
        ] {
            let d = Diagnostic::new(Code::Syntax, "m").at(Span::new(id, start, end), "here");
            let mine = render_human(&Diagnostics(vec![d.clone()]), &sources, false);
            #[derive(Debug, thiserror::Error, miette::Diagnostic)]
            #[error("m")]
            #[diagnostic(code(litcap::syntax))]
            struct Whole {
                #[source_code]
                src: miette::NamedSource<String>,
                #[label("here")]
                at: miette::SourceSpan,
            }
            let whole = Whole {
                src: miette::NamedSource::new("p.litcap", text.clone()),
                at: (start, end - start).into(),
            };
            let mut theirs = String::new();
            handler.render_report(&mut theirs, &whole).unwrap();
            assert_eq!(mine.trim_end(), theirs.trim_end(), "span {start}..{end}");
        }
    }

    #[test]
    fn spans_past_column_65535_render_a_clipped_snippet() {
        let line = format!(
            "{{\"s\": \"{}\", \"k\": \"lit-pkp://*\"}}",
            "x".repeat(70_000)
        );
        let at = line.find("lit-pkp").unwrap();
        let mut sources = Sources::new();
        let id = sources.add("p.litcap.json", format!("{line}\n"));
        let d = Diagnostic::new(Code::WildcardResource, "wildcard")
            .at(Span::new(id, at, at + 11), "here")
            .related(Span::new(id, 2, 3), "far away");
        let out = render_human(&Diagnostics(vec![d]), &sources, false);
        assert!(
            out.contains(&format!("p.litcap.json:1:{}", at + 1)),
            "{out}"
        );
        assert!(out.contains("…xxxx"), "{out}");
        assert!(out.contains("p.litcap.json:1:3: far away"), "{out}");
        assert!(out.lines().all(|l| l.chars().count() < 300), "{out}");
    }

    #[test]
    fn suggested_lines_in_backticks_are_not_broken() {
        let mut sources = Sources::new();
        let id = sources.add("p.litcap", "grant \"x\" {}\n");
        let fix = "`allow pkp-signing on \"lit-pkp://0000000000000000000000000000000000000000000000000000000000001235\"`";
        let d = Diagnostic::new(Code::NotCovered, "m")
            .at(Span::new(id, 6, 9), "")
            .help(format!("add {fix} to grant `g`"));
        let out = render_human_width(&Diagnostics(vec![d]), &sources, false, 60);
        assert!(out.contains(fix), "{out}");
    }

    #[test]
    fn human_rendering_mentions_code_and_help() {
        let mut sources = Sources::new();
        let id = sources.add("p.litcap", "grant \"x\" {}\n");
        let d = Diagnostic::new(Code::MissingDomain, "grant `x` has no `domain`")
            .at(Span::new(id, 6, 9), "this grant")
            .help("add a domain");
        let out = render_human(&Diagnostics(vec![d]), &sources, false);
        assert!(out.contains("litcap::missing-domain"), "{out}");
        assert!(out.contains("add a domain"), "{out}");
        assert!(out.contains("p.litcap:1:7"), "{out}");
    }
}
