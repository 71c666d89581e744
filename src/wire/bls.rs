//! Network-signed AuthSigs (`derivedVia: lit.bls`, `algo: LIT_BLS`): the BLS12-381 check the
//! nodes apply to a PKP or Lit Action session's capability.
//!
//! Rules and their source:
//!
//! 1. **Shape** (js-sdk 7.4.0 `lit-node-client-nodejs` `signSessionKey`): the SDK combines the
//!    nodes' shares into `sig: JSON.stringify({ProofOfPossession: hex})`, `algo: "LIT_BLS"`,
//!    `derivedVia: "lit.bls"`, `address` = the PKP's Ethereum address, `signedMessage` = the
//!    SIWE the nodes wrote.
//! 2. **Signed data** (lit-peer `auth/auth_material.rs` `siwe_hash_to_bls_session_hash`, called
//!    from `auth/validators/siwe.rs` `validate_bls_auth_sig_basic`):
//!    `sha256("lit_session:" + hex(eip191_hash(siwe)))`, the 32 raw bytes. The node hashes its
//!    siwe-rs re-rendering of the parsed message ([`crate::wire::siwe::Flavor::Node`]), not the
//!    raw text. (js-sdk `helpers/validate-bls-session-sig.ts` `blsSessionSigVerify` builds the
//!    same hash but leaves its verifier call commented out, so the SDK never checks it.)
//! 3. **Signature** (`validate_bls_auth_sig_basic`): `serde_json::from_str::<blsful::Signature<
//!    Bls12381G2Impl>>(sig)`, an externally tagged enum: exactly one of `Basic`,
//!    `MessageAugmentation`, `ProofOfPossession`, whose value is 192 hex digits (blstrs_plus
//!    `impl_serde!`: `hex::decode_to_slice`, no `0x`, either case) of a compressed G2 point
//!    that `G2Affine::from_compressed` accepts (on the curve, in the subgroup; the identity
//!    decodes). Any failure is `NodeSIWESigConversionError`.
//! 4. **Verification** (blsful `traits/sig_core.rs` `core_verify`; DSTs from `impls/g2.rs`):
//!    the identity signature and the identity key are rejected; otherwise
//!    `e(H(m), pk) == e(sig, g1)` with `H` = hash-to-G2 under the scheme's DST:
//!    `BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_` for `ProofOfPossession` (what the nodes
//!    produce), `..._NUL_` for `Basic`, `..._AUG_` with the 48-byte key prefixed to the
//!    message for `MessageAugmentation`. A failure is `NodeSIWEMessageError` ("BLS signature of
//!    session key via SIWE is not valid").
//! 5. **Network key**: the node's `bls_root_pubkey`, the SDK's `networkPubKey` from the
//!    handshake: 48 bytes, a compressed G1 point.
//!
//! The SIWE time and URI rules of this kind live with the node rules
//! (`verify::sessionsigs::node`): `valid_now()` (not-before < now <= expiration) before the
//! signature, the `lit:session:` URI after it, and no check of `address`.
//!
//! Crate: `blst` (supranational), the assembly library blsful's default backend (blstrs_plus)
//! wraps, so the arithmetic is the nodes'. Measured against blsful 4.1 on one signature in one
//! criterion run (shared machine under load): decode + verify 8.7 ms with blst, 59.4 ms with
//! blsful; blst adds 4 crates. `benches/bls.rs`: 1.24 ms per capability vs 1.09 ms bare pairing.

use crate::eth;
use blst::min_pk::{PublicKey, Signature};
use blst::BLST_ERROR;
use sha2::{Digest, Sha256};
use std::fmt;

/// blsful `Bls12381G2Impl` `BlsSignaturePop::SIG_DST`.
pub const DST_POP: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";
/// blsful `Bls12381G2Impl` `BlsSignatureBasic::DST`.
pub const DST_BASIC: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_";
/// blsful `Bls12381G2Impl` `BlsSignatureMessageAugmentation::DST`.
pub const DST_AUG: &[u8] = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_AUG_";

/// The prefix of the signed data (`siwe_hash_to_bls_session_hash`).
pub const SESSION_PREFIX: &str = "lit_session:";

/// Bytes of a compressed G1 public key and of a compressed G2 signature.
pub const KEY_BYTES: usize = 48;
pub const SIG_BYTES: usize = 96;

/// The data the nodes sign for a session: `sha256("lit_session:" + hex(eip191 digest))`.
pub fn session_hash_of_digest(eip191_digest: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(SESSION_PREFIX.as_bytes());
    h.update(hex::encode(eip191_digest).as_bytes());
    h.finalize().into()
}

/// [`session_hash_of_digest`] of a SIWE text as written (the SDK's computation).
pub fn session_hash(siwe_text: &str) -> [u8; 32] {
    session_hash_of_digest(&eth::eip191_hash(siwe_text.as_bytes()))
}

// ------------------------------------------------------------------ network key ---

/// The Lit network's BLS root public key.
#[derive(Clone)]
pub struct NetworkKey {
    key: PublicKey,
    bytes: [u8; KEY_BYTES],
}

