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
//! A static check has no concrete operation, so every entry of `resourceAbilityRequests` is
//! checked as one. Everything that does not depend on the node or the operation (the session
//! key, each distinct capability's SIWE parse, signer recovery and recap decoding) is done
//! once per bundle.
//!
//! [`sdk_validate_session_sigs`] is `validateSessionSigs` of `@lit-protocol/misc` 7.4.0.

use crate::authsig::{self, AuthSigKind};
use crate::coverage::{self, Gap, Request, Verdict};
use crate::diag::{Code, Diagnostic};
use crate::eth::Signature;
use crate::fit::time::{node_issued_at, node_session_time, SessionTimeFault};
use crate::fit::{self, Audience, Finding};
use crate::lit::{Ability, Resource, ResourcePrefix};
use crate::model::{Policy, Session};
use crate::recap::Recap;
use crate::siwe::{Flavor, SiweMessage, SiweVerifyError};
use crate::time::{Timestamp, Ttl};
use ed25519_dalek::VerifyingKey;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{json, Value};
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

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
    pub error: Option<NodeError>,
}

impl NodeVerdict {
    pub fn valid(&self) -> bool {
        self.error.is_none()
    }

    /// `{node, valid, error: {kind, message, help, ...} | null, checkedAs}`.
    pub fn to_json(&self) -> Value {
        json!({
            "node": self.node,
            "valid": self.valid(),
            "error": self.error.as_ref().map(NodeError::to_json),
            "checkedAs": self.checked_as,
        })
    }
}

// ------------------------------------------------------------------------ input ---

/// A JSON value where a string is expected: the string, or the kind of value found instead.
#[derive(Debug)]
enum Str<'a> {
    Text(Cow<'a, str>),
    Other(&'static str),
}

impl Str<'_> {
    fn text(&self) -> Option<&str> {
        match self {
            Str::Text(t) => Some(t),
            Str::Other(_) => None,
        }
    }
}

struct StrVisitor;

