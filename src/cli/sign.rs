//! `litcap sign FILE... --session NAME (--wallet-key FILE | --wallet-key-env VAR |
//! --signer-url URL --address 0x.. | --authsig FILE) (--session-key-seed HEX | --store DIR)
//! --node URL... [--nonce N | --handshake URL] [--issued-at T] [--expiration T]
//! [--capacity-delegation FILE]`
//!
//! Also the pieces `authsig` and `delegate` share: wallet options, nonce options, error output.

use super::common::{self, print_json, usage_error};
use litcap::diag::{exit, Code, Diagnostic, Diagnostics, Sources};
use litcap::internal::compile::{self, CompileError, SiweInputs};
use litcap::internal::eth::Address;
use litcap::internal::sign::check::{check_auth_sig, problem_lines, Expectations, Problem};
use litcap::internal::sign::flow::{self, StoredAuthSig};
#[cfg(feature = "net")]
use litcap::internal::sign::handshake;
use litcap::internal::sign::http::HttpConfig;
#[cfg(feature = "net")]
use litcap::internal::sign::remote::RemoteSigner;
use litcap::internal::sign::store::{KeyStore, WALLET_SIG};
use litcap::AuthSig;
use litcap::CapabilityRequest;
use litcap::{Grant, Policy, Session};
use litcap::{LocalWallet, SessionKey, SignError, WalletSigner};
use litcap::{Timestamp, Ttl};
use std::path::{Path, PathBuf};
use std::time::Duration;

// ------------------------------------------------------------------ shared --

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

