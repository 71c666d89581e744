//! The signing vectors of the real SDK 7.4.0 (`tests/vectors/lit/`), reproduced byte for byte:
//! session keys (`keypair`), EOA AuthSigs (`authsig`), capacity delegations (`capacity`) and
//! SessionSigs (`sessionsigs`).

mod common;

use litcap::internal::eth::WalletKey;
use litcap::internal::sign::capacity::{
    create_capacity_delegation_auth_sig, CapacityDelegationParams,
};
use litcap::internal::sign::check::sdk_needs_resign;
use litcap::AuthSig;
use litcap::CapabilityRequest;
use litcap::Timestamp;
use litcap::{create_auth_sig, AuthSigParams};
use litcap::{get_session_sigs, GetSessionSigsParams};
use litcap::{Ability, Resource};
use litcap::{SessionKey, SignError};
use serde_json::Value;

fn ts(v: &Value) -> Timestamp {
    Timestamp::parse_rfc3339(v.as_str().unwrap()).unwrap()
}

fn requests(v: &Value) -> Vec<CapabilityRequest> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| CapabilityRequest {
            resource: Resource::parse_key(r["resource"].as_str().unwrap()).unwrap(),
            ability: Ability::parse(r["ability"].as_str().unwrap()).unwrap(),
            data: r.get("data").and_then(|d| d.as_object().cloned()),
        })
        .collect()
}

fn wallet(input: &Value) -> WalletKey {
    WalletKey::from_hex(input["privateKey"].as_str().unwrap()).unwrap()
}

fn authsig_json(a: &AuthSig) -> Value {
    a.to_value()
}

#[test]
fn keypair_vectors() {
    for v in common::lit_vectors_of("keypair") {
        let k = SessionKey::from_seed_hex(v.input["sessionKeySeed"].as_str().unwrap()).unwrap();
        let e = &v.expected;
        assert_eq!(
            k.public_key_hex(),
            e["sessionKey"]["publicKey"],
            "{}",
            v.file
        );
        assert_eq!(
            k.secret_key_hex().as_str(),
            e["sessionKey"]["secretKey"],
            "{}",
            v.file
        );
        assert_eq!(k.uri(), e["sessionKeyUri"], "{}", v.file);
        // The JSON the SDK stores under `lit-session-key`.
        let stored: Value = serde_json::from_str(&k.to_sdk_json()).unwrap();
        assert_eq!(stored, e["sessionKey"], "{}", v.file);
        assert_eq!(e["publicKeyHexLen"], 64);
        assert_eq!(e["secretKeyHexLen"], 128);
    }
}

#[test]
fn authsig_vectors() {
    for v in common::lit_vectors_of("authsig") {
        let i = &v.input;
        let key = wallet(i);
        let session = SessionKey::from_seed_hex(i["sessionKeySeed"].as_str().unwrap()).unwrap();
        let params = AuthSigParams {
            session_public_key: session.public_key_hex().to_string(),
            capabilities: requests(&i["resources"]),
            nonce: i["nonce"].as_str().unwrap().to_string(),
            issued_at: ts(&i["now"]),
            expiration: i.get("expiration").map(ts),
            ..Default::default()
        };
        let a = create_auth_sig(&key, &params).unwrap();
        assert_eq!(authsig_json(&a), v.expected["authSig"], "{}", v.file);
        // Byte for byte, key order included.
        assert_eq!(
            litcap::internal::json::stringify(&a.to_value()),
            litcap::internal::json::stringify(&v.expected["authSig"]),
            "{}",
            v.file
        );
        assert_eq!(
            format!(
                "0x{}",
                hex::encode(litcap::internal::eth::eip191_hash(
                    a.signed_message.as_bytes()
                ))
            ),
            v.expected["eip191Hash"],
            "{}",
            v.file
        );
    }
}

#[test]
fn capacity_vectors() {
    for v in common::lit_vectors_of("capacity") {
        let i = &v.input;
        let owner = wallet(i);
        let str_of = |k: &str| i.get(k).and_then(Value::as_str).map(str::to_string);
        let params = CapacityDelegationParams {
            capacity_token_id: str_of("capacityTokenId"),
            delegatee_addresses: i.get("delegateeAddresses").map(|a| {
                a.as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap().to_string())
                    .collect()
            }),
            uses: i.get("uses").map(|u| match u {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            }),
            nonce: str_of("nonce").unwrap(),
            issued_at: ts(&i["now"]),
            expiration: i.get("expiration").map(ts),
            domain: str_of("domain"),
            statement: str_of("statement"),
        };
        let a = create_capacity_delegation_auth_sig(&owner, &params).unwrap();
        assert_eq!(
            litcap::internal::json::stringify(&a.to_value()),
            litcap::internal::json::stringify(&v.expected["capacityDelegationAuthSig"]),
            "{}",
            v.file
        );
        let urn = v.expected["fields"]["resources"][0].as_str().unwrap();
        let decoded = litcap::Recap::decode(urn).unwrap();
        assert_eq!(
            decoded.recap.to_canonical_json(),
            v.expected["recapJson"].as_str().unwrap(),
            "{}",
            v.file
        );
    }
}