impl<'de> Visitor<'de> for StrVisitor {
    type Value = Str<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Str<'de>, E> {
        Ok(Str::Text(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Str<'de>, E> {
        Ok(Str::Text(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Str<'de>, E> {
        Ok(Str::Text(Cow::Owned(v)))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Str<'de>, E> {
        Ok(Str::Other("a boolean"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Str<'de>, E> {
        Ok(Str::Other("a number"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Str<'de>, E> {
        Ok(Str::Other("a number"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Str<'de>, E> {
        Ok(Str::Other("a number"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Str<'de>, E> {
        Ok(Str::Other("null"))
    }
    fn visit_none<E: de::Error>(self) -> Result<Str<'de>, E> {
        Ok(Str::Other("null"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Str<'de>, A::Error> {
        while a.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Str::Other("an array"))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Str<'de>, A::Error> {
        while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Str::Other("an object"))
    }
}

impl<'de> Deserialize<'de> for Str<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrVisitor)
    }
}

/// One entry of the map, read leniently so a malformed entry is that node's error only.
#[derive(Debug, Default)]
struct RawEntry<'a> {
    /// What the entry is when it is not an object.
    not_object: Option<&'static str>,
    sig: Option<Str<'a>>,
    derived_via: Option<Str<'a>>,
    signed_message: Option<Str<'a>>,
    address: Option<Str<'a>>,
    algo: Option<Str<'a>>,
}

struct EntryVisitor;

impl<'de> Visitor<'de> for EntryVisitor {
    type Value = RawEntry<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a session signature object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<RawEntry<'de>, A::Error> {
        let mut e = RawEntry::default();
        while let Some(key) = a.next_key::<Cow<'de, str>>()? {
            let slot = match key.as_ref() {
                "sig" => &mut e.sig,
                "derivedVia" => &mut e.derived_via,
                "signedMessage" => &mut e.signed_message,
                "address" => &mut e.address,
                "algo" => &mut e.algo,
                _ => {
                    a.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *slot = Some(a.next_value::<Str<'de>>()?);
        }
        Ok(e)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<RawEntry<'de>, A::Error> {
        while a.next_element::<IgnoredAny>()?.is_some() {}
        Ok(RawEntry {
            not_object: Some("an array"),
            ..Default::default()
        })
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<RawEntry<'de>, E> {
        Ok(RawEntry {
            not_object: Some("a string"),
            ..Default::default()
        })
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<RawEntry<'de>, E> {
        Ok(RawEntry {
            not_object: Some("a boolean"),
            ..Default::default()
        })
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<RawEntry<'de>, E> {
        Ok(RawEntry {
            not_object: Some("a number"),
            ..Default::default()
        })
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<RawEntry<'de>, E> {
        self.visit_i64(0)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<RawEntry<'de>, E> {
        self.visit_i64(0)
    }
    fn visit_unit<E: de::Error>(self) -> Result<RawEntry<'de>, E> {
        Ok(RawEntry {
            not_object: Some("null"),
            ..Default::default()
        })
    }
}

impl<'de> Deserialize<'de> for RawEntry<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(EntryVisitor)
    }
}

struct MapVisitor;

impl<'de> Visitor<'de> for MapVisitor {
    type Value = Vec<(Cow<'de, str>, RawEntry<'de>)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a SessionSigs object `{\"<node url>\": {sig, derivedVia, signedMessage, address, algo}}`")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::with_capacity(a.size_hint().unwrap_or(4));
        while let Some((k, v)) = a.next_entry::<Cow<'de, str>, RawEntry<'de>>()? {
            out.push((k, v));
        }
        Ok(out)
    }
}

/// A SessionSigs JSON text, read but not yet checked.
#[derive(Debug)]
pub struct SessionSigsFile<'a> {
    entries: Vec<(Cow<'a, str>, RawEntry<'a>)>,
}

/// Why a SessionSigs text could not be read at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} (line {line}, column {column})")]
pub struct InputError {
    /// Lowercase, without the position.
    pub message: String,
    pub line: usize,
    pub column: usize,
    /// Byte offset in the text.
    pub offset: usize,
}

impl<'a> SessionSigsFile<'a> {
    /// Reads the map. Only JSON syntax errors and a top level that is not an object fail the
    /// whole text; a malformed entry is reported as that node's error.
    pub fn parse(text: &'a str) -> Result<SessionSigsFile<'a>, InputError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let entries = de
            .deserialize_map(MapVisitor)
            .and_then(|v| de.end().map(|_| v))
            .map_err(|e| {
                let full = e.to_string();
                let reason = full.rfind(" at line ").map_or(full.as_str(), |i| &full[..i]);
                let message = match e.classify() {
                    serde_json::error::Category::Eof => {
                        format!("the SessionSigs file is not valid JSON: it ends early ({reason})")
                    }
                    serde_json::error::Category::Data => format!(
                        "the SessionSigs file is not a map of node URLs to session signatures: {reason}"
                    ),
                    _ => format!("the SessionSigs file is not valid JSON: {reason}"),
                };
                InputError {
                    message,
                    line: e.line(),
                    column: e.column(),
                    offset: authsig::json_error_offset(text, e.line(), e.column()),
                }
            })?;
        Ok(SessionSigsFile { entries })
    }

    /// The node URLs, in order.
    pub fn nodes(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_ref())
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

// ---------------------------------------------------------------- the payload ---

/// `SessionKeySignedMessageV2` of the nodes: every field required but `maxPrice` (the SDK v7
/// does not send it), unknown fields ignored.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload<'a> {
    /// Required, but the nodes verify with the entry's `address`, not with this.
    #[serde(borrow)]
    #[allow(dead_code)]
    session_key: Cow<'a, str>,
    #[serde(borrow)]
    resource_ability_requests: Vec<PayloadRequest<'a>>,
    #[serde(borrow)]
    capabilities: Vec<PayloadAuthSig<'a>>,
    #[serde(borrow)]
    issued_at: Cow<'a, str>,
    #[serde(borrow)]
    expiration: Cow<'a, str>,
    #[serde(borrow)]
    node_address: Cow<'a, str>,
    #[serde(default, borrow)]
    max_price: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct PayloadRequest<'a> {
    #[serde(borrow)]
    resource: PayloadResource<'a>,
    #[serde(borrow)]
    ability: Cow<'a, str>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PayloadResource<'a> {
    #[serde(borrow)]
    resource: Cow<'a, str>,
    #[serde(borrow)]
    resource_prefix: Cow<'a, str>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PayloadAuthSig<'a> {
    #[serde(borrow)]
    sig: Cow<'a, str>,
    #[serde(borrow)]
    derived_via: Cow<'a, str>,
    #[serde(borrow)]
    signed_message: Cow<'a, str>,
    #[serde(borrow)]
    address: Cow<'a, str>,
    #[serde(default, borrow)]
    algo: Option<Cow<'a, str>>,
}

/// `maxPrice` as the nodes read it: decimal, or `0x` hex, of a 256-bit unsigned integer.
fn valid_max_price(s: &str) -> bool {
    match s.strip_prefix("0x") {
        Some(h) => !h.is_empty() && h.len() <= 64 && h.bytes().all(|b| b.is_ascii_hexdigit()),
        None => {
            const MAX: &str =
                "115792089237316195423570985008687907853269984665640564039457584007913129639935";
            let digits = s.trim_start_matches('0');
            !s.is_empty()
                && s.bytes().all(|b| b.is_ascii_digit())
                && (digits.len() < MAX.len() || (digits.len() == MAX.len() && digits <= MAX))
        }
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

/// The `host:port` a node compares `nodeAddress` with, from a node URL.
pub fn node_identity(url: &str) -> String {
    let prepared = prepare_domain_name(url);
    prepared.trim_end_matches('/').to_string()
}

// --------------------------------------------------------------- per-bundle work ---

/// The request-independent result of one capability for one session key.
enum CapEval {
    /// Rejected before any coverage check.
    Fail(NodeErrorKind, String),
    /// Valid (or, for BLS, valid up to the signature): these recaps decide coverage.
    Ready {
        recaps: Vec<Recap>,
        bls: bool,
        signer: String,
    },
}

struct CapCacheEntry<'p> {
    sig: &'p str,
    signed_message: &'p str,
    derived_via: &'p str,
    algo: Option<&'p str>,
    session: &'p str,
    eval: CapEval,
}

/// The hex a node's `hex_to_bytes` accepts: an optional `0x`, then pairs of hex digits.
fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    hex::decode(s.strip_prefix("0x").unwrap_or(s)).ok()
}

fn short(s: &str) -> String {
    if s.chars().count() <= 42 {
        s.to_string()
    } else {
        let head: String = s.chars().take(10).collect();
        let tail: String = s
            .chars()
            .rev()
            .take(6)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("{head}…{tail}")
    }
}

/// Everything the nodes check about one capability that does not depend on the request.
fn evaluate_capability(cap: &PayloadAuthSig<'_>, session: &str, now: Timestamp) -> CapEval {
    let kind = authsig::kind_of(&cap.derived_via, cap.algo.as_deref());
    let bls = match kind {
        AuthSigKind::Wallet => false,
        AuthSigKind::BlsNetwork => true,
        other => {
            return CapEval::Fail(
                NodeErrorKind::NodeSIWEMessageError,
                format!(
                    "it is a {} signature (`derivedVia` `{}`); only wallet and PKP (BLS) AuthSigs can be session capabilities",
                    other.as_str(),
                    cap.derived_via
                ),
            )
        }
    };
    let m = match SiweMessage::parse_with_spans(&cap.signed_message, Flavor::Node) {
        Ok((m, _)) => m,
        Err(e) => {
            return CapEval::Fail(
                NodeErrorKind::NodeSIWECapabilityInvalid,
                format!("its SIWE message does not parse: {e}"),
            )
        }
    };
    let mut signer = m.address.clone();
    let profile = &crate::profile::DATIL;
    if bls {
        if let Err(e) = (profile.node.siwe_time)(&m, now) {
            return CapEval::Fail(NodeErrorKind::NodeSIWEMessageError, e.to_string());
        }
    } else {
        let Some(bytes) = hex_bytes(&cap.sig) else {
            return CapEval::Fail(
                NodeErrorKind::NodeSIWESigConversionError,
                format!("its `sig` `{}` is not hex", short(&cap.sig)),
            );
        };
        if let Err(e) = (profile.node.siwe_time)(&m, now) {
            return CapEval::Fail(NodeErrorKind::NodeSIWEMessageError, e.to_string());
        }
        let Ok(raw) = <[u8; 65]>::try_from(bytes.as_slice()) else {
            return CapEval::Fail(
                NodeErrorKind::NodeSIWEMessageError,
                format!(
                    "its signature is {} bytes; an EIP-191 signature is 65",
                    bytes.len()
                ),
            );
        };
        // siwe-rs: `RecoveryId::try_from(v % 27)`; ids 2 and 3 never recover a key here.
        let mut sig = Signature(raw);
        sig.0[64] = raw[64] % 27;
        match m.check_signature(&sig, Flavor::Node) {
            Ok(a) => signer = a.to_checksum(),
            Err(SiweVerifyError::SignatureMismatch { recovered, address }) => {
                return CapEval::Fail(
                    NodeErrorKind::NodeSIWEMessageError,
                    match recovered {
                        Some(r) => format!(
                            "its signature was made by `{r}`, not by the SIWE address `{address}`"
                        ),
                        None => "its signature does not recover to any address".to_string(),
                    },
                )
            }
            Err(e) => return CapEval::Fail(NodeErrorKind::NodeSIWEMessageError, e.to_string()),
        }
    }
    if let Some(Finding::UriMismatch { expected, found }) =
        fit::judge_audience(&m, Audience::SessionKey(session), profile)
    {
        return CapEval::Fail(
            NodeErrorKind::NodeSIWEMessageError,
            format!("it is signed for `{found}`, not for this session key `{expected}`"),
        );
    }
    let mut recaps = Vec::new();
    for (index, urn) in m.recap_resources().enumerate() {
        // The nodes skip recaps that do not decode.
        let Ok(d) = Recap::decode(urn) else { continue };
        if let Some(f) = fit::recap_statement(&m, index, &d.recap) {
            if let (Some(kind), Finding::RecapStatementMismatch { sentence, .. }) =
                (f.node_error(), &f)
            {
                return CapEval::Fail(
                    kind,
                    format!("its statement does not end with its recap's sentence `{sentence}`"),
                );
            }
        }
        recaps.push(d.recap);
    }
    CapEval::Ready {
        recaps,
        bls,
        signer,
    }
}

fn gap_reason(gap: &Gap, request: &Request) -> String {
    authsig::describe_gap(gap, request).0
}

/// One request as an operation a node could see: `None` if none can match it.
fn operation(r: &PayloadRequest<'_>) -> Result<Request, String> {
    let prefix = ResourcePrefix::parse(&r.resource.resource_prefix).ok_or_else(|| {
        format!(
            "the resource prefix `{}` is not one the nodes know",
            r.resource.resource_prefix
        )
    })?;
    let ability = Ability::parse(&r.ability)
        .ok_or_else(|| format!("the ability `{}` is not one the nodes know", r.ability))?;
    if !prefix.supports(ability) {
        return Err(format!(
            "`{ability}` cannot be used on `{prefix}` resources"
        ));
    }
    Ok(Request {
        // As written: the nodes do not normalise ids.
        resource: Resource {
            prefix,
            id: r.resource.resource.to_string(),
        },
        ability,
    })
}

/// Verifies a SessionSigs text. `Err` only when the text is not a JSON object.
pub fn verify_text(text: &str, opts: &VerifyOptions) -> Result<Vec<NodeVerdict>, InputError> {
    let file = SessionSigsFile::parse(text)?;
    Ok(verify_file(&file, opts))
}

struct KeyCacheEntry<'a> {
    address: &'a str,
    key: Result<VerifyingKey, (NodeErrorKind, String)>,
}

/// The session key of an entry, as the nodes decode it.
fn session_key(address: &str) -> Result<VerifyingKey, (NodeErrorKind, String)> {
    let bytes = hex_bytes(address).ok_or_else(|| {
        (
            NodeErrorKind::NodeAuthSigAddressConversionError,
            format!("`address` `{}` is not hex", short(address)),
        )
    })?;
    let arr = <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
        (
            NodeErrorKind::NodeAuthSigAddressConversionError,
            format!(
                "`address` `{}` is {} bytes; a session public key is 32 (64 hex digits)",
                short(address),
                bytes.len()
            ),
        )
    })?;
    VerifyingKey::from_bytes(&arr).map_err(|_| {
        (
            NodeErrorKind::NodeAuthSigSessionKeyConversionError,
            format!(
                "`address` `{}` is not an ed25519 public key",
                short(address)
            ),
        )
    })
}

/// Verifies every entry of a read map.
pub fn verify_file(file: &SessionSigsFile<'_>, opts: &VerifyOptions) -> Vec<NodeVerdict> {
    // Step 2 for every entry first, so capability work can be shared across entries.
    let payloads: Vec<Option<Result<Payload<'_>, String>>> = file
        .entries
        .iter()
        .map(|(_, e)| {
            e.signed_message
                .as_ref()
                .and_then(Str::text)
                .map(|m| serde_json::from_str::<Payload<'_>>(m).map_err(|e| e.to_string()))
        })
        .collect();
    let mut caps: Vec<CapCacheEntry<'_>> = Vec::new();
    let mut keys: Vec<KeyCacheEntry<'_>> = Vec::new();
    let mut out = Vec::with_capacity(file.entries.len());
    for ((url, entry), payload) in file.entries.iter().zip(&payloads) {
        let checked_as = node_identity(opts.node.as_deref().unwrap_or(url));
        let error = verify_entry(
            url,
            entry,
            payload.as_ref(),
            &checked_as,
            opts.now,
            &mut keys,
            &mut caps,
        )
        .err();
        out.push(NodeVerdict {
            node: url.to_string(),
            checked_as,
            error,
        });
    }
    out
}

const ENTRY_SHAPE: &str = "each entry is `{sig, derivedVia, signedMessage, address, algo}` as `getSessionSigs` returns it";

#[allow(clippy::too_many_arguments)]
fn verify_entry<'p>(
    url: &str,
    entry: &'p RawEntry<'_>,
    payload: Option<&'p Result<Payload<'p>, String>>,
    checked_as: &str,
    now: Timestamp,
    keys: &mut Vec<KeyCacheEntry<'p>>,
    caps: &mut Vec<CapCacheEntry<'p>>,
) -> Result<(), NodeError> {
    use NodeErrorKind as K;
    if let Some(what) = entry.not_object {
        return Err(NodeError::new(
            K::NodeInvalidAuthSig,
            format!("the entry for `{url}` is {what}, not a session signature object"),
            ENTRY_SHAPE,
        ));
    }
    let field = |name: &str, v: &'p Option<Str<'_>>| -> Result<&'p str, NodeError> {
        match v {
            Some(Str::Text(t)) => Ok(t.as_ref()),
            Some(Str::Other(what)) => Err(NodeError::new(
                K::NodeInvalidAuthSig,
                format!("`{name}` of the entry for `{url}` is {what}, not a string"),
                ENTRY_SHAPE,
            )),
            None => Err(NodeError::new(
                K::NodeInvalidAuthSig,
                format!("the entry for `{url}` has no `{name}`"),
                ENTRY_SHAPE,
            )),
        }
    };
    let sig = field("sig", &entry.sig)?;
    let derived_via = field("derivedVia", &entry.derived_via)?;
    let signed_message = field("signedMessage", &entry.signed_message)?;
    let address = field("address", &entry.address)?;
    let algo = match &entry.algo {
        Some(Str::Text(a)) => Some(a.as_ref()),
        _ => None,
    };
    if authsig::kind_of(derived_via, algo) != AuthSigKind::Session {
        return Err(NodeError::new(
            K::NodeInvalidAuthSig,
            format!(
                "the entry for `{url}` is not a session signature (`derivedVia` `{derived_via}`, `algo` {})",
                algo.map_or("absent".to_string(), |a| format!("`{a}`"))
            ),
            "pass the map `getSessionSigs` returns: its entries have `derivedVia: litSessionSignViaNacl` and `algo: ed25519`",
        ));
    }

