//! The published schemas (`schemas/*.schema.json`): generated from the Rust definitions (so
//! ability names and diagnostic codes cannot drift), printed by `litcap schema`, and matching
//! the real outputs of the binary and the SDK's AuthSig/SessionSigs vectors.
//!
//! `LITCAP_BLESS=1 cargo test --test schemas` rewrites the files after an intended change.

mod common;

use common::litcap;
use litcap::internal::schema_gen as gen;
use litcap::Schema;
use serde_json::{json, Value};
use std::path::PathBuf;

fn schema_path(s: Schema) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("schemas")
        .join(s.file_name())
}

#[test]
fn schema_files_are_generated_from_the_rust_definitions() {
    let bless = std::env::var_os("LITCAP_BLESS").is_some();
    let mut stale = Vec::new();
    for s in Schema::ALL {
        let expected = gen::render(s);
        let path = schema_path(s);
        let actual = std::fs::read_to_string(&path).unwrap_or_default();
        if actual != expected {
            if bless {
                std::fs::write(&path, &expected).unwrap();
            } else {
                stale.push(path.display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "out of date (run `LITCAP_BLESS=1 cargo test --test schemas`): {stale:?}"
    );
}

fn schema_value(s: Schema) -> Value {
    serde_json::from_str(&std::fs::read_to_string(schema_path(s)).unwrap()).unwrap()
}

#[track_caller]
fn assert_valid(s: Schema, instance: &Value, what: &str) {
    let validator = jsonschema::draft202012::new(&schema_value(s)).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} against {}: {errors:#?}",
        s.name()
    );
}

#[track_caller]
fn assert_invalid(s: Schema, instance: &Value, what: &str) {
    let validator = jsonschema::draft202012::new(&schema_value(s)).unwrap();
    assert!(
        !validator.is_valid(instance),
        "{what} should not match {}",
        s.name()
    );
}

#[test]
fn enums_come_from_the_rust_enums() {
    let policy = schema_value(Schema::Policy);
    for entry in ["allow", "request"] {
        let mut keys: Vec<&str> = policy["$defs"][entry]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .filter(|k| *k != "where")
            .collect();
        keys.sort();
        let mut abilities: Vec<&str> = litcap::Ability::ALL.iter().map(|a| a.as_str()).collect();
        abilities.sort();
        assert_eq!(keys, abilities, "{entry}");
    }
    let report = schema_value(Schema::CheckReport);
    let codes: Vec<&str> = report["$defs"]["diagnostic"]["properties"]["code"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let rust: Vec<&str> = litcap::diag::Code::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(codes, rust);
}

fn examples() -> Vec<String> {
    let mut files: Vec<String> =
        std::fs::read_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("policies"))
            .unwrap()
            .map(|e| format!("policies/{}", e.unwrap().file_name().into_string().unwrap()))
            .collect();
    files.sort();
    files
}

#[test]
fn check_reports_match_the_check_report_schema() {
    let scratch = std::env::temp_dir().join(format!("litcap-schemas-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let broken = scratch.join("broken.litcap.yaml");
    std::fs::write(
        &broken,
        "- grant: g\n  allow:\n    - pkp-signing: lit-pkp://*\n    - pkp-sign: lit-pkp://1\n- session: s\n  from: g\n  ttl: 40d\n  request:\n    - lit-action-execution: lit-litaction://Qm1\n    - pkp-signing: lit-pkp://2\n",
    )
    .unwrap();
    let schema_error = scratch.join("schema.litcap.yaml");
    std::fs::write(&schema_error, "- grant: g\n  domian: x\n").unwrap();
    let broken = broken.to_str().unwrap().to_string();
    let schema_error = schema_error.to_str().unwrap().to_string();
    let mut runs: Vec<Vec<String>> = examples().into_iter().map(|f| vec![f]).collect();
    runs.push(vec![broken.clone()]);
    runs.push(vec![schema_error]);
    runs.push(vec![broken, "--session".into(), "nope".into()]);
    let mut saw_null_position = false;
    let mut saw_errors = false;
    for args in runs {
        let mut full = vec!["check".to_string()];
        full.extend(args.iter().cloned());
        full.extend(["--format".to_string(), "json".to_string()]);
        let full: Vec<&str> = full.iter().map(String::as_str).collect();
        let out = litcap(&full);
        let report: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}\n{}", String::from_utf8_lossy(&out.stderr)));
        assert_valid(Schema::CheckReport, &report, &format!("check {args:?}"));
        for d in report["diagnostics"].as_array().unwrap() {
            saw_null_position |= d["line"].is_null();
            saw_errors |= d["severity"] == "error";
        }
    }
    assert!(saw_null_position && saw_errors);
    // Drift in either direction is caught: a field the schema does not know fails.
    let mut report: Value = serde_json::from_slice(
        &litcap(&["check", "policies/pkp-signer.litcap", "--format", "json"]).stdout,
    )
    .unwrap();
    report["coverage"][0]["extra"] = json!(1);
    assert_invalid(
        Schema::CheckReport,
        &report,
        "a report with an unknown field",
    );
}

#[test]
fn compiled_recaps_match_the_recap_schema() {
    for file in examples() {
        let loaded =
            litcap::load_paths(&[PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(&file)]).unwrap();
        for session in loaded.policy.session_names() {
            let out = litcap(&["compile", &file, "--session", session]);
            assert!(out.status.success(), "{file} {session}");
            let compiled: Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_valid(
                Schema::Recap,
                &compiled["recap"],
                &format!("{file} {session}"),
            );
        }
    }
    assert_invalid(
        Schema::Recap,
        &json!({"att": {"lit-pkp://*": {"Signing": [{}]}}, "prf": []}),
        "an ability without a namespace",
    );
    assert_invalid(Schema::Recap, &json!({"att": {}}), "no prf");
}

/// Every AuthSig, SessionSigs map and ReCap object in the SDK vectors.
#[test]
fn sdk_vectors_match_the_authsig_sessionsigs_and_recap_schemas() {
    let (mut authsigs, mut maps, mut recaps) = (0, 0, 0);
    for v in common::lit_vectors() {
        for (side, value) in [("input", &v.input), ("expected", &v.expected)] {
            let Some(obj) = value.as_object() else {
                continue;
            };
            for (key, item) in obj {
                let what = format!("{} {side}.{key}", v.file);
                match key.as_str() {
                    "authSig" | "capacityDelegationAuthSig" => {
                        // Through the positioned reader, as the AuthSig reader will call it.
                        let text = serde_json::to_string_pretty(item).unwrap();
                        let back = litcap::validate_json_document(0, Schema::AuthSig, &text)
                            .unwrap_or_else(|d| panic!("{what}: {d:?}"));
                        assert_eq!(&back, item, "{what}: key order kept");
                        authsigs += 1;
                    }
                    "sessionSigs" => {
                        let text = serde_json::to_string(item).unwrap();
                        litcap::validate_json_document(0, Schema::SessionSigs, &text)
                            .unwrap_or_else(|d| panic!("{what}: {d:?}"));
                        // The AuthSigs inside each node's signed payload.
                        for sig in item.as_object().unwrap().values() {
                            let payload: Value =
                                serde_json::from_str(sig["signedMessage"].as_str().unwrap())
                                    .unwrap();
                            for cap in payload["capabilities"].as_array().unwrap() {
                                assert_valid(Schema::AuthSig, cap, &what);
                                authsigs += 1;
                            }
                        }
                        maps += 1;
                    }
                    "json" | "recapJson" => {
                        if let Some(text) = item.as_str() {
                            let recap: Value = serde_json::from_str(text).unwrap();
                            assert_valid(Schema::Recap, &recap, &what);
                            recaps += 1;
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    assert!(
        authsigs >= 10 && maps >= 6 && recaps >= 8,
        "{authsigs} {maps} {recaps}"
    );
    // A session signature that is not one.
    let v = common::lit_vectors_of("sessionsigs");
    let mut sigs = v[0].expected["sessionSigs"].clone();
    let first = sigs.as_object_mut().unwrap().values_mut().next().unwrap();
    first["derivedVia"] = json!("web3.eth.personal.sign");
    let text = serde_json::to_string_pretty(&sigs).unwrap();
    let d = litcap::validate_json_document(0, Schema::SessionSigs, &text).unwrap_err();
    assert_eq!(d.len(), 1);
    assert!(
        d.0[0]
            .message
            .contains("`derivedVia` must be `litSessionSignViaNacl`"),
        "{}",
        d.0[0].message
    );
    let d = litcap::validate_json_document(0, Schema::SessionSigs, r#"{"node1": {}}"#).unwrap_err();
    assert!(
        d.iter()
            .any(|d| d.message.contains("`node1` is not a node URL")),
        "{d:?}"
    );
}

#[test]
fn verify_reports_match_the_verify_report_schema() {
    let node_ok = json!({"node": "https://15.235.83.220:7470", "valid": true, "error": null});
    let node_bad = json!({"node": "https://15.235.83.220:7471", "valid": false, "error": {"kind": "expired", "message": "the session signature expired at 2024-09-20T13:07:33.606Z"}});
    let single = json!({"ok": false, "nodes": [node_ok, node_bad]});
    assert_valid(Schema::VerifyReport, &single, "one file");
    let multi = json!({"ok": true, "files": [{"file": "a.json", "ok": true, "nodes": [node_ok]}]});
    assert_valid(Schema::VerifyReport, &multi, "several files");
    assert_invalid(
        Schema::VerifyReport,
        &json!({"ok": true, "nodes": [], "files": []}),
        "both shapes",
    );
    assert_invalid(
        Schema::VerifyReport,
        &json!({"ok": true, "nodes": [{"node": "x", "valid": true}]}),
        "no error field",
    );
    assert_invalid(
        Schema::VerifyReport,
        &json!({"ok": true, "nodes": [{"node": "x", "valid": false, "error": {"kind": "k"}}]}),
        "error without message",
    );
}

#[test]
fn real_verify_outputs_match_the_verify_report_schema() {
    let dir = "tests/fixtures/sessionsigs";
    let runs: [&[&str]; 6] = [
        &[
            "verify",
            "--format",
            "json",
            "--at",
            "2024-09-19T14:00:00Z",
            "--node",
            "https://127.0.0.1:7470",
            "tests/fixtures/sessionsigs/v24-capacity-delegation.json",
        ],
        &[
            "verify",
            "--format",
            "json",
            "tests/fixtures/sessionsigs/malformed.json",
            "tests/fixtures/sessionsigs/empty.json",
            "tests/fixtures/sessionsigs/not-a-map.json",
        ],
        &[
            "verify",
            "--format",
            "json",
            "--at",
            "2024-09-19T14:00:00Z",
            "tests/fixtures/sessionsigs/v23-three-nodes.json",
        ],
        &[
            "verify",
            "--format",
            "json",
            "--at",
            "2024-09-21T14:00:00Z",
            "tests/fixtures/sessionsigs/v23-three-nodes.json",
            "tests/fixtures/sessionsigs/tampered-7471.json",
        ],
        &[
            "verify",
            "--format",
            "json",
            "--at",
            "2024-09-19T14:00:00Z",
            dir,
        ],
        // Operations (`--request`), one accepted and one refused on every node.
        &[
            "verify",
            "--format",
            "json",
            "--at",
            "2024-09-19T13:08:00Z",
            "tests/fixtures/sessionsigs/v23-three-nodes.json",
            "--request",
            "pkp-signing on lit-pkp://0xABC",
            "--request",
            "access-control-condition-decryption on lit-accesscontrolcondition://x/y",
        ],
    ];
    for args in runs {
        let out = litcap(args);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{args:?}: not JSON ({e}): {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        assert_valid(Schema::VerifyReport, &v, &format!("{args:?}"));
    }
}
