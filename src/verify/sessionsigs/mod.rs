//! SessionSigs as each Lit node would judge them, and as the SDK's own pre-send check does.
//!
//! [`verify_text`] reads a SessionSigs map (`{nodeUrl: {sig, derivedVia, signedMessage,
//! address, algo}}`) and, for every entry, applies the nodes' `validate_session_sig`
//! (lit-peer `auth/session_sigs.rs`) in its order:
//!
//! 1. ed25519 `verify_strict` of `sig` over `signedMessage` by the session key `address`;
//! 2. `signedMessage` as `{sessionKey, resourceAbilityRequests, capabilities, issuedAt,
//!    expiration, nodeAddress, maxPrice?}`;
//! 3. the operation's resource appears in `resourceAbilityRequests`;
//! 4. time: `issuedAt` at most 60 s ahead, `expiration` not before `issuedAt`, not more than
//!    60 s in the past, at most 30 days after `issuedAt`;
//! 5. `nodeAddress` is this node's `host:port`;
//! 6. the first capability (AuthSig) that is valid and covers the operation wins.
//!
//! Given operations ([`VerifyOptions::operations`], `verify --request`), exactly those are
//! judged, each in the node's order (3 for the operation's own resource, then 4, 5 and 6).
//! Without, every entry of `resourceAbilityRequests` is judged as an operation; a wildcard
//! entry covered for some ids only, and an entry no operation can be judged from, are notes
//! rather than refusals ([`EntryNote`]). Everything that does not depend on the node or the
//! operation (the session key, each distinct capability's SIWE parse, signer recovery and
//! recap decoding) is done once per bundle.
//!
//! [`sdk_validate_session_sigs`] is `validateSessionSigs` of `@lit-protocol/misc` 7.4.0.

//!
//! The module's parts: `input` reads the map leniently (a malformed entry is that node's
//! error), `node` applies the node rules above (steps 1 to 5, and the order), `capability`
//! judges the capabilities for step 6 (each evaluated once per bundle, and once per thread
//! across maps in `capability_memo`), `strict_verifier` checks step 1's signature with each
//! session key prepared once per thread (`comb` holds its tables), `policy` compares the
//! bundle with a policy session, and `sdk` emulates the SDK's `validateSessionSigs` with its
//! JavaScript semantics.

mod capability;
mod capability_memo;
mod comb;
mod decoded_capability;
mod input;
mod node;
mod policy;
mod sdk;
mod signature_hex;
pub mod strict_verifier;

pub use capability::{judge_capability, CapabilityVerdict};
pub use decoded_capability::DecodedCapability;
pub use input::{InputError, SessionSigsFile};
pub use node::{verify_file, verify_file_in, verify_text, verify_text_in};
pub(crate) use policy::signer_lines_help;
pub use policy::{check_against_session, check_lone_authsig_against_session};
pub use sdk::{js_date_parse, nacl_verify, sdk_validate_session_sigs, SdkThrow, SdkValidation};

use crate::time::Timestamp;
pub use crate::verify::operation::Operation;
use serde_json::{json, Value};

/// The nodes' clock grace period (`grace_period_seconds`; Datil's, see
/// [`crate::profile::NodeRules::grace_secs`]).
pub const GRACE_SECS: i64 = 60;

// ------------------------------------------------------------------ error kinds ---

pub use crate::fit::node_error::NodeErrorKind;

/// A request of `resourceAbilityRequests`, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestRef {
    pub index: usize,
    pub resource_prefix: String,
    pub resource: String,
    pub ability: String,
}

impl RequestRef {
    fn describe(&self) -> String {
        format!(
            "`{}` on `{}://{}`",
            self.ability, self.resource_prefix, self.resource
        )
    }
}

/// Why one capability (AuthSig) of the bundle did not authorize a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapabilityFailure {
    pub index: usize,
    pub kind: NodeErrorKind,
    pub message: String,
}

/// A node's rejection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeError {
    pub kind: NodeErrorKind,
    /// Plain language: what failed, naming the request and capability.
    pub message: String,
    /// What to do about it.
    pub help: String,
    /// The node's inner error when it wraps one (`NodeResourceIdNotFound` around
    /// `NodeSIWECapabilityInvalid "Could not find valid capability."`).
    pub inner: Option<(NodeErrorKind, String)>,
    /// The request that failed, when the failure is about one.
    pub request: Option<RequestRef>,
    /// How many requests fail in all (the message is about the first).
    pub failing_requests: usize,
    /// Why each capability failed, in order.
    pub capabilities: Vec<CapabilityFailure>,
}

impl NodeError {
    fn new(kind: NodeErrorKind, message: impl Into<String>, help: impl Into<String>) -> NodeError {
        NodeError {
            kind,
            message: message.into(),
            help: help.into(),
            inner: None,
            request: None,
            failing_requests: 0,
            capabilities: Vec::new(),
        }
    }

    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "kind": self.kind.as_str(),
            "message": self.message,
            "help": self.help,
        });
        if let Some((kind, message)) = &self.inner {
            v["inner"] = json!({"kind": kind.as_str(), "message": message});
        }
        if let Some(r) = &self.request {
            v["request"] = json!({
                "index": r.index,
                "resourcePrefix": r.resource_prefix,
                "resource": r.resource,
                "ability": r.ability,
            });
            v["failingRequests"] = json!(self.failing_requests);
        }
        if !self.capabilities.is_empty() {
            v["capabilities"] = Value::Array(
                self.capabilities
                    .iter()
                    .map(|c| json!({"index": c.index, "kind": c.kind.as_str(), "message": c.message}))
                    .collect(),
            );
        }
        v
    }
}

