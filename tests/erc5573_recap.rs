//! The plain ERC-5573 profile (`network "erc5573"`) held to its reference, spruceid's
//! `siwe-recap` 0.2 (a dev-dependency; see supply-chain/README.md for its yanked `core2`).
//!
//! - a property: on random policies, litcap writes the same statement, the same
//!   `urn:recap:` resource and the same SIWE message as `Capability::build_message`, and
//!   answers every request as `Capability::can` does on the capability
//!   `extract_and_verify` reads back from that message;
//! - a property on hand-written recaps (unsorted, non-ASCII abilities, padding, unknown keys,
//!   `[]`, a recap before the last or a broken one after it): `check --authsig` under erc5573
//!   gives the verdicts siwe-recap gives (`only_the_last_resource_is_read` fixes the cases
//!   of which resource is read);
//! - vectors: `tests/vectors/erc5573/*.json` are written by siwe-recap from fixed policies
//!   (`committed_vectors_are_what_siwe_recap_writes` fails when they would change; bless with
//!   `LITCAP_BLESS=1 cargo test --test erc5573_recap`), and litcap reproduces each one
//!   (`litcap_reproduces_the_vectors`), also through the command line.

mod common;

use litcap::internal::coverage;
use litcap::internal::lit::{Ability, Resource};
use litcap::internal::load::{load_inputs, PolicyFormat};
use litcap::internal::profile::ERC5573;
use litcap::internal::wire::erc5573::{self, Inputs};
use litcap::internal::wire::siwe::Flavor;
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use siwe_recap::Capability;
use std::collections::BTreeMap;
use std::path::PathBuf;

const URIS: &[&str] = &[
    "https://api.example.com/items",
    "https://api.example.com/items/1",
    "urn:example:thing",
    "kepler:ens:example.eth://default/kv",
    "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
    "https://a.example/x?q=1#f",
];

const ABILITIES: &[&str] = &[
    "crud/read",
    "crud/update",
    "kv/get",
    "kv/list",
    "a-b/x",
    "a/y",
    "msg/*",
    "*/*",
    "Threshold/Signing",
    "ünï/cödé",
];

const STATEMENTS: &[Option<&str>] = &[None, Some(""), Some("Sign in to Example.")];

fn nota_benes() -> Vec<Map<String, Value>> {
    [
        json!({ "max": 3 }),
        json!({ "fields": ["title", "body"] }),
        json!({ "a": 1.5, "b": null, "c": { "z": true, "y": "é" } }),
        json!({}),
    ]
    .into_iter()
    .map(|v| v.as_object().cloned().unwrap_or_default())
    .collect()
}

/// One `allow`: URI, ability, `where` data.
type Allow = (&'static str, &'static str, Option<Map<String, Value>>);

/// A grant (in allow order) and what a session asks for.
#[derive(Clone, Debug)]
struct Spec {
    statement: Option<&'static str>,
    allows: Vec<Allow>,
    requests: Vec<(&'static str, &'static str)>,
}

impl Spec {
    fn policy_text(&self) -> String {
        self.policy_text_with(&self.requests)
    }

    /// The policy with a session asking for `requests`.
    fn policy_text_with(&self, requests: &[(&str, &str)]) -> String {
        let mut s =
            String::from("network \"erc5573\"\n\ngrant \"g\" {\n  domain \"example.com\"\n");
        if let Some(st) = self.statement {
            s.push_str(&format!("  statement {}\n", json!(st)));
        }
        s.push_str("  max-ttl 1d\n");
        for (uri, ab, nb) in &self.allows {
            s.push_str(&format!("  allow {} on {}", json!(ab), json!(uri)));
            if let Some(nb) = nb {
                s.push_str(&format!(" where {}", Value::Object(nb.clone())));
            }
            s.push('\n');
        }
        s.push_str("}\n\nsession \"s\" from \"g\" {\n  ttl 1h\n");
        for (uri, ab) in requests {
            s.push_str(&format!("  request {} on {}\n", json!(ab), json!(uri)));
        }
        s.push_str("}\n");
        s
    }

