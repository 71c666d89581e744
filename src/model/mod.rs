//! Stage 2: syntax trees → a checked [`Policy`]: names resolved, abilities and resources
//! validated and normalised like the SDK, lifetimes bounded, and every session request proven
//! to be covered by its grant.

use crate::diag::{Code, Diagnostic, Diagnostics, Span};
use crate::lit::{Ability, Resource};
use crate::profile::{Profile, RecapMerge};
use crate::recap::Recap;
use crate::syntax::ast::{self, GrantStmtKind, Item, Spanned};
use crate::time::Ttl;
use std::collections::HashMap;

mod build;
mod capability;
mod erc5573;
mod grant_recap;
mod name_index;
pub mod network;
mod not_covered;
mod offsets;

pub(crate) use build::Builder;
use capability::build_capability;
pub use capability::Capability;
pub use grant_recap::GrantRecap;
use grant_recap::RecapIndex;
use name_index::NameIndex;
use not_covered::not_covered;
pub use not_covered::smallest_allow;
use offsets::Offsets;
pub mod signer;
pub use signer::{AuthAction, PkpSigner};

/// The SDK's default session lifetime (`getExpiration`: now + 24 h).
pub const DEFAULT_SESSION_TTL: Ttl = Ttl(24 * 3600);
/// The largest chain id a JavaScript number represents exactly.
pub const MAX_SAFE_CHAIN_ID: u64 = (1 << 53) - 1;

/// A checked set of grants and sessions (from one or more files).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Policy {
    pub grants: Vec<Grant>,
    pub sessions: Vec<Session>,
    /// Name → index, for lookups in large policies.
    grant_index: NameIndex,
    session_index: NameIndex,
    /// The profile it was built for (its name; empty means Datil).
    profile_name: &'static str,
}

/// What a wallet grants a session key: the AuthSig's SIWE fields and its ReCap.
#[derive(Clone, Debug, PartialEq)]
pub struct Grant {
    pub name: String,
    pub name_span: Span,
    pub span: Span,
    pub domain: Option<Spanned<String>>,
    pub statement: Option<Spanned<String>>,
    pub chain_id: u64,
    pub chain_id_span: Option<Span>,
    /// Longest AuthSig lifetime allowed; the nodes' 30 days when not written.
    pub max_ttl: Ttl,
    pub max_ttl_span: Option<Span>,
    pub allows: Vec<Capability>,
    /// `signer pkp "0x..."`: the AuthSig is a PKP / Lit Action session's, signed by the
    /// network (`lit.bls`) for this PKP; `None`: a wallet signs it.
    pub signer: Option<PkpSigner>,
    /// A `signer` line was written (even one the model rejected).
    pub signer_written: bool,
    /// `auth-action "<CID>"` lines: the Lit Actions allowed to authorize the PKP session.
    pub auth_actions: Vec<AuthAction>,
    /// The ReCap of the allows, for coverage ([`Grant::recap`]).
    recap_index: RecapIndex,
    /// How the allows merge into the recap the wallet signs (the profile's).
    recap_merge: RecapMerge,
    /// That recap, merged on first use ([`Grant::signed_recap`]).
    signed_recap: SignedRecap,
}

/// A grant's merged [`Recap`], built the first time a command asks for it: `check` only needs
/// coverage, which reads the compact [`GrantRecap`] (issue #13: ~750 bytes per allow saved).
/// It is a cache of what the allows determine, so it takes no part in comparisons.
#[derive(Clone, Debug, Default)]
struct SignedRecap(std::sync::OnceLock<Recap>);

impl PartialEq for SignedRecap {
    fn eq(&self, _: &SignedRecap) -> bool {
        true
    }
}

/// A named session: the requests one session key makes, under one grant.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    pub name: String,
    /// Index into [`Policy::grants`].
    pub grant: usize,
    pub ttl: Ttl,
    pub requests: Vec<Capability>,
    /// The spans, 32-bit ([`offsets`]): [`Session::span`] and the others rebuild them.
    file: u32,
    block: Offsets,
    name_at: Offsets,
    from_at: Offsets,
    /// [`Offsets::NONE`] without a `ttl` line.
    ttl_at: Offsets,
}

impl Session {
    /// The whole block.
    pub fn span(&self) -> Span {
        self.block.span(self.file)
    }

    pub fn name_span(&self) -> Span {
        self.name_at.span(self.file)
    }

