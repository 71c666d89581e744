//! `sign --authsig` with a network-signed (`lit.bls`) AuthSig of a PKP / Lit Action session:
//! the vector `tests/vectors/bls/valid-action.json` (session key of seed [7; 32]) wrapped into
//! SessionSigs once its BLS signature verifies against `--network-key` (or the key a node's
//! `--handshake` answers with), and judged against the grant's `signer pkp` / `auth-action`
//! lines; the result is what `verify --policy` accepts.

mod common;

use serde_json::{json, Value};
use std::process::Output;

const POLICY: &str = "tests/fixtures/pkp/pkp.litcap";
const AUTHSIG: &str = "tests/fixtures/pkp/valid-action.json";
const SEED: &str = "0707070707070707070707070707070707070707070707070707070707070707";
const NODE: &str = "https://15.235.83.220:7470";

fn network_key(vector: &str) -> String {
    let p = common::root().join(format!("tests/vectors/bls/{vector}.json"));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    v["input"]["networkKey"].as_str().unwrap().to_string()
}

/// `litcap sign` of session `session` with the vector's AuthSig, and `extra` flags.
fn sign(session: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "sign",
        POLICY,
        "--session",
        session,
        "--authsig",
        AUTHSIG,
        "--session-key-seed-env",
        "SEED",
        "--node",
        NODE,
        "--issued-at",
        "2024-09-20T11:30:00Z",
        "--expiration",
        "2024-09-20T12:30:00Z",
    ];
    args.extend_from_slice(extra);
    let out = common::litcap_env(&args, &[("SEED", SEED)]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    out
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_pkp_sessions_authsig_is_wrapped_and_verify_accepts_the_result() {
    let key = network_key("valid-action");
    let out = sign("action", &["--network-key", &key]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let sigs: Value = serde_json::from_slice(&out.stdout).unwrap();
    let payload: Value =
        serde_json::from_str(sigs[NODE]["signedMessage"].as_str().unwrap()).unwrap();
    let given: Value =
        serde_json::from_str(&std::fs::read_to_string(common::root().join(AUTHSIG)).unwrap())
            .unwrap();
    assert_eq!(payload["capabilities"], json!([given]));

    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let file = dir.join("sign-pkp-sessionsigs.json");
    std::fs::write(&file, &out.stdout).unwrap();
    let verified = common::litcap(&[
        "verify",
        file.to_str().unwrap(),
        "--at",
        "2024-09-20T12:00:00Z",
        "--network-key",
        &key,
        "--policy",
        POLICY,
        "--session",
        "action",
    ]);
    assert_eq!(
        verified.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&verified.stdout),
        stderr(&verified)
    );
}

#[test]
fn without_a_key_or_with_another_one_it_is_refused() {
    let out = sign("action", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("litcap::network-key-missing"));
    assert!(stderr(&out).contains("--network-key HEX"));

    let out = sign("action", &["--network-key", &network_key("wrong-key")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("its BLS signature is not valid"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn the_grants_signer_lines_are_proven() {
    let key = network_key("valid-action");
    let out = sign("other-action", &["--network-key", &key]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("litcap::auth-action-not-allowed"));
    let out = sign("other-pkp", &["--network-key", &key]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("litcap::pkp-mismatch"));
}

#[test]
fn the_handshake_supplies_the_network_key() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(MockServer::start());
    let key = network_key("valid-action");
    rt.block_on(
        Mock::given(method("POST"))
            .and(path("/web/handshake/"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"networkPublicKey": key})),
            )
            .expect(1)
            .mount(&server),
    );
    let out = sign("action", &["--handshake", &server.uri()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("network key `"), "{}", stderr(&out));
}

#[test]
fn a_network_key_needs_an_authsig() {
    let out = common::litcap(&[
        "sign",
        POLICY,
        "--session",
        "action",
        "--wallet-key-env",
        "W",
        "--session-key-seed-env",
        "SEED",
        "--node",
        NODE,
        "--network-key",
        &network_key("valid-action"),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