/// One node's verdict on one entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeVerdict {
    /// The entry's key in the map (the node URL the SDK signed it for).
    pub node: String,
    /// The node identity it was checked as (`host:port`).
    pub checked_as: String,
    /// The refusal (with operations, the first refused operation's).
    pub error: Option<NodeError>,
    /// With `--request`: each operation's verdict, in order.
    pub operations: Vec<OperationVerdict>,
    /// Without `--request`: what is not a refusal but worth knowing (a wildcard request covered
    /// for some ids only, a request litcap cannot turn into an operation).
    pub notes: Vec<EntryNote>,
    /// Each capability of the payload decoded: `{kind, address, authContext}`.
    pub capabilities: Vec<DecodedCapability>,
}

impl NodeVerdict {
    pub fn valid(&self) -> bool {
        self.error.is_none()
    }

    /// `{node, valid, error: {kind, message, help, ...} | null, checkedAs, capabilities, operations?, notes?}`.
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "node": self.node,
            "valid": self.valid(),
            "error": self.error.as_ref().map(NodeError::to_json),
            "checkedAs": self.checked_as,
            "capabilities": self.capabilities.iter().map(DecodedCapability::to_json).collect::<Vec<_>>(),
        });
        if !self.operations.is_empty() {
            v["operations"] = self
                .operations
                .iter()
                .map(OperationVerdict::to_json)
                .collect();
        }
        if !self.notes.is_empty() {
            v["notes"] = self.notes.iter().map(EntryNote::to_json).collect();
        }
        v
    }
}

/// A node's verdict on one operation (`verify --request`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperationVerdict {
    pub operation: Operation,
    pub error: Option<NodeError>,
}

impl OperationVerdict {
    /// `{operation, ability, resource, valid, error}`; `resource` is the key with the id as
    /// the node derives it.
    pub fn to_json(&self) -> Value {
        json!({
            "operation": self.operation.written,
            "ability": self.operation.ability.as_str(),
            "resource": self.operation.resource.key(),
            "valid": self.error.is_none(),
            "error": self.error.as_ref().map(NodeError::to_json),
        })
    }
}

/// What a note is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoteKind {
    /// A `<prefix>://*` request whose capabilities cover some ids only.
    PartialWildcard,
    /// A request no operation can be judged from (its ability is unknown or not for its
    /// resource type, which the nodes never read; or its prefix is unknown).
    NotJudged,
}

impl NoteKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoteKind::PartialWildcard => "partial-wildcard",
            NoteKind::NotJudged => "ability-not-judged",
        }
    }
}

/// A finding about one listed request that is not a node refusal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryNote {
    pub kind: NoteKind,
    pub message: String,
    pub request: RequestRef,
    /// For [`NoteKind::PartialWildcard`]: the resource keys the capabilities do cover.
    pub covers: Vec<String>,
}

impl EntryNote {
    pub fn to_json(&self) -> Value {
        let mut v = json!({
            "kind": self.kind.as_str(),
            "message": self.message,
            "request": {
                "index": self.request.index,
                "resourcePrefix": self.request.resource_prefix,
                "resource": self.request.resource,
                "ability": self.request.ability,
            },
        });
        if self.kind == NoteKind::PartialWildcard {
            v["covers"] = json!(self.covers);
        }
        v
    }
}

// ------------------------------------------------------------------- options ---

/// How to verify.
#[derive(Clone, Debug, Default)]
pub struct VerifyOptions {
    /// The nodes' clock.
    pub now: Timestamp,
    /// Check every entry as this node (a URL or `host:port`); by default each entry is
    /// checked as the node its map key names.
    pub node: Option<String>,
    /// The operations to judge (`--request`); none: each listed request is judged as one.
    pub operations: Vec<Operation>,
    /// The network's BLS root key, to verify `lit.bls` capabilities; without it they are
    /// reported as [`NodeErrorKind::BlsNoNetworkKey`].
    pub network_key: Option<crate::wire::bls::NetworkKey>,
    /// A lone AuthSig's session key (64 hex digits): its URI must be `lit:session:<key>`.
    pub session_key: Option<String>,
}

/// The nodes' `prepare_domain_name`: trim, strip `https://` then `http://` (repeatedly, as
/// `trim_start_matches` does), and replace every `localhost` with `127.0.0.1`.
pub fn prepare_domain_name(s: &str) -> String {
    let mut s = s.trim();
    while let Some(rest) = s.strip_prefix("https://") {
        s = rest;
    }
    while let Some(rest) = s.strip_prefix("http://") {
        s = rest;
    }
    s.replace("localhost", "127.0.0.1")
}

/// The `host:port` of a node as a Naga node holds it (its raw configured `domain:port`):
/// the URL without its scheme and trailing `/`, `localhost` kept (lit-peer
/// `auth/session_sigs.rs` `validate_session_sig` formats `"{domain_name}:{port}"` from its
/// config and normalises only the payload's `nodeAddress`).
pub fn node_identity_raw(url: &str) -> String {
    let mut s = url.trim();
    while let Some(rest) = s.strip_prefix("https://") {
        s = rest;
    }
    while let Some(rest) = s.strip_prefix("http://") {
        s = rest;
    }
    s.trim_end_matches('/').to_string()
}

/// The `host:port` a node compares `nodeAddress` with, from a node URL.
pub fn node_identity(url: &str) -> String {
    let prepared = prepare_domain_name(url);
    prepared.trim_end_matches('/').to_string()
}

