//! The syntax tree of a policy file: what was written, with spans, before any checking.
//! The YAML/JSON forms produce the same tree.

use crate::diag::{FileId, Span};
use crate::time::Ttl;
use serde_json::{Map, Value};

/// A value and where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Spanned<T> {
        Spanned { value, span }
    }
}

/// One policy file.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct PolicyFile {
    pub file: FileId,
    pub items: Vec<Item>,
    /// Every `#` comment, in source order (kept for `fmt`).
    pub comments: Vec<Comment>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Comment {
    pub span: Span,
    /// The text after `#`, unchanged.
    pub text: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Grant(Grant),
    Session(Session),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Grant(g) => g.span,
            Item::Session(s) => s.span,
        }
    }
}

/// `grant "<name>" { ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct Grant {
    pub name: Spanned<String>,
    pub body: Vec<GrantStmt>,
    pub span: Span,
    /// Offsets of `{` and `}` (for attaching comments).
    pub open: usize,
    pub close: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct GrantStmt {
    pub kind: GrantStmtKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum GrantStmtKind {
    Domain(Spanned<String>),
    Statement(Spanned<String>),
    ChainId(Spanned<u64>),
    MaxTtl(Spanned<Ttl>),
    Allow(Capability),
}

/// `session "<name>" from "<grant>" { ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    pub name: Spanned<String>,
    pub from: Spanned<String>,
    pub body: Vec<SessionStmt>,
    pub span: Span,
    pub open: usize,
    pub close: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SessionStmt {
    pub kind: SessionStmtKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SessionStmtKind {
    Ttl(Spanned<Ttl>),
    Request(Capability),
}

/// `<ability> on "<resource>" [where { ... }]`, as written (unchecked).
#[derive(Clone, Debug, PartialEq)]
pub struct Capability {
    pub ability: Spanned<String>,
    pub resource: Spanned<String>,
    pub data: Option<Spanned<Map<String, Value>>>,
}
