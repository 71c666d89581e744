//! Supply chain, offline: the `cargo deny check` equivalent that works without GitHub.
//!
//! - licenses: every package's license expression is satisfiable with `supply-chain/licenses.txt`,
//!   and every entry there is needed by some package;
//! - bans: no crate of `supply-chain/banned.txt` is in the lock;
//! - duplicates: crates at several versions are exactly those of `supply-chain/duplicates.txt`;
//! - advisories: no version in `Cargo.lock`, `fuzz/Cargo.lock` or `bindings/node/Cargo.lock` is
//!   affected by an advisory of the snapshot `supply-chain/advisories.toml` (unless accepted
//!   there for that exact version), and the snapshot was taken for every crate in the locks.
//!
//! Package data comes from `cargo metadata --locked --offline` (every crate of the lock must be in
//! cargo's cache: `cargo fetch --locked`, which `.ci/run` runs first; if some are missing, the
//! test lets cargo download them). See `supply-chain/README.md`.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::OnceLock;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
}

/// Registry packages of `cargo metadata`: (name, version, license).
fn packages() -> &'static [(String, String, Option<String>)] {
    &metadata().0
}

/// The names of the registry crates litcap itself builds: reachable from its own package
/// without going through one of its dev-dependencies.
fn built_crates() -> &'static BTreeSet<String> {
    &metadata().1
}

#[allow(clippy::type_complexity)]
fn metadata() -> &'static (Vec<(String, String, Option<String>)>, BTreeSet<String>) {
    static PACKAGES: OnceLock<(Vec<(String, String, Option<String>)>, BTreeSet<String>)> =
        OnceLock::new();
    PACKAGES.get_or_init(|| {
        let metadata = |offline: bool| {
            let mut cmd = std::process::Command::new(env!("CARGO"));
            cmd.args(["metadata", "--locked", "--format-version", "1"]);
            if offline {
                cmd.arg("--offline");
            }
            cmd.current_dir(root())
                .output()
                .expect("run cargo metadata")
        };
        // Offline first. A fresh clone's `cargo test` downloads only the crates its build needs,
        // not the other platforms' or the optional ones metadata reads: then let cargo fetch them
        // (the network a fresh `cargo test` just used). CI runs `cargo fetch --locked` first.
        let mut out = metadata(true);
        if !out.status.success() {
            out = metadata(false);
        }
        assert!(
            out.status.success(),
            "`cargo metadata --locked` failed, offline and online (`cargo fetch --locked` fetches \
             every crate of the lock):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let meta: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata JSON");
        let mut v: Vec<_> = meta["packages"]
            .as_array()
            .expect("packages")
            .iter()
            .filter(|p| p["source"].is_string()) // registry crates, not litcap itself
            .map(|p| {
                (
                    p["name"].as_str().unwrap_or_default().to_string(),
                    p["version"].as_str().unwrap_or_default().to_string(),
                    p["license"].as_str().map(str::to_string),
                )
            })
            .collect();
        v.sort();
        // The resolve graph from litcap's own node, leaving out its dev-dependency edges.
        let name_of = |id: &str| {
            meta["packages"]
                .as_array()
                .and_then(|ps| ps.iter().find(|p| p["id"] == id))
                .and_then(|p| p["name"].as_str())
                .unwrap_or_default()
                .to_string()
        };
        let nodes = meta["resolve"]["nodes"].as_array().expect("resolve nodes");
        let root = meta["resolve"]["root"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let mut built = BTreeSet::new();
        let mut todo = vec![root.clone()];
        let mut seen = BTreeSet::new();
        while let Some(id) = todo.pop() {
            if !seen.insert(id.clone()) {
                continue;
            }
            if id != root {
                built.insert(name_of(&id));
            }
            let Some(node) = nodes.iter().find(|n| n["id"] == id.as_str()) else {
                continue;
            };
            for dep in node["deps"].as_array().into_iter().flatten() {
                let dev_only = dep["dep_kinds"]
                    .as_array()
                    .is_some_and(|ks| !ks.is_empty() && ks.iter().all(|k| k["kind"] == "dev"));
                if !(dev_only && id == root) {
                    todo.push(dep["pkg"].as_str().unwrap_or_default().to_string());
                }
            }
        }
        (v, built)
    })
}

