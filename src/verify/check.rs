//! `litcap check`: the policy's own checks, the least-privilege lints, and the coverage of
//! every session request, as one report with JSON and SARIF renderings.

use super::check_json::JsonReport;
use super::lints::{self, LintOptions};
use crate::authsig::{self, AuthSigFile};
use crate::coverage::Request;
use crate::coverage::{self, Verdict};
use crate::diag::{self, Code, Diagnostic, Diagnostics, Sources, Span};
use crate::fit::{self, Finding, GrantExpectation};
use crate::load::Loaded;
use crate::model::{Grant, Session};
use crate::recap::Recap;
use crate::time::Timestamp;
use crate::wire::kind::InputKind;
use serde::Serialize;
use serde_json::Value;

use super::check_coverage::KnownVerdicts;
pub use super::check_coverage::{Coverage, CoverageEntry, CoverageView, CoveredBy, CoveredByView};

/// Everything `check` found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckReport {
    pub diagnostics: Diagnostics,
    pub coverage: Vec<CoverageEntry>,
}

#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// Only this session (and its grant).
    pub session: Option<String>,
    pub lint: LintOptions,
}

/// An AuthSig to check the policy against.
#[derive(Clone, Debug)]
pub struct AuthSigInput {
    /// The file name, for diagnostics.
    pub name: String,
    pub text: String,
    /// The time of the check (`--at`, default now).
    pub at: Timestamp,
    /// The session public key the AuthSig must be for, if known (`--session-key`).
    pub session_key: Option<String>,
    /// The network's BLS root key, to verify a `lit.bls` AuthSig (`--network-key`).
    pub network_key: Option<crate::wire::bls::NetworkKey>,
    /// ERC-5573: the SIWE `URI` the AuthSig must name (`--uri`), if known.
    pub uri: Option<String>,
}

/// Checks a loaded policy without an AuthSig: model diagnostics, lints, and coverage of every
/// request by its grant.
pub fn check_policy(loaded: &Loaded, opts: &CheckOptions) -> CheckReport {
    let findings = check_findings(
        loaded,
        opts,
        loaded.diagnostics.clone(),
        CoverageUse::Entries,
    );
    let coverage = findings.coverage.iter().map(|c| c.to_entry()).collect();
    CheckReport {
        diagnostics: findings.diagnostics,
        coverage,
    }
}

/// What [`check_policy`] finds, with the coverage entries left to be computed as they are
/// written (see [`Coverage`]): what the CLI prints a large policy's report from.
#[derive(Clone, Debug)]
pub struct CheckFindings<'p> {
    pub diagnostics: Diagnostics,
    pub coverage: Coverage<'p>,
}

/// What a caller of [`check_findings`] will take from its [`Coverage`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CoverageUse {
    /// Only the count of covered requests (the human and SARIF reports, the LSP): the lints'
    /// verdicts are not kept.
    Count,
    /// Every entry (the JSON report): the lints keep each request's verdict
    /// ([`KnownVerdicts`]), so that the entries do not work them out again.
    Entries,
}

/// [`check_policy`] without the coverage entries. `model_diagnostics` are the loaded policy's
/// own (`loaded.diagnostics`, which a caller that owns `loaded` can move in rather than copy).
pub fn check_findings<'p>(
    loaded: &'p Loaded,
    opts: &CheckOptions,
    model_diagnostics: Diagnostics,
    coverage_use: CoverageUse,
) -> CheckFindings<'p> {
    let (diagnostics, sessions, covered, known) =
        policy_findings(loaded, opts, model_diagnostics, coverage_use);
    let coverage = Coverage::new(&loaded.policy, sessions).with_known(known);
    CheckFindings {
        diagnostics,
        coverage: match covered {
            Some(n) => coverage.with_covered(n),
            None => coverage,
        },
    }
}

