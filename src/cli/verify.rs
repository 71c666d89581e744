//! `litcap verify SESSIONSIGS... [--node URL] [--at RFC3339] [--policy FILE --session NAME]
//! [--format human|json]`: judge SessionSigs as each Lit node would.
//!
//! Exit codes: 0 when every entry of every file is valid (and the policy check, if asked for,
//! finds no error); 1 when a node would reject an entry, a file is not a SessionSigs JSON map
//! (malformed JSON is reported for that file with its line and column, the other files are
//! still checked), or the policy check finds an error; 2 for bad usage and for files or
//! directories that cannot be read.

use super::common;
use litcap::diag::{self, Diagnostic, Severity};
use litcap::model::{Policy, Session};
use litcap::time::Timestamp;
use litcap::verify::sessionsigs::{self, InputError, NodeVerdict, SessionSigsFile, VerifyOptions};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(clap::Args, Debug)]
#[command(
    after_help = "Exit status: 0 when every entry is valid (and within the policy session); 1 when a node would reject an entry, a file is not a SessionSigs map, or the policy check finds an error; 2 for usage errors and unreadable inputs."
)]
pub struct VerifyArgs {
    /// SessionSigs JSON files (`{"<node url>": {sig, derivedVia, signedMessage, address,
    /// algo}}`, as `getSessionSigs` returns them), or directories of `*.json` files.
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

/// Files larger than this are refused (a SessionSigs map for 100 nodes is about 500 KB).
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// What happened to one input file.
enum Outcome {
    /// Could not be read (exit 2).
    Io(String),
    /// Read, but not a SessionSigs map.
    Input(InputError),
    /// An empty map.
    Empty,
    Verdicts(Vec<NodeVerdict>),
}

struct FileResult {
    path: String,
    outcome: Outcome,
    policy: Vec<Diagnostic>,
}

impl FileResult {
    fn ok(&self) -> bool {
        let nodes_ok = match &self.outcome {
            Outcome::Verdicts(v) => v.iter().all(NodeVerdict::valid),
            _ => false,
        };
        nodes_ok && !self.policy.iter().any(Diagnostic::is_error)
    }

    fn to_json(&self, checking_policy: Option<(&str, &str)>) -> serde_json::Map<String, Value> {
        let mut out = serde_json::Map::new();
        out.insert("ok".into(), json!(self.ok()));
        let nodes = match &self.outcome {
            Outcome::Verdicts(v) => v.iter().map(NodeVerdict::to_json).collect(),
            _ => Vec::new(),
        };
        out.insert("nodes".into(), Value::Array(nodes));
        match &self.outcome {
            Outcome::Io(m) => {
                out.insert("error".into(), json!({"kind": "io", "message": m}));
            }
            Outcome::Input(e) => {
                out.insert(
                    "error".into(),
                    json!({"kind": "InvalidJson", "message": e.message, "line": e.line.max(1), "column": e.column.max(1)}),
                );
            }
            Outcome::Empty => {
                out.insert(
                    "error".into(),
                    json!({"kind": "Empty", "message": "the SessionSigs map has no entries"}),
                );
            }
            Outcome::Verdicts(_) => {}
        }
        if let Some((session, grant)) = checking_policy {
            out.insert(
                "policy".into(),
                json!({
                    "session": session,
                    "grant": grant,
                    "ok": !self.policy.iter().any(Diagnostic::is_error),
                    "findings": self.policy.iter().map(|d| json!({
                        "code": d.code.as_str(),
                        "severity": d.severity.as_str(),
                        "message": d.message,
                        "help": d.help,
                    })).collect::<Vec<_>>(),
                }),
            );
        }
        out
    }
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
            eprintln!(
                "error: the policy has errors (shown above); fix them before checking against it"
            );
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
    };
    let results = verify_all(&paths, &opts, target);

