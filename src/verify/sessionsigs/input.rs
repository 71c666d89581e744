//! Reading a SessionSigs map leniently: serde visitors that borrow from the text and record
//! what each field is when it is not a string, so a malformed entry becomes that node's error
//! and only broken JSON (or a top level that is not an object) fails the whole file; and the
//! signed payload (`SessionKeySignedMessageV2`) as the nodes deserialise it.

use crate::wire::authsig;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

/// A JSON value where a string is expected: the string, or the kind of value found instead.
#[derive(Debug)]
pub(super) enum Str<'a> {
    Text(Cow<'a, str>),
    Other(&'static str),
}

impl Str<'_> {
    pub(super) fn text(&self) -> Option<&str> {
        match self {
            Str::Text(t) => Some(t),
            Str::Other(_) => None,
        }
    }
}

pub(super) struct StrVisitor;

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
pub(super) struct RawEntry<'a> {
    /// What the entry is when it is not an object.
    pub(super) not_object: Option<&'static str>,
    pub(super) sig: Option<Str<'a>>,
    pub(super) derived_via: Option<Str<'a>>,
    pub(super) signed_message: Option<Str<'a>>,
    pub(super) address: Option<Str<'a>>,
    pub(super) algo: Option<Str<'a>>,
}

pub(super) struct EntryVisitor;

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

pub(super) struct MapVisitor;

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
    pub(super) entries: Vec<(Cow<'a, str>, RawEntry<'a>)>,
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
pub(super) struct Payload<'a> {
    /// Required, but the nodes verify with the entry's `address`, not with this.
    #[serde(borrow)]
    #[allow(dead_code)]
    pub(super) session_key: Cow<'a, str>,
    #[serde(borrow)]
    pub(super) resource_ability_requests: Vec<PayloadRequest<'a>>,
    #[serde(borrow)]
    pub(super) capabilities: Vec<PayloadAuthSig<'a>>,
    #[serde(borrow)]
    pub(super) issued_at: Cow<'a, str>,
    #[serde(borrow)]
    pub(super) expiration: Cow<'a, str>,
    #[serde(borrow)]
    pub(super) node_address: Cow<'a, str>,
    #[serde(default, borrow)]
    pub(super) max_price: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
pub(super) struct PayloadRequest<'a> {
    #[serde(borrow)]
    pub(super) resource: PayloadResource<'a>,
    #[serde(borrow)]
    pub(super) ability: Cow<'a, str>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PayloadResource<'a> {
    #[serde(borrow)]
    pub(super) resource: Cow<'a, str>,
    #[serde(borrow)]
    pub(super) resource_prefix: Cow<'a, str>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PayloadAuthSig<'a> {
    #[serde(borrow)]
    pub(super) sig: Cow<'a, str>,
    #[serde(borrow)]
    pub(super) derived_via: Cow<'a, str>,
    #[serde(borrow)]
    pub(super) signed_message: Cow<'a, str>,
    #[serde(borrow)]
    pub(super) address: Cow<'a, str>,
    #[serde(default, borrow)]
    pub(super) algo: Option<Cow<'a, str>>,
}

/// `maxPrice` as the nodes read it: decimal, or `0x` hex, of a 256-bit unsigned integer.
pub(super) fn valid_max_price(s: &str) -> bool {
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
