//! Checking an existing AuthSig before it is put in a SessionSig: one that was supplied
//! (`--authsig`), kept in the key store (`lit-wallet-sig`), or given as a capacity delegation.
//!
//! [`sdk_needs_resign`] is the SDK's own verdict (`checkNeedToResignSessionKey` in `lnc`);
//! [`check_auth_sig`] is litcap's stricter one, which also applies the policy: the nodes'
//! coverage rule, the grant's domain, chain and lifetime, and no capability beyond the grant.
//!
//! Both are the fit engine's (`crate::fit`); this module states what signing expects
//! ([`Expectations`]) and words the findings for `sign` ([`problem_lines`]).

use crate::diag::{Code, Severity};
use crate::eth::Address;
use crate::fit::{self, Audience, Finding, GrantExpectation, PkpExpectation};
use crate::time::{Timestamp, Ttl};
use crate::wire::authsig::AuthSig;
use crate::wire::bls::NetworkKey;
use crate::wire::coverage;
use crate::wire::recap::Recap;
use crate::wire::siwe::{CapabilityRequest, SiweMessage};

/// `checkNeedToResignSessionKey` of SDK 7.4.0: true when the SDK would ask for a new AuthSig.
///
/// It re-verifies the SIWE signature and expiry (`now >= expiration` is expired), requires
/// the URI `lit:session:<key>`, and checks every request against the **first** resource's
/// recap with `verifyCapabilitiesForResource`. AuthSigs that are not EOA signatures (BLS)
/// are reported as needing a new signature, since litcap cannot verify them.
pub fn sdk_needs_resign(
    auth_sig: &AuthSig,
    session_uri: &str,
    requests: &[CapabilityRequest],
    now: Timestamp,
) -> bool {
    let Some(session_key) = session_uri.strip_prefix(crate::wire::siwe::SESSION_KEY_URI_PREFIX)
    else {
        return true;
    };
    let report = crate::wire::authsig::check_authsig(
        auth_sig,
        &crate::wire::authsig::CheckOptions {
            now,
            session_key: Some(session_key.to_string()),
            requests: requests
                .iter()
                .map(|r| coverage::Request {
                    resource: r.resource.clone(),
                    ability: r.ability,
                })
                .collect(),
            network_key: None,
            uri: None,
            profile: None,
        },
    );
    // A verdict litcap cannot reach (BLS, or an SDK exception) means: do not reuse it.
    report.sdk.need_to_resign().unwrap_or(true)
}

/// What an AuthSig must satisfy to be used for a session.
#[derive(Clone, Debug)]
pub struct Expectations<'a> {
    /// `lit:session:<public key>`, or `lit:capability:delegation` for a delegation.
    pub uri: &'a str,
    /// The wallet that should have signed it, when known.
    pub wallet: Option<Address>,
    /// What the session will request; every one must be covered (nodes' rule).
    pub requests: &'a [CapabilityRequest],
    /// The time of signing: the AuthSig must be valid then.
    pub now: Timestamp,
    /// The AuthSig must not expire before the session does.
    pub session_expiration: Option<Timestamp>,
    /// The grant's recap: the AuthSig may not grant anything beyond it.
    pub grant: Option<&'a Recap>,
    /// Longest allowed AuthSig lifetime (issued-at to expiration).
    pub max_lifetime: Option<Ttl>,
    /// Expected SIWE domain and chain id.
    pub domain: Option<&'a str>,
    pub chain_id: Option<u64>,
    /// The grant's `signer pkp` / `auth-action` lines: the AuthSig must be the network's for
    /// that PKP (`fit::signer`).
    pub pkp: Option<PkpExpectation<'a>>,
    /// The Lit network's BLS key, which verifies a `lit.bls` AuthSig; without it such an
    /// AuthSig cannot be used (`BlsUnverifiable`).
    pub network_key: Option<&'a NetworkKey>,
}

/// The findings that keep an AuthSig from being used for a session, as the fit engine
/// (`crate::fit`) raises them: a broken AuthSig stops at its first defect; otherwise every
/// error (warnings, such as the SDK re-signing an AuthSig without `0x`, do not block).
pub type Problem = Finding;

