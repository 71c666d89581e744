//! `litcap explain`: why a session may or may not do something, with the line that allows it
//! or the smallest line that would.

use super::request_error::{parse_ability, RequestError};
use crate::coverage::{self, Gap, Verdict};
use crate::diag::{Code, Diagnostic, Severity};
use crate::lit::{Ability, Resource};
use crate::model::{Capability, Policy, Session};

/// The answer for one `<ability> on <resource>` question.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    pub session: String,
    pub grant: String,
    pub ability: Ability,
    pub resource: Resource,
    /// The session's `request` that puts the resource in `resourceAbilityRequests`.
    pub requested_by: Option<Capability>,
    pub verdict: Verdict,
    /// The grant's `allow` that covers it.
    pub allowed_by: Option<Capability>,
    /// What to add when it is not covered.
    pub fix: Option<String>,
}

impl Explanation {
    /// Both node checks pass: the resource is requested and the grant covers it.
    pub fn ok(&self) -> bool {
        self.requested_by.is_some() && self.verdict.is_covered()
    }

    /// The explanation as diagnostics, so it renders with the policy lines it refers to.
    pub fn to_diagnostics(&self) -> Vec<Diagnostic> {
        let what = format!("{} on {}", self.ability, self.resource);
        let mut out = Vec::new();
        match (&self.verdict, &self.allowed_by) {
            (Verdict::Covered { key, recap_ability }, Some(a)) => out.push(
                Diagnostic::new(
                    Code::Covered,
                    format!(
                        "grant `{}` allows `{what}` (through `{recap_ability}` on `{key}`)",
                        self.grant
                    ),
                )
                .severity(Severity::Note)
                .at(a.span(), "this line allows it"),
            ),
            (Verdict::Covered { .. }, None) => {}
            (Verdict::NotCovered(gap), _) => out.push(
                Diagnostic::new(
                    Code::NotCovered,
                    format!(
                        "grant `{}` does not allow `{what}`: {}",
                        self.grant,
                        gap_reason(gap)
                    ),
                )
                .help_opt(self.fix.clone()),
            ),
        }
        match &self.requested_by {
            Some(r) => out.push(
                Diagnostic::new(
                    Code::Covered,
                    format!("session `{}` requests it, so it is in the session's `resourceAbilityRequests`", self.session),
                )
                .severity(Severity::Note)
                .at(r.span(), "requested here"),
            ),
            None => out.push(
                Diagnostic::new(
                    Code::NotCovered,
                    format!(
                        "session `{}` does not request `{what}`: the nodes refuse it with `NodeResourceIdNotFound` because the resource is not in `resourceAbilityRequests`",
                        self.session
                    ),
                )
                .help(format!(
                    "add `request {} on {}` to session `{}`",
                    self.ability,
                    crate::syntax::format::quote(&self.resource.key()),
                    self.session
                )),
            ),
        }
        out
    }
}

pub fn gap_reason(gap: &Gap) -> String {
    match gap {
        Gap::AbilityNotValidForResource => "the ability does not apply to this resource type".into(),
        Gap::NoResourceKey => "it grants nothing on this resource or its wildcard".into(),
        Gap::AbilityMissing { key, granted } => format!(
            "on `{key}` it grants only {}",
            granted.iter().map(|g| format!("`{g}`")).collect::<Vec<_>>().join(", ")
        ),
        Gap::Shadowed { wildcard_key, specific_key } => format!(
            "`{specific_key}` would allow it, but `{wildcard_key}` is also granted and the nodes then look only at the wildcard key"
        ),
    }
}

/// Parses `"<ability> on <resource>"` (the resource may be quoted).
pub fn parse_question(q: &str) -> Result<(Ability, Resource), RequestError> {
    parse_question_in(q, &crate::profile::DATIL)
}

