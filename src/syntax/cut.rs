//! The lexical scan that cuts a policy file into top-level blocks, without the grammar.
//!
//! Rules:
//! - Trivia is whitespace (space, tab, CR, LF) and `#` comments to the end of the line.
//! - A block ends just after the `}` that closes its first `{`, or, when its brackets do not
//!   close, at the next line that starts with `grant`, `session` or `network` and a space, tab
//!   or quote (so one unclosed block does not swallow the rest of the file).
//! - Strings (one line, `\` escapes) and comments are skipped when counting brackets.
//!
//! Why a scan of its own: pest is given one block at a time (see `parser::parse`), and
//! `super::fast` must stop exactly where this scan would cut.

use super::parser::MAX_NESTING;

/// Skips whitespace and comments from `pos`; returns where they end and the comments' spans.
pub(super) fn skip_trivia(text: &str, mut pos: usize) -> (usize, Vec<(usize, usize)>) {
    let bytes = text.as_bytes();
    let mut comments = Vec::new();
    while pos < bytes.len() {
        match bytes[pos] {
            b' ' | b'\t' | b'\r' | b'\n' => pos += 1,
            b'#' => {
                let start = pos;
                while pos < bytes.len()
                    && bytes[pos] != b'\n'
                    && !(bytes[pos] == b'\r' && bytes.get(pos + 1) == Some(&b'\n'))
                {
                    pos += 1;
                }
                comments.push((start, pos));
            }
            _ => break,
        }
    }
    (pos, comments)
}

/// The end of the top-level block starting at `start`: just after the `}` that closes its
/// first `{`, or, when the braces do not close, the start of the next line that begins a
/// `grant` or `session` (or the end of the file). Strings and comments are skipped.
pub(super) fn block_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    if bytes[i] == b'\\' && bytes.get(i + 1).is_some_and(|b| *b != b'\n') {
                        i += 1;
                    }
                    i += 1;
                }
                if i < bytes.len() && bytes[i] == b'"' {
                    i += 1;
                }
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 && bytes[i] == b'}' {
                    return i + 1;
                }
            }
            b'\n' if starts_block(&bytes[i + 1..]) => return i + 1,
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// Whether `line` starts with a top-level keyword and a space, tab or quote after it.
pub(super) fn starts_block(line: &[u8]) -> bool {
    let after = match line.first() {
        Some(b'g') => line.strip_prefix(b"grant"),
        Some(b's') => line.strip_prefix(b"session"),
        Some(b'n') => line.strip_prefix(b"network"),
        _ => None,
    };
    after.is_some_and(|after| matches!(after.first(), Some(b' ' | b'\t' | b'"')))
}

/// The offset of the first bracket beyond [`MAX_NESTING`], skipping strings and comments.
pub(super) fn nesting_violation(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(i);
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    None
}
