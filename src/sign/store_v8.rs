//! The SDK v8 (Naga) session store: the layout `storagePlugins.localStorageNode({appName,
//! networkName, storagePath})` of `@lit-protocol/auth` 8.2.3 writes into a node-localstorage
//! directory ([`super::store::KeyStore`]: one file per key, same lock).
//!
//! Read from `js-sdk` `naga` `packages/auth/src/lib/storage/localStorageNode.ts` and
//! `AuthManager/try-getters/tryGetCachedAuthData.ts` / `tryGetCachedDelegationAuthSig.ts`, and
//! pinned by `tests/vectors/v8/08` (`output.storage`) and `tests/interop-v8/store.mjs`:
//!
//! - `buildLookupKey`: `lit-auth:<appName>:<networkName>:<address>`, the address as the viem
//!   account gives it (EIP-55). `write({address, authData})` stores `JSON.stringify(authData)`
//!   = `{"sessionKey":{"keyPair":{"publicKey","secretKey"},"expiresAt"},"authMethodType":1}`
//!   (`secretKey` the 32-byte seed, 64 hex digits; `expiresAt` = `authConfig.expiration`).
//! - `writeInnerDelegationAuthSig({publicKey: address, authSig})` stores under
//!   `lit-auth:<appName>-inner-delegation:<networkName>:<address>` the value
//!   `JSON.stringify(JSON.stringify(authSig))`: the AuthSig JSON-encoded twice.
//! - `tryGetCachedAuthData` reuses the key pair while `expiresAt > now` and writes a new one
//!   otherwise (also when the entry does not parse); `tryGetCachedDelegationAuthSig` reuses the
//!   AuthSig while its SIWE `Expiration Time` is after now, checking neither its resources nor
//!   its session key.
//!
//! litcap keeps the layout byte for byte and differs on purpose in three places:
//! - it judges a stored AuthSig with the fit engine (session key, grant, time), as for the v7
//!   store ([`super::flow::judge_stored`]), not by its expiration alone;
//! - an entry it cannot read is refused ([`StoreError::Corrupt`]), never overwritten;
//! - whenever it stores a new AuthSig it rewrites the key entry with `expiresAt` = that
//!   AuthSig's expiration, so that key and AuthSig expire together. (The SDK writes both with
//!   the same expiration; were the key to expire first, the SDK would pair a fresh key with
//!   the still-cached AuthSig of the old one, which every node refuses.)

use super::session_key::SessionKey;
use super::store::{KeyStore, StoreError};
use crate::authsig::AuthSig;
use crate::time::Timestamp;
use serde_json::Value;
use zeroize::Zeroizing;

/// `AUTH_METHOD_TYPE.EthWallet`, what an EOA auth context stores.
pub const ETH_WALLET: u64 = 1;

/// The names a `localStorageNode({appName, networkName, ...})` store uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct V8Layout {
    pub app_name: String,
    pub network_name: String,
}

impl V8Layout {
    /// `lit-auth:<app>:<network>:<address>`: the session key.
    pub fn session_key_entry(&self, address: &str) -> String {
        format!("lit-auth:{}:{}:{address}", self.app_name, self.network_name)
    }

    /// `lit-auth:<app>-inner-delegation:<network>:<address>`: the wallet's AuthSig.
    pub fn auth_sig_entry(&self, address: &str) -> String {
        format!(
            "lit-auth:{}-inner-delegation:{}:{address}",
            self.app_name, self.network_name
        )
    }
}

/// A stored v8 session key and until when the SDK reuses it.
#[derive(Debug)]
pub struct StoredKey {
    pub key: SessionKey,
    pub expires_at: Timestamp,
}

impl StoredKey {
    /// `tryGetCachedAuthData`: reused while `expiresAt > now`.
    pub fn usable_at(&self, now: Timestamp) -> bool {
        self.expires_at.millis_since(&now) > 0
    }
}

/// The session key entry's value, as `JSON.stringify(authData)` writes it.
pub fn session_key_value(key: &SessionKey, expires_at: Timestamp) -> Zeroizing<String> {
    let mut s = Zeroizing::new(String::with_capacity(256));
    s.push_str("{\"sessionKey\":{\"keyPair\":");
    s.push_str(&super::naga::key_pair_json(key));
    s.push_str(",\"expiresAt\":");
    crate::json::write_string(&mut s, &expires_at.to_iso_string());
    s.push_str("},\"authMethodType\":");
    s.push_str(&ETH_WALLET.to_string());
    s.push('}');
    s
}

/// The AuthSig entry's value: `JSON.stringify(JSON.stringify(authSig))`, the AuthSig as
/// `AuthSigSchema` leaves it (keys `sig, derivedVia, signedMessage, address[, algo]`).
pub fn auth_sig_value(auth_sig: &AuthSig) -> String {
    let once = crate::json::stringify(&super::naga::reparse_capability(auth_sig).to_value());
    let mut twice = String::with_capacity(once.len() + 64);
    crate::json::write_string(&mut twice, &once);
    twice
}

