//! `check --authsig`: the fit engine's signer findings ([`crate::fit::signer`]) as
//! diagnostics pointing into the AuthSig and at the grant's `signer` / `auth-action` lines.

use crate::diag::{Code, Diagnostic, Diagnostics, Span};
use crate::fit::{Finding, PkpField};
use crate::model::Grant;
use crate::wire::authsig::{AuthSigFile, AuthSigReport};

/// The signer findings of one grant, in the engine's order.
pub fn render_signer_findings(
    findings: &[Finding],
    grant: &Grant,
    checked: &AuthSigReport,
    file: &AuthSigFile,
    recap_span: &dyn Fn(usize) -> Option<Span>,
    diags: &mut Diagnostics,
) {
    let siwe = |r: Option<std::ops::Range<usize>>| {
        r.map(|r| file.message_span(r))
            .unwrap_or(file.signed_message)
    };
    let spans = checked.siwe_spans.as_ref();
    // The resource carrying the auth context, for the action findings.
    let context_span = checked
        .recaps
        .iter()
        .find(|r| {
            r.decoded.as_ref().is_ok_and(|d| {
                d.recap
                    .abilities_for(crate::wire::auth_context::RESOURCE_KEY)
                    .is_some()
            })
        })
        .and_then(|r| recap_span(r.resource_index))
        .unwrap_or(file.signed_message);
    for f in findings {
        if let Finding::PkpUndeclared { pkp, actions } = f {
            diags.push(
                Diagnostic::new(
                    Code::PkpUndeclared,
                    format!(
                        "the AuthSig is a PKP session's (the Lit network signed it for `{pkp}`), and grant `{}` names no signer: any PKP's session with these capabilities fits it",
                        grant.name
                    ),
                )
                .at(file.derived_via, "network-signed")
                .related(grant.name_span, "the grant")
                .help(crate::verify::sessionsigs::signer_lines_help(pkp, actions)),
            );
            continue;
        }
        let Some(pkp) = &grant.signer else { continue };
        let d = match f {
            Finding::SignerNotPkp { expected, signer } => Diagnostic::new(
                Code::SignerNotPkp,
                format!(
                    "the AuthSig is signed by the wallet `{signer}`, but grant `{}` is for the PKP `{}`, whose AuthSigs the Lit network signs (`derivedVia: lit.bls`)",
                    grant.name,
                    expected.to_checksum()
                ),
            )
            .at(file.derived_via, "a wallet signature")
            .related(pkp.stmt_span, "the grant's signer")
            .help("get the session from `getPkpSessionSigs` / `getLitActionSessionSigs` (the AuthSig in its `capabilities`), or remove `signer pkp` if a wallet signs this grant"),
            Finding::PkpMismatch {
                expected,
                found,
                field,
            } => {
                let (what, span) = match field {
                    PkpField::Siwe => (
                        "the network signed the AuthSig for",
                        siwe(spans.map(|s| s.address.clone())),
                    ),
                    PkpField::Json => ("the AuthSig's `address` names", file.address),
                };
                Diagnostic::new(
                    Code::PkpMismatch,
                    format!(
                        "{what} the PKP `{found}`, but grant `{}` is for `{}`",
                        grant.name,
                        expected.to_checksum()
                    ),
                )
                .at(span, "another PKP")
                .related(pkp.span, "the grant's PKP")
                .help(match field {
                    PkpField::Siwe => "mint the session with the grant's PKP (`pkpPublicKey` of that PKP), or correct the address in `signer pkp`",
                    PkpField::Json => "the signed SIWE address is the grant's PKP, but `address` was changed after signing: take the AuthSig as the SDK returned it",
                })
            }
            Finding::AuthActionNotAllowed { cid, allowed } => {
                let mut d = Diagnostic::new(
                    Code::AuthActionNotAllowed,
                    format!(
                        "the Lit Action `{cid}` authorized this session, and grant `{}` does not list it",
                        grant.name
                    ),
                )
                .at(context_span, "auth context (`actionIpfsIds`)")
                .help(if allowed.is_empty() {
                    format!("add `auth-action \"{cid}\"` to grant `{}` if this action may mint its sessions", grant.name)
                } else {
                    format!(
                        "the grant allows {}; add `auth-action \"{cid}\"` if this action may mint its sessions too",
                        allowed.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
                    )
                });
                if let Some(first) = grant.auth_actions.first() {
                    d = d.related(first.span, "the grant's Lit Actions");
                }
                d
            }
            Finding::AuthActionMissing { allowed } => {
                let mut d = Diagnostic::new(
                    Code::AuthActionMissing,
                    format!(
                        "no Lit Action authorized this session (its auth context lists none), but grant `{}` expects one of {}",
                        grant.name,
                        allowed.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
                    ),
                )
                .at(context_span, "no `actionIpfsIds`")
                .help("a PKP auth method minted it directly (`getPkpSessionSigs` without `litActionIpfsId`); mint it with `getLitActionSessionSigs` and a listed action, or list no `auth-action` if auth methods may mint it");
                if let Some(first) = grant.auth_actions.first() {
                    d = d.related(first.span, "the grant's Lit Actions");
                }
                d
            }
            _ => continue,
        };
        diags.push(d);
    }
}
