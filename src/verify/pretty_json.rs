//! Pretty JSON written fast, byte for byte as serde_json's `PrettyFormatter` (two-space indent)
//! writes it: what `check --format json` prints a 100k-session policy's 99 MB report with.
//!
//! Rules (serde_json 1.0.154, `src/ser.rs`):
//! - `PrettyFormatter`: `[`/`{` open a level; each element or key starts on a new line (`\n`,
//!   or `,\n` after the first) indented two spaces per level; `": "` between key and value; a
//!   non-empty container closes on a new line at its own level, an empty one at once (`[]`);
//! - `format_escaped_str`: `"` and `\` are escaped as `\"` and `\\`; U+0008, U+0009, U+000A,
//!   U+000C and U+000D as `\b`, `\t`, `\n`, `\f`, `\r`; every other byte below 0x20 as `\u00xx`
//!   (lowercase hex); everything else, non-ASCII and U+2028 included, is copied as is;
//! - integers in plain decimal (as `itoa` writes them).
//!
//! serde_json writes each indent level, each punctuation mark and each run of a string with a
//! call of its own; here an indentation is one copy, and a string that needs no escape (all of
//! a generated policy's) one copy after one scan. Unit tests compare with serde_json.

use serde_json::ser::Formatter;
use std::io;

/// Enough spaces for any indentation written in one copy; deeper levels take several.
const SPACES: &[u8; 64] = b"                                                                ";

/// Appends the indentation of `level` (two spaces each).
pub(crate) fn push_indent(out: &mut Vec<u8>, level: usize) {
    let mut n = level * 2;
    while n > 0 {
        let k = n.min(SPACES.len());
        out.extend_from_slice(&SPACES[..k]);
        n -= k;
    }
}

/// Whether a byte is escaped in a JSON string (serde_json's `ESCAPE` table).
#[inline]
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// Appends `s` as a JSON string, quotes included.
pub(crate) fn push_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    push_contents(out, s.as_bytes());
    out.push(b'"');
}

/// Appends the concatenation of `parts` as one JSON string (escapes are byte by byte, so each
/// part is escaped on its own).
pub(crate) fn push_str_parts<const N: usize>(out: &mut Vec<u8>, parts: [&str; N]) {
    out.push(b'"');
    for p in parts {
        push_contents(out, p.as_bytes());
    }
    out.push(b'"');
}

/// Whether any byte needs an escape: 16 bytes at a time without a branch per byte (a loop the
/// compiler turns into vector compares), escapes being rare.
fn any_escape(bytes: &[u8]) -> bool {
    let mut chunks = bytes.chunks_exact(16);
    for chunk in &mut chunks {
        let mut hit = 0u8;
        for &b in chunk {
            hit |= u8::from(needs_escape(b));
        }
        if hit != 0 {
            return true;
        }
    }
    chunks.remainder().iter().any(|&b| needs_escape(b))
}

fn push_contents(out: &mut Vec<u8>, bytes: &[u8]) {
    if !any_escape(bytes) {
        out.extend_from_slice(bytes);
    } else {
        push_escaped(out, bytes);
    }
}

fn push_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !needs_escape(b) {
            continue;
        }
        out.extend_from_slice(&bytes[run..i]);
        run = i + 1;
        let short = match b {
            b'"' => b'"',
            b'\\' => b'\\',
            0x08 => b'b',
            0x09 => b't',
            0x0A => b'n',
            0x0C => b'f',
            0x0D => b'r',
            _ => {
                out.extend_from_slice(&[
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[usize::from(b >> 4)],
                    HEX[usize::from(b & 0xF)],
                ]);
                continue;
            }
        };
        out.extend_from_slice(&[b'\\', short]);
    }
    out.extend_from_slice(&bytes[run..]);
}