#[cfg(test)]
mod tests {
    use super::input::valid_max_price;
    use super::sdk::parse_signed_message;
    use super::*;
    use crate::eth::Signature;
    use crate::eth::WalletKey;
    use crate::wire::lit::ResourcePrefix;
    use crate::wire::lit::{Ability, Resource};
    use crate::wire::siwe;
    use crate::wire::siwe::{create_lit_siwe, CapabilityRequest, LitSiweParams};
    use ed25519_dalek::VerifyingKey;
    use ed25519_dalek::{Signer, SigningKey};
    use std::str::FromStr;
    use NodeErrorKind as K;

    const WALLET: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    const SEED: [u8; 32] = [7u8; 32];
    const NODE: &str = "https://15.235.83.220:7470";
    const IAT: &str = "2024-09-19T13:07:33.606Z";
    const EXP: &str = "2024-09-20T13:07:33.606Z";

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    fn session() -> SigningKey {
        SigningKey::from_bytes(&SEED)
    }

    fn session_hex() -> String {
        hex::encode(session().verifying_key().to_bytes())
    }

    /// A wallet AuthSig as the SDK's documented callback makes it.
    fn authsig(uri: &str, grants: &[(ResourcePrefix, &str, Ability)], exp: &str) -> Value {
        let key = WalletKey::from_hex(WALLET).unwrap();
        let m = create_lit_siwe(&LitSiweParams {
            wallet_address: key.address().to_checksum(),
            uri: Some(uri.to_string()),
            nonce: "0x921dd92f497527857ee8dda62f1805e56c34c99a6b37691b4e56e6fb171a5a70".into(),
            issued_at: ts(IAT),
            expiration: Some(ts(exp)),
            resources: Some(
                grants
                    .iter()
                    .map(|(p, id, a)| CapabilityRequest {
                        resource: Resource::new(*p, id).unwrap(),
                        ability: *a,
                        data: None,
                    })
                    .collect(),
            ),
            ..Default::default()
        })
        .unwrap()
        .to_message();
        json!({
            "sig": key.sign_personal(m.as_bytes()).to_hex(),
            "derivedVia": "web3.eth.personal.sign",
            "signedMessage": m,
            "address": key.address().to_checksum(),
        })
    }

    fn pkp_authsig() -> Value {
        authsig(
            &siwe::session_key_uri(&session_hex()),
            &[(ResourcePrefix::Pkp, "*", Ability::PkpSigning)],
            EXP,
        )
    }

    fn request(prefix: &str, id: &str, ability: &str) -> Value {
        json!({"resource": {"resource": id, "resourcePrefix": prefix}, "ability": ability})
    }

    fn payload(requests: Vec<Value>, caps: Vec<Value>, iat: &str, exp: &str, node: &str) -> String {
        json!({
            "sessionKey": session_hex(),
            "resourceAbilityRequests": requests,
            "capabilities": caps,
            "issuedAt": iat,
            "expiration": exp,
            "nodeAddress": node,
        })
        .to_string()
    }

    fn entry(signed_message: &str) -> Value {
        json!({
            "sig": hex::encode(session().sign(signed_message.as_bytes()).to_bytes()),
            "derivedVia": "litSessionSignViaNacl",
            "signedMessage": signed_message,
            "address": session_hex(),
            "algo": "ed25519",
        })
    }

    fn standard_payload() -> String {
        payload(
            vec![request("lit-pkp", "*", "pkp-signing")],
            vec![pkp_authsig()],
            IAT,
            EXP,
            NODE,
        )
    }

    fn run(entries: Value, now: &str) -> Vec<NodeVerdict> {
        verify_text(
            &entries.to_string(),
            &VerifyOptions {
                now: ts(now),
                node: None,
                ..Default::default()
            },
        )
        .unwrap()
    }

    fn one(entry: Value, now: &str) -> Option<NodeError> {
        run(json!({ NODE: entry }), now).remove(0).error
    }

    fn kind(entry: Value, now: &str) -> Option<NodeErrorKind> {
        one(entry, now).map(|e| e.kind)
    }

    const NOW: &str = "2024-09-19T14:00:00Z";

    #[test]
    fn policy_findings_come_from_the_fit_engine() {
        let text = "grant \"g\" {\n domain \"app.example.com\"\n max-ttl 1h\n allow pkp-signing on \"lit-pkp://*\"\n}\nsession \"s\" from \"g\" {\n ttl 1h\n request pkp-signing on \"lit-pkp://*\"\n}\n";
        let l = crate::load::load_dsl(text);
        let session = l.policy.session("s").unwrap();
        let cap = authsig(
            &crate::siwe::session_key_uri(&session_hex()),
            &[
                (ResourcePrefix::Pkp, "*", Ability::PkpSigning),
                (ResourcePrefix::LitAction, "*", Ability::LitActionExecution),
            ],
            EXP,
        );
        let p = payload(
            vec![request("lit-pkp", "*", "pkp-signing")],
            vec![cap],
            IAT,
            "2024-09-19T14:07:33.606Z",
            NODE,
        );
        let map = json!({ NODE: entry(&p) }).to_string();
        let file = SessionSigsFile::parse(&map).unwrap();
        let codes: Vec<crate::diag::Code> = check_against_session(&file, &l.policy, session)
            .iter()
            .map(|d| d.code)
            .collect();
        // The SIWE domain is `localhost`; the AuthSig lives 24 h and also grants Lit Actions.
        assert_eq!(
            codes,
            vec![
                crate::diag::Code::DomainMismatch,
                crate::diag::Code::OverPrivilege,
                crate::diag::Code::LifetimeTooLong
            ]
        );
    }

