//! Checking an AuthSig the way the Lit JS SDK v7 and the Lit nodes would, as diagnostics with
//! positions: the fit engine ([`crate::fit`]) judges (kind, message, signature, session key,
//! time, ReCaps, coverage, the SDK's `checkNeedToResignSessionKey` verdict); this module
//! words its findings, and adds the lints that concern the AuthSig alone (a future issue
//! time, its own lifetime, non-canonical or `*/*` recaps, several recaps).

use super::report::*;
use super::{AuthSig, AuthSigFile, AuthSigKind};
use crate::diag::{Code, Diagnostic, Diagnostics, Severity, Span};
use crate::fit::{self, Audience, Finding};
use crate::time::{Timestamp, Ttl};
use crate::wire::coverage::{Gap, Request};
use crate::wire::recap::{self, Recap};
use crate::wire::siwe::{Flavor, SiweField, SiweMessage, SiweSpans, SiweVerifyError};
use std::ops::Range;

/// Checks an AuthSig (without file positions; see [`AuthSigFile::check`]).
pub fn check_authsig(authsig: &AuthSig, opts: &CheckOptions) -> AuthSigReport {
    check(authsig, None, opts)
}

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

struct Loc<'a> {
    file: Option<&'a AuthSigFile>,
    spans: Option<&'a SiweSpans>,
}

impl Loc<'_> {
    fn field(&self, pick: fn(&AuthSigFile) -> Span) -> Option<Span> {
        self.file.map(pick)
    }

    fn siwe(&self, r: Option<Range<usize>>) -> Option<Span> {
        Some(self.file?.message_span(r?))
    }

    fn siwe_field(&self, f: SiweField) -> Option<Span> {
        self.siwe(self.spans.and_then(|s| s.get(f)))
            .or_else(|| self.field(|a| a.signed_message))
    }
}

fn at(d: Diagnostic, span: Option<Span>, label: &str) -> Diagnostic {
    match span {
        Some(s) => d.at(s, label),
        None => d,
    }
}