/// [`parse_question`] in a profile's vocabulary (ERC-5573: `"ns/name" on <URI>`).
pub fn parse_question_in(
    q: &str,
    profile: &crate::profile::Profile,
) -> Result<(Ability, Resource), RequestError> {
    let (ability, resource) = q
        .split_once(" on ")
        .ok_or_else(|| RequestError::NotAQuestion {
            text: q.to_string(),
            example: "lit-pkp://0x...",
        })?;
    let ability = ability.trim();
    let resource = resource.trim().trim_matches('"');
    if !profile.is_lit() {
        let ability = ability.trim_matches('"');
        let a = Ability::recap(ability).ok_or_else(|| RequestError::NotARecapAbility {
            ability: ability.to_string(),
        })?;
        let r = Resource::uri(resource).map_err(|why| RequestError::NotAUri {
            resource: resource.to_string(),
            why: why.to_string(),
        })?;
        return Ok((a, r));
    }
    let ability = parse_ability(ability)?;
    let resource = Resource::parse_key(resource).map_err(RequestError::InvalidResource)?;
    Ok((ability, resource))
}

/// Explains one question about one session.
pub fn explain(
    policy: &Policy,
    session: &Session,
    ability: Ability,
    resource: Resource,
) -> Explanation {
    let grant = policy.grant_of(session);
    let recap = grant.recap();
    let verdict = coverage::check_in(policy.profile(), recap, &resource, ability);
    let allowed_by = match &verdict {
        Verdict::Covered { key, recap_ability } => grant.allow_for(key, recap_ability).cloned(),
        Verdict::NotCovered(_) => None,
    };
    let fix = match &verdict {
        Verdict::NotCovered(Gap::Shadowed { wildcard_key, .. }) => Some(format!(
            "remove the wildcard allow on `{wildcard_key}` from grant `{}` and allow each resource by its id: `allow {} on {}`",
            grant.name,
            crate::syntax::format::ability(ability.as_str()),
            crate::syntax::format::quote(&resource.key())
        )),
        Verdict::NotCovered(Gap::AbilityNotValidForResource) => Some(format!(
            "`{ability}` applies to `{}://` resources",
            ability.resource_prefix()
        )),
        Verdict::NotCovered(_) => Some(format!(
            "add `allow {} on {}` to grant `{}`",
            crate::syntax::format::ability(ability.as_str()),
            crate::syntax::format::quote(&resource.key()),
            grant.name
        )),
        Verdict::Covered { .. } => None,
    };
    // The nodes' first check: the resource (or its wildcard) is among resourceAbilityRequests.
    let requested_by = session
        .requests
        .iter()
        .find(|r| crate::fit::requested(&r.resource, &resource))
        .cloned();
    Explanation {
        session: session.name.clone(),
        grant: grant.name.clone(),
        ability,
        resource,
        requested_by,
        verdict,
        allowed_by,
        fix,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explains_both_ways() {
        let text = "grant \"g\" {\n domain \"a\"\n allow pkp-signing on \"lit-pkp://*\"\n}\nsession \"s\" from \"g\" {\n request pkp-signing on \"lit-pkp://0a\"\n}\n";
        let l = crate::load::load_dsl(text);
        let s = l.policy.session("s").unwrap();
        let (a, r) = parse_question("pkp-signing on lit-pkp://0x0a").unwrap();
        let e = explain(&l.policy, s, a, r);
        assert!(e.ok());
        assert_eq!(
            e.allowed_by.as_ref().unwrap().written_resource(),
            "lit-pkp://*"
        );
        let (a, r) = parse_question("lit-action-execution on \"lit-litaction://Qm1\"").unwrap();
        let e = explain(&l.policy, s, a, r);
        assert!(!e.ok());
        assert_eq!(
            e.fix.as_deref(),
            Some("add `allow lit-action-execution on \"lit-litaction://Qm1\"` to grant `g`")
        );
        assert!(e.requested_by.is_none());
        assert!(parse_question("pkp-sign on lit-pkp://1")
            .unwrap_err()
            .to_string()
            .contains("did you mean `pkp-signing`"));
        assert!(parse_question("pkp-signing lit-pkp://1").is_err());
    }
}
