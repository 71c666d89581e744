//! The coverage part of `check`'s report: for each request of the checked sessions, whether its
//! grant covers it and which `allow` does.
//!
//! Rules:
//! - the verdict is [`coverage::check_in`] under the policy's profile (the nodes' rules on Lit,
//!   siwe-recap's on ERC-5573), one request against its session's grant's ReCap;
//! - the `allow` named is [`Grant::allow_for`]'s: the first allow, in policy order, with the
//!   granting key and the granting ReCap ability (any ability when that is `*/*`);
//! - entries are listed session by session in policy order, requests in written order.
//!
//! A 100k-session policy has 200k entries (about 80 MiB as owned [`CoverageEntry`]s), and only
//! the JSON report prints them. So the CLI does not build them: [`Coverage`] computes each entry
//! as it is written ([`Coverage::iter`]), borrowing names from the model, and counts verdicts
//! for the human summary ([`Coverage::covered`]). [`CoverageEntry`] stays for library users of
//! the whole [`super::check::CheckReport`]; both serialise through [`CoverageView`].

use crate::coverage::{self, Verdict};
use crate::diag::Span;
use crate::model::{Capability, Grant, Policy, Session};
use crate::wire::lit::{Resource, ResourcePrefix};
use std::borrow::Cow;
use std::collections::HashMap;

/// What granted a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoveredBy {
    /// `grant` (the policy) or `authsig` (a signed AuthSig).
    pub source: &'static str,
    /// The grant name, or the AuthSig file.
    pub name: String,
    /// The resource key that granted it (`<prefix>://*` or `<prefix>://<id>`).
    pub resource: String,
    /// The ReCap ability that granted it.
    pub recap_ability: String,
    /// The `allow` line, for grants.
    pub span: Option<Span>,
}

/// The verdict for one session request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoverageEntry {
    pub session: String,
    pub resource: String,
    pub ability: String,
    pub covered: bool,
    pub covered_by: Option<CoveredBy>,
}

/// A resource key (`<prefix>://<id>`), borrowed as written or spelled from a model resource
/// when taken (the JSON writer copies the parts: no string built per entry).
#[derive(Clone, Debug)]
pub enum ResourceKey<'a> {
    Str(Cow<'a, str>),
    Of(&'a Resource),
}

impl ResourceKey<'_> {
    /// The key as a string ([`Resource::key`] for a model resource).
    pub fn as_cow(&self) -> Cow<'_, str> {
        match self {
            ResourceKey::Str(s) => Cow::Borrowed(s),
            ResourceKey::Of(r) => Cow::Owned(r.key()),
        }
    }

    /// The key in parts that concatenate to it (what [`Resource::key`] joins).
    pub fn parts(&self) -> [&str; 3] {
        match self {
            ResourceKey::Str(s) => [s, "", ""],
            ResourceKey::Of(r) if r.prefix == ResourcePrefix::Uri => [&r.id, "", ""],
            ResourceKey::Of(r) => [r.prefix.as_str(), "://", &r.id],
        }
    }
}

impl PartialEq for ResourceKey<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_cow() == other.as_cow()
    }
}

impl Eq for ResourceKey<'_> {}

impl std::fmt::Display for ResourceKey<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.parts().iter().try_for_each(|p| f.write_str(p))
    }
}

/// A coverage entry that borrows what it can: from a [`CoverageEntry`], or from the model while
/// the report is streamed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoverageView<'a> {
    pub session: &'a str,
    pub resource: ResourceKey<'a>,
    pub ability: &'a str,
    pub covered: bool,
    pub covered_by: Option<CoveredByView<'a>>,
}

/// [`CoveredBy`], borrowed where it can be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoveredByView<'a> {
    pub source: &'static str,
    pub name: &'a str,
    pub resource: ResourceKey<'a>,
    pub recap_ability: Cow<'a, str>,
    pub span: Option<Span>,
}

impl CoverageEntry {
    pub fn view(&self) -> CoverageView<'_> {
        CoverageView {
            session: &self.session,
            resource: ResourceKey::Str(Cow::Borrowed(&self.resource)),
            ability: &self.ability,
            covered: self.covered,
            covered_by: self.covered_by.as_ref().map(|b| CoveredByView {
                source: b.source,
                name: &b.name,
                resource: ResourceKey::Str(Cow::Borrowed(&b.resource)),
                recap_ability: Cow::Borrowed(&b.recap_ability),
                span: b.span,
            }),
        }
    }
}

impl CoverageView<'_> {
    pub fn to_entry(&self) -> CoverageEntry {
        CoverageEntry {
            session: self.session.to_string(),
            resource: self.resource.to_string(),
            ability: self.ability.to_string(),
            covered: self.covered,
            covered_by: self.covered_by.as_ref().map(|b| CoveredBy {
                source: b.source,
                name: b.name.to_string(),
                resource: b.resource.to_string(),
                recap_ability: b.recap_ability.to_string(),
                span: b.span,
            }),
        }
    }
}

