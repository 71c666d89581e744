//! The Naga profile on the command line and in the node emulation: `delegate --network naga`
//! (payment delegation, byte-exact with v8 vector 11), `verify --network naga` (the Naga
//! nodes' `maxPrice` and strict-capability rules, lit-peer `models/auth.rs`,
//! lit-node-core `models/auth_sig.rs`).

mod common;

use litcap::internal::verify::sessionsigs::{verify_text_in, NodeErrorKind, VerifyOptions};
use litcap::SessionKey;
use litcap::Timestamp;
use litcap::{DATIL, NAGA};
use serde_json::Value;

const KEY: &str = common::V8_WALLET_KEY;
const NONCE: &str = "0x921dd92f497527857ee8dda62f1805e56c34c99a6b37691b4e56e6fb171a5a70";

use common::v8_vector as vector;

fn opts() -> VerifyOptions {
    VerifyOptions {
        now: Timestamp::parse_rfc3339("2024-09-19T13:08:00Z").unwrap(),
        node: None,
        ..Default::default()
    }
}

#[test]
fn delegate_naga_is_the_sdk_payment_delegation() {
    let v = vector("11-");
    let out = common::litcap_env(
        &[
            "delegate",
            "--network",
            "naga",
            "--delegatee",
            "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
            "--delegatee",
            "3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
            "--max-price",
            "1000000000000000000",
            "--scope",
            "pkp_sign",
            "--scope",
            "lit_action",
            "--scope",
            "pkp_sign",
            "--wallet-key-env",
            "LITCAP_TEST_KEY",
            "--nonce",
            NONCE,
            "--issued-at",
            "2024-09-19T13:07:33.606Z",
            "--expiration",
            "2024-09-20T13:07:33.606Z",
        ],
        &[("LITCAP_TEST_KEY", KEY)],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        litcap::internal::json::stringify(&got),
        litcap::internal::json::stringify(&v.expected["authSig"])
    );
}

