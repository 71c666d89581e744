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
    /// `network "<name>"`: the profile the file is written for (checked by the model).
    pub network: Option<Spanned<String>>,
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
    /// `signer <kind> "<address>"`: who signs the grant's AuthSig when it is not a wallet
    /// (`pkp`: the network signs for this PKP, a `lit.bls` AuthSig).
    Signer {
        kind: Spanned<String>,
        address: Spanned<String>,
    },
    /// `auth-action "<IPFS CID>"`: a Lit Action allowed to authorize the PKP session.
    AuthAction(Spanned<String>),
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

impl PolicyFile {
    /// A copy with every span (and brace offset) zeroed, to compare trees by content only.
    pub fn without_spans(&self) -> PolicyFile {
        let z = Span::default();
        let cap = |c: &Capability| Capability {
            ability: Spanned::new(c.ability.value.clone(), z),
            resource: Spanned::new(c.resource.value.clone(), z),
            data: c.data.as_ref().map(|d| Spanned::new(d.value.clone(), z)),
        };
        let items = self
            .items
            .iter()
            .map(|item| match item {
                Item::Grant(g) => Item::Grant(Grant {
                    name: Spanned::new(g.name.value.clone(), z),
                    body: g
                        .body
                        .iter()
                        .map(|s| GrantStmt {
                            span: z,
                            kind: match &s.kind {
                                GrantStmtKind::Domain(v) => {
                                    GrantStmtKind::Domain(Spanned::new(v.value.clone(), z))
                                }
                                GrantStmtKind::Statement(v) => {
                                    GrantStmtKind::Statement(Spanned::new(v.value.clone(), z))
                                }
                                GrantStmtKind::ChainId(v) => {
                                    GrantStmtKind::ChainId(Spanned::new(v.value, z))
                                }
                                GrantStmtKind::MaxTtl(v) => {
                                    GrantStmtKind::MaxTtl(Spanned::new(v.value, z))
                                }
                                GrantStmtKind::Allow(c) => GrantStmtKind::Allow(cap(c)),
                                GrantStmtKind::Signer { kind, address } => GrantStmtKind::Signer {
                                    kind: Spanned::new(kind.value.clone(), z),
                                    address: Spanned::new(address.value.clone(), z),
                                },
                                GrantStmtKind::AuthAction(v) => {
                                    GrantStmtKind::AuthAction(Spanned::new(v.value.clone(), z))
                                }
                            },
                        })
                        .collect(),
                    span: z,
                    open: 0,
                    close: 0,
                }),
                Item::Session(s) => Item::Session(Session {
                    name: Spanned::new(s.name.value.clone(), z),
                    from: Spanned::new(s.from.value.clone(), z),
                    body: s
                        .body
                        .iter()
                        .map(|st| SessionStmt {
                            span: z,
                            kind: match &st.kind {
                                SessionStmtKind::Ttl(v) => {
                                    SessionStmtKind::Ttl(Spanned::new(v.value, z))
                                }
                                SessionStmtKind::Request(c) => SessionStmtKind::Request(cap(c)),
                            },
                        })
                        .collect(),
                    span: z,
                    open: 0,
                    close: 0,
                }),
            })
            .collect();
        PolicyFile {
            file: 0,
            network: self
                .network
                .as_ref()
                .map(|n| Spanned::new(n.value.clone(), z)),
            items,
            comments: self
                .comments
                .iter()
                .map(|c| Comment {
                    span: z,
                    text: c.text.clone(),
                })
                .collect(),
        }
    }
}
