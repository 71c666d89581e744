//! The binary on YAML and JSON policies: every example policy has a YAML twin that compiles
//! to exactly the same output, `convert` goes between the three forms, forms mix in one run,
//! and `schema` prints the published schemas.

mod common;

use common::{litcap, root};
use std::path::{Path, PathBuf};
use std::process::Output;

#[track_caller]
fn stdout_ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// A fresh directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("litcap-yaml-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `(DSL file, YAML twin)` of every example policy.
fn example_pairs() -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = std::fs::read_dir(root().join("policies"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".litcap"))
        .map(|n| (format!("policies/{n}"), format!("policies/{n}.yaml")))
        .collect();
    pairs.sort();
    assert!(pairs.len() >= 4, "{pairs:?}");
    pairs
}

fn sessions_of(dsl: &str) -> Vec<String> {
    let loaded = litcap::load_paths(&[root().join(dsl)]).unwrap();
    assert!(!loaded.diagnostics.has_errors(), "{dsl}");
    let names: Vec<String> = loaded.policy.session_names().map(str::to_string).collect();
    assert!(!names.is_empty(), "{dsl} has no session");
    names
}

const SIWE: [&str; 8] = [
    "--address",
    "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    "--session-key",
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    "--nonce",
    "0x921dd92f497527857ee8dda62f1805e56c34c99a6b37691b4e56e6fb171a5a70",
    "--issued-at",
    "2024-09-19T13:07:33.606Z",
];

const SIWE_ERC5573: [&str; 8] = [
    "--address",
    "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    "--uri",
    "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
    "--nonce",
    "921dd92f497527857ee8dda62f1805e5",
    "--issued-at",
    "2024-09-19T13:07:33.606Z",
];

