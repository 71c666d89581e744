//! `--network-key HEX` / `--handshake URL`: the Lit network's BLS root key, which verifies
//! network-signed (`lit.bls`) AuthSigs of PKP and Lit Action sessions (see
//! `litcap::internal::wire::bls`). Shared by `verify`, `check --authsig` and `explain`.
//!
//! `--handshake` reads `networkPublicKey` from one node's handshake answer, the field the SDK
//! keeps as `networkPubKey` (`litcap::internal::sign::handshake::network_key_of`). `sign`
//! takes `--network-key` for a `lit.bls` `--authsig`, and shares `--handshake` with its nonce
//! ([`NetworkKeyArgs::for_sign`]).

use super::common::usage_error;
use litcap::internal::profile::Profile;
use litcap::internal::wire::bls::NetworkKey;

#[derive(clap::Args, Debug, Clone, Default)]
pub struct NetworkKeyArgs {
    /// The Lit network's BLS public key (48 bytes compressed G1, 96 hex digits, `0x`
    /// optional), to verify `lit.bls` AuthSigs (PKP and Lit Action sessions).
    #[arg(long, value_name = "HEX", conflicts_with = "handshake")]
    pub network_key: Option<String>,
    /// Take the network key from this Lit node's handshake answer (`networkPublicKey`).
    #[arg(long, value_name = "URL")]
    pub handshake: Option<String>,
    /// Seconds to wait for the handshake (per attempt).
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 15,
        requires = "handshake"
    )]
    pub handshake_timeout: u64,
}

impl NetworkKeyArgs {
    /// The key, fetched from a node if asked to; `Err` is the exit code, already reported.
    /// `profile` says how the network's nodes shape the handshake answer.
    pub fn resolve(&self, profile: &Profile) -> Result<Option<NetworkKey>, u8> {
        if let Some(hex) = &self.network_key {
            return NetworkKey::parse(hex)
                .map(Some)
                .map_err(|e| usage_error(format!("--network-key: {e}")));
        }
        let Some(url) = &self.handshake else {
            return Ok(None);
        };
        self.fetch(url, profile).map(Some)
    }

    /// `sign --authsig`: the key for a `lit.bls` AuthSig, from `--network-key`, else from the
    /// node `--handshake` names (which also gives a wallet's nonce); a wallet AuthSig needs none.
    pub fn for_sign(
        network_key: &Option<String>,
        handshake: &Option<String>,
        http: &litcap::internal::sign::http::HttpConfig,
        auth_sig: &litcap::internal::wire::authsig::AuthSig,
        profile: &Profile,
    ) -> Result<Option<NetworkKey>, super::common::signing::Reported> {
        use litcap::internal::wire::authsig::AuthSigKind;
        if network_key.is_none() && auth_sig.kind() != AuthSigKind::BlsNetwork {
            return Ok(None);
        }
        let args = NetworkKeyArgs {
            network_key: network_key.clone(),
            handshake: handshake.clone().filter(|_| network_key.is_none()),
            handshake_timeout: http.timeout.as_secs(),
        };
        args.resolve(profile)
            .map_err(super::common::signing::Reported)
    }

    #[cfg(feature = "net")]
    fn fetch(&self, url: &str, profile: &Profile) -> Result<NetworkKey, u8> {
        use litcap::internal::sign::handshake;
        use litcap::internal::sign::http::HttpConfig;
        let http = HttpConfig {
            timeout: std::time::Duration::from_secs(self.handshake_timeout.max(1)),
            ..HttpConfig::default()
        };
        match handshake::network_key(url, &http, profile) {
            Ok(k) => {
                eprintln!(
                    "note: network key `{}` from the handshake with `{url}`",
                    k.to_hex()
                );
                Ok(k)
            }
            Err(e) => {
                let mut text = format!("error: {e}");
                if let Some(code) = miette::Diagnostic::code(&e) {
                    text.push_str(&format!(" [{code}]"));
                }
                text.push_str("\n  help: pass the key with `--network-key HEX` instead");
                eprintln!("{text}");
                Err(e.exit_code())
            }
        }
    }

    #[cfg(not(feature = "net"))]
    fn fetch(&self, _url: &str, _profile: &Profile) -> Result<NetworkKey, u8> {
        Err(usage_error(
            "`--handshake` needs network support, and this litcap was built without it (cargo feature `net`): pass `--network-key HEX`, or rebuild with default features",
        ))
    }
}