/// Checks an AuthSig; returns its SIWE fields or every problem found (a broken AuthSig stops
/// at the first defect).
pub fn check_auth_sig(a: &AuthSig, x: &Expectations) -> Result<SiweMessage, Vec<Problem>> {
    let profile = &crate::profile::DATIL;
    let inspected = fit::inspect_with_key(a, profile, x.network_key);
    let requests: Vec<coverage::Request> = x
        .requests
        .iter()
        .map(|r| coverage::Request {
            resource: r.resource.clone(),
            ability: r.ability,
        })
        .collect();
    let audience = if profile.delegation_uri() == Some(x.uri) {
        Audience::Delegation
    } else {
        match x.uri.strip_prefix(profile.session_uri_prefix) {
            Some(key) => Audience::SessionKey(key),
            None => Audience::Uri(x.uri),
        }
    };
    let expectations = fit::Expectations {
        profile,
        audience,
        wallet: x.wallet,
        grant: x.grant.map(|recap| GrantExpectation {
            recap,
            domain: x.domain,
            chain_id: x.chain_id,
            max_lifetime: x.max_lifetime,
            pkp: x.pkp,
        }),
        requests: &requests,
        now: Some(x.now),
        session_end: x.session_expiration,
    };
    let findings = fit::judge(&inspected, &expectations);
    if let Some(defect) = findings.iter().find(|f| f.is_defect()) {
        return Err(vec![defect.clone()]);
    }
    let problems: Vec<Problem> = findings
        .into_iter()
        .filter(|f| f.severity() == Severity::Error)
        .collect();
    match (problems.is_empty(), inspected.siwe) {
        (true, Some(m)) => Ok(m),
        _ => Err(problems),
    }
}

