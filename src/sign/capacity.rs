//! Capacity-credit delegation: `LitNodeClientNodeJs.createCapacityDelegationAuthSig` of SDK
//! 7.4.0 (`lnc`, with `createSiweMessageWithCapacityDelegation` and
//! `createCapacityCreditsResourceData` of `auth-helpers/src/lib/siwe/`).
//!
//! The dApp owner signs a SIWE message with URI `lit:capability:delegation` whose recap grants
//! `Auth/Auth` on `lit-ratelimitincrease://<token id or *>`, with the nota-bene
//! `{nft_id?: [id], delegate_to?: [addresses without 0x], uses?: "<n>"}`.

use super::authsig::{check_nonce, sign_message};
use super::wallet::WalletSigner;
use super::SignError;
use crate::authsig::AuthSig;
use crate::lit::{Ability, Resource, ResourcePrefix};
use crate::recap::NotaBene;
use crate::siwe::{self, CapabilityRequest, LitSiweParams, SiweMessage};
use crate::time::Timestamp;
use serde_json::Value;

/// The inputs of `createCapacityDelegationAuthSig` (the wallet comes separately).
#[derive(Clone, Debug, Default)]
pub struct CapacityDelegationParams {
    /// The capacity-credit NFT token id; `None` delegates every token (`*`).
    pub capacity_token_id: Option<String>,
    /// Who may use the credits, as written (`0x` is stripped, letter case kept). `None`
    /// leaves `delegate_to` out; `Some(vec![])` writes an empty list (nobody).
    pub delegatee_addresses: Option<Vec<String>>,
    /// How many uses (`String(uses)` in the SDK).
    pub uses: Option<String>,
    pub nonce: String,
    pub issued_at: Timestamp,
    /// Default `issued_at` + 7 days.
    pub expiration: Option<Timestamp>,
    /// Default `localhost`.
    pub domain: Option<String>,
    /// Default the SDK's test statement.
    pub statement: Option<String>,
}

/// `createCapacityCreditsResourceData`: keys in insertion order `nft_id` (only if the id is
/// non-empty), `delegate_to`, `uses`.
pub fn capacity_credits_resource_data(p: &CapacityDelegationParams) -> NotaBene {
    let mut nb = NotaBene::new();
    if let Some(id) = p.capacity_token_id.as_deref().filter(|id| !id.is_empty()) {
        nb.insert(
            "nft_id".into(),
            Value::Array(vec![Value::String(id.into())]),
        );
    }
    if let Some(addresses) = &p.delegatee_addresses {
        nb.insert(
            "delegate_to".into(),
            Value::Array(
                addresses
                    .iter()
                    .map(|a| Value::String(a.strip_prefix("0x").unwrap_or(a).to_string()))
                    .collect(),
            ),
        );
    }
    if let Some(uses) = &p.uses {
        nb.insert("uses".into(), Value::String(uses.clone()));
    }
    nb
}

/// The SIWE message `createSiweMessageWithCapacityDelegation` prepares for the owner's address.
pub fn build_message(
    owner_address: String,
    p: &CapacityDelegationParams,
) -> Result<SiweMessage, SignError> {
    check_nonce(&p.nonce)?;
    let id = p.capacity_token_id.clone().unwrap_or_else(|| "*".into());
    let resource = Resource::new(ResourcePrefix::RateLimitIncrease, &id)
        .map_err(|e| SignError::Input(e.to_string()))?;
    let params = LitSiweParams {
        domain: p.domain.clone(),
        wallet_address: owner_address,
        statement: p.statement.clone(),
        uri: Some(siwe::DELEGATION_URI.to_string()),
        chain_id: None,
        nonce: p.nonce.clone(),
        issued_at: p.issued_at,
        expiration: p.expiration,
        resources: Some(vec![CapabilityRequest {
            resource,
            ability: Ability::RateLimitIncreaseAuth,
            data: Some(capacity_credits_resource_data(p)),
        }]),
    };
    siwe::create_lit_siwe(&params).map_err(SignError::Build)
}

/// The delegation a policy grant describes: its one `rate-limit-increase-auth` allow becomes
/// the recap exactly as written (resource, ability and `where` nota bene), with the grant's
/// domain, statement and chain id; URI `lit:capability:delegation` as in
/// `createCapacityDelegationAuthSig`. `p` supplies the nonce and times (its token id,
/// delegatees and uses are not read: the grant's allow has them).
pub fn create_grant_delegation_auth_sig(
    owner: &dyn WalletSigner,
    allow: CapabilityRequest,
    domain: Option<String>,
    statement: Option<String>,
    chain_id: u64,
    p: &CapacityDelegationParams,
) -> Result<AuthSig, SignError> {
    check_nonce(&p.nonce)?;
    let params = LitSiweParams {
        domain,
        wallet_address: owner.address().to_checksum(),
        statement,
        uri: Some(siwe::DELEGATION_URI.to_string()),
        chain_id: Some(chain_id),
        nonce: p.nonce.clone(),
        issued_at: p.issued_at,
        expiration: p.expiration,
        resources: Some(vec![allow]),
    };
    let message = siwe::create_lit_siwe(&params).map_err(SignError::Build)?;
    Ok(sign_message(owner, message.to_message())?)
}

/// `createCapacityDelegationAuthSig({dAppOwnerWallet, …})` → `capacityDelegationAuthSig`.
pub fn create_capacity_delegation_auth_sig(
    owner: &dyn WalletSigner,
    p: &CapacityDelegationParams,
) -> Result<AuthSig, SignError> {
    let message = build_message(owner.address().to_checksum(), p)?;
    Ok(sign_message(owner, message.to_message())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_data_follows_the_sdk() {
        let p = CapacityDelegationParams {
            capacity_token_id: Some("24529".into()),
            delegatee_addresses: Some(vec!["0xAbC".into(), "def".into()]),
            uses: Some("200".into()),
            ..Default::default()
        };
        assert_eq!(
            crate::json::stringify(&Value::Object(capacity_credits_resource_data(&p))),
            r#"{"nft_id":["24529"],"delegate_to":["AbC","def"],"uses":"200"}"#
        );
        let empty = CapacityDelegationParams {
            capacity_token_id: Some(String::new()),
            delegatee_addresses: Some(vec![]),
            ..Default::default()
        };
        assert_eq!(
            crate::json::stringify(&Value::Object(capacity_credits_resource_data(&empty))),
            r#"{"delegate_to":[]}"#
        );
    }
}
