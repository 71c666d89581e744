//! The code's shape, measured (issue #9, "indicative shape"): no source file above 800 lines of
//! code, no function above 150, no CLI file above 250.
//!
//! What counts:
//! - a *line of code* is a line with something on it besides whitespace and comments (doc
//!   comments included: they say why, and a rule that charged for them would teach people to
//!   drop them); string literals count;
//! - test code does not count: an item under `#[cfg(test)]` (or `#[cfg(all(test, ..))]`) is left
//!   out, wherever it sits in the file;
//! - a function is measured from its `fn` line to its closing brace, in lines of code (a nested
//!   `fn` counts in its own length and its parent's);
//! - CLI files are the bin target: `src/main.rs` and everything under `src/cli/`.
//!
//! The scanner is a small Rust lexer (comments, nested block comments, strings with escapes, raw
//! strings, char and byte literals against lifetimes) and brace matching; it needs no parser
//! crate. `ALLOWED` lists anything that must stay longer, each with its reason.
//!
//! To see the numbers: `LITCAP_SHAPE_REPORT=1 cargo test --test shape -- --nocapture`
//! (every file above 400 lines of code and every function above 80, largest first).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const FILE_LIMIT: usize = 800;
const CLI_FILE_LIMIT: usize = 250;
const FN_LIMIT: usize = 150;

/// Exceptions: (path from the repository root, function name or `""` for the file itself,
/// the limit that applies instead, why).
/// Empty since issue #9's splits: every file and function is within the limits.
const ALLOWED: &[(&str, &str, usize, &str)] = &[];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Punct(char),
    Literal,
}

