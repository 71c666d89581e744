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
mod compile_erc5573;
pub mod completions;
pub mod convert;
pub mod delegate;
pub mod delegate_naga;
pub mod diff;
pub mod explain;
pub mod fmt;
pub mod init;
pub mod lsp;
pub mod man;
pub mod netkey;
pub mod network;
pub mod recap;
pub mod schema;
pub mod sign;
pub mod sign_nodes;
pub mod verify;

/// Least privilege for Lit Protocol session signatures.
#[derive(Parser, Debug)]
#[command(name = "litcap", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// Parsed once per process: the size of the largest command's arguments costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check policies: model errors, least-privilege lints, coverage of every request.
    #[command(
        after_help = "Example:\n  litcap check policies/*.litcap --format sarif > litcap.sarif"
    )]
    Check(check::CheckArgs),
    /// Compile a session to the SDK's wire formats (ReCap, SIWE, resourceAbilityRequests).
    #[command(
        after_help = "Example:\n  litcap compile policies/pkp-signer.litcap --session treasury"
    )]
    Compile(compile::CompileArgs),
    /// Format policy files canonically (comments kept).
    #[command(after_help = "Example:\n  litcap fmt --check policies/*.litcap")]
    Fmt(fmt::FmtArgs),
    /// Decode or encode `urn:recap:` resources.
    #[command(after_help = "Example:\n  litcap recap decode urn:recap:eyJhdHQiOnt9LCJwcmYiOltdfQ")]
    Recap(recap::RecapArgs),
    /// Explain why a session may or may not use a capability.
    #[command(
        after_help = "Examples:\n  litcap explain policies/pkp-signer.litcap --session treasury 'pkp-signing on lit-pkp://*'\n  litcap explain --authsig authsig.json --network-key HEX"
    )]
    Explain(explain::ExplainArgs),
    /// Show the privilege changes between two versions of a policy.
    #[command(
        after_help = "Example:\n  git show main:policy.litcap > old.litcap && litcap diff old.litcap policy.litcap --fail-on-widen"
    )]
    Diff(diff::DiffArgs),
    /// Sign the AuthSig that gives a session key its grant.
    #[command(
        after_help = "Example:\n  litcap authsig policy.litcap --session treasury --wallet-key-env WALLET_KEY --session-key <64 hex> --nonce <nonce>"
    )]
    Authsig(authsig::AuthsigArgs),
    /// Sign a session's SessionSigs for Lit nodes.
    #[command(
        after_help = "Example:\n  litcap sign policy.litcap --session treasury --wallet-key wallet.key --store ./lit-store --node https://node.example:7470 --handshake https://node.example:7470"
    )]
    Sign(sign::SignArgs),
    /// Sign a capacity-credit delegation AuthSig.
    #[command(
        after_help = "Example:\n  litcap delegate --capacity-token-id 42 --delegatee 0x<address> --uses 10 --wallet-key wallet.key --handshake https://node.example:7470"
    )]
    Delegate(delegate::DelegateArgs),
    /// Judge SessionSigs as each Lit node would (signature, payload, time, node, capabilities).
    Verify(verify::VerifyArgs),
    /// Print a published JSON Schema (policy, authsig, sessionsigs, recap, check-report, verify-report).
    #[command(after_help = "Example:\n  litcap schema policy > policy.schema.json")]
    Schema(schema::SchemaArgs),
    /// Convert a policy file between the DSL, YAML and JSON forms (to stdout).
    #[command(after_help = "Example:\n  litcap convert policies/pkp-signer.litcap --to yaml")]
    Convert(convert::ConvertArgs),
    /// Run the language server (LSP over stdio) for editors.
    #[command(
        after_help = "Example (an editor starts it; by hand it waits for JSON-RPC on stdin):\n  litcap lsp"
    )]
    Lsp(lsp::LspArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(
        after_help = "Example:\n  litcap completions bash > ~/.local/share/bash-completion/completions/litcap"
    )]
    Completions(completions::CompletionsArgs),
    /// Print the manual page (roff), or write one page per command with --out-dir.
    #[command(after_help = "Example:\n  litcap man | man -l -")]
    Man(man::ManArgs),
    /// Write a policy inferred from a signed AuthSig (and SessionSigs), or a starter policy.
    #[command(
        after_help = "Example:\n  litcap init --from-authsig authsig.json --from-sessionsigs sessionsigs.json -o app.litcap"
    )]
    Init(init::InitArgs),
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
        Command::Lsp(a) => lsp::run(a),
        Command::Completions(a) => completions::run(a),
        Command::Man(a) => man::run(a),
        Command::Init(a) => init::run(a),
    };
    // The README promises exit 2 for output that cannot be written; a closed pipe is not a
    // failure (the reader has seen what it wanted).
    if common::stderr_failed() {
        return litcap::diag::exit::USAGE;
    }
    code
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    fn walk(cmd: &mut clap::Command, path: String, missing: &mut Vec<String>) {
        let name = format!("{path} {}", cmd.get_name()).trim().to_string();
        if cmd.get_subcommands().next().is_none() || path.is_empty() {
            let help = cmd.render_long_help().to_string();
            if !path.is_empty() && !help.contains("Example") {
                missing.push(name.clone());
            }
        }
        for sub in cmd.get_subcommands_mut() {
            if sub.get_name() == "help" {
                continue; // clap's own `help` subcommand
            }
            walk(sub, name.clone(), missing);
        }
    }

    #[test]
    fn every_command_help_shows_an_example() {
        let mut cmd = Cli::command();
        cmd.build();
        let mut missing = Vec::new();
        walk(&mut cmd, String::new(), &mut missing);
        assert!(missing.is_empty(), "no example in --help: {missing:?}");
    }

    #[test]
    fn the_command_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
