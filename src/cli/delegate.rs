//! `litcap delegate (FILE... --grant NAME | --capacity-token-id ID --delegatee 0x..
//! [--delegatee ..] [--uses N] [--domain D] [--statement S])
//! (--wallet-key FILE | --wallet-key-env VAR | --signer-url URL --address 0x..)
//! [--nonce N | --handshake URL] [--issued-at T] [--expiration T]`
//!
//! Prints the capacity delegation AuthSig of `createCapacityDelegationAuthSig` (SDK 7.4.0),
//! from the flags, or from a policy grant (its `rate-limit-increase-auth` allow, domain,
//! statement, chain id and `max-ttl`), so that `check FILE --authsig` accepts it.
//!
//! `litcap delegate --network naga --delegatee 0x.. --max-price WEI --scope pkp_sign [...]`
//! prints the payment delegation AuthSig of auth-helpers 8.2.1
//! `createPaymentDelegationAuthSig` instead (Naga has no capacity credits).

use super::common::args::{NonceArgs, TimeArgs, WalletArgs};
use super::common::signing::{one, report, report_diags, warn_if_unusable, Reported};
use super::common::{self, print_json, usage_error};
use super::network::Network;
use litcap::diag::{exit, Code, Diagnostic};
use litcap::Ability;

use litcap::internal::eth::Address;
use litcap::internal::sign::capacity::{
    create_capacity_delegation_auth_sig, create_grant_delegation_auth_sig, CapacityDelegationParams,
};
use litcap::internal::time::Ttl;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("wallet_source")
    .required(true)
    .args(["wallet_key", "wallet_key_env", "signer_url"])))]
pub struct DelegateArgs {
    /// Policy files holding the grant (with `--grant`).
    #[arg(requires = "grant")]
    pub files: Vec<PathBuf>,
    /// The grant that describes the delegation: its one `rate-limit-increase-auth` allow (token
    /// id, and `where` `delegate_to`, `uses`, `nft_id`), domain, statement, chain id, `max-ttl`
    /// (Datil).
    #[arg(long, value_name = "NAME", requires = "files",
          conflicts_with_all = ["capacity_token_id", "delegatees", "uses", "domain", "statement", "max_price", "scopes"])]
    pub grant: Option<String>,
    /// The capacity-credit NFT token id to delegate (Datil).
    #[arg(long, value_name = "ID", required_unless_present_any = ["grant", "max_price"])]
    pub capacity_token_id: Option<String>,
    /// Naga: the most the delegatees may spend per request, in wei (decimal or `0x` hex);
    /// the nota bene's `max_price`.
    #[arg(long, value_name = "WEI", conflicts_with = "capacity_token_id")]
    pub max_price: Option<String>,
    /// Naga: what the payment covers (repeat): `encryption_sign`, `lit_action`, `pkp_sign`,
    /// `sign_session_key`.
    #[arg(long = "scope", value_name = "SCOPE", requires = "max_price")]
    pub scopes: Vec<String>,
    #[command(flatten)]
    pub net: super::network::NetworkArg,
    /// A wallet address that may use the credits (repeat for each).
    #[arg(
        long = "delegatee",
        value_name = "0x..",
        required_unless_present = "grant"
    )]
    pub delegatees: Vec<String>,
    /// How many uses the delegatees get in all.
    #[arg(long, value_name = "N")]
    pub uses: Option<u64>,
    #[command(flatten)]
    pub wallet: WalletArgs,
    #[command(flatten)]
    pub nonce: NonceArgs,
    /// SIWE `Issued At` and `Expiration Time` (default issued-at plus 7 days, as in the SDK,
    /// or the grant's `max-ttl` if shorter).
    #[command(flatten)]
    pub times: TimeArgs,
    /// SIWE domain (default `localhost`, as in the SDK).
    #[arg(long, value_name = "D")]
    pub domain: Option<String>,
    /// SIWE statement (default the SDK's test statement).
    #[arg(long, value_name = "S")]
    pub statement: Option<String>,
}

/// The SDK's default delegation lifetime (`createSiweMessage`: 7 days).
const SDK_DEFAULT_LIFETIME: Ttl = Ttl(7 * 24 * 3600);

pub fn run(args: DelegateArgs) -> u8 {
    // The policy's `network` line decides; `--network` fills in or must agree.
    let network = match super::network::resolve(args.net.network, &args.files) {
        Ok(n) => n,
        Err(code) => return code,
    };
    if let Err(code) = super::network::lit_only(network, "delegate") {
        return code;
    }
    let mut args = args;
    args.net.network = Some(network);
    match delegate(args) {
        Ok(code) => code,
        Err(Reported(code)) => code,
    }
}

