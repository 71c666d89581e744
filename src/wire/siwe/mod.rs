//! Sign-In with Ethereum (EIP-4361) messages: the text siwe 2.3.2 writes, and the message the
//! Lit SDK builds with `createSiweMessageWithRecaps` (one merged `urn:recap:` resource).
//!
//! This file holds the message type, its rendering, and verification (bindings, time,
//! signature) in the SDK's and the nodes' flavors. Reading text is `parse`'s job, checking a
//! built message `validate`'s, and the RFC 3986 grammar the fields use is in `uri`.

use crate::eth::{self, Address, Signature};
use crate::time::{TimeError, Timestamp};
use crate::wire::lit::{Ability, Resource};
use crate::wire::recap::{self, NotaBene, RecapError};
use std::ops::Range;

mod field_error;
mod parse;
pub(crate) mod uri;
mod validate;

pub use field_error::{FieldError, UriError, UriPart};
pub use uri::{check_authority, check_scheme, check_uri};

/// The SDK's default statement (note the two spaces).
pub const DEFAULT_STATEMENT: &str =
    "This is a test statement.  You can put anything you want here.";
/// `LIT_SESSION_KEY_URI`.
pub const SESSION_KEY_URI_PREFIX: &str = "lit:session:";
/// `SIWE_DELEGATION_URI`.
pub const DELEGATION_URI: &str = "lit:capability:delegation";
/// What follows the domain on the first line.
pub const PREAMBLE: &str = " wants you to sign in with your Ethereum account:";

