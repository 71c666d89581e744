//! `litcap delegate --capacity-token-id ID --delegatee 0x.. [--delegatee ..] [--uses N]
//! (--wallet-key FILE | --wallet-key-env VAR | --signer-url URL --address 0x..)
//! [--nonce N | --handshake URL] [--issued-at T] [--expiration T] [--domain D] [--statement S]`
//!
//! Prints the capacity delegation AuthSig of `createCapacityDelegationAuthSig` (SDK 7.4.0).

use super::common::{print_json, usage_error};
use super::sign::{report, times, NonceArgs, Reported, WalletArgs};
use litcap::eth::Address;
use litcap::sign::capacity::{create_capacity_delegation_auth_sig, CapacityDelegationParams};

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("wallet_source")
    .required(true)
    .args(["wallet_key", "wallet_key_env", "signer_url"])))]
pub struct DelegateArgs {
    /// The capacity-credit NFT token id to delegate.
    #[arg(long, value_name = "ID")]
    pub capacity_token_id: String,
    /// A wallet address that may use the credits (repeat for each).
    #[arg(long = "delegatee", value_name = "0x..", required = true)]
    pub delegatees: Vec<String>,
    /// How many uses the delegatees get in all.
    #[arg(long, value_name = "N")]
    pub uses: Option<u64>,
    #[command(flatten)]
    pub wallet: WalletArgs,
    #[command(flatten)]
    pub nonce: NonceArgs,
    /// SIWE `Issued At` (RFC 3339; default now).
    #[arg(long, value_name = "RFC3339")]
    pub issued_at: Option<String>,
    /// SIWE `Expiration Time` (RFC 3339; default issued-at plus 7 days, as in the SDK).
    #[arg(long, value_name = "RFC3339")]
    pub expiration: Option<String>,
    /// SIWE domain (default `localhost`, as in the SDK).
    #[arg(long, value_name = "D")]
    pub domain: Option<String>,
    /// SIWE statement (default the SDK's test statement).
    #[arg(long, value_name = "S")]
    pub statement: Option<String>,
}

pub fn run(args: DelegateArgs) -> u8 {
    match delegate(args) {
        Ok(code) => code,
        Err(Reported(code)) => code,
    }
}

fn delegate(args: DelegateArgs) -> Result<u8, Reported> {
    if args.capacity_token_id.is_empty() {
        return Err(Reported(usage_error(
            "--capacity-token-id is empty; pass the capacity-credit NFT token id",
        )));
    }
    for d in &args.delegatees {
        Address::parse_any_case(d)
            .map_err(|e| Reported(usage_error(format!("--delegatee: {e}"))))?;
    }
    if let Some(s) = &args.statement {
        if s.contains('\n') || s.contains('\r') {
            return Err(Reported(usage_error(
                "--statement contains a line break; SIWE statements are one line",
            )));
        }
    }
    let (issued_at, expiration) = times(&args.issued_at, &args.expiration)?;
    let signer = args.wallet.signer()?;
    let nonce = args.nonce.resolve(&args.wallet.http())?;
    let params = CapacityDelegationParams {
        capacity_token_id: Some(args.capacity_token_id.clone()),
        delegatee_addresses: Some(args.delegatees.clone()),
        uses: args.uses.map(|u| u.to_string()),
        nonce,
        issued_at,
        expiration,
        domain: args.domain.clone(),
        statement: args.statement.clone(),
    };
    let a =
        create_capacity_delegation_auth_sig(signer.as_ref(), &params).map_err(|e| report(&e))?;
    Ok(print_json(&a.to_value()))
}
