//! Policy text → [`PolicyFile`], with every error of the file reported.
//!
//! pest stops at the first error, so the parser runs the grammar one top-level block at a time
//! and, after an error, resumes at the next line that starts a `grant` or `session`.

use super::ast::*;
use crate::diag::{Code, Diagnostic, Diagnostics, FileId, Span};
use crate::time::Ttl;
use pest::iterators::Pair;
use pest::Parser as _;
use serde_json::{Map, Number, Value};

use super::cut::{block_end, nesting_violation, skip_trivia};
use super::parse_error::syntax_error;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/policy.pest"]
struct PolicyParser;

/// Files larger than this are refused before parsing.
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;
/// Deepest `{`/`[` nesting accepted (grant block plus `where` data).
pub const MAX_NESTING: usize = 64;
/// After this many syntax errors in one file the parser gives up on it.
pub const MAX_SYNTAX_ERRORS: usize = 100;

/// Parses one policy file. Items that parse are returned even when others fail.
pub fn parse(file: FileId, text: &str) -> (PolicyFile, Diagnostics) {
    parse_with(file, text, true)
}

/// [`parse`] without the fast path (`super::fast`), to test that both give the same result.
#[cfg(test)]
pub(super) fn parse_with_pest_only(file: FileId, text: &str) -> (PolicyFile, Diagnostics) {
    parse_with(file, text, false)
}

fn parse_with(file: FileId, text: &str, fast: bool) -> (PolicyFile, Diagnostics) {
    let mut items = Vec::new();
    let mut parsed = parse_streamed(file, text, fast, &mut |item| items.push(item));
    if !parsed.blocks_void {
        parsed.file.items = items;
    }
    (parsed.file, parsed.diags)
}

/// A file parsed by [`parse_each_block`].
pub struct Streamed {
    /// Without `items` (the sink got them).
    pub file: PolicyFile,
    pub diags: Diagnostics,
    /// The blocks given to the sink do not count: [`parse`] returns none for this file (it
    /// nests too deeply; `diags` says so and nothing else).
    pub blocks_void: bool,
}

/// [`parse`] that hands each block to `sink` as soon as it is parsed instead of collecting
/// them: `check` builds each block while its strings are still in the cache (issue #13: a
/// 100k-session file's tree is ~10 MB, and building from a whole tree read it back from
/// memory). The sink gets the blocks [`parse`] would return, in order, unless
/// [`Streamed::blocks_void`]: a file that nests too deeply is found to be so only at its first
/// block that is not plain, after the plain ones before it went to the sink.
pub fn parse_each_block(file: FileId, text: &str, sink: &mut dyn FnMut(Item)) -> Streamed {
    parse_streamed(file, text, true, sink)
}

