//! Shared test helpers: running the `litcap` binary, and loading the SDK conformance vectors
//! (`tests/vectors/lit/*.json`, produced by the real `@lit-protocol/*` 7.4.0 packages through
//! the oracle).

#![allow(dead_code)]

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

/// The repository root: every test runs the binary there, so paths in arguments and in the
/// output are relative to it.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `litcap` binary with deterministic surroundings: run in the repository root, no colour,
/// no keystore password or test hooks inherited from the caller's environment.
pub fn litcap_command(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_litcap"));
    c.args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .env_remove("LITCAP_KEYSTORE_PASSWORD")
        .env_remove("LITCAP_TEST_NODE_PATH");
    c
}

/// Runs `litcap ARGS` and waits for it.
pub fn litcap(args: &[&str]) -> Output {
    litcap_env(args, &[])
}

/// Runs `litcap ARGS` with extra environment variables.
pub fn litcap_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = litcap_command(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("run litcap")
}

pub struct Vector {
    pub file: String,
    pub kind: String,
    pub description: String,
    pub input: Value,
    pub expected: Value,
}

pub fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

/// Every vector listed in `index.json`, in order.
pub fn lit_vectors() -> Vec<Vector> {
    let dir = vectors_dir().join("lit");
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).unwrap()).unwrap();
    index["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let name = f.as_str().unwrap();
            let v: Value =
                serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap();
            Vector {
                file: name.to_string(),
                kind: v["kind"].as_str().unwrap().to_string(),
                description: v["description"].as_str().unwrap_or_default().to_string(),
                input: v["input"].clone(),
                expected: v["expected"].clone(),
            }
        })
        .collect()
}

/// The vectors of one kind; panics if there are none, so a renamed kind cannot silently pass.
pub fn lit_vectors_of(kind: &str) -> Vec<Vector> {
    let v: Vec<Vector> = lit_vectors()
        .into_iter()
        .filter(|v| v.kind == kind)
        .collect();
    assert!(!v.is_empty(), "no vectors of kind `{kind}`");
    v
}

pub fn siwe_suite(file: &str) -> Value {
    let path = vectors_dir().join("siwe").join(file);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Vectors from `tests/vectors/extra/<file>` (a JSON array of `{kind, description, input, expected}`).
pub fn extra_vectors(file: &str) -> Vec<Vector> {
    let path = vectors_dir().join("extra").join(file);
    let list: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, v)| Vector {
            file: format!("{file}#{i}"),
            kind: v["kind"].as_str().unwrap().to_string(),
            description: v["description"].as_str().unwrap_or_default().to_string(),
            input: v["input"].clone(),
            expected: v["expected"].clone(),
        })
        .collect()
}

/// Every SDK v8 (Naga) vector listed in `tests/vectors/v8/index.json`, in order (produced by
/// the real `@lit-protocol/*` 8.x packages through `tests/interop-v8/`). Their result is under
/// `output`; it is read into `expected`.
pub fn v8_vectors() -> Vec<Vector> {
    let dir = vectors_dir().join("v8");
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).unwrap()).unwrap();
    index
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let name = f["file"].as_str().unwrap();
            let v: Value =
                serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap();
            assert_eq!(v["kind"], f["kind"], "{name}: kind differs from index.json");
            Vector {
                file: name.to_string(),
                kind: v["kind"].as_str().unwrap().to_string(),
                description: v["description"].as_str().unwrap_or_default().to_string(),
                input: v["input"].clone(),
                expected: v["output"].clone(),
            }
        })
        .collect()
}

/// The v8 vector whose file name starts with `prefix` (`"08-"`).
pub fn v8_vector(prefix: &str) -> Vector {
    v8_vectors()
        .into_iter()
        .find(|v| v.file.starts_with(prefix))
        .unwrap_or_else(|| panic!("no v8 vector `{prefix}*`"))
}

/// The wallet key of the v8 signing vectors (the first well-known Anvil/Hardhat account; a
/// test key, never a real one) and its address.
pub const V8_WALLET_KEY: &str =
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
pub const V8_WALLET_ADDRESS: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

/// The policy of the v8 SessionSigs vectors 08 and 10: PKP signing and Lit Action execution
/// on every resource, for `localhost` nodes.
pub const V8_WILDCARD_POLICY: &str = r#"grant "g" {
  domain "localhost"
  max-ttl 1d
  allow pkp-signing on "lit-pkp://*"
  allow lit-action-execution on "lit-litaction://*"
}
session "s" from "g" {
  ttl 1d
  request pkp-signing on "lit-pkp://*"
  request lit-action-execution on "lit-litaction://*"
}
"#;

/// The v8 vectors of one kind; panics if there are none.
pub fn v8_vectors_of(kind: &str) -> Vec<Vector> {
    let v: Vec<Vector> = v8_vectors()
        .into_iter()
        .filter(|v| v.kind == kind)
        .collect();
    assert!(!v.is_empty(), "no v8 vectors of kind `{kind}`");
    v
}

/// A temporary folder for one test, removed when dropped.
pub struct Temp(pub PathBuf);

impl Temp {
    pub fn new(tag: &str) -> Temp {
        let mut n = [0u8; 6];
        getrandom::getrandom(&mut n).unwrap();
        let d = std::env::temp_dir().join(format!("litcap-test-{tag}-{}", hex::encode(n)));
        std::fs::create_dir_all(&d).unwrap();
        Temp(d)
    }

    /// Writes `name` in the folder with Unix permissions `mode` (key files are refused or
    /// warned about by their mode).
    pub fn file(&self, name: &str, text: &str, mode: u32) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, text).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        #[cfg(not(unix))]
        let _ = mode;
        p
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
