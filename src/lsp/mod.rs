//! The language server behind `litcap lsp`: JSON-RPC 2.0 over a byte stream (the LSP base
//! protocol: `Content-Length` headers, then a JSON body).
//!
//! Features ([`features`]): diagnostics for every open policy file, computed the way `litcap
//! check` computes them and over the open files together (a session in one file, its grant in
//! another; a grant in a file that is not open is found in the workspace folders), hover on
//! abilities and resource prefixes, completion of keywords, abilities, resource prefixes and
//! grant names, go-to-definition from `from "<grant>"` to the grant, formatting (`litcap fmt`),
//! and quick fixes for diagnostics whose `help` names an edit.
//!
//! The transport is written here rather than taken from a crate so that a malformed message
//! (bad header, invalid JSON, wrong parameter types) gets a JSON-RPC error and the server
//! carries on; a panic in a request handler is caught and answered as an internal error.
//! (`lsp-server` 0.7's stdio reader thread ends the connection at the first payload that is not
//! JSON, and `lsp-types` 0.97 would add `fluent-uri` 0.1 next to jsonschema's 0.4, `bitflags`
//! 1 next to 2, and `serde_repr`; the few LSP structures used here are built with `serde_json`.)

pub mod features;
pub mod text;

use serde_json::{json, Value};
use std::io::{BufRead, Read, Write};

/// Messages larger than this are skipped (read and discarded) with an error response.
pub const MAX_MESSAGE_BYTES: usize = 64 << 20;

/// JSON-RPC and LSP error codes.
pub mod error_code {
    pub const PARSE_ERROR: i64 = -32700;
    pub const INVALID_REQUEST: i64 = -32600;
    pub const METHOD_NOT_FOUND: i64 = -32601;
    pub const INVALID_PARAMS: i64 = -32602;
    pub const INTERNAL_ERROR: i64 = -32603;
    pub const SERVER_NOT_INITIALIZED: i64 = -32002;
}

/// One framed message as read: its JSON, or why it could not be parsed.
#[derive(Debug)]
pub enum Incoming {
    Message(Value),
    /// The header block had no usable `Content-Length`.
    BadHeader(String),
    /// The body was not JSON (or too large).
    BadBody(String),
}

/// Reads one message. `Ok(None)` at end of input.
pub fn read_message(input: &mut impl BufRead) -> std::io::Result<Option<Incoming>> {
    let mut length: Option<usize> = None;
    let mut bad_header: Option<String> = None;
    let mut saw_header = false;
    loop {
        let mut line = Vec::new();
        let n = input.read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(None);
        }
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if !saw_header {
                continue; // stray blank line between messages
            }
            break;
        }
        saw_header = true;
        match line.split_once(':') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("content-length") => {
                match value.trim().parse::<usize>() {
                    Ok(n) => length = Some(n),
                    Err(_) => bad_header = Some(format!("bad Content-Length `{}`", value.trim())),
                }
            }
            Some(_) => {} // Content-Type and unknown headers are ignored
            None => bad_header = Some(format!("not a header line: `{}`", truncate(line, 80))),
        }
    }
    let Some(length) = length else {
        return Ok(Some(Incoming::BadHeader(
            bad_header.unwrap_or_else(|| "no Content-Length header".to_string()),
        )));
    };
    if length > MAX_MESSAGE_BYTES {
        std::io::copy(
            &mut input.by_ref().take(length as u64),
            &mut std::io::sink(),
        )?;
        return Ok(Some(Incoming::BadBody(format!(
            "message of {length} bytes exceeds the limit of {MAX_MESSAGE_BYTES}"
        ))));
    }
    let mut body = vec![0; length];
    if let Err(e) = input.read_exact(&mut body) {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            return Ok(None);
        }
        return Err(e);
    }
    Ok(Some(match serde_json::from_slice::<Value>(&body) {
        Ok(v) => Incoming::Message(v),
        Err(e) => Incoming::BadBody(format!("invalid JSON: {e}")),
    }))
}

/// Writes one message with its `Content-Length` header.
pub fn write_message(out: &mut impl Write, value: &Value) -> std::io::Result<()> {
    let body = serde_json::to_vec(value).map_err(std::io::Error::other)?;
    write!(out, "Content-Length: {}\r\n\r\n", body.len())?;
    out.write_all(&body)?;
    out.flush()
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

fn error_response(id: Value, code: i64, message: impl Into<String>) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message.into()}})
}

/// A handler's failure: a JSON-RPC error code and message.
#[derive(Debug)]
pub struct RpcError {
    pub code: i64,
    pub message: String,
}

impl RpcError {
    pub fn invalid_params(message: impl Into<String>) -> RpcError {
        RpcError {
            code: error_code::INVALID_PARAMS,
            message: message.into(),
        }
    }
}

