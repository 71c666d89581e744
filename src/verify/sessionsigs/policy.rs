//! A SessionSigs bundle against a policy session: requests the session declares, a lifetime
//! within the session's `ttl`, and AuthSigs that grant no more than the session's grant, for
//! its domain and chain. What the nodes would say is [`super::node`]'s job.

use super::input::*;
use crate::diag::{Code, Diagnostic};
use crate::fit::{self, Audience, Finding};
use crate::model::{Policy, Session};
use crate::time::{Timestamp, Ttl};
use crate::wire::authsig::{self, AuthSigKind};
use crate::wire::lit::{Resource, ResourcePrefix};
use crate::wire::recap::Recap;
use crate::wire::siwe::{Flavor, SiweMessage};

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
    let profile = &crate::profile::DATIL;
    let grant = policy.grants.get(session.grant);
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
            // Declared: the same ability, on a resource the nodes would find among the
            // session's requests.
            let allowed = session.requests.iter().any(|c| {
                c.ability.as_str() == r.ability
                    && ResourcePrefix::parse(&r.resource.resource_prefix).is_some_and(|prefix| {
                        fit::requested(
                            &c.resource,
                            &Resource {
                                prefix,
                                id: r.resource.resource.to_string(),
                            },
                        )
                    })
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
        let Some(g) = grant else { continue };
        let session_key = entry.address.as_ref().and_then(Str::text);
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
            let Some(key) = session_key else { continue };
            if fit::judge_audience(&m, Audience::SessionKey(key), profile).is_some() {
                continue;
            }
            let kind = authsig::kind_of(&cap.derived_via, cap.algo.as_deref());
            let who = format!("capability {index} (AuthSig of `{}`)", m.address);
            out.extend(judge_against_grant(
                profile,
                kind,
                &cap.address,
                &m,
                g,
                &who,
            ));
        }
    }
    out
}

/// One AuthSig's message against a grant: nothing beyond it, its domain, chain and lifetime,
/// and its `signer pkp` / `auth-action` lines.
fn judge_against_grant(
    profile: &crate::profile::Profile,
    kind: AuthSigKind,
    address: &str,
    m: &SiweMessage,
    g: &crate::model::Grant,
    who: &str,
) -> Vec<Diagnostic> {
    let expect = crate::verify::check::grant_expectation(g);
    let recaps: Vec<Recap> = m
        .recap_resources()
        .filter_map(|urn| Recap::decode(urn).ok().map(|d| d.recap))
        .collect();
    let indexed: Vec<(usize, &Recap)> = recaps.iter().enumerate().collect();
    let mut findings = fit::judge_grant(profile, m, &indexed, &expect);
    match &expect.pkp {
        Some(pkp) => findings.extend(fit::judge_signer(kind, address, m, &indexed, pkp)),
        None => findings.extend(fit::signer::judge_undeclared_signer(kind, m, &indexed)),
    }
    render_grant_findings(&findings, g, who)
}

/// `verify FILE --policy` of a lone AuthSig: judged against the session's grant as a
/// capability of a bundle is (its session key is not known here: `--session-key` is the
/// node verdict's business). Not an AuthSig of a wallet or of the network: nothing to say.
pub fn check_lone_authsig_against_session(
    text: &str,
    policy: &Policy,
    session: &Session,
) -> Vec<Diagnostic> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text.trim_start_matches('\u{feff}'))
    else {
        return Vec::new();
    };
    let field = |k: &str| {
        v.get(k)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
    };
    let kind = authsig::kind_of(field("derivedVia"), v.get("algo").and_then(|a| a.as_str()));
    if !matches!(kind, AuthSigKind::Wallet | AuthSigKind::BlsNetwork) {
        return Vec::new();
    }
    let (Some(g), Ok((m, _))) = (
        policy.grants.get(session.grant),
        SiweMessage::parse_with_spans(field("signedMessage"), Flavor::Node),
    ) else {
        return Vec::new();
    };
    let who = format!("the AuthSig of `{}`", m.address);
    judge_against_grant(policy.profile(), kind, field("address"), &m, g, &who)
}

