//! AuthSigs: the wallet-signed SIWE message that grants a session key its capabilities.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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

#[cfg(test)]
mod tests {
    use super::*;

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
