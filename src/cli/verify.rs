//! `litcap verify SESSIONSIGS... [--node URL] [--at RFC3339] [--policy FILE --session NAME]
//! [--format human|json]`: judge SessionSigs as each Lit node would.
//!
//! Exit codes: 0 when every entry of every file is valid (and the policy check, if asked for,
//! finds no error); 1 when a node would reject an entry, a file is not a SessionSigs JSON map
//! (malformed JSON is reported for that file with its line and column, the other files are
//! still checked), or the policy check finds an error; 2 for bad usage and for files or
//! directories that cannot be read.

use super::common;
use litcap::diag;
use litcap::internal::verify::report::{self, FileResult, Outcome};
use litcap::Timestamp;
use litcap::VerifyOptions;
use litcap::{Policy, Session};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Exit status: 0 when every entry is valid (and within the policy session); 1 when a node would reject an entry, a file is not a SessionSigs map, or the policy check finds an error; 2 for usage errors and unreadable inputs.\n\nExample:\n  litcap verify sessionsigs.json --policy policy.litcap --session treasury"
)]
pub struct VerifyArgs {
    /// SessionSigs JSON files (`{"<node url>": {sig, derivedVia, signedMessage, address,
    /// algo}}`, as `getSessionSigs` returns them), or directories of `*.json` files. A file
    /// holding one AuthSig (wallet or `lit.bls`) is judged as a node judges a capability.
    #[arg(required = true, value_name = "SESSIONSIGS")]
    pub files: Vec<PathBuf>,
    /// Check every entry as this node (its URL as the SDK lists it, e.g.
    /// `https://15.235.83.220:7470`); by default each entry is checked as the node it is
    /// keyed by.
    #[arg(long, value_name = "URL")]
    pub node: Option<String>,
    /// The nodes' clock, e.g. `2024-09-19T14:00:00Z` (default: now).
    #[arg(long, value_name = "RFC3339", value_parser = parse_time)]
    pub at: Option<Timestamp>,
    /// For a lone AuthSig file: the session public key (64 hex digits) its URI must name.
    #[arg(long, value_name = "HEX")]
    pub session_key: Option<String>,
    /// Also check the requests, lifetime and AuthSigs against a session of this policy.
    #[arg(long, value_name = "FILE")]
    pub policy: Vec<PathBuf>,
    /// The policy session to check against (may be left out when the policy has one).
    #[arg(long, value_name = "NAME", requires = "policy")]
    pub session: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: VerifyFormat,
    /// Judge this operation as the nodes do, e.g. `"pkp-signing on lit-pkp://<token id or
    /// public key>"` (repeat for each); without it, each listed request is judged as one.
    #[arg(long = "request", value_name = "\"<ABILITY> on <RESOURCE>\"")]
    pub requests: Vec<String>,
    #[command(flatten)]
    pub net: super::network::NetworkArg,
    #[command(flatten)]
    pub netkey: super::netkey::NetworkKeyArgs,
}

/// Output formats of `verify`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum VerifyFormat {
    Human,
    Json,
}

fn parse_time(s: &str) -> Result<Timestamp, litcap::TimeError> {
    Timestamp::parse_rfc3339(s)
}