    // 1. The session key's signature.
    let key = match keys.iter().find(|k| k.address == address) {
        Some(k) => k.key.clone(),
        None => {
            let key = session_key(address);
            keys.push(KeyCacheEntry {
                address,
                key: key.clone(),
            });
            key
        }
    };
    let key = key.map_err(|(kind, message)| {
        NodeError::new(
            kind,
            message,
            "`address` is the session public key: 64 hex digits, as `getSessionSigs` writes it",
        )
    })?;
    let signature = ed25519_dalek::Signature::from_str(sig).map_err(|_| {
        NodeError::new(
            K::NodeAuthSigSignatureConversionError,
            format!(
                "`sig` `{}` is not an ed25519 signature: the nodes expect 128 hex digits in one letter case, without `0x`",
                short(sig)
            ),
            "use the `sig` exactly as `getSessionSigs` wrote it",
        )
    })?;
    key.verify_strict(signed_message.as_bytes(), &signature)
        .map_err(|_| {
            NodeError::new(
                K::NodeInvalidAuthSigSessionKeySignature,
                "the session key's signature does not match `signedMessage`: the message was changed after signing, or another key signed it",
                "do not edit signed session signatures; call `getSessionSigs` again to sign a new one",
            )
        })?;

    // 2. The payload.
    let payload = match payload {
        Some(Ok(p)) => p,
        Some(Err(e)) => {
            return Err(NodeError::new(
                K::NodeAuthSigSignedMessageConversionError,
                format!("`signedMessage` is not the session payload the nodes expect: {e}"),
                "the payload is `JSON.stringify({sessionKey, resourceAbilityRequests, capabilities, issuedAt, expiration, nodeAddress})` with string values and AuthSig objects in `capabilities`",
            ))
        }
        None => {
            return Err(NodeError::new(
                K::NodeAuthSigSignedMessageConversionError,
                "`signedMessage` is not a string",
                ENTRY_SHAPE,
            ))
        }
    };
    if let Some(p) = &payload.max_price {
        if !valid_max_price(p) {
            return Err(NodeError::new(
                K::NodeAuthSigSignedMessageConversionError,
                format!(
                    "`maxPrice` `{}` is not a 256-bit unsigned integer",
                    short(p)
                ),
                "write `maxPrice` as a decimal or `0x` hex string, or leave it out",
            ));
        }
    }

