//! Command definitions (the interface is normative: other tools call it) and dispatch.

use clap::{Parser, Subcommand};

pub mod common;
pub mod compile;
pub mod fmt;
pub mod recap;

/// Least privilege for Lit Protocol session signatures.
#[derive(Parser, Debug)]
#[command(name = "litcap", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Compile a session to the SDK's wire formats (ReCap, SIWE, resourceAbilityRequests).
    Compile(compile::CompileArgs),
    /// Format policy files canonically (comments kept).
    Fmt(fmt::FmtArgs),
    /// Decode or encode `urn:recap:` resources.
    Recap(recap::RecapArgs),
}

/// Parses arguments, runs the command, and returns the process exit code.
pub fn main() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => litcap::diag::exit::USAGE,
            };
        }
    };
    match cli.command {
        Command::Compile(a) => compile::run(a),
        Command::Fmt(a) => fmt::run(a),
        Command::Recap(a) => recap::run(a),
    }
}
