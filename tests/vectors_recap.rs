//! SDK conformance: ReCap building (`recap`), decoding (`decode`) and ACC resource ids
//! (`acc-resource`), against vectors produced by `@lit-protocol/auth-helpers` 7.4.0.

mod common;

use litcap::internal::coverage;
use litcap::Recap;
use litcap::{Ability, Resource};
use serde_json::{json, Value};

/// `parseLitResource` + the resource class constructor: the SDK's error message on failure.
fn sdk_resource(key: &str) -> Result<Resource, String> {
    Resource::parse_key(key).map_err(|e| match e {
        litcap::internal::lit::ResourceError::PkpIdTooLong { .. } => {
            "Resource ID exceeds 64 characters (32 bytes) in length.".to_string()
        }
        other => other.to_string(),
    })
}

/// `verifyCapabilitiesForResource` as the vectors report it.
fn check_json(recap: &Recap, resource: &str, ability: &str) -> Value {
    match sdk_resource(resource) {
        Err(message) => {
            json!({"resource": resource, "ability": ability, "error": {"message": message}})
        }
        Ok(r) => {
            let verified = Ability::parse(ability)
                .map(|a| coverage::check(recap, &r, a).is_covered())
                .unwrap_or(false);
            json!({"resourceKey": r.key(), "ability": ability, "verified": verified})
        }
    }
}

/// Compares `actual` with `expected`, ignoring the JS-specific error `name`/`kind` fields.
fn assert_matches(file: &str, what: &str, actual: &Value, expected: &Value) {
    let mut expected = expected.clone();
    strip_js_error_fields(&mut expected);
    assert_eq!(actual, &expected, "{file}: {what}");
}

fn strip_js_error_fields(v: &mut Value) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Object(err)) = m.get_mut("error") {
                err.remove("name");
                err.remove("kind");
            }
            m.values_mut().for_each(strip_js_error_fields);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_js_error_fields),
        _ => {}
    }
}

#[test]
fn recap_vectors() {
    run_recap(common::lit_vectors_of("recap"));
}

#[test]
fn decode_vectors() {
    run_decode(common::lit_vectors_of("decode"));
}

/// Extra vectors made with the oracle for SDK quirks litcap reproduces on purpose.
#[test]
fn sdk_quirk_vectors() {
    let (recap, decode): (Vec<_>, Vec<_>) = common::extra_vectors("sdk-quirks.json")
        .into_iter()
        .partition(|v| v.kind == "recap");
    assert_eq!((recap.len(), decode.len()), (1, 4));
    run_recap(recap);
    run_decode(decode);
}

fn run_recap(vectors: Vec<common::Vector>) {
    for v in vectors {
        let mut recap = Recap::new();
        let mut added = Vec::new();
        for cap in v.input["capabilities"].as_array().unwrap() {
            let key = cap["resource"].as_str().unwrap();
            if cap["all"] == json!(true) {
                let r = sdk_resource(key).unwrap();
                recap.add_all_capabilities(&r);
                added.push(json!({"resourceKey": r.key(), "ability": "*/*", "ok": true}));
                continue;
            }
            let ability = cap["ability"].as_str().unwrap();
            let nb = cap.get("nb").and_then(|n| n.as_object()).cloned();
            let entry = match sdk_resource(key) {
                Err(message) => {
                    json!({"resource": key, "ability": ability, "ok": false, "error": {"message": message}})
                }
                Ok(r) => {
                    let res = match Ability::parse(ability) {
                        Some(a) => recap.add_capability(&r, a, nb),
                        None => Err(litcap::internal::recap::RecapError::UnsupportedAbility),
                    };
                    match res {
                        Ok(()) => json!({"resourceKey": r.key(), "ability": ability, "ok": true}),
                        Err(e) => {
                            json!({"resource": key, "resourceKey": r.key(), "ability": ability, "ok": false, "error": {"message": e.to_string()}})
                        }
                    }
                }
            };
            added.push(entry);
        }
        assert_matches(&v.file, "added", &Value::Array(added), &v.expected["added"]);
        assert_matches(
            &v.file,
            "attenuations",
            &recap.to_value()["att"],
            &v.expected["attenuations"],
        );
        assert_eq!(
            recap.to_canonical_json(),
            v.expected["json"].as_str().unwrap(),
            "{}",
            v.file
        );
        assert_eq!(
            recap.encode(),
            v.expected["encoded"].as_str().unwrap(),
            "{}",
            v.file
        );
        assert_eq!(
            recap.statement(),
            v.expected["statement"].as_str().unwrap(),
            "{}",
            v.file
        );
        let check_inputs = v
            .input
            .get("checks")
            .cloned()
            .unwrap_or_else(|| v.input["capabilities"].clone());
        let checks: Vec<Value> = check_inputs
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c.get("all").is_none())
            .map(|c| {
                check_json(
                    &recap,
                    c["resource"].as_str().unwrap(),
                    c["ability"].as_str().unwrap(),
                )
            })
            .collect();
        assert_matches(
            &v.file,
            "checks",
            &Value::Array(checks),
            &v.expected["checks"],
        );
    }
}

fn run_decode(vectors: Vec<common::Vector>) {
    for v in vectors {
        let urn = v.input["encoded"].as_str().unwrap();
        match Recap::decode(urn) {
            Ok(d) => {
                assert_eq!(v.expected["ok"], json!(true), "{}", v.file);
                assert_matches(
                    &v.file,
                    "attenuations",
                    &d.recap.to_value()["att"],
                    &v.expected["attenuations"],
                );
                assert_eq!(
                    d.recap.to_canonical_json(),
                    v.expected["json"].as_str().unwrap()
                );
                assert_eq!(
                    d.recap.statement(),
                    v.expected["statement"].as_str().unwrap()
                );
                assert_eq!(
                    d.recap.encode(),
                    v.expected["encoded"].as_str().unwrap(),
                    "{}",
                    v.file
                );
                assert_eq!(d.canonical, d.recap.encode() == urn);
                if let Some(eq) = v.expected.get("reencodedEqual") {
                    assert_eq!(d.canonical, eq.as_bool().unwrap(), "{}", v.file);
                }
                let checks: Vec<Value> = v.input["checks"]
                    .as_array()
                    .map(|a| a.as_slice())
                    .unwrap_or_default()
                    .iter()
                    .map(|c| {
                        check_json(
                            &d.recap,
                            c["resource"].as_str().unwrap(),
                            c["ability"].as_str().unwrap(),
                        )
                    })
                    .collect();
                if let Some(expected) = v.expected.get("checks") {
                    assert_matches(&v.file, "checks", &Value::Array(checks), expected);
                }
            }
            Err(e) => {
                assert_eq!(
                    v.expected["ok"],
                    json!(false),
                    "{}: unexpected error {e}",
                    v.file
                );
                assert_eq!(
                    e.to_string(),
                    v.expected["error"]["message"].as_str().unwrap(),
                    "{}",
                    v.file
                );
            }
        }
    }
}

#[test]
fn acc_resource_vectors() {
    for v in common::lit_vectors_of("acc-resource") {
        let id = litcap::internal::acc::resource_id(
            &v.input["accessControlConditions"],
            v.input["dataToEncryptHash"].as_str().unwrap(),
        )
        .unwrap();
        assert_eq!(id, v.expected["resource"].as_str().unwrap(), "{}", v.file);
        let r = Resource::new(litcap::ResourcePrefix::AccessControlCondition, &id).unwrap();
        assert_eq!(r.key(), v.expected["resourceKey"].as_str().unwrap());
    }
}
