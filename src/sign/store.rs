//! A key store shared with the JS SDK's `storageProvider: { provider: new
//! LocalStorage("./lit_storage.db") }` (npm `node-localstorage` 3.0.5, read from its
//! `LocalStorage.js`).
//!
//! node-localstorage layout:
//! - the store is a directory (created with `mkdir -p` if missing);
//! - **one file per key**, named `encodeURIComponent(key)` with `!'()` then escaped as
//!   `%21 %27 %28 %29` and `*` as `%2A` (so only `A–Z a–z 0–9 - _ . ~` stay as they are;
//!   the empty key is the file `---.EMPTY_STRING.---`);
//! - the file holds the value string as UTF-8, nothing else; there is **no metadata or quota
//!   file**: on open every directory entry is read back as a key (`decodeURIComponent` of its
//!   name) and sizes come from `stat` (quota 5 MiB);
//! - writes go through `write-file-atomic` (temporary file `<name>.<hash>` in the same
//!   directory, fsync, rename), which keeps the mode of an existing file.
//!
//! The SDK (`lit-node-client-nodejs` `getSessionKey` / `getWalletSig`) keeps two entries:
//! `lit-session-key` = `JSON.stringify({publicKey, secretKey})` and `lit-wallet-sig` =
//! `JSON.stringify(authSig)`; an empty value counts as missing.
//!
//! litcap writes the same files atomically (temporary file in the directory, fsync, rename),
//! files `0600`, a new directory `0700`. It never overwrites an entry it cannot read or that
//! belongs to someone else: such an entry is a [`StoreError`] (exit code 5).
//!
//! Concurrency: every read-modify-write (create the session key, replace the AuthSig) runs under
//! [`KeyStore::lock`], an exclusive OS advisory lock (`flock(2)` through `std::fs::File::lock`)
//! on **the store directory itself**, not on a file in it: node-localstorage's `_sync` turns
//! every directory entry into a key (`fs.readdirSync` then `decodeURIComponent`, no filter), so
//! a lock file would show up as a key (and one with a stray `%` would throw). The OS releases
//! the lock when its holder exits or is killed, so a crashed holder never wedges the store.
//! The SDK itself takes no lock; the lock orders litcap processes among themselves.

use super::session_key::SessionKey;
use crate::authsig::AuthSig;
use crate::diag::exit;
use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// `LOCAL_STORAGE_KEYS.SESSION_KEY`.
pub const SESSION_KEY: &str = "lit-session-key";
/// `LOCAL_STORAGE_KEYS.WALLET_SIGNATURE`.
pub const WALLET_SIG: &str = "lit-wallet-sig";
/// node-localstorage's default quota; no single entry of litcap's comes near it.
const MAX_ENTRY: u64 = 5 * 1024 * 1024;
/// How long [`KeyStore::lock`] waits by default: longer than a remote signer may take
/// (3 attempts of 30 s), since a holder keeps the lock while its wallet signs.
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(120);

/// A key store problem.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum StoreError {
    #[error("cannot use key store `{path}`: {reason}")]
    #[diagnostic(code(litcap::store::io), help("check the path and its permissions"))]
    Io { path: String, reason: String },
    #[error("key store `{path}` is not a directory")]
    #[diagnostic(
        code(litcap::store::not_a_directory),
        help("node-localstorage keeps one file per key in a directory; pass a directory to `--store`")
    )]
    NotADirectory { path: String },
    #[error("key store `{path}` is in use by another process; waited {waited_secs} s for it")]
    #[diagnostic(
        code(litcap::store::busy),
        help("another `litcap sign` holds the store's lock (it may be waiting for its wallet signature); retry when it is done or raise `--store-wait`. Nothing was written. A lock whose holder died is released by the system, so there is nothing to remove")
    )]
    Busy { path: String, waited_secs: u64 },
    #[error("key store entry `{key}` (`{path}`) is corrupt: {reason}")]
    #[diagnostic(
        code(litcap::store::corrupt),
        help("litcap does not overwrite it; inspect the file, then remove it to start afresh")
    )]
    Corrupt {
        key: String,
        path: String,
        reason: String,
    },
    #[error("key store entry `{key}` (`{path}`) is not litcap's to replace: {reason}")]
    #[diagnostic(
        code(litcap::store::foreign),
        help("use another `--store` directory, or remove the entry if you no longer need it")
    )]
    Foreign {
        key: String,
        path: String,
        reason: String,
    },
}

