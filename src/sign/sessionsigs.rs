//! Session signatures: the per-node map `getSessionSigs` of SDK 7.4.0 returns (`lnc`).
//!
//! For each node URL the session key signs (ed25519, tweetnacl `sign.detached`) the UTF-8 of
//! `JSON.stringify({sessionKey, resourceAbilityRequests, capabilities, issuedAt, expiration,
//! nodeAddress})`, in exactly that key order. The entry is
//! `{sig, derivedVia: "litSessionSignViaNacl", signedMessage, address: <session pub>, algo: "ed25519"}`.
//!
//! Everything but `nodeAddress` is the same for every node, so the JSON before it is written
//! once; the per-node work is one string append and one signature.

use super::session_key::SessionKey;
use super::SignError;
use crate::authsig::{AuthSig, DERIVED_VIA_SESSION};
use crate::json;
use crate::siwe::CapabilityRequest;
use crate::time::Timestamp;
use serde_json::{Map, Value};

/// The SDK's default session lifetime (`LitNodeClientNodeJs.getExpiration`): 24 hours.
pub const DEFAULT_EXPIRATION_MS: i64 = 24 * 3600 * 1000;

/// One node's session signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionSig {
    /// 128 lowercase hex digits.
    pub sig: String,
    pub signed_message: String,
    /// The session public key (64 lowercase hex digits).
    pub address: String,
}

impl SessionSig {
    /// `{sig, derivedVia, signedMessage, address, algo}` in the SDK's key order.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("sig".into(), Value::String(self.sig.clone()));
        m.insert(
            "derivedVia".into(),
            Value::String(DERIVED_VIA_SESSION.into()),
        );
        m.insert(
            "signedMessage".into(),
            Value::String(self.signed_message.clone()),
        );
        m.insert("address".into(), Value::String(self.address.clone()));
        m.insert("algo".into(), Value::String("ed25519".into()));
        Value::Object(m)
    }
}

/// The SessionSigs map, node URLs in the order given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionSigs {
    pub entries: Vec<(String, SessionSig)>,
}

impl SessionSigs {
    pub fn get(&self, url: &str) -> Option<&SessionSig> {
        self.entries.iter().find(|(u, _)| u == url).map(|(_, s)| s)
    }

    /// `{ "<url>": {sig, derivedVia, signedMessage, address, algo}, … }`.
    pub fn to_value(&self) -> Value {
        Value::Object(
            self.entries
                .iter()
                .map(|(u, s)| (u.clone(), s.to_value()))
                .collect(),
        )
    }
}

pub use crate::compile::resource_ability_request;

/// `capabilities`: `[capacityDelegationAuthSig, authSig]`, or `[authSig]` without delegation.
pub fn capabilities(capacity_delegation: Option<&AuthSig>, auth_sig: &AuthSig) -> Vec<Value> {
    capacity_delegation
        .into_iter()
        .chain(std::iter::once(auth_sig))
        .map(AuthSig::to_value)
        .collect()
}

/// Everything the per-node payloads share.
#[derive(Clone, Copy, Debug)]
pub struct SessionSigsParams<'a> {
    pub session_key: &'a SessionKey,
    /// Already in JSON form ([`resource_ability_request`]).
    pub resource_ability_requests: &'a [Value],
    /// Already in JSON form ([`capabilities`]).
    pub capabilities: &'a [Value],
    pub issued_at: Timestamp,
    pub expiration: Timestamp,
    pub node_urls: &'a [String],
}

/// The signed payload for one node, built from the shared prefix.
fn payload(prefix: &str, node_url: &str) -> String {
    let mut s = String::with_capacity(prefix.len() + node_url.len() + 4);
    s.push_str(prefix);
    json::write_string(&mut s, node_url);
    s.push('}');
    s
}

/// `{"sessionKey":…,"resourceAbilityRequests":…,"capabilities":…,"issuedAt":…,"expiration":…,"nodeAddress":`
fn shared_prefix(p: &SessionSigsParams) -> String {
    let mut s = String::with_capacity(4096);
    s.push_str("{\"sessionKey\":");
    json::write_string(&mut s, p.session_key.public_key_hex());
    s.push_str(",\"resourceAbilityRequests\":");
    s.push_str(&json::stringify(&Value::Array(
        p.resource_ability_requests.to_vec(),
    )));
    s.push_str(",\"capabilities\":");
    s.push_str(&json::stringify(&Value::Array(p.capabilities.to_vec())));
    s.push_str(",\"issuedAt\":");
    json::write_string(&mut s, &p.issued_at.to_iso_string());
    s.push_str(",\"expiration\":");
    json::write_string(&mut s, &p.expiration.to_iso_string());
    s.push_str(",\"nodeAddress\":");
    s
}

/// Signs one payload per node URL.
pub fn sign_session_sigs(p: &SessionSigsParams) -> SessionSigs {
    let prefix = shared_prefix(p);
    let address = p.session_key.public_key_hex().to_string();
    SessionSigs {
        entries: p
            .node_urls
            .iter()
            .map(|url| {
                let signed_message = payload(&prefix, url);
                let sig = p.session_key.sign_hex(signed_message.as_bytes());
                (
                    url.clone(),
                    SessionSig {
                        sig,
                        signed_message,
                        address: address.clone(),
                    },
                )
            })
            .collect(),
    }
}

/// What `getSessionSigs` passes to `authNeededCallback` (the parts that matter for signing).
#[derive(Clone, Debug, PartialEq)]
pub struct AuthCallbackParams {
    /// `lit:session:<public key>`.
    pub uri: String,
    /// The session expiration, also used for the AuthSig.
    pub expiration: Timestamp,
    /// The latest blockhash.
    pub nonce: String,
    pub resource_ability_requests: Vec<CapabilityRequest>,
    pub session_public_key: String,
}

