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

/// Parses the block that starts after the whitespace at `pos` and ends at or before `end`
/// (the block's extent from `parser::block_end`). Returns the item and the offset after its `}`.
pub(super) fn block(file: FileId, text: &str, pos: usize, end: usize) -> Option<(Item, usize)> {
    let chunk = text.as_bytes().get(pos..end)?;
    if chunk.iter().any(|b| matches!(b, b'#' | b'\\')) {
        return None;
    }
    let mut p = Cursor {
        file,
        text,
        bytes: &text.as_bytes()[..end],
        at: pos,
    };
    p.skip_ws();
    let start = p.at;
    let item = if p.keyword("grant") {
        Item::Grant(p.grant(start)?)
    } else if p.keyword("session") {
        Item::Session(p.session(start)?)
    } else {
        return None;
    };
    Some((item, p.at))
}

struct Cursor<'t> {
    file: FileId,
    text: &'t str,
    /// The text up to the end of the block.
    bytes: &'t [u8],
    at: usize,
}

fn word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

fn ability_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'*' | b'/')
}

impl Cursor<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn skip_ws(&mut self) {
        while self
            .bytes
            .get(self.at)
            .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        {
            self.at += 1;
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

    /// The longest run of bytes with `class` (at least one): its start and end.
    fn run(&mut self, class: fn(u8) -> bool) -> Option<(usize, usize)> {
        let start = self.at;
        let len = self.bytes[start..]
            .iter()
            .take_while(|b| class(**b))
            .count();
        if len == 0 {
            return None;
        }
        self.at = start + len;
        let end = self.at;
        self.skip_ws();
        Some((start, end))
    }

    /// A one-line string without escapes (the block has none): its value and span.
    fn string(&mut self) -> Option<(Spanned<String>, usize)> {
        let start = self.at;
        if self.bytes.get(start) != Some(&b'"') {
            return None;
        }
        let len = self.bytes[start + 1..]
            .iter()
            .position(|b| matches!(b, b'"' | b'\n' | b'\r'))?;
        let close = start + 1 + len;
        if self.bytes[close] != b'"' {
            return None;
        }
        self.at = close + 1;
        let value = self.text[start + 1..close].to_string();
        self.skip_ws();
        Some((Spanned::new(value, self.span(start, close + 1)), close + 1))
    }

    fn duration(&mut self) -> Option<(Spanned<Ttl>, usize)> {
        let (s, e) = self.run(|b| b.is_ascii_alphanumeric())?;
        let ttl = Ttl::parse(&self.text[s..e]).ok()?;
        Some((Spanned::new(ttl, self.span(s, e)), e))
    }

    fn integer(&mut self) -> Option<(Spanned<u64>, usize)> {
        let (s, e) = self.run(|b| b.is_ascii_digit())?;
        let n = self.text[s..e].parse::<u64>().ok()?;
        Some((Spanned::new(n, self.span(s, e)), e))
    }

    /// `<ability> on "<resource>"` (no `where`): the capability and where its last token ends.
    fn capability(&mut self) -> Option<(Capability, usize)> {
        let (s, e) = self.run(ability_byte)?;
        let ability = Spanned::new(self.text[s..e].to_string(), self.span(s, e));
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

    /// `{`, the statements `stmt` reads, `}`: the offsets of the braces.
    fn body<S>(
        &mut self,
        mut stmt: impl FnMut(&mut Self, usize) -> Option<Option<S>>,
    ) -> Option<(Vec<S>, usize, usize)> {
        let open = self.at;
        if self.bytes.get(open) != Some(&b'{') {
            return None;
        }
        self.at += 1;
        self.skip_ws();
        let mut body = Vec::new();
        loop {
            if self.bytes.get(self.at) == Some(&b'}') {
                let close = self.at;
                self.at += 1;
                body.shrink_to_fit();
                return Some((body, open, close));
            }
            let start = self.at;
            body.push(stmt(self, start)??);
        }
    }

    fn grant(&mut self, start: usize) -> Option<Grant> {
        let (name, _) = self.string()?;
        let (body, open, close) = self.body(|p, s| {
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
            Some(Some(GrantStmt {
                kind,
                span: p.span(s, end),
            }))
        })?;
        Some(Grant {
            name,
            body,
            span: self.span(start, close + 1),
            open,
            close,
        })
    }

    fn session(&mut self, start: usize) -> Option<Session> {
        let (name, _) = self.string()?;
        if !self.keyword("from") {
            return None;
        }
        let (from, _) = self.string()?;
        let (body, open, close) = self.body(|p, s| {
            let (kind, end) = if p.keyword("ttl") {
                let (v, e) = p.duration()?;
                (SessionStmtKind::Ttl(v), e)
            } else if p.keyword("request") {
                let (c, e) = p.capability()?;
                (SessionStmtKind::Request(c), e)
            } else {
                return None;
            };
            Some(Some(SessionStmt {
                kind,
                span: p.span(s, end),
            }))
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
        ] {
            same_as_pest(text);
        }
        let plain = "grant \"g\" {\n  domain \"a\"\n}\nsession \"s\" from \"g\" { ttl 1h }";
        let close = plain.find('}').unwrap_or(0) + 1;
        let (item, end) = super::block(0, plain, 0, close).expect("the fast path reads it");
        assert!(matches!(item, super::Item::Grant(_)));
        assert_eq!(end, close);
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