impl SeedArgs {
    /// The session key, if a seed was given (warnings printed).
    pub fn load(&self) -> Result<Option<SessionKey>, Reported> {
        if let Some(path) = &self.session_key_seed_file {
            let (key, warning) = SessionKey::from_seed_file(path).map_err(|e| report(&e.into()))?;
            if let Some(w) = warning {
                common::print_warning(format!("{w}"));
            }
            return Ok(Some(key));
        }
        if let Some(var) = &self.session_key_seed_env {
            return SessionKey::from_seed_env(var)
                .map(Some)
                .map_err(|e| report(&e.into()));
        }
        if let Some(seed) = &self.session_key_seed {
            common::print_warning("`--session-key-seed` puts the session key's secret seed on the command line, where `ps` and shell history show it; pass `--session-key-seed-file FILE` or `--session-key-seed-env VAR` instead");
            return SessionKey::from_seed_hex(seed)
                .map(Some)
                .map_err(|e| report(&e.into()));
        }
        Ok(None)
    }
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

/// Usage errors of a build without the `net` cargo feature (no network stack).
#[cfg(not(feature = "net"))]
const NO_NET_SIGNER: &str = "`--signer-url` needs network support, and this litcap was built without it (cargo feature `net`): use `--wallet-key FILE` or `--wallet-key-env VAR`, or rebuild with default features";
#[cfg(not(feature = "net"))]
const NO_NET_HANDSHAKE: &str = "`--handshake` needs network support, and this litcap was built without it (cargo feature `net`): pass `--nonce <latest blockhash>`, or rebuild with default features";

/// A failure already reported on stderr, carrying the exit code.
pub struct Reported(pub u8);

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
                common::print_warning(w);
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

impl NonceArgs {
    /// The nonce, fetching it from a node if asked to.
    #[cfg_attr(not(feature = "net"), allow(unused_variables))] // `http`
    pub fn resolve(&self, http: &HttpConfig) -> Result<String, Reported> {
        if let Some(n) = &self.nonce {
            litcap::internal::sign::authsig::check_nonce(n).map_err(|e| report(&e))?;
            return Ok(n.clone());
        }
        #[cfg(not(feature = "net"))]
        if self.handshake.is_some() {
            return Err(Reported(usage_error(NO_NET_HANDSHAKE)));
        }
        #[cfg(feature = "net")]
        if let Some(url) = &self.handshake {
            let hash =
                handshake::latest_blockhash(url, http).map_err(|e| report(&SignError::from(e)))?;
            common::print_note(format!("nonce `{hash}` from the handshake with `{url}`"));
            return Ok(hash);
        }
        Err(Reported(usage_error(
            "a new signature needs a SIWE nonce: pass `--nonce <latest blockhash>` or `--handshake <lit node url>`",
        )))
    }
}

/// Prints an error with its code and help, like every diagnostic; returns its exit code.
pub fn report(e: &SignError) -> Reported {
    common::print_error(e);
    Reported(e.exit_code())
}

/// Prints diagnostics; returns exit code 1.
pub fn report_diags(diags: &Diagnostics, sources: &Sources) -> Reported {
    common::print_human(diags, sources);
    Reported(exit::ERRORS)
}

pub fn one(d: Diagnostic) -> Diagnostics {
    let mut diags = Diagnostics::new();
    diags.push(d);
    diags
}

/// `--issued-at` (default now) and `--expiration`.
pub fn times(
    issued_at: &Option<String>,
    expiration: &Option<String>,
) -> Result<(Timestamp, Option<Timestamp>), Reported> {
    let parse = |flag: &str, v: &str| {
        Timestamp::parse_rfc3339(v).map_err(|e| Reported(usage_error(format!("--{flag}: {e}"))))
    };
    let issued = match issued_at {
        Some(v) => parse("issued-at", v)?,
        None => Timestamp::now(),
    };
    let exp = expiration
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

/// Warns when the output is dead on arrival: already expired (e.g. `--issued-at 2020-…`), or,
/// for SessionSigs (`session` true), issued more than the nodes' 60 s grace in the future
/// (lit-peer `auth/session_sigs.rs` `validate_session_sig_time_parameters`; an AuthSig's
/// `Issued At` is not checked by the node's siwe-rs `verify`, only its expiration).
pub fn warn_if_unusable(what: &str, issued_at: Timestamp, expiration: Timestamp, session: bool) {
    let now = Timestamp::now();
    if expiration.millis_since(&now) <= 0 {
        common::print_warning(format!("the {what} expired at `{expiration}`, before now: every node will refuse it; leave out `--issued-at` (it defaults to now) or pass a later `--issued-at`/`--expiration`"));
    } else if session && issued_at.millis_since(&now) > 60_000 {
        common::print_warning(format!("the {what} is issued at `{issued_at}`, more than 60 s after now: the nodes refuse it until then (`NodeIatOutsideGracePeriod`)"));
    }
}

/// The loaded policy and its session (unknown sessions and policy errors are reported).
pub struct Target {
    pub sources: Sources,
    pub policy: Policy,
    pub session: usize,
}

impl Target {
    pub fn load(files: &[PathBuf], session: &str) -> Result<Target, Reported> {
        let loaded = common::load_policy(files).map_err(Reported)?;
        if loaded.diagnostics.has_errors() {
            return Err(Reported(exit::ERRORS));
        }
        let Some(index) = loaded
            .policy
            .sessions
            .iter()
            .position(|s| s.name == session)
        else {
            let d = match compile::find_session(&loaded.policy, session) {
                Err(d) => *d,
                Ok(_) => Diagnostic::new(
                    Code::UnknownSession,
                    format!("there is no session `{session}`"),
                ),
            };
            return Err(report_diags(&one(d), &loaded.sources));
        };
        Ok(Target {
            sources: loaded.sources,
            policy: loaded.policy,
            session: index,
        })
    }

    pub fn session(&self) -> &Session {
        &self.policy.sessions[self.session]
    }

    pub fn grant(&self) -> &Grant {
        self.policy.grant_of(self.session())
    }

    /// The session's requests, in the SDK's request form.
    pub fn requests(&self) -> Vec<CapabilityRequest> {
        self.session()
            .requests
            .iter()
            .map(|c| c.to_request())
            .collect()
    }

    /// Refuses a lifetime over `limit` (a `lifetime-too-long` diagnostic at `span`).
    pub fn check_lifetime(
        &self,
        what: &str,
        issued: Timestamp,
        expiration: Timestamp,
        limit: Ttl,
        limit_name: String,
        span: Option<litcap::diag::Span>,
    ) -> Result<(), Reported> {
        let Some((lifetime, limit)) = flow::lifetime_over(issued, expiration, limit) else {
            return Ok(());
        };
        let limit_name = if limit == Ttl::NODE_MAX && !limit_name.contains("max-ttl") {
            "the nodes' 30-day limit".to_string()
        } else {
            limit_name
        };
        let mut d = Diagnostic::new(
            Code::LifetimeTooLong,
            format!("the {what} would live {lifetime}, longer than {limit_name} allows ({limit})"),
        )
        .help(format!(
            "pass an `--expiration` at most {limit} after `--issued-at` (`{issued}`)"
        ));
        if let Some(s) = span {
            d = d.at(s, "the limit");
        }
        Err(report_diags(&one(d), &self.sources))
    }

    /// Refuses a session (or its grant) with capabilities outside the profile's vocabulary,
    /// naming the replacement (`litcap::internal::wire::compile_naga::outside_vocabulary`).
    pub fn check_vocabulary(&self, profile: &litcap::Profile) -> Result<(), Reported> {
        match litcap::internal::wire::compile_naga::outside_vocabulary(
            &self.policy,
            self.session(),
            profile,
        )
        .into_iter()
        .next()
        {
            Some(o) => Err(Reported(common::usage_error_help(
                o.message(profile),
                o.help(),
            ))),
            None => Ok(()),
        }
    }

    /// Signs a fresh AuthSig for the session key with the grant's recap and SIWE fields; `naga`
    /// writes the SIWE as SDK v8 does (`litcap::internal::wire::compile_naga::to_naga`).
    pub fn new_auth_sig_in(
        &self,
        signer: &dyn WalletSigner,
        session_key: &str,
        nonce: String,
        issued_at: Timestamp,
        expiration: Timestamp,
        naga: bool,
    ) -> Result<AuthSig, Reported> {
        let inputs = SiweInputs {
            address: signer.address().to_checksum(),
            session_key: session_key.to_string(),
            nonce,
            issued_at,
            expiration: Some(expiration),
        };
        let mut compiled = compile::compile(&self.policy, &self.session().name, Some(&inputs))
            .map_err(|e| match e {
                CompileError::Usage(m) => Reported(usage_error(m)),
                CompileError::Policy(d) => report_diags(&d, &self.sources),
            })?;
        if naga {
            litcap::internal::wire::compile_naga::to_naga(
                &mut compiled,
                &self.policy,
                self.session(),
            );
        }
        let Some(siwe) = compiled.siwe else {
            return Err(Reported(usage_error("no SIWE message was compiled")));
        };
        // The model proves coverage; check the compiled recap once more before signing.
        let mut diags = Diagnostics::new();
        for r in &self.session().requests {
            if !litcap::internal::coverage::check(&compiled.recap, &r.resource, r.ability)
                .is_covered()
            {
                diags.push(
                    Diagnostic::new(
                        Code::NotCovered,
                        format!(
                            "session `{}` requests `{}`, which grant `{}` does not give",
                            self.session().name,
                            r.describe(),
                            self.grant().name
                        ),
                    )
                    .at(r.span, "not covered"),
                );
            }
        }
        if !diags.is_empty() {
            return Err(report_diags(&diags, &self.sources));
        }
        litcap::sign_message(signer, siwe.to_message()).map_err(|e| report(&SignError::from(e)))
    }

    /// What an AuthSig for this session must satisfy.
    pub fn expectations<'a>(
        &'a self,
        uri: &'a str,
        wallet: Option<Address>,
        requests: &'a [CapabilityRequest],
        grant_recap: &'a litcap::Recap,
        now: Timestamp,
        session_expiration: Timestamp,
    ) -> Expectations<'a> {
        let grant = self.grant();
        Expectations {
            uri,
            wallet,
            requests,
            now,
            session_expiration: Some(session_expiration),
            grant: Some(grant_recap),
            max_lifetime: Some(grant.max_ttl),
            domain: Some(
                grant
                    .domain
                    .as_ref()
                    .map(|d| d.value.as_str())
                    .unwrap_or("localhost"),
            ),
            chain_id: Some(grant.chain_id),
        }
    }
}

