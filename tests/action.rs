//! The GitHub Action (`action.yml`, `action/run.sh`) run outside a runner: its shell steps, read
//! from `action.yml`, are run with bash in a temporary workspace with a fake `GITHUB_*`
//! environment. The workspace is a shallow clone of a pull-request branch (as
//! `actions/checkout` makes it), so the script must fetch the base branch itself. The SARIF it
//! writes is validated against the SARIF 2.1.0 schema (`tests/sarif/`), and the summary, the
//! step outputs and the exit status are checked.
//!
//! `cargo install` is replaced by a stub on PATH that records its arguments and installs the
//! binary under test (a real install is a release build; CI's pre-commit stage does one).

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The action's definition, read with litcap's own YAML reader.
fn action() -> Value {
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    litcap::internal::schema::yaml::parse(0, &text, &litcap::internal::schema::Limits::default())
        .unwrap()
        .unwrap()
        .to_json()
}

fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("tests/sarif/sarif-schema-2.1.0.json")).unwrap();
    // The official schema's `run.language` pattern, `^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`,
    // has a stray `]` that the draft-07 meta-schema's `"format": "regex"` check refuses (strict
    // ECMA-262, unicode mode; browsers' non-unicode mode reads it as a literal `]`). The file
    // stays as published; the validator gets the same pattern with that `]` escaped, which
    // means the same in non-unicode ECMA-262.
    const LANGUAGE: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    fn escape(v: &mut Value, n: &mut usize) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if k == "pattern" && *x == LANGUAGE {
                        *x = Value::from(LANGUAGE.replace("}]?$", "}\\]?$"));
                        *n += 1;
                    } else {
                        escape(x, n);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| escape(x, n)),
            _ => {}
        }
    }
    let mut schema: Value = serde_json::from_str(&text).unwrap();
    let mut n = 0;
    escape(&mut schema, &mut n);
    assert_eq!(n, 2, "run.language and toolComponent.language");
    jsonschema::draft7::new(&schema).unwrap()
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git");
    assert!(out.status.success(), "git {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const PKP: &str = "0x00000000000000000000000000000000000000000000000000000000000000aa";

fn grant(extra: &str) -> String {
    format!(
        "grant \"signer\" {{\n  domain \"app.example\"\n  statement \"Sign with the app's PKP.\"\n  max-ttl 1h\n  allow pkp-signing on \"lit-pkp://{PKP}\"\n{extra}}}\n"
    )
}

fn session(extra: &str) -> String {
    format!(
        "session \"job\" from \"signer\" {{\n  ttl 15m\n  request pkp-signing on \"lit-pkp://{PKP}\"\n{extra}}}\n"
    )
}

struct Run {
    status: i32,
    summary: String,
    outputs: BTreeMap<String, String>,
    sarif: Value,
    install_args: String,
    stderr: String,
}

/// Makes an origin repository with `main` (base) and `pr` (head), clones `pr` shallowly as
/// the workspace, then runs the action's steps with the given inputs.
fn run_action(
    base: &[(&str, &str)],
    head: &[(&str, Option<&str>)],
    inputs: &[(&str, &str)],
) -> Run {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let tmp = std::env::temp_dir().join(format!("litcap-action-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let origin = tmp.join("origin");
    std::fs::create_dir_all(&origin).unwrap();
    git(&origin, &["init", "-q", "-b", "main"]);
    write(&origin, "README.md", "app\n");
    for (p, t) in base {
        write(&origin, p, t);
    }
    git(&origin, &["add", "-A"]);
    git(&origin, &["commit", "-q", "-m", "base"]);
    git(&origin, &["checkout", "-q", "-b", "pr"]);
    for (p, t) in head {
        match t {
            Some(t) => write(&origin, p, t),
            None => std::fs::remove_file(origin.join(p)).unwrap(),
        }
    }
    git(&origin, &["add", "-A"]);
    git(&origin, &["commit", "-q", "-m", "head"]);
    git(&origin, &["checkout", "-q", "main"]);
    let ws = tmp.join("workspace");
    let url = format!("file://{}", origin.display());
    git(
        &tmp,
        &[
            "clone",
            "-q",
            "--depth=1",
            "--branch",
            "pr",
            &url,
            ws.to_str().unwrap(),
        ],
    );
    assert!(git(&ws, &["branch", "-r"]).trim().ends_with("origin/pr"));

    // A `cargo` stub: `cargo install ... --root R` links the binary under test into R/bin.
    let stub = tmp.join("stub");
    std::fs::create_dir_all(&stub).unwrap();
    let log = tmp.join("cargo-args");
    write(
        &stub,
        "cargo",
        &format!(
            "#!/usr/bin/env bash\necho \"$@\" > '{}'\nwhile [ $# -gt 0 ]; do [ \"$1\" = --root ] && root=$2; shift; done\nmkdir -p \"$root/bin\" && ln -sf '{}' \"$root/bin/litcap\"\n",
            log.display(),
            env!("CARGO_BIN_EXE_litcap")
        ),
    );
    Command::new("chmod")
        .arg("+x")
        .arg(stub.join("cargo"))
        .status()
        .unwrap();

    let runner_temp = tmp.join("runner-temp");
    std::fs::create_dir_all(&runner_temp).unwrap();
    let files = |name: &str| {
        let p = tmp.join(name);
        std::fs::write(&p, "").unwrap();
        p
    };
    let (summary, output, gh_path) = (files("summary.md"), files("output"), files("path"));

    let action = action();
    let defaults: BTreeMap<String, String> = action["inputs"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v["default"].as_str().unwrap_or("").to_string()))
        .collect();
    let mut values = defaults.clone();
    for (k, v) in inputs {
        assert!(defaults.contains_key(*k), "no input `{k}`");
        values.insert(k.to_string(), v.to_string());
    }
    let substitute = |s: &str| {
        let mut s = s.to_string();
        for (k, v) in &values {
            s = s.replace(&format!("${{{{ inputs.{k} }}}}"), v);
        }
        assert!(!s.contains("${{"), "unsubstituted expression in {s}");
        s
    };
    let mut status = 0;
    let mut stderr = String::new();
    let path = format!(
        "{}:{}",
        stub.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for step in action["runs"]["steps"].as_array().unwrap() {
        let Some(run) = step["run"].as_str() else {
            continue; // `uses:` steps (upload-sarif) are GitHub's
        };
        assert_eq!(step["shell"], "bash");
        // GITHUB_PATH entries of earlier steps come first, as on a runner.
        let added: Vec<String> = std::fs::read_to_string(&gh_path)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        let step_path = added
            .iter()
            .rev()
            .cloned()
            .chain([path.clone()])
            .collect::<Vec<_>>()
            .join(":");
        let mut cmd = Command::new("bash");
        cmd.args([
            "--noprofile",
            "--norc",
            "-eo",
            "pipefail",
            "-c",
            &substitute(run),
        ])
        .current_dir(&ws)
        .env("PATH", step_path)
        .env("GITHUB_ACTION_PATH", root())
        .env("GITHUB_WORKSPACE", &ws)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_PATH", &gh_path)
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_BASE_REF", "main")
        .env("GITHUB_HEAD_REF", "pr")
        .env("GITHUB_ACTIONS", "true")
        .env("RUNNER_TEMP", &runner_temp)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("NO_COLOR", "1")
        .env_remove("LITCAP");
        if let Some(env) = step["env"].as_object() {
            for (k, v) in env {
                cmd.env(k, substitute(v.as_str().unwrap_or("")));
            }
        }
        let out = cmd.output().unwrap();
        stderr.push_str(&String::from_utf8_lossy(&out.stderr));
        status = out.status.code().unwrap_or(-1);
        if status != 0 {
            break; // a failing step ends the job (upload-sarif runs on `!cancelled()`)
        }
    }
    let outputs = std::fs::read_to_string(&output)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect::<BTreeMap<_, _>>();
    let sarif_path = ws.join(
        outputs
            .get("sarif-file")
            .map(String::as_str)
            .unwrap_or("litcap.sarif"),
    );
    let sarif = std::fs::read_to_string(&sarif_path)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Value::Null);
    let run = Run {
        status,
        summary: std::fs::read_to_string(&summary).unwrap(),
        outputs,
        sarif,
        install_args: std::fs::read_to_string(&log).unwrap_or_default(),
        stderr,
    };
    let _ = std::fs::remove_dir_all(&tmp);
    run
}

fn assert_valid_sarif(sarif: &Value) {
    let v = sarif_validator();
    let errors: Vec<String> = v
        .iter_errors(sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF invalid: {errors:#?}\n{sarif:#}");
}

fn rule_ids(sarif: &Value) -> Vec<String> {
    sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_schema_is_sarif_2_1_0_and_rejects_broken_logs() {
    let text = std::fs::read_to_string(root().join("tests/sarif/sarif-schema-2.1.0.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    assert!(schema["$id"]
        .as_str()
        .unwrap()
        .ends_with("/sarif-schema-2.1.0.json"));
    assert_eq!(
        schema["properties"]["version"]["enum"],
        serde_json::json!(["2.1.0"])
    );
    let v = sarif_validator();
    let ok = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": []}]});
    assert!(v.is_valid(&ok));
    assert!(!v.is_valid(&serde_json::json!({"version": "2.0.0", "runs": []})));
    assert!(!v.is_valid(&serde_json::json!({"version": "2.1.0", "runs": [{"results": []}]})));
    let bad_level = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
        "results": [{"message": {"text": "m"}, "level": "fatal"}]}]});
    assert!(!v.is_valid(&bad_level));
}

#[test]
fn the_action_is_a_composite_that_installs_checks_and_uploads() {
    let a = action();
    assert_eq!(a["runs"]["using"], "composite");
    for input in ["policies", "fail-on-widen", "deny-warnings", "args"] {
        assert!(a["inputs"][input].is_object(), "input {input}");
    }
    let steps = a["runs"]["steps"].as_array().unwrap();
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@"))
        })
        .expect("an upload-sarif step");
    assert_eq!(
        upload["with"]["sarif_file"],
        "${{ steps.check.outputs.sarif-file }}"
    );
    assert!(upload["if"].as_str().unwrap().contains("!cancelled()"));
    let script = std::fs::read_to_string(root().join("action/run.sh")).unwrap();
    assert!(script.contains("cargo install --locked --path \"$src\""));
}