/// The policy's diagnostics and lints, finished (suppressions applied, sorted), the indices of
/// the sessions checked, and how many of their requests are covered when the lints counted
/// them all (every session checked), with the verdicts the lints recorded.
fn policy_findings(
    loaded: &Loaded,
    opts: &CheckOptions,
    mut diagnostics: Diagnostics,
    coverage_use: CoverageUse,
) -> (Diagnostics, Vec<usize>, Option<usize>, KnownVerdicts) {
    let policy = &loaded.policy;
    let sessions: Vec<usize> = match &opts.session {
        Some(name) => match crate::compile::find_session(policy, name) {
            Ok(s) => policy
                .sessions
                .iter()
                .position(|x| x.name == s.name)
                .into_iter()
                .collect(),
            Err(d) => {
                diagnostics.push(*d);
                return (
                    finish_diagnostics(diagnostics, &loaded.sources),
                    Vec::new(),
                    None,
                    KnownVerdicts::default(),
                );
            }
        },
        None => (0..policy.sessions.len()).collect(),
    };
    let grants: Option<Vec<usize>> = opts
        .session
        .as_ref()
        .map(|_| sessions.iter().map(|&i| policy.sessions[i].grant).collect());
    let mut known = match coverage_use {
        CoverageUse::Entries => KnownVerdicts::for_policy(policy),
        CoverageUse::Count => KnownVerdicts::default(),
    };
    let (lints, covered) = lints::lint_counting(policy, &opts.lint, grants.as_deref(), &mut known);
    diagnostics.extend(lints);
    // With `--session`, the lints judge every session of its grant, the report one session.
    let covered = opts.session.is_none().then_some(covered);
    (
        finish_diagnostics(diagnostics, &loaded.sources),
        sessions,
        covered,
        known,
    )
}

/// Checks a policy against a signed AuthSig: the policy's own checks and lints, then the
/// AuthSig itself (signature, SIWE fields, time window at `at`, session key, recaps), then
/// for each session: every request covered by the AuthSig under the nodes' rules, and
/// nothing granted beyond the session's grant. Coverage entries come from the AuthSig.
///
/// The AuthSig file is added to `loaded.sources` so findings can point into it.
pub fn check_with_authsig(
    loaded: &mut Loaded,
    opts: &CheckOptions,
    input: &AuthSigInput,
) -> CheckReport {
    let mut report = policy_report(loaded, opts);
    let file_id = loaded.sources.add(input.name.clone(), input.text.clone());
    let Some(file) = read_authsig(file_id, input, &mut report.diagnostics) else {
        return finish(report, &loaded.sources);
    };
    let policy = &loaded.policy;
    let (sessions, delegation_grants) = targets(policy, opts, &file, &mut report.diagnostics);
    // The AuthSig is verified once (one signature recovery), with the requests of every
    // session in one list; the results are then split per session.
    let requests: Vec<Request> = sessions
        .iter()
        .flat_map(|s| s.requests.iter())
        .map(|r| Request {
            resource: r.resource.clone(),
            ability: r.ability,
        })
        .collect();
    let checked = file.check(&authsig::CheckOptions {
        now: input.at,
        session_key: input.session_key.clone(),
        requests: requests.clone(),
        network_key: input.network_key.clone(),
        uri: input.uri.clone(),
        profile: Some(policy.profile()),
    });
    let mut not_covered = checked
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::RequestNotCovered)
        .cloned();
    report.diagnostics.extend(
        checked
            .diagnostics
            .iter()
            .filter(|d| d.code != Code::RequestNotCovered)
            .cloned(),
    );
    let recap_span = |index: usize| {
        checked
            .siwe_spans
            .as_ref()
            .and_then(|s| s.resources.get(index).cloned())
            .map(|r| file.message_span(r))
    };
    let decoded: Vec<(usize, &Recap)> = checked
        .recaps
        .iter()
        .filter_map(|r| {
            r.decoded
                .as_ref()
                .ok()
                .map(|d| (r.resource_index, &d.recap))
        })
        .collect();
    let mut i = 0;
    let mut grants_done = vec![false; policy.grants.len()];
    for session in sessions {
        for r in &session.requests {
            let q = &requests[i];
            let (verdict, which) = checked
                .node_coverage
                .get(i)
                .cloned()
                .unwrap_or((Verdict::NotCovered(coverage::Gap::NoResourceKey), None));
            i += 1;
            let covered_by = match (&verdict, which) {
                (Verdict::Covered { key, recap_ability }, Some(k)) => Some(CoveredBy {
                    source: "authsig",
                    name: format!(
                        "{} (resource {})",
                        input.name,
                        decoded.get(k).map_or(k, |d| d.0) + 1
                    ),
                    resource: key.clone(),
                    recap_ability: recap_ability.clone(),
                    span: None,
                }),
                _ => None,
            };
            if !verdict.is_covered() && checked.siwe.is_some() {
                if let Some(d) = not_covered.next() {
                    report
                        .diagnostics
                        .push(request_not_covered(session, r, d, &decoded, q));
                }
            }
            report.coverage.push(CoverageEntry {
                session: session.name.clone(),
                resource: r.resource.key(),
                ability: r.ability.to_string(),
                covered: verdict.is_covered(),
                covered_by,
            });
        }
        // What the AuthSig grants is judged against each session's grant once.
        match grants_done.get_mut(session.grant) {
            Some(done) if !*done => *done = true,
            _ => continue,
        }
        let grant = policy.grant_of(session);
        if let Some(m) = &checked.siwe {
            let expect = grant_expectation(grant);
            let findings = fit::judge_grant(policy.profile(), m, &decoded, &expect);
            render_grant_findings(
                &findings,
                grant,
                Some(session),
                &checked,
                &file,
                &recap_span,
                &mut report.diagnostics,
            );
            let findings = match &expect.pkp {
                Some(pkp) => {
                    fit::judge_signer(checked.kind, &file.authsig.address, m, &decoded, pkp)
                }
                None => fit::signer::judge_undeclared_signer(checked.kind, m, &decoded)
                    .into_iter()
                    .collect(),
            };
            super::check_signer::render_signer_findings(
                &findings,
                grant,
                &checked,
                &file,
                &recap_span,
                &mut report.diagnostics,
            );
        }
    }
    for grant in delegation_grants {
        if let Some(m) = &checked.siwe {
            let findings =
                fit::judge_grant(policy.profile(), m, &decoded, &grant_expectation(grant));
            render_grant_findings(
                &findings,
                grant,
                None,
                &checked,
                &file,
                &recap_span,
                &mut report.diagnostics,
            );
        }
    }
    finish(report, &loaded.sources)
}

