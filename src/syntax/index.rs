//! The fast lexical index of a file's top-level blocks, for `compile --session` (issue #13).
//!
//! Rules (the same decision as [`super::parser::index_blocks`], which stays the reference):
//! - A file is indexed when it is at most [`MAX_FILE_BYTES`], no bracket in it nests deeper than
//!   [`MAX_NESTING`] (`cut::nesting_violation`), and it is lexically a sequence of
//!   `network "<name>"` statements and `grant "<name>" {...}` / `session "<name>" from
//!   "<grant>" {...}` blocks (names: one-line strings without escapes) whose brackets close
//!   before the next line that starts a block (`cut::block_end`). Otherwise `None`: only the
//!   full parse can say what is wrong.
//!
//! Why a second scan: the reference reads every byte twice, one at a time (the nesting check
//! over the whole file, then `block_end` per block), and allocates two names per block; on a
//! 34 MB policy that was most of `compile --session`'s 140 ms. This one reads every byte once,
//! jumps over strings and comments with `memchr`, and gives names as ranges of the text.
//!
//! Why it decides the same: both lexers skip the same comments (`#` to the line end) and the
//! same strings, so they count the same brackets, with one exception: a `\` just before a line
//! end inside a string. `block_end` ends the string there; the nesting check reads on to the
//! next line. On that input this scan hands the file to the two reference passes. Otherwise
//! the nesting depth of the whole-file check is 0 at every block start (blocks are separated by
//! trivia and head tokens, which hold no brackets outside strings and comments, and a block
//! ends where its depth returns to 0), so it equals `block_end`'s depth inside every block, and
//! a violation found while cutting is the one the whole-file check would find. Any violation or
//! cut that fails means `None` either way, so the scan stops at the first one.

use super::cut::{block_end, nesting_violation, starts_block};
use super::parser::{BlockKind, MAX_FILE_BYTES, MAX_NESTING};
use std::ops::Range;

/// A top-level block found by `scan_blocks`; names are byte ranges of the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockSpan {
    pub kind: BlockKind,
    /// The name between its quotes.
    pub name: Range<usize>,
    /// A session's grant name between its quotes.
    pub from: Option<Range<usize>>,
    /// The offset of the block's keyword, and just after its end (`}`, or the statement's
    /// closing quote for `network`).
    pub start: usize,
    pub end: usize,
}

/// The top-level blocks of `text`, or `None` when it is not plainly a sequence of blocks (see
/// the module rules): the decision and the blocks of [`super::parser::index_blocks`].
#[cfg(test)]
pub fn scan_blocks(text: &str) -> Option<Vec<BlockSpan>> {
    scan_blocks_where(text, |_, _| true)
}

/// `scan_blocks` that keeps only the blocks `keep(text, block)` accepts (the decision is
/// the same): names are compared while the scan has them in cache, not read again later.
pub fn scan_blocks_where(
    text: &str,
    mut keep: impl FnMut(&str, &BlockSpan) -> bool,
) -> Option<Vec<BlockSpan>> {
    if text.len() > MAX_FILE_BYTES {
        return None;
    }
    let mut keep = |b: &BlockSpan| keep(text, b);
    match heads(text.as_bytes(), fast_block_end, &mut keep) {
        Ok(blocks) => Some(blocks),
        Err(Stop::NotIndexed) => None,
        Err(Stop::Ambiguous) => {
            if nesting_violation(text).is_some() {
                return None;
            }
            let end = |_: &[u8], start| match block_end(text, start) {
                end if text.as_bytes().get(end.wrapping_sub(1)) == Some(&b'}') => Ok(end),
                _ => Err(Stop::NotIndexed),
            };
            heads(text.as_bytes(), end, &mut keep).ok()
        }
    }
}

/// Why a scan stopped before the end.
#[derive(Debug, PartialEq, Eq)]
enum Stop {
    /// Not a plain sequence of blocks, or nested too deeply.
    NotIndexed,
    /// A string with a `\` before a line end: the reference passes decide.
    Ambiguous,
}

