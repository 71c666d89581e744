//! Sign-In with Ethereum (EIP-4361) messages: the text siwe 2.3.2 writes, and the message the
//! Lit SDK builds with `createSiweMessageWithRecaps` (one merged `urn:recap:` resource).

use crate::eth::{self, Address, Signature};
use crate::lit::{Ability, Resource};
use crate::recap::{self, NotaBene, RecapError};
use crate::time::{TimeError, Timestamp};
use std::ops::Range;

pub use parse::{check_authority, check_scheme, check_uri};

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
        let mut spans = SiweSpans::default();
        fn put(out: &mut String, tag: &str, value: &str) -> Range<usize> {
            out.push_str(tag);
            let start = out.len();
            out.push_str(value);
            start..out.len()
        }
        if let Some(scheme) = &self.scheme {
            spans.scheme = Some(put(&mut out, "", scheme));
            out.push_str("://");
        }
        spans.domain = put(&mut out, "", &self.domain);
        out.push_str(PREAMBLE);
        spans.address = put(&mut out, "\n", &self.address);
        out.push_str("\n\n");
        // `[prefix, statement].join('\n\n')`, plus '\n' only for a non-empty statement.
        if let Some(s) = self.statement.as_deref().filter(|s| !s.is_empty()) {
            spans.statement = Some(put(&mut out, "", s));
            out.push('\n');
        }
        out.push('\n');
        spans.uri = put(&mut out, "URI: ", &self.uri);
        spans.version = put(&mut out, "\nVersion: ", &self.version);
        spans.chain_id = put(&mut out, "\nChain ID: ", &self.chain_id.to_string());
        spans.nonce = put(&mut out, "\nNonce: ", &self.nonce);
        spans.issued_at = put(&mut out, "\nIssued At: ", &self.issued_at);
        // siwe 2.3.2 skips empty optional strings (`if (this.expirationTime)`).
        if let Some(e) = self.expiration_time.as_deref().filter(|e| !e.is_empty()) {
            spans.expiration_time = Some(put(&mut out, "\nExpiration Time: ", e));
        }
        if let Some(n) = self.not_before.as_deref().filter(|n| !n.is_empty()) {
            spans.not_before = Some(put(&mut out, "\nNot Before: ", n));
        }
        if let Some(r) = self
            .request_id
            .as_deref()
            .filter(|r| flavor == Flavor::Node || !r.is_empty())
        {
            spans.request_id = Some(put(&mut out, "\nRequest ID: ", r));
        }
        if let Some(resources) = self
            .resources
            .as_ref()
            .filter(|r| flavor == Flavor::Sdk || !r.is_empty())
        {
            out.push_str("\nResources:");
            for r in resources {
                spans.resources.push(put(&mut out, "\n- ", r));
            }
        }
        (out, spans)
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
        parse::from_fields(fields)
    }

    /// `validateMessage()` of siwe 2.3.2, made as strict as the parser: the message must
    /// render to text that parses back to the same fields. Spans refer to
    /// [`SiweMessage::to_message`].
    pub fn validate(&self) -> Result<(), SiweParseError> {
        parse::validate(self, Flavor::Sdk)
    }

    /// [`SiweMessage::validate`] with the rules of one implementation.
    pub fn validate_as(&self, flavor: Flavor) -> Result<(), SiweParseError> {
        parse::validate(self, flavor)
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
                self.validate_as(Flavor::Sdk)
                    .map_err(SiweVerifyError::Invalid)?;
            }
            Flavor::Node => {
                self.validate_as(Flavor::Node)
                    .map_err(SiweVerifyError::Invalid)?;
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
pub fn session_key_uri(public_key_hex: &str) -> String {
    format!("{SESSION_KEY_URI_PREFIX}{public_key_hex}")
}

/// The EIP-4361 parser, the field validators, and the error and span types.
mod parse {
    use super::{Flavor, SiweMessage, PREAMBLE};
    use crate::eth::{Address, AddressError};
    use crate::time::{TimeError, Timestamp};
    use serde_json::Value;
    use std::ops::Range;

    /// A part of a SIWE message.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub enum SiweField {
        /// The first line, `<domain> wants you to sign in with your Ethereum account:`.
        Preamble,
        Scheme,
        Domain,
        Address,
        Statement,
        Uri,
        Version,
        ChainId,
        Nonce,
        IssuedAt,
        ExpirationTime,
        NotBefore,
        RequestId,
        Resources,
        /// Empty lines, line order, trailing text.
        Layout,
    }

    impl SiweField {
        /// The fields that hold a value of the message (all but `Preamble` and `Layout`).
        pub const ALL_VALUE_FIELDS: [SiweField; 13] = [
            SiweField::Scheme,
            SiweField::Domain,
            SiweField::Address,
            SiweField::Statement,
            SiweField::Uri,
            SiweField::Version,
            SiweField::ChainId,
            SiweField::Nonce,
            SiweField::IssuedAt,
            SiweField::ExpirationTime,
            SiweField::NotBefore,
            SiweField::RequestId,
            SiweField::Resources,
        ];

        /// The name siwe uses for the field in its JSON form (`chainId`, `issuedAt`).
        pub fn as_str(self) -> &'static str {
            match self {
                SiweField::Preamble => "preamble",
                SiweField::Scheme => "scheme",
                SiweField::Domain => "domain",
                SiweField::Address => "address",
                SiweField::Statement => "statement",
                SiweField::Uri => "uri",
                SiweField::Version => "version",
                SiweField::ChainId => "chainId",
                SiweField::Nonce => "nonce",
                SiweField::IssuedAt => "issuedAt",
                SiweField::ExpirationTime => "expirationTime",
                SiweField::NotBefore => "notBefore",
                SiweField::RequestId => "requestId",
                SiweField::Resources => "resources",
                SiweField::Layout => "layout",
            }
        }

        /// How the field is written in the message (`Chain ID`).
        pub fn label(self) -> &'static str {
            match self {
                SiweField::Preamble => "header",
                SiweField::Scheme => "scheme",
                SiweField::Domain => "domain",
                SiweField::Address => "address",
                SiweField::Statement => "statement",
                SiweField::Uri => "URI",
                SiweField::Version => "Version",
                SiweField::ChainId => "Chain ID",
                SiweField::Nonce => "Nonce",
                SiweField::IssuedAt => "Issued At",
                SiweField::ExpirationTime => "Expiration Time",
                SiweField::NotBefore => "Not Before",
                SiweField::RequestId => "Request ID",
                SiweField::Resources => "Resources",
                SiweField::Layout => "layout",
            }
        }

        /// siwe 2.3.2's `SiweErrorType` text for a field that fails validation.
        pub(super) fn sdk_message(self) -> &'static str {
            match self {
                SiweField::Domain => "Invalid domain.",
                SiweField::Address => "Invalid address.",
                SiweField::Uri => "URI does not conform to RFC 3986.",
                SiweField::Version => "Invalid message version.",
                SiweField::Nonce => "Nonce size smaller then 8 characters or is not alphanumeric.",
                SiweField::IssuedAt | SiweField::ExpirationTime | SiweField::NotBefore => {
                    "Invalid time format."
                }
                _ => "Unable to parse the message.",
            }
        }

        /// How to fix a field that failed.
        pub fn help(self) -> &'static str {
            match self {
                SiweField::Preamble => "the first line must be `<domain> wants you to sign in with your Ethereum account:`",
                SiweField::Scheme => "write the scheme as a letter followed by letters, digits, `+`, `-` or `.` (e.g. `https://`), or drop it",
                SiweField::Domain => "use the RFC 3986 authority of the site asking for the signature, e.g. `app.example.com` or `localhost:3000`",
                SiweField::Address => "write the address in its EIP-55 checksummed form (what `ethers.utils.getAddress` returns)",
                SiweField::Statement => "keep the statement on one line, using letters, digits, spaces and `-._~:/?#[]@!$&'()*+,;=`",
                SiweField::Uri => "use an absolute RFC 3986 URI such as `lit:session:<session public key>` or `https://app.example.com/login`",
                SiweField::Version => "write `Version: 1`",
                SiweField::ChainId => "write the EIP-155 chain id as a decimal number, e.g. `Chain ID: 1`",
                SiweField::Nonce => "use at least 8 letters or digits (the Lit SDK uses the latest block hash)",
                SiweField::IssuedAt | SiweField::ExpirationTime | SiweField::NotBefore => "write an RFC 3339 date-time that exists, such as `2024-09-19T13:07:33.606Z` (what `new Date().toISOString()` returns)",
                SiweField::RequestId => "use only RFC 3986 path characters in the request id",
                SiweField::Resources => "list each resource on its own line as `- <RFC 3986 URI>`",
                SiweField::Layout => "EIP-4361 fixes the layout: header, address, an empty line, an optional one-line statement and an empty line, then `URI`, `Version`, `Chain ID`, `Nonce`, `Issued At`, then the optional `Expiration Time`, `Not Before`, `Request ID` and `Resources`, with no line break after the last line",
            }
        }
    }

    impl std::fmt::Display for SiweField {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.as_str())
        }
    }

    /// Why a SIWE message did not parse or validate.
    #[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
    #[error("{message}")]
    pub struct SiweParseError {
        /// The field that failed.
        pub field: SiweField,
        /// Lowercase; names the offending text in backticks.
        pub message: String,
        /// Byte range of the offending text in the message text (for [`SiweMessage::validate`],
        /// in [`SiweMessage::to_message`]; empty when built from fields that never had text).
        pub span: Range<usize>,
    }

    impl SiweParseError {
        /// How to fix it.
        pub fn help(&self) -> &'static str {
            self.field.help()
        }
    }

    /// Byte ranges of the field values in a message text.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct SiweSpans {
        pub scheme: Option<Range<usize>>,
        pub domain: Range<usize>,
        pub address: Range<usize>,
        pub statement: Option<Range<usize>>,
        pub uri: Range<usize>,
        pub version: Range<usize>,
        pub chain_id: Range<usize>,
        pub nonce: Range<usize>,
        pub issued_at: Range<usize>,
        pub expiration_time: Option<Range<usize>>,
        pub not_before: Option<Range<usize>>,
        pub request_id: Option<Range<usize>>,
        /// One per resource, without the `- ` prefix.
        pub resources: Vec<Range<usize>>,
    }

    impl SiweSpans {
        /// The range of a field's value (the first resource for [`SiweField::Resources`]).
        pub fn get(&self, field: SiweField) -> Option<Range<usize>> {
            match field {
                SiweField::Scheme => self.scheme.clone(),
                SiweField::Domain | SiweField::Preamble => Some(self.domain.clone()),
                SiweField::Address => Some(self.address.clone()),
                SiweField::Statement => self.statement.clone(),
                SiweField::Uri => Some(self.uri.clone()),
                SiweField::Version => Some(self.version.clone()),
                SiweField::ChainId => Some(self.chain_id.clone()),
                SiweField::Nonce => Some(self.nonce.clone()),
                SiweField::IssuedAt => Some(self.issued_at.clone()),
                SiweField::ExpirationTime => self.expiration_time.clone(),
                SiweField::NotBefore => self.not_before.clone(),
                SiweField::RequestId => self.request_id.clone(),
                SiweField::Resources => self.resources.first().cloned(),
                SiweField::Layout => None,
            }
        }
    }

    fn err(field: SiweField, span: Range<usize>, message: impl Into<String>) -> SiweParseError {
        SiweParseError {
            field,
            message: message.into(),
            span,
        }
    }

    /// User text in backticks, shortened and with control characters escaped.
    pub(crate) fn quote(s: &str) -> String {
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

    fn show_char(c: char) -> String {
        match c {
            ' ' => "a space".to_string(),
            '`' => "a backtick".to_string(),
            c if c.is_control() => format!("`{}`", c.escape_debug()),
            c => format!("`{c}`"),
        }
    }

    // ------------------------------------------------------------------ RFC 3986 ---

    fn is_unreserved(b: u8) -> bool {
        b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
    }

    fn is_sub_delim(b: u8) -> bool {
        matches!(
            b,
            b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
        )
    }

    fn is_gen_delim(b: u8) -> bool {
        matches!(b, b':' | b'/' | b'?' | b'#' | b'[' | b']' | b'@')
    }

    fn is_pchar(b: u8) -> bool {
        is_unreserved(b) || is_sub_delim(b) || b == b':' || b == b'@'
    }

    /// Every character is allowed by `ok` or is a `%XX` escape; returns the first that is not.
    fn scan(s: &str, ok: impl Fn(u8) -> bool) -> Result<(), char> {
        let b = s.as_bytes();
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if c == b'%' {
                let hex = |j: usize| b.get(j).is_some_and(u8::is_ascii_hexdigit);
                if !(hex(i + 1) && hex(i + 2)) {
                    return Err('%');
                }
                i += 3;
            } else if c.is_ascii() && ok(c) {
                i += 1;
            } else {
                return Err(s[i..].chars().next().unwrap_or('\u{fffd}'));
            }
        }
        Ok(())
    }

    /// RFC 3986 `scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`.
    pub fn check_scheme(s: &str) -> Result<(), String> {
        let mut chars = s.chars();
        match chars.next() {
            None => return Err("the scheme is empty".to_string()),
            Some(c) if !c.is_ascii_alphabetic() => {
                return Err(format!("the scheme {} must start with a letter", quote(s)))
            }
            _ => {}
        }
        match chars.find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))) {
            Some(c) => Err(format!(
                "{} is not allowed in the scheme {}",
                show_char(c),
                quote(s)
            )),
            None => Ok(()),
        }
    }

    fn is_h16(s: &str) -> bool {
        (1..=4).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_hexdigit())
    }

    fn is_dec_octet(s: &str) -> bool {
        let ok_digits = !s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit());
        ok_digits
            && (s.len() == 1 || !s.starts_with('0'))
            && s.parse::<u16>().is_ok_and(|n| n <= 255)
    }

    fn is_ipv4(s: &str) -> bool {
        let parts: Vec<&str> = s.split('.').collect();
        parts.len() == 4 && parts.iter().all(|p| is_dec_octet(p))
    }

    /// RFC 3986 `IPv6address`.
    pub(crate) fn is_ipv6(s: &str) -> bool {
        let (head, tail, compressed) = match s.find("::") {
            Some(i) => (&s[..i], &s[i + 2..], true),
            None => (s, "", false),
        };
        if compressed && tail.contains("::") {
            return false;
        }
        let groups = |part: &str| -> Vec<String> {
            if part.is_empty() {
                Vec::new()
            } else {
                part.split(':').map(str::to_string).collect()
            }
        };
        let head_groups = groups(head);
        let tail_groups = groups(tail);
        // The group that may be an IPv4 address: the last one written.
        let last_is_tail = compressed;
        let mut units = 0;
        for (which, list) in [(false, &head_groups), (true, &tail_groups)] {
            for (i, g) in list.iter().enumerate() {
                let is_last = which == last_is_tail && i + 1 == list.len();
                if is_h16(g) {
                    units += 1;
                } else if is_last && is_ipv4(g) {
                    units += 2;
                } else {
                    return false;
                }
            }
        }
        if compressed {
            units <= 7
        } else {
            units == 8
        }
    }

    fn is_ipvfuture(s: &str) -> bool {
        let Some(rest) = s.strip_prefix(['v', 'V']) else {
            return false;
        };
        let Some((ver, addr)) = rest.split_once('.') else {
            return false;
        };
        !ver.is_empty()
            && ver.bytes().all(|b| b.is_ascii_hexdigit())
            && !addr.is_empty()
            && addr
                .bytes()
                .all(|b| is_unreserved(b) || is_sub_delim(b) || b == b':')
    }

    /// RFC 3986 `authority = [ userinfo "@" ] host [ ":" port ]`. Returns why not.
    pub fn check_authority(s: &str) -> Result<(), String> {
        let (userinfo, hostport) = match s.find('@') {
            Some(i) => (Some(&s[..i]), &s[i + 1..]),
            None => (None, s),
        };
        if let Some(u) = userinfo {
            scan(u, |b| is_unreserved(b) || is_sub_delim(b) || b == b':')
                .map_err(|c| format!("{} is not allowed in the user information", show_char(c)))?;
        }
        let rest = if let Some(inner) = hostport.strip_prefix('[') {
            let close = inner
                .find(']')
                .ok_or_else(|| "the IP literal opened by `[` is not closed".to_string())?;
            let literal = &inner[..close];
            if !(is_ipv6(literal) || is_ipvfuture(literal)) {
                return Err(format!("{} is not an IPv6 address", quote(literal)));
            }
            &inner[close + 1..]
        } else {
            let end = hostport.find(':').unwrap_or(hostport.len());
            scan(&hostport[..end], |b| is_unreserved(b) || is_sub_delim(b))
                .map_err(|c| format!("{} is not allowed in a host name", show_char(c)))?;
            &hostport[end..]
        };
        if rest.is_empty() {
            return Ok(());
        }
        match rest.strip_prefix(':') {
            Some(port) if port.bytes().all(|b| b.is_ascii_digit()) => Ok(()),
            Some(port) => Err(format!("the port {} is not a number", quote(port))),
            None => Err(format!("unexpected {} after the host", quote(rest))),
        }
    }

    /// RFC 3986 `URI = scheme ":" hier-part [ "?" query ] [ "#" fragment ]`. Returns why not.
    pub fn check_uri(s: &str) -> Result<(), String> {
        let colon = s
            .find(':')
            .ok_or_else(|| "it has no scheme (such as `https:` or `lit:`)".to_string())?;
        check_scheme(&s[..colon])?;
        let rest = &s[colon + 1..];
        let (rest, fragment) = match rest.split_once('#') {
            Some((r, f)) => (r, Some(f)),
            None => (rest, None),
        };
        if let Some(f) = fragment {
            scan(f, |b| is_pchar(b) || b == b'/' || b == b'?')
                .map_err(|c| format!("{} is not allowed in the fragment", show_char(c)))?;
        }
        let (hier, query) = match rest.split_once('?') {
            Some((h, q)) => (h, Some(q)),
            None => (rest, None),
        };
        if let Some(q) = query {
            scan(q, |b| is_pchar(b) || b == b'/' || b == b'?')
                .map_err(|c| format!("{} is not allowed in the query", show_char(c)))?;
        }
        let path = if let Some(after) = hier.strip_prefix("//") {
            let end = after.find('/').unwrap_or(after.len());
            check_authority(&after[..end])?;
            &after[end..]
        } else {
            hier
        };
        scan(path, |b| is_pchar(b) || b == b'/')
            .map_err(|c| format!("{} is not allowed in the path", show_char(c)))
    }

    /// EIP-4361 `statement = *( reserved / unreserved / " " )`.
    fn check_statement(s: &str, flavor: Flavor) -> Result<(), String> {
        if let Some(c) = s.chars().find(|c| *c == '\n') {
            return Err(format!("the statement contains {}", show_char(c)));
        }
        if flavor == Flavor::Node {
            return Ok(());
        }
        match s.chars().find(|&c| {
            !(c.is_ascii()
                && (is_unreserved(c as u8)
                    || is_gen_delim(c as u8)
                    || is_sub_delim(c as u8)
                    || c == ' '))
        }) {
            Some(c) => Err(format!(
                "the statement contains {}, which EIP-4361 does not allow in a statement",
                show_char(c)
            )),
            None => Ok(()),
        }
    }

    fn check_nonce(s: &str, flavor: Flavor) -> Result<(), String> {
        match flavor {
            Flavor::Sdk => {
                if let Some(c) = s.chars().find(|c| !c.is_ascii_alphanumeric()) {
                    return Err(format!(
                        "nonce {} contains {}; a SIWE nonce is letters and digits only",
                        quote(s),
                        show_char(c)
                    ));
                }
            }
            Flavor::Node => {
                if s.contains('\n') {
                    return Err(format!("nonce {} contains a line break", quote(s)));
                }
            }
        }
        if s.len() < 8 {
            return Err(format!(
                "nonce {} has {} characters; a SIWE nonce has at least 8",
                quote(s),
                s.chars().count()
            ));
        }
        Ok(())
    }

    fn check_time(field: SiweField, s: &str) -> Result<(), String> {
        match Timestamp::parse_rfc3339(s) {
            Ok(_) => Ok(()),
            Err(TimeError::Syntax(_)) => Err(format!(
                "`{}` value {} is not an RFC 3339 date-time",
                field.label(),
                quote(s)
            )),
            Err(TimeError::OutOfRange(_)) => Err(format!(
                "`{}` value {} names a day or time that does not exist",
                field.label(),
                quote(s)
            )),
        }
    }

    fn check_address(s: &str) -> Result<(), String> {
        match Address::parse_checksummed(s) {
            Ok(_) => Ok(()),
            Err(AddressError::Checksum { expected, .. }) => Err(format!(
                "address {} is not EIP-55 checksummed (expected `{expected}`)",
                quote(s)
            )),
            Err(AddressError::Syntax(_)) if s.is_empty() => {
                Err("the address line is empty".to_string())
            }
            Err(AddressError::Syntax(_)) => Err(format!(
                "{} is not an Ethereum address (`0x` and 40 hex digits)",
                quote(s)
            )),
        }
    }

    fn check_chain_id(s: &str) -> Result<u64, String> {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("chain id {} is not a decimal number", quote(s)));
        }
        s.parse::<u64>()
            .map_err(|_| format!("chain id {} is larger than {}", quote(s), u64::MAX))
    }

    fn check_request_id(s: &str, flavor: Flavor) -> Result<(), String> {
        match flavor {
            Flavor::Sdk => scan(s, is_pchar).map_err(|c| {
                format!(
                    "request id {} contains {}, which is not an RFC 3986 path character",
                    quote(s),
                    show_char(c)
                )
            }),
            Flavor::Node if s.contains('\n') => {
                Err(format!("request id {} contains a line break", quote(s)))
            }
            Flavor::Node => Ok(()),
        }
    }

    // -------------------------------------------------------------------- parser ---

    const MANDATORY: [(SiweField, &str); 5] = [
        (SiweField::Uri, "URI: "),
        (SiweField::Version, "Version: "),
        (SiweField::ChainId, "Chain ID: "),
        (SiweField::Nonce, "Nonce: "),
        (SiweField::IssuedAt, "Issued At: "),
    ];
    const OPTIONAL: [(SiweField, &str); 4] = [
        (SiweField::ExpirationTime, "Expiration Time: "),
        (SiweField::NotBefore, "Not Before: "),
        (SiweField::RequestId, "Request ID: "),
        (SiweField::Resources, "Resources:"),
    ];

    /// The field whose tag (`Nonce:`) starts the line, if any.
    fn tag_of(line: &str) -> Option<SiweField> {
        MANDATORY
            .iter()
            .chain(OPTIONAL.iter())
            .find(|(_, tag)| line.starts_with(tag.trim_end()))
            .map(|(f, _)| *f)
    }

    fn describe(line: &str) -> String {
        if line.is_empty() {
            "an empty line".to_string()
        } else if let Some(f) = tag_of(line) {
            format!("the `{}:` line", f.label())
        } else {
            quote(line)
        }
    }

    pub(super) fn parse(
        text: &str,
        flavor: Flavor,
    ) -> Result<(SiweMessage, SiweSpans), SiweParseError> {
        let mut lines: Vec<(usize, &str)> = Vec::new();
        let mut start = 0;
        for l in text.split('\n') {
            lines.push((start, l));
            start += l.len() + 1;
        }
        let end = text.len();
        let line_span = |(s, l): (usize, &str)| s..s + l.len();
        let at = |i: usize| lines.get(i).copied();
        let mut msg = SiweMessage::default();
        let mut spans = SiweSpans::default();

        // Header: [ scheme "://" ] domain " wants you to sign in with your Ethereum account:"
        let first = at(0).unwrap_or((0, ""));
        let head = first.1.strip_suffix(PREAMBLE).ok_or_else(|| {
            err(
                SiweField::Preamble,
                line_span(first),
                format!(
                    "the first line must end with `{}`, found {}",
                    PREAMBLE.trim_start(),
                    quote(first.1)
                ),
            )
        })?;
        let mut domain_start = 0;
        let mut domain = head;
        if let Some(i) = head.find("://") {
            if flavor == Flavor::Node {
                return Err(err(
                    SiweField::Scheme,
                    0..i + 3,
                    format!(
                        "the Lit nodes' SIWE parser (siwe-rs 0.5) does not accept the scheme {} before the domain",
                        quote(&head[..i + 3])
                    ),
                ));
            }
            let scheme = &head[..i];
            check_scheme(scheme).map_err(|m| err(SiweField::Scheme, 0..i, m))?;
            msg.scheme = Some(scheme.to_string());
            spans.scheme = Some(0..i);
            domain_start = i + 3;
            domain = &head[i + 3..];
        }
        spans.domain = domain_start..domain_start + domain.len();
        if domain.is_empty() {
            return Err(err(
                SiweField::Domain,
                spans.domain.clone(),
                "the domain before ` wants you to sign in with your Ethereum account:` is empty",
            ));
        }
        check_authority(domain).map_err(|m| {
            err(
                SiweField::Domain,
                spans.domain.clone(),
                format!("domain {} is not an RFC 3986 authority: {m}", quote(domain)),
            )
        })?;
        msg.domain = domain.to_string();

        // Address.
        let Some(addr) = at(1) else {
            return Err(err(
                SiweField::Address,
                end..end,
                "the message ends after its first line; the address is missing",
            ));
        };
        check_address(addr.1).map_err(|m| err(SiweField::Address, line_span(addr), m))?;
        msg.address = addr.1.to_string();
        spans.address = line_span(addr);

        // LF [ statement LF ] LF
        match at(2) {
            Some((_, "")) => {}
            Some(l) => {
                return Err(err(
                    SiweField::Layout,
                    line_span(l),
                    format!(
                        "expected an empty line after the address, found {}",
                        describe(l.1)
                    ),
                ))
            }
            None => {
                return Err(err(
                    SiweField::Uri,
                    end..end,
                    "the message ends after the address; the `URI:` line is missing",
                ))
            }
        }
        let mut i = 3;
        match at(3) {
            None => {
                return Err(err(
                    SiweField::Uri,
                    end..end,
                    "the message ends after the address; the `URI:` line is missing",
                ))
            }
            Some((_, "")) => i += 1,
            Some(stmt) => {
                let next = at(4);
                if stmt.1.starts_with("URI: ") && next.is_some_and(|(_, l)| !l.is_empty()) {
                    return Err(err(
                        SiweField::Layout,
                        line_span(stmt),
                        "expected an empty line before the `URI:` line",
                    ));
                }
                check_statement(stmt.1, flavor)
                    .map_err(|m| err(SiweField::Statement, line_span(stmt), m))?;
                match next {
                    Some((_, "")) => {}
                    Some(l) => {
                        return Err(err(
                            SiweField::Statement,
                            line_span(l),
                            format!(
                                "the statement must be a single line followed by an empty line, found {} after it",
                                describe(l.1)
                            ),
                        ))
                    }
                    None => {
                        return Err(err(
                            SiweField::Uri,
                            end..end,
                            "the message ends after the statement; the `URI:` line is missing",
                        ))
                    }
                }
                msg.statement = Some(stmt.1.to_string());
                spans.statement = Some(line_span(stmt));
                i += 2;
            }
        }

        // The mandatory fields, in order.
        for (field, tag) in MANDATORY {
            let Some(line) = at(i) else {
                return Err(err(
                    field,
                    end..end,
                    format!(
                        "the message ends where the `{}:` line is expected",
                        field.label()
                    ),
                ));
            };
            i += 1;
            let Some(value) = line.1.strip_prefix(tag) else {
                let order = if tag_of(line.1).is_some() {
                    " (EIP-4361 fixes the order of the fields)"
                } else {
                    ""
                };
                return Err(err(
                    field,
                    line_span(line),
                    format!(
                        "expected the `{}:` line, found {}{order}",
                        field.label(),
                        describe(line.1)
                    ),
                ));
            };
            let span = line.0 + tag.len()..line.0 + line.1.len();
            let fail = |m: String| err(field, span.clone(), m);
            match field {
                SiweField::Uri => {
                    check_uri(value).map_err(|m| {
                        fail(format!(
                            "the URI {} is not an RFC 3986 URI: {m}",
                            quote(value)
                        ))
                    })?;
                    msg.uri = value.to_string();
                    spans.uri = span.clone();
                }
                SiweField::Version => {
                    if value != "1" {
                        return Err(fail(format!(
                            "version {} is not `1`, the only EIP-4361 version",
                            quote(value)
                        )));
                    }
                    msg.version = value.to_string();
                    spans.version = span.clone();
                }
                SiweField::ChainId => {
                    msg.chain_id = check_chain_id(value).map_err(fail)?;
                    spans.chain_id = span.clone();
                }
                SiweField::Nonce => {
                    check_nonce(value, flavor).map_err(fail)?;
                    msg.nonce = value.to_string();
                    spans.nonce = span.clone();
                }
                _ => {
                    check_time(field, value).map_err(fail)?;
                    msg.issued_at = value.to_string();
                    spans.issued_at = span.clone();
                }
            }
        }

        // The optional fields, in order, then the resource list up to the end.
        let mut stage = 0;
        let mut last = SiweField::IssuedAt;
        let mut resources: Option<Vec<String>> = None;
        while let Some(line) = at(i) {
            i += 1;
            let span_all = line_span(line);
            if resources.is_some() {
                if let Some(uri) = line.1.strip_prefix("- ") {
                    let span = line.0 + 2..line.0 + line.1.len();
                    check_uri(uri).map_err(|m| {
                        err(
                            SiweField::Resources,
                            span.clone(),
                            format!("resource {} is not an RFC 3986 URI: {m}", quote(uri)),
                        )
                    })?;
                    resources.get_or_insert_with(Vec::new).push(uri.to_string());
                    spans.resources.push(span);
                    continue;
                }
            }
            let optional = OPTIONAL
                .iter()
                .position(|(_, tag)| line.1.starts_with(tag.trim_end()));
            match optional {
                Some(k) if k >= stage && resources.is_none() => {
                    let (field, tag) = OPTIONAL[k];
                    stage = k + 1;
                    last = field;
                    if field == SiweField::Resources {
                        if line.1 != tag {
                            return Err(err(
                                field,
                                span_all,
                                format!(
                                    "`Resources:` must be alone on its line, found {}",
                                    quote(line.1)
                                ),
                            ));
                        }
                        resources = Some(Vec::new());
                        continue;
                    }
                    let Some(value) = line.1.strip_prefix(tag) else {
                        return Err(err(
                            field,
                            span_all,
                            format!(
                                "expected `{tag}` followed by a value, found {}",
                                quote(line.1)
                            ),
                        ));
                    };
                    let span = line.0 + tag.len()..line.0 + line.1.len();
                    let fail = |m: String| err(field, span.clone(), m);
                    match field {
                        SiweField::ExpirationTime => {
                            check_time(field, value).map_err(fail)?;
                            msg.expiration_time = Some(value.to_string());
                            spans.expiration_time = Some(span.clone());
                        }
                        SiweField::NotBefore => {
                            check_time(field, value).map_err(fail)?;
                            msg.not_before = Some(value.to_string());
                            spans.not_before = Some(span.clone());
                        }
                        _ => {
                            check_request_id(value, flavor).map_err(fail)?;
                            msg.request_id = Some(value.to_string());
                            spans.request_id = Some(span.clone());
                        }
                    }
                }
                Some(k) => {
                    let field = OPTIONAL[k].0;
                    return Err(err(
                        field,
                        span_all,
                        format!(
                            "the `{}:` line comes after the `{}:` line; EIP-4361 orders them `Expiration Time`, `Not Before`, `Request ID`, `Resources`",
                            field.label(),
                            last.label()
                        ),
                    ));
                }
                None => {
                    if let Some(field) = tag_of(line.1) {
                        return Err(err(
                            field,
                            span_all,
                            format!("a second `{}:` line", field.label()),
                        ));
                    }
                    if resources.is_some() {
                        return Err(err(
                            SiweField::Resources,
                            span_all,
                            format!(
                                "expected a resource line `- <uri>`, found {}",
                                describe(line.1)
                            ),
                        ));
                    }
                    if line.1.is_empty() && i == lines.len() {
                        return Err(err(
                            SiweField::Layout,
                            line.0.saturating_sub(1)..line.0,
                            "the message ends with a line break; nothing may follow its last line",
                        ));
                    }
                    return Err(err(
                        SiweField::Layout,
                        span_all,
                        format!(
                            "unexpected {} after the `{}:` line",
                            describe(line.1),
                            last.label()
                        ),
                    ));
                }
            }
        }
        msg.resources = resources;
        Ok((msg, spans))
    }

    // ---------------------------------------------------------------- validation ---

    pub(super) fn validate(msg: &SiweMessage, flavor: Flavor) -> Result<(), SiweParseError> {
        let (text, spans) = msg.render_with_spans(flavor);
        let at = |f: SiweField| spans.get(f).unwrap_or(0..0);
        let fail = |f: SiweField, m: String| err(f, at(f), m);
        if let Some(scheme) = &msg.scheme {
            if flavor == Flavor::Node {
                return Err(fail(
                    SiweField::Scheme,
                    "the Lit nodes' SIWE parser (siwe-rs 0.5) does not accept a scheme before the domain".into(),
                ));
            }
            check_scheme(scheme).map_err(|m| fail(SiweField::Scheme, m))?;
        }
        if msg.domain.is_empty() {
            return Err(fail(SiweField::Domain, "the domain is empty".into()));
        }
        check_authority(&msg.domain).map_err(|m| {
            fail(
                SiweField::Domain,
                format!(
                    "domain {} is not an RFC 3986 authority: {m}",
                    quote(&msg.domain)
                ),
            )
        })?;
        check_address(&msg.address).map_err(|m| fail(SiweField::Address, m))?;
        if let Some(s) = msg.statement.as_deref().filter(|s| !s.is_empty()) {
            check_statement(s, flavor).map_err(|m| fail(SiweField::Statement, m))?;
        }
        if msg.uri.is_empty() {
            return Err(fail(SiweField::Uri, "the URI is empty".into()));
        }
        check_uri(&msg.uri).map_err(|m| {
            fail(
                SiweField::Uri,
                format!("the URI {} is not an RFC 3986 URI: {m}", quote(&msg.uri)),
            )
        })?;
        if msg.version != "1" {
            return Err(fail(
                SiweField::Version,
                format!(
                    "version {} is not `1`, the only EIP-4361 version",
                    quote(&msg.version)
                ),
            ));
        }
        check_nonce(&msg.nonce, flavor).map_err(|m| fail(SiweField::Nonce, m))?;
        if msg.issued_at.is_empty() {
            return Err(fail(
                SiweField::IssuedAt,
                "the `Issued At` time is empty".into(),
            ));
        }
        check_time(SiweField::IssuedAt, &msg.issued_at)
            .map_err(|m| fail(SiweField::IssuedAt, m))?;
        if let Some(e) = msg.expiration_time.as_deref().filter(|e| !e.is_empty()) {
            check_time(SiweField::ExpirationTime, e)
                .map_err(|m| fail(SiweField::ExpirationTime, m))?;
        }
        if let Some(n) = msg.not_before.as_deref().filter(|n| !n.is_empty()) {
            check_time(SiweField::NotBefore, n).map_err(|m| fail(SiweField::NotBefore, m))?;
        }
        if let Some(r) = &msg.request_id {
            check_request_id(r, flavor).map_err(|m| fail(SiweField::RequestId, m))?;
        }
        for (n, r) in msg.resources.iter().flatten().enumerate() {
            check_uri(r).map_err(|m| {
                err(
                    SiweField::Resources,
                    spans.resources.get(n).cloned().unwrap_or(0..0),
                    format!("resource {} is not an RFC 3986 URI: {m}", quote(r)),
                )
            })?;
        }
        // The text must read back as the same fields.
        let normal = |m: &SiweMessage| {
            let mut m = m.clone();
            let empty_to_none = |o: &mut Option<String>| {
                if o.as_deref() == Some("") {
                    *o = None;
                }
            };
            empty_to_none(&mut m.statement);
            empty_to_none(&mut m.expiration_time);
            empty_to_none(&mut m.not_before);
            if flavor == Flavor::Sdk {
                empty_to_none(&mut m.request_id);
            } else if m.resources.as_ref().is_some_and(Vec::is_empty) {
                m.resources = None;
            }
            m
        };
        match parse(&text, flavor) {
            Ok((back, _)) if normal(&back) == normal(msg) => Ok(()),
            Ok(_) => Err(err(
                SiweField::Layout,
                0..text.len(),
                "the fields do not read back from the message text unchanged",
            )),
            Err(e) => Err(e),
        }
    }

    // --------------------------------------------------------------- from fields ---

    use crate::json::type_name as json_type;

    /// `parseInt(s)` as siwe's `parseIntegerNumber` uses it, limited to non-negative values.
    fn js_parse_int(s: &str) -> Option<u64> {
        let t = s.trim_start();
        let t = t.strip_prefix('+').unwrap_or(t);
        let (digits, radix) = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
            Some(h) => (h, 16),
            None => (t, 10),
        };
        let end = digits
            .char_indices()
            .find(|(_, c)| !c.is_digit(radix))
            .map_or(digits.len(), |(i, _)| i);
        u64::from_str_radix(digits.get(..end)?, radix).ok()
    }

    pub(super) fn from_fields(v: &Value) -> Result<SiweMessage, SiweParseError> {
        let none = 0..0;
        let Value::Object(obj) = v else {
            return Err(err(
                SiweField::Layout,
                none,
                format!(
                    "the SIWE fields must be a JSON object, found {}",
                    json_type(v)
                ),
            ));
        };
        let text = |key: &str,
                    field: SiweField,
                    required: bool|
         -> Result<Option<String>, SiweParseError> {
            match obj.get(key) {
                Some(Value::String(s)) => Ok(Some(s.clone())),
                None | Some(Value::Null) if !required => Ok(None),
                None | Some(Value::Null) => {
                    Err(err(field, 0..0, format!("the `{key}` field is missing")))
                }
                Some(other) => Err(err(
                    field,
                    0..0,
                    format!("`{key}` must be a string, found {}", json_type(other)),
                )),
            }
        };
        let required = |key: &str, field: SiweField| -> Result<String, SiweParseError> {
            text(key, field, true).map(Option::unwrap_or_default)
        };
        let chain_id = match obj.get("chainId") {
            Some(Value::Number(n)) => n.as_u64().ok_or_else(|| {
                err(
                    SiweField::ChainId,
                    0..0,
                    format!("chain id `{n}` is not a non-negative integer"),
                )
            })?,
            Some(Value::String(s)) => js_parse_int(s).ok_or_else(|| {
                err(
                    SiweField::ChainId,
                    0..0,
                    format!("chain id {} is not a number", quote(s)),
                )
            })?,
            None | Some(Value::Null) => {
                return Err(err(
                    SiweField::ChainId,
                    0..0,
                    "the `chainId` field is missing",
                ))
            }
            Some(other) => {
                return Err(err(
                    SiweField::ChainId,
                    0..0,
                    format!("`chainId` must be a number, found {}", json_type(other)),
                ))
            }
        };
        let resources = match obj.get("resources") {
            None | Some(Value::Null) => None,
            Some(Value::Array(items)) => Some(
                items
                    .iter()
                    .map(|r| match r {
                        Value::String(s) => Ok(s.clone()),
                        other => Err(err(
                            SiweField::Resources,
                            0..0,
                            format!("each resource must be a string, found {}", json_type(other)),
                        )),
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Some(other) => {
                return Err(err(
                    SiweField::Resources,
                    0..0,
                    format!("`resources` must be an array, found {}", json_type(other)),
                ))
            }
        };
        let msg = SiweMessage {
            scheme: text("scheme", SiweField::Scheme, false)?,
            domain: required("domain", SiweField::Domain)?,
            address: required("address", SiweField::Address)?,
            statement: text("statement", SiweField::Statement, false)?,
            uri: required("uri", SiweField::Uri)?,
            version: required("version", SiweField::Version)?,
            chain_id,
            nonce: required("nonce", SiweField::Nonce)?,
            issued_at: required("issuedAt", SiweField::IssuedAt)?,
            expiration_time: text("expirationTime", SiweField::ExpirationTime, false)?,
            not_before: text("notBefore", SiweField::NotBefore, false)?,
            request_id: text("requestId", SiweField::RequestId, false)?,
            resources,
        };
        msg.validate()?;
        Ok(msg)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn ipv6_forms() {
            for ok in [
                "::",
                "::1",
                "::cafe",
                "1::",
                "1:2:3:4:5:6:7:8",
                "1::8",
                "::ffff:1.2.3.4",
                "1:2:3:4:5:6:1.2.3.4",
                "fe80::1:2",
            ] {
                assert!(is_ipv6(ok), "{ok}");
            }
            for bad in [
                "",
                ":",
                ":::",
                "1:2:3:4:5:6:7",
                "1:2:3:4:5:6:7:8:9",
                "1::2::3",
                "12345::",
                "1.2.3.4::",
                "::1.2.3",
                "::01.2.3.4",
                "g::",
                "1:2:3:4:5:6:7::8",
            ] {
                assert!(!is_ipv6(bad), "{bad}");
            }
        }

        #[test]
        fn authorities() {
            for ok in [
                "service.org",
                "127.0.0.1",
                "test@127.0.0.1:8080",
                "[::cafe]",
                "localhost:8080",
                "[v1.x]",
                "a%20b",
                "u:p@h",
            ] {
                assert!(check_authority(ok).is_ok(), "{ok}");
            }
            for bad in [
                "#notrfc4501",
                "a b",
                "[::cafe",
                "[zz]",
                "h:8o",
                "a@b@c",
                "é.com",
                "h/x",
            ] {
                assert!(check_authority(bad).is_err(), "{bad}");
            }
        }

        #[test]
        fn uris() {
            for ok in [
                "https://service.org/login",
                "lit:session:abcd",
                "urn:recap:eyJh",
                "https://[::cafe]",
                "https://127.0.0.1/?query=one#begin",
                "ipfs://Qme7ss3ARVgxv6rXqVPiikMJ8u2NLgmgszg13pYrDKEoiu",
                "did:key:z6Mk#z6Mk",
                "a:",
                "mailto:a@b",
            ] {
                assert!(check_uri(ok).is_ok(), "{ok}");
            }
            for bad in [
                ":not_a_rfc3986_valid_uri_",
                "https://service.org/login - https://x",
                "no-scheme",
                "1a:b",
                "https://a/b c",
                "h://a%zz",
                "x:a#b#c",
            ] {
                assert!(check_uri(bad).is_err(), "{bad}");
            }
        }

        #[test]
        fn js_parse_int_semantics() {
            assert_eq!(js_parse_int("12abc"), Some(12));
            assert_eq!(js_parse_int(" 7"), Some(7));
            assert_eq!(js_parse_int("0x10"), Some(16));
            assert_eq!(js_parse_int("?"), None);
            assert_eq!(js_parse_int(""), None);
        }

        #[test]
        fn quote_shortens_and_escapes() {
            assert_eq!(quote("a\nb"), "`a\\nb`");
            assert!(quote(&"x".repeat(100)).ends_with("…`"));
        }
    }
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
}
