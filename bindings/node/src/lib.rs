//! Node.js bindings of litcap: `compile`, `check` and `verify` of the library, with the same
//! JSON the CLI prints with `--format json`.
//!
//! Each native function takes the options as a JSON text and returns a JSON envelope,
//! `{"ok": <result>}` or `{"error": {"code", "message", "diagnostics"}}`; `index.js` parses it
//! and throws the error as a JS `Error` with `code`. Passing text keeps the boundary to one
//! string each way and the output byte-compatible with the CLI's `serde_json` values.

#![deny(unsafe_code)]

use litcap::diag::{Diagnostic, Diagnostics, Sources};
use litcap::report;
use litcap::{
    check_policy, check_with_authsig, compile, load_inputs, AuthSigInput, CheckOptions,
    CompileError, Loaded, NetworkKey, Operation, PolicyFormat, SiweInputs, Timestamp,
    VerifyOptions,
};
use napi_derive::napi;
use serde_json::{json, Map, Value};
use std::path::Path;

/// An error for JS: a diagnostic code (or `usage`, `invalid-input`) and a message.
struct Failure {
    code: String,
    message: String,
    diagnostics: Vec<Value>,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Failure {
        Failure {
            code: "usage".into(),
            message: message.into(),
            diagnostics: Vec::new(),
        }
    }

    fn from_diagnostics(d: &Diagnostics, sources: &Sources) -> Failure {
        let first = d.iter().find(|d| d.is_error()).or_else(|| d.iter().next());
        Failure {
            code: first.map_or("error", |d| d.code.as_str()).to_string(),
            message: first.map_or_else(String::new, |d| d.message.clone()),
            diagnostics: d.iter().map(|x| diagnostic_json(x, sources)).collect(),
        }
    }
}

fn diagnostic_json(d: &Diagnostic, sources: &Sources) -> Value {
    let loc = litcap::diag::location(d, sources);
    json!({
        "code": d.code.as_str(),
        "severity": d.severity.as_str(),
        "message": d.message,
        "file": loc.as_ref().map(|l| l.file.clone()).or_else(|| d.file.clone()),
        "line": loc.as_ref().map(|l| l.line),
        "column": loc.as_ref().map(|l| l.column),
        "help": d.help,
    })
}

fn envelope(r: Result<Value, Failure>) -> String {
    match r {
        Ok(v) => json!({ "ok": v }).to_string(),
        Err(f) => {
            json!({"error": {"code": f.code, "message": f.message, "diagnostics": f.diagnostics}})
                .to_string()
        }
    }
}

fn parse_options(text: &str) -> Result<Map<String, Value>, Failure> {
    match serde_json::from_str(text) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(Failure::usage("the options must be an object")),
    }
}

fn opt_str<'a>(o: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, Failure> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Failure::usage(format!("`{key}` must be a string"))),
    }
}

fn opt_time(o: &Map<String, Value>, key: &str) -> Result<Option<Timestamp>, Failure> {
    opt_str(o, key)?
        .map(|s| Timestamp::parse_rfc3339(s).map_err(|e| Failure::usage(format!("`{key}`: {e}"))))
        .transpose()
}

/// `networkKey`: the network's BLS public key, 96 hex digits (`0x` optional), as the CLI's
/// `--network-key` (`NetworkKey::parse`).
fn opt_network_key(o: &Map<String, Value>) -> Result<Option<NetworkKey>, Failure> {
    opt_str(o, "networkKey")?
        .map(|hex| NetworkKey::parse(hex).map_err(|e| Failure::usage(format!("`networkKey`: {e}"))))
        .transpose()
}

