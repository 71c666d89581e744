//! `litcap sign FILE... --session NAME (--wallet-key FILE | --wallet-key-env VAR |
//! --signer-url URL --address 0x.. | --authsig FILE [--network-key HEX]) (--session-key-seed-file FILE | ... |
//! --store DIR) --node URL... [--nonce N | --handshake URL] [--issued-at T] [--expiration T]
//! [--capacity-delegation FILE] [--network naga --max-price [URL=]WEI | --price-feed FILE]`
//!
//! Reads the flags, then hands everything to the library's sign flow
//! ([`litcap::internal::sign::policy_session::sign_session`]), which decides; this file only parses,
//! locks the store and prints.

use super::common::args::{NonceArgs, SeedArgs, TimeArgs, WalletArgs};
use super::common::signing::{
    print_event, read_auth_sig, report, report_flow, warn_if_unusable, Reported, Target,
};
use super::common::{self, print_json, usage_error};
use super::netkey::NetworkKeyArgs;
use super::network::Network;
use super::sign_nodes::{chosen_nodes, node_prices, node_urls};
use litcap::internal::sign::policy_session::{
    sign_session, AuthSource, FlowError, KeySource, Nodes, SignRequest, StoreLayout,
};
use litcap::internal::sign::store::KeyStore;
use litcap::internal::sign::store_v8::V8Layout;
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("wallet_source")
    .required(true)
    .args(["wallet_key", "wallet_key_env", "signer_url", "authsig"])))]
#[command(group(clap::ArgGroup::new("session_key_source")
    .required(true)
    .args(["session_key_seed", "session_key_seed_file", "session_key_seed_env", "store"])))]
pub struct SignArgs {
    /// Policy files, read together.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The session to sign for.
    #[arg(long)]
    pub session: String,
    #[command(flatten)]
    pub wallet: WalletArgs,
    /// A prepared AuthSig (JSON) instead of a wallet; it must fit the session and its grant.
    #[arg(long, value_name = "FILE")]
    pub authsig: Option<PathBuf>,
    /// The Lit network's BLS key (96 hex digits) verifying a `lit.bls` `--authsig` (a PKP
    /// session's); `--handshake URL` takes it from a node instead.
    // `requires = "authsig"` is met by any member of its group (clap 4), hence the conflicts.
    #[arg(long, value_name = "HEX", conflicts_with_all = ["wallet_key", "wallet_key_env", "signer_url"])]
    pub network_key: Option<String>,
    #[command(flatten)]
    pub seed: SeedArgs,
    /// A key store shared with the SDK: `new LocalStorage(DIR)` (v7), or with `--network naga`
    /// `localStorageNode({appName, networkName, storagePath: DIR})` (v8). Reuses its session
    /// key and an AuthSig that still fits; replaces an AuthSig that does not (a new one lives
    /// as long as the grant's `max-ttl` allows, so that later sessions can reuse it).
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// Seconds to wait for another process that holds the `--store` lock (exit 6 after that).
    #[arg(long, value_name = "SECS", default_value_t = 120, requires = "store")]
    pub store_wait: u64,
    /// Naga `--store`: the SDK app's `appName` (entries `lit-auth:<app>:<network>:<address>`;
    /// default `litcap`).
    #[arg(long, value_name = "NAME", requires = "store")]
    pub app_name: Option<String>,
    /// Naga `--store`: the SDK app's `networkName` (default `naga`).
    #[arg(long, value_name = "NAME", requires = "store")]
    pub network_name: Option<String>,
    /// Lit node URL to sign for (repeat for each node). With `--price-feed`: the nodes that
    /// answered the handshake (default every node of the feed).
    #[arg(
        long = "node",
        value_name = "URL",
        required_unless_present = "price_feed"
    )]
    pub nodes: Vec<String>,
    #[command(flatten)]
    pub nonce: NonceArgs,
    #[command(flatten)]
    pub times: TimeArgs,
    /// A capacity delegation AuthSig (from `litcap delegate`), put before the AuthSig.
    #[arg(long, value_name = "FILE")]
    pub capacity_delegation: Option<PathBuf>,
    #[command(flatten)]
    pub net: super::network::NetworkArg,
    /// Naga: each node's `maxPrice` in wei, `WEI` for every node or `URL=WEI` per node
    /// (repeat).
    #[arg(
        long = "max-price",
        value_name = "[URL=]WEI",
        conflicts_with = "price_feed"
    )]
    pub max_prices: Vec<String>,
    /// Naga: choose the nodes as the SDK v8 does from this price feed (JSON `[{"url",
    /// "prices": [DECRYPTION, SIGN, LIT_ACTION, SIGN_SESSION_KEY]}]`): the threshold cheapest
    /// for `--product`, each `maxPrice` its price plus an equal share of what is left of
    /// `--user-max-price`.
    #[arg(long, value_name = "FILE")]
    pub price_feed: Option<PathBuf>,
    /// Naga, with `--price-feed`: the operation's product (`SIGN` for pkpSign, `LIT_ACTION`,
    /// `DECRYPTION`, `SIGN_SESSION_KEY`).
    #[arg(
        long,
        value_name = "NAME",
        default_value = "SIGN",
        requires = "price_feed"
    )]
    pub product: String,
    /// Naga, with `--price-feed`: the most the request may cost in all (wei; default 2^128 − 1).
    #[arg(long, value_name = "WEI", requires = "price_feed")]
    pub user_max_price: Option<String>,
    /// Naga, with `--price-feed`: how many nodes (default the SDK's max(3, 2/3 of the nodes)).
    #[arg(long, value_name = "N", requires = "price_feed")]
    pub threshold: Option<usize>,
    /// Naga: a payment delegation AuthSig (from `litcap delegate --network naga`), put
    /// before the AuthSig (`capabilityAuthSigs`).
    #[arg(long, value_name = "FILE")]
    pub payment_delegation: Option<PathBuf>,
}

