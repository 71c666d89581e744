//! AuthSigs: the wallet-signed SIWE message that grants a session key its capabilities.
//!
//! Reading an AuthSig JSON file with the position of every field ([`AuthSigFile`]), and
//! checking it ([`check_authsig`]) the way the Lit JS SDK v7 and the Lit nodes would.

use crate::coverage::{Gap, Request, Verdict};
use crate::diag::{Code, Diagnostic, Diagnostics, FileId, Severity, Span};
use crate::eth::{Address, Signature, SignatureError};
use crate::fit::{self, Audience, Finding};
use crate::recap::{self, Decoded, Recap, RecapError};
use crate::siwe::{Flavor, SiweField, SiweMessage, SiweParseError, SiweSpans, SiweVerifyError};
use crate::time::{Timestamp, Ttl};

pub use crate::fit::sdk::{ResignReason, SdkVerdict};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::ops::Range;

/// `derivedVia` of an EOA AuthSig (`generateAuthSig`).
pub const DERIVED_VIA_PERSONAL_SIGN: &str = "web3.eth.personal.sign";
/// `derivedVia` of a session signature.
pub const DERIVED_VIA_SESSION: &str = "litSessionSignViaNacl";

/// An AuthSig as JSON: `{sig, derivedVia, signedMessage, address, algo?}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthSig {
    pub sig: String,
    #[serde(rename = "derivedVia")]
    pub derived_via: String,
    #[serde(rename = "signedMessage")]
    pub signed_message: String,
    pub address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algo: Option<String>,
    /// The object as it was read, so it is re-serialised with its own key order (PKP AuthSigs
    /// put `algo` second) and any extra keys, exactly as `JSON.stringify` would.
    #[serde(skip)]
    pub original: Option<Map<String, Value>>,
}

impl AuthSig {
    /// An EOA AuthSig as `generateAuthSig` returns it.
    pub fn personal_sign(sig: String, signed_message: String, address: String) -> AuthSig {
        AuthSig {
            sig,
            derived_via: DERIVED_VIA_PERSONAL_SIGN.to_string(),
            signed_message,
            address,
            algo: None,
            original: None,
        }
    }

    /// The JSON object in the key order the SDK would write it.
    pub fn to_value(&self) -> Value {
        if let Some(orig) = &self.original {
            return Value::Object(orig.clone());
        }
        let mut m = Map::new();
        m.insert("sig".into(), Value::String(self.sig.clone()));
        m.insert("derivedVia".into(), Value::String(self.derived_via.clone()));
        m.insert(
            "signedMessage".into(),
            Value::String(self.signed_message.clone()),
        );
        m.insert("address".into(), Value::String(self.address.clone()));
        if let Some(a) = &self.algo {
            m.insert("algo".into(), Value::String(a.clone()));
        }
        Value::Object(m)
    }

    /// Reads an AuthSig from a JSON object, keeping the object for faithful re-serialisation.
    pub fn from_value(value: &Value) -> Result<AuthSig, serde_json::Error> {
        let mut a: AuthSig = serde_json::from_value(value.clone())?;
        if let Value::Object(m) = value {
            a.original = Some(m.clone());
        }
        Ok(a)
    }
}

/// `derivedVia` of a PKP (BLS network) AuthSig.
pub const DERIVED_VIA_BLS: &str = "lit.bls";
/// `algo` of a PKP (BLS network) AuthSig.
pub const ALGO_BLS: &str = "LIT_BLS";
/// `algo` of a session signature.
pub const ALGO_ED25519: &str = "ed25519";

/// What an AuthSig JSON holds, by the nodes' rule (`auth_material.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuthSigKind {
    /// An EOA `personal_sign` over a SIWE message (anything not matched below).
    Wallet,
    /// `derivedVia: litSessionSignViaNacl` with `algo: ed25519`.
    Session,
    /// `derivedVia: lit.bls` with `algo: LIT_BLS`: signed by the network for a PKP.
    BlsNetwork,
    /// `derivedVia: EIP1271` or `EIP1271_SHA256`: a contract wallet.
    Contract,
}

impl AuthSigKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthSigKind::Wallet => "wallet",
            AuthSigKind::Session => "session",
            AuthSigKind::BlsNetwork => "bls-network",
            AuthSigKind::Contract => "contract",
        }
    }
}

impl AuthSig {
    /// How the nodes classify this AuthSig.
    pub fn kind(&self) -> AuthSigKind {
        kind_of(&self.derived_via, self.algo.as_deref())
    }
}

/// The nodes' classification from `derivedVia` and `algo`.
pub fn kind_of(derived_via: &str, algo: Option<&str>) -> AuthSigKind {
    match (derived_via, algo) {
        (DERIVED_VIA_SESSION, Some(ALGO_ED25519)) => AuthSigKind::Session,
        ("EIP1271" | "EIP1271_SHA256", _) => AuthSigKind::Contract,
        (DERIVED_VIA_BLS, Some(ALGO_BLS)) => AuthSigKind::BlsNetwork,
        _ => AuthSigKind::Wallet,
    }
}

// --------------------------------------------------------------- JSON positions ---

/// One member of a JSON object, with byte ranges into the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberSpan {
    pub key: String,
    /// The key's string literal, quotes included.
    pub key_span: Range<usize>,
    /// The value, from its first to its last byte.
    pub value_span: Range<usize>,
}