/// Problems of an AuthSig as diagnostics about `file`.
pub fn problem_diags(what: &str, file: &str, problems: &[Problem]) -> Diagnostics {
    problem_lines(problems)
        .into_iter()
        .map(|(code, sentence)| {
            Diagnostic::new(code, format!("{what} cannot be used: {sentence}"))
                .in_file(file.to_string())
        })
        .collect()
}

/// An AuthSig issued for the session key's seed instead of its public key (what `authsig
/// --session-key <seed>` made): said so, without printing the seed. Any other URI mismatch
/// gets the session key's public key in its help (see [`key_help`]).
fn redact_seed_uri(problems: &mut [Problem], key: &SessionKey) {
    for p in problems.iter_mut() {
        if let litcap::internal::fit::Finding::UriMismatch { found, .. } = p {
            let named = found
                .strip_prefix(litcap::internal::siwe::SESSION_KEY_URI_PREFIX)
                .unwrap_or_default();
            if key.is_seed_hex(named) {
                *found = format!(
                    "{}<the session key's secret seed> (the seed was given where the public key belongs)",
                    litcap::internal::siwe::SESSION_KEY_URI_PREFIX
                );
            }
        }
    }
}

/// The `session-key-mismatch` help: the public key an AuthSig must name.
fn key_help(mut diags: Diagnostics, key: &SessionKey) -> Diagnostics {
    for d in diags.0.iter_mut() {
        if d.code == Code::SessionKeyMismatch && d.help.is_none() {
            let k = key.public_key_hex();
            d.help = Some(format!(
                "the session key's public key is `{k}`: sign an AuthSig for it with `litcap authsig ... --session-key {k}`, or give `authsig` the same `--session-key-seed-file`/`--session-key-seed-env` as `sign`"
            ));
        }
    }
    diags
}

