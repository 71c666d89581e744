//! EIP-5573 ReCap objects exactly as `siwe-recap` 0.0.2-alpha.0 and the Lit SDK build them:
//! attenuations, canonical JSON, `urn:recap:` encoding and decoding, the statement text, and
//! the merge that `addRecapToSiweMessage` performs.

use crate::json::{self, utf16_cmp};
use crate::wire::lit::{Ability, Resource};
use base64::Engine;
use serde_json::{Map, Value};
use std::cmp::Ordering;
use std::collections::BTreeMap;

mod canonical;

pub const URN_PREFIX: &str = "urn:recap:";
pub const STATEMENT_PREFIX: &str =
    "I further authorize the stated URI to perform the following actions on my behalf:";

/// A string ordered like JavaScript's default `sort()` (UTF-16 code units).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct JsKey(pub String);

impl Ord for JsKey {
    fn cmp(&self, other: &Self) -> Ordering {
        utf16_cmp(&self.0, &other.0)
    }
}

impl PartialOrd for JsKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl std::borrow::Borrow<str> for JsKey {
    fn borrow(&self) -> &str {
        &self.0
    }
}

/// One nota-bene (restriction) object.
pub type NotaBene = Map<String, Value>;

/// Abilities granted on one resource: `"ns/name"` → nota-bene list.
pub type Abilities = BTreeMap<JsKey, Vec<NotaBene>>;

/// A ReCap capability object `{att, prf}`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recap {
    att: BTreeMap<JsKey, Abilities>,
    prf: Vec<String>,
}

/// Why `Recap::decode` rejected its input. Messages are the SDK's where it has one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecapError {
    #[error("Invalid recap urn")]
    NotARecapUrn,
    #[error("Non-base64url character")]
    Base64Character,
    #[error("Unexpected end of data")]
    Base64Length,
    #[error("recap payload is not JSON: {0}")]
    Json(String),
    #[error("Invalid attenuation object")]
    InvalidAttenuations,
    #[error("Invalid proof list")]
    InvalidProofs,
    #[error("Invalid ability string: {0}")]
    InvalidAbility(String),
    #[error("Invalid nota-bene list for {0}")]
    InvalidNotaBene(String),
    #[error("Attenuation object is not properly sorted")]
    NotSorted,
    #[error("Invalid ability namespace")]
    InvalidNamespace,
    #[error("Invalid ability name")]
    InvalidName,
    #[error("The specified Lit resource does not support the specified ability.")]
    UnsupportedAbility,
}

impl RecapError {
    /// A stable, machine-readable kind.
    pub fn kind(&self) -> &'static str {
        match self {
            RecapError::NotARecapUrn => "not-a-recap-urn",
            RecapError::Base64Character | RecapError::Base64Length => "bad-base64url",
            RecapError::Json(_) => "bad-json",
            RecapError::InvalidAttenuations => "bad-attenuations",
            RecapError::InvalidProofs => "bad-proofs",
            RecapError::InvalidAbility(_) => "bad-ability",
            RecapError::InvalidNotaBene(_) => "bad-nota-bene",
            RecapError::NotSorted => "not-sorted",
            RecapError::InvalidNamespace | RecapError::InvalidName => "bad-ability",
            RecapError::UnsupportedAbility => "unsupported-ability",
        }
    }
}

/// The result of decoding a `urn:recap:` string.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded {
    pub recap: Recap,
    /// Whether re-encoding gives back the input byte for byte. The SDK accepts some
    /// non-canonical forms (whitespace, padding, reordered top-level keys); litcap reports them.
    pub canonical: bool,
}

fn valid_part(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'*' | b'_' | b'+' | b'-'))
}

/// `^[a-zA-Z0-9.*_+-]+/[a-zA-Z0-9.*_+-]+$`
pub fn valid_ability_string(s: &str) -> bool {
    match s.split_once('/') {
        Some((ns, name)) => valid_part(ns) && valid_part(name),
        None => false,
    }
}

impl Recap {
    pub fn new() -> Recap {
        Recap::default()
    }

    pub fn attenuations(&self) -> impl Iterator<Item = (&str, &Abilities)> {
        self.att.iter().map(|(k, v)| (k.0.as_str(), v))
    }

    pub fn abilities_for(&self, resource_key: &str) -> Option<&Abilities> {
        self.att.get(resource_key)
    }

    pub fn proofs(&self) -> &[String] {
        &self.prf
    }