/// A SIWE message's fields, as written in the message (times keep their original text).
///
/// Build one with [`create_lit_siwe`], [`SiweMessage::parse`] or [`SiweMessage::from_fields`];
/// a literal should be checked with [`SiweMessage::validate`].
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
        self.render(Flavor::Sdk)
    }

    /// The text a verifier hashes: siwe 2.3.2 re-serialises with `toMessage()`, the nodes'
    /// siwe-rs with its `Display` (which differs only for an empty `Request ID` or an empty
    /// `Resources:` list).
    pub fn render(&self, flavor: Flavor) -> String {
        self.render_with_spans(flavor).0
    }

    /// [`SiweMessage::render`] and where each field landed in the text.
    pub fn render_with_spans(&self, flavor: Flavor) -> (String, SiweSpans) {
        let mut out = String::with_capacity(320 + self.statement.as_ref().map_or(0, String::len));
        let spans = self.render_into(flavor, &mut out, true);
        (out, spans)
    }

    /// Whether the message renders in `flavor` as exactly `text` ([`SiweMessage::render`]
    /// `== text`), compared piece by piece without building the rendering: an AuthSig check
    /// asks it of every message, and the answer is nearly always yes (issue #13).
    pub fn renders_as(&self, flavor: Flavor, text: &str) -> bool {
        let mut cmp = CompareSink {
            expected: text.as_bytes(),
            pos: 0,
            equal: true,
        };
        self.render_into(flavor, &mut cmp, false);
        cmp.equal && cmp.pos == text.len()
    }

    /// The rendering, written to `out`; the spans of every field (those of the resources only
    /// if `resource_spans`).
    fn render_into<S: RenderSink>(
        &self,
        flavor: Flavor,
        out: &mut S,
        resource_spans: bool,
    ) -> SiweSpans {
        let mut spans = SiweSpans::default();
        fn put<S: RenderSink>(out: &mut S, tag: &str, value: &str) -> Range<usize> {
            out.push_str(tag);
            let start = out.len();
            out.push_str(value);
            start..out.len()
        }
        if let Some(scheme) = &self.scheme {
            spans.scheme = Some(put(out, "", scheme));
            out.push_str("://");
        }
        spans.domain = put(out, "", &self.domain);
        out.push_str(PREAMBLE);
        spans.address = put(out, "\n", &self.address);
        out.push_str("\n\n");
        // `[prefix, statement].join('\n\n')`, plus '\n' only for a non-empty statement.
        if let Some(s) = self.statement.as_deref().filter(|s| !s.is_empty()) {
            spans.statement = Some(put(out, "", s));
            out.push_str("\n");
        }
        out.push_str("\n");
        spans.uri = put(out, "URI: ", &self.uri);
        spans.version = put(out, "\nVersion: ", &self.version);
        let mut digits = [0u8; 20];
        spans.chain_id = put(out, "\nChain ID: ", decimal(self.chain_id, &mut digits));
        spans.nonce = put(out, "\nNonce: ", &self.nonce);
        spans.issued_at = put(out, "\nIssued At: ", &self.issued_at);
        // siwe 2.3.2 skips empty optional strings (`if (this.expirationTime)`).
        if let Some(e) = self.expiration_time.as_deref().filter(|e| !e.is_empty()) {
            spans.expiration_time = Some(put(out, "\nExpiration Time: ", e));
        }
        if let Some(n) = self.not_before.as_deref().filter(|n| !n.is_empty()) {
            spans.not_before = Some(put(out, "\nNot Before: ", n));
        }
        if let Some(r) = self
            .request_id
            .as_deref()
            .filter(|r| flavor == Flavor::Node || !r.is_empty())
        {
            spans.request_id = Some(put(out, "\nRequest ID: ", r));
        }
        if let Some(resources) = self
            .resources
            .as_ref()
            .filter(|r| flavor == Flavor::Sdk || !r.is_empty())
        {
            out.push_str("\nResources:");
            for r in resources {
                let span = put(out, "\n- ", r);
                if resource_spans {
                    spans.resources.push(span);
                }
            }
        }
        spans
    }

    /// Every `urn:recap:` resource, in order.
    pub fn recap_resources(&self) -> impl Iterator<Item = &str> {
        self.resources
            .iter()
            .flatten()
            .map(String::as_str)
            .filter(|r| r.starts_with(recap::URN_PREFIX))
    }

    /// Parses a message strictly by the EIP-4361 ABNF (what siwe 2.3.2, and so the Lit SDK,
    /// accepts), including the optional `scheme://` before the domain. Dates must exist.
    pub fn parse(text: &str) -> Result<SiweMessage, SiweParseError> {
        Self::parse_with_spans(text, Flavor::Sdk).map(|(m, _)| m)
    }

    /// Parses a message as the given implementation does, with the byte range of every field.
    ///
    /// [`Flavor::Node`] is siwe-rs 0.5 as the Lit nodes run it: the statement may hold any
    /// character but a line feed, the nonce any 8 or more characters, the request id any text,
    /// and a `scheme://` prefix is rejected.
    pub fn parse_with_spans(
        text: &str,
        flavor: Flavor,
    ) -> Result<(SiweMessage, SiweSpans), SiweParseError> {
        parse::parse(text, flavor)
    }

    /// `new SiweMessage({...fields})` of siwe 2.3.2 (keys as in its JSON form: `chainId`,
    /// `issuedAt`, ...), then [`SiweMessage::validate`]. Unlike siwe, a missing `nonce` or
    /// `issuedAt` is an error rather than filled in with a random nonce or the current time.
    pub fn from_fields(fields: &serde_json::Value) -> Result<SiweMessage, SiweParseError> {
        validate::from_fields(fields)
    }

    /// `validateMessage()` of siwe 2.3.2, made as strict as the parser: the message must
    /// render to text that parses back to the same fields. Spans refer to
    /// [`SiweMessage::to_message`].
    pub fn validate(&self) -> Result<(), SiweParseError> {
        validate::validate(self, Flavor::Sdk)
    }

    /// [`SiweMessage::validate`] with the rules of one implementation.
    pub fn validate_as(&self, flavor: Flavor) -> Result<(), SiweParseError> {
        validate::validate(self, flavor)
    }

    pub fn issued_at_time(&self) -> Result<Timestamp, TimeError> {
        Timestamp::parse_rfc3339(&self.issued_at)
    }

    /// `Expiration Time`, if the message has one.
    pub fn expiration(&self) -> Option<Result<Timestamp, TimeError>> {
        self.expiration_time
            .as_deref()
            .map(Timestamp::parse_rfc3339)
    }

    /// `Not Before`, if the message has one.
    pub fn not_before_time(&self) -> Option<Result<Timestamp, TimeError>> {
        self.not_before.as_deref().map(Timestamp::parse_rfc3339)
    }

    /// The EIP-191 digest a verifier of this flavor recovers the signer from.
    pub fn eip191_digest(&self, flavor: Flavor) -> [u8; 32] {
        eth::eip191_hash(self.render(flavor).as_bytes())
    }

    /// Checks the message at a time and the signature against its address.
    ///
    /// [`Flavor::Sdk`] is `SiweMessage.verify({signature, time, scheme, domain, nonce})` of
    /// siwe 2.3.2 without an EIP-1271 provider: bindings first, then expired if
    /// `time >= Expiration Time`, not yet valid if `time < Not Before` (milliseconds), then
    /// `validateMessage`, then the signer of `toMessage()` must be the address.
    /// [`Flavor::Node`] is siwe-rs 0.5 `verify` as the nodes call it: valid while
    /// `Not Before < time <= Expiration Time` (full precision), then domain and nonce, then
    /// the signer of its `Display` text.
    ///
    /// Returns the recovered signer.
    pub fn verify(&self, sig: &Signature, opts: &VerifyOpts) -> Result<Address, SiweVerifyError> {
        self.check_all_but_signature(opts)?;
        self.check_signature(sig, opts.flavor)
    }

    /// [`SiweMessage::verify`] with the signer already recovered from
    /// [`SiweMessage::eip191_digest`] of the same flavor (`None`: it does not recover), so a
    /// caller checking several flavors of one message recovers each distinct digest once.
    pub fn verify_signer(
        &self,
        signer: Option<Address>,
        opts: &VerifyOpts,
    ) -> Result<Address, SiweVerifyError> {
        self.check_all_but_signature(opts)?;
        self.match_signer(signer)
    }

    fn check_all_but_signature(&self, opts: &VerifyOpts) -> Result<(), SiweVerifyError> {
        let at = opts.time.unwrap_or_else(Timestamp::now);
        match opts.flavor {
            Flavor::Sdk => {
                self.check_bindings(opts)?;
                self.check_time(at, Flavor::Sdk)?;
                if !opts.validated {
                    self.validate_as(Flavor::Sdk)
                        .map_err(SiweVerifyError::Invalid)?;
                }
            }
            Flavor::Node => {
                if !opts.validated {
                    self.validate_as(Flavor::Node)
                        .map_err(SiweVerifyError::Invalid)?;
                }
                self.check_time(at, Flavor::Node)?;
                self.check_bindings(opts)?;
            }
        }
        Ok(())
    }

    /// Only the time rule of [`SiweMessage::verify`]: `Ok` when the message is valid at `at`.
    /// Times that do not parse are skipped here (validation reports them).
    pub fn check_time(&self, at: Timestamp, flavor: Flavor) -> Result<(), SiweVerifyError> {
        match flavor {
            Flavor::Sdk => crate::fit::time::sdk_siwe_time(self, at),
            Flavor::Node => crate::fit::time::node_siwe_time(self, at),
        }
    }

    fn check_bindings(&self, opts: &VerifyOpts) -> Result<(), SiweVerifyError> {
        if let Some(scheme) = opts.scheme.as_deref().filter(|s| !s.is_empty()) {
            if self.scheme.as_deref() != Some(scheme) {
                return Err(SiweVerifyError::SchemeMismatch {
                    expected: scheme.to_string(),
                    found: self.scheme.clone(),
                });
            }
        }
        if let Some(domain) = opts.domain.as_deref().filter(|s| !s.is_empty()) {
            if self.domain != domain {
                return Err(SiweVerifyError::DomainMismatch {
                    expected: domain.to_string(),
                    found: self.domain.clone(),
                });
            }
        }
        if let Some(nonce) = opts.nonce.as_deref().filter(|s| !s.is_empty()) {
            if self.nonce != nonce {
                return Err(SiweVerifyError::NonceMismatch {
                    expected: nonce.to_string(),
                    found: self.nonce.clone(),
                });
            }
        }
        Ok(())
    }

    /// Only the signature rule of [`SiweMessage::verify`].
    pub fn check_signature(
        &self,
        sig: &Signature,
        flavor: Flavor,
    ) -> Result<Address, SiweVerifyError> {
        self.match_signer(sig.recover(&self.eip191_digest(flavor)).ok())
    }

    /// The signature rule for an already recovered signer.
    pub fn match_signer(&self, recovered: Option<Address>) -> Result<Address, SiweVerifyError> {
        let claimed = Address::parse_any_case(&self.address).ok();
        match (recovered, claimed) {
            (Some(r), Some(c)) if r == c => Ok(r),
            _ => Err(SiweVerifyError::SignatureMismatch {
                recovered,
                address: self.address.clone(),
            }),
        }
    }
}

