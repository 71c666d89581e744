//! SessionSigs the SDK v8 (Naga) way: `createEoaAuthContext` then `issueSessionFromContext`
//! (`@lit-protocol/auth` 8.2.3, `@lit-protocol/networks` 8.4.1).
//!
//! What differs from v7 ([`super::sessionsigs`]), each pinned by `tests/vectors/v8/`:
//! - the session SIWE: statement `""`, domain without path, expiration now + 15 min,
//!   nonce = latest blockhash (`getEoaAuthContext`; vectors 08, 09, 14);
//! - `capabilities` = `[...capabilityAuthSigs, authSig]`, each capability re-parsed by
//!   `AuthSigSchema` (keys `sig, derivedVia, signedMessage, address[, algo]`, others dropped);
//!   a payment delegation goes in `capabilityAuthSigs` (vector 14);
//! - `resourceAbilityRequests` with `resourcePrefix` first ([`crate::wire::naga`]);
//! - one entry per node chosen by `getMaxPricesForNodeProduct`, cheapest first, each payload
//!   ending with its `maxPrice` (vectors 08, 09, 10; `MaxPriceTooLow` in 16);
//! - the session key's `secretKey` is the 32-byte seed only (noble `randomPrivateKey`;
//!   vector 01); signatures are the same RFC 8032 ed25519.

use super::authsig::{check_nonce, sign_message};
use super::session_key::SessionKey;
use super::sessionsigs::{SessionSig, SessionSigs};
use super::wallet::WalletSigner;
use super::SignError;
use crate::authsig::AuthSig;
use crate::siwe::{self, CapabilityRequest, LitSiweParams, SiweMessage};
use crate::time::Timestamp;
use crate::wire::naga::{self as wire, NodePrice, PriceError, Product};
use serde_json::Value;
use zeroize::Zeroizing;

/// The v8 key pair as the SDK stores it: `{"publicKey": 64 hex, "secretKey": 64 hex (seed)}`.
pub fn key_pair_json(key: &SessionKey) -> Zeroizing<String> {
    let secret = key.secret_key_hex();
    let mut s = Zeroizing::new(String::with_capacity(160));
    s.push_str("{\"publicKey\":\"");
    s.push_str(key.public_key_hex());
    s.push_str("\",\"secretKey\":\"");
    s.push_str(&secret[..64]);
    s.push_str("\"}");
    s
}

/// The `authConfig` of `createEoaAuthContext`; `None` fields take `AuthConfigSchema`'s
/// defaults.
#[derive(Clone, Debug, Default)]
pub struct AuthConfig {
    pub resources: Vec<CapabilityRequest>,
    pub capability_auth_sigs: Vec<AuthSig>,
    /// Default `localhost`; any path is dropped.
    pub domain: Option<String>,
    /// Default `""`.
    pub statement: Option<String>,
    /// Default `now` + 15 minutes.
    pub expiration: Option<Timestamp>,
}

impl AuthConfig {
    pub fn expiration_at(&self, now: Timestamp) -> Timestamp {
        self.expiration
            .unwrap_or_else(|| now.add_millis(wire::DEFAULT_SESSION_TTL_MS))
    }
}

/// The SIWE message `getEoaAuthContext` has the wallet sign for this session key.
pub fn session_siwe(
    wallet_address: String,
    session_key_hex: &str,
    config: &AuthConfig,
    nonce: &str,
    now: Timestamp,
) -> Result<SiweMessage, SignError> {
    check_nonce(nonce)?;
    let params = LitSiweParams {
        domain: Some(wire::session_domain(
            config.domain.as_deref().unwrap_or("localhost"),
        )),
        wallet_address,
        statement: Some(
            config
                .statement
                .clone()
                .unwrap_or_else(|| wire::DEFAULT_SESSION_STATEMENT.to_string()),
        ),
        uri: Some(siwe::session_key_uri(session_key_hex)),
        chain_id: None,
        nonce: nonce.to_string(),
        issued_at: now,
        expiration: Some(config.expiration_at(now)),
        resources: Some(config.resources.clone()),
    };
    siwe::create_lit_siwe(&params).map_err(SignError::Build)
}

/// The wallet's AuthSig for the session (`ViemAccountAuthenticator.createAuthSig`).
pub fn session_auth_sig(
    wallet: &dyn WalletSigner,
    session_key_hex: &str,
    config: &AuthConfig,
    nonce: &str,
    now: Timestamp,
) -> Result<AuthSig, SignError> {
    let msg = session_siwe(
        wallet.address().to_checksum(),
        session_key_hex,
        config,
        nonce,
        now,
    )?;
    Ok(sign_message(wallet, msg.to_message())?)
}