    let io_failed = results.iter().any(|r| matches!(r.outcome, Outcome::Io(_)));
    let all_ok = results.iter().all(FileResult::ok);
    let checking = target.map(|(p, s)| {
        (
            s.name.as_str(),
            p.grants.get(s.grant).map_or("", |g| g.name.as_str()),
        )
    });
    let printed = match args.format {
        VerifyFormat::Json => {
            let value = if many {
                json!({
                    "ok": all_ok,
                    "files": results.iter().map(|r| {
                        let mut m = serde_json::Map::new();
                        m.insert("file".into(), json!(r.path));
                        m.extend(r.to_json(checking));
                        Value::Object(m)
                    }).collect::<Vec<_>>(),
                })
            } else {
                results
                    .first()
                    .map_or(json!({"ok": all_ok, "nodes": []}), |r| {
                        Value::Object(r.to_json(checking))
                    })
            };
            common::print_json(&value)
        }
        VerifyFormat::Human => common::print_stdout(&human(&results, many, checking)),
    };
    if printed != diag::exit::OK {
        return printed;
    }
    if io_failed {
        diag::exit::USAGE
    } else if all_ok {
        diag::exit::OK
    } else {
        diag::exit::ERRORS
    }
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
        return paths.iter().map(|p| verify_path(p, opts, target)).collect();
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
                        mine.push((i, verify_path(p, opts, target)));
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

fn verify_path(
    path: &Path,
    opts: &VerifyOptions,
    target: Option<(&Policy, &Session)>,
) -> FileResult {
    let name = path.display().to_string();
    let result = |outcome| FileResult {
        path: name.clone(),
        outcome,
        policy: Vec::new(),
    };
    let text = match read(path) {
        Ok(t) => t,
        Err(Outcome::Io(m)) => return result(Outcome::Io(m)),
        Err(other) => return result(other),
    };
    let file = match SessionSigsFile::parse(&text) {
        Ok(f) => f,
        Err(e) => return result(Outcome::Input(e)),
    };
    if file.is_empty() {
        return result(Outcome::Empty);
    }
    let verdicts = sessionsigs::verify_file(&file, opts);
    let policy = match target {
        Some((p, s)) => sessionsigs::check_against_session(&file, p, s)
            .into_iter()
            .map(|d| d.in_file(name.clone()))
            .collect(),
        None => Vec::new(),
    };
    FileResult {
        path: name,
        outcome: Outcome::Verdicts(verdicts),
        policy,
    }
}

fn read(path: &Path) -> Result<String, Outcome> {
    use std::io::Read;
    let io = |e: std::io::Error| Outcome::Io(format!("cannot read `{}`: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Outcome::Input(InputError {
            message: format!(
                "the file is larger than {} MiB",
                MAX_FILE_BYTES / 1024 / 1024
            ),
            line: 1,
            column: 1,
            offset: 0,
        }));
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let before = &e.as_bytes()[..at];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let column = at
            - before
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |i| i + 1)
            + 1;
        Outcome::Input(InputError {
            message: format!("the file is not UTF-8 (invalid byte {at})"),
            line,
            column,
            offset: at,
        })
    })
}

/// The report for people.
fn human(results: &[FileResult], many: bool, checking: Option<(&str, &str)>) -> String {
    let mut out = String::new();
    let mut nodes_total = 0;
    let mut nodes_valid = 0;
    for r in results {
        let indent = if many { "  " } else { "" };
        if many {
            out.push_str(&format!("{}\n", r.path));
        }
        match &r.outcome {
            Outcome::Io(m) => out.push_str(&format!("{indent}error: {m}\n")),
            Outcome::Input(e) => out.push_str(&format!(
                "{indent}error: {}:{}:{}: {}\n",
                r.path, e.line, e.column, e.message
            )),
            Outcome::Empty => out.push_str(&format!(
                "{indent}error: the SessionSigs map has no entries\n"
            )),
            Outcome::Verdicts(v) => {
                for n in v {
                    nodes_total += 1;
                    match &n.error {
                        None => {
                            nodes_valid += 1;
                            out.push_str(&format!("{indent}valid     {}\n", n.node));
                        }
                        Some(e) => {
                            out.push_str(&format!("{indent}REJECTED  {}  {}\n", n.node, e.kind));
                            out.push_str(&format!("{indent}          {}\n", e.message));
                            if let Some((kind, message)) = &e.inner {
                                out.push_str(&format!(
                                    "{indent}          (inner: {kind} \"{message}\")\n"
                                ));
                            }
                            out.push_str(&format!("{indent}          help: {}\n", e.help));
                        }
                    }
                }
            }
        }
        if let Some((session, _)) = checking {
            if r.policy.is_empty() {
                out.push_str(&format!("{indent}policy: within session `{session}`\n"));
            }
            for d in &r.policy {
                let sev = match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Note => "note",
                };
                out.push_str(&format!(
                    "{indent}policy {sev}[{}]: {}\n",
                    d.code, d.message
                ));
                if let Some(h) = &d.help {
                    out.push_str(&format!("{indent}  help: {h}\n"));
                }
            }
        }
    }
    out.push_str(&format!(
        "{nodes_valid} of {nodes_total} node entr{} valid{}\n",
        if nodes_total == 1 { "y" } else { "ies" },
        if results.len() > 1 {
            format!(" in {} files", results.len())
        } else {
            String::new()
        }
    ));
    out
}
