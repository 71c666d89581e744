//! AuthSigs: the wallet-signed SIWE message that grants a session key its capabilities.
//!
//! The AuthSig JSON type and its kinds by the nodes' rule ([`AuthSig`], [`AuthSigKind`]), and
//! reading an AuthSig file with the position of every field ([`AuthSigFile`], positions from
//! the one positioned JSON reader, [`crate::schema::json`]). Judging an AuthSig is
//! `check`'s job; what it is asked and what it answers are in `report`.

mod check;
mod render;
mod report;

pub use check::check_authsig;
pub use render::{describe_gap, MAX_LIFETIME, NODE_GRACE_SECS};
pub use report::{AuthSigReport, CheckOptions, RecapEntry, ResignReason, SdkVerdict};
// Transitional: the positioned JSON helpers lived here until the layout step of issue #9;
// the public-API step decides whether these paths stay.
pub use crate::schema::json::{json_error, json_error_offset, scan_object, MemberSpan, StringMap};

use crate::diag::{Code, Diagnostic, Diagnostics, FileId, Span};
use crate::json::type_name as json_type;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
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
        check::check(&self.authsig, Some(self), opts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