/// Whether `candidate` is litcap's half-written temporary file of a v8 entry (see
/// [`crate::fsutil::write_atomic`]): `.lit-auth%3A….<12 hex>.tmp`.
pub(super) fn is_v8_temp(candidate: &str) -> bool {
    let Some(rest) = candidate.strip_prefix(".lit-auth%3A") else {
        return false;
    };
    rest.strip_suffix(".tmp")
        .and_then(|r| r.rsplit_once('.'))
        .is_some_and(|(_, n)| n.len() == 12 && n.bytes().all(|b| b.is_ascii_hexdigit()))
}

impl KeyStore {
    /// The v8 session key stored for `address` (expired or not; see [`StoredKey::usable_at`]).
    pub fn v8_session_key(
        &mut self,
        layout: &V8Layout,
        address: &str,
    ) -> Result<Option<StoredKey>, StoreError> {
        let name = layout.session_key_entry(address);
        let Some(text) = self.get(&name)?.map(Zeroizing::new) else {
            return Ok(None);
        };
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| self.corrupt(&name, format!("it is not JSON ({e})")))?;
        let shape = "it is not `{\"sessionKey\":{\"keyPair\":{publicKey, secretKey},\"expiresAt\"},\"authMethodType\"}`";
        let session = v.get("sessionKey");
        let pair = session.and_then(|s| s.get("keyPair"));
        let field = |k: &str| pair.and_then(|p| p.get(k)).and_then(Value::as_str);
        let expires = session
            .and_then(|s| s.get("expiresAt"))
            .and_then(Value::as_str);
        let (Some(public), Some(secret), Some(expires)) =
            (field("publicKey"), field("secretKey"), expires)
        else {
            return Err(self.corrupt(&name, shape));
        };
        // v8 stores the seed (64 hex digits); a v7-style seed ‖ public key is read too.
        let full = Zeroizing::new(if secret.len() == 64 {
            format!("{secret}{public}")
        } else {
            secret.to_string()
        });
        let key = SessionKey::from_sdk_hex(public, &full)
            .map_err(|e| self.corrupt(&name, e.to_string()))?;
        let expires_at = Timestamp::parse_rfc3339(expires).map_err(|e| {
            self.corrupt(
                &name,
                format!("its `expiresAt` `{expires}` is not a time ({e})"),
            )
        })?;
        Ok(Some(StoredKey { key, expires_at }))
    }

    /// The v8 AuthSig stored for `address` (shape only: the caller judges whether it fits).
    pub fn v8_auth_sig(
        &mut self,
        layout: &V8Layout,
        address: &str,
    ) -> Result<Option<AuthSig>, StoreError> {
        let name = layout.auth_sig_entry(address);
        let Some(text) = self.get(&name)? else {
            return Ok(None);
        };
        let inner = match serde_json::from_str::<Value>(&text) {
            Ok(Value::String(s)) => s,
            Ok(_) => {
                return Err(self.corrupt(
                    &name,
                    "it is not the AuthSig JSON-encoded twice, as the SDK v8 writes it",
                ))
            }
            Err(e) => return Err(self.corrupt(&name, format!("it is not JSON ({e})"))),
        };
        let v: Value = serde_json::from_str(&inner)
            .map_err(|e| self.corrupt(&name, format!("its AuthSig is not JSON ({e})")))?;
        AuthSig::from_value(&v).map(Some).map_err(|e| {
            self.corrupt(
                &name,
                format!("it is not an AuthSig `{{sig, derivedVia, signedMessage, address}}` ({e})"),
            )
        })
    }

    /// Stores the key entry (under the lock). Refuses to replace an entry it cannot read, or a
    /// still-usable key of another value: sessions and an AuthSig may name it.
    pub fn put_v8_session_key(
        &mut self,
        layout: &V8Layout,
        address: &str,
        key: &SessionKey,
        expires_at: Timestamp,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.lock(super::store::DEFAULT_LOCK_WAIT, || {})?;
        let name = layout.session_key_entry(address);
        if let Some(existing) = self.v8_session_key(layout, address)? {
            if existing.key.public_key_hex() != key.public_key_hex() && existing.usable_at(now) {
                return Err(StoreError::Foreign {
                    path: self.path_of(&name).display().to_string(),
                    key: name,
                    reason: format!(
                        "it holds session key `{}` until `{}`, which litcap does not replace",
                        existing.key.public_key_hex(),
                        existing.expires_at
                    ),
                });
            }
        }
        self.set(&name, &session_key_value(key, expires_at))
    }

    /// Stores the AuthSig entry (under the lock). Refuses to replace an entry it cannot read.
    pub fn put_v8_auth_sig(
        &mut self,
        layout: &V8Layout,
        address: &str,
        auth_sig: &AuthSig,
    ) -> Result<(), StoreError> {
        self.lock(super::store::DEFAULT_LOCK_WAIT, || {})?;
        self.v8_auth_sig(layout, address)?;
        self.set(&layout.auth_sig_entry(address), &auth_sig_value(auth_sig))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::store::tests::temp_dir;

    const ADDRESS: &str = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

    fn vector_08() -> Value {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/vectors/v8/08-sessionsigs-3-nodes-maxprices.json"
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn layout() -> V8Layout {
        V8Layout {
            app_name: "lit-oracle".into(),
            network_name: "naga-dev".into(),
        }
    }

    /// What litcap writes is what the SDK wrote in vector 08 (keys and values), and it reads
    /// the SDK's entries back.
    #[test]
    fn the_layout_of_vector_08() {
        let v = vector_08();
        let storage = v["output"]["storage"].as_object().unwrap();
        let out = &v["output"];
        let seed = v["input"]["sessionKeySeed"].as_str().unwrap();
        let key = SessionKey::from_seed_hex(seed).unwrap();
        let auth_sig = AuthSig::from_value(&out["authSig"]).unwrap();
        let expires: Timestamp = v["input"]["expiration"].as_str().unwrap().parse().unwrap();
        let l = layout();
        assert_eq!(
            storage[&l.session_key_entry(ADDRESS)],
            session_key_value(&key, expires).as_str()
        );
        assert_eq!(
            storage[&l.auth_sig_entry(ADDRESS)],
            auth_sig_value(&auth_sig).as_str()
        );
        // Into a directory and back, with node-localstorage's file names.
        let dir = temp_dir("v8");
        let mut s = KeyStore::open(&dir).unwrap();
        for (name, value) in storage {
            s.set(name, value.as_str().unwrap()).unwrap();
        }
        assert!(dir
            .join("lit-auth%3Alit-oracle%3Anaga-dev%3A0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
            .is_file());
        let stored = s.v8_session_key(&l, ADDRESS).unwrap().unwrap();
        assert_eq!(stored.key.public_key_hex(), key.public_key_hex());
        assert_eq!(stored.expires_at, expires);
        assert!(stored.usable_at("2024-09-19T13:07:33.606Z".parse().unwrap()));
        assert!(!stored.usable_at(expires));
        assert_eq!(s.v8_auth_sig(&l, ADDRESS).unwrap().unwrap(), auth_sig);
        // Another app or network sees nothing.
        let other = V8Layout {
            app_name: "other".into(),
            ..l.clone()
        };
        assert!(s.v8_session_key(&other, ADDRESS).unwrap().is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unreadable_and_foreign_entries_are_refused() {
        let dir = temp_dir("v8-bad");
        let mut s = KeyStore::open(&dir).unwrap();
        let l = layout();
        let now: Timestamp = "2024-09-19T13:00:00Z".parse().unwrap();
        let later: Timestamp = "2024-09-20T13:00:00Z".parse().unwrap();
        let name = l.session_key_entry(ADDRESS);
        for bad in [
            "not json",
            "{}",
            r#"{"sessionKey":{"keyPair":{"publicKey":"00","secretKey":"00"},"expiresAt":"2024-09-20T00:00:00Z"}}"#,
        ] {
            s.set(&name, bad).unwrap();
            let e = s.v8_session_key(&l, ADDRESS).unwrap_err();
            assert!(matches!(e, StoreError::Corrupt { .. }), "{bad}: {e}");
            let k = SessionKey::from_seed(&[3u8; 32]);
            assert!(s.put_v8_session_key(&l, ADDRESS, &k, later, now).is_err());
        }
        // A usable key is not replaced by another; an expired one is.
        let a = SessionKey::from_seed(&[1u8; 32]);
        let b = SessionKey::from_seed(&[2u8; 32]);
        s.set(&name, &session_key_value(&a, later)).unwrap();
        let e = s
            .put_v8_session_key(&l, ADDRESS, &b, later, now)
            .unwrap_err();
        assert!(matches!(e, StoreError::Foreign { .. }), "{e}");
        s.put_v8_session_key(&l, ADDRESS, &a, later, now).unwrap();
        s.put_v8_session_key(&l, ADDRESS, &b, later, later).unwrap();
        let got = s.v8_session_key(&l, ADDRESS).unwrap().unwrap();
        assert_eq!(got.key.public_key_hex(), b.public_key_hex());
        // The AuthSig entry: encoded once is not the SDK's.
        let sig = AuthSig::personal_sign("0x1".into(), "m".into(), ADDRESS.into());
        s.set(
            &l.auth_sig_entry(ADDRESS),
            &crate::json::stringify(&sig.to_value()),
        )
        .unwrap();
        assert!(matches!(
            s.v8_auth_sig(&l, ADDRESS).unwrap_err(),
            StoreError::Corrupt { .. }
        ));
        assert!(s.put_v8_auth_sig(&l, ADDRESS, &sig).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn temporary_files() {
        assert!(is_v8_temp(".lit-auth%3Aa%3Ab%3A0xF.0123456789ab.tmp"));
        assert!(!is_v8_temp("lit-auth%3Aa%3Ab%3A0xF"));
        assert!(!is_v8_temp(".lit-auth%3Aa.tmp"));
    }
}