#[test]
fn a_widening_pull_request_fails_with_sarif_and_summary() {
    let base = [
        ("policies/grant.litcap", grant("").leak() as &str),
        ("policies/session.litcap", session("").leak() as &str),
    ];
    // The head adds a wildcard allow (widening, and a `wildcard-resource` warning), and a new
    // YAML policy.
    let wide = grant("  allow lit-action-execution on \"lit-litaction://*\"\n");
    let wide_session = session("  request lit-action-execution on \"lit-litaction://QmYzA7ZmQk1sBm1DDbTvJqEZ4gV9yfbYdtL7nXnG8u5P2R\"\n");
    let yaml = "- grant: other\n  domain: app.example\n  statement: Decrypt.\n  max-ttl: 1h\n  allow:\n    - access-control-condition-decryption: lit-accesscontrolcondition://aa/bb\n\n- session: reader\n  from: other\n  ttl: 10m\n  request:\n    - access-control-condition-decryption: lit-accesscontrolcondition://aa/bb\n";
    let head = [
        ("policies/grant.litcap", Some(wide.as_str())),
        ("policies/session.litcap", Some(wide_session.as_str())),
        ("policies/reader.litcap.yaml", Some(yaml)),
    ];
    let r = run_action(&base, &head, &[]);
    eprintln!("{}", r.summary); // shown with --nocapture
    assert_eq!(r.status, 1, "{}\n{}", r.summary, r.stderr);
    // Installed from the action's own checkout.
    assert!(
        r.install_args.starts_with(&format!(
            "install --locked --path {} --root ",
            root().display()
        )),
        "{}",
        r.install_args
    );
    assert_valid_sarif(&r.sarif);
    let ids = rule_ids(&r.sarif);
    assert_eq!(ids, vec!["wildcard-resource"], "{:#}", r.sarif);
    let loc = &r.sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "policies/grant.litcap");
    assert_eq!(loc["region"]["startLine"], 6);
    assert_eq!(r.outputs["widened"], "true");
    assert_eq!(r.outputs["exit-code"], "1");
    assert_eq!(r.outputs["sarif-file"], "litcap.sarif");
    let s = &r.summary;
    assert!(
        s.contains("**check** of 3 policy file(s): ✅ passed"),
        "{s}"
    );
    assert!(
        s.contains("| ⚠️ | `wildcard-resource` | `policies/grant.litcap:6` |"),
        "{s}"
    );
    assert!(s.contains("### Privilege changes against `main`"), "{s}");
    assert!(
        s.contains("#### `policies/grant.litcap`: ⚠️ widens privileges"),
        "{s}"
    );
    assert!(
        s.contains("#### `policies/reader.litcap.yaml` (new): ⚠️ widens privileges"),
        "{s}"
    );
    assert!(s.contains("```diff\n+ grant \"signer\""), "{s}");
    assert!(s.contains("A policy change widens privileges"), "{s}");
    // The session file is compared on its own: its grant is in another file.
    assert!(
        s.contains("#### `policies/session.litcap`: not compared on its own"),
        "{s}"
    );
    assert!(
        s.contains("#### All 3 policy files together: ⚠️ widens privileges"),
        "{s}"
    );
    assert!(
        s.contains("+ session \"job\": request `lit-action-execution"),
        "{s}"
    );
}