/// The coverage of the checked sessions' requests by their grants, computed on demand.
#[derive(Clone, Debug)]
pub struct Coverage<'p> {
    policy: &'p Policy,
    /// Indices of the checked sessions, in policy order.
    sessions: Vec<usize>,
    /// How many of their requests are covered, when already counted (by the lints).
    covered: Option<usize>,
    /// The verdicts the lints already worked out.
    known: KnownVerdicts,
}

impl<'p> Coverage<'p> {
    pub fn new(policy: &'p Policy, sessions: Vec<usize>) -> Coverage<'p> {
        Coverage {
            policy,
            sessions,
            covered: None,
            known: KnownVerdicts::default(),
        }
    }

    /// The same, with the number of covered requests already known (see
    /// [`crate::verify::lints::lint_counting`]).
    pub(crate) fn with_covered(mut self, covered: usize) -> Coverage<'p> {
        self.covered = Some(covered);
        self
    }

    /// The same, with the verdicts the lints recorded (the others are computed as taken).
    pub(crate) fn with_known(mut self, known: KnownVerdicts) -> Coverage<'p> {
        self.known = known;
        self
    }

    fn sessions(&self) -> impl Iterator<Item = &'p Session> + '_ {
        let policy = self.policy;
        self.sessions.iter().map(move |&si| &policy.sessions[si])
    }

    /// How many entries there are (one per request).
    pub fn len(&self) -> usize {
        self.sessions().map(|s| s.requests.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many requests their grant covers (the verdicts only, without the entries).
    pub fn covered(&self) -> usize {
        if let Some(n) = self.covered {
            return n;
        }
        let profile = self.policy.profile();
        self.sessions()
            .map(|s| {
                let recap = self.policy.grant_of(s).recap();
                s.requests
                    .iter()
                    .filter(|r| {
                        coverage::check_in(profile, recap, &r.resource, r.ability).is_covered()
                    })
                    .count()
            })
            .sum()
    }

    /// The entries, each computed as it is taken (or read from the lints' verdicts).
    pub fn iter(&self) -> impl Iterator<Item = CoverageView<'p>> + '_ {
        let policy = self.policy;
        let profile = policy.profile();
        let mut allow_index = AllowIndex::new(policy.grants.len());
        let known = &self.known;
        self.sessions
            .iter()
            .flat_map(move |&si| {
                let s = &policy.sessions[si];
                s.requests
                    .iter()
                    .enumerate()
                    .map(move |(ri, r)| (si, s, ri, r))
            })
            .map(
                move |(si, session, ri, r): (usize, &'p Session, usize, &'p Capability)| {
                    let grant = policy.grant_of(session);
                    let covered_by = match known.get(si, ri) {
                        Known::NotCovered => None,
                        Known::Allow { index, star } => {
                            grant.allows.get(index).map(|allow| CoveredByView {
                                source: "grant",
                                name: &grant.name,
                                span: Some(allow.span()),
                                resource: ResourceKey::Of(&allow.resource),
                                recap_ability: Cow::Borrowed(if star {
                                    "*/*"
                                } else {
                                    allow.ability.recap_ability()
                                }),
                            })
                        }
                        Known::Unknown => {
                            return computed_entry(profile, &mut allow_index, session, grant, r)
                        }
                    };
                    CoverageView {
                        session: &session.name,
                        resource: ResourceKey::Of(&r.resource),
                        ability: r.ability.as_str(),
                        covered: covered_by.is_some(),
                        covered_by,
                    }
                },
            )
    }
}

/// One entry whose verdict no lint recorded, worked out here.
fn computed_entry<'p>(
    profile: &crate::profile::Profile,
    allow_index: &mut AllowIndex,
    session: &'p Session,
    grant: &'p Grant,
    r: &'p Capability,
) -> CoverageView<'p> {
    let verdict = coverage::check_in(profile, grant.recap(), &r.resource, r.ability);
    let covered = verdict.is_covered();
    let covered_by = match verdict {
        Verdict::Covered { key, recap_ability } => Some(CoveredByView {
            source: "grant",
            name: &grant.name,
            span: allow_index
                .allow_for(session.grant, grant, &key, &recap_ability)
                .and_then(|i| grant.allows.get(i))
                .map(|a| a.span()),
            resource: ResourceKey::Str(Cow::Owned(key)),
            recap_ability: Cow::Owned(recap_ability),
        }),
        Verdict::NotCovered(_) => None,
    };
    CoverageView {
        session: &session.name,
        resource: ResourceKey::Of(&r.resource),
        ability: r.ability.as_str(),
        covered,
        covered_by,
    }
}