pub fn run(args: SignArgs) -> u8 {
    // The policy's `network` line decides; `--network` fills in or must agree.
    let network = match super::network::resolve(args.net.network, &args.files) {
        Ok(n) => n,
        Err(code) => return code,
    };
    if let Err(code) = super::network::lit_only(network, "sign") {
        return code;
    }
    let mut args = args;
    args.net.network = Some(network);
    match sign(args) {
        Ok(code) => code,
        Err(Reported(code)) => code,
    }
}

/// The flags that belong to the other network, refused with the replacement named.
fn check_network_flags(args: &SignArgs) -> Result<(), Reported> {
    let refuse = |m: &str| Err(Reported(usage_error(m)));
    // Checked here, not with clap's `requires`: clap counts `requires = "store"` as met when
    // any other member of `--store`'s argument group is given.
    if (args.app_name.is_some() || args.network_name.is_some()) && args.store.is_none() {
        return refuse("--app-name and --network-name name the entries of a key store: pass them with --store DIR");
    }
    match args.net.get() {
        Network::Datil => {
            if !args.max_prices.is_empty() || args.price_feed.is_some() {
                return refuse("--max-price is part of the Naga payload; pass `--network naga` (Datil's payload has no `maxPrice`)");
            }
            if args.payment_delegation.is_some() {
                return refuse("--payment-delegation is a Naga capability; pass `--network naga`, or use --capacity-delegation on Datil");
            }
            if args.app_name.is_some() || args.network_name.is_some() {
                return refuse("--app-name and --network-name name the entries of the SDK v8 store; with Datil, --store keeps the SDK v7 layout (`lit-session-key`, `lit-wallet-sig`): pass `--network naga` for the v8 one");
            }
        }
        Network::Naga => {
            if args.capacity_delegation.is_some() {
                return refuse("--capacity-delegation is Datil's; Naga has no capacity credits: pass a payment delegation with --payment-delegation FILE (from `litcap delegate --network naga`)");
            }
            if args.max_prices.is_empty() && args.price_feed.is_none() {
                return refuse("--network naga needs --max-price WEI (or one --max-price URL=WEI per node, or --price-feed FILE): every Naga payload carries the node's `maxPrice`");
            }
        }
        // Refused before this point (`network::lit_only`).
        Network::Erc5573 => {}
    }
    Ok(())
}

