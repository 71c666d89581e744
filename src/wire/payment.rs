//! Payment delegation (SDK v8, Naga): the nota bene of a `lit-paymentdelegation://*` →
//! `Auth/Auth` grant, which replaces Datil's capacity-credit delegation.
//!
//! Rules and sources:
//! - auth-helpers 8.2.1 `payment-delegation.ts` `createPaymentDelegationAuthSig`: the nota
//!   bene is `{delegate_to, max_price, scopes}` in that insertion order (the recap then sorts
//!   keys); `delegate_to` are the delegatees validated by ethers `getAddress` (mixed case must
//!   be the EIP-55 checksum), lowercased, without `0x`; `max_price` is lowercase hex without
//!   `0x` (decimal strings converted, `0x…` and bare hex lowercased); `scopes` are deduplicated
//!   in first-seen order and each must be one of the four below. Delegatees, scopes and
//!   `maxPrice` are all required. The SIWE `URI` is `lit:capability:delegation` and its
//!   resource `lit-paymentdelegation://*` (`LitPaymentDelegationResource('*')`).
//! - The node (lit-peer `payment/payment_delegation.rs`
//!   `check_verified_siwe_for_a_payment_delegator`) reads this nota bene only under `Auth/Auth`
//!   on scheme `lit-paymentdelegation`, and requires the session's `maxPrice` to be at most the
//!   delegation's `max_price`.
//!
//! Vectors: `tests/vectors/v8/` 05, 11, 12, 13, 14.

use crate::eth::Address;
use crate::recap::NotaBene;
use serde_json::Value;

/// `PAYMENT_DELEGATION_SCOPES`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    EncryptionSign,
    LitAction,
    PkpSign,
    SignSessionKey,
}

impl Scope {
    pub const ALL: [Scope; 4] = [
        Scope::EncryptionSign,
        Scope::LitAction,
        Scope::PkpSign,
        Scope::SignSessionKey,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::EncryptionSign => "encryption_sign",
            Scope::LitAction => "lit_action",
            Scope::PkpSign => "pkp_sign",
            Scope::SignSessionKey => "sign_session_key",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Why the SDK refuses a payment delegation; messages are the SDK's
/// (`InvalidArgumentException`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PaymentDelegationError {
    #[error("delegateeAddresses must be provided")]
    NoDelegatees,
    #[error("invalid delegatee address `{0}`")]
    BadAddress(String),
    #[error("scopes must be a non-empty array")]
    NoScopes,
    #[error("Unsupported payment delegation scope: {0}")]
    UnsupportedScope(String),
    #[error("maxPrice must not be empty")]
    EmptyMaxPrice,
    #[error("maxPrice must be a hex or decimal string")]
    BadMaxPrice(String),
}

impl PaymentDelegationError {
    /// A `help` naming what would be accepted.
    pub fn help(&self) -> Option<String> {
        match self {
            PaymentDelegationError::UnsupportedScope(s) => Some(match s.as_str() {
                "decrypt" | "decryption" | "encryption" => {
                    "decryption is paid under `encryption_sign`".to_string()
                }
                _ => format!(
                    "the scopes are {}",
                    Scope::ALL.map(|s| format!("`{}`", s.as_str())).join(", ")
                ),
            }),
            PaymentDelegationError::BadAddress(_) => {
                Some("write a 20-byte hex address; mixed case must be its EIP-55 checksum".into())
            }
            PaymentDelegationError::BadMaxPrice(_) => {
                Some("write the price in wei as decimal digits or `0x` hex".into())
            }
            _ => None,
        }
    }
}

/// `normalizeDelegateeAddresses`: trimmed, `0x` added, validated like ethers `getAddress`,
/// then lowercase without `0x`.
pub fn normalize_delegatee(address: &str) -> Result<String, PaymentDelegationError> {
    let trimmed = address.trim();
    let prefixed = if trimmed.starts_with("0x") {
        trimmed.to_string()
    } else {
        format!("0x{trimmed}")
    };
    let bad = || PaymentDelegationError::BadAddress(address.to_string());
    let a = Address::parse_any_case(&prefixed).map_err(|_| bad())?;
    let hex = &prefixed[2..];
    // ethers `getAddress`: all-lowercase or all-uppercase is taken as is; mixed case must be
    // the checksum.
    let mixed =
        hex.bytes().any(|b| b.is_ascii_lowercase()) && hex.bytes().any(|b| b.is_ascii_uppercase());
    if mixed && a.to_checksum() != prefixed {
        return Err(bad());
    }
    Ok(hex.to_ascii_lowercase())
}

/// `normalizeScopes`: non-empty, deduplicated in first-seen order, each known.
pub fn normalize_scopes(scopes: &[String]) -> Result<Vec<Scope>, PaymentDelegationError> {
    if scopes.is_empty() {
        return Err(PaymentDelegationError::NoScopes);
    }
    let mut seen: Vec<&str> = Vec::new();
    for s in scopes {
        if !seen.contains(&s.as_str()) {
            seen.push(s);
        }
    }
    seen.into_iter()
        .map(|s| Scope::parse(s).ok_or_else(|| PaymentDelegationError::UnsupportedScope(s.into())))
        .collect()
}

/// `normalizeMaxPrice` for a string: lowercase hex without `0x`.
pub fn normalize_max_price(max_price: &str) -> Result<String, PaymentDelegationError> {
    let t = max_price.trim();
    if t.is_empty() {
        return Err(PaymentDelegationError::EmptyMaxPrice);
    }
    if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        // The SDK slices and lowercases without checking the digits.
        return Ok(h.to_ascii_lowercase());
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        return crate::lit::decimal_to_hex(t)
            .ok_or_else(|| PaymentDelegationError::BadMaxPrice(max_price.into()));
    }
    if t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(t.to_ascii_lowercase());
    }
    Err(PaymentDelegationError::BadMaxPrice(max_price.into()))
}

