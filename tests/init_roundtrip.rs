//! The round-trip law of `litcap init`: compiling the policy inferred from an AuthSig with the
//! AuthSig's own address, session key, nonce and times gives back its SIWE message byte for
//! byte. Checked on random grants (proptest) and on every AuthSig and SIWE message of the SDK
//! vectors (`tests/vectors/lit/`).

mod common;

use litcap::diag::Code;
use litcap::internal::compile::{self, SiweInputs};
use litcap::internal::infer::{self, Input};
use litcap::Timestamp;
use litcap::{load_inputs, PolicyFormat};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};
use serde_json::{json, Value};

fn config() -> Config {
    Config {
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        cases: 192,
        ..Config::default()
    }
}

/// An AuthSig JSON text around a SIWE message (the signature is not read by `init`).
fn authsig_json(message: &str, address: &str) -> String {
    json!({
        "sig": "0x00",
        "derivedVia": "web3.eth.personal.sign",
        "signedMessage": message,
        "address": address,
    })
    .to_string()
}

/// Compiles every session of the inferred policy with its inputs, independently of `infer`'s
/// own check, and returns the messages.
fn compile_inferred(inferred: &infer::Inferred) -> Vec<String> {
    let loaded = load_inputs(vec![(
        "inferred.litcap".into(),
        PolicyFormat::Dsl,
        inferred.text.as_bytes().to_vec(),
    )]);
    assert!(
        !loaded.diagnostics.has_errors(),
        "{:?}\n{}",
        loaded.diagnostics,
        inferred.text
    );
    inferred
        .sessions
        .iter()
        .map(|s| {
            let c = compile::compile(&loaded.policy, s, Some(&inferred.inputs))
                .unwrap_or_else(|_| panic!("compile `{s}`:\n{}", inferred.text));
            c.siwe.unwrap().to_message()
        })
        .collect()
}

fn infer_text(text: &str) -> Result<infer::Inferred, litcap::diag::Diagnostics> {
    infer::infer(
        Input {
            file: 0,
            name: "authsig.json",
            text,
        },
        &[],
        None,
    )
}

// ------------------------------------------------------------------ proptest ---

fn hex(n: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = String> {
    proptest::collection::vec(0u8..16, n).prop_map(|v| v.iter().map(|d| format!("{d:x}")).collect())
}

fn capability() -> impl Strategy<Value = String> {
    let base58 = "[1-9A-HJ-NP-Za-km-z]{44}";
    let nb = prop_oneof![
        Just(String::new()),
        "[0-9]{1,4}".prop_map(|n| format!(" where {{ uses: \"{n}\" }}")),
        "[a-z]{1,6}".prop_map(|k| format!(" where {{ {k}: [1, true, null, \"x\"] }}")),
    ];
    let cap = prop_oneof![
        hex(1..=64).prop_map(|h| format!("pkp-signing on \"lit-pkp://0x{h}\"")),
        Just("pkp-signing on \"lit-pkp://*\"".to_string()),
        base58.prop_map(|c| format!("lit-action-execution on \"lit-litaction://Qm{c}\"")),
        Just("lit-action-execution on \"lit-litaction://*\"".to_string()),
        (hex(64..=64), hex(64..=64), any::<bool>()).prop_map(|(a, b, dec)| format!(
            "access-control-condition-{} on \"lit-accesscontrolcondition://{a}/{b}\"",
            if dec { "decryption" } else { "signing" }
        )),
        any::<bool>().prop_map(|dec| format!(
            "access-control-condition-{} on \"lit-accesscontrolcondition://*\"",
            if dec { "decryption" } else { "signing" }
        )),
        "[1-9][0-9]{0,6}"
            .prop_map(|n| format!("rate-limit-increase-auth on \"lit-ratelimitincrease://{n}\"")),
    ];
    (cap, nb).prop_map(|(c, nb)| format!("  allow {c}{nb}\n"))
}

#[derive(Debug, Clone)]
struct Case {
    policy: String,
    inputs: SiweInputs,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop_oneof![
            Just("app.example.com"),
            Just("localhost:3000"),
            Just("x.io")
        ],
        proptest::option::of("[A-Za-z0-9 .,!?'-]{0,40}"),
        prop_oneof![Just(1u64), Just(175188), 1u64..(1 << 53)],
        1u64..=30 * 86400,
        proptest::collection::vec(capability(), 0..6),
        (
            proptest::array::uniform20(any::<u8>()),
            hex(64..=64),
            "[a-zA-Z0-9]{8,20}",
            1_500_000_000_000i64..2_000_000_000_000,
            any::<u64>(),
        ),
    )
        .prop_map(
            |(domain, statement, chain, max_ttl, caps, (addr, key, nonce, iat, life))| {
                let mut p = format!("grant \"g\" {{\n  domain \"{domain}\"\n");
                if let Some(s) = statement {
                    p.push_str(&format!("  statement \"{s}\"\n"));
                }
                p.push_str(&format!("  chain-id {chain}\n  max-ttl {max_ttl}s\n"));
                for c in caps {
                    p.push_str(&c);
                }
                p.push_str("}\nsession \"s\" from \"g\" {}\n");
                let issued_at = Timestamp::from_unix_millis(iat);
                let lifetime_ms = 1 + (life % (max_ttl * 1000)) as i64;
                Case {
                    policy: p,
                    inputs: SiweInputs {
                        address: format!("0x{}", hex_bytes(&addr)),
                        session_key: key,
                        nonce,
                        issued_at,
                        expiration: Some(issued_at.add_millis(lifetime_ms)),
                    },
                }
            },
        )
}

