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
use litcap::model::{Policy, Session};
use litcap::time::Timestamp;
use litcap::verify::report::{self, FileResult, Outcome};
use litcap::verify::sessionsigs::VerifyOptions;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

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
    #[command(flatten)]
    pub network: super::netkey::NetworkKeyArgs,
}

/// Output formats of `verify`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum VerifyFormat {
    Human,
    Json,
}

fn parse_time(s: &str) -> Result<Timestamp, String> {
    Timestamp::parse_rfc3339(s).map_err(|e| e.to_string())
}

pub fn run(args: VerifyArgs) -> u8 {
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
                    let hint = litcap::suggest::closest(name, policy.session_names())
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

    let network_key = match args.network.resolve() {
        Ok(k) => k,
        Err(code) => return code,
    };
    let opts = VerifyOptions {
        now: args.at.unwrap_or_else(Timestamp::now),
        node: args.node.clone(),
        network_key,
        session_key: args.session_key.clone(),
    };
    let results = verify_all(&paths, &opts, target);

    let checking = report::checking(target);
    let printed = match args.format {
        VerifyFormat::Json => common::print_json(&report::to_json(&results, many, checking)),
        VerifyFormat::Human => common::print_stdout(&report::human(&results, many, checking)),
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
        let path = entry?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// Verifies the files on all cores, keeping their order.
fn verify_all(
    paths: &[PathBuf],
    opts: &VerifyOptions,
    target: Option<(&Policy, &Session)>,
) -> Vec<FileResult> {
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(paths.len())
        .max(1);
    if workers == 1 {
        return paths
            .iter()
            .map(|p| report::verify_path(p, opts, target))
            .collect();
    }
    let next = AtomicUsize::new(0);
    let mut slots: Vec<Option<FileResult>> = (0..paths.len()).map(|_| None).collect();
    let done: Vec<Vec<(usize, FileResult)>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(p) = paths.get(i) else { break };
                        mine.push((i, report::verify_path(p, opts, target)));
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    for (i, r) in done.into_iter().flatten() {
        if let Some(slot) = slots.get_mut(i) {
            *slot = Some(r);
        }
    }
    slots
        .into_iter()
        .zip(paths)
        .map(|(r, p)| {
            r.unwrap_or_else(|| FileResult {
                path: p.display().to_string(),
                outcome: Outcome::Io("the check of this file did not finish".to_string()),
                policy: Vec::new(),
            })
        })
        .collect()
}