fn parse_streamed(file: FileId, text: &str, fast: bool, sink: &mut dyn FnMut(Item)) -> Streamed {
    let mut out = PolicyFile {
        file,
        items: Vec::new(),
        comments: Vec::new(),
        network: None,
    };
    let mut diags = Diagnostics::new();
    if text.len() > MAX_FILE_BYTES {
        diags.push(
            Diagnostic::new(
                Code::FileTooLarge,
                format!(
                    "the file is {} bytes; litcap reads policy files up to {} bytes",
                    text.len(),
                    MAX_FILE_BYTES
                ),
            )
            .at(Span::new(file, 0, 0), "")
            .help("split the policy into several files and pass them together"),
        );
        return Streamed {
            file: out,
            diags,
            blocks_void: false,
        };
    }
    // The nesting check runs before the first block that is not plain: a file of plain blocks
    // (`super::fast`) nests at most one level, and most files are only that.
    let mut nesting_checked = false;
    let mut scratch = super::fast::Scratch::default();
    let mut pos = 0;
    loop {
        let (item_start, leading) = skip_trivia(text, pos);
        if item_start >= text.len() {
            // Comments after the last block (the ones before a block come with it).
            for (start, end) in leading {
                out.comments.push(Comment {
                    span: Span::new(file, start, end),
                    text: text[start + 1..end].to_string(),
                });
            }
            break;
        }
        // A comment before the block goes with it: pest reads those.
        if fast && leading.is_empty() {
            if let Some((item, end)) = super::fast::block(file, text, item_start, &mut scratch) {
                sink(item);
                pos = end;
                if pos >= text.len() {
                    break;
                }
                continue;
            }
        }
        if !nesting_checked {
            nesting_checked = true;
            if let Some(at) = nesting_violation(text) {
                diags.push(
                    Diagnostic::new(
                        Code::NestingTooDeep,
                        format!("`where` data is nested more than {MAX_NESTING} levels deep"),
                    )
                    .at(Span::new(file, at, at + 1), "too deep")
                    .help("nota-bene data is plain JSON for the nodes; flatten it"),
                );
                let empty = PolicyFile {
                    file,
                    items: Vec::new(),
                    comments: Vec::new(),
                    network: None,
                };
                return Streamed {
                    file: empty,
                    diags,
                    blocks_void: true,
                };
            }
        }
        // pest is given one block at a time, cut out lexically: its line index and its error
        // positions are computed over the whole input it gets, so a whole large file per call
        // would make this loop quadratic.
        let chunk_end = block_end(text, item_start);
        let mut b = Builder {
            file,
            base: pos,
            diags: &mut diags,
            comments: &mut out.comments,
            network: &mut out.network,
        };
        match PolicyParser::parse(Rule::item_at, &text[pos..chunk_end]) {
            Ok(mut pairs) => {
                let Some(item_at) = pairs.next() else { break };
                let consumed = item_at.as_span().end();
                if let Some(item) = b.item_at(item_at) {
                    sink(item);
                }
                pos += consumed.max(1);
            }
            Err(e) => {
                let err_at = pos + error_offset(&e);
                if diags.error_count() >= MAX_SYNTAX_ERRORS {
                    diags.push(
                        Diagnostic::new(
                            Code::Syntax,
                            format!("more than {MAX_SYNTAX_ERRORS} syntax errors; stopped reading the file"),
                        )
                        .at(Span::new(file, err_at, err_at), "stopped here")
                        .help("fix the errors above and run again"),
                    );
                    break;
                }
                diags.push(syntax_error(file, text, err_at, &e));
                pos = chunk_end.max(item_start + 1);
            }
        }
        if pos >= text.len() {
            break;
        }
    }
    Streamed {
        file: out,
        diags,
        blocks_void: false,
    }
}

/// What a top-level block is, from its first keyword.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockKind {
    Grant,
    Session,
    /// The file's `network "<name>"` statement (`name` is the network).
    Network,
}

/// A top-level block found by the lexical scan, not parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockHead {
    pub kind: BlockKind,
    /// The block's name as written between its quotes (names with escapes are not indexed).
    pub name: String,
    /// A session's grant name.
    pub from: Option<String>,
    /// The offset of the block's keyword, and just after its closing `}`.
    pub start: usize,
    pub end: usize,
}