/// Which SIWE implementation's rules to apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Flavor {
    /// siwe 2.3.2 as the Lit JS SDK v7 runs it: the EIP-4361 ABNF, JS millisecond times.
    #[default]
    Sdk,
    /// siwe-rs 0.5 as the Lit nodes run it.
    Node,
}

/// Options of [`SiweMessage::verify`] (siwe's `VerifyParams` minus the signature).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VerifyOpts {
    /// The time to check at; `None` is now.
    pub time: Option<Timestamp>,
    /// Expected `scheme` (domain binding), if any.
    pub scheme: Option<String>,
    /// Expected `domain` (domain binding), if any.
    pub domain: Option<String>,
    /// Expected `nonce`, if any.
    pub nonce: Option<String>,
    pub flavor: Flavor,
    /// The caller knows [`SiweMessage::validate_as`] passes for `flavor` (the message was
    /// parsed from text that is its own rendering, see [`crate::fit::Inspected::validated`]),
    /// so verification does not render and re-parse it again. `false` validates.
    pub validated: bool,
}

/// Why [`SiweMessage::verify`] failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SiweVerifyError {
    #[error("the SIWE scheme is {}, expected `{expected}`", found.as_deref().map(|f| format!("`{f}`")).unwrap_or_else(|| "absent".into()))]
    SchemeMismatch {
        expected: String,
        found: Option<String>,
    },
    #[error("the SIWE domain is `{found}`, expected `{expected}`")]
    DomainMismatch { expected: String, found: String },
    #[error("the SIWE nonce is `{found}`, expected `{expected}`")]
    NonceMismatch { expected: String, found: String },
    #[error("the SIWE message expired at `{expiration}` (checked at `{at}`)")]
    Expired {
        at: Timestamp,
        expiration: Timestamp,
    },
    #[error("the SIWE message is not valid before `{not_before}` (checked at `{at}`)")]
    NotYetValid {
        at: Timestamp,
        not_before: Timestamp,
    },
    #[error("{0}")]
    Invalid(SiweParseError),
    #[error("{}", match recovered {
        Some(r) => format!("the signature was made by `{r}`, not by the SIWE address `{address}`"),
        None => format!("the signature does not recover to any address (the SIWE address is `{address}`)"),
    })]
    SignatureMismatch {
        recovered: Option<Address>,
        address: String,
    },
}

