//! `litcap authsig FILE... --session NAME (--wallet-key FILE | --wallet-key-env VAR |
//! --signer-url URL --address 0x..) (--session-key HEX | --session-key-seed-file FILE |
//! --session-key-seed-env VAR) [--nonce N | --handshake URL] [--issued-at T] [--expiration T]`
//!
//! Signs the AuthSig of a session: the SIWE message `compile` builds from the session's grant
//! (its `allow`s as the recap, its domain, statement and chain id), URI `lit:session:<key>`.

use super::common::args::{NonceArgs, SeedArgs, TimeArgs, WalletArgs};
use super::common::signing::{report_flow, warn_if_unusable, Reported, Target};
use super::common::{print_json, usage_error};
use litcap::internal::sign::SessionKey;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("wallet_source")
    .required(true)
    .args(["wallet_key", "wallet_key_env", "signer_url"])))]
#[command(group(clap::ArgGroup::new("session_key_source")
    .required(true)
    .args(["session_key", "session_key_seed", "session_key_seed_file", "session_key_seed_env"])))]
pub struct AuthsigArgs {
    /// Policy files, read together.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The session whose grant the AuthSig gives.
    #[arg(long)]
    pub session: String,
    #[command(flatten)]
    pub wallet: WalletArgs,
    /// The session public key (64 hex digits).
    #[arg(long, value_name = "HEX")]
    pub session_key: Option<String>,
    /// Or the session key's seed, from which litcap derives the public key (as `sign` does).
    #[command(flatten)]
    pub seed: SeedArgs,
    #[command(flatten)]
    pub nonce: NonceArgs,
    #[command(flatten)]
    pub times: TimeArgs,
    #[command(flatten)]
    pub net: super::network::NetworkArg,
}

pub fn run(args: AuthsigArgs) -> u8 {
    // The policy's `network` line decides; `--network` fills in or must agree.
    let network = match super::network::resolve(args.net.network, &args.files) {
        Ok(n) => n,
        Err(code) => return code,
    };
    if let Err(code) = super::network::lit_only(network, "authsig") {
        return code;
    }
    let mut args = args;
    args.net.network = Some(network);
    match authsig(args) {
        Ok(code) => code,
        Err(Reported(code)) => code,
    }
}

fn authsig(args: AuthsigArgs) -> Result<u8, Reported> {
    let target = Target::load(&args.files, &args.session)?;
    target.check_wallet_signer()?;
    let session = target.session();
    let grant = target.grant();
    let naga = args.net.get() != super::network::Network::Datil;
    if naga {
        target.check_vocabulary(args.net.get().profile())?;
    }
    let (issued_at, expiration) = args.times.resolve()?;
    let expiration = expiration.unwrap_or_else(|| issued_at.add_secs(session.ttl.secs() as i64));
    // Checked before any network traffic (handshake, remote signer).
    target.check_lifetime(
        "AuthSig",
        issued_at,
        expiration,
        grant.max_ttl,
        format!("grant `{}` (`max-ttl {}`)", grant.name, grant.max_ttl),
        grant.max_ttl_span.or(Some(grant.name_span)),
    )?;
    let key = match (&args.session_key, args.seed.load()?) {
        (_, Some(k)) => k.public_key_hex().to_string(),
        (Some(k), None) => public_key(k)?,
        (None, None) => {
            return Err(Reported(usage_error(
                "pass `--session-key HEX` or the seed with `--session-key-seed-file FILE` or `--session-key-seed-env VAR`",
            )))
        }
    };
    let signer = args.wallet.signer()?;
    let nonce = args
        .nonce
        .resolve(&args.wallet.http(), args.net.get().profile())?;
    let a = target
        .policy_session()
        .new_auth_sig(signer.as_ref(), &key, nonce, issued_at, expiration, naga)
        .map_err(|e| report_flow(e, &target.sources))?;
    warn_if_unusable("AuthSig", issued_at, expiration, false);
    Ok(print_json(&a.to_value()))
}

/// `--session-key`: 64 hex digits that are an ed25519 public key (a point of the curve). About
/// half of all 32-byte strings are not, e.g. most seeds given here by mistake; the value is not
/// echoed, since it may be a seed.
fn public_key(given: &str) -> Result<String, Reported> {
    let key = given.trim();
    let key = key.strip_prefix("0x").unwrap_or(key).to_ascii_lowercase();
    let mut bytes = [0u8; 32];
    if key.len() != 64 || hex::decode_to_slice(&key, &mut bytes).is_err() {
        return Err(Reported(usage_error(format!(
            "--session-key: the value is not 64 hex digits (it has {} characters); pass the session public key, or its seed with `--session-key-seed-file FILE`",
            key.chars().count()
        ))));
    }
    if ed25519_dalek::VerifyingKey::from_bytes(&bytes).is_err() {
        let derived = SessionKey::from_seed(&bytes);
        return Err(Reported(usage_error(format!(
            "--session-key: the value is not an ed25519 public key (no point of the curve has it), so no session could use the AuthSig. If it is the session key's secret seed, its public key is `{}`; better, pass the seed with `--session-key-seed-file FILE` or `--session-key-seed-env VAR` and litcap derives the key",
            derived.public_key_hex()
        ))));
    }
    Ok(key)
}