/// The top-level blocks of a file, found with the lexical scan the parser uses to cut the file
/// into blocks (whitespace, comments, strings and brackets; not the grammar): the reference
/// for `super::index::scan_blocks_where`, the one-pass scan `compile --session` runs.
///
/// `None` when the file is not plainly a sequence of `grant "<name>" {...}` and
/// `session "<name>" from "<grant>" {...}` blocks whose brackets close (or is too large or too
/// deeply nested): then only the full parse can say what is wrong with it.
pub fn index_blocks(text: &str) -> Option<Vec<BlockHead>> {
    if text.len() > MAX_FILE_BYTES || nesting_violation(text).is_some() {
        return None;
    }
    let bytes = text.as_bytes();
    let keyword = |at: usize, kw: &str| -> Option<usize> {
        let end = at + kw.len();
        (text.get(at..end) == Some(kw)
            && !bytes
                .get(end)
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_'))
        .then_some(end)
    };
    // A one-line string without escapes: its text and the offset after its closing quote.
    let plain_string = |at: usize| -> Option<(String, usize)> {
        if bytes.get(at) != Some(&b'"') {
            return None;
        }
        let len = bytes[at + 1..]
            .iter()
            .position(|b| matches!(b, b'"' | b'\\' | b'\n' | b'\r'))?;
        let close = at + 1 + len;
        (bytes[close] == b'"').then(|| (text[at + 1..close].to_string(), close + 1))
    };
    let mut blocks = Vec::new();
    let mut pos = 0;
    loop {
        let (start, _) = skip_trivia(text, pos);
        if start >= bytes.len() {
            return Some(blocks);
        }
        // `network "<name>"`: a one-line statement, indexed so that a lazy load parses it too.
        if let Some(after_kw) = keyword(start, "network") {
            let (name, end) = plain_string(skip_trivia(text, after_kw).0)?;
            blocks.push(BlockHead {
                kind: BlockKind::Network,
                name,
                from: None,
                start,
                end,
            });
            pos = end;
            continue;
        }
        let (kind, after_kw) = match keyword(start, "grant") {
            Some(e) => (BlockKind::Grant, e),
            None => (BlockKind::Session, keyword(start, "session")?),
        };
        let (name, mut at) = plain_string(skip_trivia(text, after_kw).0)?;
        let mut from = None;
        if kind == BlockKind::Session {
            let after_from = keyword(skip_trivia(text, at).0, "from")?;
            let (grant, after) = plain_string(skip_trivia(text, after_from).0)?;
            from = Some(grant);
            at = after;
        }
        if bytes.get(skip_trivia(text, at).0) != Some(&b'{') {
            return None;
        }
        let end = block_end(text, start);
        if bytes.get(end.wrapping_sub(1)) != Some(&b'}') {
            return None;
        }
        blocks.push(BlockHead {
            kind,
            name,
            from,
            start,
            end,
        });
        pos = end;
    }
}

/// Parses only the top-level blocks found at `starts` (offsets from [`index_blocks`]), with
/// spans and diagnostics into the whole `text`, as [`parse`] would give them for these blocks.
pub fn parse_blocks(file: FileId, text: &str, starts: &[usize]) -> (PolicyFile, Diagnostics) {
    let mut out = PolicyFile {
        file,
        items: Vec::new(),
        comments: Vec::new(),
        network: None,
    };
    let mut diags = Diagnostics::new();
    for &start in starts {
        let chunk_end = block_end(text, start);
        let mut b = Builder {
            file,
            base: start,
            diags: &mut diags,
            comments: &mut out.comments,
            network: &mut out.network,
        };
        match PolicyParser::parse(Rule::item_at, &text[start..chunk_end]) {
            Ok(mut pairs) => {
                if let Some(item) = pairs.next().and_then(|p| b.item_at(p)) {
                    out.items.push(item);
                }
            }
            Err(e) => {
                let err_at = start + error_offset(&e);
                diags.push(syntax_error(file, text, err_at, &e));
            }
        }
    }
    (out, diags)
}

fn error_offset(e: &pest::error::Error<Rule>) -> usize {
    match e.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    }
}

struct Builder<'a> {
    file: FileId,
    base: usize,
    diags: &'a mut Diagnostics,
    comments: &'a mut Vec<Comment>,
    /// The file's `network` statement, once read.
    network: &'a mut Option<Spanned<String>>,
}

