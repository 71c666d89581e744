//! The fit of an AuthSig to a grant's `signer pkp` and `auth-action` lines: who signed it, for
//! which PKP, authorized by which Lit Actions.
//!
//! Rules and their sources:
//!
//! 1. A grant with `signer pkp` takes only network-signed AuthSigs (`derivedVia: lit.bls`,
//!    lit-peer `auth_material.rs`): a wallet's AuthSig is [`Finding::SignerNotPkp`].
//! 2. The PKP: the network signs the SIWE message, whose address is the PKP's Ethereum address
//!    (js-sdk v7 `signSessionKey`: `walletAddress: computeAddress(pkpPublicKey)`); the JSON
//!    `address` is outside the signature and the nodes never compare it (lit-peer
//!    `validators/siwe.rs`), so the signed SIWE address is compared first, then `address`
//!    (what the SDK and apps read): [`Finding::PkpMismatch`].
//! 3. The Lit Actions: every CID in the auth context's `actionIpfsIds` (lit-peer
//!    `auth/resources.rs`, [`crate::wire::auth_context`]) must be an `auth-action` of the
//!    grant, compared as CIDs, so a CIDv0 and its CIDv1 match ([`crate::wire::cid::same_cid`],
//!    [`Finding::AuthActionNotAllowed`]); a grant that lists
//!    actions and an AuthSig no action authorized (a plain PKP session, or no auth context)
//!    is [`Finding::AuthActionMissing`], a warning: the session is not what the grant
//!    describes, but it grants nothing more.
//! 4. A network-signed AuthSig under a grant without `signer pkp` is
//!    [`Finding::PkpUndeclared`], a warning: the policy does not say whose PKP may mint the
//!    session, so any PKP's session with these capabilities fits; the finding names the PKP
//!    and the Lit Actions, the lines to add.
//! 5. Capabilities within the grant are [`super::judge_grant`]'s job, which skips the auth
//!    context's own `lit-resolvedauthcontext://*` entry (metadata the nodes add).

use super::Finding;
use crate::eth::Address;
use crate::model::AuthAction;
use crate::wire::auth_context::AuthContext;
use crate::wire::authsig::AuthSigKind;
use crate::wire::cid::same_cid;
use crate::wire::recap::Recap;
use crate::wire::siwe::SiweMessage;

/// What a grant's `signer pkp` and `auth-action` lines expect.
#[derive(Clone, Copy, Debug)]
pub struct PkpExpectation<'a> {
    pub address: Address,
    pub actions: &'a [AuthAction],
}

/// Which address of the AuthSig names another PKP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PkpField {
    /// The SIWE message's address, which the network signed.
    Siwe,
    /// The JSON `address`, outside the signature.
    Json,
}

/// A `lit.bls` AuthSig under a grant that names no signer (rule 4).
pub fn judge_undeclared_signer(
    kind: AuthSigKind,
    m: &SiweMessage,
    recaps: &[(usize, &Recap)],
) -> Option<Finding> {
    (kind == AuthSigKind::BlsNetwork).then(|| Finding::PkpUndeclared {
        pkp: m.address.clone(),
        actions: AuthContext::from_recaps(recaps.iter().map(|(_, r)| *r))
            .map(|c| c.action_ipfs_ids)
            .unwrap_or_default(),
    })
}

