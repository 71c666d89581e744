//! Checking an existing AuthSig before it is put in a SessionSig: one that was supplied
//! (`--authsig`), kept in the key store (`lit-wallet-sig`), or given as a capacity delegation.
//!
//! [`sdk_needs_resign`] is the SDK's own verdict (`checkNeedToResignSessionKey` in `lnc`);
//! [`check_auth_sig`] is litcap's stricter one, which also applies the policy: the nodes'
//! coverage rule, the grant's domain, chain and lifetime, and no capability beyond the grant.
//!
//! The SIWE message is read with litcap's EIP-4361 parser ([`SiweMessage::parse`]).

use crate::authsig::{AuthSig, DERIVED_VIA_PERSONAL_SIGN};
use crate::coverage;
use crate::diag::Code;
use crate::eth::{recover_personal, Address, Signature};
use crate::recap::Recap;
use crate::siwe::{CapabilityRequest, SiweMessage};
use crate::time::{Timestamp, Ttl};

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
    let Some(session_key) = session_uri.strip_prefix(crate::siwe::SESSION_KEY_URI_PREFIX) else {
        return true;
    };
    let report = crate::authsig::check_authsig(
        auth_sig,
        &crate::authsig::CheckOptions {
            now,
            session_key: Some(session_key.to_string()),
            requests: requests
                .iter()
                .map(|r| coverage::Request {
                    resource: r.resource.clone(),
                    ability: r.ability,
                })
                .collect(),
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
}

/// Why an AuthSig cannot be used. The first group means the AuthSig itself is broken or not
/// litcap's to judge; the rest mean it is valid but unfit for this session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The SIWE message does not parse.
    Unreadable(String),
    /// Not an EOA `personal_sign` AuthSig (e.g. a PKP's BLS AuthSig).
    NotEoa {
        derived_via: String,
    },
    /// The signature is malformed or does not recover to the SIWE address.
    BadSignature,
    /// The `address` field differs from the SIWE address.
    AddressField {
        field: String,
        siwe: String,
    },
    /// A `urn:recap:` resource does not decode.
    RecapInvalid(String),
    /// Signed by another wallet than the one expected.
    OtherWallet {
        expected: String,
        actual: String,
    },
    /// Issued for another URI (another session key).
    OtherUri {
        expected: String,
        actual: String,
    },
    Expired {
        at: Timestamp,
    },
    NotYetValid {
        at: Timestamp,
    },
    /// Expires before the session it would sign for.
    ExpiresBeforeSession {
        at: Timestamp,
        session: Timestamp,
    },
    /// A request the AuthSig's recaps do not cover.
    NotCovered {
        request: String,
    },
    /// Grants more than the grant allows: `(resource key, recap ability)` pairs.
    OverPrivilege(Vec<(String, String)>),
    LifetimeTooLong {
        lifetime: Ttl,
        max: Ttl,
    },
    DomainMismatch {
        expected: String,
        actual: String,
    },
    ChainMismatch {
        expected: u64,
        actual: u64,
    },
}

impl Problem {
    /// Whether the AuthSig itself is broken or not litcap's (a store treats these as corrupt
    /// or foreign entries rather than replacing them).
    pub fn is_defect(&self) -> bool {
        matches!(
            self,
            Problem::Unreadable(_)
                | Problem::NotEoa { .. }
                | Problem::BadSignature
                | Problem::AddressField { .. }
                | Problem::RecapInvalid(_)
                | Problem::OtherWallet { .. }
        )
    }

    /// The fix, where the problem alone tells it.
    pub fn help(&self) -> Option<String> {
        match self {
            Problem::OtherUri { expected, .. } => {
                let key = expected
                    .strip_prefix(crate::siwe::SESSION_KEY_URI_PREFIX)
                    .unwrap_or(expected);
                Some(format!(
                    "the session key's public key is `{key}`: sign an AuthSig for it with `litcap authsig ... --session-key {key}`, or give `authsig` the same `--session-key-seed-file`/`--session-key-seed-env` as `sign`"
                ))
            }
            _ => None,
        }
    }