    #[test]
    fn a_wallet_authsig_under_a_pkp_grant_is_a_finding() {
        let text = "grant \"g\" {\n domain \"localhost\"\n signer pkp \"0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A\"\n max-ttl 1d\n allow pkp-signing on \"lit-pkp://*\"\n}\nsession \"s\" from \"g\" {\n ttl 1h\n request pkp-signing on \"lit-pkp://*\"\n}\n";
        let l = crate::load::load_dsl(text);
        let session = l.policy.session("s").unwrap();
        let cap = authsig(
            &crate::siwe::session_key_uri(&session_hex()),
            &[(ResourcePrefix::Pkp, "*", Ability::PkpSigning)],
            EXP,
        );
        let p = payload(
            vec![request("lit-pkp", "*", "pkp-signing")],
            vec![cap],
            IAT,
            "2024-09-19T14:07:33.606Z",
            NODE,
        );
        let map = json!({ NODE: entry(&p) }).to_string();
        let file = SessionSigsFile::parse(&map).unwrap();
        let found = check_against_session(&file, &l.policy, session);
        let codes: Vec<crate::diag::Code> = found.iter().map(|d| d.code).collect();
        assert_eq!(codes, vec![crate::diag::Code::SignerNotPkp], "{found:#?}");
        assert!(found[0].message.contains("signed by the wallet"));
    }

    #[test]
    fn a_good_bundle_is_valid() {
        assert_eq!(kind(entry(&standard_payload()), NOW), None);
    }

    #[test]
    fn step1_session_key_signature() {
        let p = standard_payload();
        let mut e = entry(&p);
        let tampered = p.replacen("pkp-signing", "pkp-signinG", 1);
        e["signedMessage"] = json!(tampered);
        assert_eq!(kind(e, NOW), Some(K::NodeInvalidAuthSigSessionKeySignature));

        let mut e = entry(&p);
        e["sig"] = json!(format!("0x{}", e["sig"].as_str().unwrap()));
        assert_eq!(kind(e, NOW), Some(K::NodeAuthSigSignatureConversionError));
        let mut e = entry(&p);
        let mixed = e["sig"].as_str().unwrap().replacen('a', "A", 1);
        if mixed.bytes().any(|b| b.is_ascii_lowercase())
            && mixed.bytes().any(|b| b.is_ascii_uppercase())
        {
            e["sig"] = json!(mixed);
            assert_eq!(kind(e, NOW), Some(K::NodeAuthSigSignatureConversionError));
        }
        let mut e = entry(&p);
        e["address"] = json!("zz");
        assert_eq!(kind(e, NOW), Some(K::NodeAuthSigAddressConversionError));
        let mut e = entry(&p);
        e["address"] = json!("00".repeat(31));
        assert_eq!(kind(e, NOW), Some(K::NodeAuthSigAddressConversionError));
        // A 0x prefix on the key is fine for the nodes.
        let mut e = entry(&p);
        e["address"] = json!(format!("0x{}", session_hex()));
        assert_ne!(kind(e, NOW), Some(K::NodeAuthSigAddressConversionError));
        // Some 32-byte strings are not curve points.
        let bad_point = (0u8..=255)
            .map(|b| {
                let mut k = [0u8; 32];
                k[0] = b;
                k[31] = 0x7f;
                k
            })
            .find(|k| VerifyingKey::from_bytes(k).is_err())
            .unwrap();
        let mut e = entry(&p);
        e["address"] = json!(hex::encode(bad_point));
        assert_eq!(kind(e, NOW), Some(K::NodeAuthSigSessionKeyConversionError));
    }

    #[test]
    fn entry_shape() {
        assert_eq!(kind(json!("x"), NOW), Some(K::NodeInvalidAuthSig));
        let mut e = entry(&standard_payload());
        e.as_object_mut().unwrap().remove("sig");
        let err = one(e, NOW).unwrap();
        assert_eq!(err.kind, K::NodeInvalidAuthSig);
        assert!(err.message.contains("has no `sig`"), "{}", err.message);
        let mut e = entry(&standard_payload());
        e["algo"] = json!(null);
        assert_eq!(kind(e, NOW), Some(K::NodeInvalidAuthSig));
        let mut e = entry(&standard_payload());
        e["signedMessage"] = json!(5);
        assert_eq!(kind(e, NOW), Some(K::NodeInvalidAuthSig));
    }

    #[test]
    fn step2_payload() {
        assert_eq!(
            kind(entry("not json"), NOW),
            Some(K::NodeAuthSigSignedMessageConversionError)
        );
        let p: Value = serde_json::from_str(&standard_payload()).unwrap();
        let mut missing = p.clone();
        missing.as_object_mut().unwrap().remove("nodeAddress");
        let err = one(entry(&missing.to_string()), NOW).unwrap();
        assert_eq!(err.kind, K::NodeAuthSigSignedMessageConversionError);
        assert!(err.message.contains("nodeAddress"), "{}", err.message);
        let mut bad_cap = p.clone();
        bad_cap["capabilities"][0]["sig"] = json!(1);
        assert_eq!(
            kind(entry(&bad_cap.to_string()), NOW),
            Some(K::NodeAuthSigSignedMessageConversionError)
        );
        let mut price = p.clone();
        price["maxPrice"] = json!("12");
        assert_eq!(kind(entry(&price.to_string()), NOW), None);
        price["maxPrice"] = json!("0x1g");
        assert_eq!(
            kind(entry(&price.to_string()), NOW),
            Some(K::NodeAuthSigSignedMessageConversionError)
        );
        assert!(valid_max_price(&"9".repeat(77)));
        assert!(!valid_max_price(&"9".repeat(78)));
        assert!(valid_max_price(&format!("0x{}", "f".repeat(64))));
    }

