//! Wallet signers: whatever produces the EIP-191 `personal_sign` signature of an AuthSig.
//!
//! Two backends: a local secp256k1 key ([`LocalWallet`], read from a file or an environment
//! variable, never from the command line) and a remote Ethereum JSON-RPC signer
//! ([`super::remote::RemoteSigner`]).
//!
//! A key file is either one line of hex (`0x` and 64 hex digits) or an Ethereum V3 JSON keystore
//! (Web3 Secret Storage: scrypt or PBKDF2-HMAC-SHA256, AES-128-CTR, keccak-256 MAC), whose
//! password is read from an environment variable.

use crate::eth::{recover_personal, Address, Signature, WalletKey};
use std::io::Read;
use std::path::Path;
use zeroize::Zeroizing;

/// Anything that signs like ethers' `signer.signMessage` (EIP-191 `personal_sign`).
pub trait WalletSigner {
    /// The address the signatures recover to.
    fn address(&self) -> Address;
    /// Signs `keccak256("\x19Ethereum Signed Message:\n" + len + message)`; `v` is 27 or 28.
    fn sign_personal(&self, message: &[u8]) -> Result<Signature, SignerError>;
}

/// A signer failed (exit code 4).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum SignerError {
    #[error("cannot reach the signer at `{url}`: {reason}")]
    #[diagnostic(
        code(litcap::signer::unreachable),
        help("check that the signer is running and that `--signer-url` is right")
    )]
    Unreachable { url: String, reason: String },
    #[error("the signer at `{url}` did not answer within {secs} s")]
    #[diagnostic(
        code(litcap::signer::timeout),
        help(
            "the signer may be waiting for a confirmation; raise `--signer-timeout` or try again"
        )
    )]
    Timeout { url: String, secs: u64 },
    #[error("the signer at `{url}` answered HTTP {status}")]
    #[diagnostic(code(litcap::signer::http))]
    Http { url: String, status: u16 },
    #[error("the signer at `{url}` refused to sign: {message} (JSON-RPC error {code})")]
    #[diagnostic(
        code(litcap::signer::refused),
        help("check that the signer holds the key of `--address` and allows `personal_sign`")
    )]
    Rpc {
        url: String,
        code: i64,
        message: String,
    },
    #[error("the signer at `{url}` sent an answer litcap cannot read: {reason}")]
    #[diagnostic(
        code(litcap::signer::malformed),
        help("litcap expects a JSON-RPC 2.0 response whose `result` is a 65-byte hex signature")
    )]
    Malformed { url: String, reason: String },
    #[error("the signer at `{url}` signed with `{actual}`, not with `{expected}`")]
    #[diagnostic(
        code(litcap::signer::wrong_key),
        help("pass the address of the key the signer really uses as `--address`")
    )]
    WrongKey {
        url: String,
        expected: String,
        actual: String,
    },
    #[error("invalid signer configuration: {0}")]
    #[diagnostic(code(litcap::signer::config))]
    Config(String),
}

/// A wallet key could not be loaded (bad input: exit code 2).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum KeyLoadError {
    #[error("cannot read key file `{path}`: {reason}")]
    #[diagnostic(code(litcap::key::io), help("check the path and its permissions"))]
    Io { path: String, reason: String },
    #[error("key file `{path}` is not a wallet key: {reason}")]
    #[diagnostic(
        code(litcap::key::format),
        help("write the private key as `0x` and 64 hex digits on one line, or use an Ethereum V3 JSON keystore")
    )]
    Format { path: String, reason: String },
    #[error("environment variable `{var}` is not set")]
    #[diagnostic(
        code(litcap::key::env_missing),
        help("export the variable, or name another one")
    )]
    EnvMissing { var: String },
    #[error("environment variable `{var}` does not hold a wallet key: {reason}")]
    #[diagnostic(
        code(litcap::key::env_format),
        help("the variable must hold `0x` and 64 hex digits")
    )]
    EnvFormat { var: String, reason: String },
    #[error("keystore `{path}` needs a password: environment variable `{var}` is not set")]
    #[diagnostic(
        code(litcap::key::password_missing),
        help("export the keystore password in `{var}` (it is never read from the command line)")
    )]
    PasswordMissing { path: String, var: String },
    #[error("keystore `{path}`: {source}")]
    #[diagnostic(code(litcap::key::keystore))]
    Keystore {
        path: String,
        #[source]
        source: KeystoreError,
    },
}