    // 3. An operation needs its resource in `resourceAbilityRequests`.
    if payload.resource_ability_requests.is_empty() {
        return Err(NodeError::new(
            K::NodeResourceIdNotFound,
            "the session signature requests no resources, so the nodes reject every operation made with it",
            "pass the resources and abilities the session needs as `resourceAbilityRequests` to `getSessionSigs`",
        ));
    }

    // 4. Time.
    let parse_time =
        |name: &str, v: &str| {
            Timestamp::parse_rfc3339(v).map_err(|_| {
                NodeError::new(
                K::NodeParserError,
                format!("`{name}` `{}` of the session payload is not an RFC 3339 time", short(v)),
                "write times as `new Date().toISOString()` does, e.g. `2024-09-19T13:07:33.606Z`",
            )
            })
        };
    let profile = &crate::profile::DATIL;
    let issued = parse_time("issuedAt", &payload.issued_at)?;
    // The nodes read `expiration` only once `issuedAt` is within the grace period.
    if let Err(fault) = node_issued_at(issued, now, profile.node.grace_secs) {
        return Err(session_time_error(fault, now, profile.node.grace_secs));
    }
    let expiration = parse_time("expiration", &payload.expiration)?;
    if let Err(fault) = node_session_time(
        issued,
        expiration,
        now,
        profile.node.grace_secs,
        profile.node.max_session,
    ) {
        return Err(session_time_error(fault, now, profile.node.grace_secs));
    }

    // 5. The node.
    let signed_for = prepare_domain_name(&payload.node_address);
    if signed_for != checked_as {
        return Err(NodeError::new(
            K::NodeNotAuthorized,
            format!(
                "the entry is signed for node `{}`, not for this node (`{checked_as}`)",
                payload.node_address
            ),
            "each node accepts only the entry signed for its own address: send each node its own entry (the SDK's `getSessionSigByUrl` does), or check `--node`",
        ));
    }

