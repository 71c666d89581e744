//! `litcap verify --request "<ability> on <resource>"` (issue #12 part 2), with the real binary:
//! operations judged as a Lit node judges them (lit-peer and the Datil node,
//! `auth/session_sigs.rs` `validate_session_sig` and
//! `validate_session_sig_resource_ability_requests`), and, without `--request`, a wildcard
//! entry that the capabilities cover only in part reported as such, not as a node refusal.

mod common;
use common::Temp;

use litcap::SessionKey;
use litcap::Timestamp;
use litcap::{sign_session_sigs, SessionSigsParams};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_litcap");
/// Hardhat account 0: a public test key.
const KEY0: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
/// RFC 8032 test 1.
const SEED1: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const PUB1: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
const NONCE: &str = "0x921dd92f497527857ee8dda62f1805e56c34c99a6b37691b4e56e6fb171a5a70";
const NODE: &str = "https://127.0.0.1:7470";
/// The PKP the AuthSig grants, and another one.
const ID: &str = "b03a728fc095d13a226bda09f1ead60c4cb356c0d82a2d0177184fd66d74c75f";
const OTHER: &str = "00000000000000000000000000000000000000000000000000000000000000aa";
const ISSUED: &str = "2024-09-19T13:07:33.606Z";
const AT: &str = "2024-09-19T13:08:00Z";

