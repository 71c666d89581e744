//! Reading a `urn:recap:` resource as spruceid's `siwe-recap` 0.2 reads it (the ERC-5573
//! profile), where [`Recap::decode`] applies the Lit SDK's checks.
//!
//! Rules and sources (siwe-recap 0.2.0 `src/capability.rs` `Capability::decode` /
//! `TryFrom<&UriString>`; ucan-capabilities-object 0.1.0 `src/ability.rs`, `src/nota_bene.rs`;
//! base64 0.12.3 `decode.rs`; serde_json 1):
//! - base64url without padding (`URL_SAFE_NO_PAD`): `=` is still accepted in the last quad
//!   (at the third and fourth places only), leftover bits must be zero;
//! - the bytes are JSON read by `serde_json::from_slice`: strict UTF-8, no byte-order mark;
//! - the top level is the `Capability` struct: `att` and `prf` required, each once
//!   (`duplicate field`), other keys ignored;
//! - `att` keys are RFC 3986 URIs (`UriString`), a repeated key keeps its last value;
//! - ability keys are `namespace/name`, each part Unicode alphanumerics or `-_.+*`
//!   (`char::is_alphanumeric`, where the Lit decoder allows ASCII only);
//! - a nota-bene list is a non-empty array of objects (`[]` is `empty NotaBeneCollection`);
//! - `prf` entries are base58btc CIDs (`z…`; a `Qm…` v0 string is refused);
//! - no key-order check: an unsorted attenuation object reads as a sorted one.

use crate::wire::lit::valid_recap_ability;
use crate::wire::recap::{decode_base64url, Decoded, NotaBene, Recap, RecapError, URN_PREFIX};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The `Capability` struct's shape (`#[derive(Deserialize)]`, no `deny_unknown_fields`).
#[derive(Deserialize)]
struct Wire {
    att: BTreeMap<UriKey, BTreeMap<AbilityKey, NotaBenes>>,
    prf: Vec<ProofCid>,
}

#[derive(Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(try_from = "String")]
struct UriKey(String);

impl TryFrom<String> for UriKey {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        crate::wire::siwe::uri::check_uri(&s)
            .map(|_| UriKey(s.clone()))
            .map_err(|why| format!("`{s}` is not a URI: {why}"))
    }
}

#[derive(Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(try_from = "String")]
struct AbilityKey(String);

impl TryFrom<String> for AbilityKey {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if valid_recap_ability(&s) {
            Ok(AbilityKey(s))
        } else {
            Err(format!("Invalid ability string: {s}"))
        }
    }
}

#[derive(Deserialize)]
#[serde(try_from = "Vec<NotaBene>")]
struct NotaBenes(Vec<NotaBene>);

impl TryFrom<Vec<NotaBene>> for NotaBenes {
    type Error = &'static str;
    fn try_from(v: Vec<NotaBene>) -> Result<Self, &'static str> {
        if v.is_empty() {
            Err("empty NotaBeneCollection is not allowed")
        } else {
            Ok(NotaBenes(v))
        }
    }
}

#[derive(Deserialize)]
#[serde(try_from = "String")]
struct ProofCid(String);

impl TryFrom<String> for ProofCid {
    type Error = &'static str;
    fn try_from(s: String) -> Result<Self, &'static str> {
        if !s.starts_with('z') {
            return Err("non-base58btc encoded Cid");
        }
        if is_cid(&s[1..]) {
            Ok(ProofCid(s))
        } else {
            Err("invalid Cid")
        }
    }
}

/// base64 0.12: `=` only at the end, and only at the third and fourth place of a quad.
fn padding_ok(payload: &str) -> bool {
    let data = payload.trim_end_matches('=');
    let pads = payload.len() - data.len();
    let at = data.len() % 4;
    !data.contains('=') && (pads == 0 || (at == 2 && pads <= 2) || (at == 3 && pads == 1))
}

/// A `urn:recap:` resource as siwe-recap 0.2 reads it.
pub fn decode(urn: &str) -> Result<Decoded, RecapError> {
    let payload = urn
        .strip_prefix(URN_PREFIX)
        .ok_or(RecapError::NotARecapUrn)?;
    if !padding_ok(payload) {
        return Err(RecapError::Base64Character);
    }
    let bytes = decode_base64url(payload)?;
    let wire: Wire = serde_json::from_slice(&bytes).map_err(|e| RecapError::Json(e.to_string()))?;
    let mut recap = Recap::new();
    for (uri, abilities) in wire.att {
        for (ability, nbs) in abilities {
            for nb in nbs.0 {
                recap.append_restriction(&uri.0, &ability.0, Some(nb));
            }
        }
    }
    for p in wire.prf {
        recap.push_proof(p.0);
    }
    let canonical = recap.encode() == urn;
    Ok(Decoded { recap, canonical })
}

