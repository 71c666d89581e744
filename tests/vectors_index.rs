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