/// Why a V3 keystore did not decrypt.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeystoreError {
    #[error("not a V3 keystore: {0}")]
    Shape(String),
    #[error("unsupported cipher `{0}` (only `aes-128-ctr`)")]
    Cipher(String),
    #[error("unsupported key derivation `{0}` (only `scrypt` and `pbkdf2`)")]
    Kdf(String),
    #[error("unsupported PBKDF2 function `{0}` (only `hmac-sha256`)")]
    Prf(String),
    #[error("key derivation parameters out of range: {0}")]
    Params(String),
    #[error("wrong password (the MAC does not match)")]
    Mac,
    #[error("the decrypted key is not a valid secp256k1 key")]
    InvalidKey,
    #[error(
        "the decrypted key belongs to `0x{actual}`, not to the keystore's `address` `0x{stated}`"
    )]
    AddressMismatch { stated: String, actual: String },
}

/// A warning found while loading (printed to stderr; not fatal).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyWarning(pub String);

impl std::fmt::Display for KeyWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A local secp256k1 key.
#[derive(Debug)]
pub struct LocalWallet {
    key: WalletKey,
}

impl LocalWallet {
    pub fn new(key: WalletKey) -> LocalWallet {
        LocalWallet { key }
    }

    /// From `0x` and 64 hex digits.
    pub fn from_hex(hex: &str) -> Result<LocalWallet, crate::eth::KeyError> {
        WalletKey::from_hex(hex).map(LocalWallet::new)
    }

    /// Reads a key file: one line of hex, or a V3 keystore whose password is in `password_env`.
    /// Returns a warning when other users can read the file.
    pub fn from_file(
        path: &Path,
        password_env: &str,
    ) -> Result<(LocalWallet, Vec<KeyWarning>), KeyLoadError> {
        let shown = path.display().to_string();
        let text = read_secret_file(path)?;
        let mut warnings = Vec::new();
        if let Some(w) = permission_warning(path) {
            warnings.push(w);
        }
        let trimmed = text.trim();
        let key = if trimmed.starts_with('{') {
            let password = match std::env::var_os(password_env) {
                Some(p) => Zeroizing::new(p.into_encoded_bytes()),
                None => {
                    return Err(KeyLoadError::PasswordMissing {
                        path: shown,
                        var: password_env.to_string(),
                    })
                }
            };
            let secret =
                decrypt_keystore(trimmed, &password).map_err(|source| KeyLoadError::Keystore {
                    path: shown.clone(),
                    source,
                })?;
            WalletKey::from_bytes(&secret).map_err(|_| KeyLoadError::Keystore {
                path: shown,
                source: KeystoreError::InvalidKey,
            })?
        } else {
            if trimmed.lines().count() > 1 {
                return Err(KeyLoadError::Format {
                    path: shown,
                    reason: "it has more than one line".into(),
                });
            }
            WalletKey::from_hex(trimmed).map_err(|e| KeyLoadError::Format {
                path: shown,
                reason: e.to_string(),
            })?
        };
        Ok((LocalWallet::new(key), warnings))
    }

    /// Reads the hex key from an environment variable.
    pub fn from_env(var: &str) -> Result<LocalWallet, KeyLoadError> {
        let value = match std::env::var(var) {
            Ok(v) => Zeroizing::new(v),
            Err(std::env::VarError::NotPresent) => {
                return Err(KeyLoadError::EnvMissing {
                    var: var.to_string(),
                })
            }
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(KeyLoadError::EnvFormat {
                    var: var.to_string(),
                    reason: "it is not UTF-8".into(),
                })
            }
        };
        WalletKey::from_hex(&value)
            .map(LocalWallet::new)
            .map_err(|e| KeyLoadError::EnvFormat {
                var: var.to_string(),
                reason: e.to_string(),
            })
    }

    pub fn key(&self) -> &WalletKey {
        &self.key
    }
}

