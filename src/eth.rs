//! Ethereum primitives: keccak-256, EIP-55 addresses, EIP-191 `personal_sign` hashes, and
//! secp256k1 signing and recovery with libsecp256k1 (about 8x faster than pure-Rust k256 for
//! recovery, which dominates AuthSig verification).

use secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
use secp256k1::{All, Message, PublicKey, Secp256k1, SecretKey};
use sha3::{Digest, Keccak256};
use std::sync::OnceLock;

fn ctx() -> &'static Secp256k1<All> {
    static CTX: OnceLock<Secp256k1<All>> = OnceLock::new();
    CTX.get_or_init(Secp256k1::new)
}

pub fn keccak256(data: &[u8]) -> [u8; 32] {
    let mut h = Keccak256::new();
    h.update(data);
    h.finalize().into()
}

/// `keccak256("\x19Ethereum Signed Message:\n" + byteLength + message)`.
pub fn eip191_hash(message: &[u8]) -> [u8; 32] {
    let mut h = Keccak256::new();
    h.update(b"\x19Ethereum Signed Message:\n");
    h.update(message.len().to_string().as_bytes());
    h.update(message);
    h.finalize().into()
}

/// A 20-byte Ethereum address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address(pub [u8; 20]);

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("`{0}` is not an Ethereum address (expected `0x` and 40 hex digits)")]
    Syntax(String),
    #[error("`{given}` is not EIP-55 checksummed (expected `{expected}`)")]
    Checksum { given: String, expected: String },
}

impl Address {
    /// Parses `0x` + 40 hex digits in any letter case.
    pub fn parse_any_case(s: &str) -> Result<Address, AddressError> {
        let hex = s
            .strip_prefix("0x")
            .filter(|h| h.len() == 40)
            .ok_or_else(|| AddressError::Syntax(s.to_string()))?;
        let mut out = [0u8; 20];
        hex::decode_to_slice(hex, &mut out).map_err(|_| AddressError::Syntax(s.to_string()))?;
        Ok(Address(out))
    }

    /// Parses an address that must be written in its EIP-55 form (as siwe requires).
    pub fn parse_checksummed(s: &str) -> Result<Address, AddressError> {
        let a = Address::parse_any_case(s)?;
        if a.checksum_ascii() != *s.as_bytes() {
            return Err(AddressError::Checksum {
                given: s.to_string(),
                expected: a.to_checksum(),
            });
        }
        Ok(a)
    }

    /// The EIP-55 mixed-case form (`ethers.utils.getAddress`).
    pub fn to_checksum(&self) -> String {
        let ascii = self.checksum_ascii();
        // Only ASCII: `0x`, digits and letters.
        String::from_utf8_lossy(&ascii).into_owned()
    }

    /// Whether `s` is this address as written in the text of a message whose parser already
    /// required the EIP-55 form: the bytes decide, without a second checksum (keccak).
    /// `s` must have passed [`Address::parse_checksummed`]; for any other text use
    /// `to_checksum() == s`.
    pub fn is_checksummed_text(&self, s: &str) -> bool {
        Address::parse_any_case(s).is_ok_and(|a| a == *self)
    }

    /// The EIP-55 form as ASCII bytes, without allocating: the hex digits of the address, a
    /// letter upper-cased where the keccak of the lowercase hex has a nibble of 8 or more.
    fn checksum_ascii(&self) -> [u8; 42] {
        let mut out = [0u8; 42];
        out[0] = b'0';
        out[1] = b'x';
        let lower = &mut out[2..];
        // Cannot fail: the slice is exactly twice the 20 bytes.
        let _ = hex::encode_to_slice(self.0, lower);
        let hash = keccak256(lower);
        for (i, c) in lower.iter_mut().enumerate() {
            let nibble = (hash[i / 2] >> (if i % 2 == 0 { 4 } else { 0 })) & 0x0f;
            if c.is_ascii_alphabetic() && nibble >= 8 {
                c.make_ascii_uppercase();
            }
        }
        out
    }

    pub fn from_public_key(pk: &PublicKey) -> Address {
        let uncompressed = pk.serialize_uncompressed();
        let hash = keccak256(&uncompressed[1..]);
        let mut out = [0u8; 20];
        out.copy_from_slice(&hash[12..]);
        Address(out)
    }
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_checksum())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("signature is not hex")]
    NotHex,
    #[error("signature is {0} bytes; an EIP-191 signature is 65 bytes (r, s, v)")]
    Length(usize),
    #[error("signature recovery byte `v` is {0}; expected 27 or 28 (or 0 or 1)")]
    RecoveryByte(u8),
    #[error("signature does not recover to any public key")]
    Unrecoverable,
}