/// The AuthSig file of `check --authsig`, or `None` with its diagnostics in `diags`.
fn read_authsig(
    file_id: crate::diag::FileId,
    input: &AuthSigInput,
    diags: &mut Diagnostics,
) -> Option<AuthSigFile> {
    match AuthSigFile::parse(file_id, &input.text) {
        Ok(f) => Some(f),
        Err(d) => {
            // Another kind of file (a SessionSigs map, a policy) is named as such rather than
            // reported by the AuthSig keys it lacks.
            match crate::wire::kind::detect(&input.text) {
                Some(k) if k != InputKind::AuthSig => {
                    let (message, help) = k.mismatch(InputKind::AuthSig);
                    diags.push(
                        Diagnostic::new(Code::InvalidJson, message)
                            .in_file(input.name.clone())
                            .help(help),
                    );
                }
                _ => diags.extend(d),
            }
            None
        }
    }
}

/// The policy's own findings as a report without coverage entries (`check --authsig` takes
/// its entries from the AuthSig).
fn policy_report(loaded: &Loaded, opts: &CheckOptions) -> CheckReport {
    let (diagnostics, _, _, _) =
        policy_findings(loaded, opts, loaded.diagnostics.clone(), CoverageUse::Count);
    CheckReport {
        diagnostics,
        coverage: Vec::new(),
    }
}

/// What an AuthSig is checked against: the sessions it is for, or, for a capacity delegation
/// (URI `lit:capability:delegation`, no session's capability), the grants that describe it,
/// unless `--session` says otherwise.
fn targets<'p>(
    policy: &'p crate::model::Policy,
    opts: &CheckOptions,
    file: &AuthSigFile,
    diags: &mut Diagnostics,
) -> (Vec<&'p Session>, Vec<&'p Grant>) {
    let delegation = opts.session.is_none()
        && crate::siwe::SiweMessage::parse(&file.authsig.signed_message)
            .is_ok_and(|m| m.uri == crate::siwe::DELEGATION_URI);
    if delegation {
        (Vec::new(), delegation_grants_for(policy, file, diags))
    } else {
        (sessions_for(policy, opts, file, diags), Vec::new())
    }
}

