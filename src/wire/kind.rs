//! Which of litcap's inputs a text is, from its shape alone, so that a file given to the wrong
//! command is named ("this is an AuthSig, not a SessionSigs map") instead of reported by the
//! keys the expected kind lacks. Used by `verify` (SessionSigs maps) and `check --authsig`.

use crate::load::{parse_text, PolicyFormat};
use serde_json::{Map, Value};

/// An input kind litcap reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputKind {
    /// One signed SIWE message: `{sig, derivedVia, signedMessage, address}`.
    AuthSig,
    /// `getSessionSigs`' map of node URLs to session signatures.
    SessionSigs,
    /// A policy, in any of its three forms.
    Policy,
}

impl InputKind {
    /// With its article: "an AuthSig".
    pub fn name(self) -> &'static str {
        match self {
            InputKind::AuthSig => "an AuthSig",
            InputKind::SessionSigs => "a SessionSigs map",
            InputKind::Policy => "a policy",
        }
    }

    /// The command that reads this kind of file.
    pub fn command(self) -> &'static str {
        match self {
            InputKind::AuthSig => "litcap check POLICY --authsig FILE",
            InputKind::SessionSigs => "litcap verify FILE",
            InputKind::Policy => "litcap check FILE",
        }
    }

    /// "this is an AuthSig, not a SessionSigs map" and a help naming the command for it.
    pub fn mismatch(self, wanted: InputKind) -> (String, String) {
        let what = match self {
            InputKind::AuthSig => "checks an AuthSig against the policy it was signed from",
            InputKind::SessionSigs => "judges a SessionSigs map as the nodes would",
            InputKind::Policy => "checks a policy",
        };
        (
            format!("this is {}, not {}", self.name(), wanted.name()),
            format!("`{}` {what}", self.command()),
        )
    }
}

/// Whether a JSON object has an AuthSig's keys (`sig` and `signedMessage`, with `derivedVia`
/// or `address`).
pub fn is_authsig_keys<'a>(keys: impl Iterator<Item = &'a str>) -> bool {
    let (mut sig, mut message, mut other) = (false, false, false);
    for k in keys {
        match k {
            "sig" => sig = true,
            "signedMessage" => message = true,
            "derivedVia" | "address" => other = true,
            _ => {}
        }
    }
    sig && message && other
}

fn is_authsig(obj: &Map<String, Value>) -> bool {
    is_authsig_keys(obj.keys().map(String::as_str))
}

/// The kind of input `text` is, if it is clearly one: an AuthSig, a non-empty map whose values
/// are all AuthSig-shaped (a SessionSigs map), or a policy that parses without an error in one
/// of its forms. `None` for anything else (malformed JSON, other objects).
pub fn detect(text: &str) -> Option<InputKind> {
    let policy = |format| {
        let (file, diags) = parse_text(0, text, format);
        (!file.items.is_empty() && !diags.has_errors()).then_some(InputKind::Policy)
    };
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(obj)) if is_authsig(&obj) => Some(InputKind::AuthSig),
        Ok(Value::Object(obj))
            if !obj.is_empty() && obj.values().all(|v| v.as_object().is_some_and(is_authsig)) =>
        {
            Some(InputKind::SessionSigs)
        }
        Ok(Value::Array(_)) => policy(PolicyFormat::Json),
        Ok(_) => None,
        Err(_) => policy(PolicyFormat::Dsl).or_else(|| policy(PolicyFormat::Yaml)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        let authsig = r#"{"sig": "0x1", "derivedVia": "web3.eth.personal.sign", "signedMessage": "m", "address": "0xA"}"#;
        assert_eq!(detect(authsig), Some(InputKind::AuthSig));
        let map = format!(r#"{{"https://127.0.0.1:7470": {authsig}}}"#);
        assert_eq!(detect(&map), Some(InputKind::SessionSigs));
        assert_eq!(detect("{}"), None);
        assert_eq!(detect(r#"{"sig": 1}"#), None);
        assert_eq!(detect("{\"sig\":"), None);
        let dsl = std::fs::read_to_string("policies/pkp-signer.litcap").unwrap();
        assert_eq!(detect(&dsl), Some(InputKind::Policy));
        let yaml = std::fs::read_to_string("policies/pkp-signer.litcap.yaml").unwrap();
        assert_eq!(detect(&yaml), Some(InputKind::Policy));
        assert_eq!(detect("hello"), None);
        let (message, help) = InputKind::AuthSig.mismatch(InputKind::SessionSigs);
        assert_eq!(message, "this is an AuthSig, not a SessionSigs map");
        assert!(
            help.starts_with("`litcap check POLICY --authsig FILE`"),
            "{help}"
        );
    }
}
