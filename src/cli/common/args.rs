//! The clap argument groups the signing commands share (`authsig`, `sign`, `delegate`, and the
//! times of `compile`): where the wallet signature, the session key's seed, the SIWE nonce and
//! the times come from.

#[cfg(feature = "net")]
use super::print_note;
use super::signing::{report, Reported};
use super::{print_warning, usage_error};
#[cfg(feature = "net")]
use litcap::internal::eth::Address;
#[cfg(feature = "net")]
use litcap::internal::sign::handshake;
use litcap::internal::sign::http::HttpConfig;
use litcap::internal::sign::policy_session::FlowError;
#[cfg(feature = "net")]
use litcap::internal::sign::remote::RemoteSigner;
use litcap::internal::sign::{LocalWallet, SessionKey, SignError, WalletSigner};
use litcap::internal::time::Timestamp;
use std::path::PathBuf;
use std::time::Duration;

/// Where the wallet signature comes from. Keys are never taken from the command line.
#[derive(clap::Args, Debug, Clone)]
pub struct WalletArgs {
    /// Wallet key file: `0x` and 64 hex digits on one line, or an Ethereum V3 JSON keystore.
    #[arg(long, value_name = "FILE")]
    pub wallet_key: Option<PathBuf>,
    /// Environment variable holding the wallet key (`0x` and 64 hex digits).
    #[arg(long, value_name = "VAR")]
    pub wallet_key_env: Option<String>,
    /// Environment variable holding the password of a V3 keystore `--wallet-key`.
    #[arg(long, value_name = "VAR", default_value = "LITCAP_KEYSTORE_PASSWORD")]
    pub keystore_password_env: String,
    /// Remote Ethereum JSON-RPC signer (`personal_sign`), with `--address`.
    #[arg(long, value_name = "URL", requires = "address")]
    pub signer_url: Option<String>,
    /// The address the remote signer signs with; its signatures are checked against it.
    #[arg(long, value_name = "0x..", requires = "signer_url")]
    pub address: Option<String>,
    /// Seconds to wait for the remote signer or a node handshake (per attempt).
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub signer_timeout: u64,
}

/// Where the session key's ed25519 seed comes from: a file or an environment variable, as the
/// wallet key; inline is accepted with a warning (`ps` and shell history show it).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct SeedArgs {
    /// The session key's ed25519 seed (64 hex digits) on the command line, where `ps` and shell
    /// history show it (a warning says so): prefer `--session-key-seed-file` or `-env`.
    #[arg(long, value_name = "HEX")]
    pub session_key_seed: Option<String>,
    /// A file holding the session key's ed25519 seed (64 hex digits on one line).
    #[arg(long, value_name = "FILE")]
    pub session_key_seed_file: Option<PathBuf>,
    /// Environment variable holding the session key's ed25519 seed (64 hex digits).
    #[arg(long, value_name = "VAR")]
    pub session_key_seed_env: Option<String>,
}

/// The SIWE nonce: given, or fetched from a Lit node.
#[derive(clap::Args, Debug, Clone)]
pub struct NonceArgs {
    /// SIWE nonce (the SDK uses the latest Ethereum blockhash).
    #[arg(long, value_name = "N", conflicts_with = "handshake")]
    pub nonce: Option<String>,
    /// Fetch the latest blockhash from this Lit node's handshake as the nonce.
    #[arg(long, value_name = "URL")]
    pub handshake: Option<String>,
}

/// `--issued-at` and `--expiration` of what is signed.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct TimeArgs {
    /// `Issued At` of what is signed (RFC 3339; default now).
    #[arg(long, value_name = "RFC3339")]
    pub issued_at: Option<String>,
    /// Its expiration (RFC 3339; the default depends on the command: a session's `ttl`, the
    /// SDK's 7 days for a delegation).
    #[arg(long, value_name = "RFC3339")]
    pub expiration: Option<String>,
}

/// Usage errors of a build without the `net` cargo feature (no network stack).
#[cfg(not(feature = "net"))]
const NO_NET_SIGNER: &str = "`--signer-url` needs network support, and this litcap was built without it (cargo feature `net`): use `--wallet-key FILE` or `--wallet-key-env VAR`, or rebuild with default features";
#[cfg(not(feature = "net"))]
const NO_NET_HANDSHAKE: &str = "`--handshake` needs network support, and this litcap was built without it (cargo feature `net`): pass `--nonce <latest blockhash>`, or rebuild with default features";

impl WalletArgs {
    pub fn http(&self) -> HttpConfig {
        HttpConfig {
            timeout: Duration::from_secs(self.signer_timeout.max(1)),
            ..HttpConfig::default()
        }
    }

