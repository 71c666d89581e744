//! `check`, `explain` and `diff` through the real binary.

mod common;

use common::litcap;
use serde_json::Value;
use std::process::Output;

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn codes(report: &Value) -> Vec<String> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

const KEY: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
const AUTHSIG: &str = "tests/fixtures/check/authsig-14.json";

#[test]
fn example_policies_pass_with_deny_warnings() {
    let out = litcap(&[
        "check",
        "--deny-warnings",
        "--format",
        "json",
        "policies/pkp-signer.litcap",
        "policies/lit-action-runner.litcap",
        "policies/decrypt-only.litcap",
        "policies/capacity-delegation.litcap",
        "policies/pkp-session.litcap",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let r = json(&out);
    assert_eq!(r["ok"], true);
    assert!(r["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["covered"] == true));
    assert_eq!(r["coverage"].as_array().unwrap().len(), 6);
}

#[test]
fn every_lint_fires_and_deny_warnings_exits_3() {
    let out = litcap(&[
        "check",
        "--format",
        "json",
        "tests/fixtures/check/lints.litcap",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let mut got = codes(&json(&out));
    got.sort();
    got.dedup();
    assert_eq!(
        got,
        [
            "decimal-pkp-id",
            "default-statement",
            "nb-ignored",
            "ttl-longer-than-needed",
            "unused-capability",
            "wildcard-resource",
            "wildcard-shadows-specific",
        ]
    );
    let out = litcap(&[
        "check",
        "--deny-warnings",
        "tests/fixtures/check/lints.litcap",
    ]);
    assert_eq!(out.status.code(), Some(3));
    let out = litcap(&[
        "check",
        "--ttl-threshold",
        "30d",
        "--format",
        "json",
        "tests/fixtures/check/lints.litcap",
    ]);
    assert!(!codes(&json(&out)).contains(&"ttl-longer-than-needed".to_string()));
}

#[test]
fn sarif_has_rules_results_and_regions() {
    let out = litcap(&[
        "check",
        "--format",
        "sarif",
        "tests/fixtures/check/lints.litcap",
    ]);
    let s = json(&out);
    assert_eq!(s["version"], "2.1.0");
    let run = &s["runs"][0];
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    for result in run["results"].as_array().unwrap() {
        let id = result["ruleId"].as_str().unwrap();
        assert_eq!(rules[result["ruleIndex"].as_u64().unwrap() as usize], id);
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1);
        assert_eq!(
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "tests/fixtures/check/lints.litcap"
        );
    }
}

#[test]
fn sarif_related_locations_and_results_without_a_place() {
    let out = litcap(&[
        "check",
        "--format",
        "sarif",
        "tests/fixtures/check/lints.litcap",
    ]);
    let s = json(&out);
    let results = s["runs"][0]["results"].as_array().unwrap();
    // `wildcard-shadows-specific` labels the wildcard allow besides the shadowed one.
    let shadowed = results
        .iter()
        .find(|r| r["ruleId"] == "wildcard-shadows-specific")
        .expect("a wildcard-shadows-specific finding");
    let related = &shadowed["relatedLocations"][0];
    assert_eq!(related["message"]["text"], "wildcard key");
    assert_eq!(related["id"], 1);
    assert!(
        related["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .unwrap()
            >= 1
    );
    for rule in s["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap() {
        assert!(rule["helpUri"]
            .as_str()
            .unwrap()
            .starts_with("https://github.com/litcap/litcap#"));
    }
    // A finding about a flag has no location, not the directory `.`.
    let out = litcap(&[
        "check",
        "--format",
        "sarif",
        "--session",
        "nope",
        "tests/fixtures/check/lints.litcap",
    ]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains(r#""uri": ".""#));
    let s = json(&out);
    let unknown = s["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "unknown-session")
        .expect("unknown-session");
    assert_eq!(unknown["locations"], serde_json::json!([]));
}

#[test]
fn authsig_that_fits_the_policy() {
    let out = litcap(&[
        "check",
        "tests/fixtures/check/vector14.litcap",
        "--authsig",
        AUTHSIG,
        "--at",
        "2024-09-19T14:00:00Z",
        "--session-key",
        KEY,
        "--format",
        "json",
    ]);
    let r = json(&out);
    assert_eq!(out.status.code(), Some(0), "{r}");
    let cov = r["coverage"].as_array().unwrap();
    assert_eq!(cov.len(), 2);
    assert!(cov
        .iter()
        .all(|c| c["covered"] == true && c["coveredBy"]["source"] == "authsig"));
    assert_eq!(cov[0]["coveredBy"]["resource"], "lit-pkp://*");
}

#[test]
fn authsig_granting_more_than_the_grant_is_over_privilege() {
    let out = litcap(&[
        "check",
        "tests/fixtures/check/vector14-narrow.litcap",
        "--authsig",
        AUTHSIG,
        "--at",
        "2024-09-19T14:00:00Z",
        "--session-key",
        KEY,
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let r = json(&out);
    let over: Vec<&Value> = r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "over-privilege")
        .collect();
    assert_eq!(over.len(), 1);
    assert!(over[0]["message"]
        .as_str()
        .unwrap()
        .contains("`Threshold/Execution` on `lit-litaction://*`"));
    assert_eq!(over[0]["file"], AUTHSIG);
}

#[test]
fn authsig_time_window_boundaries() {
    let at = |t: &str| {
        let out = litcap(&[
            "check",
            "tests/fixtures/check/vector14.litcap",
            "--authsig",
            AUTHSIG,
            "--at",
            t,
            "--session-key",
            KEY,
            "--format",
            "json",
        ]);
        (out.status.code(), codes(&json(&out)))
    };
    assert_eq!(at("2024-09-20T13:07:33.605Z").0, Some(0));
    let (code, c) = at("2024-09-20T13:07:33.606Z");
    assert_eq!(code, Some(1));
    assert!(c.contains(&"expired".to_string()), "{c:?}");
}

#[test]
fn authsig_for_another_session_key_or_tampered() {
    let out = litcap(&[
        "check",
        "tests/fixtures/check/vector14.litcap",
        "--authsig",
        AUTHSIG,
        "--at",
        "2024-09-19T14:00:00Z",
        "--session-key",
        &"ab".repeat(32),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(codes(&json(&out)).contains(&"session-key-mismatch".to_string()));
    let dir = std::env::temp_dir().join(format!("litcap-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let tampered = dir.join("tampered.json");
    let text = std::fs::read_to_string(AUTHSIG)
        .unwrap()
        .replace("Chain ID: 1", "Chain ID: 2");
    std::fs::write(&tampered, text).unwrap();
    let out = litcap(&[
        "check",
        "tests/fixtures/check/vector14.litcap",
        "--authsig",
        tampered.to_str().unwrap(),
        "--at",
        "2024-09-19T14:00:00Z",
        "--session",
        "worker",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let c = codes(&json(&out));
    assert!(c.contains(&"signature-mismatch".to_string()), "{c:?}");
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\"sig\": 1,").unwrap();
    let out = litcap(&[
        "check",
        "tests/fixtures/check/vector14.litcap",
        "--authsig",
        bad.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let r = json(&out);
    let d = r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "invalid-json")
        .expect("invalid-json");
    assert_eq!(d["file"], bad.to_str().unwrap());
    assert_eq!(d["line"], 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn explain_answers_with_the_line() {
    let out = litcap(&["explain", "policies/lit-action-runner.litcap", "--session", "oracle-job", "pkp-signing on lit-pkp://0xb03a728fc095d13a226bda09f1ead60c4cb356c0d82a2d0177184fd66d74c75f", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let r = json(&out);
    assert_eq!(r["allowedBy"]["line"], 12);
    assert_eq!(r["requestedBy"]["line"], 18);
    let out = litcap(&[
        "explain",
        "policies/lit-action-runner.litcap",
        "--session",
        "oracle-job",
        "pkp-signing on lit-pkp://0x01",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let r = json(&out);
    assert_eq!(r["fix"], "add `allow pkp-signing on \"lit-pkp://0000000000000000000000000000000000000000000000000000000000000001\"` to grant `price-oracle`");
    let out = litcap(&[
        "explain",
        "policies/lit-action-runner.litcap",
        "--session",
        "oracle-job",
        "pkp-signing lit-pkp://1",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn diff_flags_widening() {
    let dir = std::env::temp_dir().join(format!("litcap-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let new = dir.join("new.litcap");
    let old_text = std::fs::read_to_string("policies/pkp-signer.litcap").unwrap();
    std::fs::write(
        &new,
        old_text.replace("max-ttl 1h", "max-ttl 2h").replace(
            "  max-ttl 2h\n",
            "  max-ttl 2h\n  allow lit-action-execution on \"lit-litaction://QmNew\"\n",
        ),
    )
    .unwrap();
    let out = litcap(&[
        "diff",
        "policies/pkp-signer.litcap",
        new.to_str().unwrap(),
        "--fail-on-widen",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let r = json(&out);
    assert_eq!(r["widened"], true);
    assert_eq!(r["changes"].as_array().unwrap().len(), 2);
    let out = litcap(&[
        "diff",
        new.to_str().unwrap(),
        "policies/pkp-signer.litcap",
        "--fail-on-widen",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 widening"));
    std::fs::remove_dir_all(&dir).unwrap();
}