    pub fn is_empty(&self) -> bool {
        self.att.is_empty()
    }

    /// `Recap.addAttenuation`: appends the restriction to the ability's list.
    pub fn add_attenuation(
        &mut self,
        resource_key: &str,
        namespace: &str,
        name: &str,
        restriction: NotaBene,
    ) -> Result<(), RecapError> {
        if !valid_part(namespace) {
            return Err(RecapError::InvalidNamespace);
        }
        if !valid_part(name) {
            return Err(RecapError::InvalidName);
        }
        self.att
            .entry(JsKey(resource_key.to_string()))
            .or_default()
            .entry(JsKey(format!("{namespace}/{name}")))
            .or_default()
            .push(restriction);
        Ok(())
    }

    /// `RecapSessionCapabilityObject.addCapabilityForResource(resource, ability, data)`.
    pub fn add_capability(
        &mut self,
        resource: &Resource,
        ability: Ability,
        data: Option<NotaBene>,
    ) -> Result<(), RecapError> {
        if !resource.prefix.supports(ability) {
            return Err(RecapError::UnsupportedAbility);
        }
        let (ns, name) = ability
            .recap_ability()
            .split_once('/')
            .unwrap_or(("*", "*"));
        self.add_attenuation(&resource.key(), ns, name, data.unwrap_or_default())
    }

    /// siwe-recap 0.2 `Capabilities::with_action`: the ability's list gains `data` when given
    /// (and exists, empty, otherwise). No check of the ability text: the caller's vocabulary
    /// decided it.
    pub fn append_restriction(
        &mut self,
        resource_key: &str,
        ability: &str,
        data: Option<NotaBene>,
    ) {
        let list = self
            .att
            .entry(JsKey(resource_key.to_string()))
            .or_default()
            .entry(JsKey(ability.to_string()))
            .or_default();
        list.extend(data);
    }

    /// Appends a proof CID (siwe-recap's reader, [`crate::wire::erc5573_decode`]).
    pub fn push_proof(&mut self, cid: String) {
        self.prf.push(cid);
    }

    /// siwe-recap 0.2 `NotaBeneCollection` serializes an empty list as `[{}]`.
    pub fn fill_empty_restrictions(&mut self) {
        for abilities in self.att.values_mut() {
            for list in abilities.values_mut().filter(|l| l.is_empty()) {
                list.push(Map::new());
            }
        }
    }

    /// `addAllCapabilitiesForResource`: grants `*/*`.
    pub fn add_all_capabilities(&mut self, resource: &Resource) {
        self.att
            .entry(JsKey(resource.key()))
            .or_default()
            .entry(JsKey("*/*".to_string()))
            .or_default()
            .push(Map::new());
    }

    /// `Recap.merge`: an ability whose list is empty or holds only `{}` is replaced by the
    /// other's list; otherwise the other's restrictions are appended.
    pub fn merge(&mut self, other: Recap) {
        for p in other.prf {
            if !self.prf.contains(&p) {
                self.prf.push(p);
            }
        }
        for (resource, abilities) in other.att {
            match self.att.get_mut(&resource) {
                Some(existing) => {
                    for (ability, restrictions) in abilities {
                        match existing.get_mut(&ability) {
                            Some(list) if !list.iter().all(|r| r.is_empty()) => {
                                list.extend(restrictions)
                            }
                            _ => {
                                existing.insert(ability, restrictions);
                            }
                        }
                    }
                }
                None => {
                    self.att.insert(resource, abilities);
                }
            }
        }
    }

    /// The `{att, prf}` object with keys sorted at every depth.
    pub fn to_value(&self) -> Value {
        let mut att = Map::new();
        for (resource, abilities) in &self.att {
            let mut abs = Map::new();
            for (ability, nbs) in abilities {
                let list = nbs
                    .iter()
                    .map(|nb| sort_value(&Value::Object(nb.clone())))
                    .collect();
                abs.insert(ability.0.clone(), Value::Array(list));
            }
            att.insert(resource.0.clone(), Value::Object(abs));
        }
        let mut top = Map::new();
        top.insert("att".to_string(), Value::Object(att));
        top.insert(
            "prf".to_string(),
            Value::Array(self.prf.iter().cloned().map(Value::String).collect()),
        );
        Value::Object(top)
    }