/// Walks the blocks of `bytes`, with `end(bytes, start)` finding where a block that opens
/// with `{` ends (just after its closing `}`).
fn heads(
    bytes: &[u8],
    end: impl Fn(&[u8], usize) -> Result<usize, Stop>,
    keep: &mut impl FnMut(&BlockSpan) -> bool,
) -> Result<Vec<BlockSpan>, Stop> {
    let mut blocks = Vec::new();
    let mut pos = 0;
    loop {
        let start = skip_trivia(bytes, pos);
        if start >= bytes.len() {
            return Ok(blocks);
        }
        // `network "<name>"`: a one-line statement, indexed so that a lazy load parses it too.
        if let Some(after_kw) = keyword(bytes, start, b"network") {
            let (name, end) = plain_string(bytes, skip_trivia(bytes, after_kw))?;
            let block = BlockSpan {
                kind: BlockKind::Network,
                name,
                from: None,
                start,
                end,
            };
            if keep(&block) {
                blocks.push(block);
            }
            pos = end;
            continue;
        }
        let (kind, after_kw) = match keyword(bytes, start, b"grant") {
            Some(e) => (BlockKind::Grant, e),
            None => (
                BlockKind::Session,
                keyword(bytes, start, b"session").ok_or(Stop::NotIndexed)?,
            ),
        };
        let (name, mut at) = plain_string(bytes, skip_trivia(bytes, after_kw))?;
        let mut from = None;
        if kind == BlockKind::Session {
            let after_from =
                keyword(bytes, skip_trivia(bytes, at), b"from").ok_or(Stop::NotIndexed)?;
            let (grant, after) = plain_string(bytes, skip_trivia(bytes, after_from))?;
            from = Some(grant);
            at = after;
        }
        if bytes.get(skip_trivia(bytes, at)) != Some(&b'{') {
            return Err(Stop::NotIndexed);
        }
        let end = end(bytes, start)?;
        let block = BlockSpan {
            kind,
            name,
            from,
            start,
            end,
        };
        if keep(&block) {
            blocks.push(block);
        }
        pos = end;
    }
}

/// The end of the keyword `kw` at `at` when it is a whole word there.
fn keyword(bytes: &[u8], at: usize, kw: &[u8]) -> Option<usize> {
    let end = at + kw.len();
    // The first byte alone first: a slice comparison is a `memcmp` call.
    (bytes.get(at) == kw.first()
        && bytes.get(at..end) == Some(kw)
        && !bytes
            .get(end)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_'))
    .then_some(end)
}

/// A one-line string without escapes at `at`: its contents and the offset after its quote.
fn plain_string(bytes: &[u8], at: usize) -> Result<(Range<usize>, usize), Stop> {
    if bytes.get(at) != Some(&b'"') {
        return Err(Stop::NotIndexed);
    }
    let len = bytes[at + 1..]
        .iter()
        .position(|b| matches!(b, b'"' | b'\\' | b'\n' | b'\r'))
        .ok_or(Stop::NotIndexed)?;
    let close = at + 1 + len;
    if bytes[close] != b'"' {
        return Err(Stop::NotIndexed);
    }
    Ok((at + 1..close, close + 1))
}

/// `cut::skip_trivia` without collecting the comments.
fn skip_trivia(bytes: &[u8], mut pos: usize) -> usize {
    while let Some(&b) = bytes.get(pos) {
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => pos += 1,
            // `skip_trivia` stops a comment before `\r\n`, then skips the `\r` as whitespace.
            b'#' => pos = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |k| pos + k),
            _ => break,
        }
    }
    pos
}

/// Bytes that mean something to [`fast_block_end`] outside strings and comments.
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 7 {
        t[b"#\"{[}]\n"[i] as usize] = true;
        i += 1;
    }
    t
};

/// The offset of the first [`SPECIAL`] byte at or after `i`, or the end.
fn next_special(bytes: &[u8], mut i: usize) -> usize {
    // Eight bytes a step with one branch: a branch per byte mispredicted at the end of every
    // plain run (~20 bytes a line) and was half of this scan's time.
    while let Some(chunk) = bytes.get(i..i + 8) {
        if chunk
            .iter()
            .fold(false, |any, &b| any | SPECIAL[b as usize])
        {
            break;
        }
        i += 8;
    }
    let rest = &bytes[i.min(bytes.len())..];
    i + rest
        .iter()
        .position(|&b| SPECIAL[b as usize])
        .unwrap_or(rest.len())
}

/// `cut::block_end` for a block whose brackets close, with the nesting check of its bytes:
/// the offset after the `}` that brings the depth back to 0.
fn fast_block_end(bytes: &[u8], start: usize) -> Result<usize, Stop> {
    let n = bytes.len();
    let mut depth = 0usize;
    let mut i = start;
    loop {
        // Plain bytes (names, keywords, indentation) by table; strings and comments, most
        // of a policy's bytes, with `memchr`.
        i = next_special(bytes, i);
        if i >= n {
            // `block_end` stops at the end of the file; the block counts as closed when the
            // file's last byte is a `}` (even inside an unterminated string or a comment).
            return match bytes.last() {
                Some(b'}') => Ok(n),
                _ => Err(Stop::NotIndexed),
            };
        }
        match bytes[i] {
            b'#' => i = memchr::memchr(b'\n', &bytes[i..]).map_or(n, |k| i + k),
            b'"' => i = string_end(bytes, i + 1)?,
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(Stop::NotIndexed);
                }
                i += 1;
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 && bytes[i] == b'}' {
                    return Ok(i + 1);
                }
                i += 1;
            }
            // `\n`: a line that starts a block while this one is open ends it unclosed.
            _ => {
                if starts_block(&bytes[i + 1..]) {
                    return Err(Stop::NotIndexed);
                }
                i += 1;
            }
        }
    }
}

