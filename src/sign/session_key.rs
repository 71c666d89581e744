//! Session keys: ed25519 key pairs in the format of the SDK's `generateSessionKeyPair()`
//! (`@lit-protocol/crypto`, a tweetnacl `nacl.sign.keyPair()`):
//!
//! - `publicKey`: 64 lowercase hex digits (32 bytes);
//! - `secretKey`: 128 lowercase hex digits, the 32-byte seed followed by the public key
//!   (tweetnacl's 64-byte secret key);
//! - session URI: `lit:session:<publicKey>`.
//!
//! The secret is wiped from memory when the key is dropped (ed25519-dalek's `zeroize`).

use ed25519_dalek::{Signer, SigningKey};
use zeroize::Zeroizing;

/// Why a session key could not be made or read.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SessionKeyError {
    /// The seed itself is never echoed, not even in part.
    #[error("the session key seed from {from} is not 64 hex digits: {reason}")]
    #[diagnostic(
        code(litcap::session_key::seed),
        help("write the 32-byte ed25519 seed as 64 hex digits (an optional `0x` is accepted); to make one, `(umask 077; openssl rand -hex 32 > seed.hex)`")
    )]
    Seed { from: String, reason: String },
    #[error("cannot read session key seed file `{path}`: {reason}")]
    #[diagnostic(
        code(litcap::session_key::io),
        help("check the path and its permissions; the file holds the seed as 64 hex digits on one line")
    )]
    SeedFile { path: String, reason: String },
    #[error("environment variable `{var}` is not set")]
    #[diagnostic(
        code(litcap::session_key::env_missing),
        help("export the variable holding the seed (64 hex digits), or name another one")
    )]
    SeedEnvMissing { var: String },
    #[error("`{field}` is not {expected} lowercase hex digits")]
    #[diagnostic(
        code(litcap::session_key::format),
        help("the SDK writes `publicKey` as 64 and `secretKey` as 128 lowercase hex digits")
    )]
    Format {
        field: &'static str,
        expected: usize,
    },
    #[error("the session key's `secretKey` does not belong to its `publicKey`")]
    #[diagnostic(
        code(litcap::session_key::mismatch),
        help("`secretKey` must be the seed followed by the public key derived from it")
    )]
    Mismatch,
    #[error("the operating system's random number generator failed: {0}")]
    #[diagnostic(code(litcap::session_key::random))]
    Random(String),
}

/// An ed25519 session key pair.
pub struct SessionKey {
    signing: SigningKey,
    public_hex: String,
}

impl SessionKey {
    /// The key pair of a 32-byte seed (what `nacl.sign.keyPair.fromSeed` returns).
    pub fn from_seed(seed: &[u8; 32]) -> SessionKey {
        let signing = SigningKey::from_bytes(seed);
        let public_hex = hex::encode(signing.verifying_key().to_bytes());
        SessionKey {
            signing,
            public_hex,
        }
    }

    /// Parses a seed written as 64 hex digits (an optional `0x` is accepted).
    pub fn from_seed_hex(seed_hex: &str) -> Result<SessionKey, SessionKeyError> {
        SessionKey::from_seed_hex_in(seed_hex, "`--session-key-seed`")
    }

