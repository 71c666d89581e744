//! The SDK v8 (Naga) vectors (`tests/vectors/v8/`, made by `tests/interop-v8/` from the real
//! `@lit-protocol/auth` 8.2.3, `auth-helpers` 8.2.1, `networks` 8.4.1), reproduced byte for
//! byte: key pairs, ACC keys, SIWE, EOA AuthSigs, payment delegations, SessionSigs with
//! `maxPrice`, the key store layout, and `validateSessionSigs`.

mod common;

use litcap::internal::eth::WalletKey;
use litcap::internal::sign::naga::{self, AuthConfig, PricingContext};
use litcap::internal::sign::payment::{
    create_payment_delegation_auth_sig, PaymentDelegationParams,
};
use litcap::internal::siwe::{CapabilityRequest, LitSiweParams, SiweMessage};
use litcap::internal::wire::naga::{parse_price, shorthand_request, NodePrice, Product};
use litcap::internal::wire::payment::PaymentDelegationInput;
use litcap::AuthSig;
use litcap::SessionKey;
use litcap::Timestamp;
use litcap::{Ability, Resource, ResourcePrefix};
use serde_json::{json, Value};

fn ts(v: &Value) -> Timestamp {
    Timestamp::parse_rfc3339(v.as_str().unwrap()).unwrap()
}

fn str_of(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect()
}

/// `parseLitResource` with the v8 prefixes, or the v8 shorthand `[ability, id]`.
fn requests(v: &Value) -> Vec<CapabilityRequest> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| match r {
            Value::Array(t) => {
                shorthand_request(t[0].as_str().unwrap(), t[1].as_str().unwrap()).unwrap()
            }
            _ => CapabilityRequest {
                resource: Resource::parse_key_in(
                    r["resource"].as_str().unwrap(),
                    &ResourcePrefix::NAGA,
                )
                .unwrap(),
                ability: Ability::parse_in(r["ability"].as_str().unwrap(), &Ability::NAGA).unwrap(),
                data: r.get("data").and_then(|d| d.as_object().cloned()),
            },
        })
        .collect()
}

fn wallet(input: &Value) -> WalletKey {
    WalletKey::from_hex(input["privateKey"].as_str().unwrap()).unwrap()
}

fn same_bytes(got: &Value, want: &Value, what: &str) {
    assert_eq!(
        litcap::internal::json::stringify(got),
        litcap::internal::json::stringify(want),
        "{what}"
    );
}

#[test]
fn keypair_vectors() {
    for v in common::v8_vectors_of("keypair") {
        let k = SessionKey::from_seed_hex(v.input["sessionKeySeed"].as_str().unwrap()).unwrap();
        let stored: Value = serde_json::from_str(&naga::key_pair_json(&k)).unwrap();
        same_bytes(&stored, &v.expected["sessionKey"], &v.file);
        assert_eq!(k.uri(), v.expected["sessionKeyUri"], "{}", v.file);
        assert_eq!(v.expected["secretKeyHexLen"], 64);
    }
}

#[test]
fn acc_resource_vectors() {
    for v in common::v8_vectors_of("acc-resource") {
        let id = litcap::internal::acc::resource_id(
            &v.input["accessControlConditions"],
            v.input["dataToEncryptHash"].as_str().unwrap(),
        )
        .unwrap();
        assert_eq!(id, v.expected["resource"].as_str().unwrap(), "{}", v.file);
        let r = Resource::new(ResourcePrefix::AccessControlCondition, &id).unwrap();
        assert_eq!(r.key(), v.expected["resourceKey"].as_str().unwrap());
    }
}