    fn with_times(iat: &str, exp: &str) -> Value {
        entry(&payload(
            vec![request("lit-pkp", "*", "pkp-signing")],
            vec![pkp_authsig()],
            iat,
            exp,
            NODE,
        ))
    }

    #[test]
    fn step3_no_requests() {
        let e = entry(&payload(vec![], vec![pkp_authsig()], IAT, EXP, NODE));
        assert_eq!(kind(e, NOW), Some(K::NodeResourceIdNotFound));
    }

    #[test]
    fn step4_time_rules_and_boundaries() {
        // issuedAt at most 60 s ahead, in whole seconds.
        assert_eq!(kind(with_times("2024-09-19T14:01:00.999Z", EXP), NOW), None);
        assert_eq!(
            kind(with_times("2024-09-19T14:01:01Z", EXP), NOW),
            Some(K::NodeIatOutsideGracePeriod)
        );
        // expiration before issuedAt, at full precision.
        assert_eq!(
            kind(
                with_times("2024-09-19T13:50:00.001Z", "2024-09-19T13:50:00Z"),
                NOW
            ),
            Some(K::NodeExpWrongOrTooLarge)
        );
        assert_eq!(
            kind(
                with_times("2024-09-19T13:59:00Z", "2024-09-19T13:59:00Z"),
                NOW
            ),
            None
        );
        // expiration at most 60 s in the past, in whole seconds.
        assert_eq!(
            kind(
                with_times("2024-09-19T13:00:00Z", "2024-09-19T13:59:00Z"),
                NOW
            ),
            None
        );
        assert_eq!(
            kind(
                with_times("2024-09-19T13:00:00Z", "2024-09-19T13:58:59.999Z"),
                NOW
            ),
            Some(K::NodeExpWrongOrTooLarge)
        );
        // at most 30 days.
        let e = one(
            with_times("2024-09-19T13:30:00Z", "2024-10-19T13:30:00Z"),
            NOW,
        );
        assert_eq!(e.map(|e| e.kind), None);
        let e = one(
            with_times("2024-09-19T13:30:00Z", "2024-10-19T13:30:01Z"),
            NOW,
        )
        .unwrap();
        assert_eq!(e.kind, K::NodeSIWEMessageError);
        assert!(e.message.contains("30d1s"), "{}", e.message);
        // Unparsable.
        assert_eq!(
            kind(with_times("yesterday", EXP), NOW),
            Some(K::NodeParserError)
        );
        assert_eq!(
            kind(with_times(IAT, "2024-02-30T00:00:00Z"), NOW),
            Some(K::NodeParserError)
        );
    }

    #[test]
    fn step5_node_address() {
        let p = |node: &str| {
            entry(&payload(
                vec![request("lit-pkp", "*", "pkp-signing")],
                vec![pkp_authsig()],
                IAT,
                EXP,
                node,
            ))
        };
        let opts = |node: &str| VerifyOptions {
            now: ts(NOW),
            node: Some(node.to_string()),
            ..Default::default()
        };
        let check = |e: Value, node: &str| {
            verify_text(&json!({ NODE: e }).to_string(), &opts(node))
                .unwrap()
                .remove(0)
                .error
                .map(|e| e.kind)
        };
        assert_eq!(check(p(NODE), "15.235.83.220:7470"), None);
        assert_eq!(
            check(p(NODE), "https://15.235.83.220:7471"),
            Some(K::NodeNotAuthorized)
        );
        assert_eq!(
            check(p(" http://localhost:7470 "), "http://127.0.0.1:7470"),
            None
        );
        assert_eq!(
            check(p("http://localhost:7470"), "http://localhost:7470"),
            None
        );
        assert_eq!(prepare_domain_name(" https://https://a:1"), "a:1");
        assert_eq!(node_identity("http://localhost:7470/"), "127.0.0.1:7470");
    }

