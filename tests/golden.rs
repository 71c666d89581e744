//! Golden CLI tests (in the style of jaq's): every folder `tests/golden/<case>/` holds a command
//! line (`cmd`), optionally its standard input (`stdin`), and what the real binary must print
//! (`stdout`, `stderr`) and return (`status`). See `tests/golden/README.md`.
//!
//! `LITCAP_BLESS=1 cargo test --test golden` rewrites the expectations from what the binary
//! does now; review the diff before committing it.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;

/// Where a case sends a stream, besides the pipe the runner reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sink {
    /// Captured and compared.
    Pipe,
    /// `/dev/full`: every write fails with "no space left on device".
    Full,
    /// A pipe whose reading end is closed at once (as `litcap ... 2>&1 | head -0` does).
    Closed,
}

struct Case {
    name: String,
    dir: PathBuf,
    args: Vec<String>,
    /// `NAME=value` words before `litcap`.
    env: Vec<(String, String)>,
    stdin: Option<Vec<u8>>,
    stdout: Sink,
    stderr: Sink,
}

/// Splits a command line into words: blanks separate words; `'...'` keeps everything
/// literally; `"..."` keeps blanks and understands `\"` and `\\`; `\` outside quotes escapes
/// the next character. `$CASE` (outside single quotes) is the case folder, relative to the
/// repository root.
fn split_words(line: &str, case_dir: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    let case_var = |chars: &mut std::iter::Peekable<std::str::Chars>, word: &mut String| {
        let rest: String = chars.clone().take(4).collect();
        if rest == "CASE" {
            for _ in 0..4 {
                chars.next();
            }
            word.push_str(case_dir);
        } else {
            word.push('$');
        }
    };
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("unclosed `'`".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err("unclosed `\"`".into()),
                        },
                        Some('$') => case_var(&mut chars, &mut word),
                        Some(c) => word.push(c),
                        None => return Err("unclosed `\"`".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(c) => word.push(c),
                    None => return Err("`\\` at the end of the line".into()),
                }
            }
            '$' => {
                in_word = true;
                case_var(&mut chars, &mut word);
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

fn load_case(dir: &Path) -> Result<Case, String> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let rel = format!("tests/golden/{name}");
    let cmd = std::fs::read_to_string(dir.join("cmd")).map_err(|e| format!("cmd: {e}"))?;
    let line = cmd.trim_end_matches(['\n', '\r']);
    if line.contains('\n') {
        return Err("`cmd` must be one line".into());
    }
    let mut stdout = Sink::Pipe;
    let mut stderr = Sink::Pipe;
    let mut args = Vec::new();
    for w in split_words(line, &rel)? {
        match w.as_str() {
            ">/dev/full" => stdout = Sink::Full,
            "2>/dev/full" => stderr = Sink::Full,
            ">closed" => stdout = Sink::Closed,
            "2>closed" => stderr = Sink::Closed,
            _ => args.push(w),
        }
    }
    let mut env = Vec::new();
    while let Some((k, v)) = args.first().and_then(|w| w.split_once('=')) {
        env.push((k.to_string(), v.to_string()));
        args.remove(0);
    }
    match args.first().map(String::as_str) {
        Some("litcap") => {
            args.remove(0);
        }
        _ => return Err("`cmd` must start with `litcap` (after `NAME=value` words)".into()),
    }
    let stdin = match std::fs::read(dir.join("stdin")) {
        Ok(b) => Some(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("stdin: {e}")),
    };
    Ok(Case {
        name,
        dir: dir.to_path_buf(),
        args,
        env,
        stdin,
        stdout,
        stderr,
    })
}

struct Ran {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    status: String,
}

fn sink(s: Sink) -> Stdio {
    match s {
        Sink::Pipe | Sink::Closed => Stdio::piped(),
        Sink::Full => std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .map(Stdio::from)
            .expect("open /dev/full"),
    }
}