    /// The signer, with warnings (loose key file permissions) printed.
    pub fn signer(&self) -> Result<Box<dyn WalletSigner>, Reported> {
        if let Some(path) = &self.wallet_key {
            let (w, warnings) = LocalWallet::from_file(path, &self.keystore_password_env)
                .map_err(|e| report(&SignError::from(e)))?;
            for w in warnings {
                print_warning(w);
            }
            return Ok(Box::new(w));
        }
        if let Some(var) = &self.wallet_key_env {
            let w = LocalWallet::from_env(var).map_err(|e| report(&SignError::from(e)))?;
            return Ok(Box::new(w));
        }
        #[cfg(not(feature = "net"))]
        if self.signer_url.is_some() {
            return Err(Reported(usage_error(NO_NET_SIGNER)));
        }
        #[cfg(feature = "net")]
        if let (Some(url), Some(address)) = (&self.signer_url, &self.address) {
            let address = Address::parse_any_case(address)
                .map_err(|e| Reported(usage_error(format!("--address: {e}"))))?;
            let s = RemoteSigner::new(url, address, self.http())
                .map_err(|e| report(&SignError::from(e)))?;
            return Ok(Box::new(s));
        }
        Err(Reported(usage_error(
            "no wallet: pass `--wallet-key FILE`, `--wallet-key-env VAR` or `--signer-url URL --address 0x..`",
        )))
    }
}

impl SeedArgs {
    /// The session key, if a seed was given (warnings printed).
    pub fn load(&self) -> Result<Option<SessionKey>, Reported> {
        if let Some(path) = &self.session_key_seed_file {
            let (key, warning) = SessionKey::from_seed_file(path).map_err(|e| report(&e.into()))?;
            if let Some(w) = warning {
                print_warning(format!("{w}"));
            }
            return Ok(Some(key));
        }
        if let Some(var) = &self.session_key_seed_env {
            return SessionKey::from_seed_env(var)
                .map(Some)
                .map_err(|e| report(&e.into()));
        }
        if let Some(seed) = &self.session_key_seed {
            print_warning("`--session-key-seed` puts the session key's secret seed on the command line, where `ps` and shell history show it; pass `--session-key-seed-file FILE` or `--session-key-seed-env VAR` instead");
            return SessionKey::from_seed_hex(seed)
                .map(Some)
                .map_err(|e| report(&e.into()));
        }
        Ok(None)
    }
}

impl NonceArgs {
    /// The nonce, fetching it from a node of the profile's network if asked to.
    pub fn resolve(
        &self,
        http: &HttpConfig,
        profile: &litcap::internal::profile::Profile,
    ) -> Result<String, Reported> {
        self.fetch(http, profile)
            .map_err(|e| super::signing::report_flow(e, &litcap::diag::Sources::new()))
    }

    /// [`NonceArgs::resolve`] for the library's sign flow, which asks only when it signs.
    #[cfg_attr(not(feature = "net"), allow(unused_variables))] // `http`, `profile`
    pub fn fetch(
        &self,
        http: &HttpConfig,
        profile: &litcap::internal::profile::Profile,
    ) -> Result<String, FlowError> {
        if let Some(n) = &self.nonce {
            litcap::internal::sign::authsig::check_nonce(n)?;
            return Ok(n.clone());
        }
        #[cfg(not(feature = "net"))]
        if self.handshake.is_some() {
            return Err(FlowError::usage(NO_NET_HANDSHAKE));
        }
        #[cfg(feature = "net")]
        if let Some(url) = &self.handshake {
            let hash = handshake::latest_blockhash(url, http, profile).map_err(SignError::from)?;
            print_note(format!("nonce `{hash}` from the handshake with `{url}`"));
            return Ok(hash);
        }
        Err(FlowError::usage(
            "a new signature needs a SIWE nonce: pass `--nonce <latest blockhash>` or `--handshake <lit node url>`",
        ))
    }
}

impl TimeArgs {
    /// `--issued-at` (default now) and `--expiration`, which must come after it.
    pub fn resolve(&self) -> Result<(Timestamp, Option<Timestamp>), Reported> {
        let parse = |flag: &str, v: &str| {
            Timestamp::parse_rfc3339(v).map_err(|e| Reported(usage_error(format!("--{flag}: {e}"))))
        };
        let issued = match &self.issued_at {
            Some(v) => parse("issued-at", v)?,
            None => Timestamp::now(),
        };
        let exp = self
            .expiration
            .as_deref()
            .map(|v| parse("expiration", v))
            .transpose()?;
        if let Some(e) = exp {
            if e.millis_since(&issued) <= 0 {
                return Err(Reported(usage_error(format!(
                    "--expiration `{e}` is not after issued-at `{issued}`"
                ))));
            }
        }
        Ok((issued, exp))
    }

    pub fn is_empty(&self) -> bool {
        self.issued_at.is_none() && self.expiration.is_none()
    }
}