impl SiweVerifyError {
    /// The text siwe 2.3.2 reports (`SiweErrorType`), as the SDK and its logs show it.
    pub fn sdk_message(&self) -> &'static str {
        match self {
            SiweVerifyError::SchemeMismatch { .. } => {
                "Scheme does not match provided scheme for verification."
            }
            SiweVerifyError::DomainMismatch { .. } => {
                "Domain does not match provided domain for verification."
            }
            SiweVerifyError::NonceMismatch { .. } => {
                "Nonce does not match provided nonce for verification."
            }
            SiweVerifyError::Expired { .. } => "Expired message.",
            SiweVerifyError::NotYetValid { .. } => "Message is not valid yet.",
            SiweVerifyError::Invalid(e) => e.field.sdk_message(),
            SiweVerifyError::SignatureMismatch { .. } => {
                "Signature does not match address of the message."
            }
        }
    }
}

pub use parse::{SiweField, SiweParseError, SiweSpans};

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
    data.is_none_or(|m| !m.keys().any(|k| crate::json::is_array_index(k)) && m.values().all(ok))
}

/// `lit:session:<public key hex>`.
/// Why the SDK cannot parse back a SIWE message with this statement, if it cannot: EIP-4361
/// allows only ASCII letters, digits, spaces and the URI punctuation in a statement. (The nodes'
/// parser is more lenient, but the SDK re-parses every AuthSig in `getSessionSigs` and fails.)
pub fn sdk_statement_error(statement: &str) -> Option<FieldError> {
    parse::check_statement(statement, Flavor::Sdk).err()
}

