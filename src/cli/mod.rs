//! Command definitions (the interface is normative: other tools call it) and dispatch.

use clap::{Parser, Subcommand};

/// `std::eprintln!` panics when standard error cannot be written (a closed pipe, a full
/// disk); this one goes through [`common::write_stderr`], which never does. Defined before the
/// command modules, so it replaces the standard macro in all of them.
macro_rules! eprintln {
    () => {
        $crate::cli::common::write_stderr("\n")
    };
    ($($arg:tt)*) => {
        $crate::cli::common::write_stderr(&format!("{}\n", format_args!($($arg)*)))
    };
}

pub mod authsig;
pub mod check;
pub mod common;
pub mod compile;
pub mod convert;
pub mod delegate;
pub mod diff;
pub mod explain;
pub mod fmt;
pub mod netkey;
pub mod recap;
pub mod schema;
pub mod sign;
pub mod verify;

/// Least privilege for Lit Protocol session signatures.
#[derive(Parser, Debug)]
#[command(name = "litcap", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check policies: model errors, least-privilege lints, coverage of every request.
    Check(check::CheckArgs),
    /// Compile a session to the SDK's wire formats (ReCap, SIWE, resourceAbilityRequests).
    Compile(compile::CompileArgs),
    /// Format policy files canonically (comments kept).
    Fmt(fmt::FmtArgs),
    /// Decode or encode `urn:recap:` resources.
    Recap(recap::RecapArgs),
    /// Explain why a session may or may not use a capability.
    Explain(explain::ExplainArgs),
    /// Show the privilege changes between two versions of a policy.
    Diff(diff::DiffArgs),
    /// Sign the AuthSig that gives a session key its grant.
    Authsig(authsig::AuthsigArgs),
    /// Sign a session's SessionSigs for Lit nodes.
    Sign(sign::SignArgs),
    /// Sign a capacity-credit delegation AuthSig.
    Delegate(delegate::DelegateArgs),
    /// Judge SessionSigs as each Lit node would (signature, payload, time, node, capabilities).
    Verify(verify::VerifyArgs),
    /// Print a published JSON Schema (policy, authsig, sessionsigs, recap, check-report, verify-report).
    Schema(schema::SchemaArgs),
    /// Convert a policy file between the DSL, YAML and JSON forms (to stdout).
    Convert(convert::ConvertArgs),
}

/// Parses arguments, runs the command, and returns the process exit code.
pub fn main() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            if let Err(io) = e.print() {
                if io.kind() != std::io::ErrorKind::BrokenPipe {
                    return litcap::diag::exit::USAGE;
                }
            }
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => litcap::diag::exit::USAGE,
            };
        }
    };
    let code = match cli.command {
        Command::Check(a) => check::run(a),
        Command::Compile(a) => compile::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Diff(a) => diff::run(a),
        Command::Fmt(a) => fmt::run(a),
        Command::Recap(a) => recap::run(a),
        Command::Authsig(a) => authsig::run(a),
        Command::Sign(a) => sign::run(a),
        Command::Delegate(a) => delegate::run(a),
        Command::Verify(a) => verify::run(a),
        Command::Schema(a) => schema::run(a),
        Command::Convert(a) => convert::run(a),
    };
    // The README promises exit 2 for output that cannot be written; a closed pipe is not a
    // failure (the reader has seen what it wanted).
    if common::stderr_failed() {
        return litcap::diag::exit::USAGE;
    }
    code
}