    /// What siwe-recap writes for the grant.
    fn siwe_recap(&self) -> siwe::Message {
        let mut cap = Capability::<Value>::default();
        for (uri, ab, nb) in &self.allows {
            let nbs: Vec<BTreeMap<String, Value>> =
                nb.iter().map(|m| m.clone().into_iter().collect()).collect();
            cap.with_action_convert(*uri, *ab, nbs)
                .expect("valid URI and ability");
        }
        cap.build_message(base_message(self.statement))
            .expect("siwe-recap encodes")
    }
}

const ADDRESS: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
const DELEGEE: &str = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
const NONCE: &str = "mynonce1";
const ISSUED_AT: &str = "2022-06-21T12:00:00.000Z";
const EXPIRATION: &str = "2022-06-21T13:00:00.000Z";

fn base_message(statement: Option<&str>) -> siwe::Message {
    let mut address = [0u8; 20];
    hex::decode_to_slice(&ADDRESS[2..], &mut address).expect("hex");
    siwe::Message {
        domain: "example.com".parse().expect("authority"),
        address,
        statement: statement.map(str::to_string),
        uri: DELEGEE.parse().expect("uri"),
        version: siwe::Version::V1,
        chain_id: 1,
        nonce: NONCE.into(),
        issued_at: ISSUED_AT.parse().expect("time"),
        expiration_time: Some(EXPIRATION.parse().expect("time")),
        not_before: None,
        request_id: None,
        resources: vec![],
    }
}

fn inputs() -> Inputs {
    Inputs {
        address: ADDRESS.into(),
        uri: DELEGEE.into(),
        nonce: NONCE.into(),
        issued_at: ISSUED_AT.parse().expect("time"),
        expiration: Some(EXPIRATION.parse().expect("time")),
    }
}

/// What litcap writes and answers for the spec: statement, URN, message, verdicts.
fn litcap_side(spec: &Spec) -> (Option<String>, Option<String>, String, Vec<bool>) {
    let loaded = load_inputs(vec![(
        "p.litcap".into(),
        PolicyFormat::Dsl,
        spec.policy_text().into_bytes(),
    )]);
    let errors: Vec<_> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.severity == litcap::diag::Severity::Error)
        .filter(|d| d.code != litcap::diag::Code::NotCovered)
        .collect();
    assert!(errors.is_empty(), "{}\n{errors:?}", spec.policy_text());
    let c = erc5573::compile(&loaded.policy, "s", Some(&inputs())).expect("compiles");
    let recap = loaded.policy.grants[0].signed_recap();
    let verdicts = spec
        .requests
        .iter()
        .map(|(uri, ab)| {
            let r = Resource::uri(uri).expect("uri");
            let a = Ability::recap(ab).expect("ability");
            coverage::check_any_in(&ERC5573, std::slice::from_ref(recap), &r, a)
                .0
                .is_covered()
        })
        .collect();
    let message = c.siwe.expect("message").render(Flavor::Node);
    (c.statement, c.recap_urn, message, verdicts)
}

/// What siwe-recap writes and answers: its message, and `can` on what it reads back.
fn reference_side(spec: &Spec) -> (Option<String>, Option<String>, String, Vec<bool>) {
    let m = spec.siwe_recap();
    let urn = m.resources.last().map(|u| u.to_string());
    let read_back = Capability::<Value>::extract_and_verify(&m).expect("statement verifies");
    let verdicts = spec
        .requests
        .iter()
        .map(|(uri, ab)| {
            read_back
                .as_ref()
                .is_some_and(|c| c.can(*uri, *ab).expect("convertible").is_some())
        })
        .collect();
    (m.statement.clone(), urn, m.to_string(), verdicts)
}

fn spec() -> impl Strategy<Value = Spec> {
    let nbs = nota_benes();
    let allow = (
        prop::sample::select(URIS),
        prop::sample::select(ABILITIES),
        prop::option::of(prop::sample::select(nbs)),
    );
    let request = (prop::sample::select(URIS), prop::sample::select(ABILITIES));
    (
        prop::sample::select(STATEMENTS),
        prop::collection::vec(allow, 1..7),
        prop::collection::vec(request, 1..6),
    )
        .prop_map(|(statement, allows, requests)| Spec {
            statement,
            allows,
            requests,
        })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn same_statement_urn_message_and_verdicts_as_siwe_recap(spec in spec()) {
        let ours = litcap_side(&spec);
        let theirs = reference_side(&spec);
        prop_assert_eq!(&ours.0, &theirs.0, "statement");
        prop_assert_eq!(&ours.1, &theirs.1, "urn");
        prop_assert_eq!(&ours.2, &theirs.2, "message");
        prop_assert_eq!(&ours.3, &theirs.3, "verdicts");
    }
}