#[test]
fn every_example_policy_has_a_yaml_twin_that_compiles_identically() {
    let dir = scratch("twins");
    for (dsl, yaml) in example_pairs() {
        assert!(root().join(&yaml).is_file(), "missing YAML twin {yaml}");
        let twin = std::fs::read_to_string(root().join(&yaml)).unwrap();
        assert!(
            twin.starts_with("# yaml-language-server: $schema=../schemas/policy.schema.json\n"),
            "{yaml} lacks the schema line"
        );
        // And the JSON form, made by `convert`.
        let json = dir
            .join(Path::new(&dsl).file_name().unwrap())
            .with_extension("litcap.json");
        std::fs::write(
            &json,
            stdout_ok(&litcap(&["convert", &dsl, "--to", "json"])),
        )
        .unwrap();
        let json = json.display().to_string();
        // An ERC-5573 policy's SIWE message names its relying party (`--uri`), not a session key.
        let erc5573 = litcap::internal::load::load_paths(&[root().join(&dsl)])
            .unwrap()
            .policy
            .profile()
            .name
            == "erc5573";
        let siwe: &[&str] = if erc5573 { &SIWE_ERC5573 } else { &SIWE };
        for session in sessions_of(&dsl) {
            for extra in [&[][..], &["--format", "human"][..], siwe] {
                let run = |file: &str| {
                    let mut args = vec!["compile", file, "--session", &session];
                    args.extend_from_slice(extra);
                    stdout_ok(&litcap(&args))
                };
                let expected = run(&dsl);
                assert_eq!(run(&yaml), expected, "{yaml} --session {session} {extra:?}");
                assert_eq!(run(&json), expected, "{json} --session {session} {extra:?}");
            }
        }
        // `check` finds nothing in the DSL and the YAML (JSON cannot carry the
        // `# litcap: allow(...)` comments some examples use).
        for file in [&dsl, &yaml] {
            let out = litcap(&["check", file, "--deny-warnings"]);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{file}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

#[test]
fn convert_round_trips_the_examples_with_their_comments() {
    for (dsl, yaml) in example_pairs() {
        let dsl_text = std::fs::read_to_string(root().join(&dsl)).unwrap();
        let yaml_text = std::fs::read_to_string(root().join(&yaml)).unwrap();
        // The twin is the converted DSL below the schema line.
        let converted = stdout_ok(&litcap(&["convert", &dsl, "--to", "yaml"]));
        let body = yaml_text.split_once("\n\n").unwrap().1;
        assert_eq!(converted, body, "{dsl}");
        // Back to the DSL: the same file, comments included (the schema line is dropped).
        assert_eq!(
            stdout_ok(&litcap(&["convert", &yaml, "--to", "dsl"])),
            dsl_text,
            "{yaml}"
        );
        assert_eq!(
            stdout_ok(&litcap(&["convert", &yaml, "--to", "yaml"])),
            yaml_text,
            "{yaml}"
        );
        assert_eq!(
            stdout_ok(&litcap(&["convert", &dsl, "--to", "dsl"])),
            dsl_text,
            "{dsl}"
        );
    }
}

#[test]
fn convert_to_json_drops_comments_and_says_so() {
    let out = litcap(&["convert", "policies/pkp-signer.litcap", "--to", "json"]);
    let json = stdout_ok(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("JSON has no comments"), "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[0]["grant"], "treasury-signer");
    assert_eq!(v[0]["chain-id"], 1);
    assert_eq!(
        v[0]["allow"][0]["pkp-signing"],
        "lit-pkp://0xb03a728fc095d13a226bda09f1ead60c4cb356c0d82a2d0177184fd66d74c75f"
    );
    assert_eq!(v[1]["session"], "treasury");
    assert_eq!(v[1]["from"], "treasury-signer");
    assert_eq!(v[1]["ttl"], "15m");
    // The JSON form is valid against the published policy schema.
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schemas/policy.schema.json")).unwrap(),
    )
    .unwrap();
    assert!(jsonschema::draft202012::is_valid(&schema, &v));
    // JSON → DSL: the same blocks, without the comments.
    let dir = scratch("json");
    let file = dir.join("p.litcap.json");
    std::fs::write(&file, &json).unwrap();
    let dsl = stdout_ok(&litcap(&["convert", file.to_str().unwrap(), "--to", "dsl"]));
    assert!(
        dsl.starts_with("grant \"treasury-signer\" {\n  domain \"signer.example.com\"\n"),
        "{dsl}"
    );
    assert!(!dsl.contains('#'), "{dsl}");
}

#[test]
fn convert_refuses_what_it_cannot_write_or_read() {
    let dir = scratch("refuse");
    let twice = dir.join("twice.litcap");
    std::fs::write(
        &twice,
        "grant \"g\" {\n  domain \"a.example\"\n  domain \"b.example\"\n}\n",
    )
    .unwrap();
    let out = litcap(&["convert", twice.to_str().unwrap(), "--to", "yaml"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("litcap::duplicate-setting"), "{stderr}");
    assert!(stderr.contains("twice.litcap:3:3"), "{stderr}");
    let bad = dir.join("bad.litcap.yaml");
    std::fs::write(&bad, "- grant: g\n  domain: [\n").unwrap();
    let out = litcap(&["convert", bad.to_str().unwrap(), "--to", "dsl"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("litcap::syntax"));
    let out = litcap(&["convert", "does-not-exist.litcap", "--to", "dsl"]);
    assert_eq!(out.status.code(), Some(2));
    let out = litcap(&["convert", "policies/pkp-signer.litcap", "--to", "toml"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn forms_mix_in_one_run() {
    let dir = scratch("mix");
    let grant = dir.join("grant.litcap.yaml");
    std::fs::write(
        &grant,
        "- grant: g\n  domain: app.example.com\n  allow:\n    - pkp-signing: lit-pkp://*\n",
    )
    .unwrap();
    let session = dir.join("session.litcap");
    std::fs::write(
        &session,
        "session \"s\" from \"g\" {\n  ttl 1h\n  request pkp-signing on \"lit-pkp://1\"\n}\n",
    )
    .unwrap();
    let more = dir.join("more.litcap.json");
    std::fs::write(
        &more,
        r#"[{"session": "t", "from": "g", "request": [{"lit-action-execution": "lit-litaction://Qm1"}]}]"#,
    )
    .unwrap();
    let (g, s, m) = (
        grant.to_str().unwrap(),
        session.to_str().unwrap(),
        more.to_str().unwrap(),
    );
    let out = stdout_ok(&litcap(&["compile", g, s, "--session", "s"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["resourceAbilityRequests"][0]["ability"], "pkp-signing");
    // A request from the JSON file that the YAML grant does not cover, reported in JSON.
    let out = litcap(&["check", g, s, m, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "not-covered")
        .unwrap();
    assert_eq!(d["file"], m);
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(1), Some(44))
    );
}

#[test]
fn schema_prints_each_published_schema() {
    for s in litcap::Schema::ALL {
        let printed = stdout_ok(&litcap(&["schema", s.name()]));
        let file = std::fs::read_to_string(root().join("schemas").join(s.file_name())).unwrap();
        assert_eq!(printed, file, "{}", s.name());
    }
    let out = litcap(&["schema", "polcy"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("did you mean `policy`?"), "{stderr}");
}
