//! `litcap init`: the real binary on the SDK's AuthSig and SessionSigs vectors (the inferred
//! policy, in each form, compiles back to the AuthSig's SIWE message), the starter policy,
//! `-o` without `--force`, and bad inputs.

mod common;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn litcap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_litcap"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("run litcap")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A fresh directory for one test.
fn tmp(test: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("litcap-init-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn vector(name: &str) -> Value {
    common::lit_vectors()
        .into_iter()
        .find(|v| v.file.starts_with(name))
        .map(|v| serde_json::json!({"input": v.input, "expected": v.expected}))
        .unwrap()
}

fn write_json(dir: &Path, name: &str, v: &Value) -> String {
    let p = dir.join(name);
    std::fs::write(&p, serde_json::to_string_pretty(v).unwrap()).unwrap();
    p.display().to_string()
}

/// The flags `init` printed on stderr after `litcap compile FILE`.
fn compile_flags(err: &str) -> Vec<String> {
    let line = err
        .lines()
        .find(|l| l.starts_with("inferred grant"))
        .unwrap_or_else(|| panic!("{err}"));
    let flags = line.split("`litcap compile FILE ").nth(1).unwrap();
    let flags = flags.split('`').next().unwrap();
    flags.split(' ').map(str::to_string).collect()
}

fn compile_message(policy: &str, flags: &[String]) -> String {
    let mut args = vec!["compile", policy];
    args.extend(flags.iter().map(String::as_str));
    let out = litcap(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["siweMessage"].as_str().unwrap().to_string()
}

#[test]
fn init_from_the_sdk_authsig_compiles_back_in_every_form() {
    let dir = tmp("forms");
    let v = vector("14-authsig-eoa");
    let authsig = write_json(&dir, "authsig.json", &v["expected"]["authSig"]);
    let message = v["expected"]["authSig"]["signedMessage"].as_str().unwrap();
    for (ext, to) in [
        ("litcap", "dsl"),
        ("litcap.yaml", "yaml"),
        ("litcap.json", "json"),
    ] {
        let path = dir.join(format!("p.{ext}")).display().to_string();
        let out = litcap(&["init", "--from-authsig", &authsig, "--to", to, "-o", &path]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stdout(&out).is_empty());
        let err = stderr(&out);
        // What `check` says: the wildcards and the default statement to tighten.
        assert!(err.contains("wildcard-resource"), "{err}");
        assert!(err.contains("default-statement"), "{err}");
        assert!(
            err.contains("check: 2 requests checked, 2 covered; 0 errors"),
            "{err}"
        );
        assert_eq!(
            compile_message(&path, &compile_flags(&err)),
            message,
            "{to}"
        );
    }
    // The form follows the `-o` extension when `--to` is not given.
    let yaml = dir.join("q.litcap.yaml").display().to_string();
    let out = litcap(&["init", "--from-authsig", &authsig, "-o", &yaml]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(std::fs::read_to_string(&yaml)
        .unwrap()
        .contains("- grant: "));
    // To stdout, the DSL.
    let out = litcap(&["init", "--from-authsig", &authsig, "--name", "my app"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("grant \"my app\" {\n  domain \"localhost\"\n"),
        "{text}"
    );
    assert!(text.contains("  max-ttl 1d\n  allow lit-action-execution on \"lit-litaction://*\"\n  allow pkp-signing on \"lit-pkp://*\"\n}"), "{text}");
    assert!(
        text.contains("session \"my app\" from \"my app\" {\n  ttl 1d\n"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn init_from_sessionsigs_makes_one_session_per_request_list() {
    let dir = tmp("sessionsigs");
    let v = vector("24-sessionsigs-fixed-authsig-with-capacity");
    let authsig = write_json(&dir, "authsig.json", &v["input"]["authSig"]);
    let sigs = write_json(&dir, "sigs.json", &v["expected"]["sessionSigs"]);
    let out = litcap(&[
        "init",
        "--from-authsig",
        &authsig,
        "--from-sessionsigs",
        &sigs,
        "--name",
        "app",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.matches("session \"").count(), 1, "{text}");
    assert!(
        text.contains("session \"app\" from \"app\" {\n  ttl 10m\n  request pkp-signing on \"lit-pkp://0x0000000000000000000000000000000000000000000000000000000000000123\"\n}"),
        "{text}"
    );
    // The grant allows more than the sessions use: check says so.
    assert!(
        stderr(&out).contains("unused-capability"),
        "{}",
        stderr(&out)
    );
    let policy = dir.join("p.litcap");
    std::fs::write(&policy, &text).unwrap();
    assert_eq!(
        compile_message(&policy.display().to_string(), &compile_flags(&stderr(&out))),
        v["input"]["authSig"]["signedMessage"].as_str().unwrap()
    );
    // Two files with different request lists: two sessions.
    let mut other = v["expected"]["sessionSigs"].clone();
    for (_, entry) in other.as_object_mut().unwrap() {
        let mut payload: Value =
            serde_json::from_str(entry["signedMessage"].as_str().unwrap()).unwrap();
        payload["resourceAbilityRequests"] = serde_json::json!([
            {"resource": {"resource": "*", "resourcePrefix": "lit-litaction"}, "ability": "lit-action-execution"}
        ]);
        entry["signedMessage"] = Value::String(payload.to_string());
    }
    let other = write_json(&dir, "other.json", &other);
    let out = litcap(&[
        "init",
        "--from-authsig",
        &authsig,
        "--from-sessionsigs",
        &sigs,
        &other,
        "--name",
        "app",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("session \"app-1\" from \"app\""), "{text}");
    assert!(
        text.contains("session \"app-2\" from \"app\" {\n  ttl 10m\n  request lit-action-execution on \"lit-litaction://*\""),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn init_without_input_writes_a_starter_and_never_overwrites_silently() {
    let dir = tmp("starter");
    let out = litcap(&["init"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("# A litcap policy"), "{text}");
    assert!(stderr(&out).contains("0 errors"), "{}", stderr(&out));
    let path = dir.join("policy.litcap");
    let p = path.display().to_string();
    assert!(litcap(&["init", "-o", &p]).status.success());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    let check = litcap(&["check", &p]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    std::fs::write(&path, "mine").unwrap();
    let out = litcap(&["init", "-o", &p]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("exists; pass `--force`"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine");
    let out = litcap(&["init", "-o", &p, "--force", "--to", "yaml"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let yaml = std::fs::read_to_string(&path).unwrap();
    assert!(yaml.contains("- grant: ") && yaml.contains("# "), "{yaml}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn init_rejects_bad_inputs_with_codes_naming_them() {
    let dir = tmp("bad");
    let notjson = dir.join("a.json");
    std::fs::write(&notjson, "{\"sig\": ").unwrap();
    let n = notjson.display().to_string();
    let out = litcap(&["init", "--from-authsig", &n]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("invalid-json"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());

    let v = vector("15-capacity-delegation-full");
    let deleg = write_json(
        &dir,
        "deleg.json",
        &v["expected"]["capacityDelegationAuthSig"],
    );
    let out = litcap(&["init", "--from-authsig", &deleg]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("litcap::inexpressible"), "{err}");
    assert!(
        err.contains("deleg.json") && err.contains("lit:capability:delegation"),
        "{err}"
    );
    assert!(err.contains("help:"), "{err}");

    let missing = dir.join("missing.json").display().to_string();
    let out = litcap(&["init", "--from-authsig", &missing]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("missing.json"), "{}", stderr(&out));

    let v = vector("14-authsig-eoa");
    let authsig = write_json(&dir, "authsig.json", &v["expected"]["authSig"]);
    std::fs::write(dir.join("sigs.json"), "[1]").unwrap();
    let sigs = dir.join("sigs.json").display().to_string();
    let out = litcap(&[
        "init",
        "--from-authsig",
        &authsig,
        "--from-sessionsigs",
        &sigs,
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("invalid-json") && stderr(&out).contains("sigs.json"),
        "{}",
        stderr(&out)
    );

    let out = litcap(&["init", "--from-sessionsigs", &sigs]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A PKP session's AuthSig (`lit.bls`, tests/vectors/bls): the grant names the PKP and the
/// auth context's Lit Actions, leaves out the auth context's own recap entry, and the AuthSig
/// fits the policy written (`check --authsig` with the network key: no error).
#[test]
fn a_pkp_session_authsig_gives_a_signer_pkp_grant() {
    let dir = tmp("pkp");
    let out = dir.join("pkp.litcap");
    let key = "b12b9726090d651fcb2c854c4064efedbc1ada24557f896150621577fd50cb43aaab37d7319486a5953b46937d9a7d71";
    for (vector, action) in [
        (
            "valid-action",
            Some("QmY3qun9qX3fUBHVfrA9f3v9RpyyPo8RHEuEN1XYPq1PrA"),
        ),
        ("valid-pkp", None),
    ] {
        let authsig = format!("tests/fixtures/pkp/{vector}.json");
        let o = litcap(&[
            "init",
            "--from-authsig",
            &authsig,
            "-o",
            out.to_str().unwrap(),
            "--force",
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(
            text.contains("signer pkp \"0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A\""),
            "{text}"
        );
        assert_eq!(
            action.is_some_and(|a| text.contains(&format!("auth-action \"{a}\""))),
            action.is_some(),
            "{text}"
        );
        assert!(!text.contains("resolvedauthcontext"), "{text}");
        let o = litcap(&[
            "check",
            out.to_str().unwrap(),
            "--authsig",
            &authsig,
            "--network-key",
            key,
            "--at",
            "2024-09-20T12:00:00Z",
            "--format",
            "json",
        ]);
        let report: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(report["ok"], true, "{}", stdout(&o));
    }
}