/// How a hand-written recap differs from the canonical one siwe-recap writes, and where it
/// sits among the resources.
#[derive(Clone, Debug)]
struct Variant {
    /// Attenuation keys and ability keys in descending order (unsorted: the Lit decoder
    /// refuses it, siwe-recap does not look).
    reverse: bool,
    /// The first ability's nota-bene list written `[]` (siwe-recap refuses it).
    empty_list: bool,
    /// An unknown top-level key (siwe-recap ignores it).
    extra_key: bool,
    /// `=` characters after the base64url (base64 0.12 accepts some in the last quad).
    pad: usize,
    /// 0: siwe-recap's sentence; 1: the Lit SDK's; 2: no statement; 3: text, then siwe-recap's.
    statement: u8,
    /// 0: `[urn]`; 1: `[urn, https://…]`; 2: `[other recap, urn]`; 3: `[urn, broken recap]`.
    layout: u8,
}

/// The recap JSON of `allows` as siwe-recap merges them, with `v`'s changes.
fn raw_recap(allows: &[Allow], v: &Variant) -> String {
    let mut att: BTreeMap<&str, BTreeMap<&str, Vec<Value>>> = BTreeMap::new();
    for (uri, ab, nb) in allows {
        let list = att.entry(uri).or_default().entry(ab).or_default();
        list.extend(nb.iter().map(|m| Value::Object(m.clone())));
    }
    let mut uris: Vec<_> = att.into_iter().collect();
    if v.reverse {
        uris.reverse();
    }
    let mut first = true;
    let objects: Vec<String> = uris
        .into_iter()
        .map(|(uri, abilities)| {
            let mut abilities: Vec<_> = abilities.into_iter().collect();
            if v.reverse {
                abilities.reverse();
            }
            let entries: Vec<String> = abilities
                .into_iter()
                .map(|(ab, list)| {
                    let list = if v.empty_list && std::mem::take(&mut first) {
                        "[]".to_string()
                    } else if list.is_empty() {
                        "[{}]".to_string()
                    } else {
                        Value::Array(list).to_string()
                    };
                    format!("{}:{list}", json!(ab))
                })
                .collect();
            format!("{}:{{{}}}", json!(uri), entries.join(","))
        })
        .collect();
    let extra = if v.extra_key { ",\"x\":1" } else { "" };
    format!("{{\"att\":{{{}}},\"prf\":[]{extra}}}", objects.join(","))
}

