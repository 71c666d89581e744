//! The model built block by block ([`Builder`]): grants as they come, sessions drafted as they
//! come and completed once every grant is known, so a loader can hand over one file's blocks
//! and free its syntax tree before parsing the next (issue #13: the trees of all files never
//! coexist with the model).
//!
//! Rules (the order of the diagnostics is the order of a build over all files at once):
//! - names are global: the first definition of a grant or session wins, later ones are
//!   `duplicate-name` errors (a duplicate session's body is not checked);
//! - every grant's diagnostics, in file and block order, come before every session's (a
//!   session may name a grant of a later file);
//! - a session's own checks (its `ttl` against the nodes' 30 days, its requests) need no
//!   grant and are made when it is drafted, into the draft's own list; the checks that need
//!   its grant (the grant's `max-ttl`, the example of a `no-request`, coverage) are made when
//!   it is completed, the `max-ttl` one at its place after the `ttl`'s own;
//! - a session whose grant is already defined is completed as soon as it is drafted (a grant
//!   defined later cannot replace the first definition), into its own list: its block is
//!   still in the cache then (issue #13); the others are completed at the end;
//! - a session whose grant is not defined is an `unknown-grant` error and nothing else: its
//!   draft's diagnostics are dropped.

use super::offsets::{narrow, Offsets};
use super::{
    build_capability, build_grant, check_ttl, duplicate, not_covered, setting_twice,
    SameCapability, Session, DEFAULT_SESSION_TTL,
};
use super::{Grant, NameIndex, Policy};
use crate::coverage::{self, Verdict};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::profile::Profile;
use crate::syntax::ast::{self, SessionStmtKind};
use crate::time::Ttl;
use std::collections::HashMap;

/// Builds a policy from blocks given in file order (see the module's rules).
pub(crate) struct Builder {
    profile: &'static Profile,
    policy: Policy,
    /// Grant name → index of its first definition; it becomes the policy's index.
    grant_index: NameIndex,
    /// Session name → its position in `drafts`; it becomes the policy's index when every
    /// draft is completed (the positions are then the same).
    session_names: NameIndex,
    /// The sessions drafted so far (`grant` and `ttl` set on completion): they become the
    /// policy's sessions in place, so 100k sessions are not moved to a second list (issue #13).
    drafts: Vec<Session>,
    /// The drafts with diagnostics or still to complete, by position in `drafts` (in order);
    /// most completed drafts have neither and are not listed.
    draft_rest: Vec<(usize, DraftRest)>,
    /// The `duplicate-name` errors of second definitions, each with the number of drafts
    /// before it (its place among the sessions' diagnostics).
    duplicates: Vec<(usize, Diagnostic)>,
    diags: Diagnostics,
}

/// A draft's diagnostics so far, and what it needs for its completion if its grant was not
/// defined yet.
struct DraftRest {
    /// `None` once completed.
    from: Option<String>,
    /// Its diagnostics so far, in statement order.
    diags: Diagnostics,
    /// Where the check of its `ttl` against the grant's `max-ttl` goes in `diags`, when its
    /// `ttl` passed the nodes' limit.
    grant_ttl_check_at: Option<usize>,
}

impl Builder {
    pub(crate) fn new(profile: &'static Profile) -> Builder {
        Builder {
            profile,
            policy: Policy {
                profile_name: profile.name,
                ..Policy::default()
            },
            grant_index: NameIndex::default(),
            session_names: NameIndex::default(),
            drafts: Vec::new(),
            draft_rest: Vec::new(),
            duplicates: Vec::new(),
            diags: Diagnostics::new(),
        }
    }