pub(super) fn check(a: &AuthSig, file: Option<&AuthSigFile>, opts: &CheckOptions) -> AuthSigReport {
    let profile = opts.profile.unwrap_or(&crate::profile::DATIL);
    let now = opts.now;
    let mut ins = fit::inspect_with_key(a, profile, opts.network_key.as_ref());
    let own = fit::judge_authsig(&ins, profile);
    let loc = Loc {
        file,
        spans: ins.siwe_spans.as_ref(),
    };
    let mut diags = Diagnostics::new();

    // What the AuthSig is, its message and its signature.
    for f in &own {
        if let Some(d) = render_form(f, a, &loc) {
            diags.push(d);
        }
    }
    let sdk_sig = ins.signature.as_ref().ok().filter(|_| ins.sig_has_0x());
    let recovered = sdk_sig.and(ins.signer_as_written);
    // Either SIWE parser required the message's address in its EIP-55 form, so when `address`
    // is that same text, comparing bytes answers `to_checksum() == address` without a keccak.
    let address_checksummed = ins.siwe.as_ref().is_some_and(|m| m.address == a.address);
    let recovered_matches_address = recovered.is_some_and(|r| match address_checksummed {
        true => r.is_checksummed_text(&a.address),
        false => r.to_checksum() == a.address,
    });
    let (sdk_verify, node_verify) = match &ins.siwe {
        Some(m) if ins.kind != AuthSigKind::BlsNetwork => (
            Some(match &ins.siwe_error {
                Some(e) => Err(SiweVerifyError::Invalid(e.clone())),
                None => {
                    fit::sdk::verify_with(m, ins.sdk_signer, now, Flavor::Sdk, ins.validated.sdk)
                }
            }),
            Some(fit::sdk::verify_with(
                m,
                ins.node_signer,
                now,
                Flavor::Node,
                ins.validated.node,
            )),
        ),
        _ => (None, None),
    };

    // Who signed, `address`, time, URI.
    if let Some(m) = &ins.siwe {
        for f in &own {
            if let Some(d) = render_signer(f, &loc) {
                diags.push(d);
            }
        }
        render_time(&fit::judge_time(m, now, None, profile), &loc, &mut diags);
        time_lints(m, now, &loc, &mut diags);
        let audience = match (&opts.session_key, &opts.uri) {
            (Some(key), _) => Audience::SessionKey(key),
            (None, Some(uri)) => Audience::Uri(uri),
            (None, None) => Audience::Unknown,
        };
        if let Some(f) = fit::judge_audience(m, audience, profile) {
            diags.push(render_uri(&f, opts.session_key.as_deref(), &loc));
        }
    }

    // What each request gets from the SDK (first resource) and the nodes (every recap),
    // computed before the recaps move into the report (rendered in the same order as before).
    let usable: Vec<&Recap> = ins.usable_recaps().map(|(_, r)| r).collect();
    let indices: Vec<usize> = ins.usable_recaps().map(|(i, _)| i).collect();
    let cov = fit::coverage_of(profile, &usable, ins.sdk_recap.as_ref(), &opts.requests);
    drop(usable);

    // Recaps: moved out of the inspection, not copied.
    let recaps: Vec<RecapEntry> = std::mem::take(&mut ins.recaps)
        .into_iter()
        .map(|r| RecapEntry {
            statement_matches: r.decoded.as_ref().ok().map(|_| {
                !own.iter().any(|f| matches!(f, Finding::RecapStatementMismatch { resource_index, .. } if *resource_index == r.resource_index))
            }),
            resource_index: r.resource_index,
            urn: r.urn,
            decoded: r.decoded,
        })
        .collect();
    if let Some(m) = &ins.siwe {
        render_recaps(m, &recaps, &own, &loc, &mut diags);
    }

    if ins.siwe.is_some() {
        let first_recap = recaps.first().map(|r| r.resource_index);
        for f in fit::judge_requests(&cov, &indices, &opts.requests) {
            if let Some(d) = render_coverage(&f, first_recap, &loc) {
                diags.push(d);
            }
        }
    }

    // The SDK's verdict, and what makes it throw.
    let session_key_uri = opts
        .session_key
        .as_deref()
        .map(|k| profile.session_uri(k))
        .or_else(|| ins.siwe.as_ref().map(|m| m.uri.clone()));
    let sdk = match (&ins.siwe, &ins.siwe_error) {
        (_, Some(e)) => SdkVerdict::Throws(format!("Invalid message: {}", e.message)),
        (None, None) => SdkVerdict::Throws("Invalid message".to_string()),
        (Some(m), None) => fit::sdk::sdk_verdict(
            a,
            m,
            sdk_verify.as_ref(),
            &ins.sdk_recap,
            &cov.sdk,
            opts.session_key.as_deref(),
            profile,
        ),
    };
    for f in &own {
        if let Some(d) = render_sdk_objection(f, a, &loc) {
            diags.push(d);
        }
    }

    diags.sort();
    let fit::Inspected {
        kind,
        siwe,
        siwe_spans,
        siwe_error,
        signature,
        sdk_recap,
        ..
    } = ins;
    AuthSigReport {
        kind,
        siwe,
        siwe_spans,
        siwe_error,
        signature,
        recovered,
        recovered_matches_address,
        sdk_verify,
        node_verify,
        recaps,
        sdk_recap,
        sdk_checks: cov.sdk,
        node_coverage: cov.node,
        sdk,
        session_key_uri,
        diagnostics: diags,
    }
}