impl fmt::Debug for NetworkKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NetworkKey({})", self.to_hex())
    }
}

impl PartialEq for NetworkKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

/// Why a text is not a network key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("`{0}` is not hex")]
    NotHex(String),
    #[error(
        "the key is {0} bytes; a BLS network key is 48 (96 hex digits, a compressed G1 point)"
    )]
    Length(usize),
    #[error("the key is not a compressed BLS12-381 G1 point")]
    NotOnCurve,
    #[error("the key is a curve point outside the prime-order subgroup")]
    NotInSubgroup,
    #[error("the key is the identity point, which verifies nothing")]
    Identity,
}

impl NetworkKey {
    /// 96 hex digits, with or without `0x`.
    pub fn parse(text: &str) -> Result<NetworkKey, KeyError> {
        let t = text.trim();
        let t = t
            .strip_prefix("0x")
            .or_else(|| t.strip_prefix("0X"))
            .unwrap_or(t);
        let raw = hex::decode(t).map_err(|_| KeyError::NotHex(short(text)))?;
        let bytes: [u8; KEY_BYTES] = raw
            .as_slice()
            .try_into()
            .map_err(|_| KeyError::Length(raw.len()))?;
        NetworkKey::from_bytes(&bytes)
    }

    pub fn from_bytes(bytes: &[u8; KEY_BYTES]) -> Result<NetworkKey, KeyError> {
        // A compressed encoding must have the compression flag (blst and blstrs_plus agree).
        if bytes[0] & 0x80 == 0 {
            return Err(KeyError::NotOnCurve);
        }
        let key = PublicKey::from_bytes(bytes).map_err(|_| KeyError::NotOnCurve)?;
        if bytes[0] & 0x40 != 0 {
            return Err(KeyError::Identity);
        }
        key.validate().map_err(|e| match e {
            BLST_ERROR::BLST_PK_IS_INFINITY => KeyError::Identity,
            BLST_ERROR::BLST_POINT_NOT_IN_GROUP => KeyError::NotInSubgroup,
            _ => KeyError::NotOnCurve,
        })?;
        Ok(NetworkKey { key, bytes: *bytes })
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.bytes)
    }

    pub fn bytes(&self) -> &[u8; KEY_BYTES] {
        &self.bytes
    }
}

// ------------------------------------------------------------------- signature ---

/// The blsful signature scheme named by the `sig` JSON's one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    Basic,
    MessageAugmentation,
    ProofOfPossession,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Basic => "Basic",
            Scheme::MessageAugmentation => "MessageAugmentation",
            Scheme::ProofOfPossession => "ProofOfPossession",
        }
    }

    fn parse(s: &str) -> Option<Scheme> {
        Some(match s {
            "Basic" => Scheme::Basic,
            "MessageAugmentation" => Scheme::MessageAugmentation,
            "ProofOfPossession" => Scheme::ProofOfPossession,
            _ => return None,
        })
    }

    pub fn dst(self) -> &'static [u8] {
        match self {
            Scheme::Basic => DST_BASIC,
            Scheme::MessageAugmentation => DST_AUG,
            Scheme::ProofOfPossession => DST_POP,
        }
    }
}

/// A `lit.bls` `sig`, decoded as the nodes decode it.
#[derive(Clone, Debug)]
pub struct BlsSignature {
    pub scheme: Scheme,
    sig: Signature,
    identity: bool,
}