/// Reads an AuthSig JSON file: unreadable is exit 2, not an AuthSig is an `invalid-json` error.
pub fn read_auth_sig(path: &Path, what: &str) -> Result<AuthSig, Reported> {
    let shown = path.display().to_string();
    let text = super::common::read_text(path).map_err(Reported)?;
    let parsed = serde_json::from_str::<serde_json::Value>(&text.text)
        .map_err(|e| e.to_string())
        .and_then(|v| AuthSig::from_value(&v).map_err(|e| e.to_string()));
    parsed.map_err(|e| {
        report_diags(
            &one(Diagnostic::new(
                Code::InvalidJson,
                format!("{what} `{shown}` is not an AuthSig: {e}"),
            )
            .in_file(shown.clone())
            .help("an AuthSig is a JSON object `{sig, derivedVia, signedMessage, address}`")),
            &Sources::new(),
        )
    })
}

// -------------------------------------------------------------------- sign --

/// Stores a session key this run generated (the store is locked).
fn store_new_key(store: &mut KeyStore, key: &SessionKey, new_key: bool) -> Result<(), Reported> {
    if !new_key {
        return Ok(());
    }
    store.put_session_key(key).map_err(|e| report(&e.into()))?;
    common::print_note(format!(
        "stored a new session key `{}` in `{}`",
        key.public_key_hex(),
        store.dir().display()
    ));
    Ok(())
}

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
    #[command(flatten)]
    pub seed: SeedArgs,
    /// A key store shared with the SDK's `new LocalStorage(DIR)`: reuses its session key and
    /// an AuthSig that still fits; replaces an AuthSig that does not (a new one lives as long
    /// as the grant's `max-ttl` allows, so that later sessions can reuse it).
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// Seconds to wait for another process that holds the `--store` lock (exit 6 after that).
    #[arg(long, value_name = "SECS", default_value_t = 120, requires = "store")]
    pub store_wait: u64,
    /// Lit node URL to sign for (repeat for each node).
    #[arg(long = "node", value_name = "URL", required = true)]
    pub nodes: Vec<String>,
    #[command(flatten)]
    pub nonce: NonceArgs,
    /// Session `issuedAt` (RFC 3339; default now).
    #[arg(long, value_name = "RFC3339")]
    pub issued_at: Option<String>,
    /// Session expiration (RFC 3339; default issued-at plus the session's `ttl`).
    #[arg(long, value_name = "RFC3339")]
    pub expiration: Option<String>,
    /// A capacity delegation AuthSig (from `litcap delegate`), put before the AuthSig.
    #[arg(long, value_name = "FILE")]
    pub capacity_delegation: Option<PathBuf>,
    /// The network: `naga` signs the SDK v8 payload (with `maxPrice`).
    #[arg(long, value_enum, default_value = "datil")]
    pub network: super::network::Network,
    /// Naga: each node's `maxPrice` in wei, `WEI` for every node or `URL=WEI` per node
    /// (repeat).
    #[arg(long = "max-price", value_name = "[URL=]WEI")]
    pub max_prices: Vec<String>,
    /// Naga: a payment delegation AuthSig (from `litcap delegate --network naga`), put
    /// before the AuthSig (`capabilityAuthSigs`).
    #[arg(long, value_name = "FILE")]
    pub payment_delegation: Option<PathBuf>,
}