    #[test]
    fn step6_capabilities() {
        let uri = siwe::session_key_uri(&session_hex());
        let req = || vec![request("lit-pkp", "*", "pkp-signing")];
        let go = |caps: Vec<Value>, reqs: Vec<Value>| {
            one(entry(&payload(reqs, caps, IAT, EXP, NODE)), NOW)
        };

        let e = go(vec![], req()).unwrap();
        assert_eq!(e.kind, K::NodeResourceIdNotFound);
        assert_eq!(
            e.inner,
            Some((
                K::NodeSIWECapabilityInvalid,
                "Empty capabilities array.".into()
            ))
        );

        // Not covered: the reason names the request and the gap.
        let actions = authsig(
            &uri,
            &[(ResourcePrefix::LitAction, "*", Ability::LitActionExecution)],
            EXP,
        );
        let e = go(vec![actions.clone()], req()).unwrap();
        assert_eq!(e.kind, K::NodeResourceIdNotFound);
        assert_eq!(
            e.inner,
            Some((
                K::NodeSIWECapabilityInvalid,
                "Could not find valid capability.".into()
            ))
        );
        assert!(
            e.message.contains("`pkp-signing` on `lit-pkp://*`"),
            "{}",
            e.message
        );
        assert!(
            e.message
                .contains("no recap grants anything on `lit-pkp://*`"),
            "{}",
            e.message
        );

        // The first valid capability wins, in order.
        assert_eq!(go(vec![actions, pkp_authsig()], req()), None);

        // Signed for another session key.
        let other = authsig(
            &siwe::session_key_uri(&"ab".repeat(32)),
            &[(ResourcePrefix::Pkp, "*", Ability::PkpSigning)],
            EXP,
        );
        let e = go(vec![other], req()).unwrap();
        assert_eq!(e.capabilities[0].kind, K::NodeSIWEMessageError);
        assert!(
            e.capabilities[0]
                .message
                .contains("not for this session key"),
            "{}",
            e.message
        );

        // Tampered SIWE.
        let mut tampered = pkp_authsig();
        let m = tampered["signedMessage"]
            .as_str()
            .unwrap()
            .replace("Chain ID: 1", "Chain ID: 2");
        tampered["signedMessage"] = json!(m);
        let e = go(vec![tampered], req()).unwrap();
        assert!(
            e.capabilities[0].message.contains("signature was made by"),
            "{}",
            e.message
        );

        // Statement that does not end with the recap's sentence.
        let mut wrong = pkp_authsig();
        let m = wrong["signedMessage"]
            .as_str()
            .unwrap()
            .replace("'Signing'", "'Signing' ");
        let key = WalletKey::from_hex(WALLET).unwrap();
        wrong["sig"] = json!(key.sign_personal(m.as_bytes()).to_hex());
        wrong["signedMessage"] = json!(m);
        let e = go(vec![wrong], req()).unwrap();
        assert_eq!(e.capabilities[0].kind, K::NodeSIWECapabilityInvalid);

        // A session signature cannot be a capability.
        let mut nested = entry("{}");
        nested["signedMessage"] = json!("x");
        let e = go(vec![nested], req()).unwrap();
        assert_eq!(e.capabilities[0].kind, K::NodeSIWEMessageError);

        // A PKP (BLS) AuthSig that would cover: not verifiable here.
        let mut bls = pkp_authsig();
        bls["derivedVia"] = json!("lit.bls");
        bls["algo"] = json!("LIT_BLS");
        bls["sig"] = json!("{\"ProofOfPossession\":\"00\"}");
        assert_eq!(
            go(vec![bls.clone()], req()).map(|e| e.kind),
            Some(K::BlsNoNetworkKey)
        );
        assert_eq!(go(vec![bls, pkp_authsig()], req()), None);

        // Requests no operation can be judged from are notes, not refusals (the nodes never
        // read an entry's ability); a count of failing requests.
        let reqs = vec![
            request("lit-pkp", "*", "pkp-signing"),
            request("lit-bogus", "*", "pkp-signing"),
            request("lit-litaction", "*", "lit-action-execution"),
            request("lit-pkp", "*", "lit-action-execution"),
            request(
                "lit-accesscontrolcondition",
                "*",
                "access-control-condition-signing",
            ),
        ];
        let v = run(
            json!({ NODE: entry(&payload(reqs, vec![pkp_authsig()], IAT, EXP, NODE)) }),
            NOW,
        );
        let e = v[0].error.clone().unwrap();
        assert_eq!(e.kind, K::NodeResourceIdNotFound);
        assert_eq!(e.failing_requests, 2);
        assert!(
            e.message.ends_with("(1 more request fails)"),
            "{}",
            e.message
        );
        let notes: Vec<(usize, NoteKind)> = v[0]
            .notes
            .iter()
            .map(|n| (n.request.index, n.kind))
            .collect();
        assert_eq!(
            notes,
            vec![(1, NoteKind::NotJudged), (3, NoteKind::NotJudged)]
        );
    }

    #[test]
    fn input_errors() {
        let e = SessionSigsFile::parse("{\n \"a\": {} \"b\"").unwrap_err();
        assert_eq!((e.line, e.column), (2, 10));
        assert!(
            e.message
                .starts_with("the SessionSigs file is not valid JSON"),
            "{}",
            e.message
        );
        let e = SessionSigsFile::parse("[1]").unwrap_err();
        assert!(
            e.message.contains("not a map of node URLs"),
            "{}",
            e.message
        );
        assert!(SessionSigsFile::parse("{} x").is_err());
        assert!(SessionSigsFile::parse("{}").unwrap().is_empty());
    }

    #[test]
    fn sdk_validator_edge_cases() {
        let now = ts(NOW);
        let v = |sigs: Value| sdk_validate_session_sigs(&sigs, now);
        assert!(v(json!(null)).is_err());
        let r = v(json!({"n": {"signedMessage": "{\"capabilities\": [], \"expiration\": 1}"}}))
            .unwrap();
        assert_eq!(
            r.errors,
            vec!["Session Sig 'n': No capabilities found in main signedMessage., Expired main signedMessage. Expiration Time: 1970-01-01T00:00:00.001Z"]
        );
        let r = v(json!({"n": {"signedMessage": "{\"capabilities\": [{\"signedMessage\": \"a\\nExpiration Time: soon\"}], \"expiration\": \"2030-01-01\"}"}})).unwrap();
        assert_eq!(
            r.errors,
            vec!["Session Sig 'n': Invalid Expiration Time format in capability 0: soon"]
        );
        let r = v(json!({"n": {}})).unwrap();
        assert_eq!(
            r.errors,
            vec!["Session Sig 'n': Main signedMessage is not valid JSON."]
        );
        assert!(v(json!({"n": {"signedMessage": "{\"capabilities\": {\"a\": 1}}"}})).is_err());
        assert!(v(json!({"n": {"signedMessage": "{\"capabilities\": [1]}"}})).is_err());
        assert_eq!(
            js_date_parse("2024-09-20").unwrap().to_iso_string(),
            "2024-09-20T00:00:00.000Z"
        );
        assert!(js_date_parse("Wed Oct 05 2011").is_none());
        let p = parse_signed_message("a: 1\nExpiration Time:  x \ncontinued\nb: 2");
        assert_eq!(
            p.get("Expiration Time").map(String::as_str),
            Some("x \ncontinued")
        );
    }