/// `<key> | <reason>` lines of a supply-chain list (comments and blank lines skipped).
fn list(rel: &str) -> Vec<(String, String)> {
    read(rel)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (key, reason) = l.split_once('|').unwrap_or((l, ""));
            assert!(!reason.trim().is_empty(), "{rel}: `{l}` gives no reason");
            (key.trim().to_string(), reason.trim().to_string())
        })
        .collect()
}

// ------------------------------------------------------------------------------ licenses --

/// Whether an SPDX expression is satisfiable with the allowed ids (`id` or `id WITH exception`).
fn license_ok(expr: &str, allowed: &BTreeSet<String>) -> Result<bool, String> {
    let spaced = expr
        .replace('(', " ( ")
        .replace(')', " ) ")
        .replace('/', " OR ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    let mut at = 0;
    let ok = or_expr(&tokens, &mut at, allowed)?;
    if at != tokens.len() {
        return Err(format!("trailing tokens in `{expr}`"));
    }
    Ok(ok)
}

fn or_expr(t: &[&str], at: &mut usize, allowed: &BTreeSet<String>) -> Result<bool, String> {
    let mut ok = and_expr(t, at, allowed)?;
    while t.get(*at) == Some(&"OR") {
        *at += 1;
        ok |= and_expr(t, at, allowed)?;
    }
    Ok(ok)
}

fn and_expr(t: &[&str], at: &mut usize, allowed: &BTreeSet<String>) -> Result<bool, String> {
    let mut ok = atom(t, at, allowed)?;
    while t.get(*at) == Some(&"AND") {
        *at += 1;
        ok &= atom(t, at, allowed)?;
    }
    Ok(ok)
}

fn atom(t: &[&str], at: &mut usize, allowed: &BTreeSet<String>) -> Result<bool, String> {
    match t.get(*at) {
        Some(&"(") => {
            *at += 1;
            let ok = or_expr(t, at, allowed)?;
            if t.get(*at) != Some(&")") {
                return Err("unbalanced parenthesis".into());
            }
            *at += 1;
            Ok(ok)
        }
        Some(id) if !matches!(*id, ")" | "AND" | "OR" | "WITH") => {
            *at += 1;
            let mut term = id.to_string();
            if t.get(*at) == Some(&"WITH") {
                let exception = t.get(*at + 1).ok_or("WITH without an exception")?;
                term = format!("{id} WITH {exception}");
                *at += 2;
            }
            Ok(allowed.contains(&term))
        }
        other => Err(format!("unexpected {other:?}")),
    }
}

#[test]
fn licenses_are_allowed_and_the_list_is_minimal() {
    let allowed: BTreeSet<String> = list("supply-chain/licenses.txt")
        .into_iter()
        .map(|(k, _)| k.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let mut bad = Vec::new();
    for (name, version, license) in packages() {
        match license {
            None => bad.push(format!("{name} {version}: no SPDX `license` field")),
            Some(l) => match license_ok(l, &allowed) {
                Ok(true) => {}
                Ok(false) => bad.push(format!("{name} {version}: `{l}`")),
                Err(e) => bad.push(format!("{name} {version}: cannot read `{l}`: {e}")),
            },
        }
    }
    assert!(
        bad.is_empty(),
        "licenses outside supply-chain/licenses.txt (review, then add with a reason, or drop the crate):\n{}",
        bad.join("\n")
    );
    for entry in &allowed {
        let mut without = allowed.clone();
        without.remove(entry);
        let needed = packages().iter().any(|(_, _, l)| {
            l.as_deref()
                .is_some_and(|l| license_ok(l, &without) == Ok(false))
        });
        assert!(
            needed,
            "supply-chain/licenses.txt: no package needs `{entry}`; remove it"
        );
    }
}

#[test]
fn spdx_expressions() {
    let allowed: BTreeSet<String> = ["MIT", "Apache-2.0 WITH LLVM-exception", "ISC"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(license_ok("MIT OR Apache-2.0", &allowed), Ok(true));
    assert_eq!(license_ok("Apache-2.0", &allowed), Ok(false));
    assert_eq!(license_ok("Apache-2.0 AND ISC", &allowed), Ok(false));
    assert_eq!(
        license_ok("(MIT OR Apache-2.0) AND ISC", &allowed),
        Ok(true)
    );
    assert_eq!(license_ok("Unlicense/MIT", &allowed), Ok(true));
    assert_eq!(
        license_ok("Apache-2.0 WITH LLVM-exception OR GPL-3.0", &allowed),
        Ok(true)
    );
    assert!(license_ok("(MIT", &allowed).is_err());
}

// --------------------------------------------------------------------------------- bans --

#[test]
fn banned_crates_are_absent() {
    // `<name> (dev)`: banned from what litcap builds, tolerated under a dev-dependency.
    let banned = list("supply-chain/banned.txt");
    let found: Vec<String> = packages()
        .iter()
        .filter_map(|(name, version, _)| {
            banned
                .iter()
                .find(|(b, _)| {
                    let (crate_name, dev_ok) = match b.strip_suffix("(dev)") {
                        Some(n) => (n.trim(), true),
                        None => (b.as_str(), false),
                    };
                    crate_name == name && (!dev_ok || built_crates().contains(name))
                })
                .map(|(_, why)| format!("{name} {version}: {why}"))
        })
        .collect();
    assert!(
        found.is_empty(),
        "banned crates in Cargo.lock (`cargo tree -i <name>` shows who pulls them):\n{}",
        found.join("\n")
    );
}

// ---------------------------------------------------------------------------- duplicates --

#[test]
fn duplicate_versions_are_exactly_the_listed_ones() {
    let mut versions: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (name, version, _) in packages() {
        versions.entry(name).or_default().insert(version);
    }
    let actual: BTreeMap<String, Vec<String>> = versions
        .into_iter()
        .filter(|(_, v)| v.len() > 1)
        .map(|(n, v)| (n.to_string(), v.into_iter().map(String::from).collect()))
        .collect();
    let listed: BTreeMap<String, Vec<String>> = list("supply-chain/duplicates.txt")
        .into_iter()
        .map(|(key, _)| {
            let mut words = key.split_whitespace().map(String::from);
            let name = words.next().unwrap_or_default();
            let mut v: Vec<String> = words.collect();
            v.sort();
            (name, v)
        })
        .collect();
    let mut problems = Vec::new();
    for (name, v) in &actual {
        match listed.get(name) {
            Some(l) if l == v => {}
            Some(l) => problems.push(format!(
                "{name}: the lock has {v:?}, supply-chain/duplicates.txt lists {l:?}"
            )),
            None => problems.push(format!(
                "{name} {v:?}: new duplicate (`cargo tree -d`); unify it or list it with a reason"
            )),
        }
    }
    for name in listed.keys().filter(|n| !actual.contains_key(*n)) {
        problems.push(format!(
            "{name}: no longer duplicated; remove it from supply-chain/duplicates.txt"
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---------------------------------------------------------------------------- advisories --

/// The TOML this test reads (Cargo.lock, advisories.toml): tables, arrays of tables, strings,
/// arrays of strings; other scalars are kept as text.
#[derive(Clone, Debug, PartialEq)]
enum Toml {
    Str(String),
    Arr(Vec<Toml>),
    Other(String),
}

impl Toml {
    fn as_str(&self) -> Option<&str> {
        match self {
            Toml::Str(s) => Some(s),
            _ => None,
        }
    }
    fn strings(&self) -> Vec<String> {
        match self {
            Toml::Arr(a) => a
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// (`[[name]]` or `[name]` header, its keys), in order; the root table has the header "".
type Tables = Vec<(String, BTreeMap<String, Toml>)>;

fn parse_toml(text: &str) -> Result<Tables, String> {
    let c: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut tables: Tables = vec![(String::new(), BTreeMap::new())];
    fn skip(c: &[char], i: &mut usize, newlines: bool) {
        while *i < c.len() {
            match c[*i] {
                ' ' | '\t' | '\r' => *i += 1,
                '\n' if newlines => *i += 1,
                '#' => {
                    while *i < c.len() && c[*i] != '\n' {
                        *i += 1;
                    }
                }
                _ => break,
            }
        }
    }
    fn string(c: &[char], i: &mut usize) -> Result<String, String> {
        *i += 1; // opening quote
        let mut s = String::new();
        while *i < c.len() {
            match c[*i] {
                '"' => {
                    *i += 1;
                    return Ok(s);
                }
                '\\' => {
                    let e = c.get(*i + 1).copied().ok_or("dangling escape")?;
                    s.push(match e {
                        'n' => '\n',
                        't' => '\t',
                        other => other,
                    });
                    *i += 2;
                }
                ch => {
                    s.push(ch);
                    *i += 1;
                }
            }
        }
        Err("unterminated string".into())
    }
    fn value(c: &[char], i: &mut usize) -> Result<Toml, String> {
        match c.get(*i) {
            Some('"') => string(c, i).map(Toml::Str),
            Some('[') => {
                *i += 1;
                let mut items = Vec::new();
                loop {
                    skip(c, i, true);
                    match c.get(*i) {
                        Some(']') => {
                            *i += 1;
                            return Ok(Toml::Arr(items));
                        }
                        None => return Err("unterminated array".into()),
                        _ => items.push(value(c, i)?),
                    }
                    skip(c, i, true);
                    if c.get(*i) == Some(&',') {
                        *i += 1;
                    }
                }
            }
            Some(_) => {
                let start = *i;
                while *i < c.len() && !matches!(c[*i], ',' | ']' | '#' | '\n' | ' ' | '\t') {
                    *i += 1;
                }
                Ok(Toml::Other(c[start..*i].iter().collect()))
            }
            None => Err("missing value".into()),
        }
    }
    loop {
        skip(&c, &mut i, true);
        if i >= c.len() {
            return Ok(tables);
        }
        if c[i] == '[' {
            let end = (i..c.len()).find(|&j| c[j] == '\n').unwrap_or(c.len());
            let header: String = c[i..end].iter().collect();
            let name = header.trim().trim_matches(|ch| ch == '[' || ch == ']');
            tables.push((name.trim().to_string(), BTreeMap::new()));
            i = end;
            continue;
        }
        let start = i;
        while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_' || c[i] == '-') {
            i += 1;
        }
        let key: String = c[start..i].iter().collect();
        skip(&c, &mut i, false);
        if key.is_empty() || c.get(i) != Some(&'=') {
            let line = c[..start].iter().filter(|&&ch| ch == '\n').count() + 1;
            return Err(format!("line {line}: expected `key = value`"));
        }
        i += 1;
        skip(&c, &mut i, false);
        let v = value(&c, &mut i)?;
        if let Some((_, t)) = tables.last_mut() {
            t.insert(key, v);
        }
    }
}

/// A semver version (build metadata dropped; a missing pre-release sorts after any).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Version {
    num: [u64; 3],
    pre: Option<String>,
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        use std::cmp::Ordering::*;
        self.num
            .cmp(&other.num)
            .then_with(|| match (&self.pre, &other.pre) {
                (None, None) => Equal,
                (None, Some(_)) => Greater,
                (Some(_), None) => Less,
                (Some(a), Some(b)) => {
                    let key = |s: &str| -> Vec<(u64, String)> {
                        s.split('.')
                            .map(|p| match p.parse::<u64>() {
                                Ok(n) => (n, String::new()),
                                Err(_) => (u64::MAX, p.to_string()),
                            })
                            .collect()
                    };
                    key(a).cmp(&key(b))
                }
            })
    }
}

/// `1`, `1.2`, `1.2.3`, `1.2.3-alpha.1+build`: the numbers given and the pre-release.
fn partial(s: &str) -> Result<(Vec<u64>, Option<String>), String> {
    let s = s.split('+').next().unwrap_or(s);
    let (nums, pre) = match s.split_once('-') {
        Some((n, p)) => (n, Some(p.to_string())),
        None => (s, None),
    };
    let parts: Vec<u64> = nums
        .split('.')
        .map(|p| p.parse::<u64>().map_err(|_| format!("bad version `{s}`")))
        .collect::<Result<_, _>>()?;
    if parts.is_empty() || parts.len() > 3 {
        return Err(format!("bad version `{s}`"));
    }
    Ok((parts, pre))
}

fn version(s: &str) -> Result<Version, String> {
    let (p, pre) = partial(s)?;
    Ok(Version {
        num: [p[0], *p.get(1).unwrap_or(&0), *p.get(2).unwrap_or(&0)],
        pre,
    })
}

/// Whether `v` matches a cargo/semver requirement (comparators joined by `,`).
fn matches(req: &str, v: &Version) -> Result<bool, String> {
    for comparator in req.split(',') {
        let c = comparator.trim();
        let op_len = c
            .find(|ch: char| ch.is_ascii_digit())
            .ok_or(format!("bad comparator `{c}`"))?;
        let op = c[..op_len].trim();
        let (p, pre) = partial(c[op_len..].trim())?;
        let at = |n: [u64; 3]| Version { num: n, pre: None };
        let lo = Version {
            num: [p[0], *p.get(1).unwrap_or(&0), *p.get(2).unwrap_or(&0)],
            pre,
        };
        // The first version past the given precision (`1.2` -> `1.3.0`, `1` -> `2.0.0`).
        let next = |n: usize| match n {
            1 => at([p[0] + 1, 0, 0]),
            2 => at([p[0], p[1] + 1, 0]),
            _ => at([p[0], p[1], p[2] + 1]),
        };
        let ok = match op {
            ">=" => *v >= lo,
            ">" if p.len() == 3 => *v > lo,
            ">" => *v >= next(p.len()),
            "<" => *v < lo,
            "<=" if p.len() == 3 => *v <= lo,
            "<=" => *v < next(p.len()),
            "=" if p.len() == 3 => *v == lo,
            "=" => *v >= lo && *v < next(p.len()),
            "~" => *v >= lo && *v < next(p.len().min(2)),
            "^" | "" => {
                // The first non-zero of the given numbers is the one that may not change.
                let keep = p.iter().position(|&n| n != 0).map_or(p.len(), |i| i + 1);
                *v >= lo && *v < next(keep.min(p.len()))
            }
            other => return Err(format!("unknown operator `{other}` in `{c}`")),
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

#[test]
fn semver_requirements() {
    let v = |s: &str| version(s).unwrap();
    let m = |r: &str, s: &str| matches(r, &v(s)).unwrap();
    assert!(m(">= 1.11.1", "1.12.2") && !m(">= 1.11.1", "1.11.0"));
    assert!(m("< 1.2.1", "1.2.0") && !m("< 1.2.1", "1.2.1"));
    assert!(m("^0.3.24", "0.3.30") && !m("^0.3.24", "0.4.0") && !m("^0.3.24", "0.3.23"));
    assert!(m("^ 0.3.1", "0.3.9") && m("0.13.10", "0.13.11") && !m("0.13.10", "0.14.0"));
    assert!(m("^1.8.1", "1.54.1") && !m("^1.8.1", "2.0.0"));
    assert!(m("~1.5.1", "1.5.9") && !m("~1.5.1", "1.6.0"));
    assert!(m("<= 0.22", "0.22.9") && !m("<= 0.22", "0.23.0"));
    assert!(m(">= 0.23, < 0.23.13", "0.23.12") && !m(">= 0.23, < 0.23.13", "0.23.13"));
    assert!(m("= 0.4.10", "0.4.10") && !m("= 0.4.10", "0.4.11") && m("=0.15", "0.15.3"));
    assert!(m(">= 2", "2.2.0") && !m(">= 2", "1.9.9"));
    assert!(m(">= 0.103.13, < 0.104.0-alpha.1", "0.103.17"));
    assert!(!m(">= 0.103.13, < 0.104.0-alpha.1", "0.104.0"));
    assert!(m("< 0.104.0-alpha.1", "0.104.0-alpha.0"));
    assert!(m(">= 0.9.7, <0.10.0", "0.9.8"));
    assert_eq!(v("0.11.1+wasi-snapshot-preview1"), v("0.11.1"));
    assert!(matches("=> 1", &v("1.0.0")).is_err());
}

/// The lock files the advisory checks read: litcap's, the fuzz crate's and the Node.js addon's.
const LOCKS: [&str; 3] = ["Cargo.lock", "fuzz/Cargo.lock", "bindings/node/Cargo.lock"];

/// (name, version) of every registry package in a Cargo.lock.
fn lock_packages(rel: &str) -> Vec<(String, String)> {
    let tables = parse_toml(&read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    tables
        .iter()
        .filter(|(h, t)| h == "package" && t.contains_key("source"))
        .map(|(_, t)| {
            let get = |k: &str| {
                t.get(k)
                    .and_then(Toml::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            (get("name"), get("version"))
        })
        .collect()
}

struct Advisory {
    id: String,
    package: String,
    patched: Vec<String>,
    unaffected: Vec<String>,
    withdrawn: bool,
}

fn snapshot() -> (Tables, Vec<Advisory>) {
    let tables = parse_toml(&read("supply-chain/advisories.toml"))
        .unwrap_or_else(|e| panic!("supply-chain/advisories.toml: {e}"));
    let advisories = tables
        .iter()
        .filter(|(h, _)| h == "advisory")
        .map(|(_, t)| {
            let get = |k: &str| {
                t.get(k)
                    .and_then(Toml::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            let advisory = Advisory {
                id: get("id"),
                package: get("package"),
                patched: t.get("patched").map(Toml::strings).unwrap_or_default(),
                unaffected: t.get("unaffected").map(Toml::strings).unwrap_or_default(),
                withdrawn: t.contains_key("withdrawn"),
            };
            for key in ["id", "package", "date", "kind", "title", "commit"] {
                assert!(!get(key).is_empty(), "{}: no `{key}`", advisory.id);
            }
            assert!(
                t.contains_key("patched") && t.contains_key("unaffected"),
                "{}: `patched` and `unaffected` must both be given (possibly empty)",
                advisory.id
            );
            advisory
        })
        .collect();
    (tables, advisories)
}

fn affected(a: &Advisory, v: &Version) -> Result<bool, String> {
    for req in a.patched.iter().chain(&a.unaffected) {
        if matches(req, v)? {
            return Ok(false);
        }
    }
    Ok(true)
}

#[test]
fn the_advisory_snapshot_covers_every_locked_crate() {
    let (tables, advisories) = snapshot();
    let checked: BTreeSet<String> = tables
        .iter()
        .find(|(h, _)| h == "source")
        .and_then(|(_, t)| t.get("checked"))
        .map(Toml::strings)
        .unwrap_or_default()
        .into_iter()
        .collect();
    let mut missing = BTreeSet::new();
    for rel in LOCKS {
        for (name, _) in lock_packages(rel) {
            if !checked.contains(&name) {
                missing.insert(name);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "crates in the lock files that the advisory snapshot was not taken for: look each up in \
         rustsec/advisory-db (crates/<name>/), add its advisories and its name to `checked` in \
         supply-chain/advisories.toml:\n{missing:?}"
    );
    for a in &advisories {
        assert!(
            checked.contains(&a.package),
            "{}: `{}` is not in `checked`",
            a.id,
            a.package
        );
    }
}

#[test]
fn no_locked_version_is_affected_by_a_known_advisory() {
    let (tables, advisories) = snapshot();
    let accepted: Vec<(String, String, String)> = tables
        .iter()
        .filter(|(h, _)| h == "accepted")
        .map(|(_, t)| {
            let get = |k: &str| {
                t.get(k)
                    .and_then(Toml::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            assert!(
                !get("reason").is_empty(),
                "accepted {}: no reason",
                get("id")
            );
            (get("id"), get("package"), get("version"))
        })
        .collect();
    let mut locked: BTreeSet<(String, String, &str)> = BTreeSet::new();
    for rel in LOCKS {
        for (name, version) in lock_packages(rel) {
            locked.insert((name, version, rel));
        }
    }
    let mut problems = Vec::new();
    let mut used = BTreeSet::new();
    for a in advisories.iter().filter(|a| !a.withdrawn) {
        for (name, ver, rel) in locked.iter().filter(|(n, _, _)| *n == a.package) {
            let v = version(ver).unwrap_or_else(|e| panic!("{rel}: {name}: {e}"));
            match affected(a, &v) {
                Err(e) => problems.push(format!("{}: {e}", a.id)),
                Ok(false) => {}
                Ok(true) => {
                    let key = (a.id.clone(), name.clone(), ver.clone());
                    if accepted.contains(&key) {
                        used.insert(key);
                    } else {
                        problems.push(format!(
                            "{rel}: {name} {ver} is affected by {} (patched: {:?}); upgrade \
                             (`cargo update -p {name}`), or accept it in \
                             supply-chain/advisories.toml with a reason",
                            a.id, a.patched
                        ));
                    }
                }
            }
        }
    }
    for key in accepted.iter().filter(|k| !used.contains(*k)) {
        problems.push(format!(
            "stale [[accepted]] {key:?}: that version is not locked or not affected; remove it"
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_toml_reader_reads_cargo_lock_shapes() {
    let t = parse_toml(
        "version = 4\n\n[[package]]\nname = \"a\" # c\nversion = \"1.0.0\"\ndependencies = [\n \"b\",\n \"c 1.0\",\n]\n\n[source]\nx = [\"q\\\"\", 'r']\n",
    )
    .unwrap();
    assert_eq!(t[1].0, "package");
    assert_eq!(t[1].1["dependencies"].strings(), vec!["b", "c 1.0"]);
    assert_eq!(t[2].1["x"].strings(), vec!["q\""]);
    assert!(parse_toml("= 1").is_err());
}
