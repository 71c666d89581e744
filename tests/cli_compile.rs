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
            litcap::internal::json::canonicalize(&got["recap"]),
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
    let decoded = litcap::Recap::decode(urn).unwrap();
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

#[test]
fn compile_reads_only_the_session_and_its_grant() {
    let dir = std::env::temp_dir().join(format!("litcap-lazy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pkp = std::fs::read_to_string("policies/pkp-signer.litcap").unwrap();
    // Another file with errors in other blocks: a misspelled ability, a grant without domain.
    let broken = "grant \"other\" {\n  allow pkp-signin on \"lit-pkp://*\"\n}\n\nsession \"x\" from \"other\" {\n  request nope on \"lit-pkp://1\"\n}\n";
    let a = dir.join("a.litcap");
    let b = dir.join("b.litcap");
    std::fs::write(&a, &pkp).unwrap();
    std::fs::write(&b, broken).unwrap();
    let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
    let alone = litcap(&["compile", a, "--session", "treasury"]);
    let with_broken = litcap(&["compile", b, a, "--session", "treasury"]);
    assert_eq!(stdout_json(&alone), stdout_json(&with_broken));
    assert_eq!(alone.stdout, with_broken.stdout);
    assert!(
        with_broken.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&with_broken.stderr)
    );
    // `check` still reports the errors of the other blocks.
    assert_eq!(litcap(&["check", b, a]).status.code(), Some(1));
    // A session defined twice needs the whole policy: `duplicate-name`.
    let twice = dir.join("twice.litcap");
    std::fs::write(&twice, &pkp).unwrap();
    let out = litcap(&[
        "compile",
        a,
        twice.to_str().unwrap(),
        "--session",
        "treasury",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("duplicate-name"));
    // A misspelled session: the did-you-mean over every session of every file.
    let clean = dir.join("clean.litcap");
    std::fs::write(&clean, "grant \"other\" {\n  domain \"x.example\"\n  statement \"s\"\n  max-ttl 1h\n  allow pkp-signing on \"lit-pkp://0a\"\n}\n\nsession \"x\" from \"other\" {\n  ttl 1h\n  request pkp-signing on \"lit-pkp://0a\"\n}\n").unwrap();
    let out = litcap(&[
        "compile",
        clean.to_str().unwrap(),
        a,
        "--session",
        "treasur",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `treasury`?"));
    // A syntax error in the file the index cannot cut: a full load reports it.
    let cut = dir.join("cut.litcap");
    std::fs::write(&cut, "grant \"g\" {\n  domain \"a\"\n").unwrap();
    let out = litcap(&["compile", cut.to_str().unwrap(), a, "--session", "treasury"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("syntax"));
    let _ = std::fs::remove_dir_all(&dir);
}