    /// The grant's name after `from`.
    pub fn from_span(&self) -> Span {
        self.from_at.span(self.file)
    }

    /// The `ttl` value, when written.
    pub fn ttl_span(&self) -> Option<Span> {
        self.ttl_at.span_opt(self.file)
    }
}

impl Grant {
    /// The grant's ReCap as coverage reads it ([`crate::coverage::check_in`] and the other matching
    /// functions take it as they take a [`Recap`]): the same verdicts as
    /// [`Grant::signed_recap`], without building it.
    pub fn recap(&self) -> GrantRecap<'_> {
        GrantRecap::new(&self.allows, &self.recap_index)
    }

    /// The recap the wallet signs: the allows merged in order, as `addRecapToSiweMessage` does.
    /// Built on the first call.
    ///
    /// `add_to_siwe_message` decodes the previous recap and merges the new one into it; for
    /// recaps the SDK can decode (the model rejects the others, see `invalid-where`) that is a
    /// plain sequence of merges, done here without the encode/decode round trips.
    pub fn signed_recap(&self) -> &Recap {
        self.signed_recap
            .0
            .get_or_init(|| grant_recap::merged(&self.allows, self.recap_merge))
    }

    /// The `allow` that granted a covered request (`key` and ReCap ability from coverage).
    pub fn allow_for(&self, key: &str, recap_ability: &str) -> Option<&Capability> {
        self.allows.iter().find(|a| {
            a.resource.has_key(key)
                && (recap_ability == "*/*" || a.ability.recap_ability() == recap_ability)
        })
    }
}

impl Policy {
    /// The profile the policy was built for (its files' `network`, or the command's).
    pub fn profile(&self) -> &'static Profile {
        Profile::named(self.profile_name).unwrap_or(&crate::profile::DATIL)
    }

    pub fn grant(&self, name: &str) -> Option<&Grant> {
        if self.grant_index.is_empty() {
            return self.grants.iter().find(|g| g.name == name);
        }
        let i = self.grant_index.get(name, |i| &self.grants[i].name)?;
        self.grants.get(i)
    }

    pub fn session(&self, name: &str) -> Option<&Session> {
        if self.session_index.is_empty() {
            return self.sessions.iter().find(|s| s.name == name);
        }
        let i = self.session_index.get(name, |i| &self.sessions[i].name)?;
        self.sessions.get(i)
    }

    pub fn grant_of(&self, session: &Session) -> &Grant {
        &self.grants[session.grant]
    }

    pub fn session_names(&self) -> impl Iterator<Item = &str> {
        self.sessions.iter().map(|s| s.name.as_str())
    }
}

/// Builds and checks the policy of several parsed files together (names are global), for the
/// network their `network` statements name, else Datil.
pub fn build(files: &[ast::PolicyFile]) -> (Policy, Diagnostics) {
    build_for(files, None)
}

/// `build` for the `requested` profile when the files name none ([`network::choose`]).
pub fn build_for(
    files: &[ast::PolicyFile],
    requested: Option<&'static Profile>,
) -> (Policy, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut builder = Builder::new(network::choose(files, requested, &mut diags));
    // The builder takes blocks by value (it moves their strings): each is copied here.
    for item in files.iter().flat_map(|f| &f.items) {
        match item {
            Item::Grant(g) => builder.grant(g.clone()),
            Item::Session(s) => builder.session(s.clone()),
        }
    }
    let (policy, built) = builder.finish();
    diags.extend(built);
    (policy, diags)
}

/// [`build_for`] that consumes the syntax trees, freeing each block once it is built: the
/// trees and the model are never whole in memory together (peak memory of large policies,
/// issue #13). The same policy and diagnostics, in the same order.
pub fn build_owned(
    files: Vec<ast::PolicyFile>,
    requested: Option<&'static Profile>,
) -> (Policy, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut builder = Builder::new(network::choose(&files, requested, &mut diags));
    for item in files.into_iter().flat_map(|f| f.items) {
        match item {
            Item::Grant(g) => builder.grant(g),
            Item::Session(s) => builder.session(s),
        }
    }
    let (policy, built) = builder.finish();
    diags.extend(built);
    (policy, diags)
}

