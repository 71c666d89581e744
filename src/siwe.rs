//! Sign-In with Ethereum (EIP-4361) messages: the text siwe 2.3.2 writes, and the message the
//! Lit SDK builds with `createSiweMessageWithRecaps` (one merged `urn:recap:` resource).

use crate::lit::{Ability, Resource};
use crate::recap::{self, NotaBene, RecapError};
use crate::time::Timestamp;

/// The SDK's default statement (note the two spaces).
pub const DEFAULT_STATEMENT: &str =
    "This is a test statement.  You can put anything you want here.";
/// `LIT_SESSION_KEY_URI`.
pub const SESSION_KEY_URI_PREFIX: &str = "lit:session:";
/// `SIWE_DELEGATION_URI`.
pub const DELEGATION_URI: &str = "lit:capability:delegation";

/// A SIWE message's fields, as written in the message (times keep their original text).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SiweMessage {
    /// The optional `scheme://` before the domain (EIP-4361 allows it; siwe 2.3.2 parses it).
    pub scheme: Option<String>,
    pub domain: String,
    pub address: String,
    pub statement: Option<String>,
    pub uri: String,
    pub version: String,
    pub chain_id: u64,
    pub nonce: String,
    pub issued_at: String,
    pub expiration_time: Option<String>,
    pub not_before: Option<String>,
    pub request_id: Option<String>,
    /// `None` when the message has no `Resources:` section.
    pub resources: Option<Vec<String>>,
}

impl SiweMessage {
    /// `SiweMessage.toMessage()` of siwe 2.3.2, byte for byte (no trailing newline).
    pub fn to_message(&self) -> String {
        let mut out = String::with_capacity(512);
        if let Some(scheme) = &self.scheme {
            out.push_str(scheme);
            out.push_str("://");
        }
        out.push_str(&self.domain);
        out.push_str(" wants you to sign in with your Ethereum account:\n");
        out.push_str(&self.address);
        out.push_str("\n\n");
        // `[prefix, statement].join('\n\n')`, plus '\n' only for a non-empty statement.
        match self.statement.as_deref() {
            Some(s) if !s.is_empty() => {
                out.push_str(s);
                out.push('\n');
            }
            _ => {}
        }
        out.push('\n');
        out.push_str("URI: ");
        out.push_str(&self.uri);
        out.push_str("\nVersion: ");
        out.push_str(&self.version);
        out.push_str("\nChain ID: ");
        out.push_str(&self.chain_id.to_string());
        out.push_str("\nNonce: ");
        out.push_str(&self.nonce);
        out.push_str("\nIssued At: ");
        out.push_str(&self.issued_at);
        if let Some(e) = &self.expiration_time {
            out.push_str("\nExpiration Time: ");
            out.push_str(e);
        }
        if let Some(n) = &self.not_before {
            out.push_str("\nNot Before: ");
            out.push_str(n);
        }
        if let Some(r) = &self.request_id {
            out.push_str("\nRequest ID: ");
            out.push_str(r);
        }
        if let Some(resources) = &self.resources {
            out.push_str("\nResources:");
            for r in resources {
                out.push_str("\n- ");
                out.push_str(r);
            }
        }
        out
    }

    /// Every `urn:recap:` resource, in order.
    pub fn recap_resources(&self) -> impl Iterator<Item = &str> {
        self.resources
            .iter()
            .flatten()
            .map(String::as_str)
            .filter(|r| r.starts_with(recap::URN_PREFIX))
    }
}

/// One capability to put in the SIWE recap: what the SDK calls a `LitResourceAbilityRequest`
/// (with its optional `data`, which becomes the nota-bene).
#[derive(Clone, Debug, PartialEq)]
pub struct CapabilityRequest {
    pub resource: Resource,
    pub ability: Ability,
    pub data: Option<NotaBene>,
}

