//! Which Naga nodes to sign for, and each one's `maxPrice`, as the SDK v8 chooses them:
//! offline, from a price feed the caller supplies.
//!
//! What the SDK does (`@lit-protocol/lit-client` 8.3.1 `createLitClient.js`, `networks` 8.4.1
//! `issueSessionFromContext` / `getMaxPricesForNodeProduct`):
//! 1. `orchestrateHandshake` handshakes with every bootstrap URL of the staking contract; the
//!    threshold is `max(minimumThreshold, floor(2 n / 3))` of the `n` nodes that answered,
//!    `minimumThreshold` being 3 on every Naga network (`naga-*.env.js`) ([`sdk_threshold`]);
//! 2. the price feed contract gives each node's prices per product (`jitContext.nodePrices`:
//!    `{url, prices: [DECRYPTION, SIGN, LIT_ACTION, SIGN_SESSION_KEY]}` in wei);
//! 3. each operation names its product (`pkpSign`: `SIGN`, `executeJs`: `LIT_ACTION`,
//!    `decrypt`: `DECRYPTION`, a PKP auth context: `SIGN_SESSION_KEY`) and the caller's
//!    `userMaxPrice` (default 2^128 − 1);
//! 4. `getMaxPricesForNodeProduct` keeps the `threshold` cheapest nodes for the product (a
//!    stable sort, so ties keep feed order), and gives each `price + (userMaxPrice − Σ) / n`
//!    (integer division); a sum above `userMaxPrice` is `MaxPriceTooLow`
//!    ([`crate::wire::naga::max_prices_for_node_product`], vectors 08–10 and 16).
//!
//! Steps 1 and 2 need the network (the staking and price-feed contracts over chain RPC, and a
//! handshake with every node); litcap takes their result as input ([`parse_price_feed`]), and
//! `--node` URLs, when given, stand for the nodes that answered the handshake.

use crate::wire::naga::{self, NodePrice, PriceError, Product};
use serde_json::Value;

/// `minimumThreshold` of every Naga network config (`naga-dev`, `naga-test`, `naga-staging`,
/// `naga-proto`, `naga-mainnet`, `naga-local`: `MINIMUM_THRESHOLD = 3`).
pub const MINIMUM_THRESHOLD: usize = 3;

/// The SDK's threshold for `connected` nodes: `max(minimumThreshold, floor(2 n / 3))`.
pub fn sdk_threshold(connected: usize) -> usize {
    MINIMUM_THRESHOLD.max(connected * 2 / 3)
}

/// Why a price feed cannot be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FeedError {
    #[error("it is not JSON ({0})")]
    NotJson(String),
    #[error("it has no `nodePrices` array")]
    NoNodePrices,
    #[error("it is neither an array of nodes nor `{{\"nodePrices\": [...]}}`")]
    NotAFeed,
    #[error("node {index} has no `url` string")]
    NoUrl { index: usize },
    #[error("node {index} (`{url}`) has no `prices` array")]
    NoPrices { index: usize, url: String },
    #[error("node {index} (`{url}`) has {found} prices; the feed has one per product ({})", Product::ALL.map(|p| p.as_str()).join(", "))]
    PriceCount {
        index: usize,
        url: String,
        found: usize,
    },
    #[error("node {index} (`{url}`): {error}")]
    Price {
        index: usize,
        url: String,
        error: PriceError,
    },
    #[error("node `{0}` is listed twice")]
    Repeated(String),
}