/// The sessions to check: `--session`, or those whose grant has the AuthSig's domain and chain.
fn sessions_for<'p>(
    policy: &'p crate::model::Policy,
    opts: &CheckOptions,
    file: &AuthSigFile,
    diags: &mut Diagnostics,
) -> Vec<&'p Session> {
    if let Some(name) = &opts.session {
        return policy.session(name).into_iter().collect();
    }
    let Ok(m) = crate::siwe::SiweMessage::parse(&file.authsig.signed_message) else {
        return policy.sessions.iter().collect();
    };
    let matching: Vec<&Session> = policy
        .sessions
        .iter()
        .filter(|s| {
            let g = policy.grant_of(s);
            fit::names_site(&m, g.domain.as_ref().map(|d| d.value.as_str()), g.chain_id)
        })
        .collect();
    if matching.is_empty() {
        diags.push(
            Diagnostic::new(
                Code::DomainMismatch,
                format!(
                    "no session's grant has the AuthSig's domain `{}` and chain id `{}`",
                    m.domain, m.chain_id
                ),
            )
            .at(file.signed_message, "this AuthSig")
            .help("pass `--session NAME` to check it against a session anyway"),
        );
    }
    matching
}

/// The grants a capacity delegation is judged against: those with its domain and chain id
/// that allow `rate-limit-increase-auth` (what `litcap delegate FILE --grant NAME` signs).
fn delegation_grants_for<'p>(
    policy: &'p crate::model::Policy,
    file: &AuthSigFile,
    diags: &mut Diagnostics,
) -> Vec<&'p Grant> {
    let Ok(m) = crate::siwe::SiweMessage::parse(&file.authsig.signed_message) else {
        return Vec::new();
    };
    let matching: Vec<&Grant> = policy
        .grants
        .iter()
        .filter(|g| {
            g.domain.as_ref().is_some_and(|d| d.value == m.domain)
                && g.chain_id == m.chain_id
                && g.allows
                    .iter()
                    .any(|a| a.ability == crate::lit::Ability::RateLimitIncreaseAuth)
        })
        .collect();
    if matching.is_empty() {
        diags.push(
            Diagnostic::new(
                Code::DomainMismatch,
                format!(
                    "this capacity delegation matches no grant: none with domain `{}` and chain id `{}` allows `rate-limit-increase-auth`",
                    m.domain, m.chain_id
                ),
            )
            .at(file.signed_message, "this AuthSig")
            .help("sign the delegation from its grant: `litcap delegate FILE --grant NAME ...`"),
        );
    }
    matching
}

fn request_not_covered(
    session: &Session,
    request: &crate::model::Capability,
    from_authsig: Diagnostic,
    decoded: &[(usize, &Recap)],
    q: &Request,
) -> Diagnostic {
    let considered: Vec<String> = decoded
        .iter()
        .flat_map(|(_, r)| coverage::grants(r))
        .filter(|(key, _)| key.starts_with(&format!("{}://", q.resource.prefix)))
        .map(|(key, ab)| format!("`{ab}` on `{key}`"))
        .collect();
    let mut d = Diagnostic::new(
        Code::RequestNotCovered,
        format!("session `{}`: {}", session.name, from_authsig.message),
    )
    .at(request.span(), "requested here");
    if let Some(span) = from_authsig.span {
        d = d.related(span, "the AuthSig's recap");
    }
    let considered = if considered.is_empty() {
        format!(
            "the AuthSig grants nothing on `{}://` resources",
            q.resource.prefix
        )
    } else {
        format!("grants considered: {}", considered.join(", "))
    };
    let help = match from_authsig.help {
        Some(h) => format!("{considered}; {h}"),
        None => considered,
    };
    d.help(help)
}

/// What a grant expects of an AuthSig (the fit engine's terms).
pub fn grant_expectation(grant: &Grant) -> GrantExpectation<'_> {
    GrantExpectation {
        recap: grant.signed_recap(),
        domain: grant.domain.as_ref().map(|d| d.value.as_str()),
        chain_id: Some(grant.chain_id),
        max_lifetime: Some(grant.max_ttl),
        pkp: grant.signer.as_ref().map(|s| fit::PkpExpectation {
            address: s.address,
            actions: &grant.auth_actions,
        }),
    }
}