/// The inputs of `createSiweMessageWithRecaps`; `None` fields take the SDK's defaults.
#[derive(Clone, Debug, Default)]
pub struct LitSiweParams {
    /// Default `localhost`.
    pub domain: Option<String>,
    /// EIP-55 checksummed wallet address.
    pub wallet_address: String,
    /// Default [`DEFAULT_STATEMENT`]. `Some("")` is kept (the recap sentence then starts with
    /// a space, as in the SDK).
    pub statement: Option<String>,
    /// Default `https://localhost/login`; session flows pass `lit:session:<public key>`.
    pub uri: Option<String>,
    /// Default 1.
    pub chain_id: Option<u64>,
    pub nonce: String,
    /// `new Date()` at the time the SDK prepares the message.
    pub issued_at: Timestamp,
    /// Default `issued_at` + 7 days.
    pub expiration: Option<Timestamp>,
    /// `None`: no recap at all. `Some(list)`: one recap per entry, merged into one resource.
    pub resources: Option<Vec<CapabilityRequest>>,
}

/// Why the SDK would refuse to build a message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    #[error("walletAddress is required")]
    MissingWallet,
    #[error("resources is required")]
    EmptyResources,
    #[error(transparent)]
    Recap(#[from] RecapError),
}

/// `createSiweMessageWithRecaps(params)` of `@lit-protocol/auth-helpers` 7.4.0.
pub fn create_lit_siwe(params: &LitSiweParams) -> Result<SiweMessage, BuildError> {
    if params.wallet_address.is_empty() {
        return Err(BuildError::MissingWallet);
    }
    const WEEK_MS: i64 = 7 * 24 * 3600 * 1000;
    let mut msg = SiweMessage {
        scheme: None,
        domain: params
            .domain
            .clone()
            .unwrap_or_else(|| "localhost".to_string()),
        address: params.wallet_address.clone(),
        statement: Some(
            params
                .statement
                .clone()
                .unwrap_or_else(|| DEFAULT_STATEMENT.to_string()),
        ),
        uri: params
            .uri
            .clone()
            .unwrap_or_else(|| "https://localhost/login".to_string()),
        version: "1".to_string(),
        chain_id: params.chain_id.unwrap_or(1),
        nonce: params.nonce.clone(),
        issued_at: params.issued_at.to_iso_string(),
        expiration_time: Some(
            params
                .expiration
                .unwrap_or_else(|| params.issued_at.add_millis(WEEK_MS))
                .to_iso_string(),
        ),
        not_before: None,
        request_id: None,
        resources: None,
    };
    if let Some(requests) = &params.resources {
        if requests.is_empty() {
            return Err(BuildError::EmptyResources);
        }
        let mut statement = msg.statement.take();
        let resources = if requests.iter().all(|r| round_trips(r.data.as_ref())) {
            add_recaps_merged(&mut statement, requests)?
        } else {
            add_recaps_like_sdk(&mut statement, requests)?
        };
        msg.statement = statement;
        msg.resources = Some(resources);
    }
    Ok(msg)
}

/// `addRecapToSiweMessage` step by step: each request's recap goes through
/// `Recap.add_to_siwe_message`, which decodes the previous one and merges.
pub(crate) fn add_recaps_like_sdk(
    statement: &mut Option<String>,
    requests: &[CapabilityRequest],
) -> Result<Vec<String>, BuildError> {
    let mut resources = Vec::new();
    for req in requests {
        let one = recap::single(&req.resource, req.ability, req.data.clone())?;
        one.add_to_siwe(statement, &mut resources);
    }
    Ok(resources)
}

/// The same result without the encode/decode round trips, valid when every recap decodes
/// back to itself: then the SDK's steps are a chain of merges.
pub(crate) fn add_recaps_merged(
    statement: &mut Option<String>,
    requests: &[CapabilityRequest],
) -> Result<Vec<String>, BuildError> {
    let mut merged = recap::Recap::new();
    for req in requests {
        merged.merge(recap::single(&req.resource, req.ability, req.data.clone())?);
    }
    *statement = Some(match statement.take() {
        None => merged.statement(),
        Some(s) => format!("{s} {}", merged.statement()),
    });
    Ok(vec![merged.encode()])
}

/// Whether a recap with this nota-bene decodes back to itself in the SDK: objects whose keys
/// JavaScript enumerates out of sorted order (array indices such as `"9"`, `"10"`) do not.
fn round_trips(data: Option<&NotaBene>) -> bool {
    fn ok(v: &serde_json::Value) -> bool {
        match v {
            serde_json::Value::Object(m) => {
                !m.keys().any(|k| crate::json::is_array_index(k)) && m.values().all(ok)
            }
            serde_json::Value::Array(a) => a.iter().all(ok),
            _ => true,
        }
    }
    data.is_none_or(|m| {
        !m.keys().any(|k| crate::json::is_array_index(k)) && m.values().all(ok)
    })
}