/// Scans a JSON text whose top-level value is an object: the object's byte range and each
/// member's. `None` if the text is not such an object (serde_json says why). Values are
/// skipped, not parsed, so this is cheap on large files.
pub fn scan_object(text: &str) -> Option<(Range<usize>, Vec<MemberSpan>)> {
    let b = text.as_bytes();
    let mut i = skip_ws(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    let start = i;
    let mut members = Vec::new();
    i = skip_ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return Some((start..i + 1, members));
    }
    loop {
        i = skip_ws(b, i);
        let key_end = skip_string(b, i)?;
        let key: String = serde_json::from_str(text.get(i..key_end)?).ok()?;
        let key_span = i..key_end;
        i = skip_ws(b, key_end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        i = skip_ws(b, i + 1);
        let value_end = skip_value(b, i)?;
        members.push(MemberSpan {
            key,
            key_span,
            value_span: i..value_end,
        });
        i = skip_ws(b, value_end);
        match b.get(i) {
            Some(b',') => i += 1,
            Some(b'}') => return Some((start..i + 1, members)),
            _ => return None,
        }
    }
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

fn skip_string(b: &[u8], mut i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    i += 1;
    loop {
        match b.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
}

fn skip_value(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => skip_string(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match b.get(j)? {
                    b'"' => {
                        j = skip_string(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let mut j = i;
            while let Some(c) = b.get(j) {
                if matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                    break;
                }
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

/// Maps byte offsets in a decoded JSON string to offsets in the file that holds its literal
/// (escapes such as `\n` take two bytes in the file and one in the string).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StringMap {
    /// `(decoded offset, file offset)` after every escape; the first is the literal's start.
    checkpoints: Vec<(usize, usize)>,
}

impl StringMap {
    /// For the string literal at `literal` (quotes included) in `text`.
    pub fn new(text: &str, literal: Range<usize>) -> StringMap {
        let b = text.as_bytes();
        let mut file = literal.start + 1;
        let end = literal.end.saturating_sub(1).min(b.len());
        let mut decoded = 0;
        let mut checkpoints = vec![(0, file)];
        while file < end {
            if b[file] != b'\\' {
                file += 1;
                decoded += 1;
                continue;
            }
            let (consumed, produced) = match b.get(file + 1) {
                Some(b'u') => {
                    let unit = |at: usize| {
                        text.get(at..at + 4)
                            .and_then(|h| u32::from_str_radix(h, 16).ok())
                    };
                    match unit(file + 2) {
                        Some(hi @ 0xD800..=0xDBFF)
                            if b.get(file + 6) == Some(&b'\\')
                                && b.get(file + 7) == Some(&b'u')
                                && unit(file + 8)
                                    .is_some_and(|lo| (0xDC00..=0xDFFF).contains(&lo)) =>
                        {
                            let _ = hi;
                            (12, 4)
                        }
                        Some(u) => (6, char::from_u32(u).map_or(3, char::len_utf8)),
                        None => (2, 1),
                    }
                }
                _ => (2, 1),
            };
            file += consumed;
            decoded += produced;
            checkpoints.push((decoded, file));
        }
        StringMap { checkpoints }
    }

    /// The file offset of a decoded offset.
    pub fn map(&self, decoded: usize) -> usize {
        let i = self.checkpoints.partition_point(|(d, _)| *d <= decoded);
        match i.checked_sub(1).and_then(|i| self.checkpoints.get(i)) {
            Some((d, f)) => f + (decoded - d),
            None => decoded,
        }
    }
}

// --------------------------------------------------------------- reading a file ---

/// An AuthSig read from a JSON file, with the position of each field.
#[derive(Clone, Debug)]
pub struct AuthSigFile {
    pub authsig: AuthSig,
    pub file: FileId,
    /// The whole object.
    pub object: Span,
    pub sig: Span,
    pub derived_via: Span,
    pub signed_message: Span,
    pub address: Span,
    pub algo: Option<Span>,
    message_map: StringMap,
}

/// The fields every AuthSig has.
const REQUIRED: [&str; 4] = ["sig", "derivedVia", "signedMessage", "address"];

const AUTHSIG_SHAPE: &str = "an AuthSig is a JSON object with the strings `sig`, `derivedVia`, `signedMessage` and `address` (and `algo` for PKP AuthSigs), as the SDK's `generateAuthSig` returns it";

use crate::json::type_name as json_type;

/// The byte offset of serde_json's 1-based line and (byte) column.
pub fn json_error_offset(text: &str, line: usize, column: usize) -> usize {
    let line_start = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>();
    let mut at = (line_start + column.saturating_sub(1)).min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// A `serde_json` error as an `invalid-json` diagnostic pointing at its position.
pub fn json_error(file: FileId, text: &str, what: &str, e: &serde_json::Error) -> Diagnostic {
    let at = json_error_offset(text, e.line(), e.column());
    let end = text[at..].chars().next().map_or(at, |c| at + c.len_utf8());
    let full = e.to_string();
    let reason = match full.rfind(" at line ") {
        Some(i) => &full[..i],
        None => full.as_str(),
    };
    let message = if e.is_eof() {
        format!("{what} is not valid JSON: it ends early ({reason})")
    } else {
        format!("{what} is not valid JSON: {reason}")
    };
    Diagnostic::new(Code::InvalidJson, message)
        .at(Span::new(file, at, end), "here")
        .help("fix the JSON syntax at this position (a JSON validator or `jq . FILE` shows the same place)")
}

impl AuthSigFile {
    /// Reads an AuthSig JSON text. Errors are `invalid-json` diagnostics with positions: the
    /// JSON syntax error, or every missing or mistyped field.
    pub fn parse(file: FileId, text: &str) -> Result<AuthSigFile, Diagnostics> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| Diagnostics(vec![json_error(file, text, "the AuthSig", &e)]))?;
        let whole = Span::new(file, 0, text.len());
        let Value::Object(map) = &value else {
            return Err(Diagnostics(vec![Diagnostic::new(
                Code::InvalidJson,
                format!(
                    "the file holds {}, not an AuthSig object",
                    json_type(&value)
                ),
            )
            .at(whole, "")
            .help(AUTHSIG_SHAPE)]));
        };
        let (object, members) = scan_object(text).unwrap_or((0..text.len(), Vec::new()));
        let object = Span::new(file, object.start, object.end);
        // `JSON.parse` keeps the last of duplicate keys; so does serde_json.
        let member = |key: &str| members.iter().rev().find(|m| m.key == key);
        let span_of = |r: &Range<usize>| Span::new(file, r.start, r.end);
        let mut diags = Diagnostics::new();
        for key in REQUIRED {
            match map.get(key) {
                Some(Value::String(_)) => {}
                Some(other) => {
                    let at = member(key).map_or(object, |m| span_of(&m.value_span));
                    diags.push(
                        Diagnostic::new(
                            Code::InvalidJson,
                            format!("`{key}` must be a string, found {}", json_type(other)),
                        )
                        .at(at, "")
                        .help(AUTHSIG_SHAPE),
                    );
                }
                None => {
                    let present: Vec<&str> = map.keys().map(String::as_str).collect();
                    let similar = present
                        .iter()
                        .copied()
                        .find(|k| k.eq_ignore_ascii_case(key))
                        .or_else(|| crate::suggest::closest(key, present.iter().copied()));
                    let mut d = match similar {
                        Some(s) => Diagnostic::new(
                            Code::InvalidJson,
                            format!("the AuthSig has no `{key}` field (found `{s}`)"),
                        )
                        .at(
                            member(s).map_or(object, |m| span_of(&m.key_span)),
                            "did you mean this?",
                        )
                        .help(format!("rename `{s}` to `{key}` (keys are case-sensitive)")),
                        None => Diagnostic::new(
                            Code::InvalidJson,
                            format!("the AuthSig has no `{key}` field"),
                        )
                        .at(
                            Span::new(file, object.start, object.start + 1),
                            "in this object",
                        )
                        .help(AUTHSIG_SHAPE),
                    };
                    if let Some(inner) = ["authSig", "capacityDelegationAuthSig"]
                        .into_iter()
                        .find(|w| matches!(map.get(*w), Some(Value::Object(_))))
                    {
                        d = d.help(format!(
                            "the AuthSig is nested under `{inner}`: save that object on its own"
                        ));
                    }
                    diags.push(d);
                }
            }
        }
        match map.get("algo") {
            None | Some(Value::Null) | Some(Value::String(_)) => {}
            Some(other) => {
                let at = member("algo").map_or(object, |m| span_of(&m.value_span));
                diags.push(
                    Diagnostic::new(
                        Code::InvalidJson,
                        format!("`algo` must be a string, found {}", json_type(other)),
                    )
                    .at(at, "")
                    .help(AUTHSIG_SHAPE),
                );
            }
        }
        if !diags.is_empty() {
            return Err(diags);
        }
        let authsig = AuthSig::from_value(&value).map_err(|e| {
            Diagnostics(vec![Diagnostic::new(
                Code::InvalidJson,
                format!("the AuthSig does not read: {e}"),
            )
            .at(object, "")
            .help(AUTHSIG_SHAPE)])
        })?;
        let at = |key: &str| member(key).map_or(object, |m| span_of(&m.value_span));
        let message_literal = member("signedMessage").map_or(0..0, |m| m.value_span.clone());
        Ok(AuthSigFile {
            authsig,
            file,
            object,
            sig: at("sig"),
            derived_via: at("derivedVia"),
            signed_message: at("signedMessage"),
            address: at("address"),
            algo: member("algo").map(|m| span_of(&m.value_span)),
            message_map: StringMap::new(text, message_literal),
        })
    }

    /// The file span of a byte range of the (decoded) `signedMessage`.
    pub fn message_span(&self, range: Range<usize>) -> Span {
        Span::new(
            self.file,
            self.message_map.map(range.start),
            self.message_map.map(range.end),
        )
    }

    /// [`check_authsig`] with findings pointing into the file.
    pub fn check(&self, opts: &CheckOptions) -> AuthSigReport {
        check(&self.authsig, Some(self), opts)
    }
}

// ------------------------------------------------------------------- checking ---

/// What to check an AuthSig against.
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// The time of the check (the SDK's `new Date()`, the nodes' `Utc::now()`).
    pub now: Timestamp,
    /// The session public key (64 hex digits) the AuthSig must be for, if known.
    pub session_key: Option<String>,
    /// The requests the session will make (the SDK's `resourceAbilityRequests`).
    pub requests: Vec<Request>,
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

/// Everything [`check_authsig`] found.
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

/// Checks an AuthSig (without file positions; see [`AuthSigFile::check`]).
pub fn check_authsig(authsig: &AuthSig, opts: &CheckOptions) -> AuthSigReport {
    check(authsig, None, opts)
}

/// Plain-language reason and fix for a coverage gap.
pub fn describe_gap(gap: &Gap, request: &Request) -> (String, String) {
    let key = request.resource.key();
    let ra = request.ability.recap_ability();
    match gap {
        Gap::AbilityNotValidForResource => {
            let valid: Vec<String> = request
                .resource
                .prefix
                .abilities()
                .map(|a| format!("`{a}`"))
                .collect();
            (
                format!(
                    "`{}` cannot be used on `{}` resources",
                    request.ability,
                    request.resource.prefix
                ),
                format!("request one of {} on `{key}`", valid.join(", ")),
            )
        }
        Gap::NoResourceKey => (
            format!(
                "no recap grants anything on `{key}` or `{}`",
                request.resource.wildcard_key()
            ),
            format!("sign a new AuthSig whose recap grants `{ra}` on `{key}` (put this request in `resources`)"),
        ),
        Gap::AbilityMissing { key: granted_key, granted } => (
            format!(
                "`{granted_key}` grants only {}, not `{ra}`",
                granted
                    .iter()
                    .map(|g| format!("`{g}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            format!("sign a new AuthSig whose recap also grants `{ra}` on `{granted_key}`"),
        ),
        Gap::Shadowed {
            wildcard_key,
            specific_key,
        } => (
            format!(
                "`{wildcard_key}` hides `{specific_key}`: when the wildcard key exists the nodes and the SDK look only at it, and it does not grant `{ra}`"
            ),
            format!("grant `{ra}` on `{wildcard_key}` as well, or drop the wildcard key"),
        ),
    }
}

struct Loc<'a> {
    file: Option<&'a AuthSigFile>,
    spans: Option<&'a SiweSpans>,
}

impl Loc<'_> {
    fn field(&self, pick: fn(&AuthSigFile) -> Span) -> Option<Span> {
        self.file.map(pick)
    }

    fn siwe(&self, r: Option<Range<usize>>) -> Option<Span> {
        Some(self.file?.message_span(r?))
    }

    fn siwe_field(&self, f: SiweField) -> Option<Span> {
        self.siwe(self.spans.and_then(|s| s.get(f)))
            .or_else(|| self.field(|a| a.signed_message))
    }
}

fn at(d: Diagnostic, span: Option<Span>, label: &str) -> Diagnostic {
    match span {
        Some(s) => d.at(s, label),
        None => d,
    }
}

fn check(a: &AuthSig, file: Option<&AuthSigFile>, opts: &CheckOptions) -> AuthSigReport {
    let profile = &crate::profile::DATIL;
    let now = opts.now;
    let ins = fit::inspect(a, profile);
    let own = fit::judge_authsig(&ins, profile);
    let loc = Loc {
        file,
        spans: ins.siwe_spans.as_ref(),
    };
    let mut diags = Diagnostics::new();

    // What the AuthSig is, its message and its signature.
    for f in &own {
        if let Some(d) = render_form(f, a, &loc) {
            diags.push(d);
        }
    }
    let sdk_sig = ins.signature.as_ref().ok().filter(|_| ins.sig_has_0x());
    let recovered = sdk_sig.and(ins.signer_as_written);
    let recovered_matches_address = recovered.is_some_and(|r| r.to_checksum() == a.address);
    let (sdk_verify, node_verify) = match &ins.siwe {
        Some(m) if ins.kind != AuthSigKind::BlsNetwork => (
            Some(match &ins.siwe_error {
                Some(e) => Err(SiweVerifyError::Invalid(e.clone())),
                None => fit::sdk::verify_with(m, ins.sdk_signer, now, Flavor::Sdk),
            }),
            Some(fit::sdk::verify_with(m, ins.node_signer, now, Flavor::Node)),
        ),
        _ => (None, None),
    };

    // Who signed, `address`, time, URI.
    if let Some(m) = &ins.siwe {
        for f in &own {
            if let Some(d) = render_signer(f, &loc) {
                diags.push(d);
            }
        }
        render_time(&fit::judge_time(m, now, None, profile), &loc, &mut diags);
        time_lints(m, now, &loc, &mut diags);
        let audience = match &opts.session_key {
            Some(key) => Audience::SessionKey(key),
            None => Audience::Unknown,
        };
        if let Some(f) = fit::judge_audience(m, audience, profile) {
            diags.push(render_uri(&f, opts.session_key.as_deref(), &loc));
        }
    }

    // Recaps.
    let recaps: Vec<RecapEntry> = ins
        .recaps
        .iter()
        .map(|r| RecapEntry {
            resource_index: r.resource_index,
            urn: r.urn.clone(),
            decoded: r.decoded.clone(),
            statement_matches: r.decoded.as_ref().ok().map(|_| {
                !own.iter().any(|f| matches!(f, Finding::RecapStatementMismatch { resource_index, .. } if *resource_index == r.resource_index))
            }),
        })
        .collect();
    if let Some(m) = &ins.siwe {
        render_recaps(m, &recaps, &own, &loc, &mut diags);
    }

    // What each request gets from the SDK (first resource) and the nodes (every recap).
    let usable: Vec<Recap> = ins.usable_recaps().map(|(_, r)| r.clone()).collect();
    let indices: Vec<usize> = ins.usable_recaps().map(|(i, _)| i).collect();
    let cov = fit::coverage_of(&usable, ins.sdk_recap.as_ref(), &opts.requests);
    if ins.siwe.is_some() {
        let first_recap = recaps.first().map(|r| r.resource_index);
        for f in fit::judge_requests(&cov, &indices, &opts.requests) {
            if let Some(d) = render_coverage(&f, first_recap, &loc) {
                diags.push(d);
            }
        }
    }

    // The SDK's verdict, and what makes it throw.
    let session_key_uri = opts
        .session_key
        .as_deref()
        .map(|k| profile.session_uri(k))
        .or_else(|| ins.siwe.as_ref().map(|m| m.uri.clone()));
    let sdk = match (&ins.siwe, &ins.siwe_error) {
        (_, Some(e)) => SdkVerdict::Throws(format!("Invalid message: {}", e.message)),
        (None, None) => SdkVerdict::Throws("Invalid message".to_string()),
        (Some(m), None) => fit::sdk::sdk_verdict(
            a,
            m,
            sdk_verify.as_ref(),
            &ins.sdk_recap,
            &cov.sdk,
            opts.session_key.as_deref(),
            profile,
        ),
    };
    for f in &own {
        if let Some(d) = render_sdk_objection(f, a, &loc) {
            diags.push(d);
        }
    }

    diags.sort();
    let fit::Inspected {
        kind,
        siwe,
        siwe_spans,
        siwe_error,
        signature,
        sdk_recap,
        ..
    } = ins;
    AuthSigReport {
        kind,
        siwe,
        siwe_spans,
        siwe_error,
        signature,
        recovered,
        recovered_matches_address,
        sdk_verify,
        node_verify,
        recaps,
        sdk_recap,
        sdk_checks: cov.sdk,
        node_coverage: cov.node,
        sdk,
        session_key_uri,
        diagnostics: diags,
    }
}

/// The AuthSig's kind, its message's syntax and its signature's form.
fn render_form(f: &Finding, a: &AuthSig, loc: &Loc<'_>) -> Option<Diagnostic> {
    Some(match f {
        Finding::NotAWalletSignature {
            kind: AuthSigKind::Session,
            ..
        } => at(
            Diagnostic::new(
                Code::InvalidJson,
                "this is a session signature (`derivedVia: litSessionSignViaNacl`, `algo: ed25519`), not an AuthSig",
            )
            .help("check SessionSigs maps with `litcap verify`"),
            loc.field(|f| f.derived_via),
            "session signature",
        ),
        Finding::NotAWalletSignature { .. } => at(
            Diagnostic::new(
                Code::SignatureFormat,
                format!("`derivedVia` `{}` marks an EIP-1271 contract-wallet signature, which the nodes do not accept as a session capability", a.derived_via),
            )
            .help("sign the SIWE message with an EOA wallet (`derivedVia: web3.eth.personal.sign`)"),
            loc.field(|f| f.derived_via),
            "",
        ),
        Finding::BlsUnverifiable { .. } => at(
            Diagnostic::new(
                Code::Unverifiable,
                "this PKP AuthSig is signed by the Lit network's BLS key; litcap checks its SIWE message but cannot check the signature",
            )
            .help("the nodes and the SDK verify it against the network's public key; check it live with the SDK if in doubt"),
            loc.field(|f| f.sig),
            "BLS signature",
        ),
        Finding::SiweUnreadable {
            error: e,
            nodes_accept,
        } => {
            let suffix = if *nodes_accept {
                " (the nodes' parser accepts it, but the SDK's throws, so `getSessionSigs` fails)"
            } else {
                ""
            };
            at(
                Diagnostic::new(Code::SiweSyntax, format!("{}{suffix}", e.message)).help(e.help()),
                loc.siwe(Some(e.span.clone()))
                    .or_else(|| loc.field(|f| f.signed_message)),
                e.field.label(),
            )
        }
        Finding::SignatureFormat { error: e } => at(
            Diagnostic::new(Code::SignatureFormat, format!("`sig` is not an EIP-191 signature: {e}"))
                .help("`sig` is `0x` and 130 hex digits: r (32 bytes), s (32 bytes) and v (27 or 28), as `signer.signMessage` returns it"),
            loc.field(|f| f.sig),
            "",
        ),
        Finding::SignatureWithout0x => at(
            Diagnostic::new(
                Code::SignatureFormat,
                "`sig` has no `0x` prefix: the nodes accept it, but the SDK's ethers `verifyMessage` rejects it, so `getSessionSigs` asks the wallet to sign again every time",
            )
            .severity(Severity::Warning)
            .help("write the signature as `0x` followed by its hex digits"),
            loc.field(|f| f.sig),
            "",
        ),
        _ => return None,
    })
}

/// Who signed, and the `address` field.
fn render_signer(f: &Finding, loc: &Loc<'_>) -> Option<Diagnostic> {
    Some(match f {
        Finding::SignatureMismatch {
            recovered,
            address,
            matches_text_as_written,
        } => {
            let message = if *matches_text_as_written {
                "the signature matches the message as written, but the SDK and the nodes verify the message re-written from its fields, which differs".to_string()
            } else {
                match recovered {
                    Some(r) => format!("the signature was made by `{r}`, not by the SIWE address `{address}`"),
                    None => format!("the signature does not recover to any address (the SIWE address is `{address}`)"),
                }
            };
            at(
                Diagnostic::new(Code::SignatureMismatch, message).help(
                    "the `signedMessage` was changed after signing, or another wallet signed it: have the wallet of the SIWE address sign the exact message again",
                ),
                loc.field(|f| f.sig),
                "",
            )
        }
        Finding::AddressField { field, siwe } => at(
            Diagnostic::new(
                Code::AddressMismatch,
                format!("`address` is `{field}` but the SIWE message is signed in as `{siwe}`"),
            )
            .help("set `address` to the SIWE address (the SDK's `generateAuthSig` does so)"),
            loc.field(|f| f.address),
            "",
        ),
        _ => return None,
    })
}

/// Expired or not yet valid, by the SDK's and the nodes' windows.
fn render_time(findings: &[Finding], loc: &Loc<'_>, diags: &mut Diagnostics) {
    for f in findings {
        match f {
            Finding::Expired {
                expiration: exp,
                at: now,
                node,
                ..
            } => {
                let message = if *node {
                    format!("the AuthSig expired at `{exp}` (checked at `{now}`)")
                } else {
                    format!("the AuthSig expires at `{exp}`, exactly now: the SDK already counts it as expired, the nodes accept it until that instant has passed")
                };
                diags.push(at(
                    Diagnostic::new(Code::Expired, message)
                        .help("sign a new AuthSig with a later `Expiration Time` (the SDK's `expiration` parameter)"),
                    loc.siwe_field(SiweField::ExpirationTime),
                    "Expiration Time",
                ));
            }
            Finding::NotYetValid {
                not_before: nbf,
                at: now,
                sdk,
                ..
            } => {
                let message = if *sdk {
                    format!("the AuthSig is not valid before `{nbf}` (checked at `{now}`)")
                } else {
                    format!("the AuthSig's `Not Before` is `{nbf}`, exactly now: the SDK accepts it, the nodes only after that instant")
                };
                diags.push(at(
                    Diagnostic::new(Code::NotYetValid, message)
                        .help("wait until `Not Before`, or sign without a `Not Before` line"),
                    loc.siwe_field(SiweField::NotBefore),
                    "Not Before",
                ));
            }
            _ => {}
        }
    }
}

/// The URI against the session key.
fn render_uri(f: &Finding, session_key: Option<&str>, loc: &Loc<'_>) -> Diagnostic {
    let d = match (f, session_key) {
        (Finding::UriMismatch { expected, found }, Some(key)) => Diagnostic::new(
            Code::SessionKeyMismatch,
            format!("the AuthSig is for `{found}`, not for the session key `{key}`"),
        )
        .help(format!("sign a new AuthSig whose URI is `{expected}` (the SDK passes it to `authNeededCallback` as `uri`)")),
        (f, _) => Diagnostic::new(
            Code::SessionKeyMismatch,
            format!("the URI `{}` names no session key; the nodes accept an AuthSig as a session capability only if its URI is `lit:session:<session public key>`", match f {
                Finding::UriNamesNoSessionKey { found } | Finding::UriMismatch { found, .. } => found.as_str(),
                _ => "",
            }),
        )
        .severity(Severity::Warning)
        .help("sign the AuthSig for the session key: URI `lit:session:<public key hex>`"),
    };
    at(d, loc.siwe_field(SiweField::Uri), "URI")
}

/// Each recap: the fit findings (does not decode, does not end the statement) and the
/// lints (not canonical, `*/*`, several recaps, a repeated preamble).
fn render_recaps(
    m: &SiweMessage,
    recaps: &[RecapEntry],
    own: &[Finding],
    loc: &Loc<'_>,
    diags: &mut Diagnostics,
) {
    let res_span = |i: usize| loc.siwe(loc.spans.and_then(|s| s.resources.get(i).cloned()));
    for r in recaps {
        let i = r.resource_index;
        let here = |f: &&Finding| match f {
            Finding::RecapUndecodable { resource_index, .. }
            | Finding::RecapStatementMismatch { resource_index, .. } => *resource_index == i,
            _ => false,
        };
        match &r.decoded {
            Err(e) => diags.push(at(
                Diagnostic::new(
                    Code::RecapInvalid,
                    format!("resource {} does not decode: {e}", siwe_quote(&r.urn)),
                )
                .help("rebuild the recap with the SDK or litcap: base64url (no padding) of canonical JSON `{\"att\":{...},\"prf\":[]}` with sorted keys; the nodes skip a recap that does not decode, and the SDK throws if it is the first resource"),
                res_span(i),
                "recap",
            )),
            Ok(d) => {
                if !d.canonical {
                    diags.push(at(
                        Diagnostic::new(
                            Code::RecapNotCanonical,
                            format!("resource {} decodes but is not in canonical form (re-encoding gives `{}`)", siwe_quote(&r.urn), d.recap.encode()),
                        )
                        .help("use the canonical encoding: unpadded base64url of the canonical JSON"),
                        res_span(i),
                        "recap",
                    ));
                }
                if let Some(Finding::RecapStatementMismatch {
                    sentence,
                    has_statement,
                    ..
                }) = own.iter().find(here)
                {
                    let d = if *has_statement {
                        Diagnostic::new(
                            Code::RecapStatementMismatch,
                            format!("the statement does not end with the recap's sentence `{sentence}`"),
                        )
                        .help("end the statement with the sentence the recap generates (the SDK's `createSiweMessageWithRecaps` does); the nodes reject this AuthSig")
                    } else {
                        Diagnostic::new(
                            Code::RecapStatementMismatch,
                            "the message has no statement, so the wallet showed no description of what the recap grants (the nodes accept it)",
                        )
                        .severity(Severity::Warning)
                        .help(format!("add the statement `{sentence}`"))
                    };
                    diags.push(at(d, loc.siwe_field(SiweField::Statement), "statement"));
                }
                for (key, abilities) in d.recap.attenuations() {
                    if abilities.contains_key("*/*") {
                        diags.push(at(
                            Diagnostic::new(
                                Code::WildcardAbility,
                                format!("the recap grants `*/*` (every ability) on `{key}`"),
                            )
                            .help("grant only the abilities the session needs, e.g. `Threshold/Execution` for Lit Actions"),
                            res_span(i),
                            "recap",
                        ));
                    }
                }
            }
        }
    }
    if recaps.len() > 1 {
        diags.push(at(
            Diagnostic::new(
                Code::MultipleRecaps,
                format!("the AuthSig carries {} `urn:recap:` resources", recaps.len()),
            )
            .help("merge them into one recap: the SDK reads only the first resource, siwe-recap merges new grants into the last, and the nodes try every recap, so the three disagree"),
            recaps.get(1).and_then(|r| res_span(r.resource_index)),
            "second recap",
        ));
    }
    if let Some(s) = &m.statement {
        if s.matches(recap::STATEMENT_PREFIX).count() > 1 {
            diags.push(at(
                Diagnostic::new(
                    Code::RepeatedRecapPreamble,
                    "the recap sentence `I further authorize the stated URI…` appears more than once in the statement",
                )
                .help("build the message from one merged recap so the wallet shows one list of grants"),
                loc.siwe_field(SiweField::Statement),
                "statement",
            ));
        }
    }
}

/// A request the nodes do not cover, or that only a recap the SDK ignores covers.
fn render_coverage(f: &Finding, first_recap: Option<usize>, loc: &Loc<'_>) -> Option<Diagnostic> {
    let resource_span = |i: usize| loc.siwe(loc.spans.and_then(|s| s.resources.get(i).cloned()));
    Some(match f {
        Finding::NotCovered {
            resource,
            ability,
            gap,
            ..
        } => {
            let q = Request {
                resource: resource.clone(),
                ability: *ability,
            };
            let (why, help) = describe_gap(gap, &q);
            at(
                Diagnostic::new(
                    Code::RequestNotCovered,
                    format!(
                        "the AuthSig does not grant `{ability}` on `{}`: {why}",
                        resource.key()
                    ),
                )
                .help(help),
                first_recap
                    .and_then(resource_span)
                    .or_else(|| loc.siwe_field(SiweField::Resources)),
                "recap",
            )
        }
        Finding::SdkNotCovered {
            resource,
            ability,
            granted_by,
            ..
        } => at(
            Diagnostic::new(
                Code::SdkMismatch,
                format!(
                    "the nodes accept `{ability}` on `{}` (granted by resource {}), but the SDK reads only the first resource, so `getSessionSigs` asks the wallet to sign again every time",
                    resource.key(),
                    granted_by + 1
                ),
            )
            .help("put every grant into the first (and only) `urn:recap:` resource"),
            resource_span(0),
            "the SDK reads only this resource",
        ),
        _ => return None,
    })
}

/// What makes the SDK throw before it judges the AuthSig.
fn render_sdk_objection(f: &Finding, a: &AuthSig, loc: &Loc<'_>) -> Option<Diagnostic> {
    Some(match f {
        Finding::FirstResourceNotRecap => at(
            Diagnostic::new(
                Code::RecapInvalid,
                "the first resource is not a `urn:recap:`; the SDK decodes only the first resource, so `getSessionSigs` throws",
            )
            .help("put the `urn:recap:` resource first"),
            loc.siwe(loc.spans.and_then(|s| s.resources.first().cloned())),
            "first resource",
        ),
        Finding::UnknownAlgo { .. } => at(
            Diagnostic::new(
                Code::SignatureFormat,
                format!("`algo` `{}` is not one the SDK knows; its `checkNeedToResignSessionKey` throws", a.algo.as_deref().unwrap_or_default()),
            )
            .help("leave `algo` out for wallet AuthSigs (`LIT_BLS` is for PKP AuthSigs)"),
            loc.field(|f| f.algo.unwrap_or(f.object)),
            "",
        ),
        _ => return None,
    })
}

fn siwe_quote(s: &str) -> String {
    const MAX: usize = 48;
    if s.chars().count() <= MAX {
        format!("`{s}`")
    } else {
        format!("`{}…`", s.chars().take(MAX).collect::<String>())
    }
}

/// Lints on the AuthSig's times: a future issue time, and its own lifetime.
fn time_lints(m: &SiweMessage, now: Timestamp, loc: &Loc<'_>, diags: &mut Diagnostics) {
    let issued = m.issued_at_time().ok();
    let expiration = m.expiration().and_then(Result::ok);
    if let Some(iat) = issued {
        if iat.unix_secs() > now.unix_secs().saturating_add(NODE_GRACE_SECS) {
            diags.push(at(
                Diagnostic::new(
                    Code::NotYetValid,
                    format!("the AuthSig says it was issued at `{iat}`, more than {NODE_GRACE_SECS} s after `{now}`"),
                )
                .severity(Severity::Warning)
                .help("check the signer's clock; neither the SDK nor the nodes reject a future `Issued At` in an AuthSig, but session signatures issued that far ahead are rejected"),
                loc.siwe_field(SiweField::IssuedAt),
                "Issued At",
            ));
        }
    }
    match (issued, expiration) {
        (Some(_), None) => diags.push(at(
            Diagnostic::new(
                Code::LifetimeTooLong,
                "the AuthSig has no `Expiration Time`, so it never expires",
            )
            .severity(Severity::Warning)
            .help("sign AuthSigs with an `Expiration Time` (the SDK's default is 7 days, sessions last at most 30 days)"),
            loc.siwe_field(SiweField::IssuedAt),
            "Issued At",
        )),
        (Some(iat), Some(exp)) if exp <= iat => diags.push(at(
            Diagnostic::new(
                Code::LifetimeTooLong,
                format!("the AuthSig expires at `{exp}`, not after it is issued (`{iat}`)"),
            )
            .help("set `Expiration Time` after `Issued At`"),
            loc.siwe_field(SiweField::ExpirationTime),
            "Expiration Time",
        )),
        (Some(iat), Some(exp)) if exp > iat.add_secs(MAX_LIFETIME.secs() as i64) => {
            let lifetime = Ttl::from_secs(exp.unix_secs().saturating_sub(iat.unix_secs()).max(0) as u64);
            diags.push(at(
                Diagnostic::new(
                    Code::LifetimeTooLong,
                    format!("the AuthSig lives {lifetime}, longer than the 30 days the nodes allow a session"),
                )
                .severity(Severity::Warning)
                .help("sign AuthSigs for at most 30 days; the nodes do not cap an AuthSig's own lifetime, but a long-lived AuthSig is a standing grant"),
                loc.siwe_field(SiweField::ExpirationTime),
                "Expiration Time",
            ));
        }
        _ => {}
    }
}

/// The nodes' grace period for clocks (`grace_period_seconds`).
pub const NODE_GRACE_SECS: i64 = 60;
/// The nodes' `MAX_TIMESTAMP_VALIDITY_DAYS`.
pub const MAX_LIFETIME: Ttl = Ttl::NODE_MAX;

#[cfg(test)]
mod tests {
    use super::*;

    use crate::coverage::Request;
    use crate::diag::Code;
    use crate::eth::WalletKey;
    use crate::lit::{Ability, Resource, ResourcePrefix};
    use crate::siwe::{create_lit_siwe, CapabilityRequest, LitSiweParams};

    const KEY0: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    const SESSION: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).unwrap()
    }

    fn message(iat: &str, exp: Option<Timestamp>) -> SiweMessage {
        create_lit_siwe(&LitSiweParams {
            wallet_address: WalletKey::from_hex(KEY0).unwrap().address().to_checksum(),
            uri: Some(crate::siwe::session_key_uri(SESSION)),
            nonce: "0x921dd92f497527857ee8dda62f1805e56c34c99a6b37691b4e56e6fb171a5a70".into(),
            issued_at: ts(iat),
            expiration: exp,
            resources: Some(vec![CapabilityRequest {
                resource: Resource::wildcard(ResourcePrefix::Pkp),
                ability: Ability::PkpSigning,
                data: None,
            }]),
            ..Default::default()
        })
        .unwrap()
    }

    fn sign_text(text: &str) -> AuthSig {
        let key = WalletKey::from_hex(KEY0).unwrap();
        AuthSig::personal_sign(
            key.sign_personal(text.as_bytes()).to_hex(),
            text.to_string(),
            key.address().to_checksum(),
        )
    }

    fn opts(now: &str) -> CheckOptions {
        CheckOptions {
            now: ts(now),
            session_key: Some(SESSION.to_string()),
            requests: vec![Request {
                resource: Resource::new(ResourcePrefix::Pkp, "123").unwrap(),
                ability: Ability::PkpSigning,
            }],
        }
    }

    fn codes(r: &AuthSigReport) -> Vec<(Code, Severity)> {
        r.diagnostics.iter().map(|d| (d.code, d.severity)).collect()
    }

    const IAT: &str = "2024-09-19T13:07:33.606Z";
    const EXP: &str = "2024-09-20T13:07:33.606Z";

    #[test]
    fn a_fresh_sdk_authsig_is_clean() {
        let a = sign_text(&message(IAT, Some(ts(EXP))).to_message());
        let r = check_authsig(&a, &opts("2024-09-19T14:00:00Z"));
        assert!(r.diagnostics.is_empty(), "{:#?}", r.diagnostics);
        assert_eq!(r.sdk, SdkVerdict::Reuse);
        assert!(r.node_coverage[0].0.is_covered());
        assert!(r.recovered_matches_address);
    }

    #[test]
    fn expiration_boundary() {
        let a = sign_text(&message(IAT, Some(ts(EXP))).to_message());
        // 1 ms before: valid everywhere.
        let before = check_authsig(&a, &opts("2024-09-20T13:07:33.605Z"));
        assert!(before.diagnostics.is_empty());
        assert_eq!(before.sdk.need_to_resign(), Some(false));
        // Exactly at expiration: the SDK says expired (and re-signs), the nodes still accept.
        let exact = check_authsig(&a, &opts(EXP));
        assert_eq!(codes(&exact), vec![(Code::Expired, Severity::Error)]);
        assert!(exact.diagnostics.0[0].message.contains("exactly now"));
        assert_eq!(exact.sdk.need_to_resign(), Some(true));
        assert!(exact.node_verify.as_ref().unwrap().is_ok());
        // After it: both.
        let after = check_authsig(&a, &opts("2024-09-20T13:07:33.607Z"));
        assert!(after.node_verify.as_ref().unwrap().is_err());
        assert!(after.diagnostics.0[0]
            .message
            .starts_with("the AuthSig expired at"));
    }

    #[test]
    fn issued_in_the_future_beyond_the_grace_period() {
        let a = sign_text(&message("2024-09-19T13:01:00Z", Some(ts(EXP))).to_message());
        let at_60 = check_authsig(&a, &opts("2024-09-19T13:00:00Z"));
        assert!(at_60.diagnostics.is_empty(), "{:#?}", at_60.diagnostics);
        let at_61 = check_authsig(&a, &opts("2024-09-19T12:59:59Z"));
        assert_eq!(codes(&at_61), vec![(Code::NotYetValid, Severity::Warning)]);
        // Whole seconds, as the nodes compare: 60.999 s ahead is still within the grace.
        let a = sign_text(&message("2024-09-19T13:01:00.999Z", Some(ts(EXP))).to_message());
        assert!(check_authsig(&a, &opts("2024-09-19T13:00:00Z"))
            .diagnostics
            .is_empty());
    }

    #[test]
    fn lifetime_limits() {
        let iat = ts(IAT);
        let thirty = iat.add_secs(30 * 86_400);
        let a = sign_text(&message(IAT, Some(thirty)).to_message());
        assert!(check_authsig(&a, &opts("2024-09-19T14:00:00Z"))
            .diagnostics
            .is_empty());
        let a = sign_text(&message(IAT, Some(thirty.add_secs(1))).to_message());
        let r = check_authsig(&a, &opts("2024-09-19T14:00:00Z"));
        assert_eq!(codes(&r), vec![(Code::LifetimeTooLong, Severity::Warning)]);
        assert!(
            r.diagnostics.0[0].message.contains("30d1s"),
            "{}",
            r.diagnostics.0[0].message
        );
        let a = sign_text(&message(IAT, Some(iat)).to_message());
        let r = check_authsig(&a, &opts("2024-09-19T13:07:00Z"));
        assert_eq!(codes(&r), vec![(Code::LifetimeTooLong, Severity::Error)]);
        let mut m = message(IAT, None);
        m.expiration_time = None;
        let r = check_authsig(&sign_text(&m.to_message()), &opts("2024-09-19T14:00:00Z"));
        assert_eq!(codes(&r), vec![(Code::LifetimeTooLong, Severity::Warning)]);
    }

    #[test]
    fn signature_format_and_prefix() {
        let good = sign_text(&message(IAT, Some(ts(EXP))).to_message());
        let mut bare = good.clone();
        bare.sig = bare.sig.trim_start_matches("0x").to_string();
        let r = check_authsig(&bare, &opts("2024-09-19T14:00:00Z"));
        assert_eq!(codes(&r), vec![(Code::SignatureFormat, Severity::Warning)]);
        assert_eq!(r.sdk.need_to_resign(), Some(true));
        assert!(r.node_verify.as_ref().unwrap().is_ok());
        let mut bad_v = good.clone();
        bad_v.sig.replace_range(130..132, "1d");
        let r = check_authsig(&bad_v, &opts("2024-09-19T14:00:00Z"));
        assert!(
            codes(&r).contains(&(Code::SignatureFormat, Severity::Error)),
            "{:#?}",
            r.diagnostics
        );
        let mut short = good.clone();
        short.sig.truncate(20);
        assert!(codes(&check_authsig(&short, &opts("2024-09-19T14:00:00Z")))
            .contains(&(Code::SignatureFormat, Severity::Error)));
        let mut other = good;
        other.address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8".into();
        let r = check_authsig(&other, &opts("2024-09-19T14:00:00Z"));
        assert_eq!(codes(&r), vec![(Code::AddressMismatch, Severity::Error)]);
    }

    #[test]
    fn recap_lints() {
        let base = message(IAT, Some(ts(EXP)));
        // Two recaps: the first grants Lit Actions only, the second the PKP.
        let mut lit_action = Recap::new();
        lit_action.add_all_capabilities(&Resource::wildcard(ResourcePrefix::LitAction));
        let pkp = base.resources.as_ref().unwrap()[0].clone();
        let mut m = base.clone();
        m.statement = Some(format!(
            "{} {}",
            base.statement.as_deref().unwrap(),
            lit_action.statement()
        ));
        m.resources = Some(vec![lit_action.encode(), pkp]);
        let r = check_authsig(&sign_text(&m.to_message()), &opts("2024-09-19T14:00:00Z"));
        let got = codes(&r);
        // The statement does not end with the PKP recap's sentence, so the nodes reject it.
        for want in [
            (Code::MultipleRecaps, Severity::Warning),
            (Code::RepeatedRecapPreamble, Severity::Warning),
            (Code::WildcardAbility, Severity::Warning),
            (Code::RecapStatementMismatch, Severity::Error),
            (Code::SdkMismatch, Severity::Warning),
        ] {
            assert!(got.contains(&want), "{want:?} missing from {got:?}");
        }
        assert_eq!(
            r.sdk,
            SdkVerdict::Resign(ResignReason::NotCovered { request: 0 })
        );

        // A non-recap first resource makes the SDK throw.
        let mut m = base.clone();
        m.resources = Some(vec![
            "https://example.com/x".into(),
            m.resources.unwrap()[0].clone(),
        ]);
        let r = check_authsig(&sign_text(&m.to_message()), &opts("2024-09-19T14:00:00Z"));
        assert!(matches!(r.sdk, SdkVerdict::Throws(_)));
        assert!(codes(&r).contains(&(Code::RecapInvalid, Severity::Error)));

        // A broken recap.
        let mut m = base;
        m.resources = Some(vec!["urn:recap:e!".into()]);
        let r = check_authsig(&sign_text(&m.to_message()), &opts("2024-09-19T14:00:00Z"));
        assert!(codes(&r).contains(&(Code::RecapInvalid, Severity::Error)));
        assert!(codes(&r).contains(&(Code::RequestNotCovered, Severity::Error)));
        assert_eq!(r.sdk, SdkVerdict::Throws("Non-base64url character".into()));
    }

    #[test]
    fn session_key_and_kinds() {
        let a = sign_text(&message(IAT, Some(ts(EXP))).to_message());
        let mut o = opts("2024-09-19T14:00:00Z");
        o.session_key = Some("00".repeat(32));
        let r = check_authsig(&a, &o);
        assert_eq!(codes(&r), vec![(Code::SessionKeyMismatch, Severity::Error)]);
        assert!(matches!(
            r.sdk,
            SdkVerdict::Resign(ResignReason::UriMismatch { .. })
        ));
        let mut bls = a.clone();
        bls.derived_via = DERIVED_VIA_BLS.into();
        bls.algo = Some(ALGO_BLS.into());
        let r = check_authsig(&bls, &opts("2024-09-19T14:00:00Z"));
        assert_eq!(r.kind, AuthSigKind::BlsNetwork);
        assert_eq!(codes(&r), vec![(Code::Unverifiable, Severity::Warning)]);
        assert_eq!(r.sdk, SdkVerdict::Unverifiable);
        let mut odd = a;
        odd.algo = Some("secp256k1".into());
        let r = check_authsig(&odd, &opts("2024-09-19T14:00:00Z"));
        assert!(matches!(r.sdk, SdkVerdict::Throws(_)));
        assert!(codes(&r).contains(&(Code::SignatureFormat, Severity::Error)));
    }

    #[test]
    fn unparsable_siwe_is_a_syntax_error_with_a_span_into_the_file() {
        let mut sources = crate::diag::Sources::new();
        let m = message(IAT, Some(ts(EXP)))
            .to_message()
            .replace("Version: 1", "Version: 2");
        let a = sign_text(&m);
        let text = serde_json::to_string_pretty(&a.to_value()).unwrap();
        let id = sources.add("a.json", text.clone());
        let f = AuthSigFile::parse(id, &text).unwrap();
        let r = f.check(&opts("2024-09-19T14:00:00Z"));
        let d = r
            .diagnostics
            .iter()
            .find(|d| d.code == Code::SiweSyntax)
            .unwrap();
        let span = d.span.unwrap();
        assert_eq!(&text[span.start..span.end], "2");
        assert!(matches!(r.sdk, SdkVerdict::Throws(_)));
    }

    #[test]
    fn json_positions() {
        let text = "{ \"a\" : [1, {\"b\": \"}\"}], \"s\\\"k\": \"x\\ny\\u00e9\\ud83d\\ude00z\" , \"n\": -1.5e3 }";
        let (obj, members) = scan_object(text).unwrap();
        assert_eq!(obj, 0..text.len());
        let keys: Vec<&str> = members.iter().map(|m| m.key.as_str()).collect();
        assert_eq!(keys, vec!["a", "s\"k", "n"]);
        assert_eq!(&text[members[0].value_span.clone()], "[1, {\"b\": \"}\"}]");
        assert_eq!(&text[members[2].value_span.clone()], "-1.5e3");
        let lit = members[1].value_span.clone();
        let decoded: String = serde_json::from_str(&text[lit.clone()]).unwrap();
        let map = StringMap::new(text, lit);
        for (i, _) in decoded.char_indices() {
            let at = map.map(i);
            let c = decoded[i..].chars().next().unwrap();
            let raw = &text[at..];
            assert!(
                raw.starts_with(c) || raw.starts_with('\\'),
                "{i} {c:?} {raw}"
            );
        }
        assert_eq!(
            &text[map.map(decoded.len() - 1)..map.map(decoded.len())],
            "z"
        );
        assert!(scan_object("[1]").is_none());
        assert!(scan_object("{\"a\" 1}").is_none());
        assert!(scan_object("{\"a\": [}").is_none());
        assert_eq!(json_error_offset("ab\ncdé", 2, 3), 5);
    }

    #[test]
    fn parse_errors_name_the_fields() {
        let text =
            "{\"sig\": 1, \"derivedVia\": \"x\", \"signedmessage\": \"m\", \"Address\": \"a\"}";
        let d = AuthSigFile::parse(0, text).unwrap_err();
        let msgs: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            msgs,
            vec![
                "`sig` must be a string, found a number",
                "the AuthSig has no `signedMessage` field (found `signedmessage`)",
                "the AuthSig has no `address` field (found `Address`)",
            ]
        );
        let d = AuthSigFile::parse(0, "{\"authSig\": {}}").unwrap_err();
        assert!(d.iter().all(|d| d
            .help
            .as_deref()
            .is_some_and(|h| h.contains("nested under `authSig`"))));
        let d = AuthSigFile::parse(0, "[]").unwrap_err();
        assert_eq!(
            d.0[0].message,
            "the file holds an array, not an AuthSig object"
        );
        let d = AuthSigFile::parse(0, "{\"sig\": ").unwrap_err();
        assert!(d.0[0].message.contains("ends early"), "{}", d.0[0].message);
    }

    #[test]
    fn no_panic_on_damaged_files() {
        let a = sign_text(&message(IAT, Some(ts(EXP))).to_message());
        let text = serde_json::to_string_pretty(&a.to_value()).unwrap();
        let o = opts("2024-09-19T14:00:00Z");
        for (i, c) in (0..text.len())
            .step_by(3)
            .zip("\"\\nx:,}0 é".chars().cycle())
        {
            let mut t = text.clone();
            if t.is_char_boundary(i) && t.is_char_boundary(i + 1) {
                t.replace_range(i..i + 1, &c.to_string());
                match AuthSigFile::parse(0, &t) {
                    Ok(f) => {
                        let r = f.check(&o);
                        for d in r.diagnostics.iter() {
                            if let Some(s) = d.span {
                                assert!(s.start <= s.end && s.end <= t.len(), "{d:?}");
                            }
                        }
                    }
                    Err(d) => assert!(!d.is_empty()),
                }
            }
        }
        for cut in (0..text.len()).step_by(5) {
            if let Some(t) = text.get(..cut) {
                assert!(AuthSigFile::parse(0, t).is_err());
            }
        }
    }

    #[test]
    fn keeps_foreign_key_order() {
        let text = r#"{"sig":"s","algo":"LIT_BLS","derivedVia":"lit.bls","signedMessage":"m","address":"a"}"#;
        let v: Value = serde_json::from_str(text).unwrap();
        let a = AuthSig::from_value(&v).unwrap();
        assert_eq!(a.algo.as_deref(), Some("LIT_BLS"));
        assert_eq!(crate::json::stringify(&a.to_value()), text);
        let eoa = AuthSig::personal_sign("s".into(), "m".into(), "a".into());
        assert_eq!(
            crate::json::stringify(&eoa.to_value()),
            r#"{"sig":"s","derivedVia":"web3.eth.personal.sign","signedMessage":"m","address":"a"}"#
        );
    }
}
