//! The SDK's own pre-send check: `validateSessionSigs` of `@lit-protocol/misc` 7.4.0, with
//! the JavaScript it relies on emulated (truthiness, `String(v)`, `trim()`, `Date.parse` on the
//! ISO forms) and tweetnacl's `sign.detached.verify`.

use crate::time::Timestamp;
use ed25519_dalek::VerifyingKey;
use serde_json::Value;

/// The result of `validateSessionSigs`.
/// The exception `validateSessionSigs` throws (instead of returning its errors) on input
/// shapes it does not expect, with V8's message: the SDK's own words, so not lowercase.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SdkThrow {
    /// The SessionSigs are `null`.
    #[error("TypeError: Cannot convert undefined or null to object")]
    NullSessionSigs,
    /// An entry is `null`.
    #[error("TypeError: Cannot read properties of null (reading 'signedMessage')")]
    NullEntry,
    /// An entry's `signedMessage` is the JSON `null`.
    #[error("TypeError: Cannot read properties of null (reading 'capabilities')")]
    NullSignedMessage,
    /// A capability without a string `signedMessage`.
    #[error("TypeError: Cannot read properties of undefined (reading 'split')")]
    CapabilityWithoutMessage,
    /// `capabilities` is truthy but not an array.
    #[error("TypeError: capabilities.forEach is not a function")]
    CapabilitiesNotAnArray,
}

impl SdkThrow {
    /// How a report names it: the SDK throws instead of validating.
    pub fn code(&self) -> crate::diag::Code {
        crate::diag::Code::SessionSigInvalid
    }
}

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
pub fn sdk_validate_session_sigs(sigs: &Value, now: Timestamp) -> Result<SdkValidation, SdkThrow> {
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
        Value::Null => return Err(SdkThrow::NullSessionSigs),
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
pub(super) fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// `String(v)` for the values JSON can hold.
pub(super) fn js_string(v: &Value) -> String {
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

pub(super) fn sdk_validate_session_sig(
    sig: &Value,
    now: Timestamp,
) -> Result<Vec<String>, SdkThrow> {
    let mut errors = Vec::new();
    let message = match sig {
        Value::Null => return Err(SdkThrow::NullEntry),
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
        return Err(SdkThrow::NullSignedMessage);
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
                let text = match cap {
                    Value::Object(o) => match o.get("signedMessage") {
                        Some(Value::String(s)) => s,
                        _ => return Err(SdkThrow::CapabilityWithoutMessage),
                    },
                    _ => return Err(SdkThrow::CapabilityWithoutMessage),
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
        Some(_) => return Err(SdkThrow::CapabilitiesNotAnArray),
    }
    match get("expiration") {
        Some(v) if truthy(v) => errors.extend(validate_expiration(v, "main signedMessage", now)),
        _ => errors.push("Expiration Time not found in outer signedMessage.".into()),
    }
    Ok(errors)
}

/// JavaScript's `String.prototype.trim` whitespace.
pub(super) fn js_space(c: char) -> bool {
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

pub(super) fn js_trim(s: &str) -> &str {
    s.trim_matches(js_space)
}

/// `parseSignedMessage` of the validator: a loose `Key: Value` reader. Only the string values
/// matter here (list items are overwritten by the key's final value, as in the SDK).
pub(super) fn parse_signed_message(text: &str) -> std::collections::HashMap<String, String> {
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

pub(super) fn validate_expiration(v: &Value, context: &str, now: Timestamp) -> Vec<String> {
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
