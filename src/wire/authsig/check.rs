//! Checking an AuthSig the way the Lit JS SDK v7 and the Lit nodes would, as diagnostics with
//! positions: the fit engine ([`crate::fit`]) judges (kind, message, signature, session key,
//! time, ReCaps, coverage, the SDK's `checkNeedToResignSessionKey` verdict); [`super::render`]
//! words its findings and adds the lints that concern the AuthSig alone; this module runs
//! both in order and assembles the report.

use super::render::*;
use super::report::*;
use super::{AuthSig, AuthSigFile, AuthSigKind};
use crate::diag::Diagnostics;
use crate::fit::{self, Audience, Finding};
use crate::wire::recap::Recap;
use crate::wire::siwe::{Flavor, SiweVerifyError};

/// Checks an AuthSig (without file positions; see [`AuthSigFile::check`]).
pub fn check_authsig(authsig: &AuthSig, opts: &CheckOptions) -> AuthSigReport {
    check(authsig, None, opts)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::authsig::DERIVED_VIA_BLS;

    use crate::diag::{Code, Severity};
    use crate::eth::WalletKey;
    use crate::time::Timestamp;
    use crate::wire::coverage::Request;
    use crate::wire::lit::{Ability, Resource, ResourcePrefix};
    use crate::wire::siwe::SiweMessage;
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
