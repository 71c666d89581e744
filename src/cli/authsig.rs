//! `litcap authsig FILE... --session NAME (--wallet-key FILE | --wallet-key-env VAR |
//! --signer-url URL --address 0x..) --session-key HEX [--nonce N | --handshake URL]
//! [--issued-at T] [--expiration T]`
//!
//! Signs the AuthSig of a session: the SIWE message `compile` builds from the session's grant
//! (its `allow`s as the recap, its domain, statement and chain id), URI `lit:session:<key>`.

use super::common::print_json;
use super::sign::{times, NonceArgs, Reported, Target, WalletArgs};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("wallet_source")
    .required(true)
    .args(["wallet_key", "wallet_key_env", "signer_url"])))]
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
    pub session_key: String,
    #[command(flatten)]
    pub nonce: NonceArgs,
    /// SIWE `Issued At` (RFC 3339; default now).
    #[arg(long, value_name = "RFC3339")]
    pub issued_at: Option<String>,
    /// SIWE `Expiration Time` (RFC 3339; default issued-at plus the session's `ttl`).
    #[arg(long, value_name = "RFC3339")]
    pub expiration: Option<String>,
    /// The network: `naga` writes the SIWE as SDK v8 does (empty default statement, domain
    /// without path) and refuses Datil-only capabilities.
    #[arg(long, value_enum, default_value = "datil")]
    pub network: super::network::Network,
}

pub fn run(args: AuthsigArgs) -> u8 {
    match authsig(args) {
        Ok(code) => code,
        Err(Reported(code)) => code,
    }
}

fn authsig(args: AuthsigArgs) -> Result<u8, Reported> {
    let target = Target::load(&args.files, &args.session)?;
    let session = target.session();
    let grant = target.grant();
    let naga = args.network != super::network::Network::Datil;
    if naga {
        target.check_vocabulary(args.network.profile())?;
    }
    let (issued_at, expiration) = times(&args.issued_at, &args.expiration)?;
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
    let signer = args.wallet.signer()?;
    let nonce = args.nonce.resolve(&args.wallet.http())?;
    let key = args.session_key.trim();
    let key = key.strip_prefix("0x").unwrap_or(key).to_ascii_lowercase();
    let a = target.new_auth_sig_in(signer.as_ref(), &key, nonce, issued_at, expiration, naga)?;
    Ok(print_json(&a.to_value()))
}