/// Reads a price feed: `[{"url", "prices": [p0, p1, p2, p3]}]`, or an object holding that
/// array as `nodePrices` (the oracle's and `PricingContextSchema`'s shape). A price is a JSON
/// integer, or a decimal or `0x` hex string.
pub fn parse_price_feed(text: &str) -> Result<Vec<NodePrice>, FeedError> {
    let v: Value = serde_json::from_str(text).map_err(|e| FeedError::NotJson(e.to_string()))?;
    let list = match &v {
        Value::Array(a) => a,
        Value::Object(o) => match o.get("nodePrices") {
            Some(Value::Array(a)) => a,
            _ => return Err(FeedError::NoNodePrices),
        },
        _ => return Err(FeedError::NotAFeed),
    };
    let mut out = Vec::with_capacity(list.len());
    for (index, n) in list.iter().enumerate() {
        let url = n
            .get("url")
            .and_then(Value::as_str)
            .ok_or(FeedError::NoUrl { index })?;
        let prices =
            n.get("prices")
                .and_then(Value::as_array)
                .ok_or_else(|| FeedError::NoPrices {
                    index,
                    url: url.to_string(),
                })?;
        if prices.len() != Product::ALL.len() {
            return Err(FeedError::PriceCount {
                index,
                url: url.to_string(),
                found: prices.len(),
            });
        }
        let mut p = [0u128; 4];
        for (slot, price) in p.iter_mut().zip(prices) {
            *slot = match price {
                Value::String(s) => naga::parse_price(s),
                Value::Number(n) => naga::parse_price(&n.to_string()),
                other => Err(PriceError::Syntax(other.to_string())),
            }
            .map_err(|error| FeedError::Price {
                index,
                url: url.to_string(),
                error,
            })?;
        }
        if out.iter().any(|o: &NodePrice| o.url == url) {
            return Err(FeedError::Repeated(url.to_string()));
        }
        out.push(NodePrice {
            url: url.to_string(),
            prices: p,
        });
    }
    Ok(out)
}

/// How to choose among the feed's nodes.
#[derive(Clone, Debug)]
pub struct Choice<'a> {
    pub product: Product,
    /// Default 2^128 − 1 ([`naga::DEFAULT_USER_MAX_PRICE`]).
    pub user_max_price: Option<u128>,
    /// Default [`sdk_threshold`] of the nodes considered.
    pub threshold: Option<usize>,
    /// Only these nodes (those that answered the handshake); empty: every node of the feed.
    pub only: &'a [String],
}

/// Why no nodes could be chosen.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ChoiceError {
    #[error("--node `{0}` is not in the price feed")]
    NotInFeed(String),
    #[error("the price feed has {have} nodes, fewer than the threshold {threshold}")]
    TooFew { have: usize, threshold: usize },
    #[error(transparent)]
    Price(#[from] PriceError),
}

