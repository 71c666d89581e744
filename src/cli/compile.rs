//! `litcap compile FILE... --session NAME [--format json|human] [SIWE inputs]`

use super::common::{self, print_json, print_stdout, usage_error, usage_error_help};
use litcap::diag::exit;
use litcap::internal::compile::{self, CompileError, SiweInputs};
use litcap::internal::wire::compile_naga;
use litcap::Timestamp;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct CompileArgs {
    /// Policy files (`.litcap`, `.litcap.yaml`, `.litcap.json`), compiled together.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The session to compile.
    #[arg(long)]
    pub session: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    pub format: OutputFormat,
    /// Wallet address that signs the AuthSig; with `--session-key` and `--nonce` (and
    /// optionally `--issued-at`, `--expiration`) prints `siweMessage`, the text the wallet signs.
    #[arg(long, requires_all = ["session_key", "nonce"])]
    pub address: Option<String>,
    /// Session public key (64 hex digits); the SIWE URI becomes `lit:session:<key>`.
    #[arg(long, requires = "address")]
    pub session_key: Option<String>,
    /// SIWE nonce (the SDK uses the latest blockhash).
    #[arg(long, requires = "address")]
    pub nonce: Option<String>,
    /// SIWE `Issued At` (RFC 3339; default now, as `authsig`).
    #[arg(long, requires = "address")]
    pub issued_at: Option<String>,
    /// SIWE `Expiration Time` (RFC 3339; default: issued-at plus the session's ttl).
    #[arg(long, requires = "address")]
    pub expiration: Option<String>,
    /// The network: `naga` writes the SDK v8 forms (requests with `resourcePrefix` first,
    /// empty default statement, domain without path) and refuses Datil-only capabilities.
    #[arg(long, value_enum, default_value = "datil")]
    pub network: super::network::Network,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Json,
    Human,
}

pub fn run(args: CompileArgs) -> u8 {
    // Only the session's and its grant's blocks are parsed and checked (see
    // `load_for_session`); everything when that is not possible.
    let mut loaded = match litcap::internal::load::read_inputs(&args.files) {
        Ok(inputs) => litcap::internal::load::load_for_session(inputs, &args.session),
        Err(e) => return usage_error(e),
    };
    loaded.diagnostics.apply_suppressions(&loaded.sources);
    common::print_human(&loaded.diagnostics, &loaded.sources);
    if loaded.diagnostics.has_errors() {
        return exit::ERRORS;
    }
    let inputs = match siwe_inputs(&args) {
        Ok(i) => i,
        Err(e) => return usage_error(e),
    };
    let mut compiled = match compile::compile(&loaded.policy, &args.session, inputs.as_ref()) {
        Ok(c) => c,
        Err(CompileError::Usage(m)) => return usage_error(m),
        Err(CompileError::Policy(d)) => {
            common::print_human(&d, &loaded.sources);
            return exit::ERRORS;
        }
    };
    if args.network != super::network::Network::Datil {
        let profile = args.network.profile();
        let Some(session) = loaded.policy.session(&args.session) else {
            return usage_error(format!("there is no session `{}`", args.session));
        };
        if let Some(o) = compile_naga::outside_vocabulary(&loaded.policy, session, profile)
            .into_iter()
            .next()
        {
            return usage_error_help(o.message(profile), o.help());
        }
        compile_naga::to_naga(&mut compiled, &loaded.policy, session);
    }
    match args.format {
        OutputFormat::Json => print_json(&compiled.to_json()),
        OutputFormat::Human => print_stdout(&human(&compiled)),
    }
}

/// A time flag that is not an RFC 3339 date-time.
#[derive(Debug, thiserror::Error)]
#[error("--{flag}: {error}")]
struct TimeFlagError {
    flag: &'static str,
    error: litcap::TimeError,
}

fn siwe_inputs(args: &CompileArgs) -> Result<Option<SiweInputs>, TimeFlagError> {
    let Some(address) = &args.address else {
        return Ok(None);
    };
    let time = |flag: &'static str, v: &Option<String>| {
        v.as_deref()
            .map(|s| Timestamp::parse_rfc3339(s).map_err(|error| TimeFlagError { flag, error }))
            .transpose()
    };
    Ok(Some(SiweInputs {
        address: address.clone(),
        session_key: args.session_key.clone().unwrap_or_default(),
        nonce: args.nonce.clone().unwrap_or_default(),
        issued_at: time("issued-at", &args.issued_at)?.unwrap_or_else(Timestamp::now),
        expiration: time("expiration", &args.expiration)?,
    }))
}

fn human(c: &compile::Compiled) -> String {
    let mut s = format!(
        "session `{}` (grant `{}`)\n\nrequests:\n",
        c.session, c.grant
    );
    for r in &c.resource_ability_requests {
        s.push_str(&format!(
            "  {} on {}://{}\n",
            r["ability"].as_str().unwrap_or_default(),
            r["resource"]["resourcePrefix"].as_str().unwrap_or_default(),
            r["resource"]["resource"].as_str().unwrap_or_default()
        ));
    }
    s.push_str("\ngrant (ReCap):\n");
    for (key, abilities) in c.recap.attenuations() {
        for (ability, nbs) in abilities {
            let nb: Vec<String> = nbs
                .iter()
                .filter(|n| !n.is_empty())
                .map(|n| {
                    litcap::internal::json::canonicalize(&serde_json::Value::Object(n.clone()))
                })
                .collect();
            s.push_str(&format!("  {} on {key}", ability.0));
            if !nb.is_empty() {
                s.push_str(&format!(" where {}", nb.join(", ")));
            }
            s.push('\n');
        }
    }
    if let Some(urn) = &c.recap_urn {
        s.push_str(&format!("\nresource: {urn}\n"));
    }
    s.push_str(&format!("\nstatement: {}\n", c.statement));
    if let Some(m) = &c.siwe {
        s.push_str("\nSIWE message:\n");
        s.push_str(&m.to_message());
        s.push('\n');
    }
    s
}
