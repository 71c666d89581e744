//! Creating AuthSigs: the SDK's documented `authNeededCallback`
//! (`createSiweMessageWithRecaps({uri: "lit:session:<pub>", …})` then `generateAuthSig`), with
//! any [`WalletSigner`].

use super::wallet::{SignerError, WalletSigner};
use super::SignError;
use crate::authsig::AuthSig;
use crate::siwe::{self, CapabilityRequest, LitSiweParams, SiweMessage};
use crate::time::Timestamp;

/// What the AuthSig grants and its SIWE fields. `None` fields take the SDK's defaults
/// (`localhost`, the test statement, chain 1, expiration `issued_at` + 7 days).
#[derive(Clone, Debug, Default)]
pub struct AuthSigParams {
    /// The session public key (64 hex digits): the SIWE URI is `lit:session:<key>`.
    pub session_public_key: String,
    /// The capabilities the recap grants (the SDK's `resources`), merged into one recap.
    pub capabilities: Vec<CapabilityRequest>,
    pub domain: Option<String>,
    pub statement: Option<String>,
    pub chain_id: Option<u64>,
    /// The SIWE nonce: the latest Ethereum blockhash in the SDK.
    pub nonce: String,
    /// SIWE `Issued At`: `new Date()` when the SDK prepares the message.
    pub issued_at: Timestamp,
    pub expiration: Option<Timestamp>,
}

impl AuthSigParams {
    /// The `createSiweMessageWithRecaps` parameters for a wallet address.
    pub fn siwe_params(&self, wallet_address: String) -> LitSiweParams {
        LitSiweParams {
            domain: self.domain.clone(),
            wallet_address,
            statement: self.statement.clone(),
            uri: Some(siwe::session_key_uri(&self.session_public_key)),
            chain_id: self.chain_id,
            nonce: self.nonce.clone(),
            issued_at: self.issued_at,
            expiration: self.expiration,
            resources: Some(self.capabilities.clone()),
        }
    }
}

/// `generateAuthSig({signer, toSign})`: signs a prepared SIWE message and returns
/// `{sig, derivedVia: "web3.eth.personal.sign", signedMessage, address}` with the signer's
/// EIP-55 address.
pub fn sign_message(signer: &dyn WalletSigner, message: String) -> Result<AuthSig, SignerError> {
    let sig = signer.sign_personal(message.as_bytes())?;
    Ok(AuthSig::personal_sign(
        sig.to_hex(),
        message,
        signer.address().to_checksum(),
    ))
}

/// Builds the SIWE message (the signer's address, URI `lit:session:<key>`) and signs it.
pub fn create_auth_sig(
    signer: &dyn WalletSigner,
    params: &AuthSigParams,
) -> Result<AuthSig, SignError> {
    let message = build_message(signer, params)?;
    Ok(sign_message(signer, message.to_message())?)
}

/// The SIWE message [`create_auth_sig`] signs.
pub fn build_message(
    signer: &dyn WalletSigner,
    params: &AuthSigParams,
) -> Result<SiweMessage, SignError> {
    check_nonce(&params.nonce)?;
    let siwe_params = params.siwe_params(signer.address().to_checksum());
    siwe::create_lit_siwe(&siwe_params).map_err(SignError::Build)
}

/// siwe 2.3.2 refuses nonces that are not at least 8 letters or digits.
pub fn check_nonce(nonce: &str) -> Result<(), SignError> {
    if nonce.len() < 8 || !nonce.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(SignError::Nonce(nonce.to_string()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eth::WalletKey;
    use crate::lit::{Ability, Resource, ResourcePrefix};

    #[test]
    fn reproduces_vector_14() {
        let key = WalletKey::from_hex(
            "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
        )
        .unwrap();
        let params = AuthSigParams {
            session_public_key: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
                .into(),
            capabilities: vec![
                CapabilityRequest {
                    resource: Resource::wildcard(ResourcePrefix::Pkp),
                    ability: Ability::PkpSigning,
                    data: None,
                },
                CapabilityRequest {
                    resource: Resource::wildcard(ResourcePrefix::LitAction),
                    ability: Ability::LitActionExecution,
                    data: None,
                },
            ],
            nonce: "0x921dd92f497527857ee8dda62f1805e56c34c99a6b37691b4e56e6fb171a5a70".into(),
            issued_at: "2024-09-19T13:07:33.606Z".parse().unwrap(),
            expiration: Some("2024-09-20T13:07:33.606Z".parse().unwrap()),
            ..Default::default()
        };
        let a = create_auth_sig(&key, &params).unwrap();
        assert_eq!(a.sig, "0x982bb6b7b44b87635c5c47c6d401656a6940cd29720096f5344c12315ee5c9b671a53eadaa16af5809b9623ffb6327856365a6ef7efc75af1c9c3fe7f2a58b101c");
        assert_eq!(a.address, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    }

    #[test]
    fn bad_nonce_is_refused() {
        let key = WalletKey::from_bytes(&[1u8; 32]).unwrap();
        let params = AuthSigParams {
            session_public_key: "00".repeat(32),
            nonce: "0x12".into(),
            ..Default::default()
        };
        assert!(matches!(
            create_auth_sig(&key, &params),
            Err(SignError::Nonce(_))
        ));
    }
}
