//! The report of `litcap verify`: each file's node verdicts and, against a policy session,
//! its policy findings; as JSON and for people. The command reads its arguments and runs the
//! files (in parallel); everything it prints is built here.

use super::sessionsigs::{self, InputError, NodeVerdict, SessionSigsFile, VerifyOptions};
use crate::diag::{self, Code, Diagnostic, Diagnostics, Sources};
use crate::model::{Policy, Session};
use crate::wire::auth_context::AuthContext;
use crate::wire::kind::{self, InputKind};
use serde_json::{json, Value};
use std::borrow::Cow;
use std::cell::RefCell;
use std::path::Path;

/// Files larger than this are refused (a SessionSigs map for 100 nodes is about 500 KB).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// What happened to one input file.
pub enum Outcome {
    /// Could not be read (exit 2).
    Io(String),
    /// Read, but not a SessionSigs map.
    Input(InputError),
    /// Another of litcap's inputs (an AuthSig, a policy), not a SessionSigs map.
    WrongKind(InputKind),
    /// An empty map.
    Empty,
    Verdicts(Vec<NodeVerdict>),
    /// Not a map but one AuthSig (recognised by its `sig`, `derivedVia` and `signedMessage`),
    /// judged as a node judges a session capability.
    AuthSig(LoneAuthSig),
}

/// A lone AuthSig's verdict.
pub struct LoneAuthSig {
    pub verdict: sessionsigs::CapabilityVerdict,
    pub auth_context: Option<AuthContext>,
}

impl LoneAuthSig {
    /// `{kind, valid, signer, error, authContext}`.
    pub fn to_json(&self) -> Value {
        let v = &self.verdict;
        json!({
            "kind": v.kind.as_str(),
            "valid": v.result.is_ok(),
            "signer": v.signer,
            "error": v.result.as_ref().err().map(|(k, m)| json!({"kind": k.as_str(), "message": m, "help": lone_help(*k)})),
            "authContext": self.auth_context.as_ref().map(|c| c.raw.clone()),
        })
    }
}

fn lone_help(kind: sessionsigs::NodeErrorKind) -> &'static str {
    use sessionsigs::NodeErrorKind as K;
    match kind {
        K::BlsNoNetworkKey => "pass the network's BLS public key with `--network-key HEX` (48 bytes, the handshake's `networkPublicKey`), or `--handshake URL`",
        K::NodeSIWESigConversionError => "`sig` must be as the signer wrote it: `0x` and 130 hex digits for a wallet, `{\"ProofOfPossession\":\"<192 hex digits>\"}` for `lit.bls`",
        K::NodeSIWECapabilityInvalid => "the SIWE message or its recap does not parse as the nodes parse it",
        K::NodeAuthSigSignedMessageConversionError => "drop the other keys: `{sig, derivedVia, signedMessage, address[, algo]}` (the SDK v8's `AuthSigSchema` and `litcap sign --network naga` do)",
        _ => "get a new AuthSig: valid now, for this session key (`--session-key`), signed by its signer",
    }
}

/// Whether a text has the shape of one AuthSig rather than a SessionSigs map.
fn authsig_shape(v: &Value) -> bool {
    let Some(o) = v.as_object() else { return false };
    ["sig", "derivedVia", "signedMessage"]
        .iter()
        .all(|k| o.get(*k).is_some_and(Value::is_string))
}

/// Judges a lone AuthSig text (`None`: not one).
pub fn lone_authsig(text: &str, opts: &VerifyOptions) -> Option<LoneAuthSig> {
    lone_authsig_in(text, opts, &crate::profile::DATIL)
}

/// [`lone_authsig`] with the node rules of a profile (`verify --network`). On Naga a key other
/// than `sig`, `derivedVia`, `signedMessage`, `address` and `algo` fails the whole payload that
/// carries the AuthSig (lit-node-core `models/auth_sig.rs`: `JsonAuthSig`'s
/// `field_identifier` enum has no catch-all), before any capability is judged, so it is the
/// verdict.
pub fn lone_authsig_in(
    text: &str,
    opts: &VerifyOptions,
    profile: &crate::profile::Profile,
) -> Option<LoneAuthSig> {
    let v: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).ok()?;
    if !authsig_shape(&v) {
        return None;
    }
    let mut lone = judge_lone(&v, opts);
    if profile.node.strict_capability_keys {
        const KNOWN: [&str; 5] = ["sig", "derivedVia", "signedMessage", "address", "algo"];
        let unknown = v
            .as_object()
            .and_then(|o| o.keys().find(|k| !KNOWN.contains(&k.as_str())));
        if let Some(key) = unknown {
            lone.verdict.result = Err((
                sessionsigs::NodeErrorKind::NodeAuthSigSignedMessageConversionError,
                format!(
                    "it has the key `{key}`; as a session capability the {} nodes accept only `sig`, `derivedVia`, `signedMessage`, `address` and `algo`, and refuse the payload that carries it",
                    profile.name
                ),
            ));
        }
    }
    Some(lone)
}