#[test]
fn delegate_mixing_networks_is_a_usage_error() {
    let env = [("LITCAP_TEST_KEY", KEY)];
    let base = [
        "delegate",
        "--delegatee",
        "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    ];
    let cases: [(&[&str], &str); 3] = [
        (
            &["--max-price", "1", "--scope", "pkp_sign"],
            "--network naga",
        ),
        (
            &["--network", "naga", "--capacity-token-id", "1"],
            "Naga has no capacity credits",
        ),
        (
            &[
                "--network",
                "naga",
                "--max-price",
                "1",
                "--scope",
                "decrypt",
            ],
            "encryption_sign",
        ),
    ];
    for (extra, needle) in cases {
        let mut args: Vec<&str> = base.to_vec();
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--wallet-key-env", "LITCAP_TEST_KEY", "--nonce", NONCE]);
        let out = common::litcap_env(&args, &env);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}

#[test]
fn naga_nodes_accept_the_v8_sessionsigs() {
    let v = vector("08-");
    let text = v.expected["sessionSigs"].to_string();
    for profile in [&DATIL, &NAGA] {
        let verdicts = verify_text_in(&text, &opts(), profile).unwrap();
        assert_eq!(verdicts.len(), 3);
        assert!(verdicts.iter().all(|n| n.valid()), "{}", profile.name);
    }
}

#[test]
fn naga_nodes_require_max_price() {
    let v7 = common::lit_vectors()
        .into_iter()
        .find(|v| v.file.starts_with("23-"))
        .unwrap();
    let text = v7.expected["sessionSigs"].to_string();
    let verdicts = verify_text_in(&text, &opts(), &NAGA).unwrap();
    for n in &verdicts {
        let e = n.error.as_ref().expect("invalid on naga");
        assert_eq!(
            e.kind,
            NodeErrorKind::NodeAuthSigSignedMessageConversionError
        );
        assert!(e.message.contains("maxPrice"), "{}", e.message);
    }
    assert!(verify_text_in(&text, &opts(), &DATIL)
        .unwrap()
        .iter()
        .all(|n| n.valid()));
}

#[test]
fn naga_nodes_reject_unknown_capability_keys() {
    let v = vector("08-");
    let seed = v.input["sessionKeySeed"].as_str().unwrap();
    let key = SessionKey::from_seed_hex(seed).unwrap();
    let url = "https://15.235.83.220:7470";
    let entry = &v.expected["sessionSigs"][url];
    let mut payload: Value =
        serde_json::from_str(entry["signedMessage"].as_str().unwrap()).unwrap();
    payload["capabilities"][0]["chain"] = Value::String("ethereum".into());
    let signed = litcap::internal::json::stringify(&payload);
    let mut e = entry.clone();
    e["sig"] = Value::String(key.sign_hex(signed.as_bytes()));
    e["signedMessage"] = Value::String(signed);
    let text = serde_json::json!({ url: e }).to_string();
    let naga = verify_text_in(&text, &opts(), &NAGA).unwrap();
    let err = naga[0].error.as_ref().expect("rejected on naga");
    assert_eq!(
        err.kind,
        NodeErrorKind::NodeAuthSigSignedMessageConversionError
    );
    assert!(err.message.contains("`chain`"), "{}", err.message);
    assert!(verify_text_in(&text, &opts(), &DATIL).unwrap()[0].valid());
}

#[test]
fn naga_compares_node_address_with_the_raw_domain() {
    // A map keyed by `localhost` whose payload names `localhost`: the Naga node normalises only
    // the payload's side (`127.0.0.1:7470`) and compares it with its own `localhost:7470`.
    let v = vector("08-");
    let key = SessionKey::from_seed_hex(v.input["sessionKeySeed"].as_str().unwrap()).unwrap();
    let entry = &v.expected["sessionSigs"]["https://15.235.83.220:7470"];
    let mut payload: Value =
        serde_json::from_str(entry["signedMessage"].as_str().unwrap()).unwrap();
    let url = "http://localhost:7470";
    payload["nodeAddress"] = Value::String(url.into());
    let signed = litcap::internal::json::stringify(&payload);
    let mut e = entry.clone();
    e["sig"] = Value::String(key.sign_hex(signed.as_bytes()));
    e["signedMessage"] = Value::String(signed);
    let text = serde_json::json!({ url: e }).to_string();
    let naga = verify_text_in(&text, &opts(), &NAGA).unwrap();
    assert_eq!(
        naga[0].error.as_ref().map(|e| e.kind),
        Some(NodeErrorKind::NodeNotAuthorized)
    );
    assert!(verify_text_in(&text, &opts(), &DATIL).unwrap()[0].valid());
}

fn sign_args<'a>(policy: &'a str, session: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec![
        "sign",
        policy,
        "--session",
        session,
        "--wallet-key-env",
        "LITCAP_TEST_KEY",
        "--session-key-seed",
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "--nonce",
        NONCE,
        "--issued-at",
        "2024-09-19T13:07:33.606Z",
        "--node",
        "https://15.235.83.220:7470",
        "--node",
        "https://15.235.83.220:7471",
    ];
    a.extend_from_slice(extra);
    a
}

#[test]
fn sign_naga_writes_the_v8_payload() {
    let root = common::root();
    let policy = root.join("policies/pkp-signer.litcap");
    let policy = policy.to_str().unwrap();
    let out = common::litcap_env(
        &sign_args(
            policy,
            "treasury",
            &[
                "--network",
                "naga",
                "--max-price",
                "https://15.235.83.220:7470=10",
                "--max-price",
                "https://15.235.83.220:7471=0x20",
            ],
        ),
        &[("LITCAP_TEST_KEY", KEY)],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sigs: Value = serde_json::from_slice(&out.stdout).unwrap();
    for (url, price) in [
        ("https://15.235.83.220:7470", "0xa"),
        ("https://15.235.83.220:7471", "0x20"),
    ] {
        let payload: Value =
            serde_json::from_str(sigs[url]["signedMessage"].as_str().unwrap()).unwrap();
        let keys: Vec<&String> = payload.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            litcap::internal::wire::naga::PAYLOAD_FIELDS
                .iter()
                .collect::<Vec<_>>()
        );
        assert_eq!(payload["maxPrice"], price);
        let r = payload["resourceAbilityRequests"][0]["resource"]
            .as_object()
            .unwrap();
        assert_eq!(r.keys().next().map(String::as_str), Some("resourcePrefix"));
    }
    let verdicts = verify_text_in(&sigs.to_string(), &opts(), &NAGA).unwrap();
    assert!(verdicts.iter().all(|n| n.valid()));
}

#[test]
fn sign_refuses_the_other_networks_flags() {
    let root = common::root();
    let pkp = root.join("policies/pkp-signer.litcap");
    let capacity = root.join("policies/capacity-delegation.litcap");
    let (pkp, capacity) = (pkp.to_str().unwrap(), capacity.to_str().unwrap());
    // A Naga session may come from a policy whose other grants are Datil-only.
    let out = common::litcap_env(
        &sign_args(capacity, "user", &["--network", "naga", "--max-price", "1"]),
        &[("LITCAP_TEST_KEY", KEY)],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cases: [(&str, &str, &[&str], &str); 4] = [
        (pkp, "treasury", &["--max-price", "1"], "--network naga"),
        (pkp, "treasury", &["--network", "naga"], "--max-price"),
        (
            pkp,
            "treasury",
            &[
                "--network",
                "naga",
                "--max-price",
                "1",
                "--capacity-delegation",
                "x.json",
            ],
            "--payment-delegation",
        ),
        (
            pkp,
            "treasury",
            &[
                "--network",
                "naga",
                "--max-price",
                "https://15.235.83.220:7470=1",
            ],
            "has no --max-price",
        ),
    ];
    for (policy, session, extra, needle) in cases {
        let args = sign_args(policy, session, extra);
        let out = common::litcap_env(&args, &[("LITCAP_TEST_KEY", KEY)]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains(needle), "{extra:?}: {err}");
    }
}

fn temp_policy(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("litcap-naga-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("p.litcap");
    std::fs::write(&p, text).unwrap();
    p
}

/// `compile --network naga` writes the session SIWE `getEoaAuthContext` signs in vector 08
/// (empty default statement) and the v8 request order of its payload.
#[test]
fn compile_naga_matches_vector_08() {
    let v = vector("08-");
    let p = temp_policy("v08", common::V8_WILDCARD_POLICY);
    let out = common::litcap(&[
        "compile",
        p.to_str().unwrap(),
        "--session",
        "s",
        "--network",
        "naga",
        "--address",
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        "--session-key",
        v.expected["sessionKey"]["publicKey"].as_str().unwrap(),
        "--nonce",
        NONCE,
        "--issued-at",
        "2024-09-19T13:07:33.606Z",
        "--expiration",
        "2024-09-20T13:07:33.606Z",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(c["siweMessage"], v.expected["authSig"]["signedMessage"]);
    let url = "https://15.235.83.220:7470";
    let payload: Value = serde_json::from_str(
        v.expected["sessionSigs"][url]["signedMessage"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        litcap::internal::json::stringify(&c["resourceAbilityRequests"]),
        litcap::internal::json::stringify(&payload["resourceAbilityRequests"])
    );
}

#[test]
fn compile_naga_refuses_capacity_credits() {
    let p = temp_policy(
        "rli",
        r#"grant "g" {
  domain "localhost"
  allow rate-limit-increase-auth on "lit-ratelimitincrease://1"
  allow pkp-signing on "lit-pkp://*"
}
session "s" from "g" {
  ttl 1h
  request pkp-signing on "lit-pkp://*"
}
"#,
    );
    let path = p.to_str().unwrap();
    let ok = common::litcap(&["compile", path, "--session", "s"]);
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let out = common::litcap(&["compile", path, "--session", "s", "--network", "naga"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("rate-limit-increase-auth"), "{err}");
    assert!(err.contains("delegate --network naga"), "{err}");
}

/// `sign --network naga` from a policy reproduces the SDK's SessionSigs of vector 08 byte for
/// byte (three nodes, `maxPrice` 1, 2 and 3 ETH in wei).
#[test]
fn sign_naga_matches_vector_08() {
    let v = vector("08-");
    let p = temp_policy("s08", common::V8_WILDCARD_POLICY);
    let mut args = vec![
        "sign",
        p.to_str().unwrap(),
        "--session",
        "s",
        "--network",
        "naga",
        "--wallet-key-env",
        "LITCAP_TEST_KEY",
        "--session-key-seed",
        v.input["sessionKeySeed"].as_str().unwrap(),
        "--nonce",
        NONCE,
        "--issued-at",
        "2024-09-19T13:07:33.606Z",
        "--expiration",
        "2024-09-20T13:07:33.606Z",
    ];
    let prices: Vec<String> = v.input["maxPrices"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(u, p)| format!("{u}={}", p.as_str().unwrap()))
        .collect();
    for (u, p) in v.input["maxPrices"]
        .as_object()
        .unwrap()
        .keys()
        .zip(&prices)
    {
        args.extend_from_slice(&["--node", u, "--max-price", p]);
    }
    let out = common::litcap_env(&args, &[("LITCAP_TEST_KEY", KEY)]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        litcap::internal::json::stringify(&got),
        litcap::internal::json::stringify(&v.expected["sessionSigs"])
    );
}

#[test]
fn check_naga_reports_datil_only_capabilities() {
    let root = common::root();
    let capacity = root.join("policies/capacity-delegation.litcap");
    let pkp = root.join("policies/pkp-signer.litcap");
    let out = common::litcap(&[
        "check",
        capacity.to_str().unwrap(),
        "--network",
        "naga",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = &r["diagnostics"].as_array().unwrap();
    let found = d
        .iter()
        .find(|d| d["code"] == "unknown-resource-prefix")
        .expect("a Datil-only finding");
    assert!(found["help"]
        .as_str()
        .unwrap()
        .contains("payment delegation"));
    // The same file is fine for Datil, and a PKP-only policy is fine for Naga.
    let datil = common::litcap(&["check", capacity.to_str().unwrap()]);
    assert_eq!(datil.status.code(), Some(0));
    let naga = common::litcap(&["check", pkp.to_str().unwrap(), "--network", "naga"]);
    assert_eq!(naga.status.code(), Some(0));
}

/// `authsig --network naga` signs the SIWE `getEoaAuthContext` signs in vector 08.
#[test]
fn authsig_naga_matches_vector_08() {
    let v = vector("08-");
    let p = temp_policy(
        "a08",
        r#"grant "g" {
  domain "localhost"
  max-ttl 1d
  allow pkp-signing on "lit-pkp://*"
  allow lit-action-execution on "lit-litaction://*"
}
session "s" from "g" {
  ttl 1d
  request pkp-signing on "lit-pkp://*"
}
"#,
    );
    let out = common::litcap_env(
        &[
            "authsig",
            p.to_str().unwrap(),
            "--session",
            "s",
            "--network",
            "naga",
            "--wallet-key-env",
            "LITCAP_TEST_KEY",
            "--session-key",
            v.expected["sessionKey"]["publicKey"].as_str().unwrap(),
            "--nonce",
            NONCE,
            "--issued-at",
            "2024-09-19T13:07:33.606Z",
            "--expiration",
            "2024-09-20T13:07:33.606Z",
        ],
        &[("LITCAP_TEST_KEY", KEY)],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        litcap::internal::json::stringify(&got),
        litcap::internal::json::stringify(&v.expected["authSig"])
    );
}

/// Vector 14 carries a payment delegation capped at 1 ETH: the Naga nodes accept it; with a
/// session `maxPrice` above the cap the delegation would not pay.
#[test]
fn naga_payment_delegation_caps_max_price() {
    let v = vector("14-");
    let text = v.expected["sessionSigs"].to_string();
    assert!(verify_text_in(&text, &opts(), &NAGA)
        .unwrap()
        .iter()
        .all(|n| n.valid()));
    let key = SessionKey::from_seed_hex(v.input["sessionKeySeed"].as_str().unwrap()).unwrap();
    let url = "https://15.235.83.220:7470";
    let entry = &v.expected["sessionSigs"][url];
    let mut payload: Value =
        serde_json::from_str(entry["signedMessage"].as_str().unwrap()).unwrap();
    payload["maxPrice"] = Value::String("0xde0b6b3a7640001".into());
    let signed = litcap::internal::json::stringify(&payload);
    let mut e = entry.clone();
    e["sig"] = Value::String(key.sign_hex(signed.as_bytes()));
    e["signedMessage"] = Value::String(signed);
    let text = serde_json::json!({ url: e }).to_string();
    let naga = verify_text_in(&text, &opts(), &NAGA).unwrap();
    assert_eq!(
        naga[0].error.as_ref().map(|e| e.kind),
        Some(NodeErrorKind::PaymentDelegationUnusable)
    );
    assert!(verify_text_in(&text, &opts(), &DATIL).unwrap()[0].valid());
}