fn run(args: &[&str]) -> Output {
    let o = Command::new(BIN).args(args).output().unwrap();
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(!e.contains("panicked"), "{e}");
    o
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// An AuthSig for session key `PUB1` granting `pkp-signing` on `lit-pkp://ID` only.
fn authsig(t: &Temp) -> Value {
    let policy = t.file(
        "one-pkp.litcap",
        &format!(
            "grant \"one-pkp\" {{\n  domain \"localhost\"\n  statement \"One PKP.\"\n  max-ttl 1d\n  allow pkp-signing on \"lit-pkp://{ID}\"\n}}\n\nsession \"s\" from \"one-pkp\" {{\n  ttl 1h\n  request pkp-signing on \"lit-pkp://{ID}\"\n}}\n"
        ),
        0o644,
    );
    let key = t.file("k0", KEY0, 0o600);
    let o = run(&[
        "authsig",
        p(&policy),
        "--session",
        "s",
        "--wallet-key",
        p(&key),
        "--session-key",
        PUB1,
        "--nonce",
        NONCE,
        "--issued-at",
        ISSUED,
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// A SessionSigs file with these `resourceAbilityRequests` entries `(prefix, id, ability)`.
fn sessionsigs(t: &Temp, name: &str, requests: &[(&str, &str, &str)], cap: &Value) -> PathBuf {
    let key = SessionKey::from_seed_hex(SEED1).unwrap();
    let rar: Vec<Value> = requests
        .iter()
        .map(|(prefix, id, ability)| {
            json!({"resource": {"resource": id, "resourcePrefix": prefix}, "ability": ability})
        })
        .collect();
    let issued = Timestamp::parse_rfc3339(ISSUED).unwrap();
    let sigs = sign_session_sigs(&SessionSigsParams {
        session_key: &key,
        resource_ability_requests: &rar,
        capabilities: std::slice::from_ref(cap),
        issued_at: issued,
        expiration: issued.add_secs(300),
        node_urls: &[NODE.to_string()],
    });
    t.file(name, &sigs.to_value().to_string(), 0o644)
}

fn verify(file: &Path, requests: &[&str]) -> (i32, Value) {
    let mut args = vec!["verify", p(file), "--at", AT, "--format", "json"];
    for r in requests {
        args.push("--request");
        args.push(r);
    }
    let o = run(&args);
    (
        o.status.code().unwrap_or(-1),
        serde_json::from_slice(&o.stdout).unwrap(),
    )
}

fn op_kinds(v: &Value) -> Vec<Option<String>> {
    v["nodes"][0]["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["error"]["kind"].as_str().map(str::to_string))
        .collect()
}

/// Issue #12 M3: the session lists `lit-pkp://*`, its AuthSig grants one PKP. The node accepts
/// an operation on that PKP (written in any form that derives the same token id), refuses one
/// on another PKP (no capability covers it) and one on a resource no entry lists.
#[test]
fn a_wildcard_entry_admits_the_pkp_the_authsig_grants() {
    let t = Temp::new("wild");
    let cap = authsig(&t);
    let file = sessionsigs(&t, "wild.json", &[("lit-pkp", "*", "pkp-signing")], &cap);

    let (code, v) = verify(
        &file,
        &[
            &format!("pkp-signing on lit-pkp://{ID}"),
            &format!("pkp-signing on lit-pkp://0x{}", ID.to_uppercase()),
            &format!("pkp-signing on lit-pkp://{OTHER}"),
            "lit-action-execution on lit-litaction://QmWjhtZqSb8X2UAstGyVAuhbSwBvfnr4GnTA5YAtq4vRrP",
        ],
    );
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(
        op_kinds(&v),
        vec![
            None,
            None,
            Some("NodeResourceIdNotFound".into()),
            Some("NodeResourceIdNotFound".into())
        ],
        "{v:#}"
    );
    let ops = &v["nodes"][0]["operations"];
    // The capability failure names the capability; the listing failure names the rule.
    assert_eq!(
        ops[2]["error"]["inner"]["kind"], "NodeSIWECapabilityInvalid",
        "{v:#}"
    );
    assert!(ops[3]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("resourceAbilityRequests"));
    assert_eq!(ops[1]["resource"], format!("lit-pkp://{ID}"));

    // Only the granted PKP: valid, exit 0.
    let (code, v) = verify(&file, &[&format!("pkp-signing on lit-pkp://{ID}")]);
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(v["nodes"][0]["valid"], true);

    // Without `--request`: not a refusal, but a partial wildcard, with what it covers.
    let (code, v) = verify(&file, &[]);
    assert_eq!(code, 0, "{v:#}");
    let note = &v["nodes"][0]["notes"][0];
    assert_eq!(note["kind"], "partial-wildcard", "{v:#}");
    assert_eq!(note["covers"], json!([format!("lit-pkp://{ID}")]), "{v:#}");
    let human = run(&["verify", p(&file), "--at", AT]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("partly covered") && text.contains(ID),
        "{text}"
    );
}

/// Issue #12 M4: the node never reads an entry's ability. An entry that names the PKP with an
/// ability of another resource type admits a signing operation on it; without `--request`
/// litcap says it cannot judge that entry instead of refusing the session.
#[test]
fn an_entrys_ability_is_not_read() {
    let t = Temp::new("ability");
    let cap = authsig(&t);
    let file = sessionsigs(
        &t,
        "ability.json",
        &[
            ("lit-pkp", ID, "lit-action-execution"),
            ("lit-pkp", ID, "no-such-ability"),
        ],
        &cap,
    );
    let (code, v) = verify(&file, &[&format!("pkp-signing on lit-pkp://{ID}")]);
    assert_eq!(code, 0, "{v:#}");
    let (code, v) = verify(&file, &[]);
    assert_eq!(code, 0, "{v:#}");
    let notes = v["nodes"][0]["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 2, "{v:#}");
    assert!(
        notes.iter().all(|n| n["kind"] == "ability-not-judged"),
        "{v:#}"
    );
}

/// Issue #12 M5: an entry that writes the PKP id as the SDK keeps it (`0x`, upper case) does not
/// match the id the node derives, so every signing operation is refused; litcap says which
/// form the node compares.
#[test]
fn an_entry_with_the_sdks_id_form_admits_no_operation() {
    let t = Temp::new("idform");
    let cap = authsig(&t);
    let file = sessionsigs(
        &t,
        "idform.json",
        &[("lit-pkp", &format!("0x{ID}"), "pkp-signing")],
        &cap,
    );
    let (code, v) = verify(&file, &[&format!("pkp-signing on lit-pkp://{ID}")]);
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(op_kinds(&v), vec![Some("NodeResourceIdNotFound".into())]);
    let error = &v["nodes"][0]["operations"][0]["error"];
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("resourceAbilityRequests"),
        "{error:#}"
    );
    assert!(
        error["help"].as_str().unwrap().contains("64 lowercase hex"),
        "{error:#}"
    );
}

/// Bad `--request` text is a usage error (exit 2) that says what is wrong.
#[test]
fn bad_requests_are_usage_errors() {
    let t = Temp::new("usage");
    let cap = authsig(&t);
    let file = sessionsigs(&t, "u.json", &[("lit-pkp", "*", "pkp-signing")], &cap);
    for bad in [
        "pkp-signing lit-pkp://1",
        "pkp-signin on lit-pkp://1",
        "pkp-signing on lit-pkp://*",
    ] {
        let o = run(&["verify", p(&file), "--request", bad]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("--request"),
            "{bad}"
        );
    }
}