pub(super) fn duplicate(kind: &str, name: &Spanned<String>, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::DuplicateName,
        format!("{kind} `{}` is defined more than once", name.value),
    )
    .at(name.span, "defined again here")
    .related(first, "first defined here")
    .help(format!(
        "{kind} names are unique across all files given together; rename one"
    ))
}

pub(super) fn setting_twice(name: &str, span: Span, first: Span) -> Diagnostic {
    Diagnostic::new(Code::DuplicateSetting, format!("`{name}` is set twice"))
        .at(span, "set again here")
        .related(first, "first set here")
        .help(format!("keep one `{name}` line"))
}

/// Finds an earlier capability with the same resource and ability (`duplicate-capability`):
/// a scan while the block is short, a table once it is long, so a block of many allows is not
/// quadratic.
#[derive(Default)]
pub(super) struct SameCapability {
    indexed: usize,
    table: HashMap<(Resource, Ability), usize>,
}

impl SameCapability {
    const SCAN: usize = 32;

    /// The index of the first capability of `list` with `cap`'s resource and ability.
    pub(super) fn first(&mut self, list: &[Capability], cap: &Capability) -> Option<usize> {
        if list.len() < Self::SCAN {
            return list
                .iter()
                .position(|a| a.resource == cap.resource && a.ability == cap.ability);
        }
        for (i, a) in list.iter().enumerate().skip(self.indexed) {
            self.table
                .entry((a.resource.clone(), a.ability))
                .or_insert(i);
        }
        self.indexed = list.len();
        self.table
            .get(&(cap.resource.clone(), cap.ability))
            .copied()
    }
}

/// Builds a grant, moving its name, domain, statement and `where` data out of the tree.
pub(super) fn build_grant(g: ast::Grant, profile: &Profile, diags: &mut Diagnostics) -> Grant {
    let ast::Grant {
        name, body, span, ..
    } = g;
    let mut grant = Grant {
        name: name.value,
        name_span: name.span,
        span,
        domain: None,
        statement: None,
        chain_id: 1,
        chain_id_span: None,
        max_ttl: Ttl::NODE_MAX,
        max_ttl_span: None,
        allows: Vec::with_capacity(
            body.iter()
                .filter(|s| matches!(s.kind, GrantStmtKind::Allow(_)))
                .count(),
        ),
        signer: None,
        signer_written: false,
        auth_actions: Vec::new(),
        recap_index: RecapIndex::default(),
        recap_merge: profile.recap_merge,
        signed_recap: SignedRecap::default(),
    };
    let mut same_allow = SameCapability::default();
    // The `signer` and `auth-action` lines, checked after the others.
    let mut signer_lines = Vec::new();
    for stmt in body {
        match stmt.kind {
            GrantStmtKind::Domain(d) => {
                if let Some(first) = &grant.domain {
                    diags.push(setting_twice("domain", stmt.span, first.span));
                    continue;
                }
                if let Err(why) = check_domain(&d.value) {
                    diags.push(
                        Diagnostic::new(
                            Code::InvalidDomain,
                            format!("`{}` is not a SIWE domain: {why}", d.value),
                        )
                        .at(d.span, "invalid domain")
                        .help("write the RFC 3986 authority the wallet shows, e.g. `app.example.com` or `localhost:3000`, without a scheme or path"),
                    );
                }
                grant.domain = Some(d);
            }
            GrantStmtKind::Statement(s) => {
                if let Some(first) = &grant.statement {
                    diags.push(setting_twice("statement", stmt.span, first.span));
                    continue;
                }
                if s.value.contains('\n') || s.value.contains('\r') {
                    diags.push(
                        Diagnostic::new(
                            Code::InvalidStatement,
                            "the SIWE statement contains a line break",
                        )
                        .at(s.span, "line break")
                        .help("EIP-4361 statements are a single line; remove `\\n`"),
                    );
                } else if let Some(why) = crate::wire::siwe::sdk_statement_error(&s.value) {
                    diags.push(
                        Diagnostic::new(
                            Code::InvalidStatement,
                            format!("the statement of grant `{}` cannot be used: {why}", grant.name),
                        )
                        .at(s.span, "not an EIP-4361 statement")
                        .help("the SDK cannot parse such a message back, so `getSessionSigs` fails; use ASCII letters, digits, spaces and `-._~:/?#[]@!$&'()*+,;=` (e.g. `'` instead of `\"`, a space instead of a tab)"),
                    );
                }
                grant.statement = Some(s);
            }
            GrantStmtKind::ChainId(n) => {
                if let Some(first) = grant.chain_id_span {
                    diags.push(setting_twice("chain-id", stmt.span, first));
                    continue;
                }
                if n.value == 0 || n.value > MAX_SAFE_CHAIN_ID {
                    diags.push(
                        Diagnostic::new(
                            Code::InvalidChainId,
                            format!("chain id `{}` is not usable", n.value),
                        )
                        .at(n.span, "invalid chain id")
                        .help("use a positive EIP-155 chain id below 2^53 (the SDK stores it in a JavaScript number), e.g. `1` for Ethereum or `175188` for Chronicle Yellowstone"),
                    );
                }
                grant.chain_id = n.value;
                grant.chain_id_span = Some(n.span);
            }
            GrantStmtKind::MaxTtl(t) => {
                if let Some(first) = grant.max_ttl_span {
                    diags.push(setting_twice("max-ttl", stmt.span, first));
                    continue;
                }
                check_ttl("max-ttl", &t, Ttl::NODE_MAX, None, diags);
                grant.max_ttl = t.value;
                grant.max_ttl_span = Some(t.span);
            }
            // Checked after the loop, by `signer::build_*` (`build_signer_lines`).
            kind @ (GrantStmtKind::Signer { .. } | GrantStmtKind::AuthAction(_)) => signer_lines
                .push(ast::GrantStmt {
                    kind,
                    span: stmt.span,
                }),
            GrantStmtKind::Allow(c) => {
                if let Some(cap) = build_capability(profile, c, stmt.span, diags) {
                    if profile.is_lit() {
                        check_sdk_round_trip(&cap, diags);
                    }
                    if let Some(first) = same_allow
                        .first(&grant.allows, &cap)
                        .map(|i| &grant.allows[i])
                    {
                        diags.push(
                            Diagnostic::new(
                                Code::DuplicateCapability,
                                format!("`{}` is allowed twice", cap.describe()),
                            )
                            .at(cap.span(), "allowed again here")
                            .related(first.span(), "first allowed here")
                            .help("remove one; with `where` data the SDK lists both restrictions"),
                        );
                    }
                    grant.allows.push(cap);
                }
            }
        }
    }
    build_signer_lines(&signer_lines, &mut grant, diags);
    if grant.domain.is_none() {
        diags.push(
            Diagnostic::new(
                Code::MissingDomain,
                format!("grant `{}` has no `domain`", grant.name),
            )
            .at(grant.name_span, "no domain")
            .help("add the SIWE domain the wallet will show, e.g. `domain \"app.example.com\"`"),
        );
    }
    grant.recap_index = RecapIndex::new(&grant.allows, grant.recap_merge);
    grant
}