    pub fn code(&self) -> Code {
        match self {
            Problem::Unreadable(_) => Code::SiweSyntax,
            Problem::NotEoa { .. } => Code::SignatureFormat,
            Problem::BadSignature => Code::SignatureMismatch,
            Problem::AddressField { .. } | Problem::OtherWallet { .. } => Code::AddressMismatch,
            Problem::RecapInvalid(_) => Code::RecapInvalid,
            Problem::OtherUri { .. } => Code::SessionKeyMismatch,
            Problem::Expired { .. } | Problem::ExpiresBeforeSession { .. } => Code::Expired,
            Problem::NotYetValid { .. } => Code::NotYetValid,
            Problem::NotCovered { .. } => Code::RequestNotCovered,
            Problem::OverPrivilege(_) => Code::OverPrivilege,
            Problem::LifetimeTooLong { .. } => Code::LifetimeTooLong,
            Problem::DomainMismatch { .. } | Problem::ChainMismatch { .. } => Code::DomainMismatch,
        }
    }

    /// A lowercase sentence, naming values in backticks.
    pub fn message(&self) -> String {
        match self {
            Problem::Unreadable(why) => format!("its SIWE message cannot be read: {why}"),
            Problem::NotEoa { derived_via } => format!(
                "it is not a wallet `personal_sign` AuthSig (`derivedVia` is `{derived_via}`)"
            ),
            Problem::BadSignature => {
                "its signature does not recover to the SIWE address".to_string()
            }
            Problem::AddressField { field, siwe } => {
                format!("its `address` `{field}` differs from the SIWE address `{siwe}`")
            }
            Problem::RecapInvalid(why) => {
                format!("its `urn:recap:` resource does not decode: {why}")
            }
            Problem::OtherWallet { expected, actual } => {
                format!("it was signed by `{actual}`, not by the wallet `{expected}`")
            }
            Problem::OtherUri { expected, actual } => {
                format!("it was issued for `{actual}`, not for `{expected}`")
            }
            Problem::Expired { at } => format!("it expired at `{at}`"),
            Problem::NotYetValid { at } => format!("it is not valid before `{at}`"),
            Problem::ExpiresBeforeSession { at, session } => {
                format!("it expires at `{at}`, before the session (`{session}`)")
            }
            Problem::NotCovered { request } => format!("it does not grant `{request}`"),
            Problem::OverPrivilege(extra) => format!(
                "it grants more than the grant allows: {}",
                extra
                    .iter()
                    .map(|(k, a)| format!("`{a}` on `{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Problem::LifetimeTooLong { lifetime, max } => {
                format!("it lives {lifetime}, longer than the allowed {max}")
            }
            Problem::DomainMismatch { expected, actual } => {
                format!("its SIWE domain is `{actual}`, not the grant's `{expected}`")
            }
            Problem::ChainMismatch { expected, actual } => {
                format!("its chain id is `{actual}`, not the grant's `{expected}`")
            }
        }
    }
}

/// Checks an AuthSig; returns its SIWE fields or every problem found (a broken AuthSig stops
/// at the first defect).
pub fn check_auth_sig(a: &AuthSig, x: &Expectations) -> Result<SiweMessage, Vec<Problem>> {
    if a.derived_via != DERIVED_VIA_PERSONAL_SIGN || a.algo.is_some() {
        return Err(vec![Problem::NotEoa {
            derived_via: a.derived_via.clone(),
        }]);
    }
    let fields = SiweMessage::parse(&a.signed_message)
        .map_err(|e| vec![Problem::Unreadable(e.to_string())])?;
    let time = |t: Option<Result<Timestamp, crate::time::TimeError>>| {
        t.transpose()
            .map_err(|e| vec![Problem::Unreadable(e.to_string())])
    };
    let issued_at = time(Some(fields.issued_at_time()))?.unwrap_or_default();
    let expiration = time(fields.expiration())?;
    let not_before = time(fields.not_before_time())?;
    let signer = Signature::parse_hex(&a.sig)
        .ok()
        .and_then(|s| recover_personal(a.signed_message.as_bytes(), &s).ok());
    let Some(signer) = signer.filter(|s| s.to_checksum() == fields.address) else {
        return Err(vec![Problem::BadSignature]);
    };
    if a.address != fields.address {
        return Err(vec![Problem::AddressField {
            field: a.address.clone(),
            siwe: fields.address.clone(),
        }]);
    }
    let mut recaps = Vec::new();
    for urn in fields.recap_resources() {
        match Recap::decode(urn) {
            Ok(d) => recaps.push(d.recap),
            Err(e) => return Err(vec![Problem::RecapInvalid(e.to_string())]),
        }
    }
    if let Some(w) = x.wallet {
        if w != signer {
            return Err(vec![Problem::OtherWallet {
                expected: w.to_checksum(),
                actual: signer.to_checksum(),
            }]);
        }
    }
    let mut problems = Vec::new();
    if fields.uri != x.uri {
        problems.push(Problem::OtherUri {
            expected: x.uri.to_string(),
            actual: fields.uri.clone(),
        });
    }
    if let Some(exp) = expiration {
        if x.now >= exp {
            problems.push(Problem::Expired { at: exp });
        } else if let Some(session) = x.session_expiration.filter(|s| *s > exp) {
            problems.push(Problem::ExpiresBeforeSession { at: exp, session });
        }
    }
    if let Some(nb) = not_before.filter(|nb| x.now < *nb) {
        problems.push(Problem::NotYetValid { at: nb });
    }
    for r in x.requests {
        if !coverage::check_any(&recaps, &r.resource, r.ability)
            .0
            .is_covered()
        {
            problems.push(Problem::NotCovered {
                request: format!("{} on {}", r.ability, r.resource),
            });
        }
    }
    if let Some(grant) = x.grant {
        let mut extra: Vec<(String, String)> = recaps
            .iter()
            .flat_map(|r| coverage::uncovered_grants(grant, r))
            .collect();
        extra.dedup();
        if !extra.is_empty() {
            problems.push(Problem::OverPrivilege(extra));
        }
    }
    if let (Some(max), Some(exp)) = (x.max_lifetime, expiration) {
        let ms = exp.millis_since(&issued_at);
        if ms > (max.secs() as i64).saturating_mul(1000) {
            problems.push(Problem::LifetimeTooLong {
                lifetime: Ttl((ms / 1000).max(0) as u64),
                max,
            });
        }
    }
    if let Some(d) = x.domain.filter(|d| *d != fields.domain) {
        problems.push(Problem::DomainMismatch {
            expected: d.to_string(),
            actual: fields.domain.clone(),
        });
    }
    if let Some(c) = x.chain_id.filter(|c| *c != fields.chain_id) {
        problems.push(Problem::ChainMismatch {
            expected: c,
            actual: fields.chain_id,
        });
    }
    if problems.is_empty() {
        Ok(fields)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eth::WalletKey;
    use crate::lit::{Ability, Resource, ResourcePrefix};
    use crate::sign::authsig::{create_auth_sig, AuthSigParams};

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
            .message()
            .contains("lit-accesscontrolcondition://*"));
    }

    #[test]
    fn defects_stop_early() {
        let reqs = [];
        let uri = format!("lit:session:{PUB}");
        let mut a = sample(vec![req(ResourcePrefix::Pkp, "*", Ability::PkpSigning)]);
        a.signed_message = a.signed_message.replace("Chain ID: 175188", "Chain ID: 1");
        assert_eq!(
            check_auth_sig(&a, &expect(&uri, &reqs)).unwrap_err(),
            vec![Problem::BadSignature]
        );
        let mut a = sample(vec![req(ResourcePrefix::Pkp, "*", Ability::PkpSigning)]);
        a.address = a.address.to_lowercase();
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