impl WalletSigner for LocalWallet {
    fn address(&self) -> Address {
        self.key.address()
    }

    fn sign_personal(&self, message: &[u8]) -> Result<Signature, SignerError> {
        Ok(self.key.sign_personal(message))
    }
}

impl WalletSigner for WalletKey {
    fn address(&self) -> Address {
        WalletKey::address(self)
    }

    fn sign_personal(&self, message: &[u8]) -> Result<Signature, SignerError> {
        Ok(WalletKey::sign_personal(self, message))
    }
}

/// Checks that a signature over `message` recovers to `expected`; returns the recovered address.
pub fn check_recovers(
    message: &[u8],
    sig: &Signature,
    expected: Address,
) -> Result<(), Option<Address>> {
    match recover_personal(message, sig) {
        Ok(a) if a == expected => Ok(()),
        Ok(a) => Err(Some(a)),
        Err(_) => Err(None),
    }
}

/// Key files are tiny; refuse to read more than this (e.g. a device file given by mistake).
const MAX_KEY_FILE: u64 = 64 * 1024;

pub(crate) fn read_secret_file(path: &Path) -> Result<Zeroizing<String>, KeyLoadError> {
    let shown = path.display().to_string();
    let io = |e: std::io::Error| KeyLoadError::Io {
        path: shown.clone(),
        reason: e.to_string(),
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Zeroizing::new(Vec::new());
    file.take(MAX_KEY_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_KEY_FILE {
        return Err(KeyLoadError::Format {
            path: shown,
            reason: format!("it is larger than {} KiB", MAX_KEY_FILE / 1024),
        });
    }
    match std::str::from_utf8(&bytes) {
        Ok(s) => Ok(Zeroizing::new(s.to_string())),
        Err(_) => Err(KeyLoadError::Format {
            path: shown,
            reason: "it is not text".into(),
        }),
    }
}

/// A warning when a secret file can be read or changed by other users (Unix only).
pub fn permission_warning(path: &Path) -> Option<KeyWarning> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Some(KeyWarning(format!(
                "key file `{}` can be read by other users (mode {mode:04o}); restrict it with `chmod 600 {}`",
                path.display(),
                path.display()
            )));
        }
        None
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

// ---------------------------------------------------------------- V3 keystore --

/// Largest scrypt `log2(n)` accepted (geth's "standard" is 18; 20 needs 1 GiB with r = 8).
const MAX_SCRYPT_LOG_N: u8 = 20;
/// Largest scrypt memory accepted: 128 · r · n bytes.
const MAX_SCRYPT_MEMORY: u64 = 1 << 30;
/// Largest PBKDF2 iteration count accepted.
const MAX_PBKDF2_ROUNDS: u64 = 10_000_000;

/// Decrypts an Ethereum V3 keystore (Web3 Secret Storage Definition, version 3) and returns
/// the 32-byte private key. Accepts `crypto` or geth's old `Crypto`.
pub fn decrypt_keystore(json: &str, password: &[u8]) -> Result<Zeroizing<[u8; 32]>, KeystoreError> {
    use serde_json::Value;
    let shape = |m: &str| KeystoreError::Shape(m.to_string());
    let v: Value = serde_json::from_str(json).map_err(|e| shape(&format!("invalid JSON: {e}")))?;
    match v.get("version").and_then(Value::as_u64) {
        Some(3) => {}
        _ => return Err(shape("`version` is not 3")),
    }
    let crypto = v
        .get("crypto")
        .or_else(|| v.get("Crypto"))
        .ok_or_else(|| shape("no `crypto` object"))?;
    let field = |obj: &Value, name: &str| -> Result<String, KeystoreError> {
        obj.get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| shape(&format!("`{name}` is missing or not a string")))
    };
    let hex_field = |obj: &Value, name: &str| -> Result<Vec<u8>, KeystoreError> {
        let s = field(obj, name)?;
        hex::decode(s.strip_prefix("0x").unwrap_or(&s))
            .map_err(|_| shape(&format!("`{name}` is not hex")))
    };
    let cipher = field(crypto, "cipher")?;
    if cipher != "aes-128-ctr" {
        return Err(KeystoreError::Cipher(cipher));
    }
    let iv = hex_field(
        crypto
            .get("cipherparams")
            .ok_or_else(|| shape("no `cipherparams`"))?,
        "iv",
    )?;
    if iv.len() != 16 {
        return Err(shape("`iv` is not 16 bytes"));
    }
    let ciphertext = hex_field(crypto, "ciphertext")?;
    if ciphertext.len() != 32 {
        return Err(shape("`ciphertext` is not 32 bytes"));
    }
    let mac = hex_field(crypto, "mac")?;
    let kdf = field(crypto, "kdf")?;
    let params = crypto
        .get("kdfparams")
        .ok_or_else(|| shape("no `kdfparams`"))?;
    let num = |name: &str| -> Result<u64, KeystoreError> {
        params
            .get(name)
            .and_then(Value::as_u64)
            .ok_or_else(|| shape(&format!("`kdfparams.{name}` is missing or not a number")))
    };
    let salt = hex_field(params, "salt")?;
    let dklen = num("dklen")?;
    if !(32..=64).contains(&dklen) {
        return Err(KeystoreError::Params(format!(
            "dklen {dklen} (expected 32 to 64)"
        )));
    }
    let mut derived = Zeroizing::new(vec![0u8; dklen as usize]);
    match kdf.as_str() {
        "scrypt" => {
            let n = num("n")?;
            let r = num("r")?;
            let p = num("p")?;
            if n < 2 || !n.is_power_of_two() {
                return Err(KeystoreError::Params(format!(
                    "n {n} is not a power of two"
                )));
            }
            let log_n = n.trailing_zeros() as u8;
            if log_n > MAX_SCRYPT_LOG_N
                || r == 0
                || p == 0
                || r > 64
                || p > 64
                || 128u64.saturating_mul(r).saturating_mul(n) > MAX_SCRYPT_MEMORY
            {
                return Err(KeystoreError::Params(format!(
                    "scrypt n {n}, r {r}, p {p} exceed litcap's limits (n ≤ 2^{MAX_SCRYPT_LOG_N}, 1 GiB)"
                )));
            }
            match scrypt::Params::new(log_n, r as u32, p as u32, dklen as usize) {
                Ok(sp) => scrypt::scrypt(password, &salt, &sp, &mut derived)
                    .map_err(|e| KeystoreError::Params(e.to_string()))?,
                // The scrypt crate enforces RFC 7914's `n < 2^(16 r)`, which geth, ethers and
                // the spec's own test vector (n = 2^18, r = 1) do not respect.
                Err(_) => scrypt_unchecked(
                    password,
                    &salt,
                    n as usize,
                    r as usize,
                    p as usize,
                    &mut derived,
                ),
            }
        }
        "pbkdf2" => {
            let prf = field(params, "prf")?;
            if prf != "hmac-sha256" {
                return Err(KeystoreError::Prf(prf));
            }
            let c = num("c")?;
            if c == 0 || c > MAX_PBKDF2_ROUNDS {
                return Err(KeystoreError::Params(format!(
                    "c {c} (expected 1 to {MAX_PBKDF2_ROUNDS})"
                )));
            }
            pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, &salt, c as u32, &mut derived);
        }
        other => return Err(KeystoreError::Kdf(other.to_string())),
    }
    let mut mac_input = Vec::with_capacity(16 + ciphertext.len());
    mac_input.extend_from_slice(&derived[16..32]);
    mac_input.extend_from_slice(&ciphertext);
    let computed = crate::eth::keccak256(&mac_input);
    if !constant_time_eq(&computed, &mac) {
        return Err(KeystoreError::Mac);
    }
    let mut key = Zeroizing::new([0u8; 32]);
    key.copy_from_slice(&ciphertext);
    {
        use ctr::cipher::{KeyIvInit, StreamCipher};
        let mut c = ctr::Ctr128BE::<aes::Aes128>::new_from_slices(&derived[..16], &iv)
            .map_err(|_| shape("bad key or iv length"))?;
        c.apply_keystream(key.as_mut());
    }
    let wallet = WalletKey::from_bytes(&key).map_err(|_| KeystoreError::InvalidKey)?;
    if let Some(stated) = v.get("address").and_then(Value::as_str) {
        let stated = stated
            .strip_prefix("0x")
            .unwrap_or(stated)
            .to_ascii_lowercase();
        let actual = hex::encode(wallet.address().0);
        if stated != actual {
            return Err(KeystoreError::AddressMismatch { stated, actual });
        }
    }
    Ok(key)
}

