//! Helpers shared by the commands: reading inputs, printing diagnostics, writing outputs.

use litcap::diag::{self, Diagnostics, Sources};
use std::io::{IsTerminal, Write};

/// Output formats for diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    Sarif,
}

/// Prints diagnostics to stderr for people.
pub fn print_human(diags: &Diagnostics, sources: &Sources) {
    if diags.is_empty() {
        return;
    }
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let text = diag::render_human(diags, sources, color);
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
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
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let res = serde_json::to_writer_pretty(&mut out, value)
        .map_err(std::io::Error::from)
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
        Err(e) => {
            eprintln!("error: could not write output: {e}");
            diag::exit::USAGE
        }
    }
}

/// A usage or IO error: printed as `error: ...` and exit code 2.
pub fn usage_error(message: impl std::fmt::Display) -> u8 {
    eprintln!("error: {message}");
    diag::exit::USAGE
}

/// Loads policy files; prints their diagnostics (suppressions applied) for people.
/// `Err` carries the exit code when the files could not be read.
pub fn load_policy(paths: &[std::path::PathBuf]) -> Result<litcap::load::Loaded, u8> {
    let mut loaded = litcap::load::load_paths(paths).map_err(usage_error)?;
    loaded.diagnostics.apply_suppressions(&loaded.sources);
    print_human(&loaded.diagnostics, &loaded.sources);
    Ok(loaded)
}