/// One source file, lexed: its significant tokens with their (1-based) lines, and which lines
/// hold code.
struct Lexed {
    toks: Vec<(Tok, usize)>,
    code_lines: BTreeSet<usize>,
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

fn lex(src: &str) -> Lexed {
    let s: Vec<char> = src.chars().collect();
    let mut toks = Vec::new();
    let mut code_lines = BTreeSet::new();
    let mut line = 1usize;
    let mut i = 0usize;
    // Marks every line from `from` to the current line as holding code (a literal may span lines).
    let mark = |code_lines: &mut BTreeSet<usize>, from: usize, to: usize| {
        for l in from..=to {
            code_lines.insert(l);
        }
    };
    while i < s.len() {
        let c = s[i];
        if c == '\n' {
            line += 1;
            i += 1;
            continue;
        }
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        // Comments.
        if c == '/' && s.get(i + 1) == Some(&'/') {
            while i < s.len() && s[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && s.get(i + 1) == Some(&'*') {
            let mut depth = 0usize;
            while i < s.len() {
                if s[i] == '/' && s.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if s[i] == '*' && s.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if s[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
            continue;
        }
        let start_line = line;
        // Raw strings: r"..", r#".."#, br#".."#.
        let raw_at = if c == 'r' {
            Some(i + 1)
        } else if c == 'b' && s.get(i + 1) == Some(&'r') {
            Some(i + 2)
        } else {
            None
        };
        if let Some(mut j) = raw_at {
            let mut hashes = 0usize;
            while s.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if s.get(j) == Some(&'"') {
                j += 1;
                loop {
                    if j >= s.len() {
                        break;
                    }
                    if s[j] == '\n' {
                        line += 1;
                    }
                    if s[j] == '"' && (0..hashes).all(|k| s.get(j + 1 + k) == Some(&'#')) {
                        j += 1 + hashes;
                        break;
                    }
                    j += 1;
                }
                i = j;
                toks.push((Tok::Literal, start_line));
                mark(&mut code_lines, start_line, line);
                continue;
            }
        }
        // Strings and byte strings.
        if c == '"' || (c == 'b' && s.get(i + 1) == Some(&'"')) {
            i += if c == 'b' { 2 } else { 1 };
            while i < s.len() {
                match s[i] {
                    '\\' => {
                        if s.get(i + 1) == Some(&'\n') {
                            line += 1;
                        }
                        i += 2;
                    }
                    '"' => {
                        i += 1;
                        break;
                    }
                    '\n' => {
                        line += 1;
                        i += 1;
                    }
                    _ => i += 1,
                }
            }
            toks.push((Tok::Literal, start_line));
            mark(&mut code_lines, start_line, line);
            continue;
        }
        // Char and byte literals, or a lifetime.
        if c == '\'' || (c == 'b' && s.get(i + 1) == Some(&'\'')) {
            let q = if c == 'b' { i + 1 } else { i };
            if s.get(q + 1) == Some(&'\\') {
                let mut j = q + 2;
                // The escaped character itself may be a quote (`'\''`).
                j += 1;
                while j < s.len() && s[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
                toks.push((Tok::Literal, line));
                code_lines.insert(line);
                continue;
            }
            if s.get(q + 2) == Some(&'\'') {
                i = q + 3;
                toks.push((Tok::Literal, line));
                code_lines.insert(line);
                continue;
            }
            if c == '\'' {
                // A lifetime or label: `'a`.
                i += 1;
                while i < s.len() && is_ident_char(s[i]) {
                    i += 1;
                }
                toks.push((Tok::Literal, line));
                code_lines.insert(line);
                continue;
            }
        }
        if is_ident_start(c) {
            let from = i;
            while i < s.len() && is_ident_char(s[i]) {
                i += 1;
            }
            let word: String = s[from..i].iter().collect();
            // A raw identifier `r#name`.
            let word = if word == "r"
                && s.get(i) == Some(&'#')
                && s.get(i + 1).is_some_and(|&c| is_ident_start(c))
            {
                i += 1;
                let from = i;
                while i < s.len() && is_ident_char(s[i]) {
                    i += 1;
                }
                s[from..i].iter().collect()
            } else {
                word
            };
            toks.push((Tok::Ident(word), line));
            code_lines.insert(line);
            continue;
        }
        if c.is_ascii_digit() {
            while i < s.len()
                && (is_ident_char(s[i])
                    || s[i] == '.' && s.get(i + 1).is_some_and(|c| c.is_ascii_digit()))
            {
                i += 1;
            }
            toks.push((Tok::Literal, line));
            code_lines.insert(line);
            continue;
        }
        toks.push((Tok::Punct(c), line));
        code_lines.insert(line);
        i += 1;
    }
    Lexed { toks, code_lines }
}

fn is_punct(t: Option<&(Tok, usize)>, c: char) -> bool {
    matches!(t, Some((Tok::Punct(p), _)) if *p == c)
}

/// The index of the token that closes the bracket opened at `open`.
fn matching(toks: &[(Tok, usize)], open: usize) -> usize {
    let mut depth = 0isize;
    for (k, (t, _)) in toks.iter().enumerate().skip(open) {
        match t {
            Tok::Punct('{' | '(' | '[') => depth += 1,
            Tok::Punct('}' | ')' | ']') => {
                depth -= 1;
                if depth == 0 {
                    return k;
                }
            }
            _ => {}
        }
    }
    toks.len() - 1
}

/// Where the item starting at token `from` ends: its first `;` outside brackets, or the brace
/// that closes its first `{` outside parentheses and square brackets.
fn item_end(toks: &[(Tok, usize)], from: usize) -> Option<usize> {
    let mut k = from;
    while k < toks.len() {
        match &toks[k].0 {
            Tok::Punct(';') => return Some(k),
            Tok::Punct('{') => return Some(matching(toks, k)),
            Tok::Punct('(' | '[') => k = matching(toks, k) + 1,
            Tok::Punct('}') => return None,
            _ => k += 1,
        }
    }
    None
}

struct Measured {
    code: usize,
    /// (name, first line, lines of code).
    fns: Vec<(String, usize, usize)>,
}

fn measure(src: &str) -> Measured {
    let Lexed { toks, code_lines } = lex(src);
    // Test items: `#[cfg(test)]` / `#[cfg(all(test, ..))]` and the item after it.
    let mut test_lines = BTreeSet::new();
    let mut test_toks = vec![false; toks.len()];
    let mut k = 0;
    while k < toks.len() {
        if is_punct(toks.get(k), '#') && is_punct(toks.get(k + 1), '[') {
            let close = matching(&toks, k + 1);
            let attr = &toks[k + 2..close];
            let is_cfg = matches!(attr.first(), Some((Tok::Ident(w), _)) if w == "cfg");
            let has = |name: &str| {
                attr.iter()
                    .any(|(t, _)| matches!(t, Tok::Ident(w) if w == name))
            };
            if is_cfg && has("test") && !has("not") {
                if let Some(end) = item_end(&toks, close + 1) {
                    for l in toks[k].1..=toks[end].1 {
                        test_lines.insert(l);
                    }
                    for flag in &mut test_toks[k..=end] {
                        *flag = true;
                    }
                    k = end + 1;
                    continue;
                }
            }
            k = close + 1;
            continue;
        }
        k += 1;
    }
    let code_in = |from: usize, to: usize| {
        code_lines
            .range(from..=to)
            .filter(|l| !test_lines.contains(l))
            .count()
    };
    let mut fns = Vec::new();
    for k in 0..toks.len() {
        if test_toks[k] {
            continue;
        }
        let (Tok::Ident(w), fn_line) = &toks[k] else {
            continue;
        };
        if w != "fn" {
            continue;
        }
        let Some((Tok::Ident(name), _)) = toks.get(k + 1) else {
            continue;
        };
        // The body: the first `{` after the signature's parentheses (a `;` first: no body).
        let mut j = k + 2;
        let body = loop {
            match toks.get(j).map(|t| &t.0) {
                None | Some(Tok::Punct(';')) => break None,
                Some(Tok::Punct('{')) => break Some(j),
                Some(Tok::Punct('(' | '[')) => j = matching(&toks, j) + 1,
                _ => j += 1,
            }
        };
        let Some(open) = body else { continue };
        let close = matching(&toks, open);
        fns.push((name.clone(), *fn_line, code_in(*fn_line, toks[close].1)));
    }
    let total = code_lines.len() - code_lines.intersection(&test_lines).count();
    Measured { code: total, fns }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("src/ is readable")
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn allowed(path: &str, name: &str) -> Option<usize> {
    ALLOWED
        .iter()
        .find(|(p, n, _, _)| *p == path && *n == name)
        .map(|(_, _, limit, _)| *limit)
}

#[test]
fn no_file_or_function_beyond_the_indicative_shape() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut offences = Vec::new();
    let mut report_files = Vec::new();
    let mut report_fns = Vec::new();
    for path in &files {
        let rel = path
            .strip_prefix(&root)
            .expect("under the root")
            .to_string_lossy()
            .replace('\\', "/");
        let src = std::fs::read_to_string(path).expect("a source file is UTF-8");
        let m = measure(&src);
        let cli = rel == "src/main.rs" || rel.starts_with("src/cli/");
        let limit = allowed(&rel, "").unwrap_or(if cli { CLI_FILE_LIMIT } else { FILE_LIMIT });
        if m.code > limit {
            offences.push(format!("{rel}: {} lines of code (limit {limit})", m.code));
        }
        report_files.push((m.code, rel.clone(), cli));
        for (name, line, len) in m.fns {
            let limit = allowed(&rel, &name).unwrap_or(FN_LIMIT);
            if len > limit {
                offences.push(format!(
                    "{rel}:{line}: fn {name} is {len} lines of code (limit {limit})"
                ));
            }
            report_fns.push((len, format!("{rel}:{line} fn {name}")));
        }
    }
    if std::env::var_os("LITCAP_SHAPE_REPORT").is_some() {
        report_files.sort_by_key(|f| std::cmp::Reverse(f.0));
        report_fns.sort_by_key(|f| std::cmp::Reverse(f.0));
        let mut out = String::from("files (lines of code, tests excluded):\n");
        for (code, rel, cli) in report_files
            .iter()
            .filter(|(c, _, cli)| *c > 400 || *cli && *c > 200)
        {
            let _ = writeln!(out, "{code:6}  {rel}{}", if *cli { "  (cli)" } else { "" });
        }
        out.push_str("functions (lines of code):\n");
        for (len, what) in report_fns.iter().filter(|(l, _)| *l > 80) {
            let _ = writeln!(out, "{len:6}  {what}");
        }
        println!("{out}");
    }
    // Every allow-list entry must still be needed, so the list cannot go stale.
    for (path, name, _, why) in ALLOWED {
        let needed = if name.is_empty() {
            report_files.iter().any(|(code, rel, cli)| {
                rel == path && *code > if *cli { CLI_FILE_LIMIT } else { FILE_LIMIT }
            })
        } else {
            report_fns.iter().any(|(len, what)| {
                *len > FN_LIMIT
                    && what.starts_with(&format!("{path}:"))
                    && what.ends_with(&format!(" fn {name}"))
            })
        };
        assert!(needed, "ALLOWED lists `{path}` `{name}` ({why}), which is within the limits now: remove the entry");
    }
    assert!(
        offences.is_empty(),
        "beyond the indicative shape (issue #9; see tests/shape.rs):\n{}",
        offences.join("\n")
    );
}

#[test]
fn the_scanner_counts_what_it_should() {
    let src = r####"//! A module doc.
use std::fmt;

/// Doc.
pub fn small(x: u8) -> u8 {
    // a comment
    let s = "a { string } with braces";
    let r = r#"raw "{" here"#;
    let c = '{';
    let e = '\'';
    let l: &'static str = "x";

    x + 1
}

fn takes_fn(f: fn(u8) -> u8) -> u8 {
    f(1)
}

trait T {
    fn declared(&self);
}

/* block /* nested { */ comment */
#[cfg(test)]
mod tests {
    fn in_tests() {
        let a = 1;
    }
}

#[cfg(test)]
mod more_tests;

fn after() {}
"####;
    let m = measure(src);
    let fns: Vec<_> = m
        .fns
        .iter()
        .map(|(n, l, len)| (n.as_str(), *l, *len))
        .collect();
    assert_eq!(
        fns,
        vec![("small", 5, 8), ("takes_fn", 16, 3), ("after", 35, 1)]
    );
    // Code lines: use, small (8: its comment and blank line not counted), takes_fn (3), trait (3),
    // after; the doc comments, the block comment and both test items not counted.
    assert_eq!(m.code, 1 + 8 + 3 + 3 + 1);
}