#[test]
fn widening_passes_without_fail_on_widen_and_warnings_fail_with_deny_warnings() {
    let base = [("p.litcap", format!("{}{}", grant(""), session("")))];
    let base: Vec<(&str, &str)> = base.iter().map(|(p, t)| (*p, t.as_str())).collect();
    let head_text = format!(
        "{}{}",
        grant("  allow pkp-signing on \"lit-pkp://*\"\n"),
        session("")
    );
    let head = [("p.litcap", Some(head_text.as_str()))];
    let r = run_action(&base, &head, &[("fail-on-widen", "false")]);
    assert_eq!(r.status, 0, "{}\n{}", r.summary, r.stderr);
    assert_eq!(r.outputs["widened"], "true");
    assert!(r.summary.contains("widens privileges"));
    assert_valid_sarif(&r.sarif);

    let r = run_action(
        &base,
        &head,
        &[("fail-on-widen", "false"), ("deny-warnings", "true")],
    );
    assert_eq!(r.status, 3, "{}\n{}", r.summary, r.stderr);
    assert!(
        r.summary.contains("warnings (`deny-warnings`)"),
        "{}",
        r.summary
    );
    assert_valid_sarif(&r.sarif);
    // `args` reach `litcap check`, and `policies` selects the files.
    let r = run_action(
        &base,
        &head,
        &[
            ("args", "--ttl-threshold 1m"),
            ("policies", "*.litcap"),
            ("fail-on-widen", "false"),
        ],
    );
    assert!(
        rule_ids(&r.sarif).contains(&"ttl-longer-than-needed".to_string()),
        "{:#}",
        r.sarif
    );
}

