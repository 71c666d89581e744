//! `litcap sign --network naga --store DIR`: the SDK v8 storage plugin's layout
//! (`localStorageNode({appName, networkName, storagePath})`, `@lit-protocol/auth` 8.2.3),
//! byte for byte. Offline against vector 08's storage dump; with the real SDK (the pinned
//! packages of `tests/interop-v8`, after `npm ci` there) in both directions: the SDK reuses
//! the key and AuthSig litcap stored, and litcap reuses what the SDK stored. The SDK tests
//! skip when node or those packages are missing; CI's `sdk_store_interop` stage requires them.

mod common;

use common::Temp;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};

const KEY: &str = common::V8_WALLET_KEY;
const ADDRESS: &str = common::V8_WALLET_ADDRESS;
const POLICY: &str = common::V8_WILDCARD_POLICY;

/// `sign --network naga --store DIR` with vector 08's inputs (app `lit-oracle`, network
/// `naga-dev`, the oracle's defaults); `times` is `--issued-at` and, if given, `--expiration`.
fn sign(dir: &Path, policy: &Path, times: &[&str]) -> std::process::Output {
    let v = common::v8_vector("08-");
    let mut args: Vec<String> = [
        "sign",
        policy.to_str().unwrap(),
        "--session",
        "s",
        "--network",
        "naga",
        "--wallet-key-env",
        "LITCAP_TEST_KEY",
        "--store",
        dir.to_str().unwrap(),
        "--app-name",
        "lit-oracle",
        "--network-name",
        "naga-dev",
        "--nonce",
        v.input["nonce"].as_str().unwrap(),
        "--issued-at",
        times[0],
    ]
    .map(String::from)
    .to_vec();
    if let Some(e) = times.get(1) {
        args.extend(["--expiration".to_string(), e.to_string()]);
    }
    for (url, price) in v.input["maxPrices"].as_object().unwrap() {
        args.extend([
            "--node".to_string(),
            url.clone(),
            "--max-price".to_string(),
            format!("{url}={}", price.as_str().unwrap()),
        ]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    common::litcap_env(&args, &[("LITCAP_TEST_KEY", KEY)])
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The store's entries, as node-localstorage names them back (`decodeURIComponent`).
fn entries(dir: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().replace("%3A", ":");
            (name, std::fs::read_to_string(e.path()).unwrap())
        })
        .collect();
    out.sort();
    out
}

fn expected_storage() -> Vec<(String, String)> {
    let v = common::v8_vector("08-");
    let mut out: Vec<(String, String)> = v.expected["storage"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    out.sort();
    out
}

#[test]
fn the_store_is_the_sdks_layout_byte_for_byte() {
    let v = common::v8_vector("08-");
    let tmp = Temp::new("naga-store");
    let policy = tmp.file("p.litcap", POLICY, 0o644);
    let dir = tmp.0.join("store");
    // The SDK's key entry (as `tryGetCachedAuthData` wrote it) and nothing else: litcap
    // reuses the key and stores the AuthSig, and the store is then vector 08's.
    let storage = expected_storage();
    let key_entry = storage
        .iter()
        .find(|(k, _)| !k.contains("inner-delegation"))
        .unwrap();
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join(key_entry.0.replace(':', "%3A")), &key_entry.1).unwrap();
    let first = sign(&dir, &policy, &["2024-09-19T13:07:33.606Z"]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert!(
        stderr(&first).contains("stored the new AuthSig"),
        "{}",
        stderr(&first)
    );
    let got: Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(
        litcap::internal::json::stringify(&got),
        litcap::internal::json::stringify(&v.expected["sessionSigs"])
    );
    assert_eq!(entries(&dir), storage);
    // Again, for a session within the AuthSig's life: it is reused, nothing changes.
    let again = sign(
        &dir,
        &policy,
        &["2024-09-19T14:00:00Z", "2024-09-20T13:00:00Z"],
    );
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("reusing the AuthSig stored in"),
        "{}",
        stderr(&again)
    );
    assert!(stderr(&again).contains(&format!("inner-delegation%3Anaga-dev%3A{ADDRESS}")));
    assert_eq!(entries(&dir), storage);
    // Once the key's `expiresAt` has passed, a new key and AuthSig replace both entries.
    let later = sign(&dir, &policy, &["2024-09-21T00:00:00Z"]);
    assert_eq!(later.status.code(), Some(0), "{}", stderr(&later));
    assert!(
        stderr(&later).contains("stored a new session key"),
        "{}",
        stderr(&later)
    );
    let now = entries(&dir);
    assert_eq!(now.len(), 2);
    assert_ne!(now, storage);
    let key: Value = serde_json::from_str(&now[1].1).unwrap();
    assert_eq!(key["sessionKey"]["expiresAt"], "2024-09-22T00:00:00.000Z");
    assert_eq!(key["authMethodType"], 1);
    // An entry litcap cannot read is refused, not overwritten (exit 5).
    std::fs::write(dir.join(now[0].0.replace(':', "%3A")), "{").unwrap();
    let corrupt = sign(&dir, &policy, &["2024-09-21T00:00:00Z"]);
    assert_eq!(corrupt.status.code(), Some(5), "{}", stderr(&corrupt));
    assert!(stderr(&corrupt).contains("corrupt"), "{}", stderr(&corrupt));
}

/// The oracle (`tests/interop-v8/oracle.mjs`), or `None` when node or its packages are
/// missing.
fn oracle(input: &Value) -> Option<Value> {
    let dir = common::root().join("tests/interop-v8");
    if !dir.join("node_modules/@lit-protocol/auth").is_dir() {
        eprintln!("skipped: tests/interop-v8/node_modules is missing (run `npm ci` there)");
        return None;
    }
    let child = Command::new("node")
        .arg(dir.join("oracle.mjs"))
        .arg("sessionsigs")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            eprintln!("skipped: `node` is not available ({e})");
            return None;
        }
    };
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "oracle: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