    /// Truncated and byte-mutated inputs never panic (they are errors or verdicts).
    #[test]
    fn no_panic_on_damaged_input() {
        let text = json!({ NODE: entry(&standard_payload()) }).to_string();
        let opts = VerifyOptions {
            now: ts(NOW),
            node: None,
            ..Default::default()
        };
        for cut in (0..text.len()).step_by(13) {
            if let Some(t) = text.get(..cut) {
                let _ = verify_text(t, &opts);
            }
        }
        let bytes = text.as_bytes();
        for (i, repl) in (0..bytes.len())
            .step_by(7)
            .zip([b'"', b'\\', b'0', b'}', b'x', 0xC3].iter().cycle())
        {
            let mut b = bytes.to_vec();
            b[i] = *repl;
            if let Ok(t) = String::from_utf8(b) {
                let _ = verify_text(&t, &opts);
            }
        }
        // Mutations inside the signed payload, re-signed so they reach the later steps.
        let p = standard_payload();
        for (i, c) in (0..p.len()).step_by(11).zip("\"\\0:,}]x ".chars().cycle()) {
            let mut q = p.clone();
            if q.is_char_boundary(i) && q.is_char_boundary(i + 1) {
                q.replace_range(i..i + 1, &c.to_string());
                let _ = run(json!({ NODE: entry(&q) }), NOW);
            }
        }
        let v = json!({"a": {"signedMessage": "{\"capabilities\": [{\"signedMessage\": \"\\u2028Expiration Time:\"}]}"}});
        let _ = sdk_validate_session_sigs(&v, ts(NOW));
    }

    /// Throughput against the bare cryptography (run with `--release -- --ignored`).
    #[test]
    #[ignore]
    fn throughput_within_budget_of_bare_crypto() {
        let v: Value = serde_json::from_str(include_str!(
            "../../../tests/vectors/lit/23-sessionsigs-3-nodes-docs-callback.json"
        ))
        .unwrap();
        let sigs = &v["expected"]["sessionSigs"];
        let text = sigs.to_string();
        let opts = VerifyOptions {
            now: ts(NOW),
            node: None,
            ..Default::default()
        };
        let entries: Vec<(String, String, String)> = sigs
            .as_object()
            .unwrap()
            .values()
            .map(|e| {
                let s = |k: &str| e[k].as_str().unwrap().to_string();
                (s("sig"), s("signedMessage"), s("address"))
            })
            .collect();
        let inner: Value = serde_json::from_str(&entries[0].1).unwrap();
        let cap_message = inner["capabilities"][0]["signedMessage"]
            .as_str()
            .unwrap()
            .to_string();
        let cap_sig =
            Signature::parse_hex(inner["capabilities"][0]["sig"].as_str().unwrap()).unwrap();
        // One recovery and three verifications, the session key decoded once (the stricter
        // baseline: verifying three signatures by one key needs one decoding).
        let bare = || {
            let digest = crate::eth::eip191_hash(cap_message.as_bytes());
            std::hint::black_box(cap_sig.recover(&digest).unwrap());
            let mut kb = [0u8; 32];
            hex::decode_to_slice(&entries[0].2, &mut kb).unwrap();
            let key = VerifyingKey::from_bytes(&kb).unwrap();
            for (s, m, _) in &entries {
                let sig = ed25519_dalek::Signature::from_str(s).unwrap();
                key.verify_strict(m.as_bytes(), &sig).unwrap();
            }
        };
        let ours = || {
            let out = verify_text(&text, &opts).unwrap();
            assert!(out.iter().all(NodeVerdict::valid));
        };
        let time = |f: &dyn Fn()| {
            let t = std::time::Instant::now();
            for _ in 0..500 {
                f();
            }
            t.elapsed().as_secs_f64()
        };
        let mut ratios: Vec<f64> = (0..7).map(|_| time(&ours) / time(&bare)).collect();
        ratios.sort_by(f64::total_cmp);
        let median = ratios[ratios.len() / 2];
        eprintln!("verify / bare crypto: median {median:.3} of {ratios:?}");
        if !cfg!(debug_assertions) {
            assert!(median <= 1.2, "median ratio {median:.3}");
        }
    }

    /// Odd-length hex, as the node reads it (lit-core `hex_to_bytes` left-pads with a `0`, in
    /// lit-peer and in the Datil node): a 63-digit `address` of a key whose first digit is `0`
    /// (with the same 63 digits in the capability's URI, which the node compares as written),
    /// and a capability `sig` with its leading `0` dropped. Both valid for the node; litcap
    /// used to say `NodeAuthSigAddressConversionError` / `NodeSIWESigConversionError`.
    #[test]
    fn odd_length_hex_is_left_padded_as_the_node_does() {
        // A session key whose public key starts with a `0` digit.
        let key = (0u8..=255)
            .map(|i| SigningKey::from_bytes(&[i; 32]))
            .find(|k| hex::encode(k.verifying_key().to_bytes()).starts_with('0'))
            .unwrap();
        let short = hex::encode(key.verifying_key().to_bytes())[1..].to_string();
        assert_eq!(short.len(), 63);
        let cap = authsig(
            &siwe::session_key_uri(&short),
            &[(ResourcePrefix::Pkp, "*", Ability::PkpSigning)],
            EXP,
        );
        let message = json!({
            "sessionKey": short,
            "resourceAbilityRequests": [request("lit-pkp", "*", "pkp-signing")],
            "capabilities": [cap],
            "issuedAt": IAT,
            "expiration": EXP,
            "nodeAddress": NODE,
        })
        .to_string();
        let e = json!({
            "sig": hex::encode(key.sign(message.as_bytes()).to_bytes()),
            "derivedVia": "litSessionSignViaNacl",
            "signedMessage": message,
            "address": short,
            "algo": "ed25519",
        });
        assert_eq!(one(e, NOW), None);

        // A wallet signature whose hex starts with `0`, written without it (129 digits).
        let uri = siwe::session_key_uri(&session_hex());
        let cap = (0..64)
            .map(|i| {
                authsig(
                    &uri,
                    &[
                        (ResourcePrefix::Pkp, &format!("{i:x}"), Ability::PkpSigning),
                        (ResourcePrefix::Pkp, "*", Ability::PkpSigning),
                    ],
                    EXP,
                )
            })
            .find(|c| c["sig"].as_str().unwrap().starts_with("0x0"))
            .unwrap();
        let mut odd = cap.clone();
        odd["sig"] = json!(format!("0x{}", &cap["sig"].as_str().unwrap()[3..]));
        assert_eq!(odd["sig"].as_str().unwrap().len(), 2 + 129);
        let e = entry(&payload(
            vec![request("lit-pkp", "*", "pkp-signing")],
            vec![odd],
            IAT,
            EXP,
            NODE,
        ));
        assert_eq!(one(e, NOW), None);
    }