/// A 65-byte `r ‖ s ‖ v` signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature(pub [u8; 65]);

impl Signature {
    /// Parses `0x`-prefixed (or bare) hex of 65 bytes.
    pub fn parse_hex(s: &str) -> Result<Signature, SignatureError> {
        let hex = s.strip_prefix("0x").unwrap_or(s);
        if !hex.len().is_multiple_of(2) || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(SignatureError::NotHex);
        }
        if hex.len() != 130 {
            return Err(SignatureError::Length(hex.len() / 2));
        }
        let mut out = [0u8; 65];
        hex::decode_to_slice(hex, &mut out).map_err(|_| SignatureError::NotHex)?;
        Ok(Signature(out))
    }

    /// `0x` + lowercase hex, as ethers writes it.
    pub fn to_hex(&self) -> String {
        format!("0x{}", hex::encode(self.0))
    }

    /// Recovers the signer of a 32-byte digest. `v` may be 27/28 or 0/1.
    ///
    /// Inside [`with_recovery_cache`], a digest and signature recovered before (on any thread
    /// sharing the cache) are not recovered again: the result is the same, it is a function of
    /// the two.
    pub fn recover(&self, digest: &[u8; 32]) -> Result<Address, SignatureError> {
        let cache = RECOVERY_CACHE.with(|c| c.borrow().clone());
        let Some(cache) = cache else {
            return self.recover_uncached(digest);
        };
        let key = (*digest, self.0);
        if let Some(hit) = cache.get(&key) {
            return hit;
        }
        let result = self.recover_uncached(digest);
        cache.insert(key, result.clone());
        result
    }

    fn recover_uncached(&self, digest: &[u8; 32]) -> Result<Address, SignatureError> {
        let v = self.0[64];
        let rec = match v {
            27 | 28 => v - 27,
            0 | 1 => v,
            other => return Err(SignatureError::RecoveryByte(other)),
        };
        let id =
            RecoveryId::from_i32(i32::from(rec)).map_err(|_| SignatureError::RecoveryByte(v))?;
        let sig = RecoverableSignature::from_compact(&self.0[..64], id)
            .map_err(|_| SignatureError::Unrecoverable)?;
        let msg = Message::from_digest(*digest);
        let pk = ctx()
            .recover_ecdsa(&msg, &sig)
            .map_err(|_| SignatureError::Unrecoverable)?;
        Ok(Address::from_public_key(&pk))
    }
}

/// Recovered signers by (digest, signature), shared by the threads of one run: `litcap verify`
/// of many SessionSigs maps signed under few AuthSigs recovers each distinct AuthSig once.
#[derive(Debug, Default)]
pub struct RecoveryCache {
    map: std::sync::Mutex<RecoveryMap>,
}

type RecoveryMap = std::collections::HashMap<([u8; 32], [u8; 65]), Result<Address, SignatureError>>;

impl RecoveryCache {
    /// Entries kept at most; the cache starts over when full (memory stays bounded).
    const MAX: usize = 1 << 16;

    pub fn new() -> RecoveryCache {
        RecoveryCache::default()
    }

    fn get(&self, key: &([u8; 32], [u8; 65])) -> Option<Result<Address, SignatureError>> {
        self.map.lock().ok()?.get(key).cloned()
    }

    fn insert(&self, key: ([u8; 32], [u8; 65]), value: Result<Address, SignatureError>) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= Self::MAX {
                map.clear();
            }
            map.insert(key, value);
        }
    }

    /// How many distinct (digest, signature) pairs were recovered.
    pub fn len(&self) -> usize {
        self.map.lock().map(|m| m.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

thread_local! {
    static RECOVERY_CACHE: std::cell::RefCell<Option<std::sync::Arc<RecoveryCache>>> =
        const { std::cell::RefCell::new(None) };
}

/// Runs `f` with `cache` memoising [`Signature::recover`] on this thread (restored after).
pub fn with_recovery_cache<T>(cache: &std::sync::Arc<RecoveryCache>, f: impl FnOnce() -> T) -> T {
    let previous = RECOVERY_CACHE.with(|c| c.replace(Some(cache.clone())));
    struct Restore(Option<std::sync::Arc<RecoveryCache>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            RECOVERY_CACHE.with(|c| *c.borrow_mut() = previous);
        }
    }
    let _restore = Restore(previous);
    f()
}

/// Recovers the EIP-191 (`personal_sign`) signer of `message`.
pub fn recover_personal(message: &[u8], sig: &Signature) -> Result<Address, SignatureError> {
    sig.recover(&eip191_hash(message))
}

/// A secp256k1 wallet key. The secret is wiped on drop.
pub struct WalletKey {
    secret: SecretKey,
    address: Address,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("a wallet private key is 32 bytes: `0x` and 64 hex digits")]
    Syntax,
    #[error("the private key is not a valid secp256k1 scalar")]
    Invalid,
}