#[test]
fn the_sdk_and_litcap_share_a_store() {
    let v = common::v8_vector("08-");
    let tmp = Temp::new("naga-store-sdk");
    let policy = tmp.file("p.litcap", POLICY, 0o644);

    // The SDK writes the store; litcap reuses its key and AuthSig and signs what it signs.
    let theirs = tmp.0.join("sdk-written");
    std::fs::create_dir(&theirs).unwrap();
    let mut input = v.input.clone();
    input["storagePath"] = Value::from(theirs.to_str().unwrap());
    let Some(sdk) = oracle(&input) else { return };
    let o = sign(&theirs, &policy, &["2024-09-19T13:07:33.606Z"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("reusing the AuthSig stored in"),
        "{}",
        stderr(&o)
    );
    let got: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        litcap::internal::json::stringify(&got),
        litcap::internal::json::stringify(&sdk["sessionSigs"])
    );

    // litcap writes a store with a key of its own; the SDK takes that key and AuthSig (it
    // generates nothing) and signs what litcap signed.
    let ours = tmp.0.join("litcap-written");
    let o = sign(&ours, &policy, &["2024-09-19T13:07:33.606Z"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("stored a new session key"),
        "{}",
        stderr(&o)
    );
    let mine: Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut input = v.input.clone();
    input["storagePath"] = Value::from(ours.to_str().unwrap());
    input["expectCachedKey"] = Value::Bool(true);
    let sdk = oracle(&input).expect("the oracle ran a moment ago");
    let first = mine.as_object().unwrap().values().next().unwrap();
    assert_eq!(sdk["sessionKey"]["publicKey"], first["address"]);
    assert_eq!(
        litcap::internal::json::stringify(&sdk["sessionSigs"]),
        litcap::internal::json::stringify(&mine)
    );
    // The SDK wrote nothing new: the store is still the two entries litcap wrote.
    assert_eq!(sdk["storage"].as_object().unwrap().len(), 2);
    eprintln!("the SDK v8 read the store litcap wrote, and litcap the SDK's");
}

#[test]
fn the_v8_store_names_are_refused_on_datil() {
    let tmp = Temp::new("naga-store-datil");
    let policy = tmp.file("p.litcap", POLICY, 0o644);
    let dir = tmp.0.join("store");
    let o = common::litcap_env(
        &[
            "sign",
            policy.to_str().unwrap(),
            "--session",
            "s",
            "--wallet-key-env",
            "LITCAP_TEST_KEY",
            "--store",
            dir.to_str().unwrap(),
            "--app-name",
            "my-app",
            "--node",
            "https://15.235.83.220:7470",
            "--nonce",
            "0x921dd92f497527857ee8dda62f1805e56c34c99a6b37691b4e56e6fb171a5a70",
        ],
        &[("LITCAP_TEST_KEY", KEY)],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--network naga"), "{}", stderr(&o));
    assert!(!dir.exists(), "nothing is written");
}