fn hex_bytes(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn inferred_policy_compiles_back_to_the_authsig(c in case()) {
        let loaded = load_inputs(vec![("p.litcap".into(), PolicyFormat::Dsl, c.policy.as_bytes().to_vec())]);
        prop_assume!(!loaded.diagnostics.has_errors());
        let compiled = compile::compile(&loaded.policy, "s", Some(&c.inputs)).unwrap();
        let message = compiled.siwe.unwrap().to_message();
        let address = litcap::internal::eth::Address::parse_any_case(&c.inputs.address).unwrap().to_checksum();
        let inferred = infer_text(&authsig_json(&message, &address))
            .unwrap_or_else(|d| panic!("{d:?}\n{message}"));
        for got in compile_inferred(&inferred) {
            prop_assert_eq!(&got, &message);
        }
        prop_assert_eq!(&inferred.inputs.address, &address);
        prop_assert_eq!(&inferred.inputs.session_key, &c.inputs.session_key);
        prop_assert_eq!(&inferred.inputs.nonce, &c.inputs.nonce);
        prop_assert_eq!(inferred.inputs.issued_at, c.inputs.issued_at);
        prop_assert_eq!(inferred.inputs.expiration, c.inputs.expiration);
        // Inferring from the inferred policy's own message is a fixed point.
        let again = infer_text(&authsig_json(&message, &address)).unwrap();
        prop_assert_eq!(again.text, inferred.text);
    }
}

// ------------------------------------------------------------- SDK vectors ---

/// Every AuthSig object and every SIWE message text in the SDK vectors, with where it was found.
fn vector_messages() -> Vec<(String, String, String)> {
    fn walk(v: &Value, at: &str, out: &mut Vec<(String, String, String)>) {
        match v {
            Value::Object(m) => {
                if let (Some(Value::String(msg)), Some(Value::String(addr))) =
                    (m.get("signedMessage"), m.get("address"))
                {
                    if is_siwe(msg) {
                        out.push((at.to_string(), msg.clone(), addr.clone()));
                    }
                }
                for (k, x) in m {
                    walk(x, &format!("{at}.{k}"), out);
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(x, &format!("{at}[{i}]"), out);
                }
            }
            Value::String(s) if is_siwe(s) && !at.ends_with("signedMessage") => {
                let addr = s.lines().nth(1).unwrap_or_default().to_string();
                out.push((at.to_string(), s.clone(), addr));
            }
            // SessionSigs carry their AuthSigs inside the JSON text of `signedMessage`.
            Value::String(s) if s.starts_with('{') => {
                if let Ok(inner) = serde_json::from_str::<Value>(s) {
                    walk(&inner, &format!("{at}(json)"), out);
                }
            }
            _ => {}
        }
    }
    fn is_siwe(s: &str) -> bool {
        s.lines()
            .next()
            .is_some_and(|l| l.ends_with(" wants you to sign in with your Ethereum account:"))
    }
    let mut out = Vec::new();
    for v in common::lit_vectors() {
        walk(&v.input, &format!("{}:input", v.file), &mut out);
        walk(&v.expected, &format!("{}:expected", v.file), &mut out);
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|(_, m, _)| seen.insert(m.clone()));
    out
}

#[test]
fn every_sdk_session_authsig_round_trips() {
    let messages = vector_messages();
    assert!(messages.len() >= 10, "{}", messages.len());
    let (mut ok, mut refused) = (Vec::new(), Vec::new());
    for (at, message, address) in &messages {
        match infer_text(&authsig_json(message, address)) {
            Ok(inferred) => {
                for got in compile_inferred(&inferred) {
                    assert_eq!(&got, message, "{at}");
                }
                ok.push(at.clone());
            }
            Err(d) => {
                // Only messages that are not session AuthSigs of the SDK may be refused, and
                // with a stable code and a message naming the input.
                let first = &d.0[0];
                assert!(
                    matches!(first.code, Code::Inexpressible | Code::LifetimeTooLong),
                    "{at}: {d:?}"
                );
                assert!(first.message.contains("`authsig.json`"), "{at}: {d:?}");
                assert!(first.help.is_some(), "{at}");
                let session_flow =
                    message.contains("\nURI: lit:session:") && message.contains("Expiration Time");
                let key_ok = message
                    .split("\nURI: lit:session:")
                    .nth(1)
                    .and_then(|r| r.lines().next())
                    .is_some_and(|k| k.len() == 64);
                assert!(!(session_flow && key_ok), "{at} refused: {d:?}\n{message}");
                refused.push(at.clone());
            }
        }
    }
    // Every session AuthSig of the SDK vectors (SIWE vectors 11 and 12, the EOA AuthSig, the
    // verification vectors, the AuthSig inside `getSessionSigs` output) round-trips; capacity
    // delegations, a `https://` URI and a short `lit:session:` key (13, 15, 16, 31, 32) are
    // refused.
    assert!(ok.len() >= 6, "round-tripped: {ok:?}\nrefused: {refused:?}");
    assert!(ok.iter().any(|a| a.starts_with("14-authsig-eoa")), "{ok:?}");
    assert!(
        refused
            .iter()
            .any(|a| a.starts_with("15-capacity-delegation")),
        "{refused:?}"
    );
}