    /// The canonical JSON text that is base64url-encoded into the URN.
    pub fn to_canonical_json(&self) -> String {
        // Written straight from the maps: their keys are already in canonical (UTF-16) order.
        let mut out = String::with_capacity(64 + 96 * self.att.len());
        out.push_str("{\"att\":{");
        for (i, (resource, abilities)) in self.att.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json::write_string(&mut out, &resource.0);
            out.push_str(":{");
            for (j, (ability, nbs)) in abilities.iter().enumerate() {
                if j > 0 {
                    out.push(',');
                }
                json::write_string(&mut out, &ability.0);
                out.push_str(":[");
                for (k, nb) in nbs.iter().enumerate() {
                    if k > 0 {
                        out.push(',');
                    }
                    json::canonicalize_object_into(&mut out, nb);
                }
                out.push(']');
            }
            out.push('}');
        }
        out.push_str("},\"prf\":[");
        for (i, p) in self.prf.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json::write_string(&mut out, p);
        }
        out.push_str("]}");
        out
    }

    /// `encodeAsSiweResource()`: `urn:recap:` + unpadded base64url of the canonical JSON.
    pub fn encode(&self) -> String {
        let json = self.to_canonical_json();
        let mut urn = String::with_capacity(URN_PREFIX.len() + json.len().div_ceil(3) * 4);
        urn.push_str(URN_PREFIX);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode_string(json, &mut urn);
        urn
    }

    /// The `statement` getter: the sentence appended to the SIWE statement.
    pub fn statement(&self) -> String {
        let mut s = String::with_capacity(STATEMENT_PREFIX.len() + 64 * self.att.len().max(1));
        s.push_str(STATEMENT_PREFIX);
        s.push(' ');
        let mut section = 1usize;
        let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
        for (resource, abilities) in &self.att {
            groups.clear();
            for ability in abilities.keys() {
                let (ns, name) = ability.0.split_once('/').unwrap_or((&ability.0, ""));
                match groups.iter_mut().find(|(g, _)| *g == ns) {
                    Some((_, names)) => names.push(name),
                    None => groups.push((ns, vec![name])),
                }
            }
            // The groups are a JS object: array-index keys enumerate first, ascending.
            if groups.iter().any(|(ns, _)| json::is_array_index(ns)) {
                groups.sort_by_key(|(ns, _)| {
                    if json::is_array_index(ns) {
                        (0, ns.parse::<u64>().unwrap_or(0))
                    } else {
                        (1, 0)
                    }
                });
            }
            for (ns, names) in &groups {
                s.push('(');
                s.push_str(&section.to_string());
                s.push_str(") '");
                s.push_str(ns);
                s.push_str("': ");
                for (i, n) in names.iter().enumerate() {
                    if i > 0 {
                        s.push_str(", ");
                    }
                    s.push('\'');
                    s.push_str(n);
                    s.push('\'');
                }
                s.push_str(" for '");
                s.push_str(&resource.0);
                s.push_str("'. ");
                section += 1;
            }
        }
        s.pop();
        s
    }

    /// `Recap.decode_urn` with the SDK's checks, in the SDK's order. A canonical recap (what
    /// the SDK and litcap write) is read straight into the maps (`canonical`); anything else
    /// takes the general path, which decides every error and non-canonical form.
    pub fn decode(urn: &str) -> Result<Decoded, RecapError> {
        let payload = urn
            .strip_prefix(URN_PREFIX)
            .ok_or(RecapError::NotARecapUrn)?;
        match canonical::read(payload) {
            Some(recap) => Ok(Decoded {
                recap,
                canonical: true,
            }),
            None => Recap::decode_general(urn, payload),
        }
    }

    /// [`Recap::decode`] through a generic JSON value, then re-encoded to learn whether the
    /// input was canonical. `payload` is `urn` without its `urn:recap:`.
    fn decode_general(urn: &str, payload: &str) -> Result<Decoded, RecapError> {
        let bytes = decode_base64url(payload)?;
        let text = String::from_utf8_lossy(&bytes);
        // TextDecoder drops a leading byte-order mark.
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let value: Value =
            serde_json::from_str(text).map_err(|e| RecapError::Json(e.to_string()))?;
        let recap = Recap::from_value_checked(&value, true)?;
        let canonical = recap.encode() == urn;
        Ok(Decoded { recap, canonical })
    }

    /// Builds a recap from its JSON object with `decodeRecap`'s checks (shape, ability
    /// strings, nota-bene lists, and, if `require_sorted`, siwe-recap's key-order check).
    pub fn from_value_checked(value: &Value, require_sorted: bool) -> Result<Recap, RecapError> {
        let (att_value, prf_value) = match &value {
            Value::Object(top) => (top.get("att"), top.get("prf")),
            _ => (None, None),
        };
        let att_map = match att_value {
            Some(Value::Object(m)) => m,
            _ => return Err(RecapError::InvalidAttenuations),
        };
        let prf = match prf_value {
            Some(Value::Array(items)) => items
                .iter()
                .map(|p| match p {
                    Value::String(s) if looks_like_cid(s) => Ok(s.clone()),
                    _ => Err(RecapError::InvalidProofs),
                })
                .collect::<Result<Vec<_>, _>>()?,
            _ => return Err(RecapError::InvalidProofs),
        };
        let mut att: BTreeMap<JsKey, Abilities> = BTreeMap::new();
        for resource in json::js_key_order(att_map) {
            let mut abilities = Abilities::new();
            match att_map.get(resource) {
                Some(Value::Object(abs)) => {
                    for ability in json::js_key_order(abs) {
                        if !valid_ability_string(ability) {
                            return Err(RecapError::InvalidAbility(ability.clone()));
                        }
                        let list = match abs.get(ability) {
                            Some(Value::Array(list)) => list,
                            _ => return Err(RecapError::InvalidNotaBene(ability.clone())),
                        };
                        let mut nbs = Vec::with_capacity(list.len());
                        for nb in list {
                            match nb {
                                Value::Object(o) => nbs.push(o.clone()),
                                _ => return Err(RecapError::InvalidNotaBene(ability.clone())),
                            }
                        }
                        abilities.insert(JsKey(ability.clone()), nbs);
                    }
                }
                // `[] instanceof Object` holds in JS: an array's entries are its indices.
                Some(Value::Array(items)) if items.is_empty() => {}
                Some(Value::Array(_)) => return Err(RecapError::InvalidAbility("0".to_string())),
                _ => return Err(RecapError::InvalidAttenuations),
            }
            att.insert(JsKey(resource.clone()), abilities);
        }
        if require_sorted && !is_sorted_map(att_map) {
            return Err(RecapError::NotSorted);
        }
        Ok(Recap { att, prf })
    }

    /// `Recap.add_to_siwe_message` on a SIWE statement and resource list.
    pub fn add_to_siwe(&self, statement: &mut Option<String>, resources: &mut Vec<String>) {
        if let (Some(current), Some(last)) = (statement.as_ref(), resources.last()) {
            if let Ok(Decoded {
                recap: mut other, ..
            }) = Recap::decode(last)
            {
                let previous = other.statement();
                if current.ends_with(&previous) {
                    other.merge(self.clone());
                    let kept = &current[..current.len() - previous.len()];
                    *statement = Some(format!("{kept}{}", other.statement()));
                    if let Some(slot) = resources.last_mut() {
                        *slot = other.encode();
                    }
                    return;
                }
            }
        }
        *statement = Some(match statement.take() {
            None => self.statement(),
            Some(s) => format!("{s} {}", self.statement()),
        });
        resources.push(self.encode());
    }
}

