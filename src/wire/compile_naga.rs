//! `compile --network naga`: a compiled session as SDK v8 writes it.
//!
//! Rules and sources (each also in [`crate::wire::naga`]):
//! - every request and allow must be in the Naga vocabulary (`@lit-protocol/constants` 9.0.1:
//!   no `lit-ratelimitincrease` / `rate-limit-increase-auth`; capacity credits became payment
//!   delegation, `litcap delegate --network naga`);
//! - `resourceAbilityRequests` write `resourcePrefix` before `resource` (`AuthConfigSchema`);
//! - the SIWE statement defaults to `""` (`AuthConfigSchema`), so a grant without `statement`
//!   gives `" I further authorize …"` (vectors 08, 09);
//! - the SIWE domain is cut at its first `/` (`DomainSchema`, vector 14).

use crate::model::{Policy, Session};
use crate::profile::Profile;
use crate::wire::compile::Compiled;
use serde_json::{Map, Value};

/// A Datil-only construct in a session compiled for another profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutsideVocabulary {
    /// `request` or `allow`.
    pub kind: &'static str,
    pub ability: String,
    pub resource: String,
}

impl OutsideVocabulary {
    pub fn message(&self, profile: &Profile) -> String {
        format!(
            "`{} {} on \"{}\"` is not in the {} vocabulary",
            self.kind, self.ability, self.resource, profile.name
        )
    }

    /// What replaces it.
    pub fn help(&self) -> &'static str {
        "capacity credits (`lit-ratelimitincrease`, `rate-limit-increase-auth`) are Datil's; on Naga the payer signs a payment delegation (`litcap delegate --network naga --max-price WEI --scope …`) and the session passes it to `sign --payment-delegation`"
    }
}

/// The session's and its grant's capabilities outside the profile's vocabulary.
pub fn outside_vocabulary(
    policy: &Policy,
    session: &Session,
    profile: &Profile,
) -> Vec<OutsideVocabulary> {
    let grant = &policy.grants[session.grant];
    let allowed = |c: &crate::model::Capability| {
        profile.prefixes.contains(&c.resource.prefix) && profile.abilities.contains(&c.ability)
    };
    session
        .requests
        .iter()
        .map(|c| ("request", c))
        .chain(grant.allows.iter().map(|c| ("allow", c)))
        .filter(|(_, c)| !allowed(c))
        .map(|(kind, c)| OutsideVocabulary {
            kind,
            ability: c.ability.to_string(),
            resource: c.resource.to_string(),
        })
        .collect()
}

/// `check --network NAME`: every allow and request outside the profile's vocabulary, as an
/// `unknown-ability` (or `unknown-resource-prefix`) error at its position, whose help names
/// the replacement. `only` limits it to one session and its grant.
pub fn vocabulary_diagnostics(
    policy: &Policy,
    profile: &Profile,
    only: Option<&str>,
) -> Vec<crate::diag::Diagnostic> {
    use crate::diag::{Code, Diagnostic};
    let sessions: Vec<&Session> = policy
        .sessions
        .iter()
        .filter(|s| only.is_none_or(|n| s.name == n))
        .collect();
    let grants: Vec<usize> = match only {
        Some(_) => sessions.iter().map(|s| s.grant).collect(),
        None => (0..policy.grants.len()).collect(),
    };
    let caps = grants
        .iter()
        .flat_map(|g| policy.grants[*g].allows.iter().map(|c| ("allow", c)))
        .chain(
            sessions
                .iter()
                .flat_map(|s| s.requests.iter().map(|c| ("request", c))),
        );
    let mut out = Vec::new();
    for (kind, c) in caps {
        let o = OutsideVocabulary {
            kind,
            ability: c.ability.to_string(),
            resource: c.resource.to_string(),
        };
        if !profile.prefixes.contains(&c.resource.prefix) {
            out.push(
                Diagnostic::new(Code::UnknownResourcePrefix, o.message(profile))
                    .at(c.resource_span(), format!("not a {} prefix", profile.name))
                    .help(o.help()),
            );
        } else if !profile.abilities.contains(&c.ability) {
            out.push(
                Diagnostic::new(Code::UnknownAbility, o.message(profile))
                    .at(c.ability_span(), format!("not a {} ability", profile.name))
                    .help(o.help()),
            );
        }
    }
    out
}

/// A request object in v8 key order: `resource: {resourcePrefix, resource}`.
fn v8_request(v: &Value) -> Value {
    let mut out = v.clone();
    if let Some(r) = v.get("resource").and_then(Value::as_object) {
        let mut m = Map::new();
        for k in ["resourcePrefix", "resource"] {
            if let Some(x) = r.get(k) {
                m.insert(k.into(), x.clone());
            }
        }
        out["resource"] = Value::Object(m);
    }
    out
}

/// Rewrites a Datil compilation into the v8 form.
pub fn to_naga(compiled: &mut Compiled, policy: &Policy, session: &Session) {
    let grant = &policy.grants[session.grant];
    compiled.resource_ability_requests = compiled
        .resource_ability_requests
        .iter()
        .map(v8_request)
        .collect();
    if grant.statement.is_none() {
        // `createSiweMessage` with statement `""`: the recap sentence after one space.
        compiled.statement = if compiled.recap.is_empty() {
            String::new()
        } else {
            format!(" {}", compiled.recap.statement())
        };
        if let Some(m) = compiled.siwe.as_mut() {
            m.statement = Some(compiled.statement.clone());
        }
    }
    if let Some(m) = compiled.siwe.as_mut() {
        m.domain = crate::wire::naga::session_domain(&m.domain);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_take_the_v8_key_order() {
        let v: Value = serde_json::from_str(
            r#"{"resource":{"resource":"*","resourcePrefix":"lit-pkp"},"ability":"pkp-signing"}"#,
        )
        .unwrap();
        assert_eq!(
            crate::json::stringify(&v8_request(&v)),
            r#"{"resource":{"resourcePrefix":"lit-pkp","resource":"*"},"ability":"pkp-signing"}"#
        );
    }
}
