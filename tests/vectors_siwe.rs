//! Every `kind: "siwe"` SDK vector through `create_lit_siwe`: the message text, every parsed
//! field the SDK reports, and the JSON inside the (last) recap resource.

mod common;

use litcap::internal::siwe::{
    create_lit_siwe, session_key_uri, CapabilityRequest, LitSiweParams, SiweMessage,
};
use litcap::Timestamp;
use litcap::{Ability, Resource};
use serde_json::{json, Value};

fn session_public_key(seed_hex: &str) -> String {
    let mut seed = [0u8; 32];
    hex::decode_to_slice(seed_hex, &mut seed).unwrap();
    let key = ed25519_dalek::SigningKey::from_bytes(&seed);
    hex::encode(key.verifying_key().to_bytes())
}

fn params(input: &Value) -> LitSiweParams {
    let s = |k: &str| input.get(k).and_then(Value::as_str).map(str::to_string);
    let ts = |k: &str| s(k).map(|t| Timestamp::parse_rfc3339(&t).unwrap());
    let uri = s("uri")
        .or_else(|| s("sessionKeySeed").map(|seed| session_key_uri(&session_public_key(&seed))));
    let resources = input.get("resources").map(|list| {
        list.as_array()
            .unwrap()
            .iter()
            .map(|r| CapabilityRequest {
                resource: Resource::parse_key(r["resource"].as_str().unwrap()).unwrap(),
                ability: Ability::parse(r["ability"].as_str().unwrap()).unwrap(),
                data: r.get("data").and_then(Value::as_object).cloned(),
            })
            .collect()
    });
    LitSiweParams {
        domain: s("domain"),
        wallet_address: s("walletAddress").unwrap(),
        statement: s("statement"),
        uri,
        chain_id: input.get("chainId").and_then(Value::as_u64),
        nonce: s("nonce").unwrap(),
        issued_at: ts("now").unwrap(),
        expiration: ts("expiration"),
        resources,
    }
}

/// The fields as siwe's parser reports them (`undefined` ones left out), like the oracle.
fn fields_of(m: &SiweMessage) -> Value {
    let mut out = serde_json::Map::new();
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            out.insert(k.to_string(), v);
        }
    };
    put("scheme", m.scheme.clone().map(Value::String));
    put("domain", Some(json!(m.domain)));
    put("address", Some(json!(m.address)));
    put("statement", m.statement.clone().map(Value::String));
    put("uri", Some(json!(m.uri)));
    put("version", Some(json!(m.version)));
    put("chainId", Some(json!(m.chain_id)));
    put("nonce", Some(json!(m.nonce)));
    put("issuedAt", Some(json!(m.issued_at)));
    put(
        "expirationTime",
        m.expiration_time.clone().map(Value::String),
    );
    put("notBefore", m.not_before.clone().map(Value::String));
    put("requestId", m.request_id.clone().map(Value::String));
    put("resources", m.resources.clone().map(|r| json!(r)));
    Value::Object(out)
}

#[test]
fn siwe_vectors() {
    let vectors = common::lit_vectors_of("siwe");
    assert_eq!(vectors.len(), 5);
    for v in vectors {
        let built =
            create_lit_siwe(&params(&v.input)).unwrap_or_else(|e| panic!("{}: {e}", v.file));
        let text = built.to_message();
        assert_eq!(
            text,
            v.expected["message"].as_str().unwrap(),
            "{}: message",
            v.file
        );

        let parsed = SiweMessage::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", v.file));
        let ours = fields_of(&parsed);
        let expected = v.expected["fields"].as_object().unwrap();
        for (key, want) in expected {
            assert_eq!(ours.get(key), Some(want), "{}: field `{key}`", v.file);
        }
        assert_eq!(
            ours.as_object().unwrap().len(),
            expected.len(),
            "{}: extra fields {ours}",
            v.file
        );
        // The builder's own fields agree with what the text parses to (an empty statement is
        // not written, so it reads back as absent).
        let mut normalised = built.clone();
        if normalised.statement.as_deref() == Some("") {
            normalised.statement = None;
        }
        assert_eq!(normalised, parsed, "{}: builder fields", v.file);
        assert!(built.validate().is_ok(), "{}: validate", v.file);

        let recap_json = parsed.resources.as_ref().and_then(|r| r.last()).map(|urn| {
            let payload = urn.strip_prefix("urn:recap:").unwrap();
            String::from_utf8(litcap::internal::recap::decode_base64url(payload).unwrap()).unwrap()
        });
        match &v.expected["recapJson"] {
            Value::Null => assert_eq!(recap_json, None, "{}: recapJson", v.file),
            want => assert_eq!(
                recap_json.as_deref(),
                want.as_str(),
                "{}: recapJson",
                v.file
            ),
        }
    }
}