fn delegate(args: DelegateArgs) -> Result<u8, Reported> {
    if args.net.get() == Network::Naga {
        return super::delegate_naga::delegate_payment(args);
    }
    if args.max_price.is_some() {
        return Err(Reported(usage_error(
            "--max-price is a Naga payment delegation, but --network is datil; pass `--network naga`, or delegate capacity credits with --capacity-token-id",
        )));
    }
    if let Some(grant) = &args.grant {
        return from_grant(&args, grant);
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
    let (issued_at, expiration) = args.times.resolve()?;
    let signer = args.wallet.signer()?;
    let nonce = args
        .nonce
        .resolve(&args.wallet.http(), args.net.get().profile())?;
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
    let end = expiration.unwrap_or_else(|| issued_at.add_secs(SDK_DEFAULT_LIFETIME.secs() as i64));
    warn_if_unusable("capacity delegation", issued_at, end, false);
    Ok(print_json(&a.to_value()))
}

/// `delegate FILE --grant NAME`: the delegation the grant describes.
fn from_grant(args: &DelegateArgs, name: &str) -> Result<u8, Reported> {
    let loaded = common::load_policy(&args.files).map_err(Reported)?;
    if loaded.diagnostics.has_errors() {
        return Err(Reported(exit::ERRORS));
    }
    let Some(grant) = loaded.policy.grant(name) else {
        let names: Vec<String> = loaded
            .policy
            .grants
            .iter()
            .map(|g| format!("`{}`", g.name))
            .collect();
        let d = Diagnostic::new(Code::UnknownGrant, format!("there is no grant `{name}`"))
            .help(format!("the grants are {}", names.join(", ")));
        return Err(report_diags(&one(d), &loaded.sources));
    };
    if let Some(d) = litcap::internal::model::signer::delegation_refusal(grant) {
        return Err(report_diags(&one(d), &loaded.sources));
    }
    let allows: Vec<_> = grant
        .allows
        .iter()
        .filter(|a| a.ability == Ability::RateLimitIncreaseAuth)
        .collect();
    let allow = match allows.as_slice() {
        [one_allow] if grant.allows.len() == 1 => *one_allow,
        [_] => {
            return Err(Reported(usage_error(format!(
                "grant `{name}` allows more than `rate-limit-increase-auth`, and a capacity delegation grants only that; move the other allows to a grant of their own"
            ))))
        }
        _ => {
            return Err(Reported(usage_error(format!(
                "grant `{name}` has {} `rate-limit-increase-auth` allows, and `delegate --grant` needs exactly one: `allow rate-limit-increase-auth on \"lit-ratelimitincrease://<token id>\" where {{ delegate_to: [...], uses: \"N\" }}`",
                allows.len()
            ))))
        }
    };
    let (issued_at, expiration) = args.times.resolve()?;
    let limit = grant.max_ttl.min(Ttl::NODE_MAX);
    let expiration = match expiration {
        Some(e) => e,
        None => issued_at.add_secs(limit.min(SDK_DEFAULT_LIFETIME).secs() as i64),
    };
    let lifetime_ms = expiration.millis_since(&issued_at);
    if lifetime_ms > (limit.secs() as i64).saturating_mul(1000) {
        let mut d = Diagnostic::new(
            Code::LifetimeTooLong,
            format!(
                "the capacity delegation would live {}, longer than grant `{name}` allows (`max-ttl {limit}`)",
                Ttl((lifetime_ms / 1000).max(0) as u64)
            ),
        )
        .help(format!(
            "pass an `--expiration` at most {limit} after `--issued-at` (`{issued_at}`)"
        ));
        if let Some(s) = grant.max_ttl_span.or(Some(grant.name_span)) {
            d = d.at(s, "the limit");
        }
        return Err(report_diags(&one(d), &loaded.sources));
    }
    let signer = args.wallet.signer()?;
    let nonce = args
        .nonce
        .resolve(&args.wallet.http(), args.net.get().profile())?;
    let params = CapacityDelegationParams {
        nonce,
        issued_at,
        expiration: Some(expiration),
        ..Default::default()
    };
    let a = create_grant_delegation_auth_sig(
        signer.as_ref(),
        allow.to_request(),
        Some(
            grant
                .domain
                .as_ref()
                .map(|d| d.value.clone())
                .unwrap_or_else(|| "localhost".into()),
        ),
        grant.statement.as_ref().map(|s| s.value.clone()),
        grant.chain_id,
        &params,
    )
    .map_err(|e| report(&e))?;
    warn_if_unusable("capacity delegation", issued_at, expiration, false);
    Ok(print_json(&a.to_value()))
}
