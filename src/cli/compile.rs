//! `litcap compile FILE... --session NAME [--format json|human] [SIWE inputs]`

use super::common::{self, print_json, print_stdout, usage_error, usage_error_help};
use litcap::diag::exit;
use litcap::internal::compile::{self, CompileError, SiweInputs};
use litcap::internal::wire::compile_naga;
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
    /// Wallet address that signs the AuthSig; with `--session-key` (or `--uri` for
    /// `erc5573`) and `--nonce` (and optionally `--issued-at`, `--expiration`) prints
    /// `siweMessage`, the text the wallet signs.
    #[arg(long, requires = "nonce")]
    pub address: Option<String>,
    /// Session public key (64 hex digits); the SIWE URI becomes `lit:session:<key>`.
    #[arg(long, requires = "address", conflicts_with = "uri")]
    pub session_key: Option<String>,
    /// `erc5573`: the SIWE `URI`, the party the wallet authorises (e.g. `did:key:…`).
    #[arg(long, requires = "address", value_name = "URI")]
    pub uri: Option<String>,
    /// SIWE nonce (the SDK uses the latest blockhash).
    #[arg(long, requires = "address")]
    pub nonce: Option<String>,
    /// With `--address`: the SIWE `Issued At` (default now, as `authsig`) and `Expiration
    /// Time` (default issued-at plus the session's ttl).
    #[command(flatten)]
    pub times: super::common::args::TimeArgs,
    #[command(flatten)]
    pub net: super::network::NetworkArg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Json,
    Human,
}

pub fn run(args: CompileArgs) -> u8 {
    // Only the session's and its grant's blocks are parsed and checked (see
    // `load_for_session`); everything when that is not possible.
    let requested = args.net.network.map(super::network::Network::profile);
    let mut loaded = match litcap::internal::load::read_inputs(&args.files) {
        Ok(inputs) => {
            litcap::internal::load::load_for_session_for(inputs, &args.session, requested)
        }
        Err(e) => return usage_error(e),
    };
    let profile = match super::network::for_policy(args.net.network, &loaded.policy) {
        Ok(p) => p,
        Err(code) => return code,
    };
    loaded.diagnostics.apply_suppressions(&loaded.sources);
    common::print_human(&loaded.diagnostics, &loaded.sources);
    if loaded.diagnostics.has_errors() {
        return exit::ERRORS;
    }
    if !profile.is_lit() {
        return super::compile_erc5573::compile_erc5573(&args, &loaded);
    }
    if args.uri.is_some() {
        return usage_error_help(
            "`--uri` is for `erc5573`; a Lit AuthSig's URI is `lit:session:<session key>`",
            "pass `--session-key HEX` instead",
        );
    }
    if args.address.is_some() && args.session_key.is_none() {
        return usage_error_help(
            "`--address` needs `--session-key`",
            "the SIWE URI of a Lit AuthSig names the session key: pass `--session-key HEX`",
        );
    }
    let inputs = match siwe_inputs(&args) {
        Ok(i) => i,
        Err(code) => return code,
    };
    let mut compiled = match compile::compile(&loaded.policy, &args.session, inputs.as_ref()) {
        Ok(c) => c,
        Err(CompileError::Usage(m)) => return usage_error(m),
        Err(CompileError::Policy(d)) => {
            common::print_human(&d, &loaded.sources);
            return exit::ERRORS;
        }
    };
    if profile.name != litcap::internal::profile::DATIL.name {
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

fn siwe_inputs(args: &CompileArgs) -> Result<Option<SiweInputs>, u8> {
    let Some(address) = &args.address else {
        if !args.times.is_empty() {
            return Err(usage_error(
                "--issued-at and --expiration are the SIWE message's; pass them with --address, --session-key and --nonce",
            ));
        }
        return Ok(None);
    };
    let (issued_at, expiration) = args.times.resolve().map_err(|r| r.0)?;
    Ok(Some(SiweInputs {
        address: address.clone(),
        session_key: args.session_key.clone().unwrap_or_default(),
        nonce: args.nonce.clone().unwrap_or_default(),
        issued_at,
        expiration,
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
    if let Some(p) = &c.pkp {
        s.push_str(&format!(
            "\nPKP session: `{}` for the PKP {}",
            p.function(),
            p.pkp_eth_address
        ));
        match p.lit_action_ipfs_ids.as_slice() {
            [] => s.push('\n'),
            [one] => s.push_str(&format!(", litActionIpfsId {one}\n")),
            many => s.push_str(&format!(", litActionIpfsId one of {}\n", many.join(", "))),
        }
    }
    if let Some(m) = &c.siwe {
        s.push_str("\nSIWE message:\n");
        s.push_str(&m.to_message());
        s.push('\n');
    }
    s
}