    /// The profile the blocks are built for.
    pub(crate) fn profile(&self) -> &'static Profile {
        self.profile
    }

    /// Takes a grant block, moving its strings into the model.
    pub(crate) fn grant(&mut self, g: ast::Grant) {
        let grants = &self.policy.grants;
        if let Some(first) = self.grant_index.get(&g.name.value, |i| &grants[i].name) {
            let first = grants[first].name_span;
            self.diags.push(duplicate("grant", &g.name, first));
            return;
        }
        let grant = build_grant(g, self.profile, &mut self.diags);
        self.policy.grants.push(grant);
        let grants = &self.policy.grants;
        let last = grants.len() - 1;
        self.grant_index.insert(&grants[last].name, last);
    }

    /// Takes a session block, moving its strings into the draft.
    pub(crate) fn session(&mut self, s: ast::Session) {
        let drafts = &self.drafts;
        if let Some(first) = self.session_names.get(&s.name.value, |i| &drafts[i].name) {
            let d = duplicate("session", &s.name, drafts[first].name_span());
            self.duplicates.push((drafts.len(), d));
            return;
        }
        let (mut session, mut rest) = draft_session(self.profile, s);
        let grants = &self.policy.grants;
        if let Some(from) = &rest.from {
            if let Some(g) = self.grant_index.get(from, |i| &grants[i].name) {
                let own = std::mem::take(&mut rest.diags);
                complete(
                    self.profile,
                    &mut session,
                    (own, rest.grant_ttl_check_at),
                    g,
                    &grants[g],
                    &mut rest.diags,
                );
                rest.from = None;
            }
        }
        if rest.from.is_some() || !rest.diags.is_empty() {
            self.draft_rest.push((self.drafts.len(), rest));
        }
        self.drafts.push(session);
        let drafts = &self.drafts;
        let last = drafts.len() - 1;
        self.session_names.insert(&drafts[last].name, last);
    }

    /// Completes the sessions: the policy and every diagnostic, grants' first.
    pub(crate) fn finish(self) -> (Policy, Diagnostics) {
        let Builder {
            profile,
            mut policy,
            grant_index,
            session_names,
            mut drafts,
            draft_rest,
            duplicates,
            mut diags,
        } = self;
        let mut duplicates = duplicates.into_iter().peekable();
        let mut unknown_grant_help: HashMap<String, String> = HashMap::new();
        // Drafts whose grant is not defined: dropped from the sessions.
        let mut unknown = Vec::new();
        // Sessions are usually written grant by grant: the previous session's grant is often
        // the answer, without hashing the name and reading the grant's (issue #13).
        let mut last_grant: Option<(String, usize)> = None;
        for (i, rest) in draft_rest {
            while let Some((_, d)) = duplicates.next_if(|(before, _)| *before <= i) {
                diags.push(d);
            }
            let DraftRest {
                from,
                diags: own,
                grant_ttl_check_at,
            } = rest;
            let Some(from) = from else {
                diags.extend(own);
                continue;
            };
            let grant_idx = match &last_grant {
                Some((last, g)) if *last == from => Some(*g),
                _ => grant_index.get(&from, |g| &policy.grants[g].name),
            };
            let Some(grant_idx) = grant_idx else {
                diags.push(unknown_grant(
                    &drafts[i],
                    &from,
                    &policy.grants,
                    &mut unknown_grant_help,
                ));
                unknown.push(i);
                continue;
            };
            complete(
                profile,
                &mut drafts[i],
                (own, grant_ttl_check_at),
                grant_idx,
                &policy.grants[grant_idx],
                &mut diags,
            );
            last_grant = Some((from, grant_idx));
        }
        diags.extend(duplicates.map(|(_, d)| d));
        policy.session_index = if unknown.is_empty() {
            session_names
        } else {
            drop(session_names);
            let mut at = 0;
            let mut unknown = unknown.into_iter().peekable();
            drafts.retain(|_| {
                let drop = unknown.next_if_eq(&at).is_some();
                at += 1;
                !drop
            });
            let mut index = NameIndex::with_capacity(drafts.len());
            for (i, s) in drafts.iter().enumerate() {
                index.insert(&s.name, i);
            }
            index
        };
        drafts.shrink_to_fit();
        policy.sessions = drafts;
        policy.grants.shrink_to_fit();
        policy.grant_index = grant_index;
        (policy, diags)
    }
}

