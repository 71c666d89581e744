//! Helpers shared by the commands: reading inputs, printing diagnostics, writing outputs; the
//! signing commands' argument groups ([`args`]) and their reporting ([`signing`]).

pub mod args;
pub mod signing;

use litcap::diag::{self, Diagnostics, Sources};
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicU8, Ordering};

/// The state of standard error: writable, closed by the reader, or failing.
static STDERR_STATE: AtomicU8 = AtomicU8::new(STDERR_OK);
const STDERR_OK: u8 = 0;
const STDERR_CLOSED: u8 = 1;
const STDERR_FAILED: u8 = 2;

/// Writes to standard error without ever panicking. A closed pipe (`litcap ... 2>&1 | head`)
/// silences the rest of the run; any other failure (`2>/dev/full`) also does, and makes the
/// process exit with 2 (see [`stderr_failed`]).
pub fn write_stderr(text: &str) {
    if STDERR_STATE.load(Ordering::Relaxed) != STDERR_OK {
        return;
    }
    let mut err = std::io::stderr().lock();
    if let Err(e) = err.write_all(text.as_bytes()).and_then(|_| err.flush()) {
        let state = if e.kind() == std::io::ErrorKind::BrokenPipe {
            STDERR_CLOSED
        } else {
            STDERR_FAILED
        };
        STDERR_STATE.store(state, Ordering::Relaxed);
    }
}

/// Whether writing to standard error failed for another reason than a closed pipe.
pub fn stderr_failed() -> bool {
    STDERR_STATE.load(Ordering::Relaxed) == STDERR_FAILED
}

/// Output formats for diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
}

/// The width messages for people are wrapped at: `COLUMNS` when set, else the width of the
/// terminal on standard error, else 100. Suggested lines in backticks are never broken.
pub fn width() -> usize {
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok());
    columns
        .or_else(|| terminal_size::terminal_size_of(std::io::stderr()).map(|(w, _)| w.0 as usize))
        .filter(|w| *w >= 40)
        .map(|w| w.min(500))
        .unwrap_or(100)
}

/// Diagnostics rendered for people (no colour), at [`width`].
pub fn render_human(diags: &Diagnostics, sources: &Sources) -> String {
    diag::render_human_width(diags, sources, false, width())
}

/// Prints diagnostics to stderr for people.
pub fn print_human(diags: &Diagnostics, sources: &Sources) {
    if diags.is_empty() {
        return;
    }
    // Written as rendered, a chunk at a time: 20k findings are about 14 MB of text.
    diag::render_human_each(diags, sources, color(), width(), write_stderr);
}

/// Prints a JSON value to stdout, pretty, with a trailing newline.
pub fn print_json(value: &serde_json::Value) -> u8 {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    print_stdout(&text)
}

/// Prints a serialisable value to stdout as pretty JSON with a trailing newline, written as it
/// is serialised (the same bytes as [`print_json`] of its `serde_json::Value`, without building
/// that value: large reports stream).
pub fn print_json_streamed(value: &impl serde::Serialize) -> u8 {
    print_written(|stdout| {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout);
        serde_json::to_writer_pretty(&mut out, value).map_err(std::io::Error::from)?;
        out.flush()
    })
}