/// scrypt (RFC 7914 §6) without the `n < 2^(16 r)` restriction, for keystores the scrypt
/// crate refuses. Parameters are bounded by the caller.
fn scrypt_unchecked(password: &[u8], salt: &[u8], n: usize, r: usize, p: usize, out: &mut [u8]) {
    let block_words = 32 * r;
    let mut b = Zeroizing::new(vec![0u8; 128 * r * p]);
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, salt, 1, &mut b);
    let mut x = Zeroizing::new(vec![0u32; block_words]);
    let mut v = Zeroizing::new(vec![0u32; block_words * n]);
    let mut scratch = Zeroizing::new(vec![0u32; block_words]);
    for chunk in b.chunks_mut(128 * r) {
        for (w, bytes) in x.iter_mut().zip(chunk.chunks(4)) {
            *w = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        }
        // ROMix.
        for i in 0..n {
            v[i * block_words..(i + 1) * block_words].copy_from_slice(&x);
            block_mix(&mut x, &mut scratch, r);
        }
        for _ in 0..n {
            let j = (x[block_words - 16] as usize) & (n - 1);
            for (a, b) in x.iter_mut().zip(&v[j * block_words..(j + 1) * block_words]) {
                *a ^= b;
            }
            block_mix(&mut x, &mut scratch, r);
        }
        for (bytes, w) in chunk.chunks_mut(4).zip(x.iter()) {
            bytes.copy_from_slice(&w.to_le_bytes());
        }
    }
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(password, &b, 1, out);
}