    /// The payload's times as the nodes' chrono 0.4.38 `parse_from_rfc3339` reads them (a
    /// space separator, a U+2212 minus in the offset, a leap second); litcap used to say
    /// `NodeParserError`. Something chrono refuses is still `NodeParserError`. (The 30-day rule
    /// is `NodeSIWEMessageError`: `step4_time_rules_and_boundaries`.)
    #[test]
    fn payload_times_are_parsed_as_the_nodes_chrono_does() {
        let go = |iat: &str, exp: &str| {
            kind(
                entry(&payload(
                    vec![request("lit-pkp", "*", "pkp-signing")],
                    vec![pkp_authsig()],
                    iat,
                    exp,
                    NODE,
                )),
                NOW,
            )
        };
        assert_eq!(go("2024-09-19 13:07:33.606Z", EXP), None);
        assert_eq!(go(IAT, "2024-09-20T14:07:33.606\u{2212}01:00"), None);
        assert_eq!(go("2024-09-19T13:59:60Z", EXP), None);
        assert_eq!(go("2024-09-19T13:07:33", EXP), Some(K::NodeParserError));
        assert_eq!(go(IAT, "2024-09-20 13:07:33.606"), Some(K::NodeParserError));
    }

    /// With operations (`--request`), the node's order per operation: the operation's
    /// resource must be listed (step 3) before time (4) and node (5) are looked at, then a
    /// capability must cover the operation's own resource and ability (6).
    #[test]
    fn operations_are_judged_in_the_nodes_order() {
        let ops = |list: &[&str]| -> Vec<Operation> {
            list.iter().map(|o| Operation::parse(o).unwrap()).collect()
        };
        let verdicts = |e: Value, now: &str, list: &[&str]| {
            verify_text(
                &json!({ NODE: e }).to_string(),
                &VerifyOptions {
                    now: ts(now),
                    node: None,
                    operations: ops(list),
                    ..Default::default()
                },
            )
            .unwrap()
            .remove(0)
        };
        let kinds = |v: &NodeVerdict| -> Vec<Option<NodeErrorKind>> {
            v.operations
                .iter()
                .map(|o| o.error.as_ref().map(|e| e.kind))
                .collect()
        };
        let listed = "pkp-signing on lit-pkp://0xab";
        let unlisted = "lit-action-execution on lit-litaction://QmX";
        // Valid now: the listed one passes, the unlisted one is not found.
        let v = verdicts(entry(&standard_payload()), NOW, &[listed, unlisted]);
        assert_eq!(kinds(&v), vec![None, Some(K::NodeResourceIdNotFound)]);
        assert_eq!(
            v.error.as_ref().map(|e| e.kind),
            Some(K::NodeResourceIdNotFound)
        );
        // Expired: the unlisted operation still fails at step 3, the listed one at step 4.
        let v = verdicts(
            entry(&standard_payload()),
            "2024-09-25T00:00:00Z",
            &[listed, unlisted],
        );
        assert_eq!(
            kinds(&v),
            vec![
                Some(K::NodeExpWrongOrTooLarge),
                Some(K::NodeResourceIdNotFound)
            ]
        );
        // A listed resource, but the ability is not granted: step 6.
        let decrypt = authsig(
            &siwe::session_key_uri(&session_hex()),
            &[(
                ResourcePrefix::AccessControlCondition,
                "*",
                Ability::AccessControlConditionDecryption,
            )],
            EXP,
        );
        let e = entry(&payload(
            vec![request(
                "lit-accesscontrolcondition",
                "*",
                "access-control-condition-decryption",
            )],
            vec![decrypt],
            IAT,
            EXP,
            NODE,
        ));
        let v = verdicts(
            e,
            NOW,
            &[
                "access-control-condition-decryption on lit-accesscontrolcondition://h/d",
                "access-control-condition-signing on lit-accesscontrolcondition://h/d",
            ],
        );
        assert_eq!(kinds(&v), vec![None, Some(K::NodeResourceIdNotFound)]);
        let inner = v.operations[1].error.as_ref().unwrap().inner.clone();
        assert_eq!(inner.map(|i| i.0), Some(K::NodeSIWECapabilityInvalid));
        // A damaged entry fails every operation with the same error.
        let mut bad = entry(&standard_payload());
        bad["sig"] = json!("00");
        let v = verdicts(bad, NOW, &[listed, unlisted]);
        assert_eq!(
            kinds(&v),
            vec![Some(K::NodeAuthSigSignatureConversionError); 2]
        );
    }
}
