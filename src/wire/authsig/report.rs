//! What an AuthSig check is asked ([`CheckOptions`]) and what it answers ([`AuthSigReport`]):
//! diagnostics, the decoded ReCaps, the subset proof per request, and the SDK's own verdict
//! (`checkNeedToResignSessionKey`), with their JSON form for `litcap check --format json`.

use super::AuthSigKind;
use crate::diag::Diagnostics;
use crate::eth::{Address, Signature, SignatureError};
use crate::time::Timestamp;
use crate::wire::coverage::{Request, Verdict};
use crate::wire::recap::{Decoded, Recap, RecapError};
use crate::wire::siwe::{SiweMessage, SiweParseError, SiweSpans, SiweVerifyError};
use serde_json::{json, Value};

/// What to check an AuthSig against.
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// The time of the check (the SDK's `new Date()`, the nodes' `Utc::now()`).
    pub now: Timestamp,
    /// The session public key (64 hex digits) the AuthSig must be for, if known.
    pub session_key: Option<String>,
    /// The requests the session will make (the SDK's `resourceAbilityRequests`).
    pub requests: Vec<Request>,
    /// The network's BLS root key, to verify a `lit.bls` AuthSig.
    pub network_key: Option<crate::wire::bls::NetworkKey>,
    /// ERC-5573: the SIWE `URI` the AuthSig must name (the relying party), if known.
    pub uri: Option<String>,
    /// The profile whose rules judge it (`None`: Datil).
    pub profile: Option<&'static crate::profile::Profile>,
}

/// Why `checkNeedToResignSessionKey` returns true.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResignReason {
    /// `siwe.verify` failed (expired, not yet valid, bad signature, invalid field).
    Verify(SiweVerifyError),
    /// The SIWE `URI` is not the session key's.
    UriMismatch { expected: String, found: String },
    /// The SIWE message has no resources.
    NoResources,
    /// The first resource's recap does not cover the request with this index.
    NotCovered { request: usize },
}

/// The SDK's own verdict (`checkNeedToResignSessionKey` of lit-node-client-nodejs 7.4.0).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SdkVerdict {
    /// Returns false: the SDK reuses this AuthSig.
    Reuse,
    /// Returns true: the SDK calls `authNeededCallback` again (and uses whatever it returns
    /// without checking it).
    Resign(ResignReason),
    /// Throws, so `getSessionSigs` fails. The text is the SDK's message where known.
    Throws(String),
    /// `algo: LIT_BLS` and everything else passes: the outcome depends on the BLS signature,
    /// which needs the network's public key.
    Unverifiable,
}

impl SdkVerdict {
    /// `Some(needToResignSessionKey)`, or `None` when the SDK throws or litcap cannot tell.
    pub fn need_to_resign(&self) -> Option<bool> {
        match self {
            SdkVerdict::Reuse => Some(false),
            SdkVerdict::Resign(_) => Some(true),
            SdkVerdict::Throws(_) | SdkVerdict::Unverifiable => None,
        }
    }

    /// A plain-language explanation.
    pub fn describe(&self, requests: &[Request]) -> String {
        match self {
            SdkVerdict::Reuse => "the SDK reuses this AuthSig".to_string(),
            SdkVerdict::Throws(m) => format!("the SDK throws (`{m}`), so `getSessionSigs` fails"),
            SdkVerdict::Unverifiable => {
                "the SDK's verdict depends on the BLS signature, which litcap cannot check"
                    .to_string()
            }
            SdkVerdict::Resign(r) => {
                let why = match r {
                    ResignReason::Verify(e) => format!("`siwe.verify` fails: {e}"),
                    ResignReason::UriMismatch { expected, found } => {
                        format!("its URI is `{found}`, not `{expected}`")
                    }
                    ResignReason::NoResources => "it has no resources".to_string(),
                    ResignReason::NotCovered { request } => match requests.get(*request) {
                        Some(q) => format!(
                            "its first recap does not grant `{}` on `{}`",
                            q.ability,
                            q.resource.key()
                        ),
                        None => "its first recap does not cover a request".to_string(),
                    },
                };
                format!("the SDK asks the wallet to sign again: {why}")
            }
        }
    }
}

/// One `urn:recap:` resource of the SIWE message.
#[derive(Clone, Debug, PartialEq)]
pub struct RecapEntry {
    /// Its index in `Resources`.
    pub resource_index: usize,
    pub urn: String,
    pub decoded: Result<Decoded, RecapError>,
    /// Whether the statement ends with the recap's sentence (`None` if it did not decode).
    pub statement_matches: Option<bool>,
}

