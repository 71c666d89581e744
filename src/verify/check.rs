//! `litcap check`: the policy's own checks, the least-privilege lints, and the coverage of
//! every session request, as one report with JSON and SARIF renderings.

use super::lints::{self, LintOptions};
use crate::coverage::{self, Verdict};
use crate::diag::{self, Code, Diagnostic, Diagnostics, Sources, Span};
use crate::load::Loaded;
use serde_json::{json, Value};

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

/// Checks a loaded policy without an AuthSig: model diagnostics, lints, and coverage of every
/// request by its grant.
pub fn check_policy(loaded: &Loaded, opts: &CheckOptions) -> CheckReport {
    let mut report = CheckReport {
        diagnostics: loaded.diagnostics.clone(),
        coverage: Vec::new(),
    };
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
                report.diagnostics.push(*d);
                return finish(report, &loaded.sources);
            }
        },
        None => (0..policy.sessions.len()).collect(),
    };
    let grants: Option<Vec<usize>> = opts
        .session
        .as_ref()
        .map(|_| sessions.iter().map(|&i| policy.sessions[i].grant).collect());
    report
        .diagnostics
        .extend(lints::lint(policy, &opts.lint, grants.as_deref()));
    for &si in &sessions {
        let session = &policy.sessions[si];
        let grant = policy.grant_of(session);
        let recap = grant.recap();
        for r in &session.requests {
            let verdict = coverage::check(&recap, &r.resource, r.ability);
            let covered_by = match &verdict {
                Verdict::Covered { key, recap_ability } => Some(CoveredBy {
                    source: "grant",
                    name: grant.name.clone(),
                    resource: key.clone(),
                    recap_ability: recap_ability.clone(),
                    span: grant.allow_for(key, recap_ability).map(|a| a.span),
                }),
                Verdict::NotCovered(_) => None,
            };
            report.coverage.push(CoverageEntry {
                session: session.name.clone(),
                resource: r.resource.key(),
                ability: r.ability.to_string(),
                covered: verdict.is_covered(),
                covered_by,
            });
        }
    }
    finish(report, &loaded.sources)
}

fn finish(mut report: CheckReport, sources: &Sources) -> CheckReport {
    report.diagnostics.apply_suppressions(sources);
    report.diagnostics.sort();
    report
}

impl CheckReport {
    pub fn exit_code(&self, deny_warnings: bool) -> u8 {
        self.diagnostics.exit_code(deny_warnings)
    }

    /// `{"ok", "diagnostics": [...], "coverage": [...]}`.
    pub fn to_json(&self, sources: &Sources, deny_warnings: bool) -> Value {
        json!({
            "ok": self.exit_code(deny_warnings) == diag::exit::OK,
            "diagnostics": self.diagnostics.iter().map(|d| diag::to_json(d, sources)).collect::<Vec<_>>(),
            "coverage": self.coverage.iter().map(|c| {
                json!({
                    "session": c.session,
                    "resource": c.resource,
                    "ability": c.ability,
                    "covered": c.covered,
                    "coveredBy": c.covered_by.as_ref().map(|b| covered_by_json(b, sources)),
                })
            }).collect::<Vec<_>>(),
        })
    }

    /// One line per session for people: how many requests are covered.
    pub fn summary(&self) -> String {
        let errors = self.diagnostics.error_count();
        let warnings = self.diagnostics.warning_count();
        let covered = self.coverage.iter().filter(|c| c.covered).count();
        format!(
            "{} request{} checked, {covered} covered; {errors} error{}, {warnings} warning{}",
            self.coverage.len(),
            plural(self.coverage.len()),
            plural(errors),
            plural(warnings)
        )
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn covered_by_json(b: &CoveredBy, sources: &Sources) -> Value {
    let loc = b.span.and_then(|s| {
        let f = sources.get(s.file)?;
        let (line, column) = f.line_col(s.start);
        Some((f.name().to_string(), line, column))
    });
    json!({
        "source": b.source,
        "name": b.name,
        "resource": b.resource,
        "recapAbility": b.recap_ability,
        "file": loc.as_ref().map(|l| l.0.clone()),
        "line": loc.as_ref().map(|l| l.1),
        "column": loc.as_ref().map(|l| l.2),
    })
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
    use crate::load::{load_inputs, PolicyFormat};

    #[test]
    fn coverage_names_the_allow() {
        let text = "grant \"g\" {\n domain \"a\"\n statement \"s\"\n max-ttl 1h\n allow pkp-signing on \"lit-pkp://0a\"\n}\nsession \"s\" from \"g\" {\n ttl 1h\n request pkp-signing on \"lit-pkp://0a\"\n request lit-action-execution on \"lit-litaction://Qm1\"\n}\n";
        let l = load_inputs(vec![(
            "p.litcap".into(),
            PolicyFormat::Dsl,
            text.as_bytes().to_vec(),
        )]);
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
    }
}
