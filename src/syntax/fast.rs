//! A hand-written parser for the plain top-level blocks of a policy file, tried before pest.
//!
//! Rules (why it gives the same tree as the grammar, `grammar/policy.pest`):
//! - It accepts a strict subset of the grammar: a `grant` or `session` block whose text (and
//!   the whitespace before it) has no comment (`#`), no escape (`\`) and no `where` data, whose
//!   integers fit in 64 bits and whose durations parse. Anything else, including every error,
//!   returns `None` and the block goes to pest, which reports it exactly as before.
//! - Tokens are matched as the grammar matches them: keywords end at a word boundary
//!   (`word_end`), abilities are the longest run of `[A-Za-z0-9_./*-]`, integers of digits,
//!   durations of letters and digits, strings one line without `"`, `\`, CR or LF; whitespace
//!   (space, tab, CR, LF) may separate any two tokens and is optional where the grammar's
//!   implicit whitespace is.
//! - Spans are the ones `parser::Builder` gives: a block from its keyword to its `}`, a
//!   statement from its keyword to its last token, a string with its quotes.
//!
//! Why: pest spends most of `check`'s time on large policies (its call-depth tracking and
//! stack checks run for every rule); these blocks are nearly all of a generated policy.

use super::ast::*;
use crate::diag::{FileId, Span};
use crate::time::Ttl;

/// Reusable statement buffers, so that each block's body is allocated once at its exact size.
#[derive(Default)]
pub(super) struct Scratch {
    grant: Vec<GrantStmt>,
    session: Vec<SessionStmt>,
}

/// Parses the block whose keyword is at `start` (the caller has skipped the whitespace before
/// it and found no comment there). Returns the item and the offset after its `}`.
///
/// This is the only pass over the block's text: it stops (returns `None`) where
/// `cut::block_end` would cut the block before its `}` (a line starting with a top-level
/// keyword), and at any `#` or `\`, so `cut::block_end` and the nesting check need not
/// run when every block of a file is plain (the nesting of such a file is at most 1).
pub(super) fn block(
    file: FileId,
    text: &str,
    start: usize,
    scratch: &mut Scratch,
) -> Option<(Item, usize)> {
    let mut p = Cursor {
        file,
        text,
        bytes: text.as_bytes(),
        at: start,
    };
    let item = if p.keyword("grant") {
        Item::Grant(p.grant(start, &mut scratch.grant)?)
    } else if p.keyword("session") {
        Item::Session(p.session(start, &mut scratch.session)?)
    } else {
        return None;
    };
    Some((item, p.at))
}

struct Cursor<'t> {
    file: FileId,
    text: &'t str,
    bytes: &'t [u8],
    at: usize,
}

fn word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

fn ability_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'*' | b'/')
}

/// The bytes that end a plain string's scan: its closing quote, or what makes it not plain
/// (a line break, an escape, a `#` the old whole-block check refused).
const STRING_STOP: [bool; 256] = {
    let mut t = [false; 256];
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t[b'#' as usize] = true;
    t[b'\n' as usize] = true;
    t[b'\r' as usize] = true;
    t
};