/// Why a `sig` does not decode (the node: `NodeSIWESigConversionError`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SigError {
    #[error("`sig` is not JSON: {0}")]
    NotJson(String),
    #[error("`sig` is not an object with one key `ProofOfPossession` (or `Basic`, `MessageAugmentation`)")]
    Shape,
    #[error("`sig` names the scheme `{0}`; blsful knows `Basic`, `MessageAugmentation` and `ProofOfPossession`")]
    UnknownScheme(String),
    #[error("the `{0}` value is not a string")]
    NotString(&'static str),
    #[error("the `{scheme}` value is not 192 hex digits (96 bytes): {why}")]
    NotHex { scheme: &'static str, why: String },
    #[error("the `{0}` value is not a compressed BLS12-381 G2 point")]
    NotOnCurve(&'static str),
    #[error("the `{0}` value is a curve point outside the prime-order subgroup")]
    NotInSubgroup(&'static str),
}

/// Why a decoded signature does not verify (the node: `NodeSIWEMessageError`).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the BLS signature is the identity point")]
    IdentitySignature,
    #[error("the BLS signature does not verify against the network key `{0}`: the network did not sign this SIWE message for this key")]
    Mismatch(String),
}

impl BlsSignature {
    /// Decodes `sig` as `serde_json::from_str::<blsful::Signature<Bls12381G2Impl>>` does.
    pub fn parse(sig: &str) -> Result<BlsSignature, SigError> {
        let v: serde_json::Value =
            serde_json::from_str(sig).map_err(|e| SigError::NotJson(e.to_string()))?;
        let serde_json::Value::Object(map) = v else {
            return Err(SigError::Shape);
        };
        let mut it = map.iter();
        let (Some((name, value)), None) = (it.next(), it.next()) else {
            return Err(SigError::Shape);
        };
        let scheme = Scheme::parse(name).ok_or_else(|| SigError::UnknownScheme(short(name)))?;
        let label = scheme.as_str();
        let serde_json::Value::String(text) = value else {
            return Err(SigError::NotString(label));
        };
        let mut bytes = [0u8; SIG_BYTES];
        hex::decode_to_slice(text, &mut bytes).map_err(|e| SigError::NotHex {
            scheme: label,
            why: match e {
                hex::FromHexError::InvalidStringLength | hex::FromHexError::OddLength => {
                    format!("it has {} characters", text.chars().count())
                }
                hex::FromHexError::InvalidHexCharacter { c, index } => {
                    format!("`{}` at {index} is not a hex digit", c.escape_default())
                }
            },
        })?;
        // blstrs_plus `G2Affine::from_compressed`: the compression flag must be set.
        if bytes[0] & 0x80 == 0 {
            return Err(SigError::NotOnCurve(label));
        }
        let s = Signature::from_bytes(&bytes).map_err(|_| SigError::NotOnCurve(label))?;
        let identity = bytes[0] & 0x40 != 0;
        if !identity {
            s.validate(false).map_err(|e| match e {
                BLST_ERROR::BLST_POINT_NOT_IN_GROUP => SigError::NotInSubgroup(label),
                _ => SigError::NotOnCurve(label),
            })?;
        }
        Ok(BlsSignature {
            scheme,
            sig: s,
            identity,
        })
    }

    /// blsful `Signature::verify(&pk, msg)`.
    pub fn verify(&self, key: &NetworkKey, msg: &[u8]) -> Result<(), VerifyError> {
        if self.identity {
            return Err(VerifyError::IdentitySignature);
        }
        let aug: &[u8] = match self.scheme {
            Scheme::MessageAugmentation => key.bytes(),
            _ => &[],
        };
        match self
            .sig
            .verify(false, msg, self.scheme.dst(), aug, &key.key, false)
        {
            BLST_ERROR::BLST_SUCCESS => Ok(()),
            _ => Err(VerifyError::Mismatch(short(&key.to_hex()))),
        }
    }
}

fn short(s: &str) -> String {
    if s.chars().count() <= 24 {
        s.to_string()
    } else {
        let head: String = s.chars().take(12).collect();
        format!("{head}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The SDK fixture's real network key and share data (js-sdk packages/schemas/src/lib/
    // schemas.ts, comment above BlsResponseDataSchema); full vector in tests/vectors/bls/.
    const REAL_KEY: &str = "a6f7c284ac766db1b43f8c65d8ff15c7271a05b0863b5205d96459fd32aa353e9390ce0626560fb76720c1a5c8ca6902";

    #[test]
    fn keys() {
        let k = NetworkKey::parse(REAL_KEY).unwrap();
        assert_eq!(k.to_hex(), REAL_KEY);
        assert_eq!(NetworkKey::parse(&format!("0x{REAL_KEY}")).unwrap(), k);
        assert!(matches!(NetworkKey::parse("zz"), Err(KeyError::NotHex(_))));
        assert_eq!(NetworkKey::parse("00"), Err(KeyError::Length(1)));
        let mut id = [0u8; 48];
        id[0] = 0xc0;
        assert_eq!(NetworkKey::from_bytes(&id), Err(KeyError::Identity));
        let mut bad = [0u8; 48];
        bad[0] = 0x80;
        bad[47] = 3;
        assert!(NetworkKey::from_bytes(&bad).is_err());
        assert_eq!(
            NetworkKey::from_bytes(&[0u8; 48]),
            Err(KeyError::NotOnCurve)
        );
    }

    #[test]
    fn signatures_never_panic() {
        for s in [
            "",
            "null",
            "[]",
            "{}",
            r#"{"ProofOfPossession":1}"#,
            r#"{"ProofOfPossession":"00","Basic":"00"}"#,
            r#"{"Other":"00"}"#,
            r#"{"ProofOfPossession":"00"}"#,
            r#"{"ProofOfPossession":"é"}"#,
        ] {
            assert!(BlsSignature::parse(s).is_err(), "{s}");
        }
        let identity = format!("{{\"Basic\":\"c0{}\"}}", "00".repeat(95));
        let sig = BlsSignature::parse(&identity).unwrap();
        let k = NetworkKey::parse(REAL_KEY).unwrap();
        assert_eq!(sig.verify(&k, b"x"), Err(VerifyError::IdentitySignature));
    }

    #[test]
    fn session_hash_matches_the_nodes_data_signed() {
        // dataSigned of the fixture shares.
        let text = include_str!("../../tests/vectors/bls/real-network.json");
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        let m = v["input"]["authSig"]["signedMessage"].as_str().unwrap();
        assert_eq!(
            hex::encode(session_hash(m)),
            "b2efe867176b9212fd6acd39a33004a17e03d5a931250c700e31af95e2e7e4d5"
        );
    }
}
