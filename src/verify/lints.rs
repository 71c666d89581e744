//! Least-privilege lints on a checked policy. Each has a stable code (see the README for an
//! example and the fix of each) and can be silenced with `# litcap: allow(<code>)` on the line
//! above.

use super::check_coverage::KnownVerdicts;
use crate::coverage::{self, Verdict};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::{Capability, Grant, Policy};
use crate::time::Ttl;
use std::collections::HashMap;

/// Settings of the lints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LintOptions {
    /// `ttl-longer-than-needed` fires above this (default 24 h, the SDK's session default).
    pub ttl_threshold: Ttl,
}

impl Default for LintOptions {
    fn default() -> Self {
        LintOptions {
            ttl_threshold: Ttl(24 * 3600),
        }
    }
}

/// Runs every policy lint. `only_grants` restricts them to some grants (by index).
///
/// Linear in the size of the policy: the sessions of each grant are found once (not by a scan
/// of every session per grant), and the allows a request uses by a table per grant.
pub fn lint(policy: &Policy, opts: &LintOptions, only_grants: Option<&[usize]>) -> Diagnostics {
    lint_counting(policy, opts, only_grants, &mut KnownVerdicts::default()).0
}

/// [`lint`], and how many requests of the linted grants' sessions their grant covers: the
/// `unused-capability` lint computes every one of those verdicts, and `check`'s summary reports
/// the count (a second pass over 200k requests otherwise). It records those verdicts in `known`
/// (when made `KnownVerdicts::for_policy`) for the JSON report's coverage entries.
pub fn lint_counting(
    policy: &Policy,
    opts: &LintOptions,
    only_grants: Option<&[usize]>,
    known: &mut KnownVerdicts,
) -> (Diagnostics, usize) {
    let mut d = Diagnostics::new();
    let mut covered = 0;
    let selected: Option<Vec<bool>> = only_grants.map(|only| {
        let mut v = vec![false; policy.grants.len()];
        for &g in only {
            if let Some(x) = v.get_mut(g) {
                *x = true;
            }
        }
        v
    });
    let keep = |gi: usize| selected.as_ref().is_none_or(|v| v.get(gi) == Some(&true));
    let sessions_of = SessionsByGrant::new(policy);
    for (gi, grant) in policy.grants.iter().enumerate() {
        if !keep(gi) {
            continue;
        }
        wildcard_allows(grant, &mut d);
        shadowing(grant, &mut d);
        nb_ignored(grant, &mut d);
        covered += unused(policy, gi, sessions_of.get(gi), &mut d, known);
        // Only the Lit SDK fills in a test statement (siwe-recap writes the recap sentence
        // alone), and no wallet shows a PKP session's statement.
        if policy.profile().is_lit() && grant.signer.is_none() {
            default_statement(grant, &mut d);
        }
        super::lints_signer::signer_lints(grant, &mut d);
        grant_ttl(grant, opts, &mut d);
    }
    for s in &policy.sessions {
        if !keep(s.grant) {
            continue;
        }
        for r in s.requests.iter().filter(|r| r.resource.is_wildcard()) {
            d.push(
                Diagnostic::new(
                    Code::WildcardResource,
                    format!(
                        "session `{}` requests `{}` on every `{}` resource",
                        s.name, r.ability, r.resource.prefix
                    ),
                )
                .at(r.resource_span(), "wildcard id")
                .help(format!(
                    "request the specific {} the session uses; with `*` the nodes accept the session signature for any of them",
                    r.resource.prefix.id_description()
                )),
            );
        }
        if let Some(span) = s.ttl_span() {
            // Above the nodes' 30 days it is already an error (`ttl-too-long`).
            if s.ttl > opts.ttl_threshold && s.ttl <= crate::time::Ttl::NODE_MAX {
                d.push(
                    Diagnostic::new(
                        Code::TtlLongerThanNeeded,
                        format!(
                            "session `{}` lives `{}`, longer than the `{}` threshold",
                            s.name, s.ttl, opts.ttl_threshold
                        ),
                    )
                    .at(span, "long-lived session")
                    .help("a stolen session key is usable for its whole ttl; re-sign more often with a shorter `ttl`, or raise `--ttl-threshold` if this is deliberate"),
                );
            }
        }
    }
    (d, covered)
}

fn wildcard_allows(grant: &Grant, d: &mut Diagnostics) {
    for a in grant.allows.iter().filter(|a| a.resource.is_wildcard()) {
        d.push(
            Diagnostic::new(
                Code::WildcardResource,
                format!(
                    "grant `{}` allows `{}` on every `{}` resource",
                    grant.name, a.ability, a.resource.prefix
                ),
            )
            .at(a.resource_span(), "wildcard id")
            .help(format!(
                "allow only the specific {} your sessions use, e.g. `{} on \"{}://<id>\"`",
                a.resource.prefix.id_description(),
                a.ability,
                a.resource.prefix
            )),
        );
    }
}