pub fn run(args: VerifyArgs) -> u8 {
    // The policy's `network` line decides; `--network` fills in or must agree.
    let network = match super::network::resolve(args.net.network, &args.policy) {
        Ok(n) => n,
        Err(code) => return code,
    };
    if let Err(code) = super::network::lit_only(network, "verify") {
        return code;
    }
    let mut args = args;
    args.net.network = Some(network);
    // The policy session, if any.
    let loaded;
    let target: Option<(&Policy, &Session)> = if args.policy.is_empty() {
        None
    } else {
        loaded = match common::load_policy(&args.policy) {
            Ok(l) => l,
            Err(code) => return code,
        };
        if loaded.diagnostics.has_errors() {
            eprintln!("not verified: the policy has the errors above; fix them first");
            return diag::exit::ERRORS;
        }
        let policy = &loaded.policy;
        let session = match &args.session {
            Some(name) => match policy.session(name) {
                Some(s) => s,
                None => {
                    let hint = litcap::internal::suggest::closest(name, policy.session_names())
                        .map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default();
                    return common::usage_error(format!(
                        "the policy has no session `{name}`{hint}; its sessions are {}",
                        names(policy)
                    ));
                }
            },
            None => match policy.sessions.as_slice() {
                [only] => only,
                [] => return common::usage_error("the policy defines no session to check against"),
                _ => {
                    return common::usage_error(format!(
                        "the policy has several sessions ({}); choose one with `--session NAME`",
                        names(policy)
                    ))
                }
            },
        };
        Some((policy, session))
    };

    // The inputs: files, and the `*.json` files of directories.
    let mut paths = Vec::new();
    let mut many = args.files.len() > 1;
    for p in &args.files {
        if p.is_dir() {
            many = true;
            match json_files(p) {
                Ok(found) if found.is_empty() => {
                    return common::usage_error(format!("`{}` has no `*.json` files", p.display()))
                }
                Ok(found) => paths.extend(found),
                Err(e) => {
                    return common::usage_error(format!("cannot read `{}`: {e}", p.display()))
                }
            }
        } else {
            paths.push(p.clone());
        }
    }

    let mut operations = Vec::with_capacity(args.requests.len());
    for r in &args.requests {
        match litcap::internal::verify::operation::Operation::parse_in(r, args.net.get().profile())
        {
            Ok(op) => operations.push(op),
            Err(e) => return common::usage_error(format!("--request: {e}")),
        }
    }
    let opts = VerifyOptions {
        now: args.at.unwrap_or_else(Timestamp::now),
        node: args.node.clone(),
        operations,
        network_key: match args.netkey.resolve(args.net.get().profile()) {
            Ok(k) => k,
            Err(code) => return code,
        },
        session_key: args.session_key.clone(),
    };
    let results = verify_all(&paths, &opts, target, args.net.get().profile());

    let checking = report::checking(target);
    let printed = match args.format {
        VerifyFormat::Json => common::print_json(&report::to_json(&results, many, checking)),
        VerifyFormat::Human => common::print_stdout(&report::human_width(
            &results,
            many,
            checking,
            false,
            common::width(),
        )),
    };
    if printed != diag::exit::OK {
        return printed;
    }
    report::exit_code(&results)
}

fn names(policy: &Policy) -> String {
    let all: Vec<String> = policy.session_names().map(|n| format!("`{n}`")).collect();
    if all.is_empty() {
        "none".to_string()
    } else {
        all.join(", ")
    }
}

/// The `*.json` files directly in `dir`, sorted by name.
fn json_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        // `path.is_file()` (which follows links), with the directory entry's type where it
        // settles it: a plain file or directory needs no `stat` of its own.
        let is_file = match entry.file_type() {
            Ok(t) if t.is_file() => true,
            Ok(t) if t.is_dir() => false,
            _ => path.is_file(),
        };
        if is_file {
            out.push((entry.file_name(), path));
        }
    }
    // All in `dir`, so their names' order is `PathBuf`'s component order, without its
    // component-by-component comparison (10,000 maps: ~2% of a run's instructions).
    out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(out.into_iter().map(|(_, path)| path).collect())
}

/// Verifies the files on all cores, keeping their order: rayon's work-stealing pool (one
/// worker per core; `RAYON_NUM_THREADS` sets another count). A file whose check panics is
/// reported as not finished; the others are still checked.
fn verify_all(
    paths: &[PathBuf],
    opts: &VerifyOptions,
    target: Option<(&Policy, &Session)>,
    profile: &'static litcap::Profile,
) -> Vec<FileResult> {
    use rayon::prelude::*;
    // Maps are signed under few AuthSigs: each distinct one is recovered once across files.
    let recoveries = std::sync::Arc::new(litcap::internal::eth::RecoveryCache::new());
    paths
        .par_iter()
        .map(|p| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                litcap::internal::eth::with_recovery_cache(&recoveries, || {
                    report::verify_path_in(p, opts, target, profile)
                })
            }))
            .unwrap_or_else(|_| FileResult {
                path: p.display().to_string(),
                outcome: Outcome::Io("the check of this file did not finish".to_string()),
                policy: Vec::new(),
            })
        })
        .collect()
}