/// The fit engine's findings against a grant, as diagnostics pointing into the AuthSig and
/// the policy. Over-privilege is an error: least privilege is the grant block, not whatever
/// the wallet happened to sign.
fn render_grant_findings(
    findings: &[Finding],
    grant: &Grant,
    session: Option<&Session>,
    checked: &authsig::AuthSigReport,
    file: &AuthSigFile,
    recap_span: &dyn Fn(usize) -> Option<Span>,
    diags: &mut Diagnostics,
) {
    let spans = checked.siwe_spans.as_ref();
    let at = |r: Option<std::ops::Range<usize>>| {
        r.map(|r| file.message_span(r))
            .unwrap_or(file.signed_message)
    };
    // Over-privilege first, then the SIWE fields, as the check has always listed them.
    for f in findings {
        let Finding::OverPrivilege {
            resource_index,
            resource: key,
            ability,
        } = f
        else {
            continue;
        };
        let (whose, command) = match session {
            Some(s) => (
                format!(" (of session `{}`)", s.name),
                format!("litcap authsig ... --session {}", s.name),
            ),
            None => (
                " (of the capacity delegation)".to_string(),
                format!("litcap delegate FILE --grant {}", grant.name),
            ),
        };
        let mut d = Diagnostic::new(
            Code::OverPrivilege,
            format!(
                "the AuthSig grants `{ability}` on `{key}`, which grant `{}`{whose} does not allow",
                grant.name
            ),
        )
        .related(grant.name_span, "the grant it must stay within")
        .help(format!(
            "sign a new AuthSig from the policy (`{command}`), or add the capability to grant `{}` if it is really needed",
            grant.name
        ));
        if let Some(span) = recap_span(*resource_index) {
            d = d.at(span, "granted here");
        }
        diags.push(d);
    }
    let field = |pick: fn(&Finding) -> bool| findings.iter().find(|f| pick(f));
    if let (Some(Finding::DomainMismatch { expected, found }), Some(domain)) = (
        field(|f| matches!(f, Finding::DomainMismatch { .. })),
        &grant.domain,
    ) {
        diags.push(
            Diagnostic::new(
                Code::DomainMismatch,
                format!(
                    "the AuthSig's SIWE domain is `{found}`, grant `{}` says `{expected}`",
                    grant.name
                ),
            )
            .at(at(spans.map(|s| s.domain.clone())), "domain")
            .related(domain.span, "the grant's domain")
            .help("the wallet showed the user another site; sign a new AuthSig from the policy"),
        );
    }
    if let Some(Finding::ChainMismatch { expected, found }) =
        field(|f| matches!(f, Finding::ChainMismatch { .. }))
    {
        let mut d = Diagnostic::new(
            Code::DomainMismatch,
            format!(
                "the AuthSig's chain id is `{found}`, grant `{}` says `{expected}`",
                grant.name
            ),
        )
        .at(at(spans.map(|s| s.chain_id.clone())), "chain id")
        .help("sign a new AuthSig from the policy");
        if let Some(s) = grant.chain_id_span {
            d = d.related(s, "the grant's chain id");
        }
        diags.push(d);
    }
    if let Some(Finding::LifetimeTooLong { lifetime_ms, max }) =
        field(|f| matches!(f, Finding::LifetimeTooLong { .. }))
    {
        let mut d = Diagnostic::new(
            Code::LifetimeTooLong,
            format!(
                "the AuthSig lives {}, longer than grant `{}` allows (`max-ttl {max}`)",
                crate::time::Ttl(((*lifetime_ms).max(0) / 1000) as u64),
                grant.name,
            ),
        )
        .at(
            at(spans.and_then(|s| s.expiration_time.clone())),
            "expiration",
        )
        .help("sign a new AuthSig with a shorter expiration");
        if let Some(s) = grant.max_ttl_span {
            d = d.related(s, "the grant's limit");
        }
        diags.push(d);
    }
}

fn finish(mut report: CheckReport, sources: &Sources) -> CheckReport {
    report.diagnostics = finish_diagnostics(report.diagnostics, sources);
    report
}