/// The fit engine's findings against the grant, for `verify --policy`: domain and chain
/// first (as `verify` has always listed them), then each capability beyond the grant and the
/// lifetime, in the engine's order.
fn render_grant_findings(
    findings: &[Finding],
    g: &crate::model::Grant,
    who: &str,
) -> Vec<Diagnostic> {
    let again = format!(
        "sign the AuthSig from grant `{}` (`litcap authsig`)",
        g.name
    );
    let mut out = Vec::new();
    for f in findings {
        match f {
            Finding::DomainMismatch { expected, found } => out.push(
                Diagnostic::new(
                    Code::DomainMismatch,
                    format!(
                        "{who} is signed in at `{found}`, but grant `{}` is for `{expected}`",
                        g.name
                    ),
                )
                .help(again.clone()),
            ),
            Finding::ChainMismatch { expected, found } => out.push(
                Diagnostic::new(
                    Code::DomainMismatch,
                    format!(
                        "{who} is for chain {found}, but grant `{}` is for chain {expected}",
                        g.name
                    ),
                )
                .help(again.clone()),
            ),
            _ => {}
        }
    }
    for f in findings {
        match f {
            Finding::LifetimeTooLong { lifetime_ms, max } => out.push(
                Diagnostic::new(
                    Code::LifetimeTooLong,
                    format!(
                        "{who} lives {}, longer than grant `{}` allows (`max-ttl {max}`)",
                        Ttl(((*lifetime_ms).max(0) / 1000) as u64),
                        g.name
                    ),
                )
                .help(again.clone()),
            ),
            Finding::OverPrivilege {
                resource, ability, ..
            } => out.push(
                Diagnostic::new(
                    Code::OverPrivilege,
                    format!(
                        "{who} grants `{ability}` on `{resource}`, beyond grant `{}`",
                        g.name
                    ),
                )
                .help(format!(
                    "sign the AuthSig from grant `{}` (`litcap authsig`) so it grants only what the grant allows",
                    g.name
                )),
            ),
            _ => {}
        }
    }
    out.extend(render_signer_findings(findings, g, who));
    out
}

/// The signer findings ([`crate::fit::signer`]) for `verify --policy`.
fn render_signer_findings(
    findings: &[Finding],
    g: &crate::model::Grant,
    who: &str,
) -> Vec<Diagnostic> {
    let list = |cids: &[String]| {
        cids.iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    findings
        .iter()
        .filter_map(|f| {
            Some(match f {
                Finding::SignerNotPkp { expected, signer } => Diagnostic::new(
                    Code::SignerNotPkp,
                    format!(
                        "{who} is signed by the wallet `{signer}`, but grant `{}` is for the PKP `{}` (a `lit.bls` AuthSig the network signs)",
                        g.name,
                        expected.to_checksum()
                    ),
                )
                .help("mint the session with `getPkpSessionSigs` / `getLitActionSessionSigs`, or remove `signer pkp` if a wallet signs this grant"),
                Finding::PkpMismatch {
                    expected,
                    found,
                    field,
                } => Diagnostic::new(
                    Code::PkpMismatch,
                    format!(
                        "{who} is for the PKP `{found}` ({}), but grant `{}` is for `{}`",
                        match field {
                            fit::PkpField::Siwe => "the signed SIWE address",
                            fit::PkpField::Json => "its `address`",
                        },
                        g.name,
                        expected.to_checksum()
                    ),
                )
                .help("mint the session with the grant's PKP, or correct the address in `signer pkp`"),
                Finding::AuthActionNotAllowed { cid, allowed } => Diagnostic::new(
                    Code::AuthActionNotAllowed,
                    format!(
                        "{who} was authorized by the Lit Action `{cid}`, which grant `{}` does not list",
                        g.name
                    ),
                )
                .help(if allowed.is_empty() {
                    format!("add `auth-action \"{cid}\"` to grant `{}` if this action may mint its sessions", g.name)
                } else {
                    format!("the grant allows {}; add `auth-action \"{cid}\"` if this action may mint its sessions too", list(allowed))
                }),
                Finding::AuthActionMissing { allowed } => Diagnostic::new(
                    Code::AuthActionMissing,
                    format!(
                        "{who} was authorized by no Lit Action, but grant `{}` expects one of {}",
                        g.name,
                        list(allowed)
                    ),
                )
                .severity(crate::diag::Severity::Warning)
                .help("mint the session with `getLitActionSessionSigs` and a listed action, or list no `auth-action` if auth methods may mint it"),
                Finding::PkpUndeclared { pkp, actions } => Diagnostic::new(
                    Code::PkpUndeclared,
                    format!(
                        "{who} is a PKP session's (the Lit network signed it for `{pkp}`), and grant `{}` names no signer: any PKP's session with these capabilities fits it",
                        g.name
                    ),
                )
                .help(signer_lines_help(pkp, actions)),
                _ => return None,
            })
        })
        .collect()
}

/// The lines that declare a PKP session's signer: `signer pkp` and one `auth-action` each.
pub(crate) fn signer_lines_help(pkp: &str, actions: &[String]) -> String {
    let mut lines = format!("add `signer pkp \"{pkp}\"`");
    for a in actions {
        lines.push_str(&format!(", `auth-action \"{a}\"`"));
    }
    format!("{lines} to the grant, so that only this PKP's sessions fit it")
}
