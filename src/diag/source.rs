//! Source files and spans: what a diagnostic points into, with line and column lookup.

use super::*;

pub type FileId = usize;

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    pub file: FileId,
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span { file, start, end }
    }

    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The smallest span containing both.
    pub fn to(&self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// One input file, kept for diagnostics.
#[derive(Clone, Debug)]
pub struct SourceFile {
    name: String,
    text: Arc<String>,
    /// Byte offset of each line's start, 32-bit (a policy is at most 16 MiB; the index of a
    /// 34 MB policy was 10 MiB as `usize`s, issue #13), sized exactly.
    line_starts: Vec<u32>,
}

/// Calls `f` with the offset of each eight-byte word of `bytes` (the last one padded with
/// zeros) and a mask with the high bit of exactly its `\n` bytes set.
fn for_each_newline_word(bytes: &[u8], mut f: impl FnMut(usize, u64)) {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const NEWLINES: u64 = 0x0a0a_0a0a_0a0a_0a0a;
    // A byte of `v` is zero exactly where the word has a newline; the mask has the high bit
    // of exactly those bytes set (no borrow from one byte into the next).
    let mask = |word: [u8; 8]| {
        let v = u64::from_le_bytes(word) ^ NEWLINES;
        !(((v & LOW7).wrapping_add(LOW7)) | v | LOW7)
    };
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for word in words.by_ref() {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        f(at, mask(w));
        at += 8;
    }
    let rest = words.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        f(at, mask(w));
    }
}

/// The number of `\n` bytes, eight at a time (issue #13: the byte-by-byte count was half of
/// the line index's time).
fn count_newlines(bytes: &[u8]) -> usize {
    let mut n = 0;
    for_each_newline_word(bytes, |_, found| n += found.count_ones() as usize);
    n
}

/// Calls `f` with the offset of every `\n`, in order, eight bytes at a time: lines are short,
/// so a `memchr` call per line costs more than this (issue #13: 1.1 M lines in 34 MB).
fn for_each_newline(bytes: &[u8], mut f: impl FnMut(usize)) {
    for_each_newline_word(bytes, |at, mut found| {
        while found != 0 {
            f(at + found.trailing_zeros() as usize / 8);
            found &= found - 1;
        }
    });
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        let name = name.into();
        let text = Arc::new(text.into());
        let lines = count_newlines(text.as_bytes());
        let mut line_starts = Vec::with_capacity(lines + 1);
        line_starts.push(0);
        for_each_newline(text.as_bytes(), |i| {
            line_starts.push(u32::try_from(i + 1).unwrap_or(u32::MAX))
        });
        SourceFile {
            name,
            text,
            line_starts,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_index(offset);
        let start = self.line_start(line);
        let col = self
            .text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(offset - start);
        (line + 1, col + 1)
    }

    /// The 0-based line holding a byte offset.
    fn line_index(&self, offset: usize) -> usize {
        match self
            .line_starts
            .binary_search(&u32::try_from(offset).unwrap_or(u32::MAX))
        {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// The byte offset where the 0-based line starts.
    pub(super) fn line_start(&self, line: usize) -> usize {
        self.line_starts.get(line).map_or(0, |&s| s as usize)
    }

    /// The text of a 1-based line, without its newline.
    pub fn line(&self, line: usize) -> Option<&str> {
        let start = *self.line_starts.get(line.checked_sub(1)?)? as usize;
        let end = self
            .line_starts
            .get(line)
            .map(|&e| e as usize - 1)
            .unwrap_or(self.text.len());
        self.text.get(start..end).map(|l| l.trim_end_matches('\r'))
    }
}

/// miette's own `SourceCode` for strings scans from the start of the text for every snippet,
/// which makes rendering thousands of findings in a large file quadratic. This hands it only
/// the lines around the span (found with the line index) and shifts the result back.
impl SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let line_of = |offset: usize| self.line_index(offset);
        let start = span.offset().min(self.text.len());
        let first_line = line_of(start).saturating_sub(context_lines_before);
        let base = self.line_start(first_line);
        let last_line =
            line_of((span.offset() + span.len()).min(self.text.len())) + context_lines_after + 2;
        let end = self
            .line_starts
            .get(last_line)
            .map_or(self.text.len(), |&e| e as usize);
        let window = &self.text.as_bytes()[base..end];
        let local = miette::SourceSpan::new((start - base).into(), span.len());
        let c = window.read_span(&local, context_lines_before, context_lines_after)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            c.data(),
            miette::SourceSpan::new((c.span().offset() + base).into(), c.span().len()),
            c.line() + first_line,
            c.column(),
            c.line_count() + first_line,
        )))
    }
}

/// All files of one run; spans refer to them by index.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn new() -> Sources {
        Sources::default()
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        self.files.push(SourceFile::new(name, text));
        self.files.len() - 1
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id)
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate()
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column() {
        let f = SourceFile::new("a.litcap", "ab\ncdé\nf");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        assert_eq!(f.line_col(6), (2, 4));
        assert_eq!(f.line_col(8), (3, 1));
        assert_eq!(f.line(2), Some("cdé"));
        assert_eq!(f.line(4), None);
    }

    #[test]
    fn newlines_found_at_every_offset() {
        let mut text = Vec::new();
        for i in 0..200u32 {
            // Newlines at irregular places, next to every byte value's neighbours.
            text.push(if i % 7 == 0 || i % 11 == 3 {
                b'\n'
            } else {
                (i * 37 % 256) as u8
            });
        }
        for len in 0..text.len() {
            let bytes = &text[..len];
            let mut found = Vec::new();
            for_each_newline(bytes, |i| found.push(i));
            assert_eq!(count_newlines(bytes), found.len());
            let expected: Vec<usize> = (0..len).filter(|&i| bytes[i] == b'\n').collect();
            assert_eq!(found, expected, "{len}");
        }
    }
}