/// Suppressions applied (`# litcap: allow(...)`), then sorted by position.
fn finish_diagnostics(mut diagnostics: Diagnostics, sources: &Sources) -> Diagnostics {
    diagnostics.apply_suppressions(sources);
    diagnostics.sort();
    diagnostics
}

impl CheckReport {
    pub fn exit_code(&self, deny_warnings: bool) -> u8 {
        self.diagnostics.exit_code(deny_warnings)
    }

    /// `{"ok", "diagnostics": [...], "coverage": [...]}`.
    pub fn to_json(&self, sources: &Sources, deny_warnings: bool) -> Value {
        serde_json::to_value(self.json(sources, deny_warnings)).unwrap_or(Value::Null)
    }

    /// The same report as [`CheckReport::to_json`], to be serialised element by element
    /// (`serde_json::to_writer_pretty`) without building the whole tree: the same bytes as
    /// `to_json` pretty-printed, in memory of one entry at a time.
    pub fn json<'a>(&'a self, sources: &'a Sources, deny_warnings: bool) -> impl Serialize + 'a {
        JsonReport {
            ok: self.exit_code(deny_warnings) == diag::exit::OK,
            diagnostics: &self.diagnostics,
            sources,
            coverage_len: self.coverage.len(),
            coverage: || self.coverage.iter().map(CoverageEntry::view),
        }
    }

    /// [`CheckReport::json`] pretty-printed into `w` (no trailing newline): the same bytes as
    /// `serde_json::to_writer_pretty`, written faster.
    pub fn write_json<W: std::io::Write>(
        &self,
        sources: &Sources,
        deny_warnings: bool,
        w: &mut W,
    ) -> std::io::Result<()> {
        JsonReport {
            ok: self.exit_code(deny_warnings) == diag::exit::OK,
            diagnostics: &self.diagnostics,
            sources,
            coverage_len: self.coverage.len(),
            coverage: || self.coverage.iter().map(CoverageEntry::view),
        }
        .write_pretty(w)
    }

    /// One line for people: how many requests are checked and covered, and the findings.
    pub fn summary(&self) -> String {
        let covered = self.coverage.iter().filter(|c| c.covered).count();
        summary(&self.diagnostics, self.coverage.len(), covered)
    }
}

impl<'p> CheckFindings<'p> {
    pub fn exit_code(&self, deny_warnings: bool) -> u8 {
        self.diagnostics.exit_code(deny_warnings)
    }

    /// The JSON report, the same bytes as [`CheckReport::json`] of [`check_policy`]'s report,
    /// each coverage entry computed as it is written.
    pub fn json<'a>(&'a self, sources: &'a Sources, deny_warnings: bool) -> impl Serialize + 'a {
        JsonReport {
            ok: self.exit_code(deny_warnings) == diag::exit::OK,
            diagnostics: &self.diagnostics,
            sources,
            coverage_len: self.coverage.len(),
            coverage: || self.coverage.iter(),
        }
    }

    /// [`CheckFindings::json`] pretty-printed into `w` (no trailing newline): the same bytes
    /// as `serde_json::to_writer_pretty`, written faster.
    pub fn write_json<W: std::io::Write>(
        &self,
        sources: &Sources,
        deny_warnings: bool,
        w: &mut W,
    ) -> std::io::Result<()> {
        JsonReport {
            ok: self.exit_code(deny_warnings) == diag::exit::OK,
            diagnostics: &self.diagnostics,
            sources,
            coverage_len: self.coverage.len(),
            coverage: || self.coverage.iter(),
        }
        .write_pretty(w)
    }

    /// [`CheckReport::summary`], counting the covered requests without building entries.
    pub fn summary(&self) -> String {
        summary(
            &self.diagnostics,
            self.coverage.len(),
            self.coverage.covered(),
        )
    }
}