/// The grant's `signer` (once) and `auth-action` lines ([`signer`]).
fn build_signer_lines(lines: &[ast::GrantStmt], grant: &mut Grant, diags: &mut Diagnostics) {
    let mut first_signer: Option<Span> = None;
    for stmt in lines {
        match &stmt.kind {
            GrantStmtKind::Signer { kind, address } => {
                if let Some(first) = first_signer {
                    diags.push(setting_twice("signer", stmt.span, first));
                    continue;
                }
                first_signer = Some(stmt.span);
                grant.signer_written = true;
                grant.signer = signer::build_signer(kind, address, stmt.span, diags);
            }
            GrantStmtKind::AuthAction(cid) => {
                if let Some(a) = signer::build_auth_action(cid, &grant.auth_actions, diags) {
                    grant.auth_actions.push(a);
                }
            }
            _ => {}
        }
    }
}

/// The SDK decodes the recaps it encodes (`checkNeedToResignSessionKey`) and rejects objects
/// whose keys JavaScript enumerates out of sorted order: array-index keys such as `"10"` and
/// `"9"` come first numerically but sort as strings the other way.
fn check_sdk_round_trip(cap: &Capability, diags: &mut Diagnostics) {
    let (Some(data), Some(span)) = (&cap.data, cap.data_span()) else {
        return;
    };
    let Ok(one) = crate::recap::single(&cap.resource, cap.ability, Some((**data).clone())) else {
        return;
    };
    if let Err(e) = Recap::decode(&one.encode()) {
        diags.push(
            Diagnostic::new(
                Code::InvalidWhere,
                format!("the SDK cannot read back this `where` data: {e}"),
            )
            .at(span, "keys that look like array indices")
            .help("JavaScript enumerates keys such as `\"9\"` and `\"10\"` numerically, so the SDK's sortedness check rejects the recap it built; rename the keys (e.g. `n9`, `n10`)"),
        );
    }
}