pub fn run(args: SignArgs) -> u8 {
    match sign(args) {
        Ok(code) => code,
        Err(Reported(code)) => code,
    }
}

/// The flags that belong to the other network, refused with the replacement named.
fn check_network_flags(args: &SignArgs) -> Result<(), Reported> {
    use super::network::Network;
    let refuse = |m: &str| Err(Reported(usage_error(m)));
    match args.network {
        Network::Datil => {
            if !args.max_prices.is_empty() {
                return refuse("--max-price is part of the Naga payload; pass `--network naga` (Datil's payload has no `maxPrice`)");
            }
            if args.payment_delegation.is_some() {
                return refuse("--payment-delegation is a Naga capability; pass `--network naga`, or use --capacity-delegation on Datil");
            }
        }
        Network::Naga => {
            if args.capacity_delegation.is_some() {
                return refuse("--capacity-delegation is Datil's; Naga has no capacity credits: pass a payment delegation with --payment-delegation FILE (from `litcap delegate --network naga`)");
            }
            if args.store.is_some() {
                return refuse("--store keeps the SDK v7 layout; the v8 storage plugin's layout is not supported yet: pass the seed with --session-key-seed-file FILE or --session-key-seed-env VAR with --network naga");
            }
            if args.max_prices.is_empty() {
                return refuse("--network naga needs --max-price WEI (or one --max-price URL=WEI per node): every Naga payload carries the node's `maxPrice`");
            }
        }
    }
    Ok(())
}

/// `--max-price`: one `WEI` for every node, or `URL=WEI` for each node.
/// `nodes` are the `--node` URLs as signed for (see `node_url`); a `URL=WEI` names its node as
/// given or in that form.
fn node_prices(args: &SignArgs, nodes: &[String]) -> Result<Vec<(String, u128)>, Reported> {
    use litcap::internal::wire::naga::parse_price;
    let bad = |v: &str, e: litcap::internal::wire::naga::PriceError| {
        Reported(usage_error(format!("--max-price `{v}`: {e}")))
    };
    if let [one] = args.max_prices.as_slice() {
        if !one.contains('=') {
            let p = parse_price(one).map_err(|e| bad(one, e))?;
            return Ok(nodes.iter().map(|u| (u.clone(), p)).collect());
        }
    }
    let mut per: Vec<(String, u128)> = Vec::new();
    for v in &args.max_prices {
        let Some((url, wei)) = v.rsplit_once('=') else {
            return Err(Reported(usage_error(format!(
                "--max-price `{v}`: with several values, write each as `URL=WEI`"
            ))));
        };
        per.push((url.to_string(), parse_price(wei).map_err(|e| bad(v, e))?));
    }
    args.nodes
        .iter()
        .zip(nodes)
        .map(|(given, u)| {
            per.iter()
                .find(|(url, _)| {
                    url == given
                        || litcap::internal::sign::http::node_url(url).is_ok_and(|(n, _)| &n == u)
                })
                .map(|(_, p)| (u.clone(), *p))
                .ok_or_else(|| {
                    Reported(usage_error(format!(
                        "--node `{given}` has no --max-price; add `--max-price {u}=WEI`"
                    )))
                })
        })
        .collect()
}