/// `createSiweMessageWithResources`: unchanged from v7 but for the v8 vocabulary.
fn siwe_params(i: &Value, wallet_address: String) -> LitSiweParams {
    let uri = str_of(i, "uri").unwrap_or_else(|| {
        SessionKey::from_seed_hex(i["sessionKeySeed"].as_str().unwrap())
            .unwrap()
            .uri()
    });
    LitSiweParams {
        domain: str_of(i, "domain"),
        wallet_address,
        statement: str_of(i, "statement"),
        uri: Some(uri),
        chain_id: None,
        nonce: str_of(i, "nonce").unwrap(),
        issued_at: ts(&i["now"]),
        expiration: i.get("expiration").map(ts),
        resources: i.get("resources").map(requests),
    }
}

#[test]
fn siwe_vectors() {
    for v in common::v8_vectors_of("siwe") {
        let i = &v.input;
        let m = litcap::internal::siwe::create_lit_siwe(&siwe_params(
            i,
            str_of(i, "walletAddress").unwrap(),
        ))
        .unwrap();
        assert_eq!(
            m.to_message(),
            v.expected["message"].as_str().unwrap(),
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
fn authsig_vectors() {
    for v in common::v8_vectors_of("authsig") {
        let i = &v.input;
        let key = wallet(i);
        let address = litcap::WalletSigner::address(&key).to_checksum();
        let m = litcap::internal::siwe::create_lit_siwe(&siwe_params(i, address)).unwrap();
        let a = litcap::sign_message(&key, m.to_message()).unwrap();
        same_bytes(&a.to_value(), &v.expected["authSig"], &v.file);
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
fn payment_delegation_vectors() {
    for v in common::v8_vectors_of("payment-delegation") {
        let i = &v.input;
        let params = PaymentDelegationParams {
            delegation: PaymentDelegationInput {
                delegatee_addresses: strings(&i["delegateeAddresses"]),
                scopes: strings(&i["scopes"]),
                max_price: str_of(i, "maxPrice").unwrap(),
            },
            nonce: str_of(i, "nonce").unwrap(),
            issued_at: ts(&i["now"]),
            expiration: i.get("expiration").map(ts),
            domain: str_of(i, "domain"),
            statement: str_of(i, "statement"),
        };
        let got = create_payment_delegation_auth_sig(&wallet(i), &params);
        if v.expected["ok"] == json!(false) {
            let e = got.expect_err(&v.file);
            assert_eq!(
                e.to_string(),
                v.expected["error"]["message"].as_str().unwrap(),
                "{}",
                v.file
            );
            continue;
        }
        let a = got.unwrap();
        same_bytes(&a.to_value(), &v.expected["authSig"], &v.file);
        let urn = v.expected["fields"]["resources"][0].as_str().unwrap();
        let decoded = litcap::Recap::decode(urn).unwrap();
        assert_eq!(
            decoded.recap.to_canonical_json(),
            v.expected["recapJson"].as_str().unwrap(),
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

/// The oracle's two price inputs: `nodePrices` (the feed) or the `maxPrices` shorthand (every
/// product at that price, `userMaxPrice` = their sum).
fn pricing(i: &Value) -> PricingContext {
    let product = str_of(i, "product")
        .map(|p| Product::parse(&p).unwrap())
        .unwrap_or(Product::Sign);
    if let Some(m) = i.get("maxPrices").and_then(Value::as_object) {
        let nodes: Vec<NodePrice> = m
            .iter()
            .map(|(url, p)| {
                let p = parse_price(p.as_str().unwrap()).unwrap();
                NodePrice {
                    url: url.clone(),
                    prices: [p; 4],
                }
            })
            .collect();
        let sum = nodes.iter().map(|n| n.prices[0]).sum();
        return PricingContext {
            product,
            user_max_price: Some(sum),
            node_prices: nodes,
            threshold: None,
        };
    }
    PricingContext {
        product,
        user_max_price: str_of(i, "userMaxPrice").map(|p| parse_price(&p).unwrap()),
        node_prices: i["nodePrices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                let p: Vec<u128> = n["prices"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| parse_price(x.as_str().unwrap()).unwrap())
                    .collect();
                NodePrice {
                    url: n["url"].as_str().unwrap().to_string(),
                    prices: [p[0], p[1], p[2], p[3]],
                }
            })
            .collect(),
        threshold: i
            .get("threshold")
            .and_then(Value::as_u64)
            .map(|t| t as usize),
    }
}

#[test]
fn sessionsigs_vectors() {
    for v in common::v8_vectors_of("sessionsigs") {
        let i = &v.input;
        let e = &v.expected;
        let name = &v.file;
        let session = SessionKey::from_seed_hex(i["sessionKeySeed"].as_str().unwrap()).unwrap();
        let now = ts(&i["issuedAt"]);
        let config = AuthConfig {
            resources: requests(&i["resources"]),
            capability_auth_sigs: i
                .get("capabilityAuthSigs")
                .map(|c| {
                    c.as_array()
                        .unwrap()
                        .iter()
                        .map(|a| AuthSig::from_value(a).unwrap())
                        .collect()
                })
                .unwrap_or_default(),
            domain: str_of(i, "domain"),
            statement: str_of(i, "statement"),
            expiration: i.get("expiration").map(ts),
        };
        let key = wallet(i);
        let nonce = str_of(i, "nonce").unwrap();
        let auth_sig =
            naga::session_auth_sig(&key, session.public_key_hex(), &config, &nonce, now).unwrap();
        let got = naga::issue_session_sigs(&session, &config, &auth_sig, &pricing(i), now);
        if let Some(err) = e.get("error") {
            assert_eq!(
                got.unwrap_err().to_string(),
                err["message"].as_str().unwrap(),
                "{name}"
            );
            continue;
        }
        let sigs = got.unwrap();
        same_bytes(&auth_sig.to_value(), &e["authSig"], name);
        // Byte for byte: the whole map, in the SDK's node order.
        same_bytes(&sigs.to_value(), &e["sessionSigs"], name);
        let urls: Vec<&str> = sigs.entries.iter().map(|(u, _)| u.as_str()).collect();
        let want: Vec<&str> = e["sessionSigs"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(urls, want, "{name}");
        // The parsed SIWE fields the SDK reports.
        let m = SiweMessage::parse(&auth_sig.signed_message).unwrap();
        assert_eq!(m.domain, e["authSigSiwe"]["fields"]["domain"], "{name}");
        assert_eq!(
            m.expiration_time.as_deref(),
            e["authSigSiwe"]["fields"]["expirationTime"].as_str(),
            "{name}"
        );
        // authData and the v8 key store.
        let address = litcap::WalletSigner::address(&key).to_checksum();
        assert_eq!(
            naga::eoa_auth_method_id(&address),
            e["authData"]["authMethodId"].as_str().unwrap(),
            "{name}"
        );
        let app = str_of(i, "appName").unwrap_or_else(|| "lit-oracle".into());
        let network = str_of(i, "networkName").unwrap_or_else(|| "naga-dev".into());
        let entries = naga::store_entries(
            &app,
            &network,
            &address,
            &session,
            config.expiration_at(now),
            &auth_sig,
        );
        let storage = e["storage"].as_object().unwrap();
        assert_eq!(storage.len(), entries.len(), "{name}");
        for (k, val) in &entries {
            assert_eq!(
                storage.get(k).and_then(Value::as_str),
                Some(val.as_str()),
                "{name}: storage {k}"
            );
        }
    }
}

#[test]
fn validate_vectors() {
    use litcap::internal::verify::sessionsigs::sdk_validate_session_sigs;
    for v in common::v8_vectors_of("validate") {
        let name = &v.file;
        let now = ts(&v.input["now"]);
        let got = sdk_validate_session_sigs(&v.input["sessionSigs"], now)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(json!(got.is_valid), v.expected["isValid"], "{name}");
        assert_eq!(json!(got.errors), v.expected["errors"], "{name}");
    }
}
