//! A SessionSigs bundle against a policy session: requests the session declares, a lifetime
//! within the session's `ttl`, and AuthSigs that grant no more than the session's grant, for
//! its domain and chain. What the nodes would say is [`super::node`]'s job.

use super::input::*;
use crate::diag::{Code, Diagnostic};
use crate::model::{Policy, Session};
use crate::time::{Timestamp, Ttl};
use crate::wire::authsig::{self, AuthSigKind};
use crate::wire::coverage;
use crate::wire::recap::Recap;
use crate::wire::siwe::{self, Flavor, SiweMessage};

/// Checks a SessionSigs map against a policy session (for what the nodes would say, see
/// [`verify_file`](super::verify_file)):
///
/// * every request must be one the session declares (`over-privilege`);
/// * the session signatures may not outlive the session's `ttl` (`ttl-too-long`);
/// * every AuthSig for the session key may grant no more than the session's grant
///   (`over-privilege`) and must name the grant's domain and chain (`domain-mismatch`).
///
/// Entries whose payload does not parse are skipped (their node verdicts say why).
pub fn check_against_session(
    file: &SessionSigsFile<'_>,
    policy: &Policy,
    session: &Session,
) -> Vec<Diagnostic> {
    let grant = policy.grants.get(session.grant);
    let grant_recap = grant.map(|g| g.recap());
    let declared: Vec<String> = session
        .requests
        .iter()
        .map(|c| format!("`{}` on `{}`", c.ability, c.resource.key()))
        .collect();
    let mut out = Vec::new();
    let mut seen_requests: Vec<(String, String, String)> = Vec::new();
    let mut seen_caps: Vec<(String, String)> = Vec::new();
    let mut lifetime_checked = false;
    for (_, entry) in &file.entries {
        let Some(text) = entry.signed_message.as_ref().and_then(Str::text) else {
            continue;
        };
        let Ok(p) = serde_json::from_str::<Payload<'_>>(text) else {
            continue;
        };
        for r in &p.resource_ability_requests {
            let key = (
                r.resource.resource_prefix.to_string(),
                r.resource.resource.to_string(),
                r.ability.to_string(),
            );
            if seen_requests.contains(&key) {
                continue;
            }
            let allowed = session.requests.iter().any(|c| {
                c.ability.as_str() == r.ability
                    && c.resource.prefix.as_str() == r.resource.resource_prefix
                    && (c.resource.id == r.resource.resource || c.resource.is_wildcard())
            });
            if !allowed {
                out.push(
                    Diagnostic::new(
                        Code::OverPrivilege,
                        format!(
                            "the session signatures request `{}` on `{}://{}`, which session `{}` does not request",
                            key.2, key.0, key.1, session.name
                        ),
                    )
                    .help(format!(
                        "request only what session `{}` declares ({}), or declare this request in the policy",
                        session.name,
                        declared.join(", ")
                    )),
                );
            }
            seen_requests.push(key);
        }
        if !lifetime_checked {
            lifetime_checked = true;
            if let (Ok(iat), Ok(exp)) = (
                Timestamp::parse_rfc3339(&p.issued_at),
                Timestamp::parse_rfc3339(&p.expiration),
            ) {
                if exp > iat.add_secs(session.ttl.secs() as i64) {
                    let lifetime = Ttl::from_secs(
                        exp.unix_secs().saturating_sub(iat.unix_secs()).max(0) as u64,
                    );
                    out.push(
                        Diagnostic::new(
                            Code::TtlTooLong,
                            format!(
                                "the session signatures last {lifetime} (`{iat}` to `{exp}`), longer than session `{}`'s ttl {}",
                                session.name, session.ttl
                            ),
                        )
                        .help(format!(
                            "pass an `expiration` at most {} after the issue time to `getSessionSigs`, or raise the session's `ttl`",
                            session.ttl
                        )),
                    );
                }
            }
        }
        let (Some(g), Some(g_recap)) = (grant, grant_recap.as_ref()) else {
            continue;
        };
        let session_uri = entry
            .address
            .as_ref()
            .and_then(Str::text)
            .map(siwe::session_key_uri);
        for (index, cap) in p.capabilities.iter().enumerate() {
            let key = (cap.sig.to_string(), cap.signed_message.to_string());
            if seen_caps.contains(&key) {
                continue;
            }
            seen_caps.push(key);
            if !matches!(
                authsig::kind_of(&cap.derived_via, cap.algo.as_deref()),
                AuthSigKind::Wallet | AuthSigKind::BlsNetwork
            ) {
                continue;
            }
            let Ok((m, _)) = SiweMessage::parse_with_spans(&cap.signed_message, Flavor::Node)
            else {
                continue;
            };
            // Capacity delegations and AuthSigs for other keys are not the session's grant.
            if session_uri.as_deref() != Some(m.uri.as_str()) {
                continue;
            }
            let who = format!("capability {index} (AuthSig of `{}`)", m.address);
            if let Some(domain) = &g.domain {
                if m.domain != domain.value {
                    out.push(
                        Diagnostic::new(
                            Code::DomainMismatch,
                            format!(
                                "{who} is signed in at `{}`, but grant `{}` is for `{}`",
                                m.domain, g.name, domain.value
                            ),
                        )
                        .help(format!(
                            "sign the AuthSig from grant `{}` (`litcap authsig`)",
                            g.name
                        )),
                    );
                }
            }
            if m.chain_id != g.chain_id {
                out.push(
                    Diagnostic::new(
                        Code::DomainMismatch,
                        format!(
                            "{who} is for chain {}, but grant `{}` is for chain {}",
                            m.chain_id, g.name, g.chain_id
                        ),
                    )
                    .help(format!(
                        "sign the AuthSig from grant `{}` (`litcap authsig`)",
                        g.name
                    )),
                );
            }
            for urn in m.recap_resources() {
                let Ok(d) = Recap::decode(urn) else { continue };
                for (res, ability) in coverage::uncovered_grants(g_recap, &d.recap) {
                    out.push(
                        Diagnostic::new(
                            Code::OverPrivilege,
                            format!(
                                "{who} grants `{ability}` on `{res}`, beyond grant `{}`",
                                g.name
                            ),
                        )
                        .help(format!(
                            "sign the AuthSig from grant `{}` (`litcap authsig`) so it grants only what the grant allows",
                            g.name
                        )),
                    );
                }
            }
        }
    }
    out
}
