//! `sign --network naga --price-feed FILE`: the nodes and their `maxPrice`s chosen as the SDK
//! v8 chooses them (`getMaxPricesForNodeProduct` over the feed), byte-equal to vector 10.

mod common;

use common::Temp;
use serde_json::Value;

const KEY: &str = common::V8_WALLET_KEY;
const POLICY: &str = common::V8_WILDCARD_POLICY;

fn sign(tmp: &Temp, extra: &[&str]) -> std::process::Output {
    let v = common::v8_vector("10-");
    let policy = tmp.file("p.litcap", POLICY, 0o644);
    let feed = tmp.file(
        "feed.json",
        &serde_json::json!({"nodePrices": v.input["nodePrices"]}).to_string(),
        0o644,
    );
    let mut args = vec![
        "sign",
        policy.to_str().unwrap(),
        "--session",
        "s",
        "--network",
        "naga",
        "--wallet-key-env",
        "LITCAP_TEST_KEY",
        "--session-key-seed-env",
        "LITCAP_TEST_SEED",
        "--nonce",
        v.input["nonce"].as_str().unwrap(),
        "--issued-at",
        v.input["issuedAt"].as_str().unwrap(),
        "--expiration",
        v.input["expiration"].as_str().unwrap(),
        "--price-feed",
        feed.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    common::litcap_env(
        &args,
        &[
            ("LITCAP_TEST_KEY", KEY),
            (
                "LITCAP_TEST_SEED",
                v.input["sessionKeySeed"].as_str().unwrap(),
            ),
        ],
    )
}

#[test]
fn the_sdks_choice_of_nodes_is_vector_10() {
    let v = common::v8_vector("10-");
    let tmp = Temp::new("naga-feed");
    let out = sign(
        &tmp,
        &[
            "--product",
            "LIT_ACTION",
            "--threshold",
            "2",
            "--user-max-price",
            v.input["userMaxPrice"].as_str().unwrap(),
        ],
    );
    let e = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{e}");
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        litcap::internal::json::stringify(&got),
        litcap::internal::json::stringify(&v.expected["sessionSigs"])
    );
}

#[test]
fn feed_errors_are_usage_errors() {
    let tmp = Temp::new("naga-feed-bad");
    for (extra, want) in [
        (vec!["--product", "MINT"], "--product `MINT`"),
        // 3 nodes, and the SDK's threshold is at least 3: too low a ceiling.
        (vec!["--user-max-price", "10"], "Max price is too low"),
        (vec!["--node", "https://1.2.3.4:1"], "not in the price feed"),
        // The default threshold (3) of 1 node.
        (
            vec!["--node", "https://15.235.83.220:7470"],
            "fewer than the threshold 3",
        ),
    ] {
        let out = sign(&tmp, &extra);
        let e = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {e}");
        assert!(e.contains(want), "{extra:?}: {e}");
    }
}