impl Cursor<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    /// Skips whitespace. A line in it that starts a top-level block is where
    /// `cut::block_end` ends the block's text: the cursor then jumps to the end of the text,
    /// so that the block, still missing its `}`, is not read (pest reports it).
    fn skip_ws(&mut self) {
        while let Some(&b) = self.bytes.get(self.at) {
            match b {
                b' ' | b'\t' | b'\r' => self.at += 1,
                b'\n' => {
                    self.at += 1;
                    if super::cut::starts_block(&self.bytes[self.at..]) {
                        self.at = self.bytes.len();
                    }
                }
                _ => break,
            }
        }
    }

    /// `kw` at the cursor, ending at a word boundary: consumed (and the whitespace after it).
    fn keyword(&mut self, kw: &str) -> bool {
        let end = self.at + kw.len();
        if self.bytes.get(self.at..end) != Some(kw.as_bytes())
            || self.bytes.get(end).is_some_and(|b| word_byte(*b))
        {
            return false;
        }
        self.at = end;
        self.skip_ws();
        true
    }

    /// The longest run of bytes with `class` (at least one), and the whitespace after it: the
    /// run's start and end.
    fn run(&mut self, class: fn(u8) -> bool) -> Option<(usize, usize)> {
        let start = self.at;
        let len = self.bytes[start..]
            .iter()
            .position(|b| !class(*b))
            .unwrap_or(self.bytes.len() - start);
        if len == 0 {
            return None;
        }
        self.at = start + len;
        let end = self.at;
        self.skip_ws();
        Some((start, end))
    }

    /// A one-line string without escapes or `#`: its value and span.
    fn string(&mut self) -> Option<(Spanned<String>, usize)> {
        let start = self.at;
        if self.bytes.get(start) != Some(&b'"') {
            return None;
        }
        let len = self.bytes[start + 1..]
            .iter()
            .position(|b| STRING_STOP[usize::from(*b)])?;
        let close = start + 1 + len;
        if self.bytes[close] != b'"' {
            return None;
        }
        self.at = close + 1;
        let value = String::from(self.text.get(start + 1..close)?);
        self.skip_ws();
        Some((Spanned::new(value, self.span(start, close + 1)), close + 1))
    }

    fn duration(&mut self) -> Option<(Spanned<Ttl>, usize)> {
        let (s, e) = self.run(|b| b.is_ascii_alphanumeric())?;
        let ttl = Ttl::parse(self.text.get(s..e)?).ok()?;
        Some((Spanned::new(ttl, self.span(s, e)), e))
    }

    fn integer(&mut self) -> Option<(Spanned<u64>, usize)> {
        let (s, e) = self.run(|b| b.is_ascii_digit())?;
        let n = self.bytes[s..e].iter().try_fold(0u64, |n, d| {
            n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        })?;
        Some((Spanned::new(n, self.span(s, e)), e))
    }

    /// `<ability> on "<resource>"` (no `where`): the capability and where its last token ends.
    fn capability(&mut self) -> Option<(Capability, usize)> {
        let (s, e) = self.run(ability_byte)?;
        let ability = Spanned::new(String::from(self.text.get(s..e)?), self.span(s, e));
        if !self.keyword("on") {
            return None;
        }
        let (resource, end) = self.string()?;
        if self.keyword("where") {
            return None;
        }
        Some((
            Capability {
                ability,
                resource,
                data: None,
            },
            end,
        ))
    }

    /// `{`, the statements `stmt` reads (into `scratch`, emptied first), `}`: the statements
    /// in a Vec of their exact size, and the offsets of the braces.
    fn body<S>(
        &mut self,
        scratch: &mut Vec<S>,
        mut stmt: impl FnMut(&mut Self, usize) -> Option<S>,
    ) -> Option<(Vec<S>, usize, usize)> {
        let open = self.at;
        if self.bytes.get(open) != Some(&b'{') {
            return None;
        }
        self.at += 1;
        self.skip_ws();
        scratch.clear();
        loop {
            if self.bytes.get(self.at) == Some(&b'}') {
                let close = self.at;
                self.at += 1;
                // Not `mem::take`: the scratch keeps its capacity, the body gets its exact size.
                let mut body = Vec::with_capacity(scratch.len());
                body.append(scratch);
                return Some((body, open, close));
            }
            let start = self.at;
            scratch.push(stmt(self, start)?);
        }
    }

    fn grant(&mut self, start: usize, scratch: &mut Vec<GrantStmt>) -> Option<Grant> {
        let (name, _) = self.string()?;
        let (body, open, close) = self.body(scratch, |p, s| {
            let (kind, end) = if p.keyword("domain") {
                let (v, e) = p.string()?;
                (GrantStmtKind::Domain(v), e)
            } else if p.keyword("statement") {
                let (v, e) = p.string()?;
                (GrantStmtKind::Statement(v), e)
            } else if p.keyword("chain-id") {
                let (v, e) = p.integer()?;
                (GrantStmtKind::ChainId(v), e)
            } else if p.keyword("max-ttl") {
                let (v, e) = p.duration()?;
                (GrantStmtKind::MaxTtl(v), e)
            } else if p.keyword("allow") {
                let (c, e) = p.capability()?;
                (GrantStmtKind::Allow(c), e)
            } else {
                return None;
            };
            Some(GrantStmt {
                kind,
                span: p.span(s, end),
            })
        })?;
        Some(Grant {
            name,
            body,
            span: self.span(start, close + 1),
            open,
            close,
        })
    }

    fn session(&mut self, start: usize, scratch: &mut Vec<SessionStmt>) -> Option<Session> {
        let (name, _) = self.string()?;
        if !self.keyword("from") {
            return None;
        }
        let (from, _) = self.string()?;
        let (body, open, close) = self.body(scratch, |p, s| {
            let (kind, end) = if p.keyword("ttl") {
                let (v, e) = p.duration()?;
                (SessionStmtKind::Ttl(v), e)
            } else if p.keyword("request") {
                let (c, e) = p.capability()?;
                (SessionStmtKind::Request(c), e)
            } else {
                return None;
            };
            Some(SessionStmt {
                kind,
                span: p.span(s, end),
            })
        })?;
        Some(Session {
            name,
            from,
            body,
            span: self.span(start, close + 1),
            open,
            close,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::parser;

    /// The fast path gives the tree and diagnostics pest gives, block by block.
    fn same_as_pest(text: &str) {
        let fast = parser::parse(0, text);
        let slow = parser::parse_with_pest_only(0, text);
        assert_eq!(fast, slow, "{text}");
    }

    #[test]
    fn plain_blocks_parse_as_pest_parses_them() {
        for text in [
            "grant \"g\" {\n  domain \"a.example\"\n  statement \"hi there\"\n  chain-id 1\n  max-ttl 1h30m\n  allow pkp-signing on \"lit-pkp://*\"\n  allow lit-action-execution on \"lit-litaction://Qm1\"\n}\n\nsession \"s\" from \"g\" {\n  ttl 15m\n  request pkp-signing on \"lit-pkp://0x12\"\n}\n",
            "grant\"g\"{domain\"a\"allow pkp-signing on\"lit-pkp://*\"}session\"s\"from\"g\"{ttl 1h request pkp-signing on\"lit-pkp://1\"}",
            "\r\n\tgrant \"é ü\" {\r\n}\r\n",
            "grant \"g\" { chain-id 99999999999999999999999 }",
            "grant \"g\" { max-ttl 1x }",
            "grant \"g\" { allow pkp-signing on \"x\" where { a: 1 } }",
            "grant \"g\" { allow pkp-signing on \"x\" wherever }",
            "grant \"g\" { domain \"a\\\"b\" }",
            "# c\ngrant \"g\" { domain \"a\" } # d\nsession \"s\" from \"g\" { # e\n}",
            "grant \"g\" { domainx \"a\" }",
            "grant \"g\" { chain-id 12abc }",
            "grant \"g\" { allow pkp-signingon \"x\" }",
            "grant \"g\" { allow pkp-signing on \"x }\ngrant \"h\" {}",
            "grant \"g\" {\nsession \"s\" from \"g\" {}",
            "grants \"g\" {}",
            "session \"s\" \"g\" {}",
            "session \"s\" from \"g\" { ttl }",
            "grant \"g\" {} }",
            "grant \"g\" {}\n\n",
            "",
            // CRLF, tabs, unicode.
            "grant \"g\" {\r\n\tdomain \"a\"\r\n\tallow pkp-signing on \"lit-pkp://\u{e9}\u{1f600}\"\r\n}\r\n",
            "grant \"g\" {\n  domain \"a\"\r\n}\r",
            "grant \"g\" { domain \"a\r\" }",
            // `#` and escapes, in strings, between tokens, after a block.
            "grant \"g#1\" { domain \"a\" }",
            "grant \"g\" { domain \"a\" # c\n }",
            "grant \"g\" { domain \"a\" }# c\ngrant \"h\" {}",
            "grant \"g\" { domain \"a\\\\b\" }",
            "grant \\ \"g\" {}",
            // Integers and durations at and beyond 64 bits.
            "grant \"g\" { chain-id 18446744073709551615 }",
            "grant \"g\" { chain-id 18446744073709551616 }",
            "grant \"g\" { chain-id 00012 }",
            "grant \"g\" { max-ttl 18446744073709551615s }",
            "grant \"g\" { max-ttl 99999999999999999999d }",
            // A line starting with a top-level keyword cuts the block where `block_end` does.
            "grant \"g\" {\n  allow\ngrant on \"x\"\n}",
            "grant \"g\" {\n  allow\ngranted on \"x\"\n}",
            "grant \"g\"\nsession \"s\" from \"g\" {}",
            "session \"s\"\nfrom \"g\" {}",
            "session \"s\" from\nsession \"g\" {}",
            "grant \"g\" {\nnetwork \"naga\"\n}",
            "grant \"g\" {\nnetwork\"naga\"}",
            "grant\n\"g\" {}",
            "session \"s\" from \"g\" {\n  request pkp-signing on \"x\"\nsession \"t\" from \"g\" {}\n}",
            // Plain blocks around others: `network`, `where` data, too deep a nesting.
            "network \"naga\"\ngrant \"g\" {}\n",
            "grant \"g\" {}\ngrant \"h\" { allow a on \"x\" where { b: [1] } }\ngrant \"i\" {}",
            &format!("grant \"g\" {{}}\ngrant \"h\" {{ allow a on \"x\" where {} }}\n", "[".repeat(70)),
            &format!("grant \"g\" {{}}\n# {}\ngrant \"h\" {{}}", "[".repeat(70)),
            &format!("grant \"g\" {{ domain \"{}\" }}", "[".repeat(70)),
            "grant \"g\" {}\n# trailing\n",
        ] {
            same_as_pest(text);
        }
        let plain = "grant \"g\" {\n  domain \"a\"\n}\nsession \"s\" from \"g\" { ttl 1h }";
        let close = plain.find('}').unwrap_or(0) + 1;
        let mut scratch = super::Scratch::default();
        let (item, end) = super::block(0, plain, 0, &mut scratch).expect("the fast path reads it");
        assert!(matches!(item, super::Item::Grant(_)));
        assert_eq!(end, close);
    }

    /// Plain blocks with one edit each (a byte inserted or removed, or a keyword inserted, at
    /// pseudo-random places): the fast path refuses or reads each as pest does.
    #[test]
    fn edited_plain_blocks_parse_as_with_pest() {
        let plain = "grant \"g\" {\n  domain \"a.example\"\n  chain-id 1\n  max-ttl 1h\n  allow pkp-signing on \"lit-pkp://0x1\"\n}\n\nsession \"s\" from \"g\" {\n  ttl 15m\n  request pkp-signing on \"lit-pkp://0x1\"\n}\n";
        let inserts = [
            "#",
            "\\",
            "\n",
            "\r\n",
            "\t",
            " ",
            "\"",
            "{",
            "}",
            "[",
            "9",
            "x",
            "\u{e9}",
            "\ngrant ",
            "\nsession ",
            "\nnetwork\"",
            " where {}",
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |bound: usize| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            usize::try_from(seed >> 33).unwrap_or(0) % bound
        };
        for _ in 0..600 {
            let at = next(plain.len() + 1);
            let mut text = plain.to_string();
            if next(4) == 0 {
                if at < plain.len() {
                    text.remove(at);
                }
            } else {
                text.insert_str(at, inserts[next(inserts.len())]);
            }
            same_as_pest(&text);
        }
    }

    /// Every `.litcap` file of the repository (fixtures, golden cases, policies, docs) parses the
    /// same with and without the fast path.
    #[test]
    fn every_policy_in_the_repository_parses_as_with_pest() {
        fn walk(dir: &std::path::Path, n: &mut usize) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for e in entries.flatten() {
                let path = e.path();
                if path.is_dir() {
                    if !path.ends_with("node_modules") {
                        walk(&path, n);
                    }
                } else if path.extension().is_some_and(|x| x == "litcap") {
                    if let Ok(text) = std::fs::read_to_string(&path) {
                        same_as_pest(&text);
                        *n += 1;
                    }
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut n = 0;
        for dir in ["tests", "policies", "docs", "editors", "bindings"] {
            walk(&root.join(dir), &mut n);
        }
        assert!(n > 20, "only {n} policies found");
    }
}