/// From just inside a string's opening quote: the offset after its closing quote, or of the
/// line end (or file end) that ends it unterminated.
fn string_end(bytes: &[u8], mut i: usize) -> Result<usize, Stop> {
    loop {
        let Some(k) = memchr::memchr3(b'"', b'\\', b'\n', &bytes[i.min(bytes.len())..]) else {
            return Ok(bytes.len());
        };
        let at = i + k;
        match bytes[at] {
            b'"' => return Ok(at + 1),
            b'\n' => return Ok(at),
            _ => match bytes.get(at + 1) {
                None => return Ok(bytes.len()),
                Some(b'\n') => return Err(Stop::Ambiguous),
                Some(_) => i = at + 2,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parser::{index_blocks, BlockHead};
    use proptest::prelude::*;

    /// [`scan_blocks`] with names as strings, to compare with the reference.
    fn scanned(text: &str) -> Option<Vec<BlockHead>> {
        let blocks = scan_blocks(text)?;
        Some(
            blocks
                .into_iter()
                .map(|b| BlockHead {
                    kind: b.kind,
                    name: text[b.name].to_string(),
                    from: b.from.map(|f| text[f].to_string()),
                    start: b.start,
                    end: b.end,
                })
                .collect(),
        )
    }

    /// Every `.litcap` under `policies/`, `tests/golden/` and `tests/vectors/`, read once.
    fn fixtures() -> &'static [String] {
        static TEXTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
        TEXTS.get_or_init(read_fixtures)
    }

    fn read_fixtures() -> Vec<String> {
        let mut texts = Vec::new();
        for dir in ["policies", "tests/golden", "tests/vectors"] {
            let mut stack = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)];
            while let Some(d) = stack.pop() {
                let Ok(entries) = std::fs::read_dir(&d) else {
                    continue;
                };
                for e in entries.flatten() {
                    let p = e.path();
                    if p.is_dir() {
                        stack.push(p);
                    } else if p.extension().is_some_and(|e| e == "litcap") {
                        if let Ok(t) = std::fs::read_to_string(&p) {
                            texts.push(t);
                        }
                    }
                }
            }
        }
        texts
    }

    #[test]
    fn decides_as_the_reference_on_every_fixture() {
        let texts = fixtures();
        assert!(texts.len() > 10);
        for text in texts {
            assert_eq!(scanned(text), index_blocks(text), "{text}");
        }
    }

    #[test]
    fn decides_as_the_reference_on_hand_made_edges() {
        let deep = format!("grant \"g\" {{ x {}{} }}", "[".repeat(64), "]".repeat(64));
        for text in [
            "grant \"g\" {\n",
            "grant \"g\" { \"open }",
            "grant \"g\" { # comment }",
            "grant \"g\" { ] }",
            "grant \"g\" { ] \n}",
            "grant \"g\" { x \"a\\\nb\" }",
            "grant \"g\" { x \"a\\\n}\" }",
            "grant \"g\" { x \"a\\\n{\" }\nsession \"s\" from \"g\" { }",
            "grant \"g\" { x \"a\\",
            "grant \"g\" { x \"a\\\"}\" }",
            "grant \"g\" {\nsession \"s\" from \"g\" {}",
            "grant \"g\" {\r\n} # c\r\nnetwork \"naga\"\r\nsession \"s\" from \"g\" {}",
            "network \"naga\"",
            "network naga",
            "grant \"g\" {} }",
            "grant \"g\"{}session\"s\"from\"g\"{}",
            &deep,
            &deep.replacen('[', "[[", 1),
        ] {
            assert_eq!(scanned(text), index_blocks(text), "{text:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]
        #[test]
        fn decides_as_the_reference_on_random_token_soup(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just("grant \"g\" "), Just("session \"s\" from \"g\" "), Just("network \"n\"\n"),
                    Just("{"), Just("}"), Just("["), Just("]"), Just("\""), Just("\\"),
                    Just("\n"), Just("\r\n"), Just("# c"), Just(" "), Just("x"), Just("grant"),
                    Just("\nsession "), Just("from"),
                ],
                0..40,
            )
        ) {
            let text: String = parts.concat();
            prop_assert_eq!(scanned(&text), index_blocks(&text), "{:?}", text);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(600))]
        /// Real policies with a few lexically meaningful bytes inserted anywhere.
        #[test]
        fn decides_as_the_reference_on_damaged_fixtures(
            pick in any::<prop::sample::Index>(),
            edits in proptest::collection::vec(
                (any::<prop::sample::Index>(), prop_oneof![
                    Just("{"), Just("}"), Just("["), Just("]"), Just("\""), Just("\\"),
                    Just("\\\n"), Just("\n"), Just("#"), Just("\ngrant "), Just("\r\n"),
                ]),
                1..4,
            )
        ) {
            let texts = fixtures();
            let mut text = texts[pick.index(texts.len())].clone();
            for (at, insert) in edits {
                let mut at = at.index(text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                text.insert_str(at, insert);
            }
            prop_assert_eq!(scanned(&text), index_blocks(&text), "{:?}", text);
        }
    }
}