/// A recap holding exactly one capability, as `addRecapToSiweMessage` builds per request.
pub fn single(
    resource: &Resource,
    ability: Ability,
    data: Option<NotaBene>,
) -> Result<Recap, RecapError> {
    let mut r = Recap::new();
    r.add_capability(resource, ability, data)?;
    Ok(r)
}

fn looks_like_cid(s: &str) -> bool {
    const BASE58: &str = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    (s.starts_with('z') || s.starts_with("Qm"))
        && s.len() > 2
        && s.chars().all(|c| BASE58.contains(c))
}

/// The multiformats `rfc4648` decoder: trailing `=` ignored, strict on leftover bits.
pub fn decode_base64url(s: &str) -> Result<Vec<u8>, RecapError> {
    let trimmed = s.trim_end_matches('=');
    let mut out = Vec::with_capacity(trimmed.len() * 3 / 4);
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for c in trimmed.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return Err(RecapError::Base64Character),
        };
        buffer = (buffer << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
        buffer &= (1 << bits) - 1;
    }
    if bits >= 6 || (buffer << (8 - bits)) & 0xff != 0 {
        return Err(RecapError::Base64Length);
    }
    Ok(out)
}

/// siwe-recap `isSorted`: every object's keys, in JS enumeration order, are already sorted.
fn is_sorted(value: &Value) -> bool {
    match value {
        Value::Array(items) => items.iter().all(is_sorted),
        Value::Object(map) => is_sorted_map(map),
        _ => true,
    }
}