/// Everything [`check_authsig`](super::check_authsig) found.
#[derive(Clone, Debug)]
pub struct AuthSigReport {
    pub kind: AuthSigKind,
    /// The SIWE message: as the SDK parses it, or as only the nodes parse it (then
    /// `siwe_error` holds the SDK's objection).
    pub siwe: Option<SiweMessage>,
    pub siwe_spans: Option<SiweSpans>,
    /// Why the SDK's parser (siwe 2.3.2) rejects the message.
    pub siwe_error: Option<SiweParseError>,
    /// The `sig` as a 65-byte signature.
    pub signature: Result<Signature, SignatureError>,
    /// The signer of the `signedMessage` text as written (`ethers.utils.verifyMessage`).
    pub recovered: Option<Address>,
    /// `recovered` written in EIP-55 equals `address` exactly (what the SDK's oracle reports).
    pub recovered_matches_address: bool,
    /// `siwe.verify` at `now` as the SDK runs it.
    pub sdk_verify: Option<Result<Address, SiweVerifyError>>,
    /// The SIWE verification the nodes run at `now`.
    pub node_verify: Option<Result<Address, SiweVerifyError>>,
    pub recaps: Vec<RecapEntry>,
    /// `decode(resources[0])`: the only recap the SDK reads (`None` without resources).
    pub sdk_recap: Option<Result<Recap, RecapError>>,
    /// Per request: does the SDK's recap cover it (`verifyCapabilitiesForResource`)?
    pub sdk_checks: Vec<bool>,
    /// Per request: the nodes' coverage over every recap that decodes, and which one.
    pub node_coverage: Vec<(Verdict, Option<usize>)>,
    pub sdk: SdkVerdict,
    /// The session key URI the SDK compares with (given, or the message's own).
    pub session_key_uri: Option<String>,
    pub diagnostics: Diagnostics,
}

impl AuthSigReport {
    /// Whether the SDK's recap covers every request.
    pub fn sdk_covered(&self) -> bool {
        self.sdk_recap.as_ref().is_some_and(|r| r.is_ok()) && self.sdk_checks.iter().all(|c| *c)
    }

    /// A JSON summary (for `--format json` outputs).
    pub fn to_json(&self, requests: &[Request]) -> Value {
        let verify = |v: &Option<Result<Address, SiweVerifyError>>| match v {
            None => Value::Null,
            Some(Ok(a)) => json!({"success": true, "signer": a.to_checksum()}),
            Some(Err(e)) => {
                json!({"success": false, "error": e.to_string(), "sdkError": e.sdk_message()})
            }
        };
        json!({
            "kind": self.kind.as_str(),
            "siwe": self.siwe.as_ref().map(|m| json!({
                "domain": m.domain, "address": m.address, "uri": m.uri, "chainId": m.chain_id,
                "issuedAt": m.issued_at, "expirationTime": m.expiration_time,
                "notBefore": m.not_before, "resources": m.resources,
            })),
            "siweError": self.siwe_error.as_ref().map(|e| json!({"field": e.field.as_str(), "message": e.message})),
            "recoveredAddress": self.recovered.map(|a| a.to_checksum()),
            "recoveredMatchesAddress": self.recovered_matches_address,
            "sdkVerify": verify(&self.sdk_verify),
            "nodeVerify": verify(&self.node_verify),
            "recaps": self.recaps.iter().map(|r| json!({
                "resourceIndex": r.resource_index,
                "ok": r.decoded.is_ok(),
                "error": r.decoded.as_ref().err().map(|e| e.to_string()),
                "canonical": r.decoded.as_ref().ok().map(|d| d.canonical),
                "statementMatches": r.statement_matches,
                "attenuations": r.decoded.as_ref().ok().map(|d| d.recap.to_value()["att"].clone()),
            })).collect::<Vec<_>>(),
            "requests": requests.iter().enumerate().map(|(i, q)| json!({
                "resource": q.resource.key(),
                "ability": q.ability.as_str(),
                "sdkCovered": self.sdk_checks.get(i).copied().unwrap_or(false),
                "nodeCovered": self.node_coverage.get(i).is_some_and(|(v, _)| v.is_covered()),
            })).collect::<Vec<_>>(),
            "needToResignSessionKey": self.sdk.need_to_resign(),
            "sdkVerdict": self.sdk.describe(requests),
            "sessionKeyUri": self.session_key_uri,
        })
    }
}