/// [`Grant::allow_for`] for many requests: grants with many allows get a table (built on first
/// use) instead of a scan of their allows per request.
#[derive(Clone, Debug, Default)]
struct AllowIndex {
    tables: Vec<Option<AllowTable>>,
}

/// Resource key → its allows (ReCap ability, index), in policy order.
type AllowTable = HashMap<String, Vec<(&'static str, usize)>>;

impl AllowIndex {
    /// Below this many allows a scan is cheaper than a table.
    const SCAN: usize = 16;

    fn new(grants: usize) -> AllowIndex {
        AllowIndex {
            tables: std::iter::repeat_with(|| None).take(grants).collect(),
        }
    }

    /// The index of [`Grant::allow_for`]'s allow.
    fn allow_for(
        &mut self,
        gi: usize,
        grant: &Grant,
        key: &str,
        recap_ability: &str,
    ) -> Option<usize> {
        if grant.allows.len() < Self::SCAN || gi >= self.tables.len() {
            // `Grant::allow_for`'s test, by index.
            return grant.allows.iter().position(|a| {
                a.resource.has_key(key)
                    && (recap_ability == "*/*" || a.ability.recap_ability() == recap_ability)
            });
        }
        let table = self.tables[gi].get_or_insert_with(|| {
            let mut t: AllowTable = HashMap::new();
            for (i, a) in grant.allows.iter().enumerate() {
                t.entry(a.resource.key())
                    .or_default()
                    .push((a.ability.recap_ability(), i));
            }
            t
        });
        table
            .get(key)?
            .iter()
            .find(|(ab, _)| recap_ability == "*/*" || *ab == recap_ability)
            .map(|&(_, i)| i)
    }
}

/// The verdicts of a policy's requests as the `unused-capability` lint works them out (it
/// checks every request of the grants it lints), kept for the report so that a 100k-session
/// policy's 200k verdicts are not worked out twice: per request, the index of the `allow`
/// [`Grant::allow_for`] names and whether the ReCap ability was `*/*`, or not covered. A
/// request without a recorded verdict (its grant not linted, or no allow found) is computed
/// when its entry is taken.
#[derive(Clone, Debug, Default)]
pub struct KnownVerdicts {
    /// Where each session's requests start in `codes`; empty when nothing is recorded.
    starts: Vec<usize>,
    /// Per request: [`KnownVerdicts::UNKNOWN`], [`KnownVerdicts::NOT_COVERED`], or the
    /// allow's index times two plus one when the ReCap ability was `*/*`.
    codes: Vec<u32>,
    allow_index: AllowIndex,
}

/// A recorded verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Known {
    Unknown,
    NotCovered,
    Allow { index: usize, star: bool },
}

impl KnownVerdicts {
    const UNKNOWN: u32 = u32::MAX;
    const NOT_COVERED: u32 = u32::MAX - 1;

    /// Room for every request of `policy`, none known yet.
    pub(crate) fn for_policy(policy: &Policy) -> KnownVerdicts {
        let mut starts = Vec::with_capacity(policy.sessions.len() + 1);
        let mut total = 0;
        for s in &policy.sessions {
            starts.push(total);
            total += s.requests.len();
        }
        starts.push(total);
        KnownVerdicts {
            starts,
            codes: vec![Self::UNKNOWN; total],
            allow_index: AllowIndex::new(policy.grants.len()),
        }
    }

    /// Records the verdict of request `ri` of session `si`, whose grant is `grants[gi]`.
    pub(crate) fn record(&mut self, si: usize, ri: usize, gi: usize, grant: &Grant, v: &Verdict) {
        let Some(slot) = self
            .starts
            .get(si)
            .and_then(|&start| self.codes.get_mut(start + ri))
        else {
            return;
        };
        *slot = match v {
            Verdict::NotCovered(_) => Self::NOT_COVERED,
            Verdict::Covered { key, recap_ability } => {
                let index = self
                    .allow_index
                    .allow_for(gi, grant, key, recap_ability)
                    .and_then(|i| u32::try_from(i).ok())
                    .filter(|&i| i < Self::NOT_COVERED / 2);
                match index {
                    Some(i) => i * 2 + u32::from(recap_ability == "*/*"),
                    None => Self::UNKNOWN,
                }
            }
        };
    }

    fn get(&self, si: usize, ri: usize) -> Known {
        let code = self
            .starts
            .get(si)
            .and_then(|&start| self.codes.get(start + ri))
            .copied()
            .unwrap_or(Self::UNKNOWN);
        match code {
            Self::UNKNOWN => Known::Unknown,
            Self::NOT_COVERED => Known::NotCovered,
            c => Known::Allow {
                index: (c / 2) as usize,
                star: c % 2 == 1,
            },
        }
    }
}