/// `AuthSigSchema.parse`: the five known keys, in its order.
pub fn reparse_capability(a: &AuthSig) -> AuthSig {
    AuthSig {
        original: None,
        ..a.clone()
    }
}

/// The pricing context `issueSessionFromContext` receives.
#[derive(Clone, Debug)]
pub struct PricingContext {
    pub product: Product,
    /// Default [`wire::DEFAULT_USER_MAX_PRICE`].
    pub user_max_price: Option<u128>,
    pub node_prices: Vec<NodePrice>,
    /// Default every node.
    pub threshold: Option<usize>,
}

/// `issueSessionFromContext`: one session sig per selected node, cheapest first.
pub fn issue_session_sigs(
    session_key: &SessionKey,
    config: &AuthConfig,
    auth_sig: &AuthSig,
    pricing: &PricingContext,
    now: Timestamp,
) -> Result<SessionSigs, PriceError> {
    let selected = wire::max_prices_for_node_product(
        &pricing.node_prices,
        pricing
            .user_max_price
            .unwrap_or(wire::DEFAULT_USER_MAX_PRICE),
        pricing.product,
        pricing.threshold,
    )?;
    Ok(sign_for_nodes(
        session_key,
        &config.resources,
        &config.capability_auth_sigs,
        auth_sig,
        now,
        config.expiration_at(now),
        &selected,
    ))
}

/// One v8 session sig per node, each payload ending with that node's `maxPrice`, in the order
/// given. `capabilities` are the AuthSigs before the wallet's own (`capabilityAuthSigs`, e.g.
/// a payment delegation).
pub fn sign_for_nodes(
    session_key: &SessionKey,
    requests: &[CapabilityRequest],
    capabilities: &[AuthSig],
    auth_sig: &AuthSig,
    issued_at: Timestamp,
    expiration: Timestamp,
    nodes: &[(String, u128)],
) -> SessionSigs {
    let requests: Vec<Value> = requests
        .iter()
        .map(wire::resource_ability_request)
        .collect();
    let capabilities: Vec<Value> = capabilities
        .iter()
        .map(|a| reparse_capability(a).to_value())
        .chain(std::iter::once(reparse_capability(auth_sig).to_value()))
        .collect();
    let prefix = wire::payload_prefix(
        session_key.public_key_hex(),
        &requests,
        &capabilities,
        &issued_at.to_iso_string(),
        &expiration.to_iso_string(),
    );
    let address = session_key.public_key_hex().to_string();
    SessionSigs {
        entries: nodes
            .iter()
            .map(|(url, price)| {
                let signed_message = wire::payload(&prefix, url, *price);
                let sig = session_key.sign_hex(signed_message.as_bytes());
                (
                    url.clone(),
                    SessionSig {
                        sig,
                        signed_message,
                        address: address.clone(),
                    },
                )
            })
            .collect(),
    }
}

/// `authData.authMethodId` of an EOA auth context (`ViemAccountAuthenticator.authenticate`):
/// `keccak256(utf8("<EIP-55 address>:lit"))`, `0x` hex.
pub fn eoa_auth_method_id(checksummed_address: &str) -> String {
    let h = crate::eth::keccak256(format!("{checksummed_address}:lit").as_bytes());
    format!("0x{}", hex::encode(h))
}

/// The v8 storage plugin's layout (`storagePlugins.localStorageNode({appName, networkName,
/// storagePath})`, auth 8.2.3; see [`super::store_v8`]): the session key under
/// `lit-auth:<app>:<network>:<address>` and the wallet's AuthSig under
/// `lit-auth:<app>-inner-delegation:<network>:<address>`, JSON-encoded twice. The address is
/// the EIP-55 one. Returned as (key, value) pairs, in the order above.
pub fn store_entries(
    app_name: &str,
    network_name: &str,
    checksummed_address: &str,
    key: &SessionKey,
    expires_at: Timestamp,
    auth_sig: &AuthSig,
) -> Vec<(String, Zeroizing<String>)> {
    let layout = super::store_v8::V8Layout {
        app_name: app_name.to_string(),
        network_name: network_name.to_string(),
    };
    vec![
        (
            layout.session_key_entry(checksummed_address),
            super::store_v8::session_key_value(key, expires_at),
        ),
        (
            layout.auth_sig_entry(checksummed_address),
            Zeroizing::new(super::store_v8::auth_sig_value(auth_sig)),
        ),
    ]
}