/// The nodes to sign for, cheapest first, each with its `maxPrice` (see the module docs).
pub fn choose(feed: &[NodePrice], choice: &Choice) -> Result<Vec<(String, u128)>, ChoiceError> {
    let considered: Vec<NodePrice> = if choice.only.is_empty() {
        feed.to_vec()
    } else {
        let mut picked = Vec::with_capacity(choice.only.len());
        // Feed order is kept: it breaks ties between equal prices.
        for n in feed {
            if choice.only.contains(&n.url) {
                picked.push(n.clone());
            }
        }
        if let Some(missing) = choice
            .only
            .iter()
            .find(|u| !feed.iter().any(|n| &&n.url == u))
        {
            return Err(ChoiceError::NotInFeed(missing.clone()));
        }
        picked
    };
    let threshold = choice
        .threshold
        .unwrap_or_else(|| sdk_threshold(considered.len()));
    if considered.len() < threshold {
        return Err(ChoiceError::TooFew {
            have: considered.len(),
            threshold,
        });
    }
    Ok(naga::max_prices_for_node_product(
        &considered,
        choice
            .user_max_price
            .unwrap_or(naga::DEFAULT_USER_MAX_PRICE),
        choice.product,
        Some(threshold),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FEED: &str = r#"{"nodePrices": [
        {"url": "https://a:1", "prices": ["10", "30", 5, "0x1"]},
        {"url": "https://b:2", "prices": ["10", "20", 5, "0x1"]},
        {"url": "https://c:3", "prices": ["10", "10", 5, "0x1"]},
        {"url": "https://d:4", "prices": ["10", "20", 5, "0x1"]}
    ]}"#;

    fn choice(product: Product, threshold: Option<usize>, max: Option<u128>) -> Choice<'static> {
        Choice {
            product,
            user_max_price: max,
            threshold,
            only: &[],
        }
    }

    #[test]
    fn thresholds_as_the_sdk() {
        assert_eq!(sdk_threshold(1), 3);
        assert_eq!(sdk_threshold(4), 3);
        assert_eq!(sdk_threshold(6), 4);
        assert_eq!(sdk_threshold(10), 6);
    }

    #[test]
    fn cheapest_first_ties_in_feed_order_excess_shared() {
        let feed = parse_price_feed(FEED).unwrap();
        // SIGN: c (10), then b and d (20, feed order); threshold 3 of 4 by default.
        let got = choose(&feed, &choice(Product::Sign, None, Some(62))).unwrap();
        assert_eq!(
            got,
            vec![
                ("https://c:3".to_string(), 14),
                ("https://b:2".to_string(), 24),
                ("https://d:4".to_string(), 24)
            ]
        );
        // Too low a ceiling is the SDK's `MaxPriceTooLow`.
        assert_eq!(
            choose(&feed, &choice(Product::Sign, Some(2), Some(29))),
            Err(ChoiceError::Price(PriceError::TooLow {
                required: 30,
                user_max: 29
            }))
        );
        // Only the nodes that answered; one not in the feed is named.
        let only = ["https://a:1".to_string(), "https://b:2".to_string()];
        let c = Choice {
            only: &only,
            threshold: Some(2),
            ..choice(Product::Sign, None, Some(50))
        };
        assert_eq!(
            choose(&feed, &c).unwrap(),
            vec![
                ("https://b:2".to_string(), 20),
                ("https://a:1".to_string(), 30)
            ]
        );
        let c = Choice {
            threshold: None,
            ..c
        };
        assert_eq!(
            choose(&feed, &c),
            Err(ChoiceError::TooFew {
                have: 2,
                threshold: 3
            })
        );
        let stray = ["https://z:9".to_string()];
        assert!(matches!(
            choose(&feed, &Choice { only: &stray, ..c }),
            Err(ChoiceError::NotInFeed(_))
        ));
    }

    /// Vector 10 (LIT_ACTION, threshold 2 of 3) from its own input.
    #[test]
    fn vector_10() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/vectors/v8/10-sessionsigs-threshold-cheapest-excess.json"
        );
        let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let input = &v["input"];
        let feed = parse_price_feed(&input.to_string()).unwrap();
        let product = Product::parse(input["product"].as_str().unwrap()).unwrap();
        let max = naga::parse_price(input["userMaxPrice"].as_str().unwrap()).unwrap();
        let threshold = input["threshold"].as_u64().map(|t| t as usize);
        let got = choose(&feed, &choice(product, threshold, Some(max))).unwrap();
        let want: Vec<(String, u128)> = v["output"]["perNode"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                (
                    n["url"].as_str().unwrap().to_string(),
                    naga::parse_price(n["maxPrice"].as_str().unwrap()).unwrap(),
                )
            })
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn bad_feeds() {
        for (text, want) in [
            ("[", "not JSON"),
            ("{}", "no `nodePrices`"),
            ("[{\"prices\":[]}]", "no `url`"),
            ("[{\"url\":\"u\",\"prices\":[1]}]", "1 prices"),
            ("[{\"url\":\"u\",\"prices\":[1,2,3,\"x\"]}]", "`x`"),
            (
                "[{\"url\":\"u\",\"prices\":[1,2,3,4]},{\"url\":\"u\",\"prices\":[1,2,3,4]}]",
                "twice",
            ),
        ] {
            let e = parse_price_feed(text).unwrap_err();
            assert!(e.to_string().contains(want), "{text}: {e}");
        }
    }
}