fn is_sorted_map(map: &Map<String, Value>) -> bool {
    let order = json::js_key_order(map);
    order
        .windows(2)
        .all(|w| utf16_cmp(w[0], w[1]) != Ordering::Greater)
        && map.values().all(is_sorted)
}

/// A copy of `value` with object keys sorted at every depth (for readable output).
pub fn sort_value(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(sort_value).collect()),
        Value::Object(map) => {
            let mut sorted = Map::new();
            for k in json::sorted_keys(map) {
                if let Some(v) = map.get(k) {
                    sorted.insert(k.clone(), sort_value(v));
                }
            }
            Value::Object(sorted)
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::lit::ResourcePrefix;
    use serde_json::json;

    #[test]
    fn pkp_wildcard_encodes_like_the_sdk() {
        let r = single(
            &Resource::wildcard(ResourcePrefix::Pkp),
            Ability::PkpSigning,
            None,
        )
        .unwrap();
        assert_eq!(
            r.encode(),
            "urn:recap:eyJhdHQiOnsibGl0LXBrcDovLyoiOnsiVGhyZXNob2xkL1NpZ25pbmciOlt7fV19fSwicHJmIjpbXX0"
        );
        assert_eq!(
            r.statement(),
            "I further authorize the stated URI to perform the following actions on my behalf: (1) 'Threshold': 'Signing' for 'lit-pkp://*'."
        );
    }

    #[test]
    fn empty_recap() {
        let r = Recap::new();
        assert_eq!(r.encode(), "urn:recap:eyJhdHQiOnt9LCJwcmYiOltdfQ");
        assert_eq!(r.statement(), STATEMENT_PREFIX);
        let d = Recap::decode("urn:recap:eyJhdHQiOnt9LCJwcmYiOltdfQ").unwrap();
        assert!(d.canonical && d.recap.is_empty());
    }

    #[test]
    fn decode_rejects_like_the_sdk() {
        assert_eq!(Recap::decode("urn:recap"), Err(RecapError::NotARecapUrn));
        assert_eq!(
            Recap::decode("urn:recap:e!"),
            Err(RecapError::Base64Character)
        );
        assert_eq!(
            Recap::decode("urn:recap:eyJhd"),
            Err(RecapError::Base64Length)
        );
        // `{"att":[],"prf":[]}`
        let arr = format!(
            "urn:recap:{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{"att":[],"prf":[]}"#)
        );
        assert_eq!(Recap::decode(&arr), Err(RecapError::InvalidAttenuations));
    }

    #[test]
    fn decode_accepts_but_flags_non_canonical_forms() {
        let padded = "urn:recap:eyJhdHQiOnt9LCJwcmYiOltdfQ==";
        let d = Recap::decode(padded).unwrap();
        assert!(!d.canonical);
        let spaced = format!(
            "urn:recap:{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(r#"{ "att": {}, "prf": [] }"#)
        );
        assert!(!Recap::decode(&spaced).unwrap().canonical);
    }

    #[test]
    fn merge_replaces_empty_restrictions_and_appends_others() {
        let mut a = Recap::new();
        a.add_attenuation("lit-pkp://*", "Threshold", "Signing", Map::new())
            .unwrap();
        let mut b = Recap::new();
        let nb = json!({"x": 1}).as_object().cloned().unwrap();
        b.add_attenuation("lit-pkp://*", "Threshold", "Signing", nb.clone())
            .unwrap();
        a.merge(b.clone());
        assert_eq!(
            a.abilities_for("lit-pkp://*")
                .unwrap()
                .values()
                .next()
                .unwrap(),
            &vec![nb.clone()]
        );
        a.merge(b);
        assert_eq!(
            a.abilities_for("lit-pkp://*")
                .unwrap()
                .values()
                .next()
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn base64url_strictness() {
        assert_eq!(decode_base64url("TQ").unwrap(), b"M");
        assert_eq!(decode_base64url("TR"), Err(RecapError::Base64Length));
        assert_eq!(decode_base64url("T"), Err(RecapError::Base64Length));
        assert_eq!(decode_base64url("TWE=").unwrap(), b"Ma");
        assert_eq!(decode_base64url("a+b"), Err(RecapError::Base64Character));
    }
}
