//! `litcap delegate --capacity-token-id ID --delegatee 0x.. [--delegatee ..] [--uses N]
//! (--wallet-key FILE | --wallet-key-env VAR | --signer-url URL --address 0x..)
//! [--nonce N | --handshake URL] [--issued-at T] [--expiration T] [--domain D] [--statement S]`
//!
//! Prints the capacity delegation AuthSig of `createCapacityDelegationAuthSig` (SDK 7.4.0).
//!
//! `litcap delegate --network naga --delegatee 0x.. --max-price WEI --scope pkp_sign [...]`
//! prints the payment delegation AuthSig of auth-helpers 8.2.1
//! `createPaymentDelegationAuthSig` instead (Naga has no capacity credits).

use super::common::{print_json, usage_error, usage_error_help};
use super::network::Network;
use super::sign::{report, times, NonceArgs, Reported, WalletArgs};
use litcap::eth::Address;
use litcap::sign::capacity::{create_capacity_delegation_auth_sig, CapacityDelegationParams};
use litcap::sign::payment::{
    create_payment_delegation_auth_sig, PaymentDelegationParams, PaymentError,
};
use litcap::wire::payment::PaymentDelegationInput;

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("wallet_source")
    .required(true)
    .args(["wallet_key", "wallet_key_env", "signer_url"])))]
pub struct DelegateArgs {
    /// The capacity-credit NFT token id to delegate (Datil).
    #[arg(long, value_name = "ID", required_unless_present = "max_price")]
    pub capacity_token_id: Option<String>,
    /// Naga: the most the delegatees may spend per request, in wei (decimal or `0x` hex);
    /// the nota bene's `max_price`.
    #[arg(long, value_name = "WEI", conflicts_with = "capacity_token_id")]
    pub max_price: Option<String>,
    /// Naga: what the payment covers (repeat): `encryption_sign`, `lit_action`, `pkp_sign`,
    /// `sign_session_key`.
    #[arg(long = "scope", value_name = "SCOPE", requires = "max_price")]
    pub scopes: Vec<String>,
    /// The network: `datil` delegates capacity credits, `naga` delegates payment.
    #[arg(long, value_enum, default_value = "datil")]
    pub network: Network,
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
    if args.network == Network::Naga {
        return delegate_payment(args);
    }
    if args.max_price.is_some() {
        return Err(Reported(usage_error(
            "--max-price is a Naga payment delegation, but --network is datil; pass `--network naga`, or delegate capacity credits with --capacity-token-id",
        )));
    }
    let token_id = args.capacity_token_id.clone().unwrap_or_default();
    if token_id.is_empty() {
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
        capacity_token_id: Some(token_id),
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

/// `--network naga`: `createPaymentDelegationAuthSig`.
fn delegate_payment(args: DelegateArgs) -> Result<u8, Reported> {
    if args.capacity_token_id.is_some() {
        return Err(Reported(usage_error(
            "--capacity-token-id is a Datil capacity-credit delegation; Naga has no capacity credits: delegate payment with --max-price WEI and --scope (e.g. `--scope pkp_sign`)",
        )));
    }
    let Some(max_price) = args.max_price.clone() else {
        return Err(Reported(usage_error(
            "--network naga needs --max-price WEI (the most each delegated request may cost)",
        )));
    };
    if let Some(s) = &args.statement {
        if s.contains('\n') || s.contains('\r') {
            return Err(Reported(usage_error(
                "--statement contains a line break; SIWE statements are one line",
            )));
        }
    }
    let (issued_at, expiration) = times(&args.issued_at, &args.expiration)?;
    let params = PaymentDelegationParams {
        delegation: PaymentDelegationInput {
            delegatee_addresses: args.delegatees.clone(),
            scopes: args.scopes.clone(),
            max_price,
        },
        nonce: String::new(),
        issued_at,
        expiration,
        domain: args.domain.clone(),
        statement: args.statement.clone(),
    };
    // The inputs are checked before any wallet or network is touched.
    if let Err(e) = litcap::wire::payment::nota_bene(&params.delegation) {
        return Err(Reported(match e.help() {
            Some(h) => usage_error_help(format!("payment delegation: {e}"), h),
            None => usage_error(format!("payment delegation: {e}")),
        }));
    }
    let signer = args.wallet.signer()?;
    let nonce = args.nonce.resolve(&args.wallet.http())?;
    let params = PaymentDelegationParams { nonce, ..params };
    match create_payment_delegation_auth_sig(signer.as_ref(), &params) {
        Ok(a) => Ok(print_json(&a.to_value())),
        Err(PaymentError::Sign(e)) => Err(report(&e)),
        Err(PaymentError::Delegation(e)) => Err(Reported(usage_error(e.to_string()))),
    }
}