fn summary(diagnostics: &Diagnostics, requests: usize, covered: usize) -> String {
    let errors = diagnostics.error_count();
    let warnings = diagnostics.warning_count();
    format!(
        "{requests} request{} checked, {covered} covered; {errors} error{}, {warnings} warning{}",
        plural(requests),
        plural(errors),
        plural(warnings)
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// A diagnostic for a check option that names nothing (kept here so `check` and `explain`
/// word it the same way).
pub fn no_such_session(name: &str) -> Diagnostic {
    Diagnostic::new(
        Code::UnknownSession,
        format!("there is no session `{name}`"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_names_the_allow() {
        let text = "grant \"g\" {\n domain \"a\"\n statement \"s\"\n max-ttl 1h\n allow pkp-signing on \"lit-pkp://0a\"\n}\nsession \"s\" from \"g\" {\n ttl 1h\n request pkp-signing on \"lit-pkp://0a\"\n request lit-action-execution on \"lit-litaction://Qm1\"\n}\n";
        let l = crate::load::load_dsl(text);
        let r = check_policy(&l, &CheckOptions::default());
        assert_eq!(r.coverage.len(), 2);
        assert!(r.coverage[0].covered);
        assert!(!r.coverage[1].covered);
        let j = r.to_json(&l.sources, false);
        assert_eq!(j["ok"], false);
        assert_eq!(j["coverage"][0]["coveredBy"]["line"], 5);
        assert_eq!(
            j["coverage"][0]["coveredBy"]["recapAbility"],
            "Threshold/Signing"
        );
        assert_eq!(j["diagnostics"][0]["code"], "not-covered");
        assert_eq!(j["diagnostics"][0]["line"], 10);
        // Streamed, the report is the same bytes as the pretty-printed value.
        let mut streamed = Vec::new();
        serde_json::to_writer_pretty(&mut streamed, &r.json(&l.sources, false)).unwrap();
        assert_eq!(
            String::from_utf8(streamed).unwrap(),
            serde_json::to_string_pretty(&j).unwrap()
        );
    }

    /// The CLI's report, each coverage entry computed as it is written, is the same bytes and
    /// the same summary as the whole report of `check_policy`, with and without `--session`.
    #[test]
    fn streamed_report_is_the_whole_report() {
        let text = concat!(
            "grant \"g\" {\n domain \"a\"\n max-ttl 1h\n",
            " allow pkp-signing on \"lit-pkp://0a\"\n",
            " allow lit-action-execution on \"lit-litaction://*\"\n}\n",
            "session \"s\" from \"g\" {\n ttl 1h\n request pkp-signing on \"lit-pkp://0a\"\n",
            " request lit-action-execution on \"lit-litaction://Qm1\"\n",
            " request pkp-signing on \"lit-pkp://0b\"\n}\n",
            "session \"t\" from \"g\" {\n ttl 1h\n request lit-action-execution on \"lit-litaction://Qm2\"\n}\n",
        );
        let l = crate::load::load_dsl(text);
        for session in [None, Some("t"), Some("nope")] {
            let opts = CheckOptions {
                session: session.map(str::to_string),
                ..CheckOptions::default()
            };
            let whole = check_policy(&l, &opts);
            let streamed = check_findings(&l, &opts, l.diagnostics.clone(), CoverageUse::Entries);
            assert_eq!(streamed.diagnostics, whole.diagnostics);
            assert_eq!(
                streamed
                    .coverage
                    .iter()
                    .map(|c| c.to_entry())
                    .collect::<Vec<_>>(),
                whole.coverage
            );
            assert_eq!(streamed.summary(), whole.summary());
            for deny_warnings in [false, true] {
                let mut a = Vec::new();
                serde_json::to_writer_pretty(&mut a, &whole.json(&l.sources, deny_warnings))
                    .unwrap();
                let mut b = Vec::new();
                serde_json::to_writer_pretty(&mut b, &streamed.json(&l.sources, deny_warnings))
                    .unwrap();
                assert_eq!(
                    std::str::from_utf8(&a).unwrap(),
                    String::from_utf8(b).unwrap()
                );
                // The CLI's hand-written bytes are serde_json's.
                let mut c = Vec::new();
                whole.write_json(&l.sources, deny_warnings, &mut c).unwrap();
                assert_eq!(c, a);
                let mut c = Vec::new();
                streamed
                    .write_json(&l.sources, deny_warnings, &mut c)
                    .unwrap();
                assert_eq!(c, a);
            }
        }
        let all = check_policy(&l, &CheckOptions::default());
        assert_eq!(all.coverage.len(), 4);
        assert_eq!(all.coverage.iter().filter(|c| c.covered).count(), 3);
    }
}
