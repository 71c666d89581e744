//! The real binary on the example policies: `compile` output equals what the Lit SDK builds
//! for the same grant (tests/vectors/extra/policies.json, produced through the oracle), and
//! `fmt`, `recap` behave as documented.

mod common;

use common::litcap;
use serde_json::Value;

fn stdout_json(out: &std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

const SESSION_KEY: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

#[test]
fn example_policies_compile_to_what_the_sdk_builds() {
    let path = common::vectors_dir().join("extra/policies.json");
    let cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(cases.len() >= 4);
    for case in cases {
        let input = &case["input"];
        let out = litcap(&[
            "compile",
            case["policy"].as_str().unwrap(),
            "--session",
            case["session"].as_str().unwrap(),
            "--address",
            input["walletAddress"].as_str().unwrap(),
            "--session-key",
            SESSION_KEY,
            "--nonce",
            input["nonce"].as_str().unwrap(),
            "--issued-at",
            input["now"].as_str().unwrap(),
            "--expiration",
            input["expiration"].as_str().unwrap(),
        ]);
        let got = stdout_json(&out);
        let expected = &case["expected"];
        let name = format!("{} / {}", case["policy"], case["session"]);
        assert_eq!(got["siweMessage"], expected["message"], "{name}");
        assert_eq!(got["statement"], expected["fields"]["statement"], "{name}");
        assert_eq!(
            litcap::json::canonicalize(&got["recap"]),
            expected["recapJson"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            got["recapUrn"], expected["fields"]["resources"][0],
            "{name}"
        );
    }
}

#[test]
fn every_example_policy_is_clean_and_formatted() {
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/policies")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("litcap") {
            continue;
        }
        let p = path.to_str().unwrap();
        let out = litcap(&["fmt", "--check", p]);
        assert!(
            out.status.success(),
            "{p} is not formatted: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn compile_without_siwe_inputs_prints_the_four_keys() {
    let out = litcap(&[
        "compile",
        "policies/lit-action-runner.litcap",
        "--session",
        "oracle-job",
    ]);
    let got = stdout_json(&out);
    let keys: Vec<&String> = got.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["resourceAbilityRequests", "recap", "recapUrn", "statement"]
    );
    assert_eq!(got["resourceAbilityRequests"].as_array().unwrap().len(), 2);
    let urn = got["recapUrn"].as_str().unwrap();
    let decoded = litcap::recap::Recap::decode(urn).unwrap();
    assert!(decoded.canonical);
    assert!(got["statement"]
        .as_str()
        .unwrap()
        .ends_with(&decoded.recap.statement()));
}

#[test]
fn compile_errors_have_distinct_exit_codes() {
    // Unknown session: a policy error.
    let out = litcap(&[
        "compile",
        "policies/pkp-signer.litcap",
        "--session",
        "treasuryy",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `treasury`?"));
    // Missing file: IO.
    let out = litcap(&["compile", "policies/nope.litcap", "--session", "x"]);
    assert_eq!(out.status.code(), Some(2));
    // Bad flag value: usage.
    let out = litcap(&[
        "compile",
        "policies/pkp-signer.litcap",
        "--session",
        "treasury",
        "--address",
        "0x12",
        "--session-key",
        SESSION_KEY,
        "--nonce",
        "abcdefgh",
        "--issued-at",
        "2024-01-01T00:00:00Z",
    ]);
    assert_eq!(out.status.code(), Some(2));
    // Lifetime beyond the grant's max-ttl: a policy error.
    let out = litcap(&[
        "compile",
        "policies/pkp-signer.litcap",
        "--session",
        "treasury",
        "--address",
        "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        "--session-key",
        SESSION_KEY,
        "--nonce",
        "abcdefgh",
        "--issued-at",
        "2024-01-01T00:00:00Z",
        "--expiration",
        "2024-01-01T02:00:00Z",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("lifetime-too-long"));
}

#[test]
fn fmt_rewrites_and_check_reports() {
    let dir = std::env::temp_dir().join(format!("litcap-fmt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("p.litcap");
    std::fs::write(
        &f,
        "grant \"g\"{domain \"a\" # d\nallow pkp-signing on \"lit-pkp://*\"}\n",
    )
    .unwrap();
    let p = f.to_str().unwrap();
    assert_eq!(litcap(&["fmt", "--check", p]).status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(&f).unwrap().lines().count(),
        2,
        "--check changed the file"
    );
    assert!(litcap(&["fmt", p]).status.success());
    let formatted = std::fs::read_to_string(&f).unwrap();
    assert_eq!(
        formatted,
        "grant \"g\" {\n  domain \"a\" # d\n  allow pkp-signing on \"lit-pkp://*\"\n}\n"
    );
    assert!(litcap(&["fmt", "--check", p]).status.success());
    std::fs::write(&f, "grant \"g\" {\n  domian \"a\"\n}\n").unwrap();
    let out = litcap(&["fmt", p]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(&f).unwrap(),
        "grant \"g\" {\n  domian \"a\"\n}\n"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn recap_encode_decode_round_trip() {
    let out = litcap(&[
        "recap",
        "encode",
        r#"{"prf":[],"att":{"lit-pkp://*":{"Threshold/Signing":[{}]}}}"#,
    ]);
    assert!(out.status.success());
    let urn = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        urn.trim(),
        "urn:recap:eyJhdHQiOnsibGl0LXBrcDovLyoiOnsiVGhyZXNob2xkL1NpZ25pbmciOlt7fV19fSwicHJmIjpbXX0"
    );
    let got = stdout_json(&litcap(&["recap", "decode", urn.trim()]));
    assert_eq!(
        got["att"]["lit-pkp://*"]["Threshold/Signing"][0],
        serde_json::json!({})
    );
    let bad = litcap(&["recap", "decode", "urn:recap:eyJhdHQiOnsibGl0LXBrcDovLyoiOnsiVGhyZXNob2xkL1NpZ25pbmciOlt7fV19LCJsaXQtbGl0YWN0aW9uOi8vKiI6eyJUaHJlc2hvbGQvRXhlY3V0aW9uIjpbe31dfX0sInByZiI6W119"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not properly sorted"));
}