/// Runs the server until `exit` (or the end of input). Returns the process exit code: 0 after
/// `shutdown` then `exit`, 1 otherwise (as the protocol specifies).
pub fn serve(mut input: impl BufRead, mut output: impl Write) -> std::io::Result<u8> {
    let mut server = features::Server::default();
    let mut initialized = false;
    let mut shut_down = false;
    loop {
        let incoming = match read_message(&mut input)? {
            None => return Ok(if shut_down { 0 } else { 1 }),
            Some(i) => i,
        };
        let msg = match incoming {
            Incoming::Message(v) => v,
            Incoming::BadHeader(why) => {
                write_message(
                    &mut output,
                    &error_response(Value::Null, error_code::INVALID_REQUEST, why),
                )?;
                continue;
            }
            Incoming::BadBody(why) => {
                write_message(
                    &mut output,
                    &error_response(Value::Null, error_code::PARSE_ERROR, why),
                )?;
                continue;
            }
        };
        let method = msg.get("method").and_then(Value::as_str).map(str::to_owned);
        let id = msg.get("id").cloned();
        let params = msg.get("params").cloned().unwrap_or(Value::Null);
        let Some(method) = method else {
            // A response to a request of ours (we send none), or not JSON-RPC at all.
            if msg.get("result").is_none() && msg.get("error").is_none() {
                write_message(
                    &mut output,
                    &error_response(
                        id.unwrap_or(Value::Null),
                        error_code::INVALID_REQUEST,
                        "not a JSON-RPC request or notification",
                    ),
                )?;
            }
            continue;
        };
        match id {
            // A request.
            Some(id) if !id.is_null() => {
                let reply = if method == "initialize" {
                    initialized = true;
                    let r = guarded(|| server.initialize(&params));
                    to_response(id, r)
                } else if !initialized {
                    error_response(
                        id,
                        error_code::SERVER_NOT_INITIALIZED,
                        "the server is not initialized",
                    )
                } else if method == "shutdown" {
                    shut_down = true;
                    json!({"jsonrpc": "2.0", "id": id, "result": null})
                } else if shut_down {
                    error_response(
                        id,
                        error_code::INVALID_REQUEST,
                        "the server is shutting down",
                    )
                } else {
                    let r = guarded(|| server.request(&method, &params));
                    to_response(id, r)
                };
                write_message(&mut output, &reply)?;
            }
            // A notification.
            _ => {
                if method == "exit" {
                    return Ok(if shut_down { 0 } else { 1 });
                }
                if !initialized || shut_down {
                    continue;
                }
                let outgoing = match guarded(|| Ok(server.notification(&method, &params))) {
                    Ok(v) => v,
                    Err(e) => {
                        let m = json!({"jsonrpc": "2.0", "method": "window/logMessage",
                            "params": {"type": 1, "message": format!("litcap: {}", e.message)}});
                        vec![m]
                    }
                };
                for m in outgoing {
                    write_message(&mut output, &m)?;
                }
            }
        }
    }
}

/// Runs a handler; a panic becomes an internal error instead of ending the server.
fn guarded<T>(f: impl FnOnce() -> Result<T, RpcError>) -> Result<T, RpcError> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".to_string());
            Err(RpcError {
                code: error_code::INTERNAL_ERROR,
                message: format!("internal error: {what}"),
            })
        }
    }
}

fn to_response(id: Value, r: Result<Value, RpcError>) -> Value {
    match r {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err(e) => error_response(id, e.code, e.message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    fn run(input: &str) -> (u8, Vec<Value>) {
        let mut out = Vec::new();
        let code = serve(std::io::Cursor::new(input.as_bytes().to_vec()), &mut out).unwrap();
        let mut msgs = Vec::new();
        let mut cur = std::io::Cursor::new(out);
        while let Some(Incoming::Message(v)) = read_message(&mut cur).unwrap() {
            msgs.push(v);
        }
        (code, msgs)
    }

    #[test]
    fn garbage_gets_errors_and_the_server_goes_on() {
        let input = [
            "garbage line\r\n\r\n".to_string(),
            frame("{not json"),
            frame("[1,2]"),
            "Content-Length: abc\r\n\r\n".to_string(),
            frame(r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#),
            frame(r#"{"jsonrpc":"2.0","id":2,"method":"textDocument/hover","params":7}"#),
            frame(r#"{"jsonrpc":"2.0","id":3,"method":"no/such"}"#),
            frame(r#"{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":5}}}"#),
            frame(r#"{"jsonrpc":"2.0","id":4,"method":"shutdown"}"#),
            frame(r#"{"jsonrpc":"2.0","method":"exit"}"#),
        ]
        .concat();
        let (code, msgs) = run(&input);
        assert_eq!(code, 0);
        let codes: Vec<Option<i64>> = msgs.iter().map(|m| m["error"]["code"].as_i64()).collect();
        assert_eq!(
            codes,
            vec![
                Some(error_code::INVALID_REQUEST),
                Some(error_code::PARSE_ERROR),
                Some(error_code::INVALID_REQUEST),
                Some(error_code::INVALID_REQUEST),
                None,
                Some(error_code::INVALID_PARAMS),
                Some(error_code::METHOD_NOT_FOUND),
                None,
            ],
            "{msgs:#?}"
        );
    }

    #[test]
    fn requests_before_initialize_and_exit_without_shutdown() {
        let input = [
            frame(r#"{"jsonrpc":"2.0","id":1,"method":"textDocument/hover","params":{}}"#),
            frame(r#"{"jsonrpc":"2.0","method":"exit"}"#),
        ]
        .concat();
        let (code, msgs) = run(&input);
        assert_eq!(code, 1);
        assert_eq!(msgs[0]["error"]["code"], error_code::SERVER_NOT_INITIALIZED);
    }

    #[test]
    fn truncated_input_ends_the_server() {
        let input = "Content-Length: 100\r\n\r\n{\"jsonrpc\"";
        assert_eq!(run(input).0, 1);
    }
}