/// A signed SIWE message carrying the hand-written recap, and what each reader answers for
/// `requests`: siwe-recap (`extract_and_verify`, `can`) and `check --authsig` under erc5573
/// (covered, with no `recap-invalid` or `recap-statement-mismatch` error).
fn raw_verdicts(spec: &Spec, v: &Variant) -> (Vec<bool>, Vec<bool>, String) {
    use base64::Engine;
    use litcap::internal::authsig::{check_authsig, AuthSig, CheckOptions};
    use litcap::internal::coverage::Request;
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let json_text = raw_recap(&spec.allows, v);
    let urn = format!("urn:recap:{}{}", b64(&json_text), "=".repeat(v.pad));
    let mut lit = litcap::internal::wire::recap::Recap::new();
    for (uri, ab, nb) in &spec.allows {
        lit.append_restriction(uri, ab, nb.clone());
    }
    lit.fill_empty_restrictions();
    let siwe_sentence = erc5573::statement(&lit);
    let statement = match v.statement {
        0 => Some(siwe_sentence),
        1 => Some(lit.statement()),
        2 => None,
        _ => Some(format!("Sign in. {siwe_sentence}")),
    };
    let other = format!(
        "urn:recap:{}",
        b64(r#"{"att":{"urn:other":{"x/y":[{}]}},"prf":[]}"#)
    );
    let resources = match v.layout {
        0 => vec![urn.clone()],
        1 => vec![urn.clone(), "https://example.com/terms".to_string()],
        2 => vec![other, urn.clone()],
        _ => vec![urn.clone(), "urn:recap:e30".to_string()],
    };
    let mut m = base_message(statement.as_deref());
    m.resources = resources.iter().map(|r| r.parse().expect("uri")).collect();
    let theirs: Vec<bool> = match Capability::<Value>::extract_and_verify(&m) {
        Ok(Some(c)) => spec
            .requests
            .iter()
            .map(|(uri, ab)| c.can(*uri, *ab).expect("convertible").is_some())
            .collect(),
        _ => vec![false; spec.requests.len()],
    };
    let key = litcap::internal::eth::WalletKey::from_hex(
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    )
    .expect("key");
    let text = m.to_string();
    let a = AuthSig::personal_sign(
        key.sign_personal(text.as_bytes()).to_hex(),
        text.clone(),
        key.address().to_checksum(),
    );
    let requests: Vec<Request> = spec
        .requests
        .iter()
        .map(|(uri, ab)| Request {
            resource: Resource::uri(uri).expect("uri"),
            ability: Ability::recap(ab).expect("ability"),
        })
        .collect();
    let report = check_authsig(
        &a,
        &CheckOptions {
            now: "2022-06-21T12:30:00Z".parse().expect("time"),
            requests,
            profile: Some(&ERC5573),
            ..CheckOptions::default()
        },
    );
    let refused = report.diagnostics.iter().any(|d| {
        d.severity == litcap::diag::Severity::Error
            && matches!(
                d.code,
                litcap::diag::Code::RecapInvalid | litcap::diag::Code::RecapStatementMismatch
            )
    });
    let ours = report
        .node_coverage
        .iter()
        .map(|(verdict, _)| verdict.is_covered() && !refused)
        .collect();
    (ours, theirs, format!("{text}\n{json_text}"))
}

fn variant() -> impl Strategy<Value = Variant> {
    (
        any::<bool>(),
        prop::bool::weighted(0.15),
        any::<bool>(),
        0usize..4,
        0u8..4,
        0u8..4,
    )
        .prop_map(
            |(reverse, empty_list, extra_key, pad, statement, layout)| Variant {
                reverse,
                empty_list,
                extra_key,
                pad,
                statement,
                layout,
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..ProptestConfig::default()
    })]

    /// `check --authsig` under erc5573 reads hand-written recaps (unsorted, non-ASCII,
    /// padded, with unknown keys or `[]`, not last) as siwe-recap does.
    #[test]
    fn same_verdicts_as_siwe_recap_on_hand_written_recaps(spec in spec(), v in variant()) {
        let (ours, theirs, context) = raw_verdicts(&spec, &v);
        prop_assert_eq!(ours, theirs, "{:?}\n{}", v, context);
    }
}

/// siwe-recap reads the last resource only: a broken recap last hides a good one before it
/// (litcap read the last one that decodes before), and a recap before the last is ignored.
#[test]
fn only_the_last_resource_is_read() {
    let spec = Spec {
        statement: None,
        allows: vec![("urn:example:thing", "ünï/cödé", None)],
        requests: vec![("urn:example:thing", "ünï/cödé")],
    };
    let v = |reverse, layout| Variant {
        reverse,
        empty_list: false,
        extra_key: false,
        pad: 0,
        statement: 0,
        layout,
    };
    assert_eq!(raw_verdicts(&spec, &v(false, 0)).0, vec![true]);
    // Before: covered by the recap that decodes; siwe-recap: `extract` fails on the last.
    assert_eq!(raw_verdicts(&spec, &v(false, 3)).0, vec![false]);
    assert_eq!(raw_verdicts(&spec, &v(false, 1)).0, vec![false]);
    // An earlier recap is an opaque resource: its sentence need not end the statement.
    assert_eq!(raw_verdicts(&spec, &v(false, 2)).0, vec![true]);
}