    // 6. Capabilities, for every request as an operation.
    let mut first: Option<NodeError> = None;
    let mut failing = 0;
    for (index, req) in payload.resource_ability_requests.iter().enumerate() {
        let rref = RequestRef {
            index,
            resource_prefix: req.resource.resource_prefix.to_string(),
            resource: req.resource.resource.to_string(),
            ability: req.ability.to_string(),
        };
        let result = match operation(req) {
            Err(why) => Err(NodeError {
                request: Some(rref.clone()),
                ..NodeError::new(
                    K::InvalidResourceAbilityRequest,
                    format!("request {index} ({}) cannot match any operation: {why}", rref.describe()),
                    "build requests with the SDK's resource classes (`LitPKPResource`, `LitActionResource`, ...) and an ability they support",
                )
            }),
            Ok(op) => check_capabilities(&payload.capabilities, &op, &rref, address, now, caps),
        };
        if let Err(e) = result {
            failing += 1;
            if first.is_none() {
                first = Some(e);
            }
        }
    }
    match first {
        None => Ok(()),
        Some(mut e) => {
            e.failing_requests = failing;
            if failing > 1 {
                e.message.push_str(&format!(
                    " ({} more request{} fail{})",
                    failing - 1,
                    if failing == 2 { "" } else { "s" },
                    if failing == 2 { "s" } else { "" }
                ));
            }
            Err(e)
        }
    }
}

/// The nodes' refusal of a session payload's times, in words.
fn session_time_error(fault: SessionTimeFault, now: Timestamp, grace: i64) -> NodeError {
    use NodeErrorKind as K;
    match fault {
        SessionTimeFault::IssuedInTheFuture { issued } => NodeError::new(
            K::NodeIatOutsideGracePeriod,
            format!("the session signature is issued at `{issued}`, more than {grace} s after now (`{now}`)"),
            "check the clock of the machine that signed it: the nodes allow 60 s of drift",
        ),
        SessionTimeFault::ExpiresBeforeIssue { issued, expiration } => NodeError::new(
            K::NodeExpWrongOrTooLarge,
            format!("the session expires at `{expiration}`, before it is issued (`{issued}`)"),
            "pass an `expiration` after the issue time to `getSessionSigs`",
        ),
        SessionTimeFault::Expired { expiration } => NodeError::new(
            K::NodeExpWrongOrTooLarge,
            format!("the session signature expired at `{expiration}`, more than {grace} s before now (`{now}`)"),
            "call `getSessionSigs` again for fresh session signatures",
        ),
        SessionTimeFault::TooLong {
            issued,
            expiration,
            lifetime,
        } => NodeError::new(
            K::NodeSIWEMessageError,
            format!("the session lasts {lifetime} (`{issued}` to `{expiration}`), longer than the 30 days the nodes allow"),
            "pass an `expiration` at most 30 days after the issue time (the SDK's default is 24 hours)",
        ),
    }
}

fn check_capabilities<'p>(
    capabilities: &'p [PayloadAuthSig<'p>],
    op: &Request,
    rref: &RequestRef,
    session: &'p str,
    now: Timestamp,
    cache: &mut Vec<CapCacheEntry<'p>>,
) -> Result<(), NodeError> {
    use NodeErrorKind as K;
    let wrap =
        |inner: &str, message: String, help: String, failures: Vec<CapabilityFailure>| NodeError {
            inner: Some((K::NodeSIWECapabilityInvalid, inner.to_string())),
            request: Some(rref.clone()),
            capabilities: failures,
            ..NodeError::new(K::NodeResourceIdNotFound, message, help)
        };
    if capabilities.is_empty() {
        return Err(wrap(
            "Empty capabilities array.",
            format!(
                "the session signature carries no capabilities (AuthSigs), so nothing authorizes {}",
                rref.describe()
            ),
            "pass an AuthSig: `getSessionSigs` puts the one `authNeededCallback` returns in `capabilities`".to_string(),
            Vec::new(),
        ));
    }
    let mut failures = Vec::new();
    let mut unverifiable: Option<usize> = None;
    for (index, cap) in capabilities.iter().enumerate() {
        let at = match cache.iter().position(|c| {
            c.sig == cap.sig.as_ref()
                && c.signed_message == cap.signed_message.as_ref()
                && c.derived_via == cap.derived_via.as_ref()
                && c.algo == cap.algo.as_deref()
                && c.session == session
        }) {
            Some(i) => i,
            None => {
                cache.push(CapCacheEntry {
                    sig: &cap.sig,
                    signed_message: &cap.signed_message,
                    derived_via: &cap.derived_via,
                    algo: cap.algo.as_deref(),
                    session,
                    eval: evaluate_capability(cap, session, now),
                });
                cache.len() - 1
            }
        };
        let Some(entry) = cache.get(at) else { continue };
        match &entry.eval {
            CapEval::Fail(kind, message) => failures.push(CapabilityFailure {
                index,
                kind: *kind,
                message: format!(
                    "capability {index} (AuthSig of `{}`): {message}",
                    short(&cap.address)
                ),
            }),
            CapEval::Ready {
                recaps,
                bls,
                signer,
            } => {
                let (verdict, _) = coverage::check_any(recaps, &op.resource, op.ability);
                match verdict {
                    Verdict::Covered { .. } if !bls => return Ok(()),
                    Verdict::Covered { .. } => {
                        unverifiable.get_or_insert(index);
                    }
                    Verdict::NotCovered(gap) => {
                        let reason = if recaps.is_empty() {
                            "it carries no `urn:recap:` resource that decodes".to_string()
                        } else {
                            gap_reason(&gap, op)
                        };
                        failures.push(CapabilityFailure {
                            index,
                            kind: K::NodeSIWECapabilityInvalid,
                            message: format!(
                                "capability {index} (AuthSig of `{signer}`): {reason}"
                            ),
                        });
                    }
                }
            }
        }
    }
    if let Some(index) = unverifiable {
        return Err(NodeError {
            request: Some(rref.clone()),
            capabilities: failures,
            ..NodeError::new(
                K::BlsNotVerifiable,
                format!(
                    "capability {index} is a PKP AuthSig signed with the Lit network's BLS key: it covers {} and everything else checks out, but litcap cannot verify that signature",
                    rref.describe()
                ),
                "the nodes verify it against the network's public key; if the PKP session was signed by the network it is accepted",
            )
        });
    }
    let reasons: Vec<&str> = failures.iter().map(|f| f.message.as_str()).collect();
    let help = match failures.iter().find(|f| f.kind == K::NodeSIWECapabilityInvalid) {
        Some(_) => format!(
            "sign a new AuthSig whose recap grants {} (put the request in the `resources` of `createSiweMessageWithRecaps`), then call `getSessionSigs` again",
            rref.describe()
        ),
        None => "sign a new AuthSig for this session key, valid now, then call `getSessionSigs` again".to_string(),
    };
    Err(wrap(
        "Could not find valid capability.",
        format!(
            "no capability authorizes {}: {}",
            rref.describe(),
            reasons.join("; ")
        ),
        help,
        failures,
    ))
}