/// A CID v1 after its multibase prefix, as `cid` 0.10 `Cid::read_bytes` reads it: version 1,
/// a codec and a multihash (code, length, digest of that length, at most 64 bytes).
fn is_cid(base58: &str) -> bool {
    let Some(bytes) = base58_decode(base58) else {
        return false;
    };
    let mut rest = bytes.as_slice();
    let mut next = || varint(&mut rest);
    match (next(), next()) {
        (Some(0x12), Some(0x20)) => return rest.len() == 32,
        (Some(1), Some(_codec)) => {}
        _ => return false,
    }
    let (Some(_code), Some(size)) = (varint(&mut rest), varint(&mut rest)) else {
        return false;
    };
    size <= 64 && rest.len() as u64 == size
}

fn varint(bytes: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for i in 0..9 {
        let (&b, rest) = bytes.split_first()?;
        *bytes = rest;
        value |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

fn base58_decode(s: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let mut out: Vec<u8> = Vec::new();
    for c in s.bytes() {
        let mut carry = ALPHABET.iter().position(|&a| a == c)? as u32;
        for b in out.iter_mut().rev() {
            carry += u32::from(*b) * 58;
            *b = (carry & 0xff) as u8;
            carry >>= 8;
        }
        while carry > 0 {
            out.insert(0, (carry & 0xff) as u8);
            carry >>= 8;
        }
    }
    let zeros = s.bytes().take_while(|&c| c == b'1').count();
    let mut full = vec![0u8; zeros];
    full.extend(out);
    Some(full)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn urn(json: &str) -> String {
        format!(
            "{URN_PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
        )
    }

    #[test]
    fn unsorted_and_unicode_read_where_the_lit_decoder_refuses() {
        let u = urn(r#"{"prf":[],"att":{"urn:b":{"kv/get":[{}]},"urn:a":{"ünï/cödé":[{}]}}}"#);
        assert!(Recap::decode(&u).is_err());
        let d = decode(&u).unwrap();
        assert!(!d.canonical);
        assert!(d
            .recap
            .abilities_for("urn:a")
            .unwrap()
            .contains_key("ünï/cödé"));
        assert_eq!(
            d.recap.encode(),
            urn(r#"{"att":{"urn:a":{"ünï/cödé":[{}]},"urn:b":{"kv/get":[{}]}},"prf":[]}"#)
        );
    }

    #[test]
    fn refuses_what_siwe_recap_refuses() {
        for bad in [
            r#"{"att":{"urn:a":{"kv/get":[]}},"prf":[]}"#,
            r#"{"att":{"not a uri":{"kv/get":[{}]}},"prf":[]}"#,
            r#"{"att":{"urn:a":{"kv":[{}]}},"prf":[]}"#,
            r#"{"att":{},"prf":[],"att":{}}"#,
            r#"{"att":{}}"#,
            r#"{"att":{},"prf":["QmY3qun9qX3fUBHVfrA9f3v9RpyyPo8RHEuEN1XYPq1PrA"]}"#,
            "\u{feff}{\"att\":{},\"prf\":[]}",
        ] {
            assert!(decode(&urn(bad)).is_err(), "{bad}");
        }
        // Unknown top-level keys are ignored; padding in the last quad is accepted.
        assert!(decode(&urn(r#"{"att":{},"prf":[],"x":1}"#)).is_ok());
        assert!(decode("urn:recap:eyJhdHQiOnt9LCJwcmYiOltdfQ==").is_ok());
        assert!(decode("urn:recap:eyJhdHQiOnt9LCJwcmYiOltdfQ===").is_err());
        assert!(decode("urn:recap:eyJh=dHQiOnt9LCJwcmYiOltdfQ").is_err());
    }

    #[test]
    fn proofs_are_base58btc_cids() {
        // bafy… as base58btc: CIDv1 dag-pb sha2-256.
        let cid = "zdj7WhuEjrB52m1BisYCtmjH1hSKa7yZ3jEZ9JcXaFRD51wVz";
        let ok = decode(&urn(&format!(r#"{{"att":{{}},"prf":["{cid}"]}}"#))).unwrap();
        assert_eq!(ok.recap.proofs(), [cid.to_string()]);
        assert!(decode(&urn(r#"{"att":{},"prf":["zzzz"]}"#)).is_err());
    }
}
