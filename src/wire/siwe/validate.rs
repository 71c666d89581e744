//! Checking a [`SiweMessage`] that was built rather than parsed: `validateMessage()` of
//! siwe 2.3.2 made as strict as the parser (every field by its grammar, spans into
//! [`SiweMessage::to_message`]), and `new SiweMessage({...fields})` from the JSON form.

use super::parse::{
    check_address, check_nonce, check_request_id, check_statement, check_time, err, parse,
    SiweField, SiweParseError,
};
use super::uri::{check_authority, check_scheme, check_uri};
use super::{quote, Flavor, SiweMessage};
use crate::json::type_name as json_type;
use serde_json::Value;

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
        check_scheme(scheme).map_err(|m| fail(SiweField::Scheme, m.to_string()))?;
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
    check_address(&msg.address).map_err(|m| fail(SiweField::Address, m.to_string()))?;
    if let Some(s) = msg.statement.as_deref().filter(|s| !s.is_empty()) {
        check_statement(s, flavor).map_err(|m| fail(SiweField::Statement, m.to_string()))?;
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
    check_nonce(&msg.nonce, flavor).map_err(|m| fail(SiweField::Nonce, m.to_string()))?;
    if msg.issued_at.is_empty() {
        return Err(fail(
            SiweField::IssuedAt,
            "the `Issued At` time is empty".into(),
        ));
    }
    check_time(SiweField::IssuedAt, &msg.issued_at)
        .map_err(|m| fail(SiweField::IssuedAt, m.to_string()))?;
    if let Some(e) = msg.expiration_time.as_deref().filter(|e| !e.is_empty()) {
        check_time(SiweField::ExpirationTime, e)
            .map_err(|m| fail(SiweField::ExpirationTime, m.to_string()))?;
    }
    if let Some(n) = msg.not_before.as_deref().filter(|n| !n.is_empty()) {
        check_time(SiweField::NotBefore, n)
            .map_err(|m| fail(SiweField::NotBefore, m.to_string()))?;
    }
    if let Some(r) = &msg.request_id {
        check_request_id(r, flavor).map_err(|m| fail(SiweField::RequestId, m.to_string()))?;
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
    let text =
        |key: &str, field: SiweField, required: bool| -> Result<Option<String>, SiweParseError> {
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
    // An empty optional string is no field at all, as in both implementations: siwe 2.3.2's
    // `toMessage()` tests them for truth (`if (this.statement) prefix += '\n'`,
    // `if (this.expirationTime)`, `if (this.requestId)`), so `""` renders as if absent and its
    // parser reads the text back without it; siwe-rs (the nodes) reads an empty statement line
    // as `None` (`Some("") => None` in `Message::from_str`). Keeping `Some("")` made a message
    // that differs from its own text (found by fuzzing `siwe_parse`, #16).
    let optional = |key: &str, field: SiweField| -> Result<Option<String>, SiweParseError> {
        Ok(text(key, field, false)?.filter(|s| !s.is_empty()))
    };
    let msg = SiweMessage {
        scheme: text("scheme", SiweField::Scheme, false)?,
        domain: required("domain", SiweField::Domain)?,
        address: required("address", SiweField::Address)?,
        statement: optional("statement", SiweField::Statement)?,
        uri: required("uri", SiweField::Uri)?,
        version: required("version", SiweField::Version)?,
        chain_id,
        nonce: required("nonce", SiweField::Nonce)?,
        issued_at: required("issuedAt", SiweField::IssuedAt)?,
        expiration_time: optional("expirationTime", SiweField::ExpirationTime)?,
        not_before: optional("notBefore", SiweField::NotBefore)?,
        request_id: optional("requestId", SiweField::RequestId)?,
        resources,
    };
    msg.validate()?;
    Ok(msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn js_parse_int_semantics() {
        assert_eq!(js_parse_int("12abc"), Some(12));
        assert_eq!(js_parse_int(" 7"), Some(7));
        assert_eq!(js_parse_int("0x10"), Some(16));
        assert_eq!(js_parse_int("?"), None);
        assert_eq!(js_parse_int(""), None);
    }

    /// Found by fuzzing (`siwe_parse`, #16; the seed is in `fuzz/seeds/siwe_parse/`): an empty
    /// `statement` (or time, or request id) is no field, as siwe 2.3.2 renders and parses it.
    #[test]
    fn from_fields_reads_empty_optional_strings_as_absent() {
        let v: Value = serde_json::from_str(
            r#"{"domain": "service.org", "address": "0xe5A12547fe4E872D192E3eCecb76F2Ce1aeA4946",
                "statement": "", "uri": "h:tps//service.org/login", "version": "1", "chainId": 1,
                "nonce": "12341234", "issuedAt": "2022-03-17T12:45:13.610Z",
                "expirationTime": "2023-03-17T12:45:13.610Z",
                "notBefore": "2022-03-17T12:45:13.610Z", "requestId": "some_id"}"#,
        )
        .unwrap();
        let m = SiweMessage::from_fields(&v).unwrap();
        assert_eq!(m.statement, None);
        let text = m.to_message();
        assert!(
            text.contains("4946\n\n\nURI: h:tps//service.org/login\n"),
            "{text:?}"
        );
        assert_eq!(SiweMessage::parse(&text).unwrap(), m);

        let mut v = v;
        for key in ["expirationTime", "notBefore", "requestId"] {
            v[key] = Value::String(String::new());
        }
        let m = SiweMessage::from_fields(&v).unwrap();
        assert_eq!(
            (
                m.expiration_time.clone(),
                m.not_before.clone(),
                m.request_id.clone()
            ),
            (None, None, None)
        );
        assert_eq!(SiweMessage::parse(&m.to_message()).unwrap(), m);
    }
}