#[test]
fn policy_errors_and_narrowing() {
    let both = format!(
        "{}{}",
        grant("  allow lit-action-execution on \"lit-litaction://*\"\n"),
        session("")
    );
    let base = [("a/p.litcap", both.as_str())];
    // Narrowing: the wildcard allow removed. Clean check, no widening.
    let narrow = format!("{}{}", grant(""), session(""));
    let r = run_action(&base, &[("a/p.litcap", Some(narrow.as_str()))], &[]);
    assert_eq!(r.status, 0, "{}\n{}", r.summary, r.stderr);
    assert_eq!(r.outputs["widened"], "false");
    assert!(
        r.summary.contains("```diff\n- grant \"signer\""),
        "{}",
        r.summary
    );
    assert!(r.summary.contains("No findings."), "{}", r.summary);
    assert_valid_sarif(&r.sarif);
    assert!(rule_ids(&r.sarif).is_empty());

    // A misspelt ability: exit 1, an error in the SARIF with its place.
    let broken = narrow.replace("request pkp-signing", "request pkp-signin");
    let r = run_action(&base, &[("a/p.litcap", Some(broken.as_str()))], &[]);
    assert_eq!(r.status, 1);
    assert_valid_sarif(&r.sarif);
    let results = r.sarif["runs"][0]["results"].as_array().unwrap();
    let result = results
        .iter()
        .find(|x| x["ruleId"] == "unknown-ability")
        .unwrap_or_else(|| panic!("{:#}", r.sarif));
    assert_eq!(result["level"], "error");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "a/p.litcap"
    );
    assert!(r.summary.contains("❌ policy errors"), "{}", r.summary);
    assert!(
        r.summary.contains("`a/p.litcap`: not compared"),
        "{}",
        r.summary
    );

    // No policy at all: an empty, valid SARIF log and success.
    let r = run_action(&[("README2.md", "x")], &[("README2.md", None)], &[]);
    assert_eq!(r.status, 0, "{}\n{}", r.summary, r.stderr);
    assert_valid_sarif(&r.sarif);
    assert!(r.summary.contains("No policy files match"));
}