fn judge_lone(v: &Value, opts: &VerifyOptions) -> LoneAuthSig {
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default();
    let verdict = sessionsigs::judge_capability(
        s("sig"),
        s("derivedVia"),
        s("signedMessage"),
        s("address"),
        v.get("algo").and_then(Value::as_str),
        opts.session_key.as_deref(),
        opts.now,
        opts.network_key.as_ref(),
    );
    let auth_context = AuthContext::from_recaps(&verdict.recaps);
    LoneAuthSig {
        verdict,
        auth_context,
    }
}

/// One input file's result.
pub struct FileResult {
    pub path: String,
    pub outcome: Outcome,
    /// The findings against the policy session, if one was given.
    pub policy: Vec<Diagnostic>,
}

impl FileResult {
    /// Every node accepts every entry, and the policy check finds no error.
    pub fn ok(&self) -> bool {
        let nodes_ok = match &self.outcome {
            Outcome::Verdicts(v) => v.iter().all(NodeVerdict::valid),
            Outcome::AuthSig(a) => a.verdict.result.is_ok(),
            _ => false,
        };
        nodes_ok && !self.policy.iter().any(Diagnostic::is_error)
    }

    /// `{ok, nodes, error?, policy?}`.
    pub fn to_json(&self, checking_policy: Option<(&str, &str)>) -> serde_json::Map<String, Value> {
        let mut out = serde_json::Map::new();
        out.insert("ok".into(), json!(self.ok()));
        if let Outcome::AuthSig(a) = &self.outcome {
            out.insert("authSig".into(), a.to_json());
            return out;
        }
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
            Outcome::WrongKind(k) => {
                let (message, help) = k.mismatch(InputKind::SessionSigs);
                out.insert(
                    "error".into(),
                    json!({"kind": "WrongKind", "message": message, "help": help}),
                );
            }
            Outcome::Empty => {
                out.insert(
                    "error".into(),
                    json!({"kind": "Empty", "message": "the SessionSigs map has no entries"}),
                );
            }
            Outcome::Verdicts(_) | Outcome::AuthSig(_) => {}
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

/// Reads and verifies one file, and checks it against the policy session if given.
pub fn verify_path(
    path: &Path,
    opts: &VerifyOptions,
    target: Option<(&Policy, &Session)>,
) -> FileResult {
    verify_path_in(path, opts, target, &crate::profile::DATIL)
}

/// [`verify_path`] with the node rules of a profile (`verify --network`).
pub fn verify_path_in(
    path: &Path,
    opts: &VerifyOptions,
    target: Option<(&Policy, &Session)>,
    profile: &'static crate::profile::Profile,
) -> FileResult {
    let name = path.display().to_string();
    FILE_BUFFER.with(|cell| {
        // A nested call (none today) reads into a buffer of its own rather than panicking.
        let mut own = Vec::new();
        let mut kept = cell.try_borrow_mut();
        let bytes = match kept {
            Ok(ref mut b) => &mut **b,
            Err(_) => &mut own,
        };
        let result = match read_into(path, bytes) {
            Ok(text) => verify_text_named(name, &text, opts, target, profile),
            Err(outcome) => FileResult {
                path: name,
                outcome,
                policy: Vec::new(),
            },
        };
        // A rare large file's buffer is not kept for the thread's lifetime.
        if bytes.capacity() > KEPT_BUFFER_BYTES {
            *bytes = Vec::new();
        }
        result
    })
}

/// Verifies one input's text (named `name` in the policy findings), and checks it against
/// the policy session if given: [`verify_path`] without the file, for the library's callers
/// (the Node.js addon) that hold the SessionSigs in memory.
pub fn verify_text(
    name: &str,
    text: &str,
    opts: &VerifyOptions,
    target: Option<(&Policy, &Session)>,
) -> FileResult {
    verify_text_in(name, text, opts, target, &crate::profile::DATIL)
}

/// [`verify_text`] with the node rules of a profile (`verify --network`).
pub fn verify_text_in(
    name: &str,
    text: &str,
    opts: &VerifyOptions,
    target: Option<(&Policy, &Session)>,
    profile: &'static crate::profile::Profile,
) -> FileResult {
    verify_text_named(name.to_string(), text, opts, target, profile)
}

/// [`verify_text_in`] taking the name it keeps (no copy of it per file).
fn verify_text_named(
    name: String,
    text: &str,
    opts: &VerifyOptions,
    target: Option<(&Policy, &Session)>,
    profile: &'static crate::profile::Profile,
) -> FileResult {
    let result = |outcome| FileResult {
        path: name.clone(),
        outcome,
        policy: Vec::new(),
    };
    // The map read borrowing from the text. A lone AuthSig needs a top-level `sig` key
    // (`authsig_shape`), so when this read succeeds without one, `lone_authsig_in` would
    // return `None` and its `serde_json::Value` of the whole text (every string owned) is
    // skipped: the verdicts are the same, one parse per map instead of two.
    let parsed = SessionSigsFile::parse(text);
    let may_be_lone = parsed
        .as_ref()
        .map_or(true, |f| f.nodes().any(|k| k == "sig"));
    // A lone AuthSig is judged as the nodes judge a capability (issue #10).
    if let Some(a) = may_be_lone
        .then(|| lone_authsig_in(text, opts, profile))
        .flatten()
    {
        let policy = match target {
            Some((p, s)) => sessionsigs::check_lone_authsig_against_session(text, p, s)
                .into_iter()
                .map(|d| d.in_file(name.clone()))
                .collect(),
            None => Vec::new(),
        };
        return FileResult {
            path: name.clone(),
            outcome: Outcome::AuthSig(a),
            policy,
        };
    }
    // Another kind of file is named as such, not reported by the keys it lacks: an AuthSig
    // the lone-AuthSig reader did not take reads as a map of strings, a policy as malformed JSON.
    let file = match parsed {
        Ok(f) if kind::is_authsig_keys(f.nodes()) => {
            return result(Outcome::WrongKind(InputKind::AuthSig))
        }
        Ok(f) => f,
        Err(e) => {
            return result(match kind::detect(text) {
                Some(k) if k != InputKind::SessionSigs => Outcome::WrongKind(k),
                _ => Outcome::Input(e),
            })
        }
    };
    if file.is_empty() {
        return result(Outcome::Empty);
    }
    let verdicts = sessionsigs::verify_file_in(&file, opts, profile);
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

thread_local! {
    /// Each thread's file buffer, reused from file to file: a bulk `verify` allocates no
    /// buffer per file and needs no `fstat` to size one (issue #13 goal 2, round seven).
    static FILE_BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// A file buffer up to this size is kept for the thread's next file; a larger one is freed.
const KEPT_BUFFER_BYTES: usize = 1024 * 1024;

/// The room a file buffer starts with: a SessionSigs map of a few nodes in one `read`, and
/// the `read` that finds the end with no probe (`read_to_end` probes a full buffer).
const FIRST_BUFFER_BYTES: usize = 64 * 1024;

/// Reads a file as UTF-8 text, refusing files above [`MAX_FILE_BYTES`].
pub fn read(path: &Path) -> Result<String, Outcome> {
    let mut bytes = Vec::new();
    read_into(path, &mut bytes).map(Cow::into_owned)
}

/// [`read`] into `bytes` (cleared first; its room is reused): the text borrows from it
/// unless a CRLF has to be read as LF.
fn read_into<'b>(path: &Path, bytes: &'b mut Vec<u8>) -> Result<Cow<'b, str>, Outcome> {
    use std::io::Read;
    let io = |e: std::io::Error| Outcome::Io(format!("cannot read `{}`: {e}", path.display()));
    let file = std::fs::File::open(path).map_err(io)?;
    bytes.clear();
    bytes.reserve(FIRST_BUFFER_BYTES);
    // Through `take`, `read_to_end` reads into the room the buffer has (no `fstat` for a
    // size hint, as `File`'s own `read_to_end` makes) and grows it only for a larger file.
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(bytes)
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
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let before = &bytes[..at];
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
    })?;
    // The encoding rules every reader follows (`load::TextInput::from_string`): no byte
    // order mark, CRLF read as LF.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    Ok(if text.contains("\r\n") {
        Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(text)
    })
}

