//! The wire formats of SDK v8 (Naga) that differ from v7: the session SIWE's defaults, the
//! per-node signed payload with `maxPrice`, and the per-node price split.
//!
//! Rules and sources (js-sdk branch `naga`; the published packages in `tests/interop-v8/`,
//! vectors in `tests/vectors/v8/`):
//! - **Session SIWE defaults** (`@lit-protocol/auth` 8.2.3 `getEoaAuthContext`, schemas 8.0.3
//!   `AuthConfigSchema`): statement `""` (so the recap sentence follows a space), domain
//!   `localhost` with any path dropped (`DomainSchema`: `app.example.com:8443/login` →
//!   `app.example.com:8443`), expiration now + 15 minutes. Vectors 08, 09, 14.
//! - **`resourceAbilityRequests`** are re-parsed by `AuthConfigSchema` into plain objects in
//!   `ILitResourceSchema` key order: `{"resource":{"resourcePrefix":…,"resource":…},"ability":…}`
//!   plus `"data"` (v7 writes `resource` before `resourcePrefix`). Vector 08 `perNode`.
//! - **Payload** (networks 8.4.1 `issueSessionFromContext`; node `SessionKeySignedMessageV2`
//!   in lit-peer `rust/lit-node/lit-node/src/models/auth.rs`): the v7 keys, then `maxPrice`, a
//!   `0x` + lowercase hex `BigInt` without padding. The node reads it as a `U256` from a
//!   decimal or `0x` hex string and has no default, so a payload without it does not parse.
//! - **Node selection and price split** (`getMaxPricesForNodeProduct`, networks
//!   `pricing-manager/getMaxPricesForNodeProduct.ts`): nodes sorted by the product's price
//!   (a stable sort: ties keep feed order), the `threshold` cheapest kept, `MaxPriceTooLow` when
//!   their sum exceeds `userMaxPrice`, and each kept node's `maxPrice` is its price plus
//!   `(userMaxPrice − sum) / n` (integer division). `userMaxPrice` defaults to 2^128 − 1
//!   (`getUserMaxPrice`). Vectors 09, 10, 16.
//!
//! litcap computes prices in `u128`: the SDK's default ceiling is 2^128 − 1, and a price or
//! sum beyond it is refused ([`PriceError::TooLarge`]) rather than wrapped.

use crate::json;
use crate::lit::{Ability, Resource, ResourceError};
use crate::siwe::CapabilityRequest;
use serde_json::{Map, Value};

/// `AuthConfigSchema`'s default `statement` (v7's session callback used the test statement).
pub const DEFAULT_SESSION_STATEMENT: &str = "";

/// `AuthConfigSchema`'s default `expiration`: now + 15 minutes.
pub const DEFAULT_SESSION_TTL_MS: i64 = 15 * 60 * 1000;

/// `getUserMaxPrice`'s default when the caller names no ceiling: 2^128 − 1.
pub const DEFAULT_USER_MAX_PRICE: u128 = u128::MAX;

/// The keys of the signed payload, in the SDK's order (`issueSessionFromContext`).
pub const PAYLOAD_FIELDS: [&str; 7] = [
    "sessionKey",
    "resourceAbilityRequests",
    "capabilities",
    "issuedAt",
    "expiration",
    "nodeAddress",
    "maxPrice",
];

/// `DomainSchema` (schemas 8.0.3 `schemas.js`): everything before the first `/`
/// (`val.match(/^([^/]+)/)`); an empty value, or one starting with `/`, is kept as is. No
/// scheme is stripped: `https://a.b` becomes `https:`, as in the SDK.
pub fn session_domain(domain: &str) -> String {
    match domain.find('/') {
        Some(0) | None => domain.to_string(),
        Some(i) => domain[..i].to_string(),
    }
}