/// EIP-4361 `domain`: an RFC 3986 authority (`[userinfo@]host[:port]`).
pub fn check_domain(d: &str) -> Result<(), &'static str> {
    if d.is_empty() {
        return Err("it is empty");
    }
    if d.contains("://") {
        return Err("it has a scheme");
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-._~%!$&'()*+,;=:@[]".contains(c);
    if !d.chars().all(allowed) {
        return Err("it has characters an authority cannot contain");
    }
    let host_port = d.rsplit_once('@').map(|(_, h)| h).unwrap_or(d);
    if host_port.is_empty() || host_port.starts_with(':') {
        return Err("it has no host");
    }
    if let Some(port) = host_port
        .strip_prefix('[')
        .and_then(|r| r.split_once(']'))
        .map(|(_, p)| p)
        .or_else(|| host_port.split_once(':').map(|(_, p)| p))
    {
        let port = port.strip_prefix(':').unwrap_or(port);
        if !port.chars().all(|c| c.is_ascii_digit()) {
            return Err("its port is not a number");
        }
    }
    Ok(())
}

pub(super) fn check_ttl(
    what: &str,
    t: &Spanned<Ttl>,
    limit: Ttl,
    limit_span: Option<Span>,
    diags: &mut Diagnostics,
) -> bool {
    if t.value.secs() == 0 {
        diags.push(
            Diagnostic::new(Code::InvalidDuration, format!("`{what}` is zero"))
                .at(t.span, "zero")
                .help("give a positive duration such as `15m` or `1h`"),
        );
        return false;
    }
    if t.value > limit {
        let (why, help) = match limit_span {
            Some(_) => (
                format!("`{what} {}` is longer than the grant's `max-ttl {limit}`", t.value),
                format!("shorten it to at most `{limit}`, or raise the grant's `max-ttl`"),
            ),
            None => (
                format!(
                    "`{what} {}` is longer than the 30 days the Lit nodes accept",
                    t.value
                ),
                "the nodes reject signatures that expire more than 30 days after they are issued (`NodeExpWrongOrTooLarge`); use at most `30d`".to_string(),
            ),
        };
        let mut d = Diagnostic::new(Code::TtlTooLong, why)
            .at(t.span, "too long")
            .help(help);
        if let Some(s) = limit_span {
            d = d.related(s, "the grant's limit");
        }
        diags.push(d);
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    fn check(text: &str) -> (Policy, Diagnostics) {
        let (f, d) = parse(0, text);
        assert!(d.is_empty(), "{d:?}");
        build(&[f])
    }

    fn codes(d: &Diagnostics) -> Vec<Code> {
        d.iter().map(|d| d.code).collect()
    }

    #[test]
    fn owned_trees_build_the_same_policy_and_diagnostics() {
        let texts = [
            concat!(
                "grant \"g\" {\n domain \"a\"\n allow pkp-signing on \"lit-pkp://*\"\n}\n",
                "session \"s\" from \"h\" {\n request pkp-signing on \"lit-pkp://1\"\n}\n",
                "session \"t\" from \"g\" {\n request pkp-sign on \"lit-pkp://1\"\n}\n",
            ),
            concat!(
                "grant \"h\" {\n domain \"b\"\n allow pkp-signing on \"lit-pkp://0x1\"\n}\n",
                "grant \"g\" { domain \"x\" }\n",
                "session \"s\" from \"g\" {}\nsession \"u\" from \"gg\" {}\n",
            ),
            // Sessions before their grant (a later file), with ttl checks on both sides
            // of the grant's, duplicates, and an unknown grant whose body has errors.
            concat!(
                "session \"a\" from \"late\" {\n ttl 2h\n ttl 3h\n request pkp-signing on \"lit-pkp://1\"\n request pkp-signing on \"lit-pkp://1\"\n}\n",
                "session \"b\" from \"late\" {\n ttl 31d\n request pkp-signing on \"lit-pkp://zz\"\n}\n",
                "session \"c\" from \"late\" {}\n",
                "session \"a\" from \"late\" { ttl 0s }\n",
                "session \"d\" from \"nope\" {\n ttl 0s\n request pkp-sign on \"lit-pkp://1\"\n}\n",
            ),
            concat!(
                "grant \"late\" {\n domain \"a\"\n max-ttl 1h\n allow pkp-signing on \"lit-pkp://0x2\"\n}\n",
                "session \"e\" from \"late\" {\n request lit-action-execution on \"lit-litaction://Q\"\n}\n",
            ),
        ];
        let files: Vec<ast::PolicyFile> = texts
            .iter()
            .enumerate()
            .map(|(id, t)| parse(id, t).0)
            .collect();
        let borrowed = build_for(&files, None);
        let owned = build_owned(files, None);
        assert_eq!(borrowed, owned);
        assert!(owned.0.grant("h").is_some() && owned.0.session("s").is_some());
        assert!(codes(&owned.1).contains(&Code::DuplicateName));
        assert_eq!(
            codes(&owned.1),
            vec![
                Code::DuplicateName,
                Code::UnknownAbility,
                Code::NoRequest,
                Code::DuplicateName,
                Code::UnknownGrant,
                Code::TtlTooLong,
                Code::DuplicateSetting,
                Code::DuplicateCapability,
                Code::NotCovered,
                Code::NotCovered,
                Code::TtlTooLong,
                Code::InvalidResource,
                Code::NoRequest,
                Code::NoRequest,
                Code::DuplicateName,
                Code::UnknownGrant,
                Code::NotCovered,
            ]
        );
        let a = owned.0.session("a").unwrap();
        assert_eq!((a.ttl, a.grant), (Ttl(7200), 2));
        assert_eq!(owned.0.session("c").unwrap().ttl, Ttl(3600));
    }

    #[test]
    fn a_clean_policy() {
        let (p, d) = check(
            "grant \"g\" {\n domain \"a.example\"\n max-ttl 2h\n allow pkp-signing on \"lit-pkp://0x00ab\"\n}\nsession \"s\" from \"g\" {\n ttl 1h\n request pkp-signing on \"lit-pkp://ab\"\n}\n",
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(p.grants[0].allows[0].resource.id.len(), 64);
        assert_eq!(
            p.sessions[0].requests[0].resource,
            p.grants[0].allows[0].resource
        );
        assert_eq!(p.sessions[0].ttl, Ttl(3600));
    }

    #[test]
    fn reports_all_semantic_errors() {
        let (_, d) = check(concat!(
            "grant \"g\" {\n allow pkp-sign on \"lit-pkp://*\"\n allow pkp-signing on \"lit-litaction://*\"\n",
            " allow pkp-signing on \"lit-pk://*\"\n max-ttl 31d\n}\n",
            "grant \"g\" { domain \"x\" }\n",
            "session \"s\" from \"gg\" {}\n",
        ));
        assert_eq!(
            codes(&d),
            vec![
                Code::UnknownAbility,
                Code::AbilityResourceMismatch,
                Code::UnknownResourcePrefix,
                Code::TtlTooLong,
                Code::MissingDomain,
                Code::DuplicateName,
                Code::UnknownGrant,
            ]
        );
        assert_eq!(d.0[0].help.as_deref(), Some("did you mean `pkp-signing`?"));
        assert_eq!(d.0[2].help.as_deref(), Some("did you mean `lit-pkp`?"));
        assert_eq!(d.0[6].help.as_deref(), Some("did you mean `g`?"));
    }

    #[test]
    fn uncovered_requests_and_session_ttl() {
        let (_, d) = check(concat!(
            "grant \"g\" {\n domain \"a\"\n max-ttl 1h\n allow pkp-signing on \"lit-pkp://0a\"\n}\n",
            "session \"s\" from \"g\" {\n ttl 2h\n request pkp-signing on \"lit-pkp://0b\"\n request lit-action-execution on \"lit-litaction://*\"\n}\n",
        ));
        assert_eq!(
            codes(&d),
            vec![Code::TtlTooLong, Code::NotCovered, Code::NotCovered]
        );
        let help = d.0[1].help.as_deref().unwrap();
        assert!(
            help.contains("allow pkp-signing on \"lit-pkp://0b\""),
            "{help}"
        );
        assert!(help.starts_with("did you mean `lit-pkp://0a`?"), "{help}");
    }

    #[test]
    fn shadowed_grant_is_explained() {
        let (_, d) = check(concat!(
            "grant \"g\" {\n domain \"a\"\n allow access-control-condition-decryption on \"lit-accesscontrolcondition://*\"\n",
            " allow access-control-condition-signing on \"lit-accesscontrolcondition://abc\"\n}\n",
            "session \"s\" from \"g\" {\n request access-control-condition-signing on \"lit-accesscontrolcondition://abc\"\n}\n",
        ));
        assert_eq!(codes(&d), vec![Code::NotCovered]);
        assert!(d.0[0]
            .help
            .as_deref()
            .unwrap()
            .contains("only look at the wildcard key"));
    }

    #[test]
    fn decimal_pkp_ids_and_bad_domains() {
        let (_, d) = check(
            "grant \"g\" {\n domain \"https://a\"\n allow pkp-signing on \"lit-pkp://255\"\n}\n",
        );
        assert_eq!(codes(&d), vec![Code::InvalidDomain, Code::DecimalPkpId]);
        assert!(d.0[1].help.as_deref().unwrap().contains("lit-pkp://0xff"));
        let (_, d) = check("grant \"g\" {\n domain \"a\"\n allow pkp-signing on \"lit-pkp://56198382763784329387264723648726348726348762387462387462387462837462834762834\"\n}\n");
        assert_eq!(codes(&d), vec![Code::InvalidResource]);
        assert!(d.0[0].help.as_deref().unwrap().contains("write `0x"));
    }

    #[test]
    fn other_profiles_vocabulary_names_the_replacement() {
        let (_, d) = check("grant \"g\" {\n domain \"a\"\n allow lit-payment-delegation on \"lit-paymentdelegation://*\"\n allow \"crud/read\" on \"https://a.example\"\n}\n");
        assert_eq!(
            codes(&d),
            vec![
                Code::UnknownAbility,
                Code::UnknownResourcePrefix,
                Code::UnknownAbility,
                Code::UnknownResourcePrefix
            ]
        );
        assert!(d.0[3]
            .help
            .as_deref()
            .unwrap()
            .contains("network \"erc5573\""));
        assert!(d.0[0]
            .help
            .as_deref()
            .unwrap()
            .contains("SDK v8 (Naga) only"));
        assert!(d.0[1]
            .help
            .as_deref()
            .unwrap()
            .contains("SDK v8 (Naga) only"));
        assert!(d.0[2]
            .help
            .as_deref()
            .unwrap()
            .contains("network \"erc5573\""));
        let (p, d) = check("network \"erc5573\"\ngrant \"g\" {\n domain \"a\"\n allow pkp-signing on \"lit-pkp://*\"\n allow \"crud/read\" on \"https://a.example\"\n}\n");
        assert_eq!(codes(&d), vec![Code::UnknownAbility]);
        assert!(d.0[0]
            .help
            .as_deref()
            .unwrap()
            .contains("\"Threshold/Signing\""));
        assert_eq!(p.profile().name, "erc5573");
        assert_eq!(p.grants[0].allows.len(), 1);
    }

    #[test]
    fn where_keys_the_sdk_cannot_read_back() {
        let (_, d) = check("grant \"g\" {\n domain \"a\"\n allow rate-limit-increase-auth on \"lit-ratelimitincrease://1\" where { \"10\": 1, \"9\": 2 }\n}\n");
        assert_eq!(codes(&d), vec![Code::InvalidWhere]);
        let (_, d) = check("grant \"g\" {\n domain \"a\"\n allow rate-limit-increase-auth on \"lit-ratelimitincrease://1\" where { \"1\": 1, a: 2 }\n}\n");
        assert!(d.is_empty(), "{d:?}");
    }

    #[test]
    fn grant_recap_merges_like_the_sdk() {
        let (p, d) = check(concat!(
            "grant \"g\" {\n domain \"a\"\n allow pkp-signing on \"lit-pkp://*\"\n allow pkp-signing on \"lit-pkp://*\"\n",
            " allow lit-action-execution on \"lit-litaction://*\"\n}\n"
        ));
        assert_eq!(codes(&d), vec![Code::DuplicateCapability]);
        assert_eq!(
            p.grants[0].signed_recap().to_canonical_json(),
            r#"{"att":{"lit-litaction://*":{"Threshold/Execution":[{}]},"lit-pkp://*":{"Threshold/Signing":[{}]}},"prf":[]}"#
        );
    }
}