/// Each operation's verdict and the notes of one node entry, for people.
fn details(n: &NodeVerdict, indent: &str) -> String {
    let mut out = String::new();
    for op in &n.operations {
        match &op.error {
            None => out.push_str(&format!(
                "{indent}  ok        {}\n",
                op.operation.describe()
            )),
            Some(e) => out.push_str(&format!(
                "{indent}  refused   {}  {}\n{indent}            {}\n",
                op.operation.describe(),
                e.kind,
                e.message
            )),
        }
    }
    for note in &n.notes {
        out.push_str(&format!("{indent}  note: {}\n", note.message));
    }
    out
}

/// A file that could not be read, in the style of every other message.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("{0}")]
#[diagnostic(code(litcap::io), help("check the path and its permissions"))]
struct Unreadable(String);

/// The report for people, messages 100 columns wide without colour (see [`human_width`]).
pub fn human(results: &[FileResult], many: bool, checking: Option<(&str, &str)>) -> String {
    human_width(results, many, checking, false, 100)
}

/// The report for people: a line per node entry, and every error and policy finding rendered
/// like `check`'s diagnostics ([`diag::render_human_width`]), indented under the file's name
/// when there are several files.
pub fn human_width(
    results: &[FileResult],
    many: bool,
    checking: Option<(&str, &str)>,
    color: bool,
    width: usize,
) -> String {
    let mut out = String::new();
    let mut nodes_total = 0;
    let mut nodes_valid = 0;
    let mut authsigs_total = 0usize;
    let mut authsigs_valid = 0usize;
    let indent = if many { "  " } else { "" };
    let width = width.saturating_sub(indent.len()).max(40);
    let push_block = |out: &mut String, block: &str| {
        for line in block.lines() {
            if line.is_empty() {
                out.push('\n');
            } else {
                out.push_str(indent);
                out.push_str(line);
                out.push('\n');
            }
        }
    };
    let render = |diags: Vec<Diagnostic>| {
        diag::render_human_width(&Diagnostics(diags), &Sources::new(), color, width)
    };
    for r in results {
        if many {
            out.push_str(&format!("{}\n", r.path));
        }
        let error = |message: String| Diagnostic::new(Code::InvalidJson, message);
        match &r.outcome {
            Outcome::Io(m) => push_block(
                &mut out,
                &diag::render_error(&Unreadable(m.clone()), color, width),
            ),
            Outcome::Input(e) => push_block(
                &mut out,
                // serde_json counts columns from 0 at the start of a line; people from 1.
                &render(vec![error(e.message.clone()).in_file(format!(
                    "{}:{}:{}",
                    r.path,
                    e.line,
                    e.column.max(1)
                ))]),
            ),
            Outcome::WrongKind(k) => {
                let (message, help) = k.mismatch(InputKind::SessionSigs);
                push_block(
                    &mut out,
                    &render(vec![error(message).help(help).in_file(r.path.clone())]),
                )
            }
            Outcome::Empty => push_block(
                &mut out,
                &render(vec![error("the SessionSigs map has no entries".into())
                    .help("`getSessionSigs` returns one entry per node")
                    .in_file(r.path.clone())]),
            ),
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
                    out.push_str(&details(n, indent));
                }
            }
            Outcome::AuthSig(a) => {
                let v = &a.verdict;
                authsigs_total += 1;
                authsigs_valid += usize::from(v.result.is_ok());
                let signer = v.signer.as_deref().unwrap_or("unknown");
                match &v.result {
                    Ok(()) => out.push_str(&format!(
                        "{indent}valid     {} AuthSig of `{signer}`\n",
                        v.kind.as_str()
                    )),
                    Err((kind, message)) => {
                        out.push_str(&format!(
                            "{indent}REJECTED  {} AuthSig of `{signer}`  {kind}\n",
                            v.kind.as_str()
                        ));
                        out.push_str(&format!("{indent}          {message}\n"));
                        out.push_str(&format!("{indent}          help: {}\n", lone_help(*kind)));
                    }
                }
                if let Some(c) = &a.auth_context {
                    out.push_str(&format!(
                        "{indent}          auth context: {}\n",
                        c.describe()
                    ));
                }
            }
        }
        if let Some((session, _)) = checking {
            if r.policy.is_empty() {
                out.push_str(&format!("{indent}policy: within session `{session}`\n"));
            } else {
                // Checked against the policy: the findings, like `check`'s.
                push_block(&mut out, &render(r.policy.clone()));
            }
        }
    }
    let files = if results.len() > 1 {
        format!(" in {} files", results.len())
    } else {
        String::new()
    };
    // Lone AuthSigs are counted as such, not as node entries (a file of AuthSigs alone has none).
    let mut counts = Vec::new();
    if nodes_total > 0 || authsigs_total == 0 {
        counts.push(format!(
            "{nodes_valid} of {nodes_total} node entr{} valid",
            if nodes_total == 1 { "y" } else { "ies" }
        ));
    }
    if authsigs_total > 0 {
        counts.push(format!(
            "{authsigs_valid} of {authsigs_total} AuthSig{} valid",
            if authsigs_total == 1 { "" } else { "s" }
        ));
    }
    out.push_str(&format!("{}{files}\n", counts.join(", ")));
    out
}

