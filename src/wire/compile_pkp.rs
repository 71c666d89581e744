//! `compile` for a grant with `signer pkp`: what the SDK's `getPkpSessionSigs` /
//! `getLitActionSessionSigs` take from the policy.
//!
//! Rules and their sources (js-sdk v7, `master`, `packages/lit-node-client-nodejs/src/lib/
//! lit-node-client-nodejs.ts` and `packages/types/src/lib/interfaces.ts`):
//!
//! 1. Both take `resourceAbilityRequests` (`CommonGetSessionSigsProps`), the same objects as
//!    `getSessionSigs`; the nodes write them into the SIWE recap they sign.
//! 2. `getLitActionSessionSigs` needs `litActionCode` or `litActionIpfsId` (one of them) and
//!    `jsParams`; with a CID the nodes run that action and list it in the auth context's
//!    `actionIpfsIds`. A grant with one `auth-action` gives `litActionIpfsId`; with several the
//!    caller picks one of `litActionIpfsIds`.
//! 3. `domain` (`CommonGetSessionSigsProps.domain`) reaches `signSessionKey`, which writes it
//!    as the SIWE domain (default `globalThis.location?.host || 'litprotocol.com'`); the
//!    policy checks it (`domain-mismatch`), so it is given.
//! 4. `pkpPublicKey` is required but the policy names the PKP by its Ethereum address
//!    (`computeAddress(pkpPublicKey)`): `pkpEthAddress` is printed for the caller to check.
//!    `chainId` is always 1 (`getPkpSessionSigs` passes `chainId: 1`).

use crate::model::Grant;
use serde_json::{json, Map, Value};

/// The PKP session parameters of a grant with `signer pkp`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PkpSession {
    /// EIP-55.
    pub pkp_eth_address: String,
    pub lit_action_ipfs_ids: Vec<String>,
    pub domain: Option<String>,
}

impl PkpSession {
    /// `None` for a wallet grant.
    pub fn of(grant: &Grant) -> Option<PkpSession> {
        let signer = grant.signer.as_ref()?;
        Some(PkpSession {
            pkp_eth_address: signer.address.to_checksum(),
            lit_action_ipfs_ids: grant.auth_actions.iter().map(|a| a.cid.clone()).collect(),
            domain: grant.domain.as_ref().map(|d| d.value.clone()),
        })
    }

    /// The SDK function to call.
    pub fn function(&self) -> &'static str {
        if self.lit_action_ipfs_ids.is_empty() {
            "getPkpSessionSigs"
        } else {
            "getLitActionSessionSigs"
        }
    }

    /// `{function, pkpEthAddress, litActionIpfsIds, params: {resourceAbilityRequests, domain,
    /// litActionIpfsId}}`, with the compiled (profile's) request objects.
    pub fn to_json(&self, resource_ability_requests: &[Value]) -> Value {
        let mut params = Map::new();
        params.insert(
            "resourceAbilityRequests".into(),
            Value::Array(resource_ability_requests.to_vec()),
        );
        if let Some(d) = &self.domain {
            params.insert("domain".into(), Value::String(d.clone()));
        }
        if let [one] = self.lit_action_ipfs_ids.as_slice() {
            params.insert("litActionIpfsId".into(), Value::String(one.clone()));
        }
        json!({
            "function": self.function(),
            "pkpEthAddress": self.pkp_eth_address,
            "litActionIpfsIds": self.lit_action_ipfs_ids,
            "params": params,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(body: &str) -> Option<PkpSession> {
        let src = format!("grant \"g\" {{\n domain \"litprotocol.com\"\n{body}}}\n");
        let (file, _) = crate::syntax::parser::parse(0, &src);
        let (policy, diags) = crate::model::build(&[file]);
        assert!(!diags.has_errors(), "{diags:?}");
        PkpSession::of(&policy.grants[0])
    }

    #[test]
    fn function_and_params() {
        assert_eq!(grant(""), None);
        let pkp = grant("signer pkp \"0x19e7e376e7c213b7e7e7e46cc70a5dd086daff2a\"\n").unwrap();
        assert_eq!(pkp.function(), "getPkpSessionSigs");
        let v = pkp.to_json(&[]);
        assert_eq!(
            v["pkpEthAddress"],
            "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A"
        );
        assert_eq!(v["params"]["domain"], "litprotocol.com");
        assert!(v["params"].get("litActionIpfsId").is_none());
        let one = "auth-action \"QmY3qun9qX3fUBHVfrA9f3v9RpyyPo8RHEuEN1XYPq1PrA\"\n";
        let two = "auth-action \"QmUjX8MW6StQ7NKNdaS6g4RMkvN5hcgtKmEi8Mca6oX4t3\"\n";
        let signer = "signer pkp \"0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A\"\n";
        let a = grant(&format!("{signer}{one}")).unwrap();
        assert_eq!(a.function(), "getLitActionSessionSigs");
        assert_eq!(
            a.to_json(&[])["params"]["litActionIpfsId"],
            "QmY3qun9qX3fUBHVfrA9f3v9RpyyPo8RHEuEN1XYPq1PrA"
        );
        let b = grant(&format!("{signer}{one}{two}")).unwrap();
        let v = b.to_json(&[]);
        assert!(v["params"].get("litActionIpfsId").is_none());
        assert_eq!(v["litActionIpfsIds"].as_array().unwrap().len(), 2);
    }
}