/// A `LitResourceAbilityRequest` as v8 writes it: `resourcePrefix` before `resource`.
pub fn resource_ability_request(r: &CapabilityRequest) -> Value {
    let mut resource = Map::new();
    resource.insert(
        "resourcePrefix".into(),
        Value::String(r.resource.prefix.as_str().into()),
    );
    resource.insert("resource".into(), Value::String(r.resource.id.clone()));
    let mut m = Map::new();
    m.insert("resource".into(), Value::Object(resource));
    m.insert("ability".into(), Value::String(r.ability.as_str().into()));
    if let Some(data) = &r.data {
        m.insert("data".into(), Value::Object(data.clone()));
    }
    Value::Object(m)
}

/// `transformShorthandResources` (auth-helpers 8.2.1 `resource-shorthand-transformer.ts`):
/// `[ability, id]` becomes a request on the resource class of that ability.
pub fn shorthand_request(ability: &str, id: &str) -> Result<CapabilityRequest, ResourceError> {
    let Some(a) = Ability::parse_in(ability, &Ability::NAGA) else {
        return Err(ResourceError::NotAKey(format!("{ability}: {id}")));
    };
    Ok(CapabilityRequest {
        resource: Resource::new(a.resource_prefix(), id)?,
        ability: a,
        data: None,
    })
}

/// `"0x" + price.toString(16)`: lowercase, no padding.
pub fn max_price_hex(price: u128) -> String {
    format!("0x{price:x}")
}

/// Why a price was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PriceError {
    #[error("price `{0}` is not a decimal or `0x` hex number")]
    Syntax(String),
    #[error("price `{0}` exceeds 2^128 - 1 wei")]
    TooLarge(String),
    /// The SDK's `MaxPriceTooLow`, with its message.
    #[error("Max price is too low: Minimum required price is {required}, got {user_max}.")]
    TooLow { required: u128, user_max: u128 },
}

/// A price as the node's `from_str_to_u256` reads it: decimal digits, or `0x` and hex digits.
pub fn parse_price(s: &str) -> Result<u128, PriceError> {
    let (digits, radix) = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => (h, 16),
        None => (s, 10),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(PriceError::Syntax(s.to_string()));
    }
    u128::from_str_radix(digits, radix).map_err(|_| PriceError::TooLarge(s.to_string()))
}

/// The price-feed products (`PRODUCT_IDS`): the index into a node's `prices`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Product {
    Decryption = 0,
    Sign = 1,
    LitAction = 2,
    SignSessionKey = 3,
}

impl Product {
    pub const ALL: [Product; 4] = [
        Product::Decryption,
        Product::Sign,
        Product::LitAction,
        Product::SignSessionKey,
    ];

    /// The SDK's names (`DECRYPTION`, `SIGN`, `LIT_ACTION`, `SIGN_SESSION_KEY`).
    pub fn as_str(self) -> &'static str {
        match self {
            Product::Decryption => "DECRYPTION",
            Product::Sign => "SIGN",
            Product::LitAction => "LIT_ACTION",
            Product::SignSessionKey => "SIGN_SESSION_KEY",
        }
    }

    pub fn parse(s: &str) -> Option<Product> {
        Product::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// One node of the price feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodePrice {
    pub url: String,
    /// Indexed by [`Product`].
    pub prices: [u128; 4],
}

/// `getMaxPricesForNodeProduct`: the nodes to sign for, cheapest first, each with its
/// `maxPrice`. `threshold` `None` keeps every node.
pub fn max_prices_for_node_product(
    nodes: &[NodePrice],
    user_max_price: u128,
    product: Product,
    threshold: Option<usize>,
) -> Result<Vec<(String, u128)>, PriceError> {
    let i = product as usize;
    let mut sorted: Vec<&NodePrice> = nodes.iter().collect();
    // `Array.prototype.sort` is stable, as is `sort_by_key`.
    sorted.sort_by_key(|n| n.prices[i]);
    if let Some(t) = threshold.filter(|t| *t > 0) {
        sorted.truncate(t);
    }
    let mut total: u128 = 0;
    for n in &sorted {
        total = total
            .checked_add(n.prices[i])
            .ok_or_else(|| PriceError::TooLarge("the sum of the node prices".into()))?;
    }
    if total > user_max_price {
        return Err(PriceError::TooLow {
            required: total,
            user_max: user_max_price,
        });
    }
    let excess = user_max_price - total;
    let share = if sorted.is_empty() {
        0
    } else {
        excess / sorted.len() as u128
    };
    Ok(sorted
        .iter()
        // price + share <= price + excess <= user_max_price: no overflow.
        .map(|n| (n.url.clone(), n.prices[i] + share))
        .collect())
}