#[test]
fn sessionsigs_vectors() {
    for v in common::lit_vectors_of("sessionsigs") {
        let i = &v.input;
        let e = &v.expected;
        let session = SessionKey::from_seed_hex(i["sessionKeySeed"].as_str().unwrap()).unwrap();
        assert_eq!(session.public_key_hex(), e["sessionKey"]["publicKey"]);
        let reqs = requests(&i["resourceAbilityRequests"]);
        let nodes: Vec<String> = i["nodeUrls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u.as_str().unwrap().to_string())
            .collect();
        let capacity = i
            .get("capacityDelegationAuthSig")
            .map(|c| AuthSig::from_value(c).unwrap());
        let nonce = i["nonce"].as_str().unwrap().to_string();
        let issued_at = ts(&i["issuedAt"]);
        let params = GetSessionSigsParams {
            session_key: &session,
            resource_ability_requests: &reqs,
            node_urls: &nodes,
            issued_at,
            expiration: i.get("expiration").map(ts),
            nonce: nonce.clone(),
            capacity_delegation: capacity.as_ref(),
        };
        let mut calls = Vec::new();
        let sigs = get_session_sigs(&params, |cb| {
            calls.push(cb.clone());
            match i.get("authSig") {
                // 24, 26: a prepared AuthSig.
                Some(a) => Ok(AuthSig::from_value(a).unwrap()),
                // 23, 25: the documented callback, signing with the wallet.
                None => create_auth_sig(
                    &wallet(i),
                    &AuthSigParams {
                        session_public_key: cb.session_public_key.clone(),
                        capabilities: cb.resource_ability_requests.clone(),
                        nonce: cb.nonce.clone(),
                        issued_at,
                        expiration: Some(cb.expiration),
                        ..Default::default()
                    },
                ),
            }
        })
        .map_err(|e: SignError| e.to_string())
        .unwrap();

        // Byte for byte: the whole map, in node order.
        assert_eq!(
            litcap::internal::json::stringify(&sigs.to_value()),
            litcap::internal::json::stringify(&e["sessionSigs"]),
            "{}",
            v.file
        );
        let urls: Vec<&str> = sigs.entries.iter().map(|(u, _)| u.as_str()).collect();
        let want: Vec<&str> = e["sessionSigs"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(urls, want, "{}", v.file);

        // What the AuthSig callback was given (the first call; the SDK calls it again only
        // after its resign check, which litcap answers by refusing instead of re-calling).
        let first = &e["authCallbackCalls"][0];
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].uri, first["uri"].as_str().unwrap(), "{}", v.file);
        assert_eq!(calls[0].expiration, ts(&first["expiration"]), "{}", v.file);
        assert_eq!(calls[0].nonce, first["nonce"].as_str().unwrap());
        assert_eq!(
            calls[0].session_public_key,
            first["sessionKeyPublicKey"].as_str().unwrap()
        );
        let cb_requests: Vec<Value> = calls[0]
            .resource_ability_requests
            .iter()
            .map(litcap::internal::sign::sessionsigs::resource_ability_request)
            .collect();
        assert_eq!(
            Value::Array(cb_requests),
            first["resourceAbilityRequests"],
            "{}",
            v.file
        );

        // The SDK's `checkNeedToResignSessionKey` verdict, computed by litcap.
        let auth_sig = match i.get("authSig") {
            Some(a) => AuthSig::from_value(a).unwrap(),
            None => {
                let caps: Value = serde_json::from_str(&sigs.entries[0].1.signed_message).unwrap();
                let last = caps["capabilities"]
                    .as_array()
                    .unwrap()
                    .last()
                    .unwrap()
                    .clone();
                AuthSig::from_value(&last).unwrap()
            }
        };
        let resign = sdk_needs_resign(&auth_sig, &session.uri(), &reqs, issued_at);
        assert_eq!(
            Value::Bool(resign),
            e["needToResignSessionKey"][0],
            "{}",
            v.file
        );
    }
}