/// Appends an unsigned integer.
pub(crate) fn push_usize(out: &mut Vec<u8>, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// serde_json's `PrettyFormatter` (two-space indent) starting at a given nesting level, for a
/// value written inside a document this module writes by hand. Same bytes, fewer writes.
pub(crate) struct Pretty {
    level: usize,
    has_value: bool,
}

impl Pretty {
    /// A formatter for a value that sits at nesting `level` (0 for a whole document).
    pub(crate) fn at_level(level: usize) -> Pretty {
        Pretty {
            level,
            has_value: false,
        }
    }

    fn newline_indent<W: ?Sized + io::Write>(&self, w: &mut W, comma: bool) -> io::Result<()> {
        let mut buf = [b' '; 2 + 2 * 16];
        buf[0] = b',';
        buf[1] = b'\n';
        let start = if comma { 0 } else { 1 };
        let n = 2 * self.level;
        if n <= buf.len() - 2 {
            w.write_all(&buf[start..2 + n])
        } else {
            w.write_all(&buf[start..2])?;
            let mut spaces = Vec::new();
            push_indent(&mut spaces, self.level);
            w.write_all(&spaces)
        }
    }
}

impl Pretty {
    /// `[` or `{`: one level deeper, nothing written in it yet.
    fn open<W: ?Sized + io::Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    /// `]` or `}`, on a line of its own when the array or object is not empty.
    fn close<W: ?Sized + io::Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            self.newline_indent(w, false)?;
        }
        w.write_all(bracket)
    }
}

impl Formatter for Pretty {
    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.newline_indent(w, !first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.newline_indent(w, !first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const AWKWARD: &[&str] = &[
        "",
        "plain",
        "quote \" inside",
        "back\\slash",
        "\\\"",
        "nl\ncr\rtab\tbs\u{8}ff\u{c}",
        "\u{0}\u{1}\u{1f}\u{7f}",
        "é ü ✓ 漢字 🦀",
        "line\u{2028}para\u{2029}",
        "/solidus/",
        "ends with \\",
        "\"",
    ];

    #[test]
    fn strings_match_serde_json() {
        for s in AWKWARD {
            let mut ours = Vec::new();
            push_str(&mut ours, s);
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                serde_json::to_string(s).unwrap(),
                "{s:?}"
            );
        }
        // Every single character of the first 0x3000, alone and surrounded.
        for c in (0u32..0x3000).filter_map(char::from_u32) {
            for s in [c.to_string(), format!("a{c}b{c}")] {
                let mut ours = Vec::new();
                push_str(&mut ours, &s);
                assert_eq!(ours, serde_json::to_vec(&s).unwrap(), "{s:?}");
                let mut parts = Vec::new();
                push_str_parts(&mut parts, [&s, "://", &s]);
                assert_eq!(parts, serde_json::to_vec(&format!("{s}://{s}")).unwrap());
            }
        }
    }

    #[test]
    fn indents_and_integers() {
        for level in [0, 1, 2, 31, 32, 33, 70] {
            let mut out = Vec::new();
            push_indent(&mut out, level);
            assert_eq!(out, vec![b' '; 2 * level]);
        }
        for n in [0usize, 7, 10, 12345, usize::MAX] {
            let mut out = Vec::new();
            push_usize(&mut out, n);
            assert_eq!(out, serde_json::to_vec(&n).unwrap());
        }
    }

    /// A value written by [`Pretty`] at level 0 is serde_json's pretty text; at level n, the
    /// same with every line after the first indented n levels more.
    #[test]
    fn formatter_matches_pretty_formatter() {
        let mut deep = json!("leaf");
        for i in 0..40 {
            deep = if i % 2 == 0 {
                json!([deep, 1, []])
            } else {
                json!({"k": deep, "e": {}, "s": "x\"\n"})
            };
        }
        let values = [
            json!(null),
            json!([]),
            json!({}),
            json!([1, "two", {"three": [3, null, true]}]),
            json!({"a": {"b": [], "c": {}}, "d": [{"e": "f"}]}),
            json!({"awkward": AWKWARD}),
            deep,
        ];
        for v in &values {
            let expected = serde_json::to_string_pretty(v).unwrap();
            for level in [0, 1, 2, 5, 20] {
                let mut ours = Vec::new();
                let mut ser =
                    serde_json::Serializer::with_formatter(&mut ours, Pretty::at_level(level));
                serde::Serialize::serialize(v, &mut ser).unwrap();
                let indent = " ".repeat(2 * level);
                assert_eq!(
                    String::from_utf8(ours).unwrap(),
                    expected.replace('\n', &format!("\n{indent}")),
                    "level {level}"
                );
            }
        }
    }
}