pub fn session_key_uri(public_key_hex: &str) -> String {
    format!("{SESSION_KEY_URI_PREFIX}{public_key_hex}")
}

// ------------------------------------------------------------- message text ---

/// User text in backticks, shortened and with control characters escaped.
fn quote(s: &str) -> String {
    const MAX: usize = 64;
    let mut out = String::from("`");
    for (n, c) in s.chars().enumerate() {
        if n == MAX {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out.push('`');
    out
}

/// A character named for a message (`a space`, an escaped control character).
fn show_char(c: char) -> String {
    match c {
        ' ' => "a space".to_string(),
        '`' => "a backtick".to_string(),
        c if c.is_control() => format!("`{}`", c.escape_debug()),
        c => format!("`{c}`"),
    }
}

/// Where [`SiweMessage::render_into`] writes: a `String`, or a comparison with a text.
trait RenderSink {
    fn push_str(&mut self, s: &str);
    fn len(&self) -> usize;
}

impl RenderSink for String {
    fn push_str(&mut self, s: &str) {
        String::push_str(self, s)
    }
    fn len(&self) -> usize {
        String::len(self)
    }
}

/// Compares what is written with `expected`, byte for byte, without keeping it.
struct CompareSink<'a> {
    expected: &'a [u8],
    pos: usize,
    equal: bool,
}

impl RenderSink for CompareSink<'_> {
    fn push_str(&mut self, s: &str) {
        let end = self.pos + s.len();
        self.equal = self.equal && self.expected.get(self.pos..end) == Some(s.as_bytes());
        self.pos = end;
    }
    fn len(&self) -> usize {
        self.pos
    }
}