fn sign(args: SignArgs) -> Result<u8, Reported> {
    check_network_flags(&args)?;
    let target = Target::load(&args.files, &args.session)?;
    if args.authsig.is_none() {
        target.check_wallet_signer()?;
    }
    let (issued_at, explicit_expiration) = args.times.resolve()?;
    // The session's lifetime first, before any file, store or network is touched (the flow
    // checks it again).
    let session = target.session();
    let end = explicit_expiration.unwrap_or_else(|| issued_at.add_secs(session.ttl.secs() as i64));
    target.check_lifetime(
        "session",
        issued_at,
        end,
        session.ttl,
        format!("session `{}` (`ttl {}`)", session.name, session.ttl),
        session.ttl_span().or(Some(session.name_span())),
    )?;
    let given_nodes = node_urls(&args.nodes)?;
    let nodes = match (args.net.get(), &args.price_feed) {
        // ERC-5573 was refused before this point (`network::lit_only`).
        (Network::Datil | Network::Erc5573, _) => Nodes::Datil(given_nodes),
        (Network::Naga, Some(feed)) => Nodes::Naga(chosen_nodes(&args, feed, &given_nodes)?),
        (Network::Naga, None) => Nodes::Naga(node_prices(&args, &given_nodes)?),
    };
    // A store is locked from here until the process ends, so that reading the key, choosing
    // or signing the AuthSig, and writing both is one step for concurrent `litcap sign` runs.
    let mut store = match &args.store {
        Some(dir) => {
            let mut s = KeyStore::open(dir).map_err(|e| report(&e.into()))?;
            let wait = Duration::from_secs(args.store_wait);
            s.lock(wait, || {
                common::print_note(format!(
                    "key store `{}` is in use by another process; waiting up to {} s",
                    dir.display(),
                    wait.as_secs()
                ))
            })
            .map_err(|e| report(&e.into()))?;
            Some(s)
        }
        None => None,
    };
    let layout = match args.net.get() {
        Network::Datil | Network::Erc5573 => StoreLayout::V7,
        Network::Naga => StoreLayout::V8(V8Layout {
            app_name: args.app_name.clone().unwrap_or_else(|| "litcap".into()),
            network_name: args.network_name.clone().unwrap_or_else(|| "naga".into()),
        }),
    };
    let keys = KeySource {
        key: args.seed.load()?,
        store: store.as_mut().map(|s| (s, layout)),
    };
    let delegation = match (&args.capacity_delegation, &args.payment_delegation) {
        (Some(p), _) => Some((read_auth_sig(p, "capacity delegation")?, p)),
        (None, Some(p)) => Some((read_auth_sig(p, "payment delegation")?, p)),
        (None, None) => None,
    }
    .map(|(a, p)| (a, p.display().to_string()));
    let (signer, mut network_key);
    network_key = None;
    let http = args.wallet.http();
    let profile = args.net.get().profile();
    let mut nonce = || args.nonce.fetch(&http, profile);
    let auth = match &args.authsig {
        Some(path) => {
            let auth_sig = read_auth_sig(path, "AuthSig")?;
            let (key, handshake) = (&args.network_key, &args.nonce.handshake);
            network_key = NetworkKeyArgs::for_sign(key, handshake, &http, &auth_sig, profile)?;
            AuthSource::Given {
                auth_sig,
                shown: path.display().to_string(),
            }
        }
        None => {
            signer = args.wallet.signer()?;
            AuthSource::Wallet {
                signer: signer.as_ref(),
                nonce: &mut nonce as &mut dyn FnMut() -> Result<String, FlowError>,
            }
        }
    };
    let request = SignRequest {
        target: target.policy_session(),
        profile,
        issued_at,
        expiration: explicit_expiration,
        nodes,
        delegation,
        auth,
        keys,
        network_key,
    };
    let signed =
        sign_session(request, &mut print_event).map_err(|e| report_flow(e, &target.sources))?;
    warn_if_unusable("SessionSigs", signed.issued_at, signed.expiration, true);
    Ok(print_json(&signed.sigs.to_value()))
}
