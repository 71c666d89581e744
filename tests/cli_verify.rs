//! `litcap verify` as a user runs it: the real binary on SessionSigs the SDK made (vectors 23,
//! 24, 26 and the `validate` vectors 27/28/30, fixtures in tests/fixtures/sessionsigs/), at
//! fixed clocks.

mod common;

use serde_json::Value;
use std::process::Output;

const DIR: &str = "tests/fixtures/sessionsigs";
const V23: &str = "tests/fixtures/sessionsigs/v23-three-nodes.json";
const V24: &str = "tests/fixtures/sessionsigs/v24-capacity-delegation.json";
const N0: &str = "https://15.235.83.220:7470";
const N1: &str = "https://15.235.83.220:7471";
const N2: &str = "https://15.235.83.220:7472";

/// `litcap verify ARGS`.
fn verify(args: &[&str]) -> Output {
    let mut all = vec!["verify"];
    all.extend_from_slice(args);
    common::litcap(&all)
}

/// Runs with `--format json`; returns the exit code and the parsed stdout.
fn json(args: &[&str]) -> (i32, Value) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let out = verify(&all);
    let code = out.status.code().expect("exit code");
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); exit {code}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (code, v)
}

fn node<'a>(v: &'a Value, url: &str) -> &'a Value {
    v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["node"] == url)
        .unwrap_or_else(|| panic!("no node {url} in {v}"))
}

fn kind(v: &Value, url: &str) -> Option<String> {
    node(v, url)["error"]["kind"].as_str().map(str::to_string)
}

#[test]
fn vector_23_is_valid_on_every_node() {
    let (code, v) = json(&[V23, "--at", "2024-09-19T14:00:00Z"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["ok"], true);
    assert_eq!(v["nodes"].as_array().unwrap().len(), 3);
    for url in [N0, N1, N2] {
        assert_eq!(node(&v, url)["valid"], true);
        assert_eq!(node(&v, url)["error"], Value::Null);
    }
}

#[test]
fn validate_vectors_27_28_30_at_their_clocks() {
    let fixture: Value = serde_json::from_str(
        &std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(V23))
            .unwrap(),
    )
    .unwrap();
    let vectors = common::lit_vectors_of("validate");
    assert_eq!(vectors.len(), 3);
    for v in vectors {
        assert_eq!(
            v.input["sessionSigs"], fixture,
            "{}: same sigs as vector 23",
            v.file
        );
        let now = v.input["now"].as_str().unwrap();
        let (code, out) = json(&[V23, "--at", now]);
        if v.file.starts_with("28-") {
            // 1 ms after the AuthSig's Expiration Time: siwe-rs rejects the capability.
            assert_eq!(code, 1);
            for url in [N0, N1, N2] {
                let e = &node(&out, url)["error"];
                assert_eq!(e["kind"], "NodeResourceIdNotFound");
                assert_eq!(e["inner"]["kind"], "NodeSIWECapabilityInvalid");
                assert_eq!(e["inner"]["message"], "Could not find valid capability.");
                assert_eq!(e["capabilities"][0]["kind"], "NodeSIWEMessageError");
                assert!(e["message"].as_str().unwrap().contains("expired"), "{e}");
            }
        } else {
            // 27: well within; 30: exactly at the expiration, which siwe-rs still accepts.
            assert_eq!(code, 0, "{}: {out}", v.file);
        }
    }
}

#[test]
fn vector_24_capacity_delegation_then_authsig() {
    // The capacity delegation (URI `lit:capability:delegation`) is tried first and fails;
    // the AuthSig after it authorizes the PKP.
    let (code, v) = json(&[V24, "--at", "2024-09-19T13:15:00Z"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["nodes"].as_array().unwrap().len(), 2);
    // Expiration 13:20:00; the nodes allow 60 s, in whole seconds.
    let (code, _) = json(&[V24, "--at", "2024-09-19T13:21:00.999Z"]);
    assert_eq!(code, 0);
    let (code, v) = json(&[V24, "--at", "2024-09-19T13:21:01Z"]);
    assert_eq!(code, 1);
    assert_eq!(kind(&v, N0).as_deref(), Some("NodeExpWrongOrTooLarge"));
    assert_eq!(kind(&v, N1).as_deref(), Some("NodeExpWrongOrTooLarge"));
    // Issued 13:10:00: a node whose clock is more than 60 s behind refuses it.
    let (code, v) = json(&[V24, "--at", "2024-09-19T13:08:59Z"]);
    assert_eq!(code, 1);
    assert_eq!(kind(&v, N0).as_deref(), Some("NodeIatOutsideGracePeriod"));
}

#[test]
fn expired_authsig_vector_26() {
    let (code, v) = json(&[
        "tests/fixtures/sessionsigs/v26-expired-authsig.json",
        "--at",
        "2024-09-21T00:00:00Z",
    ]);
    assert_eq!(code, 1);
    let e = &node(&v, N0)["error"];
    assert_eq!(e["kind"], "NodeResourceIdNotFound");
    assert_eq!(e["request"]["ability"], "pkp-signing");
    assert!(e["help"].as_str().unwrap().contains("AuthSig"), "{e}");
}

#[test]
fn tampered_byte() {
    let (code, v) = json(&[
        "tests/fixtures/sessionsigs/tampered-7471.json",
        "--at",
        "2024-09-19T14:00:00Z",
    ]);
    assert_eq!(code, 1);
    assert_eq!(v["ok"], false);
    assert_eq!(kind(&v, N0), None);
    assert_eq!(
        kind(&v, N1).as_deref(),
        Some("NodeInvalidAuthSigSessionKeySignature")
    );
    assert_eq!(kind(&v, N2), None);
}

#[test]
fn wrong_node() {
    let (code, v) = json(&[V23, "--at", "2024-09-19T14:00:00Z", "--node", N1]);
    assert_eq!(code, 1);
    assert_eq!(kind(&v, N0).as_deref(), Some("NodeNotAuthorized"));
    assert_eq!(kind(&v, N1), None);
    assert_eq!(kind(&v, N2).as_deref(), Some("NodeNotAuthorized"));
    assert_eq!(node(&v, N0)["checkedAs"], "15.235.83.220:7471");
    let msg = node(&v, N0)["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("`https://15.235.83.220:7470`") && msg.contains("`15.235.83.220:7471`"),
        "{msg}"
    );
    // Another host entirely, given as host:port.
    let (code, v) = json(&[
        V23,
        "--at",
        "2024-09-19T14:00:00Z",
        "--node",
        "127.0.0.1:7470",
    ]);
    assert_eq!(code, 1);
    assert!(v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n["error"]["kind"] == "NodeNotAuthorized"));
}