/// `n` in decimal, written into `buf` (a `u64` has at most 20 digits).
fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&buf[i..]).unwrap_or("0")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::lit::ResourcePrefix;

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

    fn signed_fixture(exp: Option<&str>, nbf: Option<&str>) -> (SiweMessage, Signature) {
        let key = crate::eth::WalletKey::from_hex(
            "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
        )
        .unwrap();
        let m = SiweMessage {
            domain: "localhost".into(),
            address: key.address().to_checksum(),
            statement: Some("hi".into()),
            uri: "lit:session:abcd".into(),
            version: "1".into(),
            chain_id: 1,
            nonce: "12345678".into(),
            issued_at: "2024-01-01T00:00:00.000Z".into(),
            expiration_time: exp.map(str::to_string),
            not_before: nbf.map(str::to_string),
            ..Default::default()
        };
        let sig = key.sign_personal(m.to_message().as_bytes());
        (m, sig)
    }

    fn at(t: &str, flavor: Flavor) -> VerifyOpts {
        VerifyOpts {
            time: Some(Timestamp::parse_rfc3339(t).unwrap()),
            flavor,
            ..Default::default()
        }
    }

    #[test]
    fn expiration_boundary_sdk_versus_node() {
        let (m, sig) = signed_fixture(Some("2024-01-02T00:00:00.000Z"), None);
        // 1 ms before: both valid.
        for f in [Flavor::Sdk, Flavor::Node] {
            assert!(m.verify(&sig, &at("2024-01-01T23:59:59.999Z", f)).is_ok());
        }
        // Exactly at the expiration: siwe 2.3.2 says expired, siwe-rs still valid.
        let e = m
            .verify(&sig, &at("2024-01-02T00:00:00.000Z", Flavor::Sdk))
            .unwrap_err();
        assert_eq!(e.sdk_message(), "Expired message.");
        assert!(m
            .verify(&sig, &at("2024-01-02T00:00:00.000Z", Flavor::Node))
            .is_ok());
        // One nanosecond later the nodes agree; the SDK's millisecond clock still equal.
        assert!(matches!(
            m.verify(&sig, &at("2024-01-02T00:00:00.000000001Z", Flavor::Node)),
            Err(SiweVerifyError::Expired { .. })
        ));
    }

    #[test]
    fn not_before_boundary_sdk_versus_node() {
        let (m, sig) = signed_fixture(None, Some("2024-01-02T00:00:00.000Z"));
        let e = m
            .verify(&sig, &at("2024-01-01T23:59:59.999Z", Flavor::Sdk))
            .unwrap_err();
        assert_eq!(e.sdk_message(), "Message is not valid yet.");
        assert!(m
            .verify(&sig, &at("2024-01-02T00:00:00.000Z", Flavor::Sdk))
            .is_ok());
        assert!(matches!(
            m.verify(&sig, &at("2024-01-02T00:00:00.000Z", Flavor::Node)),
            Err(SiweVerifyError::NotYetValid { .. })
        ));
        assert!(m
            .verify(&sig, &at("2024-01-02T00:00:00.001Z", Flavor::Node))
            .is_ok());
    }

    #[test]
    fn bindings_and_signature_errors() {
        let (m, sig) = signed_fixture(None, None);
        let mut o = at("2024-01-01T00:00:00Z", Flavor::Sdk);
        o.domain = Some("example.com".into());
        assert_eq!(
            m.verify(&sig, &o).unwrap_err().sdk_message(),
            "Domain does not match provided domain for verification."
        );
        let mut other = m.clone();
        other.chain_id = 2;
        let e = other
            .verify(&sig, &at("2024-01-01T00:00:00Z", Flavor::Sdk))
            .unwrap_err();
        assert_eq!(
            e.sdk_message(),
            "Signature does not match address of the message."
        );
        assert!(
            e.to_string().starts_with("the signature was made by `0x"),
            "{e}"
        );
        // v = 0/1 works as well as 27/28.
        let mut low_v = sig;
        low_v.0[64] -= 27;
        assert!(m
            .verify(&low_v, &at("2024-01-01T00:00:00Z", Flavor::Node))
            .is_ok());
    }

    #[test]
    fn node_flavor_is_lenient_on_statement_and_rejects_scheme() {
        let (mut m, _) = signed_fixture(None, None);
        m.statement = Some("Bienvenue à \"Café\" 100%".into());
        let text = m.to_message();
        let e = SiweMessage::parse(&text).unwrap_err();
        assert_eq!(e.field, SiweField::Statement);
        assert!(e.message.contains("`à`"), "{}", e.message);
        assert_eq!(&text[e.span.clone()], "Bienvenue à \"Café\" 100%");
        let (back, _) = SiweMessage::parse_with_spans(&text, Flavor::Node).unwrap();
        assert_eq!(back, m);
        m.statement = None;
        m.scheme = Some("https".into());
        let text = m.to_message();
        assert!(SiweMessage::parse(&text).is_ok());
        let e = SiweMessage::parse_with_spans(&text, Flavor::Node).unwrap_err();
        assert_eq!(e.field, SiweField::Scheme);
    }

    #[test]
    fn layout_errors_and_spans() {
        let (m, _) = signed_fixture(Some("2024-01-02T00:00:00.000Z"), None);
        let text = m.to_message();
        let e = SiweMessage::parse(&format!("{text}\n")).unwrap_err();
        assert_eq!(e.field, SiweField::Layout);
        assert!(
            e.message.contains("ends with a line break"),
            "{}",
            e.message
        );
        let (_, spans) = SiweMessage::parse_with_spans(&text, Flavor::Sdk).unwrap();
        assert_eq!(
            &text[spans.expiration_time.clone().unwrap()],
            "2024-01-02T00:00:00.000Z"
        );
        assert_eq!(&text[spans.uri.clone()], "lit:session:abcd");
        // No statement line but also no blank line before `URI:`.
        let squashed = text.replacen("hi\n\n", "", 1);
        assert!(SiweMessage::parse(&squashed).is_err());
        // Nothing but garbage.
        for junk in [
            "",
            "\n",
            "x",
            " wants you to sign in with your Ethereum account:",
            "é\n\n\n",
        ] {
            assert!(SiweMessage::parse(junk).is_err(), "{junk:?}");
        }
    }

    #[test]
    fn validate_reports_spans_into_to_message() {
        let (mut m, _) = signed_fixture(None, None);
        m.nonce = "short".into();
        let e = m.validate().unwrap_err();
        assert_eq!(e.field, SiweField::Nonce);
        assert_eq!(&m.to_message()[e.span.clone()], "short");
        let (mut m, _) = signed_fixture(None, None);
        m.statement = Some("two\nlines".into());
        assert_eq!(m.validate().unwrap_err().field, SiweField::Statement);
        let (mut m, _) = signed_fixture(None, None);
        m.issued_at = "2022-02-31T17:09:38.578Z".into();
        let e = m.validate().unwrap_err();
        assert_eq!(e.field, SiweField::IssuedAt);
        assert!(e.message.contains("does not exist"), "{}", e.message);
    }

    #[test]
    fn node_rendering_differs_only_on_empty_optionals() {
        let (mut m, _) = signed_fixture(None, None);
        m.request_id = Some(String::new());
        m.resources = Some(Vec::new());
        let sdk = m.render(Flavor::Sdk);
        let node = m.render(Flavor::Node);
        assert!(sdk.ends_with("Resources:") && !sdk.contains("Request ID"));
        assert!(node.ends_with("Request ID: ") && !node.contains("Resources"));
    }

    #[test]
    fn no_panic_on_damaged_messages() {
        let (m, _) = signed_fixture(
            Some("2024-01-02T00:00:00.000Z"),
            Some("2024-01-01T00:00:00Z"),
        );
        let mut m = m;
        m.scheme = Some("https".into());
        m.request_id = Some("r%41".into());
        m.resources = Some(vec![
            "urn:recap:eyJh".into(),
            "https://[::1]:80/a?b#c".into(),
        ]);
        let text = m.to_message();
        assert!(SiweMessage::parse(&text).is_ok());
        for cut in 0..text.len() {
            if let Some(t) = text.get(..cut) {
                for f in [Flavor::Sdk, Flavor::Node] {
                    if let Err(e) = SiweMessage::parse_with_spans(t, f) {
                        assert!(e.span.end <= t.len() && e.span.start <= e.span.end);
                    }
                }
            }
        }
        for (i, c) in (0..text.len()).zip("\n:é% -[]@#".chars().cycle()) {
            let mut t = text.clone();
            if t.is_char_boundary(i) && t.is_char_boundary(i + 1) {
                t.replace_range(i..i + 1, &c.to_string());
                if let Err(e) = SiweMessage::parse(&t) {
                    assert!(t.get(e.span.clone()).is_some(), "{e:?}");
                }
            }
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

    #[test]
    fn renders_as_is_render_equals() {
        let base = create_lit_siwe(&LitSiweParams {
            wallet_address: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".into(),
            uri: Some(session_key_uri(&"ab".repeat(32))),
            nonce: "0x1".into(),
            issued_at: Timestamp::parse_rfc3339("2024-09-19T13:07:33.606Z").unwrap(),
            resources: Some(vec![CapabilityRequest {
                resource: Resource::wildcard(ResourcePrefix::Pkp),
                ability: crate::wire::lit::Ability::PkpSigning,
                data: None,
            }]),
            ..Default::default()
        })
        .unwrap();
        let mut variants = vec![base.clone()];
        let mut m = base.clone();
        m.request_id = Some(String::new());
        m.resources = Some(vec![]);
        m.scheme = Some("https".into());
        m.chain_id = u64::MAX;
        variants.push(m);
        let mut m = base;
        m.statement = Some(String::new());
        m.resources = None;
        m.chain_id = 0;
        m.not_before = Some("2024-09-19T13:07:33.606Z".into());
        variants.push(m);
        for m in &variants {
            for flavor in [Flavor::Sdk, Flavor::Node] {
                let text = m.render(flavor);
                assert!(m.renders_as(flavor, &text));
                for other in [
                    &text[..text.len() - 1],
                    &format!("{text}\n"),
                    &text.replacen('1', "2", 1),
                    "",
                ] {
                    assert!(!m.renders_as(flavor, other), "{other}");
                }
                let other = if flavor == Flavor::Sdk {
                    Flavor::Node
                } else {
                    Flavor::Sdk
                };
                assert_eq!(m.renders_as(other, &text), m.render(other) == text);
            }
        }
        let mut buf = [0u8; 20];
        for n in [0, 1, 9, 10, 1337, u64::MAX] {
            assert_eq!(decimal(n, &mut buf), n.to_string());
        }
    }
}