/// Everything before the node's URL in its payload:
/// `{"sessionKey":…,"resourceAbilityRequests":…,"capabilities":…,"issuedAt":…,"expiration":…,"nodeAddress":`
pub fn payload_prefix(
    session_key_hex: &str,
    resource_ability_requests: &[Value],
    capabilities: &[Value],
    issued_at_iso: &str,
    expiration_iso: &str,
) -> String {
    let mut s = String::with_capacity(4096);
    s.push_str("{\"sessionKey\":");
    json::write_string(&mut s, session_key_hex);
    s.push_str(",\"resourceAbilityRequests\":");
    s.push_str(&json::stringify(&Value::Array(
        resource_ability_requests.to_vec(),
    )));
    s.push_str(",\"capabilities\":");
    s.push_str(&json::stringify(&Value::Array(capabilities.to_vec())));
    s.push_str(",\"issuedAt\":");
    json::write_string(&mut s, issued_at_iso);
    s.push_str(",\"expiration\":");
    json::write_string(&mut s, expiration_iso);
    s.push_str(",\"nodeAddress\":");
    s
}

/// One node's payload: the shared prefix, its URL, and its `maxPrice`.
pub fn payload(prefix: &str, node_url: &str, max_price: u128) -> String {
    let mut s = String::with_capacity(prefix.len() + node_url.len() + 64);
    s.push_str(prefix);
    json::write_string(&mut s, node_url);
    s.push_str(",\"maxPrice\":");
    json::write_string(&mut s, &max_price_hex(max_price));
    s.push('}');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_loses_scheme_and_path() {
        assert_eq!(
            session_domain("app.example.com:8443/login"),
            "app.example.com:8443"
        );
        assert_eq!(session_domain("localhost"), "localhost");
        assert_eq!(session_domain("https://a.b/c"), "https:");
        assert_eq!(session_domain("/x"), "/x");
        assert_eq!(session_domain(""), "");
    }

    #[test]
    fn prices() {
        assert_eq!(parse_price("1000").unwrap(), 1000);
        assert_eq!(parse_price("0xde0b6b3a7640000").unwrap(), 10u128.pow(18));
        assert!(matches!(parse_price(""), Err(PriceError::Syntax(_))));
        assert!(matches!(parse_price("0x"), Err(PriceError::Syntax(_))));
        assert!(matches!(parse_price("-1"), Err(PriceError::Syntax(_))));
        assert!(matches!(
            parse_price("0x1ffffffffffffffffffffffffffffffff"),
            Err(PriceError::TooLarge(_))
        ));
        assert_eq!(max_price_hex(0), "0x0");
        assert_eq!(max_price_hex(495), "0x1ef");
    }

    #[test]
    fn cheapest_first_with_the_excess_split() {
        let n = |url: &str, p: u128| NodePrice {
            url: url.into(),
            prices: [p, p, p, p],
        };
        let nodes = [n("a", 20), n("b", 10), n("c", 30), n("d", 10)];
        let got = max_prices_for_node_product(&nodes, 1000, Product::LitAction, Some(2)).unwrap();
        assert_eq!(got, vec![("b".to_string(), 500), ("d".to_string(), 500)]);
        let err = max_prices_for_node_product(&nodes, 5, Product::Sign, None).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Max price is too low: Minimum required price is 70, got 5."
        );
    }
}