/// The inputs of [`get_session_sigs`].
#[derive(Clone, Debug)]
pub struct GetSessionSigsParams<'a> {
    pub session_key: &'a SessionKey,
    pub resource_ability_requests: &'a [CapabilityRequest],
    pub node_urls: &'a [String],
    /// `new Date()` when the SDK signs.
    pub issued_at: Timestamp,
    /// Default `issued_at` + 24 h, for both the AuthSig and the session.
    pub expiration: Option<Timestamp>,
    pub nonce: String,
    pub capacity_delegation: Option<&'a AuthSig>,
}

/// `getSessionSigs` with an AuthSig source: `auth` plays `authNeededCallback` and gets the
/// callback's inputs (it may create a fresh AuthSig or return a prepared one).
pub fn get_session_sigs<F>(p: &GetSessionSigsParams, auth: F) -> Result<SessionSigs, SignError>
where
    F: FnOnce(&AuthCallbackParams) -> Result<AuthSig, SignError>,
{
    let expiration = p
        .expiration
        .unwrap_or_else(|| p.issued_at.add_millis(DEFAULT_EXPIRATION_MS));
    let callback = AuthCallbackParams {
        uri: p.session_key.uri(),
        expiration,
        nonce: p.nonce.clone(),
        resource_ability_requests: p.resource_ability_requests.to_vec(),
        session_public_key: p.session_key.public_key_hex().to_string(),
    };
    let auth_sig = auth(&callback)?;
    if [
        &auth_sig.sig,
        &auth_sig.derived_via,
        &auth_sig.signed_message,
        &auth_sig.address,
    ]
    .iter()
    .any(|s| s.is_empty())
    {
        return Err(SignError::Input(
            "the AuthSig has an empty `sig`, `derivedVia`, `signedMessage` or `address`".into(),
        ));
    }
    let requests: Vec<Value> = p
        .resource_ability_requests
        .iter()
        .map(resource_ability_request)
        .collect();
    let caps = capabilities(p.capacity_delegation, &auth_sig);
    Ok(sign_session_sigs(&SessionSigsParams {
        session_key: p.session_key,
        resource_ability_requests: &requests,
        capabilities: &caps,
        issued_at: p.issued_at,
        expiration,
        node_urls: p.node_urls,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lit::{Ability, Resource, ResourcePrefix};

    #[test]
    fn prefix_equals_full_stringify() {
        let key = SessionKey::from_seed(&[3u8; 32]);
        let mut data = Map::new();
        data.insert("z".into(), Value::from(1));
        data.insert("a".into(), Value::String("é\n/".into()));
        let reqs = vec![resource_ability_request(&CapabilityRequest {
            resource: Resource::wildcard(ResourcePrefix::Pkp),
            ability: Ability::PkpSigning,
            data: Some(data),
        })];
        let auth = AuthSig::personal_sign("0x1".into(), "line\n\"q\"".into(), "0xA".into());
        let caps = capabilities(None, &auth);
        let urls = vec!["https://a:1".to_string(), "http://b\"".to_string()];
        let p = SessionSigsParams {
            session_key: &key,
            resource_ability_requests: &reqs,
            capabilities: &caps,
            issued_at: Timestamp::from_unix_millis(1),
            expiration: Timestamp::from_unix_millis(2),
            node_urls: &urls,
        };
        let sigs = sign_session_sigs(&p);
        for (url, s) in &sigs.entries {
            let mut m = Map::new();
            m.insert(
                "sessionKey".into(),
                Value::String(key.public_key_hex().into()),
            );
            m.insert("resourceAbilityRequests".into(), Value::Array(reqs.clone()));
            m.insert("capabilities".into(), Value::Array(caps.clone()));
            m.insert(
                "issuedAt".into(),
                Value::String("1970-01-01T00:00:00.001Z".into()),
            );
            m.insert(
                "expiration".into(),
                Value::String("1970-01-01T00:00:00.002Z".into()),
            );
            m.insert("nodeAddress".into(), Value::String(url.clone()));
            assert_eq!(s.signed_message, json::stringify(&Value::Object(m)));
            let mut sig = [0u8; 64];
            hex::decode_to_slice(&s.sig, &mut sig).unwrap();
            assert!(key.verify(s.signed_message.as_bytes(), &sig));
        }
        assert!(sigs.get("https://a:1").is_some());
        assert!(sigs.get("https://c").is_none());
    }

    #[test]
    fn capacity_delegation_comes_first() {
        let a = AuthSig::personal_sign("a".into(), "m".into(), "x".into());
        let c = AuthSig::personal_sign("c".into(), "m".into(), "y".into());
        let caps = capabilities(Some(&c), &a);
        assert_eq!(caps[0]["sig"], "c");
        assert_eq!(caps[1]["sig"], "a");
    }

    #[test]
    fn empty_authsig_fields_are_refused() {
        let key = SessionKey::from_seed(&[3u8; 32]);
        let p = GetSessionSigsParams {
            session_key: &key,
            resource_ability_requests: &[],
            node_urls: &[],
            issued_at: Timestamp::UNIX_EPOCH,
            expiration: None,
            nonce: "abcdefgh".into(),
            capacity_delegation: None,
        };
        let r = get_session_sigs(&p, |cb| {
            assert_eq!(
                cb.expiration,
                Timestamp::from_unix_millis(DEFAULT_EXPIRATION_MS)
            );
            Ok(AuthSig::personal_sign(
                String::new(),
                "m".into(),
                "a".into(),
            ))
        });
        assert!(matches!(r, Err(SignError::Input(_))));
    }
}