/// The AuthSig against the grant's signer lines (rules 1-3).
pub fn judge_signer(
    kind: AuthSigKind,
    json_address: &str,
    m: &SiweMessage,
    recaps: &[(usize, &Recap)],
    pkp: &PkpExpectation<'_>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    match kind {
        AuthSigKind::Wallet => {
            out.push(Finding::SignerNotPkp {
                expected: pkp.address,
                signer: m.address.clone(),
            });
            return out;
        }
        AuthSigKind::BlsNetwork => {}
        // A session signature or a contract signature is already a defect of its own.
        _ => return out,
    }
    let names = |a: &str| Address::parse_any_case(a).ok() == Some(pkp.address);
    if !names(&m.address) {
        out.push(Finding::PkpMismatch {
            expected: pkp.address,
            found: m.address.clone(),
            field: PkpField::Siwe,
        });
    } else if !names(json_address) {
        out.push(Finding::PkpMismatch {
            expected: pkp.address,
            found: json_address.to_string(),
            field: PkpField::Json,
        });
    }
    let allowed: Vec<String> = pkp.actions.iter().map(|a| a.cid.clone()).collect();
    let context = AuthContext::from_recaps(recaps.iter().map(|(_, r)| *r));
    let actions = context
        .as_ref()
        .map(|c| c.action_ipfs_ids.as_slice())
        .unwrap_or_default();
    for cid in actions {
        if !allowed.iter().any(|a| same_cid(a, cid)) {
            out.push(Finding::AuthActionNotAllowed {
                cid: cid.clone(),
                allowed: allowed.clone(),
            });
        }
    }
    if !allowed.is_empty() && actions.is_empty() {
        out.push(Finding::AuthActionMissing { allowed });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Code, Span};
    use crate::fit::{inspect_with_key, judge, Audience, Expectations, GrantExpectation};
    use crate::profile::DATIL;
    use crate::time::{Timestamp, Ttl};
    use crate::wire::authsig::AuthSig;
    use crate::wire::bls::NetworkKey;
    use crate::wire::lit::{Resource, ResourcePrefix};
    use serde_json::Value;

    const PKP: &str = "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A";
    const ACTION: &str = "QmY3qun9qX3fUBHVfrA9f3v9RpyyPo8RHEuEN1XYPq1PrA";

    fn vector(name: &str) -> (AuthSig, NetworkKey, String, Timestamp) {
        let path = format!(
            "{}/tests/vectors/bls/{name}.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let i = &v["input"];
        (
            serde_json::from_value(i["authSig"].clone()).unwrap(),
            NetworkKey::parse(i["networkKey"].as_str().unwrap()).unwrap(),
            i["sessionKey"].as_str().unwrap().to_string(),
            Timestamp::parse_rfc3339(i["now"].as_str().unwrap()).unwrap(),
        )
    }

    fn actions(cids: &[&str]) -> Vec<AuthAction> {
        cids.iter()
            .map(|c| AuthAction {
                cid: c.to_string(),
                span: Span::default(),
            })
            .collect()
    }

    /// Every finding of the whole engine for a vector against a PKP grant.
    fn codes(name: &str, pkp: &str, cids: &[&str]) -> Vec<Code> {
        let (a, key, session, now) = vector(name);
        let ins = inspect_with_key(&a, &DATIL, Some(&key));
        let mut grant = Recap::new();
        grant.add_all_capabilities(&Resource::wildcard(ResourcePrefix::Pkp));
        grant.add_all_capabilities(&Resource::wildcard(ResourcePrefix::LitAction));
        let allowed = actions(cids);
        let x = Expectations {
            audience: Audience::SessionKey(&session),
            grant: Some(GrantExpectation {
                recap: &grant,
                domain: Some("litprotocol.com"),
                chain_id: Some(1),
                max_lifetime: Some(Ttl(2 * 86_400)),
                pkp: Some(PkpExpectation {
                    address: Address::parse_any_case(pkp).unwrap(),
                    actions: &allowed,
                }),
            }),
            now: Some(now),
            ..Expectations::new(&DATIL)
        };
        judge(&ins, &x).iter().map(Finding::code).collect()
    }

    #[test]
    fn the_network_signed_vectors_against_pkp_grants() {
        // The auth context's own `lit-resolvedauthcontext://*` is no over-privilege; the real
        // network's AuthSig (the SDK fixture) is a Lit Action session of that same action.
        assert_eq!(codes("valid-action", PKP, &[ACTION]), vec![]);
        assert_eq!(
            codes(
                "real-network",
                "0x7f2e96c99F9551915DA9e9F828F512330f130acB",
                &[ACTION]
            ),
            vec![]
        );
        assert_eq!(
            codes(
                "valid-action",
                PKP,
                &["QmUjX8MW6StQ7NKNdaS6g4RMkvN5hcgtKmEi8Mca6oX4t3"]
            ),
            vec![Code::AuthActionNotAllowed]
        );
        assert_eq!(
            codes("valid-action", PKP, &[]),
            vec![Code::AuthActionNotAllowed]
        );
        // The action's CIDv1 in the grant, its CIDv0 in the auth context: the same action.
        let action_v1 = "bafybeieqi2usvgfavoxwbh6bqjv5riwjhw736s6gyhkehl3vskomqe45xm";
        assert_eq!(codes("valid-action", PKP, &[action_v1]), vec![]);
        assert_eq!(codes("valid-pkp", PKP, &[]), vec![]);
        assert_eq!(
            codes("valid-pkp", PKP, &[ACTION]),
            vec![Code::AuthActionMissing]
        );
        assert_eq!(
            codes(
                "valid-pkp",
                "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                &[]
            ),
            vec![Code::PkpMismatch]
        );
        // `address` changed after signing: the signed SIWE address is the PKP, `address` is not.
        assert_eq!(codes("other-address", PKP, &[]), vec![Code::PkpMismatch]);
        // A broken signature is reported as such, and the PKP is still judged.
        assert_eq!(
            codes("tampered-siwe", PKP, &[]).first(),
            Some(&Code::SignatureMismatch)
        );
    }

    #[test]
    fn a_pkp_session_under_a_grant_without_signer() {
        let (a, ..) = vector("valid-action");
        let m = crate::wire::siwe::SiweMessage::parse(&a.signed_message).unwrap();
        let recaps: Vec<Recap> = m
            .recap_resources()
            .filter_map(|u| Recap::decode(u).ok().map(|d| d.recap))
            .collect();
        let indexed: Vec<(usize, &Recap)> = recaps.iter().enumerate().collect();
        let f = judge_undeclared_signer(AuthSigKind::BlsNetwork, &m, &indexed).unwrap();
        assert_eq!(
            f,
            Finding::PkpUndeclared {
                pkp: PKP.into(),
                actions: vec![ACTION.into()]
            }
        );
        assert_eq!(f.severity(), crate::diag::Severity::Warning);
        assert_eq!(
            judge_undeclared_signer(AuthSigKind::Wallet, &m, &indexed),
            None
        );
    }

    #[test]
    fn which_field_names_another_pkp() {
        let (a, ..) = vector("other-address");
        let m = crate::wire::siwe::SiweMessage::parse(&a.signed_message).unwrap();
        let pkp = PkpExpectation {
            address: Address::parse_any_case(PKP).unwrap(),
            actions: &[],
        };
        let f = judge_signer(AuthSigKind::BlsNetwork, &a.address, &m, &[], &pkp);
        assert!(matches!(
            f.as_slice(),
            [Finding::PkpMismatch {
                field: PkpField::Json,
                ..
            }]
        ));
        let f = judge_signer(AuthSigKind::Wallet, &a.address, &m, &[], &pkp);
        assert!(matches!(f.as_slice(), [Finding::SignerNotPkp { .. }]));
        assert_eq!(f[0].severity(), crate::diag::Severity::Error);
        let missing = Finding::AuthActionMissing {
            allowed: vec![ACTION.into()],
        };
        assert_eq!(missing.severity(), crate::diag::Severity::Warning);
        assert_eq!(missing.node_error(), None);
    }
}