/// The sessions of every grant, in policy order: one counting sort instead of a scan of all
/// sessions per grant (which made `lint` quadratic: 64% of a 100k-session `check`).
struct SessionsByGrant {
    starts: Vec<usize>,
    order: Vec<usize>,
}

impl SessionsByGrant {
    fn new(policy: &Policy) -> SessionsByGrant {
        let n = policy.grants.len();
        let mut starts = vec![0usize; n + 1];
        for s in &policy.sessions {
            if s.grant < n {
                starts[s.grant + 1] += 1;
            }
        }
        for i in 0..n {
            starts[i + 1] += starts[i];
        }
        let mut next = starts.clone();
        let mut order = vec![0usize; starts[n]];
        for (si, s) in policy.sessions.iter().enumerate() {
            if s.grant < n {
                order[next[s.grant]] = si;
                next[s.grant] += 1;
            }
        }
        SessionsByGrant { starts, order }
    }

    fn get(&self, grant: usize) -> &[usize] {
        match (self.starts.get(grant), self.starts.get(grant + 1)) {
            (Some(&a), Some(&b)) => &self.order[a..b],
            _ => &[],
        }
    }
}

fn shadowing(grant: &Grant, d: &mut Diagnostics) {
    // The wildcard allows, found once per grant (a grant has a few at most: a list, not a map).
    if !grant.allows.iter().any(|w| w.resource.is_wildcard()) {
        return;
    }
    let all_wildcards: Vec<&Capability> = grant
        .allows
        .iter()
        .filter(|w| w.resource.is_wildcard())
        .collect();
    for a in grant.allows.iter().filter(|a| !a.resource.is_wildcard()) {
        let mut wildcards = all_wildcards
            .iter()
            .filter(|w| w.resource.prefix == a.resource.prefix)
            .peekable();
        let Some(&&first) = wildcards.peek() else {
            continue;
        };
        let covered_by_wildcard =
            wildcards.any(|w| w.ability.recap_ability() == a.ability.recap_ability());
        let (message, help) = if covered_by_wildcard {
            (
                format!(
                    "`{}` is redundant: `{}` already allows it",
                    a.describe(),
                    first.resource
                ),
                "remove the specific allow (or the wildcard, to grant less)".to_string(),
            )
        } else {
            (
                format!(
                    "`{}` has no effect: the grant also has `{}`, and the nodes and the SDK then look only at the wildcard key",
                    a.describe(),
                    first.resource
                ),
                format!(
                    "sessions requesting `{}` on `{}` will be refused; remove the wildcard allow and allow each resource the sessions use by its id (`{}` is already there)",
                    a.ability, a.resource, a.resource
                ),
            )
        };
        d.push(
            Diagnostic::new(Code::WildcardShadowsSpecific, message)
                .at(a.resource_span(), "shadowed")
                .related(first.resource_span(), "wildcard key")
                .help(help),
        );
    }
}

fn nb_ignored(grant: &Grant, d: &mut Diagnostics) {
    for a in &grant.allows {
        if let (Some(span), true) = (a.data_span(), a.ability.is_threshold()) {
            d.push(
                Diagnostic::new(
                    Code::NbIgnored,
                    format!(
                        "the nodes ignore `where` data on `{}` (`{}`)",
                        a.ability,
                        a.ability.recap_ability()
                    ),
                )
                .at(span, "not enforced")
                .help("nota-bene data restricts nothing on `Threshold/*` abilities; narrow the resource id instead, and remove the `where` clause"),
            );
        }
    }
}

/// Flags the allows no session of the grant uses; returns how many of those sessions' requests
/// the grant covers, and records each verdict in `known`.
fn unused(
    policy: &Policy,
    gi: usize,
    sessions: &[usize],
    d: &mut Diagnostics,
    known: &mut KnownVerdicts,
) -> usize {
    let grant = &policy.grants[gi];
    let recap = grant.recap();
    let mut used = vec![false; grant.allows.len()];
    let allows = AllowsByKey::new(grant);
    let mut covered = 0;
    for &si in sessions {
        for (ri, r) in policy.sessions[si].requests.iter().enumerate() {
            let verdict = coverage::check_in(policy.profile(), recap, &r.resource, r.ability);
            if let Verdict::Covered { key, recap_ability } = &verdict {
                allows.mark(grant, key, recap_ability, &mut used);
                covered += 1;
            }
            known.record(si, ri, gi, grant, &verdict);
        }
    }
    for (a, _) in grant.allows.iter().zip(used).filter(|(_, u)| !u) {
        d.push(
            Diagnostic::new(
                Code::UnusedCapability,
                format!(
                    "grant `{}` allows `{}`, but no session requests it",
                    grant.name,
                    a.describe()
                ),
            )
            .at(a.span(), "unused")
            .help(
                "remove the allow (the wallet then signs less), or add the session that needs it",
            ),
        );
    }
    covered
}