// --------------------------------------------------------------- against a policy ---

/// Checks a SessionSigs map against a policy session (for what the nodes would say, see
/// [`verify_file`]):
///
/// * every request must be one the session declares (`over-privilege`);
/// * the session signatures may not outlive the session's `ttl` (`ttl-too-long`);
/// * every AuthSig for the session key may grant no more than the session's grant
///   (`over-privilege`) and must name the grant's domain and chain (`domain-mismatch`).
///
/// Entries whose payload does not parse are skipped (their node verdicts say why).
pub fn check_against_session(
    file: &SessionSigsFile<'_>,
    policy: &Policy,
    session: &Session,
) -> Vec<Diagnostic> {
    let profile = &crate::profile::DATIL;
    let grant = policy.grants.get(session.grant);
    let declared: Vec<String> = session
        .requests
        .iter()
        .map(|c| format!("`{}` on `{}`", c.ability, c.resource.key()))
        .collect();
    let mut out = Vec::new();
    let mut seen_requests: Vec<(String, String, String)> = Vec::new();
    let mut seen_caps: Vec<(String, String)> = Vec::new();
    let mut lifetime_checked = false;
    for (_, entry) in &file.entries {
        let Some(text) = entry.signed_message.as_ref().and_then(Str::text) else {
            continue;
        };
        let Ok(p) = serde_json::from_str::<Payload<'_>>(text) else {
            continue;
        };
        for r in &p.resource_ability_requests {
            let key = (
                r.resource.resource_prefix.to_string(),
                r.resource.resource.to_string(),
                r.ability.to_string(),
            );
            if seen_requests.contains(&key) {
                continue;
            }
            // Declared: the same ability, on a resource the nodes would find among the
            // session's requests.
            let allowed = session.requests.iter().any(|c| {
                c.ability.as_str() == r.ability
                    && ResourcePrefix::parse(&r.resource.resource_prefix).is_some_and(|prefix| {
                        fit::requested(
                            &c.resource,
                            &Resource {
                                prefix,
                                id: r.resource.resource.to_string(),
                            },
                        )
                    })
            });
            if !allowed {
                out.push(
                    Diagnostic::new(
                        Code::OverPrivilege,
                        format!(
                            "the session signatures request `{}` on `{}://{}`, which session `{}` does not request",
                            key.2, key.0, key.1, session.name
                        ),
                    )
                    .help(format!(
                        "request only what session `{}` declares ({}), or declare this request in the policy",
                        session.name,
                        declared.join(", ")
                    )),
                );
            }
            seen_requests.push(key);
        }
        if !lifetime_checked {
            lifetime_checked = true;
            if let (Ok(iat), Ok(exp)) = (
                Timestamp::parse_rfc3339(&p.issued_at),
                Timestamp::parse_rfc3339(&p.expiration),
            ) {
                if exp > iat.add_secs(session.ttl.secs() as i64) {
                    let lifetime = Ttl::from_secs(
                        exp.unix_secs().saturating_sub(iat.unix_secs()).max(0) as u64,
                    );
                    out.push(
                        Diagnostic::new(
                            Code::TtlTooLong,
                            format!(
                                "the session signatures last {lifetime} (`{iat}` to `{exp}`), longer than session `{}`'s ttl {}",
                                session.name, session.ttl
                            ),
                        )
                        .help(format!(
                            "pass an `expiration` at most {} after the issue time to `getSessionSigs`, or raise the session's `ttl`",
                            session.ttl
                        )),
                    );
                }
            }
        }
        let Some(g) = grant else { continue };
        let expect = crate::verify::check::grant_expectation(g);
        let session_key = entry.address.as_ref().and_then(Str::text);
        for (index, cap) in p.capabilities.iter().enumerate() {
            let key = (cap.sig.to_string(), cap.signed_message.to_string());
            if seen_caps.contains(&key) {
                continue;
            }
            seen_caps.push(key);
            if !matches!(
                authsig::kind_of(&cap.derived_via, cap.algo.as_deref()),
                AuthSigKind::Wallet | AuthSigKind::BlsNetwork
            ) {
                continue;
            }
            let Ok((m, _)) = SiweMessage::parse_with_spans(&cap.signed_message, Flavor::Node)
            else {
                continue;
            };
            // Capacity delegations and AuthSigs for other keys are not the session's grant.
            let Some(key) = session_key else { continue };
            if fit::judge_audience(&m, Audience::SessionKey(key), profile).is_some() {
                continue;
            }
            let recaps: Vec<Recap> = m
                .recap_resources()
                .filter_map(|urn| Recap::decode(urn).ok().map(|d| d.recap))
                .collect();
            let indexed: Vec<(usize, &Recap)> = recaps.iter().enumerate().collect();
            let findings = fit::judge_grant(&m, &indexed, &expect);
            let who = format!("capability {index} (AuthSig of `{}`)", m.address);
            out.extend(render_grant_findings(&findings, g, &who));
        }
    }
    out
}