/// The SDK's inputs, before normalisation.
#[derive(Clone, Debug, Default)]
pub struct PaymentDelegationInput {
    pub delegatee_addresses: Vec<String>,
    pub scopes: Vec<String>,
    pub max_price: String,
}

/// The nota bene `{delegate_to, max_price, scopes}`, checked in the SDK's order (delegatees
/// present, each address, scopes, price).
pub fn nota_bene(input: &PaymentDelegationInput) -> Result<NotaBene, PaymentDelegationError> {
    if input.delegatee_addresses.is_empty() {
        return Err(PaymentDelegationError::NoDelegatees);
    }
    let delegate_to = input
        .delegatee_addresses
        .iter()
        .map(|a| normalize_delegatee(a).map(Value::String))
        .collect::<Result<Vec<_>, _>>()?;
    let scopes = normalize_scopes(&input.scopes)?;
    let max_price = normalize_max_price(&input.max_price)?;
    let mut nb = NotaBene::new();
    nb.insert("delegate_to".into(), Value::Array(delegate_to));
    nb.insert("max_price".into(), Value::String(max_price));
    nb.insert(
        "scopes".into(),
        Value::Array(
            scopes
                .iter()
                .map(|s| Value::String(s.as_str().into()))
                .collect(),
        ),
    );
    Ok(nb)
}

/// The `max_price` (wei) a payment delegation's SIWE grants: the first nota bene with one
/// under `Auth/Auth` on `lit-paymentdelegation://*`, read as the node does (lit-peer
/// `payment_delegation.rs` `construct_payment_delegation`: hex without `0x`). `None` when the
/// message grants no payment delegation or the price is unreadable.
pub fn delegation_max_price(signed_message: &str) -> Option<u128> {
    let m = crate::siwe::SiweMessage::parse(signed_message).ok()?;
    let key = crate::lit::Resource::wildcard(crate::lit::ResourcePrefix::PaymentDelegation).key();
    let found = m.recap_resources().find_map(|urn| {
        let d = crate::recap::Recap::decode(urn).ok()?;
        let nbs = d.recap.abilities_for(&key)?.get("Auth/Auth")?;
        nbs.iter().find_map(|nb| {
            let hex = nb.get("max_price")?.as_str()?;
            u128::from_str_radix(hex.strip_prefix("0x").unwrap_or(hex), 16).ok()
        })
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delegatees_are_lowercased_without_0x() {
        assert_eq!(
            normalize_delegatee("0x70997970C51812dc3A010C7d01b50e0d17dc79C8").unwrap(),
            "70997970c51812dc3a010c7d01b50e0d17dc79c8"
        );
        assert_eq!(
            normalize_delegatee(" 3C44CdDdB6a900fa2b585dd299e03d12FA4293BC").unwrap(),
            "3c44cdddb6a900fa2b585dd299e03d12fa4293bc"
        );
        assert!(normalize_delegatee("0x70997970c51812dc3a010c7d01b50e0d17dc79C8").is_err());
        assert!(normalize_delegatee("0x1234").is_err());
    }

    #[test]
    fn scopes_and_prices() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            normalize_scopes(&s(&["pkp_sign", "lit_action", "pkp_sign"])).unwrap(),
            vec![Scope::PkpSign, Scope::LitAction]
        );
        assert_eq!(
            normalize_scopes(&s(&["decrypt"])).unwrap_err().to_string(),
            "Unsupported payment delegation scope: decrypt"
        );
        assert_eq!(
            normalize_max_price("1000000000000000000").unwrap(),
            "de0b6b3a7640000"
        );
        assert_eq!(normalize_max_price("0xABC").unwrap(), "abc");
        assert_eq!(normalize_max_price("ABC").unwrap(), "abc");
        assert!(normalize_max_price("1.5").is_err());
    }
}
