//! Payment delegation (SDK v8, Naga): auth-helpers 8.2.1 `createPaymentDelegationAuthSig`.
//!
//! The payer signs a SIWE message with URI `lit:capability:delegation` whose recap grants
//! `Auth/Auth` on `lit-paymentdelegation://*` with the nota bene of
//! [`crate::wire::payment::nota_bene`]. The SIWE takes `createSiweMessage`'s defaults
//! (`localhost`, the test statement, chain 1, expiration now + 7 days), as v7 did. The viem and
//! ethers signers give the same AuthSig (vectors 11 and 12: EIP-191, `0x` r‖s‖v, checksummed
//! address, no `algo`).

use super::authsig::{check_nonce, sign_message};
use super::wallet::WalletSigner;
use super::SignError;
use crate::authsig::AuthSig;
use crate::lit::{Ability, Resource, ResourcePrefix};
use crate::siwe::{self, CapabilityRequest, LitSiweParams, SiweMessage};
use crate::time::Timestamp;
use crate::wire::payment::{nota_bene, PaymentDelegationError, PaymentDelegationInput};

/// The inputs of `createPaymentDelegationAuthSig` (the signer comes separately).
#[derive(Clone, Debug, Default)]
pub struct PaymentDelegationParams {
    pub delegation: PaymentDelegationInput,
    /// The latest blockhash in the SDK (`litClient.getContext().latestBlockhash`).
    pub nonce: String,
    pub issued_at: Timestamp,
    /// Default `issued_at` + 7 days.
    pub expiration: Option<Timestamp>,
    /// Default `localhost`.
    pub domain: Option<String>,
    /// Default the SDK's test statement.
    pub statement: Option<String>,
}

/// Why a payment delegation could not be built.
#[derive(Debug, thiserror::Error)]
pub enum PaymentError {
    #[error(transparent)]
    Delegation(#[from] PaymentDelegationError),
    #[error(transparent)]
    Sign(#[from] SignError),
}

/// The SIWE message the payer signs.
pub fn build_message(
    payer_address: String,
    p: &PaymentDelegationParams,
) -> Result<SiweMessage, PaymentError> {
    let nb = nota_bene(&p.delegation)?;
    // `resolveNonce` trims; siwe then checks the nonce as in v7.
    let nonce = p.nonce.trim().to_string();
    check_nonce(&nonce)?;
    let params = LitSiweParams {
        domain: p.domain.clone(),
        wallet_address: payer_address,
        statement: p.statement.clone(),
        uri: Some(siwe::DELEGATION_URI.to_string()),
        chain_id: None,
        nonce,
        issued_at: p.issued_at,
        expiration: p.expiration,
        resources: Some(vec![CapabilityRequest {
            resource: Resource::wildcard(ResourcePrefix::PaymentDelegation),
            ability: Ability::PaymentDelegation,
            data: Some(nb),
        }]),
    };
    siwe::create_lit_siwe(&params).map_err(|e| PaymentError::Sign(SignError::Build(e)))
}

/// `createPaymentDelegationAuthSig({signer, delegateeAddresses, scopes, maxPrice, …})`.
pub fn create_payment_delegation_auth_sig(
    payer: &dyn WalletSigner,
    p: &PaymentDelegationParams,
) -> Result<AuthSig, PaymentError> {
    let message = build_message(payer.address().to_checksum(), p)?;
    Ok(sign_message(payer, message.to_message()).map_err(SignError::from)?)
}
