//! Access-control-condition resource ids: `LitAccessControlConditionResource
//! .generateResourceString(accs, dataToEncryptHash)` =
//! `hex(sha256(JSON.stringify(canonicalAccessControlConditionFormatter(accs)))) + "/" + hash`.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AccError {
    #[error("You passed an invalid access control condition")]
    InvalidCondition,
    #[error("Invalid input: Access control conditions and data hash are required.")]
    MissingInput,
}

/// The SDK's canonical form of EVM-basic conditions (arrays nest; `{operator}` joins them).
pub fn canonical(cond: &Value) -> Result<Value, AccError> {
    match cond {
        Value::Array(items) => items
            .iter()
            .map(canonical)
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        Value::Object(o) if o.contains_key("operator") => {
            let mut m = Map::new();
            insert_defined(&mut m, "operator", o.get("operator"));
            Ok(Value::Object(m))
        }
        Value::Object(o) if o.contains_key("returnValueTest") => {
            let mut m = Map::new();
            for key in [
                "contractAddress",
                "chain",
                "standardContractType",
                "method",
                "parameters",
            ] {
                insert_defined(&mut m, key, o.get(key));
            }
            let rvt = o.get("returnValueTest");
            let mut test = Map::new();
            if let Some(Value::Object(t)) = rvt {
                insert_defined(&mut test, "comparator", t.get("comparator"));
                insert_defined(&mut test, "value", t.get("value"));
            }
            m.insert("returnValueTest".into(), Value::Object(test));
            Ok(Value::Object(m))
        }
        _ => Err(AccError::InvalidCondition),
    }
}

/// `JSON.stringify` drops keys whose value is `undefined` (absent here).
fn insert_defined(m: &mut Map<String, Value>, key: &str, v: Option<&Value>) {
    if let Some(v) = v {
        m.insert(key.to_string(), v.clone());
    }
}

/// The hashed resource id `<sha256 hex>/<dataToEncryptHash>`.
pub fn resource_id(accs: &Value, data_to_encrypt_hash: &str) -> Result<String, AccError> {
    if accs.is_null() || data_to_encrypt_hash.is_empty() {
        return Err(AccError::MissingInput);
    }
    let text = crate::json::stringify(&canonical(accs)?);
    let digest = Sha256::digest(text.as_bytes());
    Ok(format!("{}/{data_to_encrypt_hash}", hex::encode(digest)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_order_and_operators() {
        let c = json!([
            {"returnValueTest": {"value": "1", "comparator": ">"}, "method": "m", "chain": "ethereum", "extra": 1},
            {"operator": "and", "x": 2},
            [{"returnValueTest": {}}]
        ]);
        assert_eq!(
            crate::json::stringify(&canonical(&c).unwrap()),
            r#"[{"chain":"ethereum","method":"m","returnValueTest":{"comparator":">","value":"1"}},{"operator":"and"},[{"returnValueTest":{}}]]"#
        );
        assert_eq!(canonical(&json!("x")), Err(AccError::InvalidCondition));
        assert_eq!(resource_id(&json!([]), ""), Err(AccError::MissingInput));
    }
}