/// The fit engine's findings against the grant, for `verify --policy`: domain and chain
/// first (as `verify` has always listed them), then each capability beyond the grant and the
/// lifetime, in the engine's order.
fn render_grant_findings(
    findings: &[Finding],
    g: &crate::model::Grant,
    who: &str,
) -> Vec<Diagnostic> {
    let again = format!(
        "sign the AuthSig from grant `{}` (`litcap authsig`)",
        g.name
    );
    let mut out = Vec::new();
    for f in findings {
        match f {
            Finding::DomainMismatch { expected, found } => out.push(
                Diagnostic::new(
                    Code::DomainMismatch,
                    format!(
                        "{who} is signed in at `{found}`, but grant `{}` is for `{expected}`",
                        g.name
                    ),
                )
                .help(again.clone()),
            ),
            Finding::ChainMismatch { expected, found } => out.push(
                Diagnostic::new(
                    Code::DomainMismatch,
                    format!(
                        "{who} is for chain {found}, but grant `{}` is for chain {expected}",
                        g.name
                    ),
                )
                .help(again.clone()),
            ),
            _ => {}
        }
    }
    for f in findings {
        match f {
            Finding::LifetimeTooLong { lifetime_ms, max } => out.push(
                Diagnostic::new(
                    Code::LifetimeTooLong,
                    format!(
                        "{who} lives {}, longer than grant `{}` allows (`max-ttl {max}`)",
                        Ttl(((*lifetime_ms).max(0) / 1000) as u64),
                        g.name
                    ),
                )
                .help(again.clone()),
            ),
            Finding::OverPrivilege {
                resource, ability, ..
            } => out.push(
                Diagnostic::new(
                    Code::OverPrivilege,
                    format!(
                        "{who} grants `{ability}` on `{resource}`, beyond grant `{}`",
                        g.name
                    ),
                )
                .help(format!(
                    "sign the AuthSig from grant `{}` (`litcap authsig`) so it grants only what the grant allows",
                    g.name
                )),
            ),
            _ => {}
        }
    }
    out
}

// --------------------------------------------------------- the SDK's own check ---

/// The result of `validateSessionSigs`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SdkValidation {
    pub is_valid: bool,
    pub errors: Vec<String>,
}

/// `validateSessionSigs(sessionSigs)` of `@lit-protocol/misc` 7.4.0 (the client-side check
/// `executeJs` and `pkpSign` run before sending), at `now`. `Err` when the SDK would throw.
///
/// Times are read with `new Date(...)` restricted to the ISO forms (RFC 3339 date-times and
/// `YYYY[-MM[-DD]]`); V8's legacy formats (`Wed Oct 05 2011 …`) count as invalid.
pub fn sdk_validate_session_sigs(sigs: &Value, now: Timestamp) -> Result<SdkValidation, String> {
    let entries: Vec<(String, &Value)> = match sigs {
        Value::Object(m) => crate::json::js_key_order(m)
            .into_iter()
            .filter_map(|k| m.get(k).map(|v| (k.clone(), v)))
            .collect(),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        Value::Null => {
            return Err("TypeError: Cannot convert undefined or null to object".to_string())
        }
        _ => Vec::new(),
    };
    let mut errors = Vec::new();
    for (key, sig) in entries {
        let errs = sdk_validate_session_sig(sig, now)?;
        if !errs.is_empty() {
            errors.push(format!("Session Sig '{key}': {}", errs.join(", ")));
        }
    }
    Ok(SdkValidation {
        is_valid: errors.is_empty(),
        errors,
    })
}

/// JavaScript truthiness of a JSON value.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// `String(v)` for the values JSON can hold.
fn js_string(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => crate::json::js_number(n),
        Value::String(s) => s.clone(),
        Value::Array(a) => a
            .iter()
            .map(|x| match x {
                Value::Null => String::new(),
                other => js_string(other),
            })
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(_) => "[object Object]".into(),
    }
}

fn sdk_validate_session_sig(sig: &Value, now: Timestamp) -> Result<Vec<String>, String> {
    let mut errors = Vec::new();
    let message = match sig {
        Value::Null => {
            return Err(
                "TypeError: Cannot read properties of null (reading 'signedMessage')".into(),
            )
        }
        Value::Object(o) => o.get("signedMessage"),
        _ => None,
    };
    // `JSON.parse(x)` parses `String(x)`; `undefined` is a syntax error.
    let parsed: Option<Value> = match message {
        None => None,
        Some(Value::String(s)) => serde_json::from_str(s).ok(),
        Some(other) => serde_json::from_str(&js_string(other)).ok(),
    };
    let Some(parsed) = parsed else {
        errors.push("Main signedMessage is not valid JSON.".to_string());
        return Ok(errors);
    };
    if parsed.is_null() {
        return Err("TypeError: Cannot read properties of null (reading 'capabilities')".into());
    }
    let get = |k: &str| match &parsed {
        Value::Object(o) => o.get(k),
        _ => None,
    };
    match get("capabilities").filter(|c| truthy(c)) {
        None => errors.push("Capabilities not found in main signedMessage.".into()),
        Some(Value::Array(a)) if a.is_empty() => {
            errors.push("No capabilities found in main signedMessage.".into())
        }
        Some(Value::Array(a)) => {
            for (index, cap) in a.iter().enumerate() {
                let text =
                    match cap {
                        Value::Object(o) => match o.get("signedMessage") {
                            Some(Value::String(s)) => s,
                            _ => return Err(
                                "TypeError: Cannot read properties of undefined (reading 'split')"
                                    .into(),
                            ),
                        },
                        _ => {
                            return Err(
                                "TypeError: Cannot read properties of undefined (reading 'split')"
                                    .into(),
                            )
                        }
                    };
                match parse_signed_message(text).remove("Expiration Time") {
                    Some(v) if !v.is_empty() => errors.extend(validate_expiration(
                        &Value::String(v),
                        &format!("capability {index}"),
                        now,
                    )),
                    _ => errors.push(format!(
                        "Expiration Time not found in capability {index}'s signedMessage."
                    )),
                }
            }
        }
        Some(_) => return Err("TypeError: capabilities.forEach is not a function".into()),
    }
    match get("expiration") {
        Some(v) if truthy(v) => errors.extend(validate_expiration(v, "main signedMessage", now)),
        _ => errors.push("Expiration Time not found in outer signedMessage.".into()),
    }
    Ok(errors)
}

/// JavaScript's `String.prototype.trim` whitespace.
fn js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

fn js_trim(s: &str) -> &str {
    s.trim_matches(js_space)
}