impl WalletKey {
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<WalletKey, KeyError> {
        let secret = SecretKey::from_slice(bytes).map_err(|_| KeyError::Invalid)?;
        let address = Address::from_public_key(&PublicKey::from_secret_key(ctx(), &secret));
        Ok(WalletKey { secret, address })
    }

    /// Parses `0x` + 64 hex digits (surrounding whitespace ignored).
    pub fn from_hex(s: &str) -> Result<WalletKey, KeyError> {
        let s = s.trim();
        let hex = s.strip_prefix("0x").unwrap_or(s);
        if hex.len() != 64 {
            return Err(KeyError::Syntax);
        }
        let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(hex, bytes.as_mut()).map_err(|_| KeyError::Syntax)?;
        WalletKey::from_bytes(&bytes)
    }

    pub fn address(&self) -> Address {
        self.address
    }

    /// Signs a digest: RFC 6979 deterministic, low-s, `v` = 27/28 (what ethers v5 produces).
    pub fn sign_digest(&self, digest: &[u8; 32]) -> Signature {
        let msg = Message::from_digest(*digest);
        let sig = ctx().sign_ecdsa_recoverable(&msg, &self.secret);
        let (id, compact) = sig.serialize_compact();
        let mut out = [0u8; 65];
        out[..64].copy_from_slice(&compact);
        out[64] = 27 + id.to_i32() as u8;
        Signature(out)
    }

    /// `signer.signMessage(message)`: EIP-191 `personal_sign`.
    pub fn sign_personal(&self, message: &[u8]) -> Signature {
        self.sign_digest(&eip191_hash(message))
    }
}

impl Drop for WalletKey {
    fn drop(&mut self) {
        self.secret.non_secure_erase();
    }
}

impl std::fmt::Debug for WalletKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WalletKey({})", self.address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Hardhat/anvil account 0, a public test key.
    const KEY0: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    #[test]
    fn address_from_key_is_checksummed() {
        let k = WalletKey::from_hex(KEY0).unwrap();
        assert_eq!(
            k.address().to_checksum(),
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        );
    }

    #[test]
    fn sign_and_recover_round_trip() {
        let k = WalletKey::from_hex(KEY0).unwrap();
        let sig = k.sign_personal(b"hello");
        assert!(matches!(sig.0[64], 27 | 28));
        assert_eq!(recover_personal(b"hello", &sig).unwrap(), k.address());
        assert_ne!(recover_personal(b"hellO", &sig).unwrap(), k.address());
    }

    #[test]
    fn the_recovery_cache_gives_what_recovery_gives() {
        let k = WalletKey::from_hex(KEY0).unwrap();
        let sig = k.sign_personal(b"hello");
        let mut bad = sig;
        bad.0[64] = 30;
        let cache = std::sync::Arc::new(RecoveryCache::new());
        let plain: Vec<_> = [b"hello".as_slice(), b"hellO", b"hello"]
            .iter()
            .flat_map(|m| [recover_personal(m, &sig), recover_personal(m, &bad)])
            .collect();
        let cached: Vec<_> = with_recovery_cache(&cache, || {
            [b"hello".as_slice(), b"hellO", b"hello"]
                .iter()
                .flat_map(|m| [recover_personal(m, &sig), recover_personal(m, &bad)])
                .collect()
        });
        assert_eq!(plain, cached);
        assert_eq!(cache.len(), 4);
        // Outside the scope nothing is cached any more.
        let _ = recover_personal(b"other", &sig);
        assert_eq!(cache.len(), 4);
    }

    #[test]
    fn checksum_rules() {
        assert!(Address::parse_checksummed("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266").is_ok());
        assert!(matches!(
            Address::parse_checksummed("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"),
            Err(AddressError::Checksum { .. })
        ));
        assert!(Address::parse_any_case("0x1234").is_err());
    }

    #[test]
    fn signature_parsing() {
        assert_eq!(Signature::parse_hex("0xzz"), Err(SignatureError::NotHex));
        assert_eq!(Signature::parse_hex("0x00"), Err(SignatureError::Length(1)));
        let mut bytes = [1u8; 65];
        bytes[64] = 29;
        let sig = Signature(bytes);
        assert_eq!(
            sig.recover(&[0u8; 32]),
            Err(SignatureError::RecoveryByte(29))
        );
        assert_eq!(Signature::parse_hex(&sig.to_hex()).unwrap(), sig);
    }
}
