//! `tests/vectors/bls/`: `lit.bls` AuthSigs signed like the Lit nodes by @noble/curves, each
//! confirmed by the SDK's own BLS verifier (`@lit-protocol/crypto` 7.4.0 `verifySignature`,
//! wasm `blsVerify('Bls12381G2', ...)`), plus a real network AuthSig combined from the SDK
//! fixture's node shares with `combineSignatureShares` (generator: tests/interop-bls/).
//!
//! Each vector is held twice: litcap's bare BLS check must agree with the SDK's verdict
//! (`sdkSignatureValid`), and the node rules (`judge_capability`) must give the node's error
//! kind (`expected.node.kind`).

use litcap::internal::bls::{session_hash, BlsSignature, NetworkKey};
use litcap::internal::verify::sessionsigs::judge_capability;
use litcap::Timestamp;
use serde_json::Value;
use std::path::Path;

fn vectors() -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/bls");
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).unwrap()).unwrap();
    index["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let name = n.as_str().unwrap().to_string();
            let text = std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap();
            (name, serde_json::from_str(&text).unwrap())
        })
        .collect()
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap()
}

#[test]
fn bls_vectors() {
    let all = vectors();
    assert_eq!(all.len(), 17);
    for (name, v) in &all {
        let input = &v["input"];
        let a = &input["authSig"];
        let key = NetworkKey::parse(s(input, "networkKey")).unwrap();

        // The bare signature check, as the SDK's verifier judged it.
        let sdk_ok = v["expected"]["sdkSignatureValid"].as_bool().unwrap();
        let ours = BlsSignature::parse(s(a, "sig"))
            .map_err(|e| e.to_string())
            .and_then(|sig| {
                sig.verify(&key, &session_hash(s(a, "signedMessage")))
                    .map_err(|e| e.to_string())
            });
        assert_eq!(ours.is_ok(), sdk_ok, "{name}: signature {ours:?}");

        // The node rules.
        let verdict = judge_capability(
            s(a, "sig"),
            s(a, "derivedVia"),
            s(a, "signedMessage"),
            s(a, "address"),
            a["algo"].as_str(),
            Some(s(input, "sessionKey")),
            Timestamp::parse_rfc3339(s(input, "now")).unwrap(),
            Some(&key),
        );
        let want = &v["expected"]["node"];
        let got_kind = verdict.result.as_ref().err().map(|(k, _)| k.as_str());
        assert_eq!(
            got_kind,
            want["kind"].as_str(),
            "{name}: {:?}",
            verdict.result
        );
        assert_eq!(
            verdict.result.is_ok(),
            want["valid"].as_bool().unwrap(),
            "{name}"
        );
        if let Err((_, why)) = &verdict.result {
            assert!(!why.is_empty() && !why.contains("panicked"), "{name}");
        }

        // Without a key: never valid, a distinct kind.
        let without = judge_capability(
            s(a, "sig"),
            s(a, "derivedVia"),
            s(a, "signedMessage"),
            s(a, "address"),
            a["algo"].as_str(),
            Some(s(input, "sessionKey")),
            Timestamp::parse_rfc3339(s(input, "now")).unwrap(),
            None,
        );
        assert!(without.result.is_err(), "{name}: valid without a key");
    }
}

#[test]
fn real_network_signature_is_the_fixture_key() {
    let (_, v) = vectors()
        .into_iter()
        .find(|(n, _)| n == "real-network")
        .unwrap();
    assert_eq!(
        s(&v["input"], "networkKey"),
        "a6f7c284ac766db1b43f8c65d8ff15c7271a05b0863b5205d96459fd32aa353e9390ce0626560fb76720c1a5c8ca6902"
    );
}
