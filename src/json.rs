//! JSON written byte for byte like JavaScript.
//!
//! Two writers matter on the wire: `JSON.stringify` (the SessionSigs `signedMessage`, insertion
//! order kept) and the `canonicalize` package that siwe-recap uses for ReCap objects (keys
//! sorted at every depth by UTF-16 code units). Both format numbers as JS does, which differs
//! from serde_json (`1e+21`, `100` for `100.0`).

use serde_json::{Map, Number, Value};
use std::cmp::Ordering;

/// `JSON.stringify(value)` with object keys in the order JavaScript would enumerate them.
pub fn stringify(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, false);
    out
}

/// The `canonicalize` package (RFC 8785 style): no whitespace, keys sorted at every depth.
pub fn canonicalize(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, true);
    out
}

/// Appends the canonical form of an object (keys sorted at every depth).
pub fn canonicalize_object_into(out: &mut String, map: &Map<String, Value>) {
    write_object(out, map, true);
}

fn write_object(out: &mut String, map: &Map<String, Value>, sorted: bool) {
    out.push('{');
    let keys = if sorted {
        sorted_keys(map)
    } else {
        js_key_order(map)
    };
    for (i, k) in keys.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(out, k);
        out.push(':');
        if let Some(v) = map.get(k) {
            write_value(out, v, sorted);
        }
    }
    out.push('}');
}

fn write_value(out: &mut String, value: &Value, sorted: bool) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&js_number(n)),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item, sorted);
            }
            out.push(']');
        }
        Value::Object(map) => write_object(out, map, sorted),
    }
}

/// What kind of JSON value this is, for messages ("found a number").
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// JavaScript `Number.prototype.toString` of the value as an IEEE double.
pub fn js_number(n: &Number) -> String {
    let f = if let Some(i) = n.as_i64() {
        i as f64
    } else if let Some(u) = n.as_u64() {
        u as f64
    } else {
        n.as_f64().unwrap_or(0.0)
    };
    js_f64(f)
}

pub fn js_f64(f: f64) -> String {
    if f == 0.0 {
        // JSON.stringify(-0) is "0".
        return "0".to_string();
    }
    let mut buf = ryu_js::Buffer::new();
    buf.format(f).to_string()
}

/// The JSON string literal JavaScript writes: escapes `"`, `\`, and control characters only.
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Compares strings the way JavaScript's default `sort()` does: by UTF-16 code units.
pub fn utf16_cmp(a: &str, b: &str) -> Ordering {
    // UTF-8 byte order is code point order, which agrees with UTF-16 order except between
    // U+E000..U+FFFF and supplementary characters; only the first differing characters decide.
    let common = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    let mut start = common;
    while !a.is_char_boundary(start) {
        start -= 1;
    }
    match (a[start..].chars().next(), b[start..].chars().next()) {
        (Some(x), Some(y)) => {
            let mut bx = [0u16; 2];
            let mut by = [0u16; 2];
            x.encode_utf16(&mut bx)[0].cmp(&y.encode_utf16(&mut by)[0])
        }
        _ => a.len().cmp(&b.len()),
    }
}

/// Keys sorted by UTF-16 code units (`Object.keys(o).sort()`).
pub fn sorted_keys(map: &Map<String, Value>) -> Vec<&String> {
    let mut keys: Vec<&String> = map.keys().collect();
    keys.sort_by(|a, b| utf16_cmp(a, b));
    keys
}

/// Whether `key` is an array index, which JavaScript enumerates before all other keys.
pub fn is_array_index(key: &str) -> bool {
    if key.is_empty() || key.len() > 10 || !key.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    if key.len() > 1 && key.starts_with('0') {
        return false;
    }
    key.parse::<u64>()
        .map(|n| n < u64::from(u32::MAX))
        .unwrap_or(false)
}

/// `Object.keys(o)` order for an object parsed from JSON: array indices ascending, then the
/// other keys in insertion order.
pub fn js_key_order(map: &Map<String, Value>) -> Vec<&String> {
    let mut indices: Vec<&String> = map.keys().filter(|k| is_array_index(k)).collect();
    if indices.is_empty() {
        return map.keys().collect();
    }
    indices.sort_by_key(|k| k.parse::<u64>().unwrap_or(0));
    indices.extend(map.keys().filter(|k| !is_array_index(k)));
    indices
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_like_javascript() {
        assert_eq!(stringify(&json!(100.0)), "100");
        assert_eq!(stringify(&json!(1e21)), "1e+21");
        assert_eq!(stringify(&json!(1e-7)), "1e-7");
        assert_eq!(stringify(&json!(0.1)), "0.1");
        assert_eq!(stringify(&json!(-0.0)), "0");
        assert_eq!(
            stringify(&json!(123456789012345678u64)),
            "123456789012345680"
        );
    }

    #[test]
    fn strings_like_javascript() {
        assert_eq!(
            stringify(&json!("a\"b\\c\n\u{1}/é")),
            "\"a\\\"b\\\\c\\n\\u0001/é\""
        );
    }

    #[test]
    fn canonical_sorts_every_level() {
        let v = json!({"z": 1, "a": [2, 1], "m": {"y": "q", "b": true}});
        assert_eq!(
            canonicalize(&v),
            r#"{"a":[2,1],"m":{"b":true,"y":"q"},"z":1}"#
        );
        assert_eq!(stringify(&v), r#"{"z":1,"a":[2,1],"m":{"y":"q","b":true}}"#);
    }

    #[test]
    fn integer_keys_enumerate_first() {
        let v: Value = serde_json::from_str(r#"{"b":1,"10":2,"9":3,"01":4}"#).unwrap();
        assert_eq!(stringify(&v), r#"{"9":3,"10":2,"b":1,"01":4}"#);
        assert_eq!(canonicalize(&v), r#"{"01":4,"10":2,"9":3,"b":1}"#);
    }

    proptest::proptest! {
        #[test]
        fn utf16_cmp_is_utf16_order(a in "[a\u{e9}\u{ff61}\u{1f600}\u{10000}-]{0,6}", b in "[a\u{e9}\u{ff61}\u{1f600}\u{10000}-]{0,6}") {
            proptest::prop_assert_eq!(utf16_cmp(&a, &b), a.encode_utf16().cmp(b.encode_utf16()));
        }
    }

    #[test]
    fn utf16_order_differs_from_utf8_above_the_bmp() {
        // U+FF61 sorts after U+1F600 in UTF-8 bytes but before it in UTF-16 units.
        assert_eq!(utf16_cmp("\u{1F600}", "\u{FF61}"), Ordering::Less);
        assert_eq!("\u{1F600}".cmp("\u{FF61}"), Ordering::Greater);
    }
}