/// The fixed cases the committed vectors are made from.
fn vector_specs() -> Vec<(&'static str, &'static str, Spec)> {
    let nb = nota_benes();
    vec![
        (
            "01-crud-read",
            "one ability on one URL, a statement",
            Spec {
                statement: Some("Sign in to Example."),
                allows: vec![("https://api.example.com/items", "crud/read", None)],
                requests: vec![
                    ("https://api.example.com/items", "crud/read"),
                    ("https://api.example.com/items", "crud/update"),
                    ("https://api.example.com/items/1", "crud/read"),
                ],
            },
        ),
        (
            "02-no-statement",
            "no statement: the recap sentence alone",
            Spec {
                statement: None,
                allows: vec![("urn:example:thing", "msg/send", None)],
                requests: vec![("urn:example:thing", "msg/send")],
            },
        ),
        (
            "03-empty-statement",
            "an empty statement: no leading space (the Lit SDK v8 keeps one)",
            Spec {
                statement: Some(""),
                allows: vec![("urn:example:thing", "msg/send", None)],
                requests: vec![("urn:example:thing", "msg/send")],
            },
        ),
        (
            "04-namespace-order",
            "namespaces sort alone (`a` before `a-b`), unlike the Lit SDK's grouping",
            Spec {
                statement: Some("Sign in."),
                allows: vec![
                    ("https://a.example/x?q=1#f", "a-b/x", None),
                    ("https://a.example/x?q=1#f", "a/y", None),
                ],
                requests: vec![("https://a.example/x?q=1#f", "a/y")],
            },
        ),
        (
            "05-nota-bene-merge",
            "restrictions append; an allow without `where` adds none",
            Spec {
                statement: Some("Sign in."),
                allows: vec![
                    (
                        "https://api.example.com/items",
                        "crud/update",
                        Some(nb[0].clone()),
                    ),
                    ("https://api.example.com/items", "crud/update", None),
                    (
                        "https://api.example.com/items",
                        "crud/update",
                        Some(nb[2].clone()),
                    ),
                    (
                        "kepler:ens:example.eth://default/kv",
                        "kv/get",
                        Some(nb[3].clone()),
                    ),
                ],
                requests: vec![("https://api.example.com/items", "crud/update")],
            },
        ),
        (
            "06-no-wildcards",
            "`*/*` and `msg/*` are plain abilities: no wildcard matching",
            Spec {
                statement: Some("Sign in."),
                allows: vec![
                    ("https://api.example.com/items", "*/*", None),
                    ("urn:example:thing", "msg/*", None),
                ],
                requests: vec![
                    ("https://api.example.com/items", "crud/read"),
                    ("https://api.example.com/items", "*/*"),
                    ("urn:example:thing", "msg/send"),
                ],
            },
        ),
        (
            "07-unicode-ability",
            "Unicode letters in an ability (ucan-capabilities-object's `is_alphanumeric`)",
            Spec {
                statement: Some("Sign in."),
                allows: vec![("urn:example:thing", "ünï/cödé", None)],
                requests: vec![("urn:example:thing", "ünï/cödé")],
            },
        ),
    ]
}

fn vectors_dir() -> PathBuf {
    common::vectors_dir().join("erc5573")
}

/// A vector as siwe-recap writes it.
fn vector(name: &str, description: &str, spec: &Spec) -> Value {
    let (statement, urn, message, verdicts) = reference_side(spec);
    // The session of the committed policy asks only for what the grant covers, so that it
    // compiles; `requests` lists every request with siwe-recap's verdict.
    let covered: Vec<(&str, &str)> = spec
        .requests
        .iter()
        .zip(&verdicts)
        .filter(|(_, c)| **c)
        .map(|(r, _)| *r)
        .collect();
    json!({
        "name": name,
        "kind": "erc5573",
        "description": description,
        "source": "siwe-recap 0.2.0 Capability::build_message / extract_and_verify / can (tests/erc5573_recap.rs)",
        "input": {
            "policy": spec.policy_text_with(&covered),
            "session": "s",
            "address": ADDRESS,
            "uri": DELEGEE,
            "nonce": NONCE,
            "issuedAt": ISSUED_AT,
            "expiration": EXPIRATION,
            "requests": spec.requests.iter().map(|(u, a)| json!({"resource": u, "ability": a})).collect::<Vec<_>>(),
        },
        "expected": {
            "statement": statement,
            "recapUrn": urn,
            "message": message,
            "covered": verdicts,
        }
    })
}

