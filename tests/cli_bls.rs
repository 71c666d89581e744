//! `lit.bls` AuthSigs through the CLI: `verify --network-key` on a SessionSigs bundle whose
//! capability is the network-signed vector `tests/vectors/bls/valid-pkp.json` (session key of
//! seed [7; 32]), without a key (exit 1, `BlsNoNetworkKey`, help naming the flag), with a
//! wrong key, and `check --authsig` with and without `--network-key`.

mod common;

use ed25519_dalek::{Signer, SigningKey};
use serde_json::{json, Value};
use std::path::PathBuf;

const NODE: &str = "https://15.235.83.220:7470";
const NOW: &str = "2024-09-20T12:00:00Z";

fn vector(name: &str) -> Value {
    let p = common::root().join(format!("tests/vectors/bls/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn key() -> String {
    vector("valid-pkp")["input"]["networkKey"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Writes a file under a name unique to this call (tests run in parallel).
fn write(name: &str, text: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let p = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{n}-{name}"));
    std::fs::write(&p, text).unwrap();
    p
}

/// A one-node SessionSigs map whose capability is the vector's AuthSig.
fn bundle(vector_name: &str) -> PathBuf {
    let v = vector(vector_name);
    let session = SigningKey::from_bytes(&[7u8; 32]);
    let session_hex = hex::encode(session.verifying_key().to_bytes());
    assert_eq!(
        v["input"]["sessionKey"].as_str(),
        Some(session_hex.as_str())
    );
    let payload = json!({
        "sessionKey": session_hex,
        "resourceAbilityRequests": [{"resource": {"resource": "*", "resourcePrefix": "lit-pkp"}, "ability": "pkp-signing"}],
        "capabilities": [v["input"]["authSig"]],
        "issuedAt": "2024-09-20T11:30:00.000Z",
        "expiration": "2024-09-20T13:00:00.000Z",
        "nodeAddress": NODE,
    })
    .to_string();
    let entry = json!({
        "sig": hex::encode(session.sign(payload.as_bytes()).to_bytes()),
        "derivedVia": "litSessionSignViaNacl",
        "signedMessage": payload,
        "address": session_hex,
        "algo": "ed25519",
    });
    write(
        &format!("bls-bundle-{vector_name}.json"),
        &json!({ NODE: entry }).to_string(),
    )
}

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "not JSON: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn verify_with_the_network_key_accepts_the_pkp_session() {
    let f = bundle("valid-pkp");
    let f = f.to_str().unwrap();
    let k = key();
    let out = common::litcap(&[
        "verify",
        f,
        "--at",
        NOW,
        "--network-key",
        &k,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", json_of(&out));
    assert_eq!(json_of(&out)["ok"], json!(true));
    // `0x` accepted.
    let k0x = format!("0x{k}");
    let out = common::litcap(&["verify", f, "--at", NOW, "--network-key", &k0x]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn verify_without_a_key_is_not_valid_and_names_the_flag() {
    let f = bundle("valid-pkp");
    let out = common::litcap(&[
        "verify",
        f.to_str().unwrap(),
        "--at",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v = json_of(&out);
    let e = &v["nodes"][0]["error"];
    assert_eq!(e["kind"], json!("BlsNoNetworkKey"), "{v}");
    assert!(e["help"].as_str().unwrap().contains("--network-key"), "{v}");
}

#[test]
fn verify_with_another_key_or_a_tampered_message_fails_as_the_node() {
    let other = vector("wrong-key")["input"]["networkKey"]
        .as_str()
        .unwrap()
        .to_string();
    let f = bundle("valid-pkp");
    let out = common::litcap(&[
        "verify",
        f.to_str().unwrap(),
        "--at",
        NOW,
        "--network-key",
        &other,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v = json_of(&out);
    let caps = &v["nodes"][0]["error"]["capabilities"];
    assert_eq!(caps[0]["kind"], json!("NodeSIWEMessageError"), "{v}");

    let f = bundle("sig-not-hex");
    let out = common::litcap(&[
        "verify",
        f.to_str().unwrap(),
        "--at",
        NOW,
        "--network-key",
        &key(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v = json_of(&out);
    assert_eq!(
        v["nodes"][0]["error"]["capabilities"][0]["kind"],
        json!("NodeSIWESigConversionError"),
        "{v}"
    );
}

#[test]
fn bad_network_keys_are_usage_errors() {
    let f = bundle("valid-pkp");
    for bad in ["zz", "00", &"00".repeat(48)] {
        let out = common::litcap(&["verify", f.to_str().unwrap(), "--network-key", bad]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--network-key"));
    }
}

#[test]
fn check_authsig_verifies_the_bls_signature_with_a_key() {
    let policy = write(
        "bls-policy.litcap",
        "grant \"pkp\" {\n  domain \"litprotocol.com\"\n  max-ttl 1d\n  allow pkp-signing on \"lit-pkp://*\"\n}\n\nsession \"s\" from \"pkp\" {\n  ttl 1h\n  request pkp-signing on \"lit-pkp://*\"\n}\n",
    );
    let p = policy.to_str().unwrap();
    let check = |vector_name: &str, key: Option<&str>| {
        let a = write(
            &format!("bls-authsig-{vector_name}.json"),
            &vector(vector_name)["input"]["authSig"].to_string(),
        );
        let mut args = vec![
            "check".to_string(),
            p.to_string(),
            "--authsig".into(),
            a.to_str().unwrap().into(),
            "--at".into(),
            NOW.into(),
            "--format".into(),
            "json".into(),
        ];
        if let Some(k) = key {
            args.extend(["--network-key".to_string(), k.to_string()]);
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = common::litcap(&refs);
        let codes: Vec<String> = json_of(&out)["diagnostics"]
            .as_array()
            .map(|d| {
                d.iter()
                    .filter_map(|x| x["code"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        (out.status.code(), codes)
    };
    let k = key();
    let (code, codes) = check("valid-pkp", None);
    assert_eq!(code, Some(1));
    assert!(
        codes.iter().any(|c| c.contains("network-key-missing")),
        "{codes:?}"
    );
    let (_, codes) = check("valid-pkp", Some(&k));
    assert!(
        !codes
            .iter()
            .any(|c| c.contains("network-key-missing") || c.contains("signature")),
        "{codes:?}"
    );
    let (code, codes) = check("tampered-siwe", Some(&k));
    assert_eq!(code, Some(1));
    assert!(
        codes.iter().any(|c| c.contains("signature-mismatch")),
        "{codes:?}"
    );
    let (code, codes) = check("sig-wrong-length", Some(&k));
    assert_eq!(code, Some(1));
    assert!(
        codes.iter().any(|c| c.contains("signature-format")),
        "{codes:?}"
    );
}

#[test]
fn a_lone_authsig_is_judged_as_a_capability() {
    let k = key();
    let run = |vector_name: &str, extra: &[&str]| {
        let v = vector(vector_name);
        let f = write(
            &format!("bls-lone-{vector_name}.json"),
            &v["input"]["authSig"].to_string(),
        );
        let now = v["input"]["now"].as_str().unwrap().to_string();
        let mut args = vec![
            "verify",
            f.to_str().unwrap(),
            "--at",
            &now,
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let out = common::litcap(&args);
        (out.status.code(), json_of(&out))
    };
    let session = vector("valid-pkp")["input"]["sessionKey"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, v) = run(
        "valid-action",
        &["--network-key", &k, "--session-key", &session],
    );
    assert_eq!(code, Some(0), "{v}");
    assert_eq!(v["ok"], json!(true));
    assert_eq!(v["authSig"]["kind"], json!("bls-network"));
    assert_eq!(v["authSig"]["valid"], json!(true));
    assert_eq!(
        v["authSig"]["authContext"]["actionIpfsIds"][0],
        json!("QmY3qun9qX3fUBHVfrA9f3v9RpyyPo8RHEuEN1XYPq1PrA")
    );
    let (code, v) = run("valid-pkp", &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        v["authSig"]["error"]["kind"],
        json!("BlsNoNetworkKey"),
        "{v}"
    );
    let (code, v) = run(
        "other-session-key",
        &["--network-key", &k, "--session-key", &"aa".repeat(32)],
    );
    assert_eq!(code, Some(1));
    assert_eq!(
        v["authSig"]["error"]["kind"],
        json!("NodeSIWEMessageError"),
        "{v}"
    );
    let (code, v) = run("expired", &["--network-key", &k]);
    assert_eq!((code, &v["authSig"]["valid"]), (Some(1), &json!(false)));
    // Human output names the auth context.
    let f = write(
        "bls-lone-human.json",
        &vector("valid-action")["input"]["authSig"].to_string(),
    );
    let out = common::litcap(&[
        "verify",
        f.to_str().unwrap(),
        "--at",
        NOW,
        "--network-key",
        &k,
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Lit Action session"), "{text}");
}

/// A policy with a PKP grant for the vectors' PKP, the given `auth-action` lines.
fn pkp_policy(pkp: &str, actions: &[&str]) -> PathBuf {
    let lines: String = actions
        .iter()
        .map(|a| format!("  auth-action \"{a}\"\n"))
        .collect();
    write(
        "pkp.litcap",
        &format!(
            "grant \"g\" {{\n  domain \"litprotocol.com\"\n  signer pkp \"{pkp}\"\n{lines}  max-ttl 2d\n  allow pkp-signing on \"lit-pkp://*\"\n  allow lit-action-execution on \"lit-litaction://*\"\n}}\n\nsession \"s\" from \"g\" {{\n  ttl 2h\n  request pkp-signing on \"lit-pkp://*\"\n}}\n"
        ),
    )
}

const PKP: &str = "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A";
const ACTION: &str = "QmY3qun9qX3fUBHVfrA9f3v9RpyyPo8RHEuEN1XYPq1PrA";

/// `verify --policy` of a vector's bundle: exit status and the policy findings' codes.
fn verify_policy(vector_name: &str, policy: &std::path::Path) -> (Option<i32>, Vec<String>) {
    let f = bundle(vector_name);
    let out = common::litcap(&[
        "verify",
        f.to_str().unwrap(),
        "--at",
        NOW,
        "--network-key",
        &key(),
        "--policy",
        policy.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let v = json_of(&out);
    let codes = v["policy"]["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("{v}"))
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    (out.status.code(), codes)
}

#[test]
fn verify_policy_proves_the_pkp_and_its_lit_actions() {
    // A Lit Action session of the listed action, for the grant's PKP: nothing to say.
    let action_grant = pkp_policy(PKP, &[ACTION]);
    assert_eq!(
        verify_policy("valid-action", &action_grant),
        (Some(0), vec![])
    );
    // Another action listed: the one in the auth context is not.
    let other = pkp_policy(PKP, &["QmUjX8MW6StQ7NKNdaS6g4RMkvN5hcgtKmEi8Mca6oX4t3"]);
    assert_eq!(
        verify_policy("valid-action", &other),
        (Some(1), vec!["auth-action-not-allowed".to_string()])
    );
    // A plain PKP session where an action is expected: a warning, exit 0.
    assert_eq!(
        verify_policy("valid-pkp", &action_grant),
        (Some(0), vec!["auth-action-missing".to_string()])
    );
    // Another PKP.
    let other_pkp = pkp_policy("0x70997970C51812dc3A010C7d01b50e0d17dc79C8", &[ACTION]);
    assert_eq!(
        verify_policy("valid-action", &other_pkp),
        (Some(1), vec!["pkp-mismatch".to_string()])
    );
}
