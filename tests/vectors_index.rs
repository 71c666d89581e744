//! Every vector kind is claimed by exactly one test file, so no vector is silently skipped.

mod common;

/// Kinds and the test file that runs them.
const KINDS: &[(&str, &str)] = &[
    ("keypair", "tests/vectors_sign.rs"),
    ("recap", "tests/vectors_recap.rs"),
    ("acc-resource", "tests/vectors_recap.rs"),
    ("decode", "tests/vectors_recap.rs"),
    ("siwe", "tests/vectors_siwe.rs"),
    ("authsig", "tests/vectors_sign.rs"),
    ("capacity", "tests/vectors_sign.rs"),
    ("verify", "tests/vectors_verify.rs"),
    ("sessionsigs", "tests/vectors_sign.rs"),
    ("validate", "tests/vectors_verify.rs"),
];

#[test]
fn every_vector_kind_has_a_runner() {
    let vectors = common::lit_vectors();
    assert_eq!(vectors.len(), 32);
    for v in &vectors {
        let (_, file) = KINDS
            .iter()
            .find(|(k, _)| *k == v.kind)
            .unwrap_or_else(|| panic!("{}: kind `{}` has no runner", v.file, v.kind));
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{file} (runner of `{}`) is missing", v.kind));
        assert!(
            text.contains(&format!("lit_vectors_of(\"{}\")", v.kind)),
            "{file} does not run kind `{}`",
            v.kind
        );
    }
}

/// SDK v8 (Naga) kinds (`tests/vectors/v8/`) and the test file that runs them.
const V8_KINDS: &[(&str, &str)] = &[
    ("keypair", "tests/vectors_v8.rs"),
    ("acc-resource", "tests/vectors_v8.rs"),
    ("siwe", "tests/vectors_v8.rs"),
    ("authsig", "tests/vectors_v8.rs"),
    ("payment-delegation", "tests/vectors_v8.rs"),
    ("sessionsigs", "tests/vectors_v8.rs"),
    ("validate", "tests/vectors_v8.rs"),
];

#[test]
fn every_v8_vector_kind_has_a_runner() {
    let vectors = common::v8_vectors();
    assert_eq!(vectors.len(), 18);
    // Every file in the folder is listed in index.json.
    let dir = common::vectors_dir().join("v8");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f.ends_with(".json") && f != "index.json")
        .collect();
    files.sort();
    let listed: Vec<&str> = vectors.iter().map(|v| v.file.as_str()).collect();
    assert_eq!(
        files, listed,
        "tests/vectors/v8/index.json lists other files"
    );
    for v in &vectors {
        let (_, file) = V8_KINDS
            .iter()
            .find(|(k, _)| *k == v.kind)
            .unwrap_or_else(|| panic!("{}: v8 kind `{}` has no runner", v.file, v.kind));
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{file} (runner of `{}`) is missing", v.kind));
        assert!(
            text.contains(&format!("v8_vectors_of(\"{}\")", v.kind)),
            "{file} does not run v8 kind `{}`",
            v.kind
        );
    }
}