fn sign(args: SignArgs) -> Result<u8, Reported> {
    check_network_flags(&args)?;
    let target = Target::load(&args.files, &args.session)?;
    let session = target.session();
    let grant = target.grant();
    let (issued_at, explicit_expiration) = times(&args.issued_at, &args.expiration)?;
    let mut expiration =
        explicit_expiration.unwrap_or_else(|| issued_at.add_secs(session.ttl.secs() as i64));
    target.check_lifetime(
        "session",
        issued_at,
        expiration,
        session.ttl,
        format!("session `{}` (`ttl {}`)", session.name, session.ttl),
        session.ttl_span.or(Some(session.name_span)),
    )?;
    // Node URLs as the SDK writes them and the nodes compare them (see `node_url`).
    let mut nodes: Vec<String> = Vec::with_capacity(args.nodes.len());
    for url in &args.nodes {
        litcap::internal::sign::http::check_url(url)
            .map_err(|e| Reported(common::node_url_error(url, e)))?;
        let (node, changed) = litcap::internal::sign::http::node_url(url)
            .map_err(|e| Reported(usage_error(format!("--node: {e}"))))?;
        if changed {
            common::print_note(format!("signing for `--node {url}` as `{node}`: a node compares the signed `nodeAddress` with its own `host:port`, and would refuse the trailing `/`"));
        }
        if nodes.contains(&node) {
            return Err(Reported(usage_error(format!(
                "--node `{url}` names the node `{node}` a second time"
            ))));
        }
        nodes.push(node);
    }
    let prices = match args.network {
        super::network::Network::Naga => Some(node_prices(&args, &nodes)?),
        super::network::Network::Datil => None,
    };

    // The session key. A store is locked from here until the process ends, so that reading
    // the key, choosing or signing the AuthSig, and writing both is one step for concurrent
    // `litcap sign` runs: a key or AuthSig another process stored while this one waited is
    // used, not replaced.
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
    // A new key is stored only with its AuthSig, once both exist (nothing is written to the
    // store on a failure path).
    let (session_key, new_key) = match (args.seed.load()?, store.as_mut()) {
        (Some(key), _) => (key, false),
        (None, Some(s)) => match s.session_key().map_err(|e| report(&e.into()))? {
            Some(k) => (k, false),
            None => (SessionKey::generate().map_err(|e| report(&e.into()))?, true),
        },
        (None, None) => return Err(Reported(usage_error(
            "pass `--session-key-seed-file FILE`, `--session-key-seed-env VAR` or `--store DIR`",
        ))),
    };
    if let Some(s) = &store {
        for n in s.notices() {
            common::print_warning(n);
        }
    }
    let uri = session_key.uri();
    let requests = target.requests();
    if prices.is_some() {
        target.check_vocabulary(args.network.profile())?;
    }
    let grant_recap = grant.recap();

    // The capacity (Datil) or payment (Naga) delegation, if any.
    let (delegation_path, delegation_what) =
        match (&args.capacity_delegation, &args.payment_delegation) {
            (Some(p), _) => (Some(p), "capacity delegation"),
            (None, Some(p)) => (Some(p), "payment delegation"),
            (None, None) => (None, ""),
        };
    let capacity = match delegation_path {
        Some(path) => {
            let a = read_auth_sig(path, delegation_what)?;
            let x = Expectations {
                uri: litcap::internal::siwe::DELEGATION_URI,
                wallet: None,
                requests: &[],
                now: issued_at,
                session_expiration: Some(expiration),
                grant: None,
                max_lifetime: None,
                domain: None,
                chain_id: None,
            };
            if let Err(p) = check_auth_sig(&a, &x) {
                let shown = path.display().to_string();
                return Err(report_diags(
                    &problem_diags(delegation_what, &shown, &p),
                    &target.sources,
                ));
            }
            Some(a)
        }
        None => None,
    };
    if let Some(prices) = &prices {
        // lit-peer `payment_delegation.rs` `validate_delegation_requirements`: a delegation
        // pays only when the session's `maxPrice` is at most its `max_price`.
        if let Some(d) = &capacity {
            match litcap::internal::wire::payment::delegation_max_price(&d.signed_message) {
                None => {
                    return Err(Reported(usage_error(
                        "--payment-delegation grants no payment (no `max_price` under `Auth/Auth` on `lit-paymentdelegation://*`); make one with `litcap delegate --network naga`",
                    )))
                }
                Some(cap) => {
                    if let Some((url, p)) = prices.iter().find(|(_, p)| *p > cap) {
                        return Err(Reported(usage_error(format!(
                            "--max-price {p} for `{url}` exceeds the payment delegation's `max_price` {cap}, so the Naga nodes would not charge the delegator; lower --max-price to at most {cap}"
                        ))));
                    }
                }
            }
        }
    }

    // The AuthSig.
    let auth_sig = if let Some(path) = &args.authsig {
        let a = read_auth_sig(path, "AuthSig")?;
        let (end, shortened) =
            flow::session_end_with(&a, issued_at, expiration, explicit_expiration.is_some());
        if shortened {
            common::print_note(format!("the session expires with the AuthSig, at `{end}`"));
            expiration = end;
        }
        let x = target.expectations(&uri, None, &requests, grant_recap, issued_at, expiration);
        if let Err(mut p) = check_auth_sig(&a, &x) {
            redact_seed_uri(&mut p, &session_key);
            let shown = path.display().to_string();
            return Err(report_diags(
                &key_help(problem_diags("AuthSig", &shown, &p), &session_key),
                &target.sources,
            ));
        }
        a
    } else {
        let signer = args.wallet.signer()?;
        let x = target.expectations(
            &uri,
            Some(signer.address()),
            &requests,
            grant_recap,
            issued_at,
            expiration,
        );
        let stored = match store.as_mut() {
            Some(s) => s.wallet_sig().map_err(|e| report(&e.into()))?,
            None => None,
        };
        let reusable = match (&stored, store.as_ref()) {
            (Some(a), Some(s)) => match flow::judge_stored(a, &x) {
                StoredAuthSig::Reuse => {
                    common::print_note(format!(
                        "reusing the AuthSig stored in `{}`",
                        s.path_of(WALLET_SIG).display()
                    ));
                    Some(a.clone())
                }
                StoredAuthSig::Replace(problems) => {
                    common::print_note(format!(
                        "replacing the AuthSig stored in `{}`: {}",
                        s.path_of(WALLET_SIG).display(),
                        problem_lines(&problems)
                            .into_iter()
                            .map(|(_, sentence)| sentence)
                            .collect::<Vec<_>>()
                            .join("; ")
                    ));
                    None
                }
                refused @ StoredAuthSig::Refuse { .. } => {
                    let path = s.path_of(WALLET_SIG).display().to_string();
                    if let Some(e) = refused.store_error(path) {
                        return Err(report(&e.into()));
                    }
                    None
                }
            },
            _ => None,
        };
        match reusable {
            Some(a) => a,
            None => {
                let nonce = args.nonce.resolve(&args.wallet.http())?;
                let auth_expiration = flow::new_authsig_expiration(
                    store.is_some(),
                    grant.max_ttl,
                    issued_at,
                    expiration,
                );
                let a = target.new_auth_sig_in(
                    signer.as_ref(),
                    session_key.public_key_hex(),
                    nonce,
                    issued_at,
                    auth_expiration,
                    prices.is_some(),
                )?;
                if let Err(p) = check_auth_sig(&a, &x) {
                    // The compiled AuthSig always fits; this guards the guard.
                    return Err(report_diags(
                        &problem_diags("the new AuthSig", "(generated)", &p),
                        &target.sources,
                    ));
                }
                if let Some(s) = store.as_mut() {
                    store_new_key(s, &session_key, new_key)?;
                    if let Err(e) = s.put_wallet_sig(&a) {
                        if new_key {
                            s.forget_new_session_key(&session_key);
                        }
                        return Err(report(&e.into()));
                    }
                    common::print_note(format!(
                        "stored the new AuthSig in `{}`",
                        s.path_of(WALLET_SIG).display()
                    ));
                }
                a
            }
        }
    };

    // A prepared `--authsig` that fits a new store key (it cannot, unless made for it).
    if let (Some(s), Some(_)) = (store.as_mut(), &args.authsig) {
        store_new_key(s, &session_key, new_key)?;
    }

    warn_if_unusable("SessionSigs", issued_at, expiration, true);

    if let Some(prices) = prices {
        let sigs = litcap::internal::sign::naga::sign_for_nodes(
            &session_key,
            &requests,
            capacity.as_slice(),
            &auth_sig,
            issued_at,
            expiration,
            &prices,
        );
        return Ok(print_json(&sigs.to_value()));
    }
    let sigs = flow::session_sigs(
        &session_key,
        &requests,
        capacity.as_ref(),
        &auth_sig,
        issued_at,
        expiration,
        &nodes,
    );
    Ok(print_json(&sigs.to_value()))
}