#[test]
fn expired_session() {
    // Session expiration 2024-09-20T13:07:33.606Z: the nodes allow 60 s, in whole seconds.
    // Within the grace the session passes its time check, and the AuthSig inside (which
    // expired at the same instant) is what fails.
    let (code, v) = json(&[V23, "--at", "2024-09-20T13:08:33.999Z"]);
    assert_eq!(code, 1);
    assert_eq!(kind(&v, N0).as_deref(), Some("NodeResourceIdNotFound"));
    let (code, v) = json(&[V23, "--at", "2024-09-20T13:08:34Z"]);
    assert_eq!(code, 1);
    for url in [N0, N1, N2] {
        assert_eq!(kind(&v, url).as_deref(), Some("NodeExpWrongOrTooLarge"));
    }
}

#[test]
fn malformed_json_is_a_file_error_not_a_panic() {
    let out = verify(&[
        "tests/fixtures/sessionsigs/malformed.json",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["ok"], false);
    assert_eq!(v["error"]["kind"], "InvalidJson");
    assert!(v["error"]["line"].as_u64().unwrap() > 1);
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("the SessionSigs file is not valid JSON"));
    // Human output names the position.
    let out = verify(&["tests/fixtures/sessionsigs/malformed.json"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("malformed.json:"), "{text}");
    for bad in ["not-a-map.json", "empty.json"] {
        let (code, v) = json(&[&format!("{DIR}/{bad}")]);
        assert_eq!(code, 1, "{bad}");
        assert_eq!(v["ok"], false, "{bad}");
    }
}

#[test]
fn a_directory_and_several_files() {
    let (code, v) = json(&[DIR, "--at", "2024-09-19T14:00:00Z"]);
    assert_eq!(code, 1);
    let files = v["files"].as_array().unwrap();
    let names: Vec<&str> = files.iter().map(|f| f["file"].as_str().unwrap()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "in name order");
    assert_eq!(files.len(), 7);
    let ok: Vec<bool> = files.iter().map(|f| f["ok"].as_bool().unwrap()).collect();
    // empty, malformed, not-a-map, tampered, v23, v24 (expired at 14:00), v26 (expired AuthSig)
    let by_name = |n: &str| {
        files
            .iter()
            .find(|f| f["file"].as_str().unwrap().ends_with(n))
            .unwrap()
    };
    assert_eq!(by_name("v23-three-nodes.json")["ok"], true);
    assert_eq!(by_name("malformed.json")["error"]["kind"], "InvalidJson");
    assert_eq!(ok.iter().filter(|o| **o).count(), 1);

    let (code, v) = json(&[V23, V23, "--at", "2024-09-19T14:00:00Z"]);
    assert_eq!(code, 0);
    assert_eq!(v["files"].as_array().unwrap().len(), 2);
}

#[test]
fn unreadable_input_is_exit_2() {
    let (code, v) = json(&["tests/fixtures/sessionsigs/no-such-file.json", V23]);
    assert_eq!(code, 2);
    assert_eq!(v["files"][0]["error"]["kind"], "io");
    let out = verify(&[V23, "--at", "not a time"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn against_a_policy_session() {
    let policy = "tests/fixtures/sessionsigs/policy.litcap";
    let (code, v) = json(&[
        V23,
        "--at",
        "2024-09-19T14:00:00Z",
        "--policy",
        policy,
        "--session",
        "docs",
    ]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["policy"]["ok"], true);
    assert_eq!(v["policy"]["findings"], serde_json::json!([]));

    let (code, v) = json(&[
        V23,
        "--at",
        "2024-09-19T14:00:00Z",
        "--policy",
        policy,
        "--session",
        "one-pkp",
    ]);
    assert_eq!(code, 1);
    assert_eq!(v["policy"]["grant"], "pkp-only");
    let codes: Vec<&str> = v["policy"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "over-privilege",
            "over-privilege",
            "ttl-too-long",
            "over-privilege"
        ]
    );
    // The nodes themselves accept them: only the policy says no.
    assert!(v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|n| n["valid"] == true));

    let out = verify(&[V23, "--policy", policy, "--session", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no session `nope`"));
    let out = verify(&[V23, "--policy", policy]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "several sessions: --session is needed"
    );
    let out = verify(&[V23, "--session", "docs"]);
    assert_eq!(out.status.code(), Some(2), "--session needs --policy");
}

#[test]
fn human_output() {
    let out = verify(&[V23, "--at", "2024-09-19T14:00:00Z", "--node", N0]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("valid     {N0}")), "{text}");
    assert!(
        text.contains(&format!("REJECTED  {N1}  NodeNotAuthorized")),
        "{text}"
    );
    assert!(text.contains("help: "), "{text}");
    assert!(
        text.trim_end().ends_with("1 of 3 node entries valid"),
        "{text}"
    );
}