/// How `sign` words problems: one `(code, sentence)` each, with the capabilities beyond the
/// grant gathered into one sentence.
pub fn problem_lines(problems: &[Problem]) -> Vec<(Code, String)> {
    let mut out = Vec::new();
    let mut extra: Vec<String> = Vec::new();
    let mut extra_at = None;
    for p in problems {
        if let Finding::OverPrivilege {
            resource, ability, ..
        } = p
        {
            let pair = format!("`{ability}` on `{resource}`");
            if extra.last() != Some(&pair) {
                extra.push(pair);
            }
            extra_at.get_or_insert(out.len());
            continue;
        }
        out.push((p.code(), p.sentence()));
    }
    if let Some(at) = extra_at {
        out.insert(
            at,
            (
                Code::OverPrivilege,
                format!("it grants more than the grant allows: {}", extra.join(", ")),
            ),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eth::WalletKey;
    use crate::sign::authsig::{create_auth_sig, AuthSigParams};
    use crate::wire::lit::{Ability, Resource, ResourcePrefix};

    const PUB: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

    fn req(prefix: ResourcePrefix, id: &str, ability: Ability) -> CapabilityRequest {
        CapabilityRequest {
            resource: Resource::new(prefix, id).unwrap(),
            ability,
            data: None,
        }
    }

    fn key() -> WalletKey {
        WalletKey::from_hex("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
            .unwrap()
    }

    fn sample(caps: Vec<CapabilityRequest>) -> AuthSig {
        create_auth_sig(
            &key(),
            &AuthSigParams {
                session_public_key: PUB.into(),
                capabilities: caps,
                domain: Some("app.example.com".into()),
                chain_id: Some(175188),
                nonce: "0x921dd92f497527857ee8dda62f1805e56c34c99a6b37691b4e56e6fb171a5a70".into(),
                issued_at: "2024-09-19T00:00:00Z".parse().unwrap(),
                expiration: Some("2024-09-20T00:00:00Z".parse().unwrap()),
                ..Default::default()
            },
        )
        .unwrap()
    }

    fn expect<'a>(uri: &'a str, reqs: &'a [CapabilityRequest]) -> Expectations<'a> {
        Expectations {
            uri,
            wallet: Some(key().address()),
            requests: reqs,
            now: "2024-09-19T01:00:00Z".parse().unwrap(),
            session_expiration: None,
            grant: None,
            max_lifetime: None,
            domain: Some("app.example.com"),
            chain_id: Some(175188),
            pkp: None,
            network_key: None,
        }
    }

    #[test]
    fn parses_what_it_signs() {
        let a = sample(vec![req(ResourcePrefix::Pkp, "*", Ability::PkpSigning)]);
        let f = SiweMessage::parse(&a.signed_message).unwrap();
        assert_eq!(f.domain, "app.example.com");
        assert_eq!(f.address, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
        assert_eq!(f.uri, format!("lit:session:{PUB}"));
        assert_eq!(f.chain_id, 175188);
        assert_eq!(f.recap_resources().count(), 1);
        assert!(f
            .statement
            .unwrap()
            .starts_with("This is a test statement."));
        assert!(SiweMessage::parse("hello").is_err());
        assert!(SiweMessage::parse("").is_err());
    }

    #[test]
    fn a_fitting_authsig_passes() {
        let reqs = [req(ResourcePrefix::Pkp, "123", Ability::PkpSigning)];
        let a = sample(vec![req(ResourcePrefix::Pkp, "*", Ability::PkpSigning)]);
        let uri = format!("lit:session:{PUB}");
        assert!(check_auth_sig(&a, &expect(&uri, &reqs)).is_ok());
        assert!(!sdk_needs_resign(
            &a,
            &uri,
            &reqs,
            "2024-09-19T01:00:00Z".parse().unwrap()
        ));
        assert!(sdk_needs_resign(
            &a,
            &uri,
            &reqs,
            "2024-09-20T00:00:00Z".parse().unwrap()
        ));
    }

    #[test]
    fn reports_each_unfitness() {
        let wanted = [
            req(ResourcePrefix::Pkp, "*", Ability::PkpSigning),
            req(ResourcePrefix::LitAction, "*", Ability::LitActionExecution),
        ];
        let a = sample(vec![
            req(ResourcePrefix::Pkp, "*", Ability::PkpSigning),
            req(
                ResourcePrefix::AccessControlCondition,
                "*",
                Ability::AccessControlConditionDecryption,
            ),
        ]);
        let mut grant = Recap::new();
        grant
            .add_capability(
                &Resource::wildcard(ResourcePrefix::Pkp),
                Ability::PkpSigning,
                None,
            )
            .unwrap();
        let mut x = expect("lit:session:00", &wanted);
        x.now = "2024-09-21T00:00:00Z".parse().unwrap();
        x.grant = Some(&grant);
        x.max_lifetime = Some(Ttl(3600));
        x.domain = Some("other.example");
        x.chain_id = Some(1);
        let problems = check_auth_sig(&a, &x).unwrap_err();
        let codes: Vec<Code> = problems.iter().map(Problem::code).collect();
        assert_eq!(
            codes,
            vec![
                Code::SessionKeyMismatch,
                Code::Expired,
                Code::RequestNotCovered,
                Code::OverPrivilege,
                Code::LifetimeTooLong,
                Code::DomainMismatch,
                Code::DomainMismatch,
            ]
        );
        assert!(problems.iter().all(|p| !p.is_defect()));
        assert!(problems[3]
            .sentence()
            .contains("lit-accesscontrolcondition://*"));
        let lines = problem_lines(&problems);
        assert_eq!(lines.len(), 7);
        assert_eq!(
            lines[3].1,
            "it grants more than the grant allows: `Threshold/Decryption` on `lit-accesscontrolcondition://*`"
        );
    }

    #[test]
    fn defects_stop_early() {
        let reqs = [];
        let uri = format!("lit:session:{PUB}");
        let mut a = sample(vec![req(ResourcePrefix::Pkp, "*", Ability::PkpSigning)]);
        a.signed_message = a.signed_message.replace("Chain ID: 175188", "Chain ID: 1");
        let problems = check_auth_sig(&a, &expect(&uri, &reqs)).unwrap_err();
        assert!(matches!(
            problems.as_slice(),
            [Problem::SignatureMismatch { .. }]
        ));
        assert_eq!(problem_lines(&problems)[0].0, Code::SignatureMismatch);
        // An address is a number: another letter case names the same one.
        let mut a = sample(vec![req(ResourcePrefix::Pkp, "*", Ability::PkpSigning)]);
        a.address = a.address.to_lowercase();
        assert!(check_auth_sig(&a, &expect(&uri, &reqs)).is_ok());
        a.address = WalletKey::from_bytes(&[9u8; 32])
            .unwrap()
            .address()
            .to_checksum();
        assert!(matches!(
            check_auth_sig(&a, &expect(&uri, &reqs)).unwrap_err()[0],
            Problem::AddressField { .. }
        ));
        let a = sample(vec![req(ResourcePrefix::Pkp, "*", Ability::PkpSigning)]);
        let mut x = expect(&uri, &reqs);
        x.wallet = Some(WalletKey::from_bytes(&[9u8; 32]).unwrap().address());
        assert!(matches!(
            check_auth_sig(&a, &x).unwrap_err()[0],
            Problem::OtherWallet { .. }
        ));
        let mut bls = a.clone();
        bls.algo = Some("LIT_BLS".into());
        bls.derived_via = "lit.bls".into();
        assert!(check_auth_sig(&bls, &x).unwrap_err()[0].is_defect());
        assert!(sdk_needs_resign(&bls, &uri, &reqs, Timestamp::UNIX_EPOCH));
    }
}