    /// [`SessionKey::from_seed_hex`], naming where the seed came from in an error (`from`, e.g.
    /// ``file `seed.hex` ``); the error describes the text without quoting any of it.
    pub fn from_seed_hex_in(seed_hex: &str, from: &str) -> Result<SessionKey, SessionKeyError> {
        let s = seed_hex.trim();
        let s = s.strip_prefix("0x").unwrap_or(s);
        let mut seed = Zeroizing::new([0u8; 32]);
        let reason = if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            "it holds characters other than hex digits".to_string()
        } else if s.len() != 64 {
            format!("it has {} hex digits", s.len())
        } else if hex::decode_to_slice(s, seed.as_mut()).is_err() {
            "it is not hex".to_string()
        } else {
            return Ok(SessionKey::from_seed(&seed));
        };
        Err(SessionKeyError::Seed {
            from: from.to_string(),
            reason,
        })
    }

    /// Reads the seed from a file (64 hex digits on one line, at most 64 KiB). The warning
    /// says when other users can read the file.
    pub fn from_seed_file(
        path: &std::path::Path,
    ) -> Result<(SessionKey, Option<super::wallet::KeyWarning>), SessionKeyError> {
        let shown = path.display().to_string();
        let text = super::wallet::read_secret_file(path).map_err(|e| {
            let reason = match e {
                super::wallet::KeyLoadError::Io { reason, .. }
                | super::wallet::KeyLoadError::Format { reason, .. } => reason,
                other => other.to_string(),
            };
            SessionKeyError::SeedFile {
                path: shown.clone(),
                reason,
            }
        })?;
        let key = SessionKey::from_seed_hex_in(&text, &format!("file `{shown}`"))?;
        Ok((key, super::wallet::permission_warning(path)))
    }

    /// Reads the seed from an environment variable.
    pub fn from_seed_env(var: &str) -> Result<SessionKey, SessionKeyError> {
        let from = format!("environment variable `{var}`");
        match std::env::var(var) {
            Ok(v) => SessionKey::from_seed_hex_in(&Zeroizing::new(v), &from),
            Err(std::env::VarError::NotPresent) => Err(SessionKeyError::SeedEnvMissing {
                var: var.to_string(),
            }),
            Err(std::env::VarError::NotUnicode(_)) => Err(SessionKeyError::Seed {
                from,
                reason: "it is not UTF-8".into(),
            }),
        }
    }

    /// A fresh key from the operating system's randomness.
    pub fn generate() -> Result<SessionKey, SessionKeyError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::getrandom(seed.as_mut()).map_err(|e| SessionKeyError::Random(e.to_string()))?;
        Ok(SessionKey::from_seed(&seed))
    }

    /// Reads the SDK's `{publicKey, secretKey}` pair, checking that both halves agree (tweetnacl
    /// signs with the public key stored in `secretKey`, so a mismatch gives invalid signatures).
    pub fn from_sdk_hex(public_hex: &str, secret_hex: &str) -> Result<SessionKey, SessionKeyError> {
        if !is_lower_hex(public_hex, 64) {
            return Err(SessionKeyError::Format {
                field: "publicKey",
                expected: 64,
            });
        }
        if !is_lower_hex(secret_hex, 128) {
            return Err(SessionKeyError::Format {
                field: "secretKey",
                expected: 128,
            });
        }
        let mut seed = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(&secret_hex[..64], seed.as_mut()).map_err(|_| {
            SessionKeyError::Format {
                field: "secretKey",
                expected: 128,
            }
        })?;
        let key = SessionKey::from_seed(&seed);
        if key.public_hex != public_hex || &secret_hex[64..] != public_hex {
            return Err(SessionKeyError::Mismatch);
        }
        Ok(key)
    }

    /// `publicKey`: 64 lowercase hex digits.
    pub fn public_key_hex(&self) -> &str {
        &self.public_hex
    }

    /// `secretKey`: seed ‖ public key, 128 lowercase hex digits. Wiped when dropped.
    pub fn secret_key_hex(&self) -> Zeroizing<String> {
        let seed = Zeroizing::new(self.signing.to_bytes());
        let mut s = Zeroizing::new(String::with_capacity(128));
        s.push_str(&hex::encode(seed.as_ref()));
        s.push_str(&self.public_hex);
        s
    }

    /// Whether `hex` (any case, optional `0x`) is this key's secret seed, e.g. a seed given
    /// where the public key belongs. Compared without early exit.
    pub fn is_seed_hex(&self, hex_text: &str) -> bool {
        let t = hex_text.strip_prefix("0x").unwrap_or(hex_text);
        let mut given = Zeroizing::new([0u8; 32]);
        if t.len() != 64 || hex::decode_to_slice(t, given.as_mut()).is_err() {
            return false;
        }
        let seed = Zeroizing::new(self.signing.to_bytes());
        given
            .iter()
            .zip(seed.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }

    /// `lit:session:<publicKey>`.
    pub fn uri(&self) -> String {
        crate::siwe::session_key_uri(&self.public_hex)
    }

    /// `nacl.sign.detached(message, secretKey)`: a 64-byte ed25519 signature.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }

    /// The signature as the SDK writes it: 128 lowercase hex digits.
    pub fn sign_hex(&self, message: &[u8]) -> String {
        hex::encode(self.sign(message))
    }

    /// `JSON.stringify(keyPair)`: `{"publicKey":"…","secretKey":"…"}`, as the SDK stores it
    /// under `lit-session-key`. Wiped when dropped.
    pub fn to_sdk_json(&self) -> Zeroizing<String> {
        let secret = self.secret_key_hex();
        let mut s = Zeroizing::new(String::with_capacity(220));
        s.push_str("{\"publicKey\":\"");
        s.push_str(&self.public_hex);
        s.push_str("\",\"secretKey\":\"");
        s.push_str(&secret);
        s.push_str("\"}");
        s
    }

    /// Verifies an ed25519 signature made by this key.
    pub fn verify(&self, message: &[u8], signature: &[u8; 64]) -> bool {
        let sig = ed25519_dalek::Signature::from_bytes(signature);
        self.signing
            .verifying_key()
            .verify_strict(message, &sig)
            .is_ok()
    }
}

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SessionKey({})", self.public_hex)
    }
}

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED1: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
    const PUB1: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

    #[test]
    fn rfc8032_test_1() {
        let k = SessionKey::from_seed_hex(SEED1).unwrap();
        assert_eq!(k.public_key_hex(), PUB1);
        assert_eq!(k.secret_key_hex().as_str(), format!("{SEED1}{PUB1}"));
        assert_eq!(k.uri(), format!("lit:session:{PUB1}"));
        // RFC 8032 §7.1 test 1: the empty message.
        assert_eq!(k.sign_hex(b""), "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
        assert!(k.verify(b"", &k.sign(b"")));
        assert!(!k.verify(b"x", &k.sign(b"")));
    }

    #[test]
    fn sdk_json_round_trip() {
        let k = SessionKey::from_seed_hex(SEED1).unwrap();
        let json = k.to_sdk_json();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let back = SessionKey::from_sdk_hex(
            v["publicKey"].as_str().unwrap(),
            v["secretKey"].as_str().unwrap(),
        )
        .unwrap();
        assert_eq!(back.public_key_hex(), PUB1);
    }

    #[test]
    fn rejects_inconsistent_or_malformed_pairs() {
        let other = SessionKey::from_seed(&[7u8; 32]);
        let secret = format!("{SEED1}{}", other.public_key_hex());
        assert!(matches!(
            SessionKey::from_sdk_hex(PUB1, &secret),
            Err(SessionKeyError::Mismatch)
        ));
        assert!(matches!(
            SessionKey::from_sdk_hex(&PUB1.to_uppercase(), &format!("{SEED1}{PUB1}")),
            Err(SessionKeyError::Format {
                field: "publicKey",
                ..
            })
        ));
        assert!(matches!(
            SessionKey::from_sdk_hex(PUB1, SEED1),
            Err(SessionKeyError::Format {
                field: "secretKey",
                ..
            })
        ));
        let e = SessionKey::from_seed_hex("0x1234").unwrap_err();
        assert!(e.to_string().contains("it has 4 hex digits"), "{e}");
        assert!(!e.to_string().contains("1234"), "{e}");
        // A bad seed is not echoed, not even in part (one wrong digit at the end).
        let almost = format!("{}g", &SEED1[..63]);
        let e = SessionKey::from_seed_hex(&almost).unwrap_err();
        assert!(!e.to_string().contains(&SEED1[..6]), "{e}");
        assert!(e.to_string().contains("other than hex digits"), "{e}");
        let e = SessionKey::from_seed_hex_in(SEED1, "x").unwrap();
        assert_eq!(e.public_key_hex(), PUB1);
    }

    #[test]
    fn generated_keys_differ() {
        let a = SessionKey::generate().unwrap();
        let b = SessionKey::generate().unwrap();
        assert_ne!(a.public_key_hex(), b.public_key_hex());
        assert_eq!(a.public_key_hex().len(), 64);
    }
}