/// scryptBlockMix with Salsa20/8 (RFC 7914 §4): `b` is 2r 64-byte blocks as words.
fn block_mix(b: &mut [u32], y: &mut [u32], r: usize) {
    let mut x = [0u32; 16];
    x.copy_from_slice(&b[(2 * r - 1) * 16..]);
    for i in 0..2 * r {
        for (a, c) in x.iter_mut().zip(&b[i * 16..(i + 1) * 16]) {
            *a ^= c;
        }
        salsa20_8(&mut x);
        // Even blocks go to the first half, odd blocks to the second.
        let dest = if i % 2 == 0 { i / 2 } else { r + i / 2 };
        y[dest * 16..(dest + 1) * 16].copy_from_slice(&x);
    }
    b.copy_from_slice(y);
}

/// The Salsa20/8 core (RFC 7914 §3).
fn salsa20_8(b: &mut [u32; 16]) {
    let mut x = *b;
    fn q(x: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
        x[b] ^= x[a].wrapping_add(x[d]).rotate_left(7);
        x[c] ^= x[b].wrapping_add(x[a]).rotate_left(9);
        x[d] ^= x[c].wrapping_add(x[b]).rotate_left(13);
        x[a] ^= x[d].wrapping_add(x[c]).rotate_left(18);
    }
    for _ in 0..4 {
        q(&mut x, 0, 4, 8, 12);
        q(&mut x, 5, 9, 13, 1);
        q(&mut x, 10, 14, 2, 6);
        q(&mut x, 15, 3, 7, 11);
        q(&mut x, 0, 1, 2, 3);
        q(&mut x, 5, 6, 7, 4);
        q(&mut x, 10, 11, 8, 9);
        q(&mut x, 15, 12, 13, 14);
    }
    for (o, a) in b.iter_mut().zip(x) {
        *o = o.wrapping_add(a);
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    // Test vectors of the Web3 Secret Storage Definition (version 3), section "Test Vectors"
    // (github.com/ethereum/wiki/wiki/Web3-Secret-Storage-Definition, also on ethereum.org
    // "Web3 secret storage definition"): password `testpassword`, private key
    // 7a28b5ba…14fe9d. Both were also checked with ethers 5.8 `Wallet.fromEncryptedJsonSync`.
    const SPEC_PBKDF2: &str = r#"{"crypto":{"cipher":"aes-128-ctr","cipherparams":{"iv":"6087dab2f9fdbbfaddc31a909735c1e6"},"ciphertext":"5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46","kdf":"pbkdf2","kdfparams":{"c":262144,"dklen":32,"prf":"hmac-sha256","salt":"ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd"},"mac":"517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2"},"id":"3198bc9c-6672-5ab3-d995-4942343ae5b6","version":3}"#;
    const SPEC_SCRYPT: &str = r#"{"crypto":{"cipher":"aes-128-ctr","cipherparams":{"iv":"83dbcc02d8ccb40e466191a123791e0e"},"ciphertext":"d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c","kdf":"scrypt","kdfparams":{"dklen":32,"n":262144,"p":8,"r":1,"salt":"ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19"},"mac":"2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097"},"id":"3198bc9c-6672-5ab3-d995-4942343ae5b6","version":3}"#;
    const SPEC_KEY: &str = "7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d";
    /// Made with ethers 5.8 `wallet.encrypt("litcap-test", {scrypt: {N: 1024}, iv, salt, uuid})`
    /// for Hardhat account 0: a cheap scrypt keystore with an `address` field.
    pub const LIGHT_SCRYPT: &str = r#"{"address":"f39fd6e51aad88f6f4ce6ab8827279cfffb92266","id":"33333333-3333-4333-b333-333333333333","version":3,"crypto":{"cipher":"aes-128-ctr","cipherparams":{"iv":"11111111111111111111111111111111"},"ciphertext":"d7bcbb4b3d0703deb14b0bf37e412aeecdb893d31150c173c893a303b85ead31","kdf":"scrypt","kdfparams":{"salt":"2222222222222222222222222222222222222222222222222222222222222222","n":1024,"dklen":32,"p":1,"r":8},"mac":"5e597f0bb89405208f3393dbafb0252e13d882f46d43958e0ae00e5273d4a158"}}"#;

    #[test]
    fn spec_vector_pbkdf2() {
        let k = decrypt_keystore(SPEC_PBKDF2, b"testpassword").unwrap();
        assert_eq!(hex::encode(k.as_ref()), SPEC_KEY);
        assert_eq!(
            decrypt_keystore(SPEC_PBKDF2, b"wrong").unwrap_err(),
            KeystoreError::Mac
        );
    }

    #[test]
    fn spec_vector_scrypt() {
        let k = decrypt_keystore(SPEC_SCRYPT, b"testpassword").unwrap();
        assert_eq!(hex::encode(k.as_ref()), SPEC_KEY);
    }

    #[test]
    fn own_scrypt_matches_the_crate() {
        for (log_n, r, p) in [(4u8, 1usize, 1usize), (6, 2, 3), (10, 8, 1)] {
            let mut a = [0u8; 40];
            let mut b = [0u8; 40];
            let params = scrypt::Params::new(log_n, r as u32, p as u32, 40).unwrap();
            scrypt::scrypt(b"pw", b"salt", &params, &mut a).unwrap();
            scrypt_unchecked(b"pw", b"salt", 1 << log_n, r, p, &mut b);
            assert_eq!(a, b, "n=2^{log_n} r={r} p={p}");
        }
    }

    #[test]
    fn ethers_light_scrypt_with_address() {
        let k = decrypt_keystore(LIGHT_SCRYPT, b"litcap-test").unwrap();
        let w = WalletKey::from_bytes(&k).unwrap();
        assert_eq!(
            w.address().to_checksum(),
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        );
        let wrong_address = LIGHT_SCRYPT.replace("f39fd6e5", "039fd6e5");
        assert!(matches!(
            decrypt_keystore(&wrong_address, b"litcap-test"),
            Err(KeystoreError::AddressMismatch { .. })
        ));
    }

    #[test]
    fn keystore_shape_errors_do_not_panic() {
        for (json, want) in [
            ("[]", "version"),
            ("{\"version\":3}", "crypto"),
            ("not json", "invalid JSON"),
            (
                r#"{"version":3,"crypto":{"cipher":"aes-128-cbc"}}"#,
                "aes-128-cbc",
            ),
        ] {
            let e = decrypt_keystore(json, b"x").unwrap_err().to_string();
            assert!(e.contains(want), "{json}: {e}");
        }
        let huge = LIGHT_SCRYPT.replace("\"n\":1024", "\"n\":1073741824");
        assert!(matches!(
            decrypt_keystore(&huge, b"x"),
            Err(KeystoreError::Params(_))
        ));
        let odd = LIGHT_SCRYPT.replace("\"n\":1024", "\"n\":1000");
        assert!(matches!(
            decrypt_keystore(&odd, b"x"),
            Err(KeystoreError::Params(_))
        ));
        let kdf = LIGHT_SCRYPT.replace("\"scrypt\"", "\"argon2\"");
        assert!(matches!(
            decrypt_keystore(&kdf, b"x"),
            Err(KeystoreError::Kdf(_))
        ));
    }

    fn temp_dir(tag: &str) -> std::path::PathBuf {
        let mut n = [0u8; 6];
        getrandom::getrandom(&mut n).unwrap();
        let d = std::env::temp_dir().join(format!("litcap-wallet-{tag}-{}", hex::encode(n)));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn key_files_hex_and_keystore() {
        let d = temp_dir("files");
        let hex_file = d.join("key.hex");
        std::fs::write(
            &hex_file,
            "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80\n",
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&hex_file, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        let (w, warnings) = LocalWallet::from_file(&hex_file, "LITCAP_TEST_UNSET_VAR").unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            w.address().to_checksum(),
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&hex_file, std::fs::Permissions::from_mode(0o644)).unwrap();
            let (_, warnings) = LocalWallet::from_file(&hex_file, "X").unwrap();
            assert_eq!(warnings.len(), 1);
            assert!(warnings[0].0.contains("chmod 600"), "{}", warnings[0]);
        }

        let ks = d.join("keystore.json");
        std::fs::write(&ks, LIGHT_SCRYPT).unwrap();
        let e = LocalWallet::from_file(&ks, "LITCAP_TEST_UNSET_VAR").unwrap_err();
        assert!(matches!(e, KeyLoadError::PasswordMissing { .. }), "{e}");

        let bad = d.join("bad.txt");
        std::fs::write(&bad, "hello world\n").unwrap();
        let e = LocalWallet::from_file(&bad, "X").unwrap_err();
        assert!(matches!(e, KeyLoadError::Format { .. }));
        assert!(e.to_string().contains("bad.txt"), "{e}");
        let two = d.join("two.txt");
        std::fs::write(&two, "0x00\n0x01\n").unwrap();
        assert!(matches!(
            LocalWallet::from_file(&two, "X"),
            Err(KeyLoadError::Format { .. })
        ));
        assert!(matches!(
            LocalWallet::from_file(&d.join("missing"), "X"),
            Err(KeyLoadError::Io { .. })
        ));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn env_keys() {
        assert!(matches!(
            LocalWallet::from_env("LITCAP_TEST_SURELY_UNSET"),
            Err(KeyLoadError::EnvMissing { .. })
        ));
    }
}
