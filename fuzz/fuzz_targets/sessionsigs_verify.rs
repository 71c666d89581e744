//! Any bytes as a SessionSigs map (`litcap verify`): the node-emulating verifier never panics;
//! it gives one verdict per entry, in the map's order; an unreadable text's error offset lies in
//! the text. The verifier shares work across entries (session keys, capabilities), so each
//! entry verified on its own must get the same verdict as inside the bundle. The SDK's
//! `validateSessionSigs` emulation and the bare nacl check must not panic either. BLS: a third
//! of the inputs are verified with a network key (so `lit.bls` capabilities get their BLS
//! check), and the text itself goes to the `lit.bls` `sig` and network-key decoders (seeds:
//! the `sig` strings of tests/vectors/bls/), which must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use litcap::internal::bls::{session_hash, BlsSignature, NetworkKey};
use litcap::Timestamp;
use litcap::internal::verify::sessionsigs::{
    nacl_verify, sdk_validate_session_sigs, verify_file, verify_text, SessionSigsFile,
    VerifyOptions,
};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The vectors' clock (their sessions are valid then), and half the inputs checked as one
    // fixed node instead of the node each key names.
    let now: Timestamp = "2024-09-19T13:10:30.000Z".parse().unwrap_or_default();
    // The test network key of tests/vectors/bls/.
    let key = NetworkKey::parse("b12b9726090d651fcb2c854c4064efedbc1ada24557f896150621577fd50cb43aaab37d7319486a5953b46937d9a7d71").ok();
    if let Ok(sig) = BlsSignature::parse(text) {
        if let Some(k) = &key {
            let _ = sig.verify(k, &session_hash(text));
        }
    }
    let _ = NetworkKey::parse(text);
    let opts = VerifyOptions {
        now,
        node: (data.len() % 2 == 1).then(|| "https://15.235.83.220:7470".to_string()),
        network_key: key.filter(|_| data.len() % 3 == 0),
        session_key: None,
        ..Default::default()
    };
    let file = match SessionSigsFile::parse(text) {
        Ok(f) => f,
        Err(e) => {
            assert!(
                e.offset <= text.len() && text.is_char_boundary(e.offset),
                "{e:?}"
            );
            assert!(verify_text(text, &opts).is_err());
            return;
        }
    };
    let verdicts = verify_file(&file, &opts);
    let nodes: Vec<&str> = file.nodes().collect();
    assert_eq!(verdicts.len(), nodes.len(), "one verdict per entry");
    for (v, node) in verdicts.iter().zip(&nodes) {
        assert_eq!(v.node, *node, "verdicts in the map's order");
        let _ = v.to_json();
    }

    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else {
        return;
    };
    let _ = sdk_validate_session_sigs(&Value::Object(map.clone()), now);
    for entry in map.values() {
        let _ = nacl_verify(entry);
    }
    // Alone vs in the bundle (only when keys are unique: a JSON object keeps the last value).
    if map.len() != nodes.len() {
        return;
    }
    for ((key, entry), together) in map.iter().zip(&verdicts) {
        let mut one = serde_json::Map::new();
        one.insert(key.clone(), entry.clone());
        let alone_text = Value::Object(one).to_string();
        let alone = verify_text(&alone_text, &opts).expect("a one-entry object reads");
        assert_eq!(alone.len(), 1);
        assert_eq!(
            &alone[0], together,
            "entry `{key}` verified alone differs from the bundle"
        );
    }
});
