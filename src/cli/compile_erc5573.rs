//! `litcap compile` for a plain ERC-5573 relying party (`--network erc5573`, or a policy that
//! says `network "erc5573"`): its own inputs (`--uri` names the relying party) and its human
//! output.

use super::common::{self, print_json, print_stdout, usage_error, usage_error_help};
use super::compile::{CompileArgs, OutputFormat};
use litcap::diag::exit;
use litcap::internal::compile::CompileError;
use litcap::Timestamp;

/// A time flag that is not an RFC 3339 date-time.
#[derive(Debug, thiserror::Error)]
#[error("--{flag}: {error}")]
struct TimeFlagError {
    flag: &'static str,
    error: litcap::TimeError,
}

/// `compile` for a plain ERC-5573 relying party (`litcap::internal::wire::erc5573`).
pub(super) fn compile_erc5573(args: &CompileArgs, loaded: &litcap::internal::load::Loaded) -> u8 {
    use litcap::internal::wire::erc5573;
    if args.session_key.is_some() {
        return usage_error_help(
            "`--session-key` names a Lit session key; an ERC-5573 message names its relying party",
            "pass `--uri URI` (e.g. `did:key:…` or `https://…`) instead",
        );
    }
    let time = |flag: &'static str, v: &Option<String>| {
        v.as_deref()
            .map(|s| Timestamp::parse_rfc3339(s).map_err(|error| TimeFlagError { flag, error }))
            .transpose()
    };
    let inputs = match (&args.address, &args.uri) {
        (None, _) => None,
        (Some(_), None) => {
            return usage_error_help(
                "`--address` needs `--uri` with `erc5573`",
                "the SIWE URI names who the wallet authorises: pass `--uri URI`",
            )
        }
        (Some(address), Some(uri)) => {
            let issued_at = match time("issued-at", &args.times.issued_at) {
                Ok(t) => t.unwrap_or_else(Timestamp::now),
                Err(e) => return usage_error(e),
            };
            let expiration = match time("expiration", &args.times.expiration) {
                Ok(t) => t,
                Err(e) => return usage_error(e),
            };
            Some(erc5573::Inputs {
                address: address.clone(),
                uri: uri.clone(),
                nonce: args.nonce.clone().unwrap_or_default(),
                issued_at,
                expiration,
            })
        }
    };
    let compiled = match erc5573::compile(&loaded.policy, &args.session, inputs.as_ref()) {
        Ok(c) => c,
        Err(CompileError::Usage(m)) => return usage_error(m),
        Err(CompileError::Policy(d)) => {
            common::print_human(&d, &loaded.sources);
            return exit::ERRORS;
        }
    };
    match args.format {
        OutputFormat::Json => print_json(&compiled.to_json()),
        OutputFormat::Human => {
            let mut s = format!(
                "session `{}` (grant `{}`), network erc5573\n\nrequests:\n",
                compiled.session, compiled.grant
            );
            for (uri, ability) in &compiled.requests {
                s.push_str(&format!("  {ability} on {uri}\n"));
            }
            s.push_str(&format!(
                "\nstatement:\n  {}\n",
                compiled.statement.as_deref().unwrap_or("(none)")
            ));
            if let Some(urn) = &compiled.recap_urn {
                s.push_str(&format!("\nrecap:\n  {urn}\n"));
            }
            if let Some(m) = &compiled.siwe {
                s.push_str(&format!(
                    "\nSIWE message:\n{}\n",
                    m.render(litcap::internal::wire::siwe::Flavor::Node)
                ));
            }
            print_stdout(&s)
        }
    }
}