impl StoreError {
    /// Corrupt and foreign entries exit with 5; a store held too long by another process
    /// with 6; unreadable stores and a `--store` that is not a directory with 2.
    pub fn exit_code(&self) -> u8 {
        match self {
            StoreError::Io { .. } | StoreError::NotADirectory { .. } => exit::USAGE,
            StoreError::Busy { .. } => exit::STORE_BUSY,
            StoreError::Corrupt { .. } | StoreError::Foreign { .. } => exit::STORE,
        }
    }
}

/// A node-localstorage directory.
#[derive(Debug)]
pub struct KeyStore {
    dir: PathBuf,
    notices: Vec<String>,
    /// The open file whose OS lock is held (see [`KeyStore::lock`]); released on drop.
    lock: Option<std::fs::File>,
}

impl KeyStore {
    /// Opens the directory, creating it (mode `0700`) if it does not exist.
    pub fn open(dir: &Path) -> Result<KeyStore, StoreError> {
        let shown = dir.display().to_string();
        let io = |e: std::io::Error| StoreError::Io {
            path: shown.clone(),
            reason: e.to_string(),
        };
        let mut notices = Vec::new();
        match std::fs::metadata(dir) {
            Ok(m) if m.is_dir() => {
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    let mode = m.permissions().mode() & 0o777;
                    if mode & 0o077 != 0 {
                        notices.push(format!(
                            "key store `{shown}` can be listed by other users (mode {mode:04o}); restrict it with `chmod 700 {shown}`"
                        ));
                    }
                }
            }
            Ok(_) => return Err(StoreError::NotADirectory { path: shown }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut b = std::fs::DirBuilder::new();
                b.recursive(true);
                #[cfg(unix)]
                {
                    use std::os::unix::fs::DirBuilderExt;
                    b.mode(0o700);
                }
                b.create(dir).map_err(io)?;
            }
            Err(e) => return Err(io(e)),
        }
        Ok(KeyStore {
            dir: dir.to_path_buf(),
            notices,
            lock: None,
        })
    }

    /// Takes the store's exclusive lock, waiting at most `wait` for another process to release
    /// it (`waiting` is called once, after the first second of waiting, so a caller can say
    /// why it is slow). Held until the store is dropped; taking it twice is a no-op.
    ///
    /// Once held, half-written temporary files that an interrupted litcap left behind (see
    /// [`crate::fsutil::write_atomic`]) are removed: node-localstorage would read them as keys.
    /// A filesystem without locks gets a notice and no lock.
    pub fn lock(&mut self, wait: Duration, mut waiting: impl FnMut()) -> Result<(), StoreError> {
        if self.lock.is_some() {
            return Ok(());
        }
        let shown = self.dir.display().to_string();
        let io = |e: std::io::Error| StoreError::Io {
            path: shown.clone(),
            reason: e.to_string(),
        };
        let file = open_lock_target(&self.dir).map_err(io)?;
        let start = Instant::now();
        let mut told = false;
        let mut pause = Duration::from_millis(5);
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) => {}
                Err(std::fs::TryLockError::Error(e))
                    if e.kind() == std::io::ErrorKind::Unsupported =>
                {
                    self.notices.push(format!(
                        "key store `{shown}` cannot be locked on this filesystem ({e}); concurrent `litcap sign` runs on it may race"
                    ));
                    return Ok(());
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
            }
            let waited = start.elapsed();
            if waited >= wait {
                return Err(StoreError::Busy {
                    path: shown,
                    waited_secs: waited.as_secs(),
                });
            }
            if !told && waited >= Duration::from_secs(1) {
                told = true;
                waiting();
            }
            std::thread::sleep(pause.min(wait - waited));
            pause = (pause * 2).min(Duration::from_millis(100));
        }
        // The directory may have been removed or replaced while this process waited.
        same_directory(&file, &self.dir).map_err(io)?;
        self.lock = Some(file);
        self.remove_leftovers();
        Ok(())
    }

    /// Whether this process holds the store's lock.
    pub fn is_locked(&self) -> bool {
        self.lock.is_some()
    }

    /// Removes litcap's own temporary files of the entries it writes, left by a process that
    /// was killed between creating and renaming them. Only under the lock, so that no other
    /// litcap is writing them; the SDK's (write-file-atomic) temporary names differ.
    fn remove_leftovers(&mut self) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let ours = [SESSION_KEY, WALLET_SIG]
                .iter()
                .any(|k| crate::fsutil::is_temp_of(&KeyStore::file_name(k), name))
                || super::store_v8::is_v8_temp(name);
            if ours && std::fs::remove_file(entry.path()).is_ok() {
                self.notices.push(format!(
                    "removed `{}`, a half-written entry an interrupted litcap left behind",
                    entry.path().display()
                ));
            }
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Things the user should know (loose permissions found or fixed).
    pub fn notices(&self) -> &[String] {
        &self.notices
    }

    /// The file name node-localstorage uses for `key`.
    pub fn file_name(key: &str) -> String {
        if key.is_empty() {
            return "---.EMPTY_STRING.---".to_string();
        }
        let mut out = String::with_capacity(key.len());
        for b in key.bytes() {
            match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    out.push(b as char)
                }
                other => out.push_str(&format!("%{other:02X}")),
            }
        }
        out
    }

    pub fn path_of(&self, key: &str) -> PathBuf {
        self.dir.join(KeyStore::file_name(key))
    }

    /// The raw value of `key`; `None` when absent or empty (the SDK treats `""` as missing).
    pub fn get(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        let path = self.path_of(key);
        let shown = path.display().to_string();
        let meta = match std::fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(StoreError::Io {
                    path: shown,
                    reason: e.to_string(),
                })
            }
        };
        if !meta.is_file() {
            return Err(StoreError::Foreign {
                key: key.into(),
                path: shown,
                reason: "it is not a regular file".into(),
            });
        }
        self.tighten(&path, &meta);
        let io = |e: std::io::Error| StoreError::Io {
            path: shown.clone(),
            reason: e.to_string(),
        };
        let mut bytes = Vec::new();
        std::fs::File::open(&path)
            .map_err(io)?
            .take(MAX_ENTRY + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        if bytes.len() as u64 > MAX_ENTRY {
            return Err(StoreError::Corrupt {
                key: key.into(),
                path: shown,
                reason: "it is larger than node-localstorage's 5 MiB quota".into(),
            });
        }
        let text = String::from_utf8(bytes).map_err(|_| StoreError::Corrupt {
            key: key.into(),
            path: shown.clone(),
            reason: "it is not UTF-8".into(),
        })?;
        Ok((!text.is_empty()).then_some(text))
    }

    /// Writes `value` atomically with mode `0600`.
    pub fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let path = self.path_of(key);
        crate::fsutil::write_atomic(&path, value.as_bytes(), Some(0o600)).map_err(|e| {
            StoreError::Io {
                path: path.display().to_string(),
                reason: e.to_string(),
            }
        })
    }

    /// A secret file other users can read is restricted to `0600` (node-localstorage's writer
    /// keeps that mode afterwards); the user is told.
    fn tighten(&mut self, path: &Path, meta: &std::fs::Metadata) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                let shown = path.display();
                match std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)) {
                    Ok(()) => self.notices.push(format!(
                        "`{shown}` was readable by other users (mode {mode:04o}); restricted it to 0600"
                    )),
                    Err(e) => self.notices.push(format!(
                        "`{shown}` is readable by other users (mode {mode:04o}) and could not be restricted: {e}"
                    )),
                }
            }
        }
        #[cfg(not(unix))]
        let _ = (path, meta);
    }

    pub(super) fn corrupt(&self, key: &str, reason: impl Into<String>) -> StoreError {
        StoreError::Corrupt {
            key: key.into(),
            path: self.path_of(key).display().to_string(),
            reason: reason.into(),
        }
    }

    /// The stored session key, checked (both halves agree, lowercase hex).
    pub fn session_key(&mut self) -> Result<Option<SessionKey>, StoreError> {
        let Some(text) = self.get(SESSION_KEY)?.map(zeroize::Zeroizing::new) else {
            return Ok(None);
        };
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| self.corrupt(SESSION_KEY, format!("it is not JSON ({e})")))?;
        let field = |name: &str| v.get(name).and_then(Value::as_str);
        let (Some(public), Some(secret)) = (field("publicKey"), field("secretKey")) else {
            return Err(self.corrupt(SESSION_KEY, "it is not a `{publicKey, secretKey}` object"));
        };
        SessionKey::from_sdk_hex(public, secret)
            .map(Some)
            .map_err(|e| self.corrupt(SESSION_KEY, e.to_string()))
    }

    /// The stored session key, or a new one that is stored first (what `getSessionKey` does),
    /// under the store's lock (taken here with [`DEFAULT_LOCK_WAIT`] if not yet held). The flag
    /// tells whether it was created.
    pub fn session_key_or_generate(&mut self) -> Result<(SessionKey, bool), StoreError> {
        self.lock(DEFAULT_LOCK_WAIT, || {})?;
        if let Some(k) = self.session_key()? {
            return Ok((k, false));
        }
        let key = SessionKey::generate().map_err(|e| StoreError::Io {
            path: self.dir.display().to_string(),
            reason: e.to_string(),
        })?;
        self.put_session_key(&key)?;
        Ok((key, true))
    }

    /// Stores a session key where there is none (under the lock). An existing key is never
    /// replaced: the AuthSig stored next to it, and sessions signed with it, name it.
    pub fn put_session_key(&mut self, key: &SessionKey) -> Result<(), StoreError> {
        self.lock(DEFAULT_LOCK_WAIT, || {})?;
        if let Some(existing) = self.session_key()? {
            if existing.public_key_hex() == key.public_key_hex() {
                return Ok(());
            }
            return Err(StoreError::Foreign {
                key: SESSION_KEY.into(),
                path: self.path_of(SESSION_KEY).display().to_string(),
                reason: format!(
                    "it holds session key `{}`, which litcap does not replace",
                    existing.public_key_hex()
                ),
            });
        }
        self.set(SESSION_KEY, &key.to_sdk_json())
    }

    /// Removes a session key this process has just stored, when what was to go with it could
    /// not be written (so that a failure leaves the store as it was).
    pub fn forget_new_session_key(&mut self, key: &SessionKey) {
        if matches!(self.session_key(), Ok(Some(k)) if k.public_key_hex() == key.public_key_hex()) {
            let _ = std::fs::remove_file(self.path_of(SESSION_KEY));
        }
    }

    /// The stored AuthSig (shape only: callers judge whether it fits, see
    /// [`super::check::check_auth_sig`]).
    pub fn wallet_sig(&mut self) -> Result<Option<AuthSig>, StoreError> {
        let Some(text) = self.get(WALLET_SIG)? else {
            return Ok(None);
        };
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| self.corrupt(WALLET_SIG, format!("it is not JSON ({e})")))?;
        AuthSig::from_value(&v).map(Some).map_err(|e| {
            self.corrupt(
                WALLET_SIG,
                format!("it is not an AuthSig `{{sig, derivedVia, signedMessage, address}}` ({e})"),
            )
        })
    }

    /// Stores an AuthSig as `JSON.stringify(authSig)`. Refuses to replace an entry that does
    /// not read as an AuthSig.
    pub fn put_wallet_sig(&mut self, auth_sig: &AuthSig) -> Result<(), StoreError> {
        self.lock(DEFAULT_LOCK_WAIT, || {})?;
        self.wallet_sig()?;
        self.set(WALLET_SIG, &crate::json::stringify(&auth_sig.to_value()))
    }
}