/// `parseSignedMessage` of the validator: a loose `Key: Value` reader. Only the string values
/// matter here (list items are overwritten by the key's final value, as in the SDK).
fn parse_signed_message(text: &str) -> std::collections::HashMap<String, String> {
    let mut data = std::collections::HashMap::new();
    let mut current: Option<String> = None;
    let mut value = String::new();
    for line in text.split('\n') {
        // /^([^:]+):\s*(.*)$/ : a key of one or more non-colons, then the rest with no line
        // terminator once leading whitespace is skipped.
        let kv = line.find(':').filter(|&i| i > 0).and_then(|i| {
            let rest = line[i + 1..].trim_start_matches(js_space);
            (!rest.contains(['\n', '\r', '\u{2028}', '\u{2029}'])).then(|| (&line[..i], rest))
        });
        if let Some((k, v)) = kv {
            if let Some(prev) = current.take() {
                data.insert(js_trim(&prev).to_string(), js_trim(&value).to_string());
            }
            current = Some(k.to_string());
            value = v.to_string();
        } else if line.starts_with("- ") {
            // A list item; the key's final value replaces the list later.
        } else if js_trim(line).is_empty() {
        } else {
            value.push('\n');
            value.push_str(line);
        }
    }
    if let Some(prev) = current {
        data.insert(js_trim(&prev).to_string(), js_trim(&value).to_string());
    }
    data
}

/// `new Date(s)` for ISO strings: RFC 3339 date-times, and `YYYY`, `YYYY-MM`, `YYYY-MM-DD`
/// (UTC midnight).
pub fn js_date_parse(s: &str) -> Option<Timestamp> {
    if let Ok(t) = Timestamp::parse_rfc3339(s) {
        return Some(t);
    }
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b.get(r.clone())
            .filter(|d| d.iter().all(u8::is_ascii_digit))
            .map(|_| &s[r])
    };
    let (y, m, d) = match b.len() {
        4 => (digits(0..4)?, "01", "01"),
        7 if b[4] == b'-' => (digits(0..4)?, digits(5..7)?, "01"),
        10 if b[4] == b'-' && b[7] == b'-' => (digits(0..4)?, digits(5..7)?, digits(8..10)?),
        _ => return None,
    };
    Timestamp::parse_rfc3339(&format!("{y}-{m}-{d}T00:00:00Z")).ok()
}

fn validate_expiration(v: &Value, context: &str, now: Timestamp) -> Vec<String> {
    let parsed = match v {
        Value::Number(n) => n
            .as_f64()
            .filter(|f| f.is_finite() && f.abs() <= 8.64e15)
            .map(|f| Timestamp::from_unix_millis(f.trunc() as i64)),
        Value::Bool(b) => Some(Timestamp::from_unix_millis(i64::from(*b))),
        other => js_date_parse(&js_string(other)),
    };
    match parsed {
        None => vec![format!(
            "Invalid Expiration Time format in {context}: {}",
            js_string(v)
        )],
        Some(t) if t.unix_millis() < now.unix_millis() => vec![format!(
            "Expired {context}. Expiration Time: {}",
            Timestamp::from_unix_millis(t.unix_millis()).to_iso_string()
        )],
        Some(_) => Vec::new(),
    }
}

/// `nacl.sign.detached.verify` of an entry as the oracle runs it (false when it would throw).
pub fn nacl_verify(entry: &Value) -> bool {
    let get = |k: &str| entry.get(k).and_then(Value::as_str);
    let (Some(message), Some(sig), Some(address)) =
        (get("signedMessage"), get("sig"), get("address"))
    else {
        return false;
    };
    let (Ok(sig), Ok(key)) = (hex::decode(sig), hex::decode(address)) else {
        return false;
    };
    let (Ok(sig), Ok(key)) = (
        <[u8; 64]>::try_from(sig.as_slice()),
        <[u8; 32]>::try_from(key.as_slice()),
    ) else {
        return false;
    };
    let Ok(key) = VerifyingKey::from_bytes(&key) else {
        return false;
    };
    use ed25519_dalek::Verifier;
    key.verify(
        message.as_bytes(),
        &ed25519_dalek::Signature::from_bytes(&sig),
    )
    .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eth::WalletKey;
    use crate::lit::ResourcePrefix;
    use crate::siwe::{create_lit_siwe, CapabilityRequest, LitSiweParams};
    use ed25519_dalek::{Signer, SigningKey};
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
            &crate::siwe::session_key_uri(&session_hex()),
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
        let l = crate::load::load_inputs(vec![(
            "p.litcap".into(),
            crate::load::PolicyFormat::Dsl,
            text.as_bytes().to_vec(),
        )]);
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
        let codes: Vec<Code> = check_against_session(&file, &l.policy, session)
            .iter()
            .map(|d| d.code)
            .collect();
        // The SIWE domain is `localhost`; the AuthSig lives 24 h and also grants Lit Actions.
        assert_eq!(
            codes,
            vec![
                Code::DomainMismatch,
                Code::OverPrivilege,
                Code::LifetimeTooLong
            ]
        );
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
        let uri = crate::siwe::session_key_uri(&session_hex());
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
            &crate::siwe::session_key_uri(&"ab".repeat(32)),
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
            Some(K::BlsNotVerifiable)
        );
        assert_eq!(go(vec![bls, pkp_authsig()], req()), None);

        // Requests no operation can match, and a count of failing requests.
        let e = go(
            vec![pkp_authsig()],
            vec![
                request("lit-pkp", "*", "pkp-signing"),
                request("lit-bogus", "*", "pkp-signing"),
                request("lit-litaction", "*", "lit-action-execution"),
            ],
        )
        .unwrap();
        assert_eq!(e.kind, K::InvalidResourceAbilityRequest);
        assert_eq!(e.failing_requests, 2);
        assert!(
            e.message.ends_with("(1 more request fails)"),
            "{}",
            e.message
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
            "../../tests/vectors/lit/23-sessionsigs-3-nodes-docs-callback.json"
        ))
        .unwrap();
        let sigs = &v["expected"]["sessionSigs"];
        let text = sigs.to_string();
        let opts = VerifyOptions {
            now: ts(NOW),
            node: None,
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
}