/// The whole report as JSON: one file's object, or `{ok, files: [...]}` for several.
pub fn to_json(results: &[FileResult], many: bool, checking: Option<(&str, &str)>) -> Value {
    let all_ok = results.iter().all(FileResult::ok);
    if many {
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
    }
}

/// The exit status: 2 when a file could not be read, 1 when anything is rejected, else 0.
pub fn exit_code(results: &[FileResult]) -> u8 {
    if results.iter().any(|r| matches!(r.outcome, Outcome::Io(_))) {
        diag::exit::USAGE
    } else if results.iter().all(FileResult::ok) {
        diag::exit::OK
    } else {
        diag::exit::ERRORS
    }
}

/// `(session, grant)` names of a policy target, for the report.
pub fn checking<'a>(target: Option<(&'a Policy, &'a Session)>) -> Option<(&'a str, &'a str)> {
    target.map(|(p, s)| {
        (
            s.name.as_str(),
            p.grants.get(s.grant).map_or("", |g| g.name.as_str()),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(text: &str) -> &'static str {
        match verify_text("x.json", text, &VerifyOptions::default(), None).outcome {
            Outcome::AuthSig(_) => "authsig",
            Outcome::Verdicts(_) => "verdicts",
            Outcome::WrongKind(_) => "wrong kind",
            Outcome::Input(_) => "input",
            Outcome::Empty => "empty",
            Outcome::Io(_) => "io",
        }
    }

    /// The map read first only skips the lone-AuthSig reader when that reader could not take
    /// the text: a lone AuthSig is still one with or without a byte order mark (which the map
    /// reader refuses), and a map with a `sig` key that is not a string is still a map.
    #[test]
    fn lone_authsig_reader_is_skipped_only_without_a_top_level_sig() {
        let lone = r#"{"sig":"0x00","derivedVia":"web3.eth.personal.sign","signedMessage":"m","address":"0x0"}"#;
        assert_eq!(outcome(lone), "authsig");
        assert_eq!(outcome(&format!("\u{feff}{lone}")), "authsig");
        let entry = r#"{"sig":"00","derivedVia":"litSessionSignViaNacl","signedMessage":"{}","address":"00","algo":"ed25519"}"#;
        assert_eq!(
            outcome(&format!(r#"{{"https://a:1":{entry}}}"#)),
            "verdicts"
        );
        assert_eq!(
            outcome(&format!(r#"{{"https://a:1":{entry},"sig":{entry}}}"#)),
            "verdicts"
        );
        // The same keys with `sig` last wins as `serde_json::Value` reads duplicates.
        assert_eq!(
            outcome(&format!(
                r#"{{"sig":{entry},"derivedVia":"x","signedMessage":"m","address":"0x0","sig":"0x00"}}"#
            )),
            "authsig"
        );
    }

    /// One buffer read into again: the second (shorter) file's text only, the encoding rules
    /// applied, and a non-UTF-8 byte's position as before.
    #[test]
    fn read_into_reuses_its_buffer() {
        let dir = std::env::temp_dir().join(format!("litcap-read-into-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let long = dir.join("long.json");
        let short = dir.join("short.json");
        let bad = dir.join("bad.json");
        std::fs::write(&long, "x".repeat(100_000)).unwrap();
        std::fs::write(&short, "\u{feff}{\r\n}\r\n").unwrap();
        std::fs::write(&bad, b"{\n \"a\": \"\xff\"}").unwrap();
        let mut buf = Vec::new();
        assert_eq!(read_into(&long, &mut buf).ok().unwrap().len(), 100_000);
        assert_eq!(read_into(&short, &mut buf).ok().unwrap(), "{\n}\n");
        match read_into(&bad, &mut buf) {
            Err(Outcome::Input(e)) => {
                assert_eq!(e.message, "the file is not UTF-8 (invalid byte 9)");
                assert_eq!((e.line, e.column, e.offset), (2, 8, 9));
            }
            _ => panic!("not refused"),
        }
        assert!(matches!(read_into(&dir, &mut buf), Err(Outcome::Io(_))));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