#[test]
fn shadowed_capabilities_are_left_out_with_a_comment() {
    let policy = "grant \"g\" {\n  domain \"a.example\"\n  statement \"S.\"\n  allow access-control-condition-decryption on \"lit-accesscontrolcondition://*\"\n  allow access-control-condition-signing on \"lit-accesscontrolcondition://abc\"\n  allow rate-limit-increase-auth on \"lit-ratelimitincrease://7\" where { uses: \"1\" }\n  allow rate-limit-increase-auth on \"lit-ratelimitincrease://7\" where { uses: \"2\" }\n}\nsession \"s\" from \"g\" {}\n";
    let loaded = load_inputs(vec![(
        "p.litcap".into(),
        PolicyFormat::Dsl,
        policy.as_bytes().to_vec(),
    )]);
    let inputs = SiweInputs {
        address: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".into(),
        session_key: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a".into(),
        nonce: "abcdefgh1".into(),
        issued_at: "2024-09-19T13:07:33.606Z".parse().unwrap(),
        expiration: Some("2024-09-19T14:07:33.606Z".parse().unwrap()),
    };
    let message = compile::compile(&loaded.policy, "s", Some(&inputs))
        .unwrap()
        .siwe
        .unwrap()
        .to_message();
    let inferred = infer_text(&authsig_json(&message, &inputs.address)).unwrap();
    assert_eq!(compile_inferred(&inferred), vec![message]);
    let t = &inferred.text;
    assert!(t.contains("max-ttl 1h\n"), "{t}");
    assert!(t.contains("# left out: access-control-condition-signing on \"lit-accesscontrolcondition://abc\": the grant's `lit-accesscontrolcondition://*` key shadows it"), "{t}");
    assert!(
        t.contains(
            "request access-control-condition-decryption on \"lit-accesscontrolcondition://*\""
        ),
        "{t}"
    );
    assert!(
        t.contains("where { uses: \"1\" }") && t.contains("where { uses: \"2\" }"),
        "{t}"
    );
    assert!(t.contains("# litcap: allow(duplicate-capability)"), "{t}");
    assert_eq!(
        t.matches("request rate-limit-increase-auth").count(),
        1,
        "{t}"
    );
}

#[test]
fn recaps_the_language_cannot_write_are_named() {
    let base = "localhost wants you to sign in with your Ethereum account:\n0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266\n\n";
    let tail = "\n\nURI: lit:session:d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a\nVersion: 1\nChain ID: 1\nNonce: abcdefgh1\nIssued At: 2024-09-19T13:07:33.606Z\nExpiration Time: 2024-09-20T13:07:33.606Z\nResources:\n- ";
    let with = |att: Value| {
        let mut r =
            litcap::Recap::from_value_checked(&json!({"att": att, "prf": []}), true).unwrap();
        let urn = r.encode();
        let statement = format!("S. {}", r.statement());
        r = litcap::Recap::new();
        let _ = r;
        format!("{base}{statement}{tail}{urn}")
    };
    let cases = [
        (
            json!({"lit-pkp://*": {"*/*": [{}]}}),
            "grants `*/*` on `lit-pkp://*`",
        ),
        (
            json!({"lit-pkp://*": {"Threshold/Decryption": [{}]}}),
            "grants `Threshold/Decryption` on `lit-pkp://*`",
        ),
        (
            json!({"https://example.com": {"crud/read": [{}]}}),
            "grants on `https://example.com`, not a Lit resource",
        ),
        (
            json!({"lit-pkp://12": {"Threshold/Signing": [{}]}}),
            "names `lit-pkp://12`, which the SDK would write as",
        ),
        (
            json!({"lit-pkp://*": {"Threshold/Signing": [{}, {"a": 1}]}}),
            "which no sequence of `allow` lines produces",
        ),
    ];
    for (att, want) in cases {
        let m = with(att.clone());
        let d = infer_text(&authsig_json(
            &m,
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
        ))
        .expect_err(&att.to_string());
        assert_eq!(d.0[0].code, Code::Inexpressible, "{att}: {d:?}");
        assert!(d.0[0].message.contains(want), "{att}: {}", d.0[0].message);
        assert!(
            d.0[0].message.contains("`authsig.json`"),
            "{}",
            d.0[0].message
        );
    }
}