/// Prints to stdout what `write` writes, then a newline: for reports with a writer of their
/// own (the same bytes as [`print_json_streamed`] of their `Serialize` form).
pub fn print_written(
    write: impl FnOnce(&mut std::io::StdoutLock<'static>) -> std::io::Result<()>,
) -> u8 {
    let mut out = std::io::stdout().lock();
    let res = write(&mut out)
        .and_then(|_| out.write_all(b"\n"))
        .and_then(|_| out.flush());
    match res {
        Ok(()) => diag::exit::OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => diag::exit::OK,
        Err(e) => {
            eprintln!("error: could not write output: {e}");
            diag::exit::USAGE
        }
    }
}

/// Writes to stdout; a closed pipe or full disk is a usage/IO failure, not a panic.
pub fn print_stdout(text: &str) -> u8 {
    let mut out = std::io::stdout().lock();
    let res = out
        .write_all(text.as_bytes())
        .and_then(|_| {
            if text.ends_with('\n') {
                Ok(())
            } else {
                out.write_all(b"\n")
            }
        })
        .and_then(|_| out.flush());
    match res {
        Ok(()) => diag::exit::OK,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => diag::exit::OK,
        Err(e) => usage_error(format!("could not write the output: {e}")),
    }
}

/// Whether to colour what goes to standard error.
fn color() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Prints an error in the style of every other message (see [`diag::render_error`]).
pub fn print_error(e: &dyn miette::Diagnostic) {
    write_stderr(&diag::render_error(e, color(), width()));
}

/// A warning or a note that is no finding of a file (a key file others can read, a key stored
/// on the way), for [`print_warning`] and [`print_note`].
#[derive(Debug)]
struct Remark {
    severity: miette::Severity,
    message: String,
}

impl std::fmt::Display for Remark {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Remark {}

impl miette::Diagnostic for Remark {
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
}

/// Prints a warning to stderr in the style of every other message (`⚠ message`).
pub fn print_warning(message: impl std::fmt::Display) {
    print_error(&Remark {
        severity: miette::Severity::Warning,
        message: message.to_string(),
    });
}

/// Prints a note (what a command did on the way) to stderr in the style of every other
/// message (`☞ message`).
pub fn print_note(message: impl std::fmt::Display) {
    print_error(&Remark {
        severity: miette::Severity::Advice,
        message: message.to_string(),
    });
}

/// A usage error (a flag, a value, a file that is not what the command wants).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
#[diagnostic(code(litcap::usage))]
pub struct UsageError {
    pub message: String,
    #[help]
    pub help: Option<String>,
}

/// A usage error: printed like every diagnostic (code `litcap::usage`), exit code 2.
pub fn usage_error(message: impl std::fmt::Display) -> u8 {
    print_error(&UsageError {
        message: message.to_string(),
        help: None,
    });
    diag::exit::USAGE
}

/// A usage error with a `help` line.
pub fn usage_error_help(message: impl std::fmt::Display, help: impl std::fmt::Display) -> u8 {
    print_error(&UsageError {
        message: message.to_string(),
        help: Some(help.to_string()),
    });
    diag::exit::USAGE
}

/// A `--node` value that is not a usable URL; a bare `host:port` gets the `https://` form.
pub fn node_url_error(url: &str, e: impl std::fmt::Display) -> u8 {
    if !url.contains("://") && !url.trim().is_empty() {
        usage_error_help(
            format!("--node: `{url}` is not a URL (it has no scheme)"),
            format!(
                "Lit nodes are reached over HTTPS: write `--node https://{}`",
                url.trim()
            ),
        )
    } else {
        usage_error(format!("--node: {e}"))
    }
}

/// An input that could not be read (code `litcap::io`, with its help), exit code 2.
pub fn io_error(e: &litcap::LoadError) -> u8 {
    print_error(e);
    diag::exit::USAGE
}

/// Reads a text input with [`litcap::internal::load::read_text`] (`-` is standard input). `Err` carries
/// the exit code after the problem was printed: 2 when unreadable, 1 when not UTF-8.
pub fn read_text(path: &std::path::Path) -> Result<litcap::internal::load::TextInput, u8> {
    match litcap::internal::load::read_text(path) {
        Ok(t) => Ok(t),
        Err(litcap::internal::load::ReadError::Io(e)) => Err(io_error(&e)),
        Err(litcap::internal::load::ReadError::NotUtf8(d)) => {
            print_human(&Diagnostics(vec![*d]), &Sources::new());
            Err(diag::exit::ERRORS)
        }
    }
}

/// Policy file arguments: each may name several files joined with commas (`a.litcap,b.litcap`),
/// unless a file of that exact name exists.
pub fn policy_paths(args: &[std::path::PathBuf]) -> Vec<std::path::PathBuf> {
    let mut out = Vec::with_capacity(args.len());
    for a in args {
        match a.to_str() {
            Some(s) if s.contains(',') && !a.exists() => out.extend(
                s.split(',')
                    .filter(|p| !p.is_empty())
                    .map(std::path::PathBuf::from),
            ),
            _ => out.push(a.clone()),
        }
    }
    out
}

/// Loads policy files (see [`policy_paths`]); prints their diagnostics (suppressions applied)
/// for people. `Err` carries the exit code when the files could not be read.
pub fn load_policy(paths: &[std::path::PathBuf]) -> Result<litcap::Loaded, u8> {
    let paths = policy_paths(paths);
    let mut loaded = litcap::load_paths(&paths).map_err(|e| io_error(&e))?;
    loaded.diagnostics.apply_suppressions(&loaded.sources);
    print_human(&loaded.diagnostics, &loaded.sources);
    Ok(loaded)
}
