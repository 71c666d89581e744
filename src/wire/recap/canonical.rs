//! The fast read of a `urn:recap:` payload that is already in canonical form: straight into the
//! typed [`Recap`], without a generic `serde_json::Value` for the whole object and without
//! re-encoding it to learn that it is canonical (issue #13 goal 3).
//!
//! Rules (each one keeps [`Recap::decode`]'s answer unchanged):
//!
//! 1. It answers only when the payload is byte for byte what [`Recap::encode`] writes for the
//!    recap it reads; for anything else it says `None` and [`Recap::decode`] takes its general
//!    path (serde_json, the SDK's checks in the SDK's order, the canonical re-encoding). So every
//!    error, and every non-canonical form (padding, whitespace, escapes, unsorted or duplicate
//!    keys, a byte-order mark, extra top-level keys), is still the general path's.
//! 2. Base64url: the `base64` crate's `URL_SAFE_NO_PAD` (the encoder's own engine) decodes it:
//!    no padding, no leftover bits, so it re-encodes to itself; the general path's
//!    `decode_base64url` accepts all of these, and more.
//! 3. The JSON is `{"att":{…},"prf":[…]}` with no whitespace; strings hold no `\` and no control
//!    character (what [`crate::json::write_string`] writes raw); resource and ability keys are
//!    strictly increasing in UTF-16 order (sorted, none repeated), as the canonical writer's
//!    B-tree order; no resource key is an array index (JavaScript enumerates those first, so
//!    siwe-recap's sortedness check can refuse a canonical text: the general path decides);
//!    every ability passes `valid_ability_string`; every proof `looks_like_cid`.
//! 4. A nota bene is `{}`, or an object that serde_json reads, that is sorted at every depth
//!    (siwe-recap `isSorted`), and whose canonical form is its text.
//!
//! Under these rules the general path, on the same payload, builds the same maps (the same
//! strings; each nota bene parsed by serde_json from the same text) and finds its re-encoding
//! equal to the input: `Decoded { recap, canonical: true }`. The unit tests below and the
//! property test `fast_and_general_decoders_agree` compare both paths.

use super::{is_sorted_map, looks_like_cid, valid_ability_string};
use super::{Abilities, JsKey, NotaBene, Recap};
use crate::json::{self, utf16_cmp};
use base64::Engine;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// The recap in `payload` (the text after `urn:recap:`) if the payload is canonical and
/// decodes; `None` sends the caller to the general decoder.
pub(super) fn read(payload: &str) -> Option<Recap> {
    // base64's `URL_SAFE_NO_PAD` refuses padding, a length of 1 mod 4 and non-zero leftover
    // bits: it accepts exactly what it encodes, a subset of what `decode_base64url` accepts.
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let mut r = Reader { text, pos: 0 };
    r.expect("{\"att\":{")?;
    let mut att: BTreeMap<JsKey, Abilities> = BTreeMap::new();
    let mut last_resource: Option<&str> = None;
    if !r.eat(b'}') {
        loop {
            let resource = r.string()?;
            if last_resource.is_some_and(|p| utf16_cmp(p, resource) != Ordering::Less)
                || json::is_array_index(resource)
            {
                return None;
            }
            last_resource = Some(resource);
            r.expect(":{")?;
            let abilities = r.abilities()?;
            att.insert(JsKey(resource.to_string()), abilities);
            if r.eat(b'}') {
                break;
            }
            r.expect(",")?;
        }
    }
    r.expect(",\"prf\":[")?;
    let mut prf = Vec::new();
    if !r.eat(b']') {
        loop {
            let proof = r.string()?;
            if !looks_like_cid(proof) {
                return None;
            }
            prf.push(proof.to_string());
            if r.eat(b']') {
                break;
            }
            r.expect(",")?;
        }
    }
    r.expect("}")?;
    (r.pos == text.len()).then_some(Recap { att, prf })
}

struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Reader<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.text.as_bytes().get(self.pos) == Some(&b);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn expect(&mut self, s: &str) -> Option<()> {
        self.rest().starts_with(s).then(|| self.pos += s.len())
    }

    /// A string the canonical writer writes raw: no escape, no control character.
    fn string(&mut self) -> Option<&'a str> {
        self.expect("\"")?;
        let rest = self.rest();
        let end = rest
            .bytes()
            .position(|b| b == b'"' || b == b'\\' || b < 0x20)?;
        if rest.as_bytes()[end] != b'"' {
            return None;
        }
        self.pos += end + 1;
        Some(&rest[..end])
    }

    /// `"ns/name":[nb,…],…}` after a resource's `{`.
    fn abilities(&mut self) -> Option<Abilities> {
        let mut abilities = Abilities::new();
        if self.eat(b'}') {
            return Some(abilities);
        }
        let mut last: Option<&str> = None;
        loop {
            let ability = self.string()?;
            if last.is_some_and(|p| utf16_cmp(p, ability) != Ordering::Less)
                || !valid_ability_string(ability)
            {
                return None;
            }
            last = Some(ability);
            self.expect(":[")?;
            let mut nbs = Vec::new();
            if !self.eat(b']') {
                loop {
                    nbs.push(self.nota_bene()?);
                    if self.eat(b']') {
                        break;
                    }
                    self.expect(",")?;
                }
            }
            abilities.insert(JsKey(ability.to_string()), nbs);
            if self.eat(b'}') {
                return Some(abilities);
            }
            self.expect(",")?;
        }
    }

    /// One nota-bene object: `{}`, or one whose text is its own canonical form.
    fn nota_bene(&mut self) -> Option<NotaBene> {
        if self.expect("{}").is_some() {
            return Some(NotaBene::new());
        }
        let rest = self.rest();
        if !rest.starts_with('{') {
            return None;
        }
        let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<NotaBene>();
        let nb = stream.next()?.ok()?;
        let len = stream.byte_offset();
        let mut canonical = String::with_capacity(len);
        json::canonicalize_object_into(&mut canonical, &nb);
        if canonical != rest[..len] || !is_sorted_map(&nb) {
            return None;
        }
        self.pos += len;
        Some(nb)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Decoded, RecapError, URN_PREFIX};
    use super::*;

    fn urn_of_json(text: &str) -> String {
        format!(
            "{URN_PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
        )
    }

    /// The general decoder's answer, and the fast reader's, which must be the same answer
    /// whenever the fast reader gives one; `Recap::decode` must equal the general decoder.
    fn both(urn: &str) -> (Option<Recap>, Result<Decoded, RecapError>) {
        let Some(payload) = urn.strip_prefix(URN_PREFIX) else {
            assert_eq!(Recap::decode(urn), Err(RecapError::NotARecapUrn));
            return (None, Err(RecapError::NotARecapUrn));
        };
        let general = Recap::decode_general(urn, payload);
        let fast = read(payload);
        if let Some(r) = &fast {
            assert_eq!(
                general,
                Ok(Decoded {
                    recap: r.clone(),
                    canonical: true
                }),
                "fast read of {urn}"
            );
        }
        assert_eq!(Recap::decode(urn), general, "decode of {urn}");
        (fast, general)
    }

    const PKP: &str = r#"{"att":{"lit-pkp://*":{"Threshold/Signing":[{}]}},"prf":[]}"#;

    #[test]
    fn canonical_recaps_take_the_fast_read() {
        for text in [
            r#"{"att":{},"prf":[]}"#,
            PKP,
            r#"{"att":{"lit-acc://*":{"Threshold/Decryption":[{}]},"lit-litaction://Qm1":{"Threshold/Execution":[{},{}]},"lit-pkp://*":{"*/*":[{}],"Threshold/Signing":[]}},"prf":["QmUjX8MW6StQ7NKNdaS6g4RMkvN5hcgtKmEi8Mca6oX4t3","zb2"]}"#,
            r#"{"att":{"lit-ratelimitincrease://1":{"Auth/Auth":[{"delegate_to":["aa","bb"],"nft_id":["1"],"uses":"10"}]}},"prf":[]}"#,
            r#"{"att":{"lit-pkp://*":{"Threshold/Signing":[{"a":{"b":[1,null,true,"é"],"c":1.5}}]}},"prf":[]}"#,
            r#"{"att":{"é":{},"😀":{}},"prf":[]}"#,
            r#"{"att":{"x":{"Threshold/Signing":[{"":0}]}},"prf":[]}"#,
        ] {
            let (fast, general) = both(&urn_of_json(text));
            assert!(fast.is_some(), "{text}: {general:?}");
        }
    }

    #[test]
    fn every_other_form_takes_the_general_path_and_gets_its_answer() {
        let canonical = urn_of_json(PKP);
        let cases: Vec<(String, &str)> = vec![
            (format!("{canonical}=="), "padding"),
            (format!("{canonical}="), "one pad"),
            (urn_of_json(&format!("\u{feff}{PKP}")), "byte-order mark"),
            (urn_of_json(&PKP.replace(':', ": ")), "whitespace"),
            (urn_of_json(&format!("{PKP} ")), "trailing whitespace"),
            (urn_of_json(&format!("{PKP}x")), "trailing garbage"),
            (
                urn_of_json(r#"{"prf":[],"att":{"lit-pkp://*":{"Threshold/Signing":[{}]}}}"#),
                "top-level keys reordered",
            ),
            (
                urn_of_json(r#"{"att":{},"prf":[],"x":1}"#),
                "extra top-level key",
            ),
            (
                urn_of_json(r#"{"att":{"b":{},"a":{}},"prf":[]}"#),
                "resources unsorted",
            ),
            (
                urn_of_json(r#"{"att":{"a":{},"a":{"Threshold/Signing":[{}]}},"prf":[]}"#),
                "duplicate resource",
            ),
            (
                urn_of_json(
                    r#"{"att":{"a":{"Threshold/Signing":[{}],"Threshold/Signing":[]}},"prf":[]}"#,
                ),
                "duplicate ability",
            ),
            (
                urn_of_json(r#"{"att":{"a":{"b/b":[{}],"a/a":[{}]}},"prf":[]}"#),
                "abilities unsorted",
            ),
            (
                urn_of_json(r#"{"att":{"\u0061":{}},"prf":[]}"#),
                "escaped key",
            ),
            (
                urn_of_json(r#"{"att":{"a\/b":{}},"prf":[]}"#),
                "escaped slash",
            ),
            (
                urn_of_json(r#"{"att":{"9":{}},"prf":[]}"#),
                "array-index key",
            ),
            (
                urn_of_json(r#"{"att":{"1":{},"10":{},"9":{}},"prf":[]}"#),
                "array-index keys in UTF-16 order",
            ),
            (urn_of_json(r#"{"att":[],"prf":[]}"#), "att is an array"),
            (
                urn_of_json(r#"{"att":{"a":[]},"prf":[]}"#),
                "resource is []",
            ),
            (
                urn_of_json(r#"{"att":{"a":[1]},"prf":[]}"#),
                "resource is [1]",
            ),
            (
                urn_of_json(r#"{"att":{"a":"x"},"prf":[]}"#),
                "resource is a string",
            ),
            (
                urn_of_json(r#"{"att":{"a":{"b/b":{}}},"prf":[]}"#),
                "nota-bene list is an object",
            ),
            (
                urn_of_json(r#"{"att":{"a":{"b/b":[1]}},"prf":[]}"#),
                "nota bene is a number",
            ),
            (
                urn_of_json(r#"{"att":{"a":{"b/b":[[]]}},"prf":[]}"#),
                "nota bene is an array",
            ),
            (
                urn_of_json(r#"{"att":{"a":{"b/b":[{"b":1,"a":2}]}},"prf":[]}"#),
                "nota bene unsorted",
            ),
            (
                urn_of_json(r#"{"att":{"a":{"b/b":[{"a":{"d":1,"c":2}}]}},"prf":[]}"#),
                "nested nota bene unsorted",
            ),
            (
                urn_of_json(r#"{"att":{"a":{"b/b":[{"a":1,"a":2}]}},"prf":[]}"#),
                "nota bene with a duplicate key",
            ),
            (
                urn_of_json(r#"{"att":{"a":{"b/b":[{"a":1.0}]}},"prf":[]}"#),
                "number not as JavaScript writes it",
            ),
            (
                urn_of_json(r#"{"att":{"a":{"b/b":[{"a":"\u00e9"}]}},"prf":[]}"#),
                "escaped nota-bene string",
            ),
            (
                urn_of_json(r#"{"att":{"a":{"b/b":[{"9":1,"10":2}]}},"prf":[]}"#),
                "nota bene with array-index keys",
            ),
            (
                urn_of_json(r#"{"att":{"a":{"bb":[{}]}},"prf":[]}"#),
                "bad ability",
            ),
            (
                urn_of_json(r#"{"att":{"a":{"b/b":[{}]}},"prf":["x"]}"#),
                "bad proof",
            ),
            (urn_of_json(r#"{"att":{},"prf":[1]}"#), "proof not a string"),
            (urn_of_json(r#"{"att":{},"prf":{}}"#), "proofs an object"),
            (urn_of_json(r#"{"att":{}}"#), "no proofs"),
            (urn_of_json("[]"), "not an object"),
            (urn_of_json("{"), "not JSON"),
            (
                format!(
                    "{URN_PREFIX}{}",
                    base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .encode(b"{\"att\":{\"\xff\":{}},\"prf\":[]}")
                ),
                "not UTF-8",
            ),
            ("urn:recap:eyJhd".to_string(), "bad length"),
            ("urn:recap:e!".to_string(), "bad character"),
            ("urn:recap".to_string(), "no urn"),
        ];
        for (urn, why) in cases {
            let (fast, _) = both(&urn);
            assert!(fast.is_none(), "{why}: the fast read answered");
        }
    }

    /// Random recaps, written canonically, then damaged or not: the fast reader answers only
    /// what the general decoder answers.
    fn arb_recap_json() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let key = prop_oneof![
            Just("lit-pkp://*".to_string()),
            Just("lit-acc://*".to_string()),
            "[0-9]{1,2}",
            "[a\"\\\\\u{e9}\u{1f600}\u{1}/:*-]{0,4}",
        ];
        let ability = prop_oneof![
            Just("Threshold/Signing".to_string()),
            Just("*/*".to_string()),
            "[a-c/.*]{0,4}",
        ];
        let scalar = prop_oneof![
            Just(serde_json::json!(null)),
            Just(serde_json::json!(1.5)),
            Just(serde_json::json!(10)),
            Just(serde_json::json!("\u{e9}\"")),
            Just(serde_json::json!([true, {}])),
        ];
        let nb = proptest::collection::btree_map("[a-c0-9]{0,2}", scalar, 0..3);
        let abilities =
            proptest::collection::btree_map(ability, proptest::collection::vec(nb, 0..3), 0..3);
        let att = proptest::collection::btree_map(key, abilities, 0..3);
        let prf = proptest::collection::vec(
            prop_oneof![Just("QmUjX8MW6".to_string()), Just("x".to_string())],
            0..2,
        );
        (att, prf).prop_map(|(att, prf)| {
            let mut r = Recap::new();
            for (resource, abilities) in att {
                let abilities: Abilities = abilities
                    .into_iter()
                    .map(|(a, nbs)| {
                        (
                            JsKey(a),
                            nbs.into_iter().map(|nb| nb.into_iter().collect()).collect(),
                        )
                    })
                    .collect();
                r.att.insert(JsKey(resource), abilities);
            }
            r.prf = prf;
            r.to_canonical_json()
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]
        /// `damage` 0 and 7-9 leave the text canonical, `pad` 0-1 adds no padding: about a
        /// quarter of the cases are canonical recaps, the rest damaged ones.
        #[test]
        fn fast_and_general_decoders_agree(
            json in arb_recap_json(),
            damage in 0usize..10,
            at in 0usize..200,
            pad in 0usize..4,
        ) {
            let mut text = json;
            let i = (0..=at.min(text.len())).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
            match damage {
                1 => text.insert(i, ' '),
                2 if i < text.len() => { text.remove(i); }
                3 => text.insert_str(i, "\\u0041"),
                4 if i < text.len() => { let c = text.remove(i); text.insert(0, c); }
                _ => {}
            }
            let mut urn = format!("{}{}", urn_of_json(&text), "=".repeat(pad.saturating_sub(1)));
            match damage {
                5 => { urn.pop(); }
                6 if urn.len() > URN_PREFIX.len() + 2 => {
                    let last = urn.pop().unwrap_or('A');
                    urn.push(if last == 'B' { 'C' } else { 'B' });
                }
                _ => {}
            }
            let _ = both(&urn);
        }
    }
}