#[test]
fn committed_vectors_are_what_siwe_recap_writes() {
    let dir = vectors_dir();
    let bless = std::env::var_os("LITCAP_BLESS").is_some();
    let mut stale = Vec::new();
    for (name, description, spec) in vector_specs() {
        let mut text = serde_json::to_string_pretty(&vector(name, description, &spec)).unwrap();
        text.push('\n');
        let path = dir.join(format!("{name}.json"));
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            if bless {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &text).unwrap();
            } else {
                stale.push(name);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "tests/vectors/erc5573 differs from what siwe-recap writes (bless with `LITCAP_BLESS=1 cargo test --test erc5573_recap`): {stale:?}"
    );
}

#[test]
fn litcap_reproduces_the_vectors() {
    let mut seen = 0;
    for (name, _, spec) in vector_specs() {
        let path = vectors_dir().join(format!("{name}.json"));
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let e = &v["expected"];
        let (statement, urn, message, verdicts) = litcap_side(&spec);
        assert_eq!(json!(statement), e["statement"], "{name}");
        assert_eq!(json!(urn), e["recapUrn"], "{name}");
        assert_eq!(json!(message), e["message"], "{name}");
        assert_eq!(json!(verdicts), e["covered"], "{name}");
        // The command line writes the same message from the vector's own policy text.
        let dir = common::Temp::new("erc5573-vectors");
        let policy = dir.0.join("p.litcap");
        std::fs::write(&policy, v["input"]["policy"].as_str().unwrap()).unwrap();
        let out = common::litcap(&[
            "compile",
            policy.to_str().unwrap(),
            "--session",
            "s",
            "--address",
            ADDRESS,
            "--uri",
            DELEGEE,
            "--nonce",
            NONCE,
            "--issued-at",
            ISSUED_AT,
            "--expiration",
            EXPIRATION,
        ]);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let compiled: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(compiled["siweMessage"], e["message"], "{name}");
        seen += 1;
    }
    let files = std::fs::read_dir(vectors_dir()).unwrap().count();
    assert_eq!(
        files, seen,
        "every file in tests/vectors/erc5573 is a vector"
    );
}

/// `check --authsig` on an AuthSig whose SIWE message siwe-recap wrote, signed by a test
/// key: covered and exact; a wider one is `over-privilege`.
#[test]
fn check_authsig_judges_a_siwe_recap_message() {
    let key = litcap::internal::eth::WalletKey::from_hex(
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    )
    .unwrap();
    let sign = |spec: &Spec| {
        let text = spec.siwe_recap().to_string();
        let sig = key.sign_personal(text.as_bytes());
        json!({
            "sig": format!("0x{}", sig.to_hex().trim_start_matches("0x")),
            "derivedVia": "web3.eth.personal.sign",
            "signedMessage": text,
            "address": ADDRESS,
        })
    };
    let dir = common::Temp::new("erc5573-check");
    let policy_spec = Spec {
        statement: Some("Sign in to Example."),
        allows: vec![("https://api.example.com/items", "crud/read", None)],
        requests: vec![("https://api.example.com/items", "crud/read")],
    };
    let policy = dir.0.join("p.litcap");
    std::fs::write(&policy, policy_spec.policy_text()).unwrap();
    let exact = dir.0.join("exact.json");
    std::fs::write(&exact, sign(&policy_spec).to_string()).unwrap();
    let run = |authsig: &PathBuf| {
        common::litcap(&[
            "check",
            policy.to_str().unwrap(),
            "--authsig",
            authsig.to_str().unwrap(),
            "--at",
            "2022-06-21T12:30:00Z",
            "--format",
            "json",
        ])
    };
    let out = run(&exact);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{report:#}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(report["coverage"][0]["covered"], json!(true), "{report:#}");
    // Nothing Lit-specific is said about a plain ERC-5573 AuthSig (its URI names a relying
    // party, not a session key).
    assert_eq!(report["diagnostics"], json!([]), "{report:#}");
    let mut wide = policy_spec.clone();
    wide.allows
        .push(("https://api.example.com/items", "crud/delete", None));
    let wider = dir.0.join("wide.json");
    std::fs::write(&wider, sign(&wide).to_string()).unwrap();
    let out = run(&wider);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert!(codes.contains(&"over-privilege"), "{codes:?}");
    assert_eq!(out.status.code(), Some(1));
}