/// The allows of a grant with a given resource key and ReCap ability: a scan for the usual few
/// allows (no key strings built), a table for grants with many.
enum AllowsByKey<'g> {
    Scan,
    /// (resource key, ReCap ability) → the allows with that key and ability.
    Table(HashMap<(String, &'g str), Vec<usize>>),
}

impl<'g> AllowsByKey<'g> {
    /// Below this many allows a scan is cheaper than a table.
    const SCAN: usize = 16;

    fn new(grant: &'g Grant) -> AllowsByKey<'g> {
        if grant.allows.len() < Self::SCAN {
            return AllowsByKey::Scan;
        }
        let mut by_key: HashMap<(String, &str), Vec<usize>> = HashMap::new();
        for (i, a) in grant.allows.iter().enumerate() {
            by_key
                .entry((a.resource.key(), a.ability.recap_ability()))
                .or_default()
                .push(i);
        }
        AllowsByKey::Table(by_key)
    }

    /// Marks in `used` the allows with this key and ReCap ability.
    fn mark(&self, grant: &Grant, key: &str, recap_ability: &str, used: &mut [bool]) {
        match self {
            AllowsByKey::Scan => {
                for (i, a) in grant.allows.iter().enumerate() {
                    if a.ability.recap_ability() == recap_ability && a.resource.has_key(key) {
                        used[i] = true;
                    }
                }
            }
            AllowsByKey::Table(by_key) => {
                if let Some(allows) = by_key.get(&(key.to_string(), recap_ability)) {
                    for &i in allows {
                        used[i] = true;
                    }
                }
            }
        }
    }
}

fn default_statement(grant: &Grant, d: &mut Diagnostics) {
    if grant.statement.is_none() && !grant.allows.is_empty() {
        d.push(
            Diagnostic::new(
                Code::DefaultStatement,
                format!(
                    "grant `{}` has no `statement`: the wallet will show the SDK's \"This is a test statement.\"",
                    grant.name
                ),
            )
            .at(grant.name_span, "no statement")
            .help("add `statement \"...\"` saying in plain words what the user authorises"),
        );
    }
}

fn grant_ttl(grant: &Grant, opts: &LintOptions, d: &mut Diagnostics) {
    if grant.max_ttl <= opts.ttl_threshold || grant.max_ttl > crate::time::Ttl::NODE_MAX {
        return;
    }
    let diag = match grant.max_ttl_span {
        Some(span) => Diagnostic::new(
            Code::TtlLongerThanNeeded,
            format!(
                "grant `{}` lets AuthSigs live `{}`, longer than the `{}` threshold",
                grant.name, grant.max_ttl, opts.ttl_threshold
            ),
        )
        .at(span, "long-lived AuthSig"),
        None => Diagnostic::new(
            Code::TtlLongerThanNeeded,
            format!(
                "grant `{}` has no `max-ttl`, so its AuthSigs may live 30 days",
                grant.name
            ),
        )
        .at(grant.name_span, "no max-ttl"),
    };
    d.push(diag.help("a leaked AuthSig grants its capabilities until it expires; set `max-ttl` to what the sessions need, or raise `--ttl-threshold` if this is deliberate"));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lints(text: &str) -> Vec<Code> {
        let l = crate::load::load_dsl(text);
        assert!(!l.diagnostics.has_errors(), "{:?}", l.diagnostics);
        let mut d = lint(&l.policy, &LintOptions::default(), None);
        d.apply_suppressions(&l.sources);
        d.iter().map(|d| d.code).collect()
    }

    #[test]
    fn clean_least_privilege_policy() {
        assert_eq!(
            lints("grant \"g\" {\n domain \"a\"\n statement \"s\"\n max-ttl 1h\n allow pkp-signing on \"lit-pkp://0a\"\n}\nsession \"s\" from \"g\" {\n ttl 1h\n request pkp-signing on \"lit-pkp://0a\"\n}\n"),
            vec![]
        );
    }

    #[test]
    fn each_lint_fires() {
        let codes = lints(concat!(
            "grant \"g\" {\n domain \"a\"\n",
            " allow pkp-signing on \"lit-pkp://*\" where { note: 1 }\n",
            " allow access-control-condition-decryption on \"lit-accesscontrolcondition://*\"\n",
            " allow access-control-condition-signing on \"lit-accesscontrolcondition://abc\"\n",
            "}\n",
            "session \"s\" from \"g\" {\n ttl 2d\n request pkp-signing on \"lit-pkp://*\"\n}\n",
        ));
        assert_eq!(
            codes,
            vec![
                Code::WildcardResource,
                Code::WildcardResource,
                Code::WildcardShadowsSpecific,
                Code::NbIgnored,
                Code::UnusedCapability,
                Code::UnusedCapability,
                Code::DefaultStatement,
                Code::TtlLongerThanNeeded,
                Code::WildcardResource,
                Code::TtlLongerThanNeeded,
            ]
        );
    }

    #[test]
    fn allow_comments_silence_lints() {
        let codes = lints("grant \"g\" {\n domain \"a\"\n statement \"s\"\n max-ttl 1h\n # litcap: allow(unused-capability)\n allow pkp-signing on \"lit-pkp://0a\"\n}\n");
        assert_eq!(codes, vec![]);
    }
}