fn run(case: &Case) -> Ran {
    let args: Vec<&str> = case.args.iter().map(String::as_str).collect();
    let mut cmd = common::litcap_command(&args);
    // miette wraps at the terminal's width and reads these; fix them so output is the same
    // on every machine.
    cmd.env("COLUMNS", "100")
        .env("TERM", "dumb")
        .env_remove("FORCE_COLOR")
        .env_remove("LITCAP_BLESS")
        .stdin(if case.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(sink(case.stdout))
        .stderr(sink(case.stderr));
    for (k, v) in &case.env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn litcap");
    // Close the reading ends first: the child is still starting up.
    if case.stdout == Sink::Closed {
        drop(child.stdout.take());
    }
    if case.stderr == Sink::Closed {
        drop(child.stderr.take());
    }
    let feeder = case.stdin.clone().map(|bytes| {
        let mut pipe = child.stdin.take().expect("stdin pipe");
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        })
    });
    let out = child.wait_with_output().expect("wait for litcap");
    if let Some(f) = feeder {
        let _ = f.join();
    }
    let status = match out.status.code() {
        Some(c) => c.to_string(),
        None => format!("signal: {:?}", out.status),
    };
    Ran {
        stdout: out.stdout,
        stderr: out.stderr,
        status,
    }
}

fn cases() -> Vec<PathBuf> {
    let dir = common::root().join("tests/golden");
    let mut all: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/golden")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("cmd").is_file())
        .collect();
    all.sort();
    all
}

fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A line-by-line comparison of what was expected and what came: the first differing line
/// with a little context.
fn first_difference(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.split('\n').collect();
    let a: Vec<&str> = actual.split('\n').collect();
    let i = e
        .iter()
        .zip(&a)
        .position(|(x, y)| x != y)
        .unwrap_or(e.len().min(a.len()));
    let from = i.saturating_sub(2);
    let mut out = format!("first difference at line {}:\n", i + 1);
    for (n, l) in e.iter().enumerate().skip(from).take(5) {
        out.push_str(&format!("  expected {:>4}: {l}\n", n + 1));
    }
    for (n, l) in a.iter().enumerate().skip(from).take(5) {
        out.push_str(&format!("  actual   {:>4}: {l}\n", n + 1));
    }
    out
}

#[test]
fn golden() {
    let bless = std::env::var_os("LITCAP_BLESS").is_some_and(|v| v == "1");
    let only = std::env::var("LITCAP_GOLDEN").ok();
    let mut failures = Vec::new();
    let mut ran = 0;
    for dir in cases() {
        let case = match load_case(&dir) {
            Ok(c) => c,
            Err(e) => {
                failures.push(format!("{}: {e}", dir.display()));
                continue;
            }
        };
        if only.as_deref().is_some_and(|o| !case.name.contains(o)) {
            continue;
        }
        ran += 1;
        let got = run(&case);
        let pairs = [
            ("stdout", got.stdout.clone()),
            ("stderr", got.stderr.clone()),
            ("status", format!("{}\n", got.status).into_bytes()),
        ];
        if bless {
            for (file, bytes) in &pairs {
                let path = case.dir.join(file);
                // An empty stdout or stderr is the absence of the file.
                if bytes.is_empty() && *file != "status" {
                    let _ = std::fs::remove_file(&path);
                } else {
                    std::fs::write(&path, bytes).expect("write expectation");
                }
            }
            continue;
        }
        for (file, bytes) in &pairs {
            // A missing `stdout` or `stderr` means nothing; a missing `status` never matches.
            let want = std::fs::read(case.dir.join(file)).unwrap_or_default();
            if &want != bytes {
                failures.push(format!(
                    "case `{}`: {file} differs\n{}\n--- actual {file} ---\n{}",
                    case.name,
                    first_difference(&show(&want), &show(bytes)),
                    show(bytes)
                ));
            }
        }
        if got.status.starts_with("signal") || got.status == "101" {
            failures.push(format!(
                "case `{}`: litcap crashed ({})",
                case.name, got.status
            ));
        }
    }
    assert!(ran > 0 || only.is_some(), "no golden cases found");
    assert!(
        failures.is_empty(),
        "{} golden case(s) failed (LITCAP_BLESS=1 rewrites the expectations):\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn words() {
    let w = split_words(
        r#"check $CASE/p.litcap --at "2024-01-01T00:00:00Z" 'a b' c\ d"#,
        "X",
    )
    .unwrap();
    assert_eq!(
        w,
        [
            "check",
            "X/p.litcap",
            "--at",
            "2024-01-01T00:00:00Z",
            "a b",
            "c d"
        ]
    );
    assert_eq!(split_words("'$CASE'", "X").unwrap(), ["$CASE"]);
    assert!(split_words("'open", "X").is_err());
}