/// The checks of a session that need no grant.
fn draft_session(profile: &Profile, s: ast::Session) -> (Session, DraftRest) {
    let ast::Session {
        name,
        from,
        body,
        span,
        ..
    } = s;
    let mut session = Session {
        name: name.value,
        grant: 0,
        ttl: DEFAULT_SESSION_TTL,
        file: narrow(span.file),
        block: Offsets::of(span),
        name_at: Offsets::of(name.span),
        from_at: Offsets::of(from.span),
        ttl_at: Offsets::NONE,
        requests: Vec::with_capacity(
            body.iter()
                .filter(|s| matches!(s.kind, SessionStmtKind::Request(_)))
                .count(),
        ),
    };
    let mut diags = Diagnostics::new();
    let mut grant_ttl_check_at = None;
    let mut same_request = SameCapability::default();
    for stmt in body {
        match stmt.kind {
            SessionStmtKind::Ttl(t) => {
                if let Some(first) = session.ttl_span() {
                    diags.push(setting_twice("ttl", stmt.span, first));
                    continue;
                }
                if check_ttl("ttl", &t, Ttl::NODE_MAX, None, &mut diags) {
                    grant_ttl_check_at = Some(diags.len());
                }
                session.ttl = t.value;
                session.ttl_at = Offsets::of(t.span);
            }
            SessionStmtKind::Request(c) => {
                if let Some(cap) = build_capability(profile, c, stmt.span, &mut diags) {
                    if let Some(first) = same_request
                        .first(&session.requests, &cap)
                        .map(|i| &session.requests[i])
                    {
                        diags.push(
                            Diagnostic::new(
                                Code::DuplicateCapability,
                                format!("`{}` is requested twice", cap.describe()),
                            )
                            .at(cap.span(), "requested again here")
                            .related(first.span(), "first requested here")
                            .help("remove one; the SDK would send both"),
                        );
                    }
                    session.requests.push(cap);
                }
            }
        }
    }
    (
        session,
        DraftRest {
            from: Some(from.value),
            diags,
            grant_ttl_check_at,
        },
    )
}

/// The checks of a session that need its grant, after its own (`own`: its diagnostics so far
/// and where the `max-ttl` check goes among them).
fn complete(
    profile: &Profile,
    session: &mut Session,
    own: (Diagnostics, Option<usize>),
    grant_idx: usize,
    grant: &Grant,
    diags: &mut Diagnostics,
) {
    let (own, grant_ttl_check_at) = own;
    session.grant = grant_idx;
    let mut own = own.0.into_iter();
    if let (Some(at), Some(ttl_span)) = (grant_ttl_check_at, session.ttl_span()) {
        diags.extend(own.by_ref().take(at));
        if grant.max_ttl_span.is_some() {
            let t = ast::Spanned::new(session.ttl, ttl_span);
            check_ttl("ttl", &t, grant.max_ttl, grant.max_ttl_span, diags);
        }
    }
    diags.extend(own);
    if session.ttl_span().is_none() {
        session.ttl = DEFAULT_SESSION_TTL.min(grant.max_ttl);
    }
    if session.requests.is_empty() {
        diags.push(
            Diagnostic::new(
                Code::NoRequest,
                format!("session `{}` requests nothing", session.name),
            )
            .at(session.name_span(), "no `request`")
            .help(match grant.allows.first() {
                Some(a) => format!(
                    "with no request its session signatures let it do nothing on the nodes; add the capabilities it uses, e.g. `request {} on {}` (allowed by grant `{}`)",
                    crate::syntax::format::ability(a.ability.as_str()),
                    crate::syntax::format::quote(&a.written_resource()),
                    grant.name
                ),
                None => "with no request its session signatures let it do nothing on the nodes; add the capabilities it uses, e.g. `request pkp-signing on \"lit-pkp://0x...\"`".to_string(),
            }),
        );
    }
    let recap = grant.recap();
    for req in &session.requests {
        if let Verdict::NotCovered(gap) =
            coverage::check_in(profile, recap, &req.resource, req.ability)
        {
            diags.push(not_covered(session, grant, req, &gap));
        }
    }
}

/// `unknown-grant` of a session from `from`; the did-you-mean compares the name with every
/// grant, once per distinct name.
fn unknown_grant(
    session: &Session,
    from: &str,
    grants: &[Grant],
    unknown_grant_help: &mut HashMap<String, String>,
) -> Diagnostic {
    let help =
        unknown_grant_help.entry(from.to_string()).or_insert_with(
            || match crate::suggest::closest(from, grants.iter().map(|g| g.name.as_str())) {
                Some(n) => format!("did you mean `{n}`?"),
                None if grants.is_empty() => {
                    "define the grant in this file or pass the file that defines it".to_string()
                }
                None => format!(
                    "the grants are {}",
                    grants
                        .iter()
                        .map(|g| format!("`{}`", g.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
        );
    Diagnostic::new(
        Code::UnknownGrant,
        format!(
            "session `{}` is from `{from}`, which is not a grant",
            session.name
        ),
    )
    .at(session.from_span(), "no such grant")
    .help(help.clone())
}