impl Builder<'_> {
    fn span(&self, p: &Pair<Rule>) -> Span {
        let s = p.as_span();
        Span::new(self.file, self.base + s.start(), self.base + s.end())
    }

    /// A statement's span without the whitespace and comments pest lets an optional trailing
    /// part (`where ...`) consume before it fails.
    fn stmt_span(&self, p: &Pair<Rule>) -> Span {
        let mut span = self.span(p);
        if let Some(last) = p
            .clone()
            .into_inner()
            .filter(|i| i.as_rule() != Rule::COMMENT)
            .last()
        {
            span.end = self.base + last.as_span().end();
        }
        span
    }

    /// Collects the comments inside a pair (pest yields them among the children).
    fn comments_in(&mut self, p: Pair<Rule>) {
        for inner in p.into_inner().flatten() {
            if inner.as_rule() == Rule::COMMENT {
                let span = self.span(&inner);
                let text = inner.as_str().strip_prefix('#').unwrap_or("").to_string();
                self.comments.push(Comment { span, text });
            }
        }
    }

    fn item_at(&mut self, p: Pair<Rule>) -> Option<Item> {
        if p.as_str().contains('#') {
            self.comments_in(p.clone());
        }
        let item = p
            .into_inner()
            .find(|i| matches!(i.as_rule(), Rule::grant | Rule::session | Rule::network))?;
        if item.as_rule() == Rule::network {
            self.network_stmt(item);
            return None;
        }
        match item.as_rule() {
            Rule::grant => Some(Item::Grant(self.grant(item))),
            _ => Some(Item::Session(self.session(item))),
        }
    }

    /// `network "<name>"`: kept once per file; a second is `duplicate-setting`.
    fn network_stmt(&mut self, p: Pair<Rule>) {
        let stmt_span = self.span(&p);
        let Some(s) = p.into_inner().find(|i| i.as_rule() == Rule::string) else {
            return;
        };
        let name = self.string(s);
        match self.network.as_ref() {
            Some(first) => self.diags.push(
                Diagnostic::new(Code::DuplicateSetting, "`network` is set twice".to_string())
                    .at(stmt_span, "set again here")
                    .related(first.span, "first set here")
                    .help("keep one `network` line"),
            ),
            None => *self.network = Some(name),
        }
    }

    fn grant(&mut self, p: Pair<Rule>) -> Grant {
        let span = self.span(&p);
        let mut name = Spanned::new(String::new(), span);
        // Sized exactly: a growing vector would hold up to twice the statements of every block.
        let mut body = Vec::with_capacity(
            p.clone()
                .into_inner()
                .filter(|i| {
                    matches!(
                        i.as_rule(),
                        Rule::domain
                            | Rule::statement
                            | Rule::chain_id
                            | Rule::max_ttl
                            | Rule::allow
                            | Rule::signer
                            | Rule::auth_action
                    )
                })
                .count(),
        );
        let (mut open, mut close) = (span.start, span.end.saturating_sub(1));
        for inner in p.into_inner() {
            match inner.as_rule() {
                Rule::name => name = self.name(inner),
                Rule::open => open = self.span(&inner).start,
                Rule::close => close = self.span(&inner).start,
                Rule::domain
                | Rule::statement
                | Rule::chain_id
                | Rule::max_ttl
                | Rule::allow
                | Rule::signer
                | Rule::auth_action => {
                    if let Some(stmt) = self.grant_stmt(inner) {
                        body.push(stmt);
                    }
                }
                _ => {}
            }
        }
        Grant {
            name,
            body,
            span,
            open,
            close,
        }
    }

    fn grant_stmt(&mut self, p: Pair<Rule>) -> Option<GrantStmt> {
        let span = self.stmt_span(&p);
        let rule = p.as_rule();
        let mut inner = p.into_inner().filter(|i| i.as_rule() != Rule::COMMENT);
        inner.next(); // the keyword
        let kind = match rule {
            Rule::domain => GrantStmtKind::Domain(self.string(inner.next()?)),
            Rule::statement => GrantStmtKind::Statement(self.string(inner.next()?)),
            Rule::chain_id => GrantStmtKind::ChainId(self.integer(inner.next()?)?),
            Rule::max_ttl => GrantStmtKind::MaxTtl(self.duration(inner.next()?)?),
            Rule::allow => GrantStmtKind::Allow(self.capability(inner)?),
            Rule::signer => {
                let kind = inner.next()?;
                let kind = Spanned::new(kind.as_str().to_string(), self.span(&kind));
                GrantStmtKind::Signer {
                    kind,
                    address: self.string(inner.next()?),
                }
            }
            Rule::auth_action => GrantStmtKind::AuthAction(self.string(inner.next()?)),
            _ => return None,
        };
        Some(GrantStmt { kind, span })
    }

    fn session(&mut self, p: Pair<Rule>) -> Session {
        let span = self.span(&p);
        let mut names = Vec::with_capacity(2);
        let mut body = Vec::with_capacity(
            p.clone()
                .into_inner()
                .filter(|i| matches!(i.as_rule(), Rule::ttl | Rule::request))
                .count(),
        );
        let (mut open, mut close) = (span.start, span.end.saturating_sub(1));
        for inner in p.into_inner() {
            match inner.as_rule() {
                Rule::name => names.push(self.name(inner)),
                Rule::open => open = self.span(&inner).start,
                Rule::close => close = self.span(&inner).start,
                Rule::ttl | Rule::request => {
                    let stmt_span = self.stmt_span(&inner);
                    let rule = inner.as_rule();
                    let mut parts = inner.into_inner().filter(|i| i.as_rule() != Rule::COMMENT);
                    parts.next(); // the keyword
                    let kind = match rule {
                        Rule::ttl => parts
                            .next()
                            .and_then(|d| self.duration(d))
                            .map(SessionStmtKind::Ttl),
                        _ => self.capability(parts).map(SessionStmtKind::Request),
                    };
                    if let Some(kind) = kind {
                        body.push(SessionStmt {
                            kind,
                            span: stmt_span,
                        });
                    }
                }
                _ => {}
            }
        }
        let mut names = names.into_iter();
        let empty = Spanned::new(String::new(), span);
        Session {
            name: names.next().unwrap_or_else(|| empty.clone()),
            from: names.next().unwrap_or(empty),
            body,
            span,
            open,
            close,
        }
    }

    fn capability<'i>(
        &mut self,
        mut parts: impl Iterator<Item = Pair<'i, Rule>>,
    ) -> Option<Capability> {
        let ability = parts.next()?;
        // `"crud/read"` is the ability `crud/read` (quotes are for ERC-5573 abilities).
        let text = ability.as_str();
        let text = text
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .unwrap_or(text);
        let ability = Spanned::new(text.to_string(), self.span(&ability));
        let mut resource = None;
        let mut data = None;
        for p in parts {
            match p.as_rule() {
                Rule::string => resource = Some(self.string(p)),
                Rule::where_clause => {
                    let object = p.into_inner().find(|i| i.as_rule() == Rule::object)?;
                    let span = self.span(&object);
                    if let Value::Object(map) = self.object(object) {
                        data = Some(Spanned::new(map, span));
                    }
                }
                _ => {}
            }
        }
        Some(Capability {
            ability,
            resource: resource?,
            data,
        })
    }

    fn name(&mut self, p: Pair<Rule>) -> Spanned<String> {
        let span = self.span(&p);
        match p.into_inner().next() {
            Some(s) => self.string(s),
            None => Spanned::new(String::new(), span),
        }
    }

    fn string(&mut self, p: Pair<Rule>) -> Spanned<String> {
        let span = self.span(&p);
        let raw = p.as_str();
        let inner = raw
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .unwrap_or(raw);
        let value = unescape(inner, span.start + 1, self.file, self.diags);
        Spanned::new(value, span)
    }

    fn integer(&mut self, p: Pair<Rule>) -> Option<Spanned<u64>> {
        let span = self.span(&p);
        match p.as_str().parse::<u64>() {
            Ok(n) => Some(Spanned::new(n, span)),
            Err(_) => {
                self.diags.push(
                    Diagnostic::new(
                        Code::InvalidNumber,
                        format!("`{}` does not fit in 64 bits", p.as_str()),
                    )
                    .at(span, "too large")
                    .help("EIP-155 chain ids are small positive integers, e.g. `1` or `175188`"),
                );
                None
            }
        }
    }

    fn duration(&mut self, p: Pair<Rule>) -> Option<Spanned<Ttl>> {
        let span = self.span(&p);
        match Ttl::parse(p.as_str()) {
            Ok(t) => Some(Spanned::new(t, span)),
            Err(e) => {
                self.diags.push(
                    Diagnostic::new(Code::InvalidDuration, e.to_string())
                        .at(span, "not a duration")
                        .help("write a number followed by `s`, `m`, `h` or `d`, e.g. `15m` or `1h30m`"),
                );
                None
            }
        }
    }

    fn object(&mut self, p: Pair<Rule>) -> Value {
        let mut map = Map::new();
        for pair in p.into_inner().filter(|i| i.as_rule() == Rule::pair) {
            let mut kv = pair.into_inner().filter(|i| i.as_rule() != Rule::COMMENT);
            let (Some(key), Some(value)) = (kv.next(), kv.next()) else {
                continue;
            };
            let key_span = self.span(&key);
            let key = match key.into_inner().next() {
                Some(k) if k.as_rule() == Rule::string => self.string(k).value,
                Some(k) => k.as_str().to_string(),
                None => continue,
            };
            if map.contains_key(&key) {
                self.diags.push(
                    Diagnostic::new(Code::InvalidWhere, format!("key `{key}` appears twice"))
                        .at(key_span, "repeated key")
                        .help("each key of a nota-bene object can appear once"),
                );
            }
            let v = self.value(value);
            map.insert(key, v);
        }
        Value::Object(map)
    }

    fn value(&mut self, p: Pair<Rule>) -> Value {
        let Some(inner) = p.into_inner().find(|i| i.as_rule() != Rule::COMMENT) else {
            return Value::Null;
        };
        match inner.as_rule() {
            Rule::object => self.object(inner),
            Rule::array => Value::Array(
                inner
                    .into_inner()
                    .filter(|i| i.as_rule() == Rule::value)
                    .map(|v| self.value(v))
                    .collect(),
            ),
            Rule::string => Value::String(self.string(inner).value),
            Rule::number => self.number(inner),
            Rule::json_true => Value::Bool(true),
            Rule::json_false => Value::Bool(false),
            _ => Value::Null,
        }
    }

    fn number(&mut self, p: Pair<Rule>) -> Value {
        let span = self.span(&p);
        match serde_json::from_str::<Number>(p.as_str()) {
            Ok(n) => Value::Number(n),
            Err(_) => {
                self.diags.push(
                    Diagnostic::new(
                        Code::InvalidNumber,
                        format!("`{}` is out of range for a JSON number", p.as_str()),
                    )
                    .at(span, "out of range")
                    .help("JavaScript numbers are IEEE doubles; write large values as strings"),
                );
                Value::Null
            }
        }
    }
}

