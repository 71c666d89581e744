//! The published schemas (`schemas/*.schema.json`): generated from the Rust definitions (so
//! ability names and diagnostic codes cannot drift), printed by `litcap schema`, and matching
//! the real outputs of the binary and the SDK's AuthSig/SessionSigs vectors.
//!
//! `LITCAP_BLESS=1 cargo test --test schemas` rewrites the files after an intended change.

mod common;

use litcap::schema::{gen, Schema};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::Command;

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