/// `files: [{name, text}]`, loaded like `litcap::load_paths` (format by file name).
fn load_files(o: &Map<String, Value>) -> Result<Loaded, Failure> {
    let Some(Value::Array(files)) = o.get("files") else {
        return Err(Failure::usage(
            "`files` must be a list of `{name, text}` policy files",
        ));
    };
    if files.is_empty() {
        return Err(Failure::usage("no policy files given"));
    }
    let mut inputs = Vec::with_capacity(files.len());
    for f in files {
        let (Some(name), Some(text)) = (
            f.get("name").and_then(Value::as_str),
            f.get("text").and_then(Value::as_str),
        ) else {
            return Err(Failure::usage(
                "each of `files` must be `{name, text}` with two strings",
            ));
        };
        inputs.push((
            name.to_string(),
            PolicyFormat::from_path(Path::new(name)),
            text.as_bytes().to_vec(),
        ));
    }
    Ok(load_inputs(inputs))
}

/// `litcap compile --format json`.
#[napi(js_name = "compileJson")]
pub fn compile_json(options: String) -> String {
    envelope(compile_impl(&options))
}

fn compile_impl(options: &str) -> Result<Value, Failure> {
    let o = parse_options(options)?;
    let mut loaded = load_files(&o)?;
    loaded.diagnostics.apply_suppressions(&loaded.sources);
    if loaded.diagnostics.has_errors() {
        return Err(Failure::from_diagnostics(
            &loaded.diagnostics,
            &loaded.sources,
        ));
    }
    let session = opt_str(&o, "session")?.ok_or_else(|| Failure::usage("`session` is required"))?;
    if !loaded.policy.profile().is_lit() {
        return compile_erc5573(&o, &loaded, session);
    }
    let inputs = match opt_str(&o, "address")? {
        None => None,
        Some(address) => {
            let need = |k: &str| {
                opt_str(&o, k)?
                    .map(str::to_string)
                    .ok_or_else(|| Failure::usage(format!("`address` needs `{k}` too")))
            };
            Some(SiweInputs {
                address: address.to_string(),
                session_key: need("sessionKey")?,
                nonce: need("nonce")?,
                issued_at: opt_time(&o, "issuedAt")?
                    .ok_or_else(|| Failure::usage("`address` needs `issuedAt` too"))?,
                expiration: opt_time(&o, "expiration")?,
            })
        }
    };
    match compile(&loaded.policy, session, inputs.as_ref()) {
        Ok(c) => Ok(c.to_json()),
        Err(CompileError::Usage(m)) => Err(Failure::usage(m)),
        Err(CompileError::Policy(d)) => Err(Failure::from_diagnostics(&d, &loaded.sources)),
    }
}

/// `compile` of a plain ERC-5573 policy (`litcap compile --uri`): `uri` names the relying
/// party instead of a session key.
fn compile_erc5573(
    o: &Map<String, Value>,
    loaded: &Loaded,
    session: &str,
) -> Result<Value, Failure> {
    let inputs = match opt_str(o, "address")? {
        None => None,
        Some(address) => Some(litcap::erc5573::Inputs {
            address: address.to_string(),
            uri: opt_str(o, "uri")?
                .ok_or_else(|| Failure::usage("`address` needs `uri` with `erc5573`"))?
                .to_string(),
            nonce: opt_str(o, "nonce")?.unwrap_or_default().to_string(),
            issued_at: opt_time(o, "issuedAt")?.unwrap_or_else(Timestamp::now),
            expiration: opt_time(o, "expiration")?,
        }),
    };
    match litcap::erc5573::compile(&loaded.policy, session, inputs.as_ref()) {
        Ok(c) => Ok(c.to_json()),
        Err(CompileError::Usage(m)) => Err(Failure::usage(m)),
        Err(CompileError::Policy(d)) => Err(Failure::from_diagnostics(&d, &loaded.sources)),
    }
}

/// `litcap check --format json [--authsig] [--at] [--session-key] [--session]`.
#[napi(js_name = "checkJson")]
pub fn check_json(options: String) -> String {
    envelope(check_impl(&options))
}