/// `lit:session:<public key hex>`.
pub fn session_key_uri(public_key_hex: &str) -> String {
    format!("{SESSION_KEY_URI_PREFIX}{public_key_hex}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lit::ResourcePrefix;

    #[test]
    fn sdk_defaults_match_vector_11() {
        let p = LitSiweParams {
            wallet_address: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".into(),
            uri: Some(session_key_uri(
                "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
            )),
            nonce: "0x921dd92f497527857ee8dda62f1805e56c34c99a6b37691b4e56e6fb171a5a70".into(),
            issued_at: Timestamp::parse_rfc3339("2024-09-19T13:07:33.606Z").unwrap(),
            resources: Some(vec![CapabilityRequest {
                resource: Resource::wildcard(ResourcePrefix::Pkp),
                ability: Ability::PkpSigning,
                data: None,
            }]),
            ..Default::default()
        };
        let m = create_lit_siwe(&p).unwrap().to_message();
        assert_eq!(m, "localhost wants you to sign in with your Ethereum account:\n0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266\n\nThis is a test statement.  You can put anything you want here. I further authorize the stated URI to perform the following actions on my behalf: (1) 'Threshold': 'Signing' for 'lit-pkp://*'.\n\nURI: lit:session:d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a\nVersion: 1\nChain ID: 1\nNonce: 0x921dd92f497527857ee8dda62f1805e56c34c99a6b37691b4e56e6fb171a5a70\nIssued At: 2024-09-19T13:07:33.606Z\nExpiration Time: 2024-09-26T13:07:33.606Z\nResources:\n- urn:recap:eyJhdHQiOnsibGl0LXBrcDovLyoiOnsiVGhyZXNob2xkL1NpZ25pbmciOlt7fV19fSwicHJmIjpbXX0");
    }

    proptest::proptest! {
        #[test]
        fn in_memory_merge_equals_the_sdk_steps(
            picks in proptest::collection::vec((0usize..4, 0usize..3, proptest::option::of(0usize..3)), 1..8)
        ) {
            let resources = [
                Resource::wildcard(ResourcePrefix::Pkp),
                Resource::new(ResourcePrefix::Pkp, "0a").unwrap(),
                Resource::wildcard(ResourcePrefix::RateLimitIncrease),
                Resource::new(ResourcePrefix::AccessControlCondition, "h/d").unwrap(),
            ];
            let data = [serde_json::json!({}), serde_json::json!({"uses": "1"}), serde_json::json!({"b": [1, {"c": 2}]})];
            let requests: Vec<CapabilityRequest> = picks
                .iter()
                .map(|(r, a, d)| {
                    let resource = resources[*r].clone();
                    let ability = resource.prefix.abilities().nth(*a % resource.prefix.abilities().count()).unwrap();
                    CapabilityRequest { resource, ability, data: d.map(|i| data[i].as_object().cloned().unwrap()) }
                })
                .collect();
            let (mut s1, mut s2) = (Some("x".to_string()), Some("x".to_string()));
            let r1 = add_recaps_like_sdk(&mut s1, &requests).unwrap();
            let r2 = add_recaps_merged(&mut s2, &requests).unwrap();
            proptest::prop_assert_eq!(r1, r2);
            proptest::prop_assert_eq!(s1, s2);
        }
    }

    #[test]
    fn empty_statement_layouts() {
        let mut m = SiweMessage {
            domain: "d".into(),
            address: "0xA".into(),
            statement: Some(String::new()),
            uri: "u".into(),
            version: "1".into(),
            chain_id: 1,
            nonce: "n".into(),
            issued_at: "t".into(),
            ..Default::default()
        };
        assert!(m
            .to_message()
            .starts_with("d wants you to sign in with your Ethereum account:\n0xA\n\n\nURI: u"));
        m.statement = None;
        assert!(m.to_message().contains("0xA\n\n\nURI: u"));
    }
}
