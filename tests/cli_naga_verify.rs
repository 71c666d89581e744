//! `verify --network naga` on what is not a SessionSigs map: a lone AuthSig is judged by the
//! Naga nodes' capability rules (an unknown key fails the payload that carries it: lit-node-core
//! `models/auth_sig.rs`), and `--request` is read in Naga's vocabulary (lit-peer
//! `auth/resources.rs`: no `lit-ratelimitincrease`).

mod common;

use serde_json::Value;

const AT: &str = "2024-09-19T14:00:00Z";
const AUTHSIG: &str = "tests/fixtures/check/authsig-14.json";

fn verify_json(file: &str, network: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec![
        "verify",
        file,
        "--at",
        AT,
        "--format",
        "json",
        "--network",
        network,
    ];
    args.extend_from_slice(extra);
    let o = common::litcap(&args);
    let v = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    (o.status.code().unwrap_or(-1), v)
}

fn authsig_of(v: &Value) -> &Value {
    &v["authSig"]
}

#[test]
fn a_lone_authsig_with_an_unknown_key_fails_on_naga_only() {
    // As written it passes both.
    for network in ["datil", "naga"] {
        let (code, v) = verify_json(AUTHSIG, network, &[]);
        assert_eq!(code, 0, "{network}: {v}");
        assert_eq!(authsig_of(&v)["valid"], true, "{network}: {v}");
    }
    // With a key the SDK v7 used to write (`chain`), Datil still accepts it...
    let text = std::fs::read_to_string(common::root().join(AUTHSIG)).unwrap();
    let mut a: Value = serde_json::from_str(&text).unwrap();
    a["chain"] = Value::from("ethereum");
    let dir = common::Temp::new("naga-lone");
    let file = dir.file("authsig.json", &a.to_string(), 0o644);
    let file = file.to_str().unwrap();
    let (code, v) = verify_json(file, "datil", &[]);
    assert_eq!(code, 0, "{v}");
    // ... and the Naga nodes refuse the payload that carries it.
    let (code, v) = verify_json(file, "naga", &[]);
    assert_eq!(code, 1, "{v}");
    let error = &authsig_of(&v)["error"];
    assert_eq!(
        error["kind"], "NodeAuthSigSignedMessageConversionError",
        "{v}"
    );
    assert!(
        error["message"].as_str().unwrap().contains("`chain`"),
        "{v}"
    );
    assert!(
        error["help"].as_str().unwrap().contains("AuthSigSchema"),
        "{v}"
    );
}

#[test]
fn requests_are_read_in_the_networks_vocabulary() {
    let rli = "rate-limit-increase-auth on lit-ratelimitincrease://1";
    let o = common::litcap(&["verify", AUTHSIG, "--at", AT, "--request", rli]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = common::litcap(&[
        "verify",
        AUTHSIG,
        "--at",
        AT,
        "--network",
        "naga",
        "--request",
        rli,
    ]);
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(e.contains("not known to the naga nodes"), "{e}");
    assert!(e.contains("payment delegation"), "{e}");
}
