//! Byte offsets (litcap's spans) ↔ LSP positions (line, UTF-16 code unit).

use serde_json::{json, Value};

/// The LSP position of a byte offset (clamped to the text, and to a char boundary).
pub fn position(text: &str, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col: usize = text[line_start..offset].chars().map(char::len_utf16).sum();
    (line as u32, col as u32)
}

/// The byte offset of an LSP position (clamped: past the end of a line is its end, past the
/// last line is the end of the text).
pub fn offset(text: &str, line: u32, character: u32) -> usize {
    let mut start = 0;
    for _ in 0..line {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let end = text[start..]
        .find('\n')
        .map(|i| start + i)
        .unwrap_or(text.len());
    let mut units = 0usize;
    for (i, c) in text[start..end].char_indices() {
        if units >= character as usize {
            return start + i;
        }
        units += c.len_utf16();
    }
    end
}

/// An LSP `Range` for a byte range.
pub fn range(text: &str, start: usize, end: usize) -> Value {
    let (l0, c0) = position(text, start);
    let (l1, c1) = position(text, end.max(start));
    json!({"start": {"line": l0, "character": c0}, "end": {"line": l1, "character": c1}})
}

/// The range of the whole text.
pub fn whole(text: &str) -> Value {
    range(text, 0, text.len())
}

/// The byte range of the line holding `offset`, with its line break.
pub fn line_span(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let start = text[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let end = text[offset..]
        .find('\n')
        .map(|i| offset + i + 1)
        .unwrap_or(text.len());
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_columns_round_trip() {
        let text = "ab\n€x😀y\n";
        assert_eq!(position(text, 0), (0, 0));
        assert_eq!(position(text, 3), (1, 0));
        let y = text.find('y').unwrap();
        assert_eq!(position(text, y), (1, 4));
        assert_eq!(offset(text, 1, 4), y);
        assert_eq!(offset(text, 1, 99), text.len() - 1);
        assert_eq!(offset(text, 9, 0), text.len());
        assert_eq!(position(text, 4), (1, 0)); // inside '€': clamped back
    }

    #[test]
    fn line_spans() {
        let text = "a\nbc\nd";
        assert_eq!(line_span(text, 3), (2, 5));
        assert_eq!(line_span(text, 6), (5, 6));
    }
}