fn check_impl(options: &str) -> Result<Value, Failure> {
    let o = parse_options(options)?;
    let mut loaded = load_files(&o)?;
    let opts = CheckOptions {
        session: opt_str(&o, "session")?.map(str::to_string),
        ..CheckOptions::default()
    };
    let report = match o.get("authSig") {
        None | Some(Value::Null) => check_policy(&loaded, &opts),
        Some(a) => {
            // An AuthSig object, or its JSON text as read from a file.
            let text = match a {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let input = AuthSigInput {
                name: "authSig".to_string(),
                text,
                at: opt_time(&o, "at")?.unwrap_or_else(Timestamp::now),
                session_key: opt_str(&o, "sessionKey")?.map(str::to_string),
                uri: opt_str(&o, "uri")?.map(str::to_string),
                network_key: opt_network_key(&o)?,
            };
            check_with_authsig(&mut loaded, &opts, &input)
        }
    };
    Ok(report.to_json(&loaded.sources, false))
}

/// `litcap verify FILE --format json [--at] [--node] [--request...] [--network-key]
/// [--session-key] [--policy --session]` for one SessionSigs object (as `getSessionSigs`
/// returns it, or its JSON text) or one lone AuthSig; the report is built by the CLI's own
/// `litcap::report`, so the two cannot drift.
#[napi(js_name = "verifyJson")]
pub fn verify_json(options: String) -> String {
    envelope(verify_impl(&options))
}

fn verify_impl(options: &str) -> Result<Value, Failure> {
    let o = parse_options(options)?;
    let text = match o.get("sessionSigs") {
        Some(Value::String(s)) => s.clone(),
        Some(v @ Value::Object(_)) => v.to_string(),
        _ => {
            return Err(Failure::usage(
                "`sessionSigs` must be the object `getSessionSigs` returns, or its JSON text",
            ))
        }
    };
    let loaded = match o.get("policy") {
        None | Some(Value::Null) => None,
        Some(Value::Array(_)) => {
            let mut m = Map::new();
            m.insert("files".into(), o["policy"].clone());
            let mut l = load_files(&m)?;
            l.diagnostics.apply_suppressions(&l.sources);
            if l.diagnostics.has_errors() {
                return Err(Failure::from_diagnostics(&l.diagnostics, &l.sources));
            }
            Some(l)
        }
        Some(_) => {
            return Err(Failure::usage(
                "`policy` must be a list of `{name, text}` policy files",
            ))
        }
    };
    let target = match &loaded {
        None => None,
        Some(l) => {
            let policy = &l.policy;
            let session =
                match opt_str(&o, "session")? {
                    Some(name) => policy.session(name).ok_or_else(|| {
                        Failure::usage(format!("the policy has no session `{name}`"))
                    })?,
                    None => match policy.sessions.as_slice() {
                        [only] => only,
                        _ => return Err(Failure::usage(
                            "the policy has several sessions (or none); choose one with `session`",
                        )),
                    },
                };
            Some((policy, session))
        }
    };
    let opts = VerifyOptions {
        now: opt_time(&o, "at")?.unwrap_or_else(Timestamp::now),
        node: opt_str(&o, "node")?.map(str::to_string),
        operations: requests(&o)?,
        network_key: opt_str(&o, "networkKey")?
            .map(|hex| {
                NetworkKey::parse(hex).map_err(|e| Failure::usage(format!("`networkKey`: {e}")))
            })
            .transpose()?,
        session_key: opt_str(&o, "sessionKey")?.map(str::to_string),
    };
    // The CLI's own report (`litcap::report`), for one input: the same JSON.
    let result = report::verify_text("sessionSigs", &text, &opts, target);
    Ok(report::to_json(&[result], false, report::checking(target)))
}

/// `request`: one `"<ability> on <resource>"` or a list of them (`verify --request`).
fn requests(o: &Map<String, Value>) -> Result<Vec<Operation>, Failure> {
    let texts: Vec<&str> = match o.get("request") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str().ok_or_else(|| {
                    Failure::usage("`request` must be a string or a list of strings")
                })
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(Failure::usage(
                "`request` must be a string or a list of strings",
            ))
        }
    };
    texts
        .into_iter()
        .map(|t| Operation::parse(t).map_err(|e| Failure::usage(format!("`request`: {e}"))))
        .collect()
}