/// The AuthSig's kind, its message's syntax and its signature's form.
fn render_form(f: &Finding, a: &AuthSig, loc: &Loc<'_>) -> Option<Diagnostic> {
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
fn render_signer(f: &Finding, loc: &Loc<'_>) -> Option<Diagnostic> {
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
fn render_time(findings: &[Finding], loc: &Loc<'_>, diags: &mut Diagnostics) {
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
fn render_uri(f: &Finding, session_key: Option<&str>, loc: &Loc<'_>) -> Diagnostic {
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
fn render_recaps(
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
fn render_coverage(f: &Finding, first_recap: Option<usize>, loc: &Loc<'_>) -> Option<Diagnostic> {
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
fn render_sdk_objection(f: &Finding, a: &AuthSig, loc: &Loc<'_>) -> Option<Diagnostic> {
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
fn time_lints(m: &SiweMessage, now: Timestamp, loc: &Loc<'_>, diags: &mut Diagnostics) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::authsig::DERIVED_VIA_BLS;

    use crate::diag::Code;
    use crate::eth::WalletKey;
    use crate::wire::coverage::Request;
    use crate::wire::lit::{Ability, Resource, ResourcePrefix};
    use crate::wire::siwe::{create_lit_siwe, CapabilityRequest, LitSiweParams};

    const KEY0: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    const SESSION: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    fn message(iat: &str, exp: Option<Timestamp>) -> SiweMessage {
        create_lit_siwe(&LitSiweParams {
            wallet_address: WalletKey::from_hex(KEY0).unwrap().address().to_checksum(),
            uri: Some(crate::wire::siwe::session_key_uri(SESSION)),
            nonce: "0x921dd92f497527857ee8dda62f1805e56c34c99a6b37691b4e56e6fb171a5a70".into(),
            issued_at: ts(iat),
            expiration: exp,
            resources: Some(vec![CapabilityRequest {
                resource: Resource::wildcard(ResourcePrefix::Pkp),
                ability: Ability::PkpSigning,
                data: None,
            }]),
            ..Default::default()
        })
        .unwrap()
    }

    fn sign_text(text: &str) -> AuthSig {
        let key = WalletKey::from_hex(KEY0).unwrap();
        AuthSig::personal_sign(
            key.sign_personal(text.as_bytes()).to_hex(),
            text.to_string(),
            key.address().to_checksum(),
        )
    }

    fn opts(now: &str) -> CheckOptions {
        CheckOptions {
            now: ts(now),
            session_key: Some(SESSION.to_string()),
            requests: vec![Request {
                resource: Resource::new(ResourcePrefix::Pkp, "123").unwrap(),
                ability: Ability::PkpSigning,
            }],
            network_key: None,
            uri: None,
            profile: None,
        }
    }

    fn codes(r: &AuthSigReport) -> Vec<(Code, Severity)> {
        r.diagnostics.iter().map(|d| (d.code, d.severity)).collect()
    }

    const IAT: &str = "2024-09-19T13:07:33.606Z";
    const EXP: &str = "2024-09-20T13:07:33.606Z";

    #[test]
    fn a_fresh_sdk_authsig_is_clean() {
        let a = sign_text(&message(IAT, Some(ts(EXP))).to_message());
        let r = check_authsig(&a, &opts("2024-09-19T14:00:00Z"));
        assert!(r.diagnostics.is_empty(), "{:#?}", r.diagnostics);
        assert_eq!(r.sdk, SdkVerdict::Reuse);
        assert!(r.node_coverage[0].0.is_covered());
        assert!(r.recovered_matches_address);
    }

    #[test]
    fn expiration_boundary() {
        let a = sign_text(&message(IAT, Some(ts(EXP))).to_message());
        // 1 ms before: valid everywhere.
        let before = check_authsig(&a, &opts("2024-09-20T13:07:33.605Z"));
        assert!(before.diagnostics.is_empty());
        assert_eq!(before.sdk.need_to_resign(), Some(false));
        // Exactly at expiration: the SDK says expired (and re-signs), the nodes still accept.
        let exact = check_authsig(&a, &opts(EXP));
        assert_eq!(codes(&exact), vec![(Code::Expired, Severity::Error)]);
        assert!(exact.diagnostics.0[0].message.contains("exactly now"));
        assert_eq!(exact.sdk.need_to_resign(), Some(true));
        assert!(exact.node_verify.as_ref().unwrap().is_ok());
        // After it: both.
        let after = check_authsig(&a, &opts("2024-09-20T13:07:33.607Z"));
        assert!(after.node_verify.as_ref().unwrap().is_err());
        assert!(after.diagnostics.0[0]
            .message
            .starts_with("the AuthSig expired at"));
    }

    #[test]
    fn issued_in_the_future_beyond_the_grace_period() {
        let a = sign_text(&message("2024-09-19T13:01:00Z", Some(ts(EXP))).to_message());
        let at_60 = check_authsig(&a, &opts("2024-09-19T13:00:00Z"));
        assert!(at_60.diagnostics.is_empty(), "{:#?}", at_60.diagnostics);
        let at_61 = check_authsig(&a, &opts("2024-09-19T12:59:59Z"));
        assert_eq!(codes(&at_61), vec![(Code::NotYetValid, Severity::Warning)]);
        // Whole seconds, as the nodes compare: 60.999 s ahead is still within the grace.
        let a = sign_text(&message("2024-09-19T13:01:00.999Z", Some(ts(EXP))).to_message());
        assert!(check_authsig(&a, &opts("2024-09-19T13:00:00Z"))
            .diagnostics
            .is_empty());
    }

    #[test]
    fn lifetime_limits() {
        let iat = ts(IAT);
        let thirty = iat.add_secs(30 * 86_400);
        let a = sign_text(&message(IAT, Some(thirty)).to_message());
        assert!(check_authsig(&a, &opts("2024-09-19T14:00:00Z"))
            .diagnostics
            .is_empty());
        let a = sign_text(&message(IAT, Some(thirty.add_secs(1))).to_message());
        let r = check_authsig(&a, &opts("2024-09-19T14:00:00Z"));
        assert_eq!(codes(&r), vec![(Code::LifetimeTooLong, Severity::Warning)]);
        assert!(
            r.diagnostics.0[0].message.contains("30d1s"),
            "{}",
            r.diagnostics.0[0].message
        );
        let a = sign_text(&message(IAT, Some(iat)).to_message());
        let r = check_authsig(&a, &opts("2024-09-19T13:07:00Z"));
        assert_eq!(codes(&r), vec![(Code::LifetimeTooLong, Severity::Error)]);
        let mut m = message(IAT, None);
        m.expiration_time = None;
        let r = check_authsig(&sign_text(&m.to_message()), &opts("2024-09-19T14:00:00Z"));
        assert_eq!(codes(&r), vec![(Code::LifetimeTooLong, Severity::Warning)]);
    }

    #[test]
    fn signature_format_and_prefix() {
        let good = sign_text(&message(IAT, Some(ts(EXP))).to_message());
        let mut bare = good.clone();
        bare.sig = bare.sig.trim_start_matches("0x").to_string();
        let r = check_authsig(&bare, &opts("2024-09-19T14:00:00Z"));
        assert_eq!(codes(&r), vec![(Code::SignatureFormat, Severity::Warning)]);
        assert_eq!(r.sdk.need_to_resign(), Some(true));
        assert!(r.node_verify.as_ref().unwrap().is_ok());
        let mut bad_v = good.clone();
        bad_v.sig.replace_range(130..132, "1d");
        let r = check_authsig(&bad_v, &opts("2024-09-19T14:00:00Z"));
        assert!(
            codes(&r).contains(&(Code::SignatureFormat, Severity::Error)),
            "{:#?}",
            r.diagnostics
        );
        let mut short = good.clone();
        short.sig.truncate(20);
        assert!(codes(&check_authsig(&short, &opts("2024-09-19T14:00:00Z")))
            .contains(&(Code::SignatureFormat, Severity::Error)));
        let mut other = good;
        other.address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8".into();
        let r = check_authsig(&other, &opts("2024-09-19T14:00:00Z"));
        assert_eq!(codes(&r), vec![(Code::AddressMismatch, Severity::Error)]);
    }

    #[test]
    fn recap_lints() {
        let base = message(IAT, Some(ts(EXP)));
        // Two recaps: the first grants Lit Actions only, the second the PKP.
        let mut lit_action = Recap::new();
        lit_action.add_all_capabilities(&Resource::wildcard(ResourcePrefix::LitAction));
        let pkp = base.resources.as_ref().unwrap()[0].clone();
        let mut m = base.clone();
        m.statement = Some(format!(
            "{} {}",
            base.statement.as_deref().unwrap(),
            lit_action.statement()
        ));
        m.resources = Some(vec![lit_action.encode(), pkp]);
        let r = check_authsig(&sign_text(&m.to_message()), &opts("2024-09-19T14:00:00Z"));
        let got = codes(&r);
        // The statement does not end with the PKP recap's sentence, so the nodes reject it.
        for want in [
            (Code::MultipleRecaps, Severity::Warning),
            (Code::RepeatedRecapPreamble, Severity::Warning),
            (Code::WildcardAbility, Severity::Warning),
            (Code::RecapStatementMismatch, Severity::Error),
            (Code::SdkMismatch, Severity::Warning),
        ] {
            assert!(got.contains(&want), "{want:?} missing from {got:?}");
        }
        assert_eq!(
            r.sdk,
            SdkVerdict::Resign(ResignReason::NotCovered { request: 0 })
        );

        // A non-recap first resource makes the SDK throw.
        let mut m = base.clone();
        m.resources = Some(vec![
            "https://example.com/x".into(),
            m.resources.unwrap()[0].clone(),
        ]);
        let r = check_authsig(&sign_text(&m.to_message()), &opts("2024-09-19T14:00:00Z"));
        assert!(matches!(r.sdk, SdkVerdict::Throws(_)));
        assert!(codes(&r).contains(&(Code::RecapInvalid, Severity::Error)));

        // A broken recap.
        let mut m = base;
        m.resources = Some(vec!["urn:recap:e!".into()]);
        let r = check_authsig(&sign_text(&m.to_message()), &opts("2024-09-19T14:00:00Z"));
        assert!(codes(&r).contains(&(Code::RecapInvalid, Severity::Error)));
        assert!(codes(&r).contains(&(Code::RequestNotCovered, Severity::Error)));
        assert_eq!(r.sdk, SdkVerdict::Throws("Non-base64url character".into()));
    }

    #[test]
    fn session_key_and_kinds() {
        let a = sign_text(&message(IAT, Some(ts(EXP))).to_message());
        let mut o = opts("2024-09-19T14:00:00Z");
        o.session_key = Some("00".repeat(32));
        let r = check_authsig(&a, &o);
        assert_eq!(codes(&r), vec![(Code::SessionKeyMismatch, Severity::Error)]);
        // The seed of the AuthSig's key given as `--session-key`: named as such, with the
        // public key, without the seed.
        let seed = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
        let public = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
        assert!(a.signed_message.contains(public));
        o.session_key = Some(seed.to_string());
        let d = &check_authsig(&a, &o).diagnostics.0[0];
        assert!(
            d.message.contains("secret seed") && !d.message.contains(seed),
            "{}",
            d.message
        );
        assert!(d.help.as_deref().unwrap_or("").contains(public));
        assert!(matches!(
            r.sdk,
            SdkVerdict::Resign(ResignReason::UriMismatch { .. })
        ));
        let mut bls = a.clone();
        bls.derived_via = DERIVED_VIA_BLS.into();
        bls.algo = Some(super::super::ALGO_BLS.into());
        let r = check_authsig(&bls, &opts("2024-09-19T14:00:00Z"));
        assert_eq!(r.kind, AuthSigKind::BlsNetwork);
        assert_eq!(codes(&r), vec![(Code::NetworkKeyMissing, Severity::Error)]);
        assert_eq!(r.sdk, SdkVerdict::Unverifiable);
        let mut odd = a;
        odd.algo = Some("secp256k1".into());
        let r = check_authsig(&odd, &opts("2024-09-19T14:00:00Z"));
        assert!(matches!(r.sdk, SdkVerdict::Throws(_)));
        assert!(codes(&r).contains(&(Code::SignatureFormat, Severity::Error)));
    }

    #[test]
    fn unparsable_siwe_is_a_syntax_error_with_a_span_into_the_file() {
        let mut sources = crate::diag::Sources::new();
        let m = message(IAT, Some(ts(EXP)))
            .to_message()
            .replace("Version: 1", "Version: 2");
        let a = sign_text(&m);
        let text = serde_json::to_string_pretty(&a.to_value()).unwrap();
        let id = sources.add("a.json", text.clone());
        let f = AuthSigFile::parse(id, &text).unwrap();
        let r = f.check(&opts("2024-09-19T14:00:00Z"));
        let d = r
            .diagnostics
            .iter()
            .find(|d| d.code == Code::SiweSyntax)
            .unwrap();
        let span = d.span.unwrap();
        assert_eq!(&text[span.start..span.end], "2");
        assert!(matches!(r.sdk, SdkVerdict::Throws(_)));
    }

    #[test]
    fn no_panic_on_damaged_files() {
        let a = sign_text(&message(IAT, Some(ts(EXP))).to_message());
        let text = serde_json::to_string_pretty(&a.to_value()).unwrap();
        let o = opts("2024-09-19T14:00:00Z");
        for (i, c) in (0..text.len())
            .step_by(3)
            .zip("\"\\nx:,}0 é".chars().cycle())
        {
            let mut t = text.clone();
            if t.is_char_boundary(i) && t.is_char_boundary(i + 1) {
                t.replace_range(i..i + 1, &c.to_string());
                match AuthSigFile::parse(0, &t) {
                    Ok(f) => {
                        let r = f.check(&o);
                        for d in r.diagnostics.iter() {
                            if let Some(s) = d.span {
                                assert!(s.start <= s.end && s.end <= t.len(), "{d:?}");
                            }
                        }
                    }
                    Err(d) => assert!(!d.is_empty()),
                }
            }
        }
        for cut in (0..text.len()).step_by(5) {
            if let Some(t) = text.get(..cut) {
                assert!(AuthSigFile::parse(0, t).is_err());
            }
        }
    }
}
