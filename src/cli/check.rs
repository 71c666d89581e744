//! `litcap check FILE... [--authsig FILE [--session-key HEX | --uri URI]] [--session NAME] [--at RFC3339] [--format human|json|sarif]`

use super::common::{self, Format};
use litcap::internal::verify::check::{self, CheckOptions};
use litcap::LintOptions;
use litcap::Ttl;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Policy files, checked together (each may be several joined with commas).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Check only this session (and its grant).
    #[arg(long)]
    pub session: Option<String>,
    /// Output format of the findings.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Exit with 3 when there are warnings but no errors.
    #[arg(long)]
    pub deny_warnings: bool,
    /// `ttl-longer-than-needed` fires for lifetimes above this.
    #[arg(long, default_value = "24h", value_parser = parse_ttl)]
    pub ttl_threshold: Ttl,
    /// A signed AuthSig (JSON) to verify and to check the sessions against.
    #[arg(long, value_name = "FILE")]
    pub authsig: Option<PathBuf>,
    /// The time of the check (RFC 3339; default now).
    #[arg(long, value_name = "RFC3339", requires = "authsig")]
    pub at: Option<String>,
    /// The session public key the AuthSig must be for (64 hex digits).
    #[arg(long, value_name = "HEX", requires = "authsig")]
    pub session_key: Option<String>,
    /// `erc5573`: the SIWE `URI` the AuthSig must name (the relying party, e.g. `did:key:…`).
    #[arg(
        long,
        value_name = "URI",
        requires = "authsig",
        conflicts_with = "session_key"
    )]
    pub uri: Option<String>,
    #[command(flatten)]
    pub net: super::network::NetworkArg,
    #[command(flatten)]
    pub netkey: super::netkey::NetworkKeyArgs,
}

pub fn parse_ttl(s: &str) -> Result<Ttl, litcap::TtlError> {
    Ttl::parse(s)
}

pub fn run(args: CheckArgs) -> u8 {
    let requested = args.net.network.map(super::network::Network::profile);
    let mut loaded = match litcap::internal::load::load_paths_without_trees(
        &common::policy_paths(&args.files),
        requested,
    ) {
        Ok(l) => l,
        Err(e) => return common::io_error(&e),
    };
    let profile = match super::network::for_policy(args.net.network, &loaded.policy) {
        Ok(p) => p,
        Err(code) => return code,
    };
    // The AuthSig's audience is a session key on Lit, the relying party on ERC-5573 (as
    // `compile` takes them).
    if profile.is_lit() && args.uri.is_some() {
        return common::usage_error_help(
            "`--uri` is for `erc5573`; a Lit AuthSig's URI is `lit:session:<session key>`",
            "pass `--session-key HEX` instead",
        );
    }
    if !profile.is_lit() && args.session_key.is_some() {
        return common::usage_error_help(
            "`--session-key` names a Lit session key; an ERC-5573 AuthSig names its relying party",
            "pass `--uri URI` (e.g. `did:key:…` or `https://…`) instead",
        );
    }
    let opts = CheckOptions {
        session: args.session.clone(),
        lint: LintOptions {
            ttl_threshold: args.ttl_threshold,
        },
    };
    let mut report = match &args.authsig {
        // The model's diagnostics move into the report, and the coverage entries are written
        // as they are computed: a large policy's report is never whole in memory.
        None => {
            let model_diagnostics = std::mem::take(&mut loaded.diagnostics);
            let coverage_use = match args.format {
                Format::Json => check::CoverageUse::Entries,
                Format::Human | Format::Sarif => check::CoverageUse::Count,
            };
            Report::Streamed(check::check_findings(
                &loaded,
                &opts,
                model_diagnostics,
                coverage_use,
            ))
        }
        Some(path) => {
            let at = match args.at.as_deref().map(litcap::Timestamp::parse_rfc3339) {
                None => litcap::Timestamp::now(),
                Some(Ok(t)) => t,
                Some(Err(e)) => return common::usage_error(format!("--at: {e}")),
            };
            let text = match common::read_text(path) {
                Ok(t) => t,
                Err(code) => return code,
            };
            let network_key = match args.netkey.resolve(args.net.get().profile()) {
                Ok(k) => k,
                Err(code) => return code,
            };
            let input = check::AuthSigInput {
                name: text.name,
                text: text.text,
                at,
                session_key: args.session_key.clone(),
                network_key,
                uri: args.uri.clone(),
            };
            Report::Whole(check::check_with_authsig(&mut loaded, &opts, &input))
        }
    };
    if profile.name == litcap::internal::profile::NAGA.name {
        report.diagnostics_mut().extend(
            litcap::internal::wire::compile_naga::vocabulary_diagnostics(
                &loaded.policy,
                profile,
                args.session.as_deref(),
            ),
        );
    }
    let code = report.exit_code(args.deny_warnings);
    let out = match args.format {
        Format::Human => {
            let sources = &loaded.sources;
            let summary = match &report {
                Report::Whole(r) => {
                    common::print_human(&r.diagnostics, sources);
                    r.summary()
                }
                Report::Streamed(f) => {
                    common::print_human(&f.diagnostics, sources);
                    f.summary()
                }
            };
            eprintln!("{summary}");
            litcap::diag::exit::OK
        }
        Format::Json => match &report {
            Report::Whole(r) => {
                common::print_written(|w| r.write_json(&loaded.sources, args.deny_warnings, w))
            }
            Report::Streamed(f) => {
                common::print_written(|w| f.write_json(&loaded.sources, args.deny_warnings, w))
            }
        },
        Format::Sarif => {
            common::print_json_streamed(&litcap::diag::sarif(report.diagnostics(), &loaded.sources))
        }
    };
    // Freeing a large policy object by object costs more than the process exit does.
    std::mem::forget(report);
    std::mem::forget(loaded);
    if out != litcap::diag::exit::OK {
        return out;
    }
    code
}

/// The report of a check alone (streamed) or against an AuthSig (whole: its coverage entries
/// come from the AuthSig).
enum Report<'p> {
    Streamed(check::CheckFindings<'p>),
    Whole(check::CheckReport),
}

impl Report<'_> {
    fn diagnostics(&self) -> &litcap::diag::Diagnostics {
        match self {
            Report::Streamed(f) => &f.diagnostics,
            Report::Whole(r) => &r.diagnostics,
        }
    }

    fn diagnostics_mut(&mut self) -> &mut litcap::diag::Diagnostics {
        match self {
            Report::Streamed(f) => &mut f.diagnostics,
            Report::Whole(r) => &mut r.diagnostics,
        }
    }

    fn exit_code(&self, deny_warnings: bool) -> u8 {
        match self {
            Report::Streamed(f) => f.exit_code(deny_warnings),
            Report::Whole(r) => r.exit_code(deny_warnings),
        }
    }
}
