//! How `check --authsig` words the fit engine's findings about an AuthSig: each finding as a
//! diagnostic with its span in the file (the kind and signature, the signer, time, URI,
//! recaps, coverage, the SDK's objections), and the lints on the AuthSig alone (a future issue
//! time, its own lifetime, non-canonical or `*/*` recaps, several recaps). [`super::check`]
//! decides which apply; the words and their `help` are here.

use super::report::*;
use super::{AuthSig, AuthSigFile, AuthSigKind};
use crate::diag::{Code, Diagnostic, Diagnostics, Severity, Span};
use crate::fit::Finding;
use crate::time::{Timestamp, Ttl};
use crate::wire::coverage::{Gap, Request};
use crate::wire::recap;
use crate::wire::siwe::{SiweField, SiweMessage, SiweSpans};
use std::ops::Range;

/// Plain-language reason and fix for a coverage gap.
pub fn describe_gap(gap: &Gap, request: &Request) -> (String, String) {
    let key = request.resource.key();
    let ra = request.ability.recap_ability();
    match gap {
        Gap::AbilityNotValidForResource => {
            let valid: Vec<String> = request
                .resource
                .prefix
                .abilities()
                .map(|a| format!("`{a}`"))
                .collect();
            (
                format!(
                    "`{}` cannot be used on `{}` resources",
                    request.ability,
                    request.resource.prefix
                ),
                format!("request one of {} on `{key}`", valid.join(", ")),
            )
        }
        Gap::NoResourceKey => (
            format!(
                "no recap grants anything on `{key}` or `{}`",
                request.resource.wildcard_key()
            ),
            format!("sign a new AuthSig whose recap grants `{ra}` on `{key}` (put this request in `resources`)"),
        ),
        Gap::AbilityMissing { key: granted_key, granted } => (
            format!(
                "`{granted_key}` grants only {}, not `{ra}`",
                granted
                    .iter()
                    .map(|g| format!("`{g}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            format!("sign a new AuthSig whose recap also grants `{ra}` on `{granted_key}`"),
        ),
        Gap::Shadowed {
            wildcard_key,
            specific_key,
        } => (
            format!(
                "`{wildcard_key}` hides `{specific_key}`: when the wildcard key exists the nodes and the SDK look only at it, and it does not grant `{ra}`"
            ),
            format!("grant `{ra}` on `{wildcard_key}` as well, or drop the wildcard key"),
        ),
    }
}

pub(super) struct Loc<'a> {
    pub(super) file: Option<&'a AuthSigFile>,
    pub(super) spans: Option<&'a SiweSpans>,
}

impl Loc<'_> {
    pub(super) fn field(&self, pick: fn(&AuthSigFile) -> Span) -> Option<Span> {
        self.file.map(pick)
    }

    pub(super) fn siwe(&self, r: Option<Range<usize>>) -> Option<Span> {
        Some(self.file?.message_span(r?))
    }

    pub(super) fn siwe_field(&self, f: SiweField) -> Option<Span> {
        self.siwe(self.spans.and_then(|s| s.get(f)))
            .or_else(|| self.field(|a| a.signed_message))
    }
}

pub(super) fn at(d: Diagnostic, span: Option<Span>, label: &str) -> Diagnostic {
    match span {
        Some(s) => d.at(s, label),
        None => d,
    }
}

/// The AuthSig's kind, its message's syntax and its signature's form.
pub(super) fn render_form(f: &Finding, a: &AuthSig, loc: &Loc<'_>) -> Option<Diagnostic> {
    Some(match f {
        Finding::NotAWalletSignature {
            kind: AuthSigKind::Session,
            ..
        } => at(
            Diagnostic::new(
                Code::InvalidJson,
                "this is a session signature (`derivedVia: litSessionSignViaNacl`, `algo: ed25519`), not an AuthSig",
            )
            .help("check SessionSigs maps with `litcap verify`"),
            loc.field(|f| f.derived_via),
            "session signature",
        ),
        Finding::NotAWalletSignature { .. } => at(
            Diagnostic::new(
                Code::SignatureFormat,
                format!("`derivedVia` `{}` marks an EIP-1271 contract-wallet signature, which the nodes do not accept as a session capability", a.derived_via),
            )
            .help("sign the SIWE message with an EOA wallet (`derivedVia: web3.eth.personal.sign`)"),
            loc.field(|f| f.derived_via),
            "",
        ),
        Finding::BlsUnverifiable { .. } => at(
            Diagnostic::new(
                Code::NetworkKeyMissing,
                "this PKP AuthSig (`lit.bls`) is signed by the Lit network's BLS key, and no network key was given to verify it",
            )
            .help("pass the network's BLS public key with `--network-key HEX` (48 bytes, the handshake's `networkPublicKey`), or `--handshake URL` to read it from a node"),
            loc.field(|f| f.sig),
            "BLS signature",
        ),
        Finding::BlsSignatureFormat { why } => at(
            Diagnostic::new(
                Code::SignatureFormat,
                format!("the BLS `sig` does not decode as the nodes decode it: {why} (node: `NodeSIWESigConversionError`)"),
            )
            .help("`sig` is `{\"ProofOfPossession\":\"<192 hex digits>\"}`, as the SDK's `signSessionKey` writes it"),
            loc.field(|f| f.sig),
            "BLS signature",
        ),
        Finding::BlsSignatureInvalid { why } => at(
            Diagnostic::new(
                Code::SignatureMismatch,
                format!("{why} (node: `NodeSIWEMessageError`)"),
            )
            .help("the SIWE message was changed after the network signed it, or another network (key) signed it: check `--network-key`, or get a new PKP session signature"),
            loc.field(|f| f.sig),
            "BLS signature",
        ),
        Finding::SiweUnreadable {
            error: e,
            nodes_accept,
        } => {
            let suffix = if *nodes_accept {
                " (the nodes' parser accepts it, but the SDK's throws, so `getSessionSigs` fails)"
            } else {
                ""
            };
            at(
                Diagnostic::new(Code::SiweSyntax, format!("{}{suffix}", e.message)).help(e.help()),
                loc.siwe(Some(e.span.clone()))
                    .or_else(|| loc.field(|f| f.signed_message)),
                e.field.label(),
            )
        }
        Finding::SignatureFormat { error: e } => at(
            Diagnostic::new(Code::SignatureFormat, format!("`sig` is not an EIP-191 signature: {e}"))
                .help("`sig` is `0x` and 130 hex digits: r (32 bytes), s (32 bytes) and v (27 or 28), as `signer.signMessage` returns it"),
            loc.field(|f| f.sig),
            "",
        ),
        Finding::SignatureWithout0x => at(
            Diagnostic::new(
                Code::SignatureFormat,
                "`sig` has no `0x` prefix: the nodes accept it, but the SDK's ethers `verifyMessage` rejects it, so `getSessionSigs` asks the wallet to sign again every time",
            )
            .severity(Severity::Warning)
            .help("write the signature as `0x` followed by its hex digits"),
            loc.field(|f| f.sig),
            "",
        ),
        _ => return None,
    })
}

/// Who signed, and the `address` field.
pub(super) fn render_signer(f: &Finding, loc: &Loc<'_>) -> Option<Diagnostic> {
    Some(match f {
        Finding::SignatureMismatch {
            recovered,
            address,
            matches_text_as_written,
        } => {
            let message = if *matches_text_as_written {
                "the signature matches the message as written, but the SDK and the nodes verify the message re-written from its fields, which differs".to_string()
            } else {
                match recovered {
                    Some(r) => format!("the signature was made by `{r}`, not by the SIWE address `{address}`"),
                    None => format!("the signature does not recover to any address (the SIWE address is `{address}`)"),
                }
            };
            at(
                Diagnostic::new(Code::SignatureMismatch, message).help(
                    "the `signedMessage` was changed after signing, or another wallet signed it: have the wallet of the SIWE address sign the exact message again",
                ),
                loc.field(|f| f.sig),
                "",
            )
        }
        Finding::AddressField { field, siwe } => at(
            Diagnostic::new(
                Code::AddressMismatch,
                format!("`address` is `{field}` but the SIWE message is signed in as `{siwe}`"),
            )
            .help("set `address` to the SIWE address (the SDK's `generateAuthSig` does so)"),
            loc.field(|f| f.address),
            "",
        ),
        _ => return None,
    })
}

/// Expired or not yet valid, by the SDK's and the nodes' windows.
pub(super) fn render_time(findings: &[Finding], loc: &Loc<'_>, diags: &mut Diagnostics) {
    for f in findings {
        match f {
            Finding::Expired {
                expiration: exp,
                at: now,
                node,
                ..
            } => {
                let message = if *node {
                    format!("the AuthSig expired at `{exp}` (checked at `{now}`)")
                } else {
                    format!("the AuthSig expires at `{exp}`, exactly now: the SDK already counts it as expired, the nodes accept it until that instant has passed")
                };
                diags.push(at(
                    Diagnostic::new(Code::Expired, message)
                        .help("sign a new AuthSig with a later `Expiration Time` (the SDK's `expiration` parameter)"),
                    loc.siwe_field(SiweField::ExpirationTime),
                    "Expiration Time",
                ));
            }
            Finding::NotYetValid {
                not_before: nbf,
                at: now,
                sdk,
                ..
            } => {
                let message = if *sdk {
                    format!("the AuthSig is not valid before `{nbf}` (checked at `{now}`)")
                } else {
                    format!("the AuthSig's `Not Before` is `{nbf}`, exactly now: the SDK accepts it, the nodes only after that instant")
                };
                diags.push(at(
                    Diagnostic::new(Code::NotYetValid, message)
                        .help("wait until `Not Before`, or sign without a `Not Before` line"),
                    loc.siwe_field(SiweField::NotBefore),
                    "Not Before",
                ));
            }
            _ => {}
        }
    }
}

/// The ed25519 public key (hex) of `hex_text` read as a 32-byte seed, if it is 64 hex digits.
fn public_of_seed(hex_text: &str) -> Option<String> {
    let t = hex_text.strip_prefix("0x").unwrap_or(hex_text);
    let mut seed = zeroize::Zeroizing::new([0u8; 32]);
    hex::decode_to_slice(t, seed.as_mut()).ok()?;
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    Some(hex::encode(key.verifying_key().to_bytes()))
}

/// The URI against the session key.
pub(super) fn render_uri(f: &Finding, session_key: Option<&str>, loc: &Loc<'_>) -> Diagnostic {
    let d = match (f, session_key) {
        (Finding::UriMismatch { expected, found }, Some(key)) => {
            // A seed given where a public key belongs, on either side: say so, and name the
            // public key, never the seed.
            let named = found.strip_prefix(crate::wire::siwe::SESSION_KEY_URI_PREFIX);
            let (message, help) = match named {
                Some(n) if public_of_seed(key).is_some_and(|p| p.eq_ignore_ascii_case(n)) => (
                    format!("the AuthSig is for `{found}`, the public key of the value given as the session key: that value is the key's secret seed"),
                    format!("pass the public key `{n}` to `--session-key` (never the seed)"),
                ),
                Some(n) if public_of_seed(n).is_some_and(|p| p.eq_ignore_ascii_case(key)) => (
                    format!("the AuthSig names the secret seed of the session key `{key}` instead of its public key"),
                    format!("sign a new AuthSig with `litcap authsig ... --session-key {key}` (or give `authsig` the seed with `--session-key-seed-file`), and keep the seed secret: it is in this AuthSig's message"),
                ),
                _ => (
                    format!("the AuthSig is for `{found}`, not for the session key `{key}`"),
                    format!("sign a new AuthSig whose URI is `{expected}` (the SDK passes it to `authNeededCallback` as `uri`)"),
                ),
            };
            Diagnostic::new(Code::SessionKeyMismatch, message).help(help)
        }
        // ERC-5573 (`--uri`): the relying party the AuthSig must name.
        (Finding::UriMismatch { expected, found }, None) => Diagnostic::new(
            Code::SessionKeyMismatch,
            format!("the AuthSig is for `{found}`, not for `{expected}`"),
        )
        .help(format!("sign a new AuthSig whose SIWE `URI` is `{expected}` (siwe-recap's delegee)")),
        (f, _) => Diagnostic::new(
            Code::SessionKeyMismatch,
            format!("the URI `{}` names no session key; the nodes accept an AuthSig as a session capability only if its URI is `lit:session:<session public key>`", match f {
                Finding::UriNamesNoSessionKey { found } | Finding::UriMismatch { found, .. } => found.as_str(),
                _ => "",
            }),
        )
        .severity(Severity::Warning)
        .help("sign the AuthSig for the session key: URI `lit:session:<public key hex>`"),
    };
    at(d, loc.siwe_field(SiweField::Uri), "URI")
}

/// Each recap: the fit findings (does not decode, does not end the statement) and the
/// lints (not canonical, `*/*`, several recaps, a repeated preamble).
pub(super) fn render_recaps(
    m: &SiweMessage,
    recaps: &[RecapEntry],
    own: &[Finding],
    loc: &Loc<'_>,
    diags: &mut Diagnostics,
) {
    let res_span = |i: usize| loc.siwe(loc.spans.and_then(|s| s.resources.get(i).cloned()));
    for r in recaps {
        let i = r.resource_index;
        let here = |f: &&Finding| match f {
            Finding::RecapUndecodable { resource_index, .. }
            | Finding::RecapStatementMismatch { resource_index, .. } => *resource_index == i,
            _ => false,
        };
        match &r.decoded {
            Err(e) => diags.push(at(
                Diagnostic::new(
                    Code::RecapInvalid,
                    format!("resource {} does not decode: {e}", siwe_quote(&r.urn)),
                )
                .help("rebuild the recap with the SDK or litcap: base64url (no padding) of canonical JSON `{\"att\":{...},\"prf\":[]}` with sorted keys; the nodes skip a recap that does not decode, and the SDK throws if it is the first resource"),
                res_span(i),
                "recap",
            )),
            Ok(d) => {
                if !d.canonical {
                    diags.push(at(
                        Diagnostic::new(
                            Code::RecapNotCanonical,
                            format!("resource {} decodes but is not in canonical form (re-encoding gives `{}`)", siwe_quote(&r.urn), d.recap.encode()),
                        )
                        .help("use the canonical encoding: unpadded base64url of the canonical JSON"),
                        res_span(i),
                        "recap",
                    ));
                }
                if let Some(Finding::RecapStatementMismatch {
                    sentence,
                    has_statement,
                    ..
                }) = own.iter().find(here)
                {
                    let d = if *has_statement {
                        Diagnostic::new(
                            Code::RecapStatementMismatch,
                            format!("the statement does not end with the recap's sentence `{sentence}`"),
                        )
                        .help("end the statement with the sentence the recap generates (the SDK's `createSiweMessageWithRecaps` does); the nodes reject this AuthSig")
                    } else {
                        Diagnostic::new(
                            Code::RecapStatementMismatch,
                            "the message has no statement, so the wallet showed no description of what the recap grants (the nodes accept it)",
                        )
                        .severity(Severity::Warning)
                        .help(format!("add the statement `{sentence}`"))
                    };
                    diags.push(at(d, loc.siwe_field(SiweField::Statement), "statement"));
                }
                for (key, abilities) in d.recap.attenuations() {
                    if abilities.contains_key("*/*") {
                        diags.push(at(
                            Diagnostic::new(
                                Code::WildcardAbility,
                                format!("the recap grants `*/*` (every ability) on `{key}`"),
                            )
                            .help("grant only the abilities the session needs, e.g. `Threshold/Execution` for Lit Actions"),
                            res_span(i),
                            "recap",
                        ));
                    }
                }
            }
        }
    }
    if recaps.len() > 1 {
        diags.push(at(
            Diagnostic::new(
                Code::MultipleRecaps,
                format!("the AuthSig carries {} `urn:recap:` resources", recaps.len()),
            )
            .help("merge them into one recap: the SDK reads only the first resource, siwe-recap merges new grants into the last, and the nodes try every recap, so the three disagree"),
            recaps.get(1).and_then(|r| res_span(r.resource_index)),
            "second recap",
        ));
    }
    if let Some(s) = &m.statement {
        if s.matches(recap::STATEMENT_PREFIX).count() > 1 {
            diags.push(at(
                Diagnostic::new(
                    Code::RepeatedRecapPreamble,
                    "the recap sentence `I further authorize the stated URI…` appears more than once in the statement",
                )
                .help("build the message from one merged recap so the wallet shows one list of grants"),
                loc.siwe_field(SiweField::Statement),
                "statement",
            ));
        }
    }
}

/// A request the nodes do not cover, or that only a recap the SDK ignores covers.
pub(super) fn render_coverage(
    f: &Finding,
    first_recap: Option<usize>,
    loc: &Loc<'_>,
) -> Option<Diagnostic> {
    let resource_span = |i: usize| loc.siwe(loc.spans.and_then(|s| s.resources.get(i).cloned()));
    Some(match f {
        Finding::NotCovered {
            resource,
            ability,
            gap,
            ..
        } => {
            let q = Request {
                resource: resource.clone(),
                ability: *ability,
            };
            let (why, help) = describe_gap(gap, &q);
            at(
                Diagnostic::new(
                    Code::RequestNotCovered,
                    format!(
                        "the AuthSig does not grant `{ability}` on `{}`: {why}",
                        resource.key()
                    ),
                )
                .help(help),
                first_recap
                    .and_then(resource_span)
                    .or_else(|| loc.siwe_field(SiweField::Resources)),
                "recap",
            )
        }
        Finding::SdkNotCovered {
            resource,
            ability,
            granted_by,
            ..
        } => at(
            Diagnostic::new(
                Code::SdkMismatch,
                format!(
                    "the nodes accept `{ability}` on `{}` (granted by resource {}), but the SDK reads only the first resource, so `getSessionSigs` asks the wallet to sign again every time",
                    resource.key(),
                    granted_by + 1
                ),
            )
            .help("put every grant into the first (and only) `urn:recap:` resource"),
            resource_span(0),
            "the SDK reads only this resource",
        ),
        _ => return None,
    })
}

/// What makes the SDK throw before it judges the AuthSig.
pub(super) fn render_sdk_objection(f: &Finding, a: &AuthSig, loc: &Loc<'_>) -> Option<Diagnostic> {
    Some(match f {
        Finding::FirstResourceNotRecap => at(
            Diagnostic::new(
                Code::RecapInvalid,
                "the first resource is not a `urn:recap:`; the SDK decodes only the first resource, so `getSessionSigs` throws",
            )
            .help("put the `urn:recap:` resource first"),
            loc.siwe(loc.spans.and_then(|s| s.resources.first().cloned())),
            "first resource",
        ),
        Finding::UnknownAlgo { .. } => at(
            Diagnostic::new(
                Code::SignatureFormat,
                format!("`algo` `{}` is not one the SDK knows; its `checkNeedToResignSessionKey` throws", a.algo.as_deref().unwrap_or_default()),
            )
            .help("leave `algo` out for wallet AuthSigs (`LIT_BLS` is for PKP AuthSigs)"),
            loc.field(|f| f.algo.unwrap_or(f.object)),
            "",
        ),
        _ => return None,
    })
}

fn siwe_quote(s: &str) -> String {
    const MAX: usize = 48;
    if s.chars().count() <= MAX {
        format!("`{s}`")
    } else {
        format!("`{}…`", s.chars().take(MAX).collect::<String>())
    }
}

/// Lints on the AuthSig's times: a future issue time, and its own lifetime.
pub(super) fn time_lints(m: &SiweMessage, now: Timestamp, loc: &Loc<'_>, diags: &mut Diagnostics) {
    let issued = m.issued_at_time().ok();
    let expiration = m.expiration().and_then(Result::ok);
    if let Some(iat) = issued {
        if iat.unix_secs() > now.unix_secs().saturating_add(NODE_GRACE_SECS) {
            diags.push(at(
                Diagnostic::new(
                    Code::NotYetValid,
                    format!("the AuthSig says it was issued at `{iat}`, more than {NODE_GRACE_SECS} s after `{now}`"),
                )
                .severity(Severity::Warning)
                .help("check the signer's clock; neither the SDK nor the nodes reject a future `Issued At` in an AuthSig, but session signatures issued that far ahead are rejected"),
                loc.siwe_field(SiweField::IssuedAt),
                "Issued At",
            ));
        }
    }
    match (issued, expiration) {
        (Some(_), None) => diags.push(at(
            Diagnostic::new(
                Code::LifetimeTooLong,
                "the AuthSig has no `Expiration Time`, so it never expires",
            )
            .severity(Severity::Warning)
            .help("sign AuthSigs with an `Expiration Time` (the SDK's default is 7 days, sessions last at most 30 days)"),
            loc.siwe_field(SiweField::IssuedAt),
            "Issued At",
        )),
        (Some(iat), Some(exp)) if exp <= iat => diags.push(at(
            Diagnostic::new(
                Code::LifetimeTooLong,
                format!("the AuthSig expires at `{exp}`, not after it is issued (`{iat}`)"),
            )
            .help("set `Expiration Time` after `Issued At`"),
            loc.siwe_field(SiweField::ExpirationTime),
            "Expiration Time",
        )),
        (Some(iat), Some(exp)) if exp > iat.add_secs(MAX_LIFETIME.secs() as i64) => {
            let lifetime = Ttl::from_secs(exp.unix_secs().saturating_sub(iat.unix_secs()).max(0) as u64);
            diags.push(at(
                Diagnostic::new(
                    Code::LifetimeTooLong,
                    format!("the AuthSig lives {lifetime}, longer than the 30 days the nodes allow a session"),
                )
                .severity(Severity::Warning)
                .help("sign AuthSigs for at most 30 days; the nodes do not cap an AuthSig's own lifetime, but a long-lived AuthSig is a standing grant"),
                loc.siwe_field(SiweField::ExpirationTime),
                "Expiration Time",
            ));
        }
        _ => {}
    }
}

/// The nodes' grace period for clocks (`grace_period_seconds`).
pub const NODE_GRACE_SECS: i64 = 60;
/// The nodes' `MAX_TIMESTAMP_VALIDITY_DAYS`.
pub const MAX_LIFETIME: Ttl = Ttl::NODE_MAX;