/// Decodes JSON-style escapes; a bad escape becomes an `invalid-escape` diagnostic.
fn unescape(s: &str, offset: usize, file: FileId, diags: &mut Diagnostics) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((_, e)) = chars.next() else { break };
        match e {
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            '/' => out.push('/'),
            'b' => out.push('\u{08}'),
            'f' => out.push('\u{0c}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'u' => {
                let hex: String = s[i + 2..].chars().take(4).collect();
                let code = (hex.len() == 4)
                    .then(|| u32::from_str_radix(&hex, 16).ok())
                    .flatten();
                let mut consumed = 4;
                let decoded = match code {
                    Some(hi @ 0xD800..=0xDBFF) => {
                        // A surrogate pair: `\uD83D\uDE00`.
                        let rest = &s[i + 6..];
                        let lo = rest
                            .strip_prefix("\\u")
                            .and_then(|r| r.get(..4))
                            .and_then(|h| u32::from_str_radix(h, 16).ok())
                            .filter(|lo| (0xDC00..=0xDFFF).contains(lo));
                        lo.and_then(|lo| {
                            consumed = 10;
                            char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                        })
                    }
                    Some(c) => char::from_u32(c),
                    None => None,
                };
                match decoded {
                    Some(ch) => {
                        out.push(ch);
                        for _ in 0..consumed {
                            chars.next();
                        }
                    }
                    None => {
                        let end = (i + 2 + hex.len()).min(s.len());
                        diags.push(
                            Diagnostic::new(
                                Code::InvalidEscape,
                                format!("`{}` is not a valid unicode escape", &s[i..end]),
                            )
                            .at(Span::new(file, offset + i, offset + end), "bad escape")
                            .help("write `\\u` and four hex digits; characters above U+FFFF need a surrogate pair, or write them directly"),
                        );
                    }
                }
            }
            other => {
                diags.push(
                    Diagnostic::new(
                        Code::InvalidEscape,
                        format!("`\\{other}` is not an escape sequence"),
                    )
                    .at(
                        Span::new(file, offset + i, offset + i + 1 + other.len_utf8()),
                        "unknown escape",
                    )
                    .help("the escapes are `\\\"`, `\\\\`, `\\/`, `\\b`, `\\f`, `\\n`, `\\r`, `\\t` and `\\uXXXX`; write `\\\\` for a backslash"),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_block_index_finds_what_the_parser_parses() {
        let mut texts: Vec<String> =
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/policies"))
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "litcap"))
                .map(|p| std::fs::read_to_string(p).unwrap())
                .collect();
        texts.push(EXAMPLE.to_string());
        texts.push("grant # c\n \"g\" # c\n { allow x on \"}\" where {a: [\"{\"]} }\nsession\t\"s\"\nfrom \"g\"{request x on \"}\"}".into());
        for text in &texts {
            let (file, diags) = parse(0, text);
            assert!(!diags.has_errors(), "{diags:?}");
            let all = index_blocks(text).expect("indexed");
            let network: Vec<&BlockHead> = all
                .iter()
                .filter(|b| b.kind == BlockKind::Network)
                .collect();
            assert_eq!(
                network.first().map(|b| b.name.as_str()),
                file.network.as_ref().map(|n| n.value.as_str())
            );
            let blocks: Vec<BlockHead> = all
                .iter()
                .filter(|b| b.kind != BlockKind::Network)
                .cloned()
                .collect();
            assert_eq!(blocks.len(), file.items.len());
            for (b, item) in blocks.iter().zip(&file.items) {
                assert_eq!(b.start, item.span().start);
                match item {
                    Item::Grant(g) => {
                        assert_eq!(
                            (b.kind, &b.name, &b.from),
                            (BlockKind::Grant, &g.name.value, &None)
                        );
                    }
                    Item::Session(s) => {
                        assert_eq!(b.kind, BlockKind::Session);
                        assert_eq!(b.name, s.name.value);
                        assert_eq!(b.from.as_deref(), Some(s.from.value.as_str()));
                    }
                }
            }
            // Parsing the indexed blocks alone gives the same items, spans and all.
            let starts: Vec<usize> = blocks.iter().map(|b| b.start).collect();
            let (alone, _) = parse_blocks(0, text, &starts);
            assert_eq!(alone.items, file.items);
            let with_network: Vec<usize> = all.iter().map(|b| b.start).collect();
            let (alone, _) = parse_blocks(0, text, &with_network);
            assert_eq!(
                (alone.items, alone.network),
                (file.items.clone(), file.network.clone())
            );
            let (last, _) = parse_blocks(0, text, &starts[starts.len() - 1..]);
            assert_eq!(last.items, file.items[file.items.len() - 1..]);
        }
    }

    #[test]
    fn the_block_index_gives_up_on_what_it_cannot_cut() {
        for text in [
            "grant \"g\" {\n",                             // unclosed
            "grant \"a\\\"b\" {}",                         // escaped name
            "grants \"g\" {}",                             // not a keyword
            "grant \"g\" {}\nstray",                       // junk between blocks
            "session \"s\" \"g\" {}",                      // no `from`
            "grant \"g\" { allow x on \"unterminated }\n", // string runs to the line end
        ] {
            assert_eq!(index_blocks(text), None, "{text}");
        }
        assert_eq!(index_blocks("  # only a comment\n"), Some(vec![]));
    }

    const EXAMPLE: &str = r#"# comments start with '#'
grant "dapp" {
  domain "app.example.com"          # SIWE domain (required)
  statement "Sign in to Example."   # SIWE statement prefix (optional)
  chain-id 1                         # SIWE chain id (default 1)
  max-ttl 24h                        # longest AuthSig lifetime allowed
  allow pkp-signing on "lit-pkp://*"
  allow lit-action-execution on "lit-litaction://QmUjX8MW6StQ7NKNdaS6g4RMkvN5hcgtKmEi8Mca6oX4t3"
  allow access-control-condition-decryption on "lit-accesscontrolcondition://<hashed-accs>/<data-hash>"
  allow rate-limit-increase-auth on "lit-ratelimitincrease://42" where { uses: "10", delegate_to: ["f39fd6e5..."] }
}

session "signer" from "dapp" {
  ttl 1h
  request pkp-signing on "lit-pkp://0xb03a728fc095d13a226bda09f1ead60c4cb356c0d82a2d0177184fd66d74c75f"
}
"#;

    #[test]
    fn parses_the_issue_example() {
        let (f, d) = parse(0, EXAMPLE);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(f.items.len(), 2);
        assert_eq!(f.comments.len(), 5);
        let Item::Grant(g) = &f.items[0] else {
            panic!()
        };
        assert_eq!(g.name.value, "dapp");
        assert_eq!(g.body.len(), 8);
        let GrantStmtKind::Allow(cap) = &g.body[7].kind else {
            panic!()
        };
        assert_eq!(cap.ability.value, "rate-limit-increase-auth");
        let data = cap.data.as_ref().unwrap();
        assert_eq!(data.value["uses"], "10");
        assert_eq!(data.value["delegate_to"][0], "f39fd6e5...");
        let Item::Session(s) = &f.items[1] else {
            panic!()
        };
        assert_eq!(s.from.value, "dapp");
        assert_eq!(&EXAMPLE[s.name.span.start..s.name.span.end], "\"signer\"");
    }

    #[test]
    fn reports_every_broken_block() {
        let text = "grant \"a\" {\n  domian \"x\"\n}\n\ngrant \"b\" {\n  domain \"ok\"\n}\n\nsession \"s\" form \"b\" {\n}\n";
        let (f, d) = parse(0, text);
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(f.items.len(), 1);
        assert!(
            d.0[0].message.contains("found `domian`"),
            "{}",
            d.0[0].message
        );
        assert_eq!(d.0[0].help.as_deref(), Some("did you mean `domain`?"));
        assert_eq!(d.0[1].help.as_deref(), Some("did you mean `from`?"));
    }

    #[test]
    fn bad_escapes_and_unterminated_strings() {
        let (_, d) = parse(0, "grant \"a\\q\" {}\n");
        assert_eq!(d.0[0].code, Code::InvalidEscape);
        let span = d.0[0].span.unwrap();
        assert_eq!(span.start, 8);
        let (_, d) = parse(0, "grant \"a {\n}\n");
        assert_eq!(d.0[0].code, Code::Syntax);
        assert!(
            d.0[0].help.as_deref().unwrap_or("").contains("one line"),
            "{:?}",
            d.0[0]
        );
        let (_, d) = parse(0, "grant \"\\ud83d\\ude00 \\u00e9\" {}\n");
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        let text = format!(
            "grant \"a\" {{ allow pkp-signing on \"lit-pkp://*\" where {} }}",
            "{a:".repeat(10_000)
        );
        let (_, d) = parse(0, &text);
        assert_eq!(d.0[0].code, Code::NestingTooDeep);
    }

    #[test]
    fn empty_and_comment_only_files() {
        let (f, d) = parse(0, "");
        assert!(f.items.is_empty() && d.is_empty());
        let (f, d) = parse(0, "# nothing here\n\n# at all");
        assert!(f.items.is_empty() && d.is_empty());
        assert_eq!(f.comments.len(), 2);
    }

    #[test]
    fn the_network_statement_and_quoted_abilities() {
        let text = "network \"erc5573\"\n\ngrant \"g\" {\n  allow \"crud/read\" on \"https://a.example\"\n}\n";
        let (f, d) = parse(0, text);
        assert!(d.is_empty(), "{d:?}");
        let n = f.network.as_ref().expect("network");
        assert_eq!(n.value, "erc5573");
        assert_eq!(&text[n.span.start..n.span.end], "\"erc5573\"");
        let Item::Grant(g) = &f.items[0] else {
            panic!()
        };
        let GrantStmtKind::Allow(c) = &g.body[0].kind else {
            panic!()
        };
        assert_eq!(c.ability.value, "crud/read");
        assert_eq!(crate::syntax::format::format(&f, text), text);
        // Twice in one file.
        let (_, d) = parse(0, "network \"naga\"\nnetwork \"datil\"\n");
        assert_eq!(d.0[0].code, Code::DuplicateSetting);
    }

    #[test]
    fn keywords_need_a_word_boundary() {
        let (_, d) = parse(0, "grants \"a\" {}\n");
        assert_eq!(d.len(), 1);
        let (f, d) = parse(0, "grant\"a\"{domain\"x\"}");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(f.items.len(), 1);
    }
}