/// What the lock is taken on: the directory itself (Unix: `flock(2)` works on a directory's
/// descriptor, and node-localstorage sees no new entry). Elsewhere a directory cannot be
/// opened as a file, so a sibling `.<name>.litcap-lock` outside the store is used.
fn open_lock_target(dir: &Path) -> std::io::Result<std::fs::File> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)
    }
    #[cfg(not(unix))]
    {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "store".into());
        std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.with_file_name(format!(".{name}.litcap-lock")))
    }
}

/// Checks that the locked directory is still the one at `dir` (not removed or replaced while
/// the lock was awaited).
fn same_directory(locked: &std::fs::File, dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let (a, b) = (locked.metadata()?, std::fs::metadata(dir)?);
        if (a.dev(), a.ino()) != (b.dev(), b.ino()) {
            return Err(std::io::Error::other(
                "the directory was removed or replaced while waiting for its lock",
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = (locked, dir);
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn temp_dir(tag: &str) -> PathBuf {
        let mut n = [0u8; 6];
        getrandom::getrandom(&mut n).unwrap();
        std::env::temp_dir().join(format!("litcap-store-{tag}-{}", hex::encode(n)))
    }

    #[test]
    fn file_names_follow_node_localstorage() {
        assert_eq!(KeyStore::file_name("lit-session-key"), "lit-session-key");
        assert_eq!(KeyStore::file_name("lit-wallet-sig"), "lit-wallet-sig");
        assert_eq!(KeyStore::file_name(""), "---.EMPTY_STRING.---");
        assert_eq!(
            KeyStore::file_name("a b/c!*'()~é"),
            "a%20b%2Fc%21%2A%27%28%29~%C3%A9"
        );
    }

    #[test]
    fn layout_and_modes() {
        let dir = temp_dir("layout").join("nested/lit_storage.db");
        let mut s = KeyStore::open(&dir).unwrap();
        let (k, created) = s.session_key_or_generate().unwrap();
        assert!(created);
        let (again, created) = s.session_key_or_generate().unwrap();
        assert!(!created);
        assert_eq!(again.public_key_hex(), k.public_key_hex());
        let a = AuthSig::personal_sign("0x1".into(), "m\n".into(), "0xA".into());
        s.put_wallet_sig(&a).unwrap();
        // Exactly two files, named by key, holding the SDK's JSON.
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, vec!["lit-session-key", "lit-wallet-sig"]);
        assert_eq!(
            std::fs::read_to_string(dir.join("lit-session-key")).unwrap(),
            format!(
                "{{\"publicKey\":\"{}\",\"secretKey\":\"{}\"}}",
                k.public_key_hex(),
                k.secret_key_hex().as_str()
            )
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("lit-wallet-sig")).unwrap(),
            r#"{"sig":"0x1","derivedVia":"web3.eth.personal.sign","signedMessage":"m\n","address":"0xA"}"#
        );
        assert_eq!(s.wallet_sig().unwrap().unwrap().sig, "0x1");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&dir), 0o700);
            assert_eq!(mode(&dir.join("lit-session-key")), 0o600);
            assert_eq!(mode(&dir.join("lit-wallet-sig")), 0o600);
            // A file the SDK wrote with 0644 is tightened and the user told.
            std::fs::set_permissions(
                dir.join("lit-session-key"),
                std::fs::Permissions::from_mode(0o644),
            )
            .unwrap();
            let mut s2 = KeyStore::open(&dir).unwrap();
            s2.session_key().unwrap().unwrap();
            assert_eq!(mode(&dir.join("lit-session-key")), 0o600);
            assert_eq!(s2.notices().len(), 1, "{:?}", s2.notices());
        }
        std::fs::remove_dir_all(dir.parent().unwrap().parent().unwrap()).unwrap();
    }

    /// Reads litcap's store with node-localstorage, through the SDK's own `getStorageItem`
    /// (`@lit-protocol/misc-browser`) when it can be found, and has node write entries litcap
    /// then reads. Needs `node` and the npm package `node-localstorage`; node finds packages
    /// in `LITCAP_TEST_NODE_PATH` (a `NODE_PATH`, e.g. after
    /// `npm install --prefix /tmp/nls node-localstorage@3.0.5`, `/tmp/nls/node_modules`;
    /// add the oracle's `node_modules` to also go through the SDK). Skipped otherwise.
    #[test]
    fn node_localstorage_reads_and_writes_the_same_store() {
        let node_path = std::env::var("LITCAP_TEST_NODE_PATH").unwrap_or_default();
        let node = |args: &[&str]| {
            std::process::Command::new("node")
                .args(args)
                .env("NODE_PATH", &node_path)
                .output()
        };
        match node(&["-e", "require.resolve('node-localstorage')"]) {
            Ok(o) if o.status.success() => {}
            Ok(_) => {
                eprintln!("skipped: npm package `node-localstorage` not found (set LITCAP_TEST_NODE_PATH)");
                return;
            }
            Err(e) => {
                eprintln!("skipped: `node` is not available ({e})");
                return;
            }
        }
        let base = temp_dir("node");
        let ours = base.join("litcap_written.db");
        let theirs = base.join("node_written.db");
        let mut s = KeyStore::open(&ours).unwrap();
        let key = SessionKey::from_seed(&[5u8; 32]);
        s.set(SESSION_KEY, &key.to_sdk_json()).unwrap();
        let a = AuthSig::personal_sign("0xab".into(), "line 1\nline 2 é".into(), "0xA".into());
        s.put_wallet_sig(&a).unwrap();
        const SCRIPT: &str = r#"
const [ours, theirs] = process.argv.slice(1);
const { LocalStorage } = require('node-localstorage');
const ls = new LocalStorage(ours);
let viaSdk = false;
let get = (k) => ls.getItem(k);
try {
  const mb = require('@lit-protocol/misc-browser');
  globalThis.localStorage = ls;
  get = (k) => { const r = mb.getStorageItem(k); return r.type === 'ERROR' ? null : r.result; };
  viaSdk = true;
} catch (e) {}
const sessionKey = JSON.parse(get('lit-session-key'));
const walletSig = JSON.parse(get('lit-wallet-sig'));
const keys = [];
for (let i = 0; i < ls.length; i++) keys.push(ls.key(i));
const ls2 = new LocalStorage(theirs);
ls2.setItem('lit-session-key', JSON.stringify(sessionKey));
ls2.setItem("odd key!*'()", 'v');
console.log(JSON.stringify({ viaSdk, sessionKey, walletSig, keys }));
"#;
        let out = node(&[
            "-e",
            SCRIPT,
            &ours.display().to_string(),
            &theirs.display().to_string(),
        ])
        .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        eprintln!(
            "node-localstorage read the store (through the SDK: {})",
            v["viaSdk"]
        );
        assert_eq!(v["sessionKey"]["publicKey"], key.public_key_hex());
        assert_eq!(v["sessionKey"]["secretKey"], key.secret_key_hex().as_str());
        assert_eq!(v["walletSig"], a.to_value());
        let mut keys: Vec<&str> = v["keys"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        keys.sort();
        assert_eq!(keys, vec![SESSION_KEY, WALLET_SIG]);
        // What node wrote, litcap reads; the file names agree.
        let mut s2 = KeyStore::open(&theirs).unwrap();
        assert_eq!(
            s2.session_key().unwrap().unwrap().public_key_hex(),
            key.public_key_hex()
        );
        assert_eq!(s2.get("odd key!*'()").unwrap().as_deref(), Some("v"));
        assert!(theirs.join(KeyStore::file_name("odd key!*'()")).is_file());
        std::fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn lock_is_exclusive_bounded_and_cleans_up_after_a_crash() {
        let dir = temp_dir("lock");
        let mut a = KeyStore::open(&dir).unwrap();
        a.lock(Duration::ZERO, || {}).unwrap();
        assert!(a.is_locked());
        a.lock(Duration::ZERO, || {}).unwrap(); // held already: a no-op
                                                // A second holder (another open file description, as another process) waits, then
                                                // gives up with `Busy` and exit code 6.
        let mut b = KeyStore::open(&dir).unwrap();
        let t0 = Instant::now();
        let e = b.lock(Duration::from_millis(100), || {}).unwrap_err();
        assert!(t0.elapsed() >= Duration::from_millis(100));
        assert!(matches!(e, StoreError::Busy { .. }), "{e}");
        assert_eq!(e.exit_code(), exit::STORE_BUSY);
        assert!(!b.is_locked());
        // No lock file: node-localstorage would read it as a key.
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        // Released when the holder goes; half-written entries of litcap's are then removed,
        // other files are not.
        drop(a);
        let leftover = dir.join(".lit-wallet-sig.0123456789ab.tmp");
        std::fs::write(&leftover, "{\"sig\":").unwrap();
        std::fs::write(dir.join("other-app-key"), "v").unwrap();
        b.lock(Duration::from_secs(5), || {}).unwrap();
        assert!(!leftover.exists());
        assert!(dir.join("other-app-key").exists());
        assert!(b.notices().iter().any(|n| n.contains("half-written")));
        // A key is never replaced.
        b.put_session_key(&SessionKey::from_seed(&[1u8; 32]))
            .unwrap();
        b.put_session_key(&SessionKey::from_seed(&[1u8; 32]))
            .unwrap();
        let e = b
            .put_session_key(&SessionKey::from_seed(&[2u8; 32]))
            .unwrap_err();
        assert_eq!(e.exit_code(), exit::STORE);
        b.forget_new_session_key(&SessionKey::from_seed(&[2u8; 32]));
        assert!(b.session_key().unwrap().is_some());
        b.forget_new_session_key(&SessionKey::from_seed(&[1u8; 32]));
        assert!(b.session_key().unwrap().is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn corrupt_and_foreign_entries_are_refused_not_overwritten() {
        let dir = temp_dir("corrupt");
        let mut s = KeyStore::open(&dir).unwrap();
        for bad in [
            "not json",
            "[]",
            r#"{"publicKey":"00"}"#,
            r#"{"publicKey":"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a","secretKey":"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f600000000000000000000000000000000000000000000000000000000000000000"}"#,
        ] {
            std::fs::write(dir.join(SESSION_KEY), bad).unwrap();
            let e = s.session_key_or_generate().unwrap_err();
            assert_eq!(e.exit_code(), exit::STORE, "{bad}: {e}");
            assert!(e.to_string().contains("`lit-session-key`"), "{e}");
            assert_eq!(std::fs::read_to_string(dir.join(SESSION_KEY)).unwrap(), bad);
        }
        // Empty counts as missing, as in the SDK.
        std::fs::write(dir.join(SESSION_KEY), "").unwrap();
        assert!(s.session_key_or_generate().unwrap().1);

        std::fs::write(dir.join(WALLET_SIG), "{\"sig\":1}").unwrap();
        let a = AuthSig::personal_sign("s".into(), "m".into(), "a".into());
        assert_eq!(s.put_wallet_sig(&a).unwrap_err().exit_code(), exit::STORE);
        assert_eq!(
            std::fs::read_to_string(dir.join(WALLET_SIG)).unwrap(),
            "{\"sig\":1}"
        );
        std::fs::remove_file(dir.join(WALLET_SIG)).unwrap();
        std::fs::create_dir(dir.join(WALLET_SIG)).unwrap();
        assert!(matches!(
            s.wallet_sig().unwrap_err(),
            StoreError::Foreign { .. }
        ));
        // A file where the directory should be.
        let file = dir.join("plain");
        std::fs::write(&file, "x").unwrap();
        assert_eq!(KeyStore::open(&file).unwrap_err().exit_code(), exit::USAGE);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
