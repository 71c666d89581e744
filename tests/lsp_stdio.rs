//! `litcap lsp` over stdio, driven by a scripted JSON-RPC client against the real binary:
//! initialize, didOpen/didChange and the diagnostics they publish (compared with `litcap check`
//! on the same files), hover, completion, definition across files, formatting (compared with
//! `litcap fmt`), code actions, garbage messages, shutdown and exit.

use litcap::internal::lsp::{read_message, write_message, Incoming};
use serde_json::{json, Value};
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::Duration;

const GRANT: &str = r#"# The grant, in a file the editor never opens.
grant "g" {
  domain "app.example"
  statement "Let the app sign with its PKP."
  max-ttl 1h
  allow pkp-signing on "lit-pkp://0x01"
  allow pkp-signing on "lit-pkp://0x01"
}
"#;

const SESSION: &str = r#"session "s" from "g" {
  ttl 1h
  request pkp-signing on "lit-pkp://0x01"
}
"#;

const SESSION_TYPO: &str = r#"session "s" from "g" {
  ttl 1h
  request pkp-signin on "lit-pkp://0x01"
}
"#;

const UNFORMATTED: &str = "grant   \"f\"{\ndomain \"x.example\"   # kept\n  statement \"s\" max-ttl 1h\nallow pkp-signing on \"lit-pkp://0x02\"}\nsession \"t\" from \"f\" { ttl 1h request pkp-signing on \"lit-pkp://0x02\" }\n";

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_litcap")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("litcap-lsp-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.canonicalize().unwrap()
}

fn uri(path: &Path) -> String {
    litcap::internal::lsp::features::path_to_uri(path)
}

struct Client {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<Value>,
    next_id: i64,
    /// Notifications received while waiting for something else.
    notifications: Vec<Value>,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(bin())
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start litcap lsp");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Ok(Some(msg)) = read_message(&mut reader) {
                match msg {
                    Incoming::Message(v) => {
                        if tx.send(v).is_err() {
                            return;
                        }
                    }
                    other => panic!("the server wrote a malformed message: {other:?}"),
                }
            }
        });
        Client {
            child,
            stdin,
            rx,
            next_id: 0,
            notifications: Vec::new(),
        }
    }

    fn recv(&mut self) -> Value {
        self.rx
            .recv_timeout(Duration::from_secs(30))
            .expect("no message from the server within 30 s")
    }

    fn send(&mut self, v: &Value) {
        write_message(&mut self.stdin, v).unwrap();
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    /// Sends a request and returns its response (notifications meanwhile are kept).
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.response(id)
    }

    fn response(&mut self, id: i64) -> Value {
        loop {
            let m = self.recv();
            if m["id"] == id {
                return m;
            }
            self.notifications.push(m);
        }
    }

    /// Sends a notification. Diagnostics published before it are dropped, so that
    /// `diagnostics_for` sees the ones this notification causes. (Every earlier notification
    /// in the script is followed by a request, whose response comes after its diagnostics.)
    fn notify(&mut self, method: &str, params: Value) {
        while let Ok(m) = self.rx.try_recv() {
            self.notifications.push(m);
        }
        self.notifications
            .retain(|m| m["method"] != "textDocument/publishDiagnostics");
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// The next `publishDiagnostics` for `uri`.
    fn diagnostics_for(&mut self, uri: &str) -> Vec<Value> {
        if let Some(i) = self.notifications.iter().position(|m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        }) {
            let m = self.notifications.remove(i);
            return m["params"]["diagnostics"].as_array().cloned().unwrap();
        }
        loop {
            let m = self.recv();
            if m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri {
                return m["params"]["diagnostics"].as_array().cloned().unwrap();
            }
        }
    }

    fn open(&mut self, path: &Path, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri(path), "languageId": "litcap", "version": 1, "text": text}}),
        );
    }
}

fn pos(text: &str, needle: &str, plus: usize) -> Value {
    let at = text.find(needle).expect("needle") + plus;
    let line = text[..at].matches('\n').count();
    let col = at - text[..at].rfind('\n').map(|i| i + 1).unwrap_or(0);
    json!({"line": line, "character": col})
}

/// Applies LSP text edits (non-overlapping) to a text.
fn apply(text: &str, edits: &[Value]) -> String {
    let off = |p: &Value| {
        litcap::internal::lsp::text::offset(
            text,
            p["line"].as_u64().unwrap() as u32,
            p["character"].as_u64().unwrap() as u32,
        )
    };
    let mut edits: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            (
                off(&e["range"]["start"]),
                off(&e["range"]["end"]),
                e["newText"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (s, e, new) in edits {
        out.replace_range(s..e, &new);
    }
    out
}

#[test]
fn a_scripted_editor_session() {
    let dir = temp_dir("session");
    let grant_path = dir.join("grants.litcap");
    let session_path = dir.join("session.litcap");
    let fmt_path = dir.join("messy.litcap");
    std::fs::write(&grant_path, GRANT).unwrap();
    std::fs::write(&session_path, SESSION).unwrap();
    std::fs::write(&fmt_path, UNFORMATTED).unwrap();
    let session_uri = uri(&session_path);
    let grant_uri = uri(&grant_path);

    let mut c = Client::start();
    let init = c.request(
        "initialize",
        json!({"processId": null, "rootUri": uri(&dir), "capabilities": {}}),
    );
    let caps = &init["result"]["capabilities"];
    assert_eq!(caps["hoverProvider"], true, "{init}");
    assert_eq!(caps["definitionProvider"], true);
    assert_eq!(caps["documentFormattingProvider"], true);
    assert!(caps["completionProvider"].is_object());
    assert!(caps["codeActionProvider"].is_object());
    c.notify("initialized", json!({}));

    // The session alone is open; its grant is found in the workspace folder: no findings.
    c.open(&session_path, SESSION);
    let d = c.diagnostics_for(&session_uri);
    assert!(d.is_empty(), "{d:#?}");

    // As you type: a misspelt ability. Same code, place and help as `litcap check`.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": session_uri, "version": 2},
            "contentChanges": [{"text": SESSION_TYPO}]}),
    );
    let d = c.diagnostics_for(&session_uri);
    let typo_path = dir.join("typo.litcap");
    std::fs::write(&typo_path, SESSION_TYPO).unwrap();
    let out = Command::new(bin())
        .args(["check", "--format", "json"])
        .arg(&grant_path)
        .arg(&typo_path)
        .output()
        .unwrap();
    let check: Value = serde_json::from_slice(&out.stdout).unwrap();
    let expected: Vec<&Value> = check["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["file"].as_str().unwrap().ends_with("typo.litcap"))
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(d.len(), expected.len(), "{d:#?}\n{expected:#?}");
    for (got, want) in d.iter().zip(&expected) {
        assert_eq!(got["code"], want["code"]);
        assert_eq!(got["source"], "litcap");
        assert_eq!(
            got["severity"],
            if want["severity"] == "error" { 1 } else { 2 }
        );
        assert_eq!(
            got["range"]["start"]["line"],
            want["line"].as_u64().unwrap() - 1
        );
        assert_eq!(
            got["range"]["start"]["character"],
            want["column"].as_u64().unwrap() - 1
        );
        let msg = got["message"].as_str().unwrap();
        assert!(msg.starts_with(want["message"].as_str().unwrap()), "{msg}");
        if let Some(help) = want["help"].as_str() {
            assert!(msg.ends_with(&format!("help: {help}")), "{msg}");
        }
    }
    assert!(d.iter().any(|x| x["code"] == "unknown-ability"), "{d:#?}");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": session_uri, "version": 3},
            "contentChanges": [{"text": SESSION}]}),
    );
    assert!(c.diagnostics_for(&session_uri).is_empty());

    // Hover on an ability.
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": session_uri}, "position": pos(SESSION, "pkp-signing", 3)}),
    );
    let md = h["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_default();
    assert!(
        md.contains("Threshold/Signing") && md.contains("lit-pkp://"),
        "{h}"
    );
    assert!(md.contains("resourceAbilityRequests"), "{md}");

    // Completion: grant names after `from "`, abilities and keywords elsewhere.
    let r = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": session_uri}, "position": pos(SESSION, "from \"", 6)}),
    );
    let labels: Vec<&str> = r["result"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, vec!["f", "g"], "{r}"); // every grant of the workspace
    let r = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": session_uri}, "position": pos(SESSION, "  ttl", 0)}),
    );
    let labels: Vec<&str> = r["result"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    for l in [
        "request",
        "ttl",
        "grant",
        "pkp-signing",
        "lit-action-execution",
    ] {
        assert!(labels.contains(&l), "{l} not in {labels:?}");
    }

    // Go to definition: `from "g"` → the grant in the file that is not open.
    let r = c.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": session_uri}, "position": pos(SESSION, "from \"g", 7)}),
    );
    assert_eq!(r["result"]["uri"], grant_uri.as_str(), "{r}");
    assert_eq!(r["result"]["range"]["start"], pos(GRANT, "\"g\"", 0), "{r}");

    // The grant file opened: its duplicate, and the quick fix that removes it.
    c.open(&grant_path, GRANT);
    let d = c.diagnostics_for(&grant_uri);
    let dup = d
        .iter()
        .find(|x| x["code"] == "duplicate-capability")
        .unwrap_or_else(|| panic!("{d:#?}"))
        .clone();
    assert!(dup["relatedInformation"][0]["location"]["uri"] == grant_uri.as_str());
    let r = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": grant_uri}, "range": dup["range"],
            "context": {"diagnostics": [dup]}}),
    );
    let actions = r["result"].as_array().unwrap();
    let fix = actions
        .iter()
        .find(|a| {
            a["title"]
                .as_str()
                .unwrap()
                .starts_with("Remove the duplicate")
        })
        .unwrap_or_else(|| panic!("{r}"));
    assert_eq!(fix["kind"], "quickfix");
    let edits = fix["edit"]["changes"][grant_uri.as_str()]
        .as_array()
        .unwrap();
    let fixed = apply(GRANT, edits);
    assert_eq!(fixed.matches("allow pkp-signing").count(), 1, "{fixed}");
    assert_eq!(
        fixed,
        GRANT.replacen("  allow pkp-signing on \"lit-pkp://0x01\"\n", "", 1)
    );

    // Formatting: the same text as `litcap fmt`.
    c.open(&fmt_path, UNFORMATTED);
    let r = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri(&fmt_path)}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let formatted = apply(UNFORMATTED, r["result"].as_array().unwrap());
    let status = Command::new(bin())
        .arg("fmt")
        .arg(&fmt_path)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(formatted, std::fs::read_to_string(&fmt_path).unwrap());
    assert!(formatted.contains("# kept"));

    // Garbage: a parse error and an invalid request, and the server still answers.
    c.send_raw(b"Content-Length: 9\r\n\r\n{garbage}");
    let m = c.recv();
    assert_eq!(m["error"]["code"], -32700, "{m}");
    let r = c.request("textDocument/hover", json!({"textDocument": 42}));
    assert_eq!(r["error"]["code"], -32602, "{r}");
    let r = c.request("workspace/unknownThing", json!({}));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": session_uri, "version": 4},
            "contentChanges": [{"text": "session \"s\" from \"g\" { request \u{0}\u{feff} on"}]}),
    );
    let d = c.diagnostics_for(&session_uri);
    assert!(d.iter().any(|x| x["severity"] == 1), "{d:#?}");
    let r = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": session_uri}, "position": {"line": 99, "character": 99}}),
    );
    assert!(r["result"].is_null(), "{r}");

    // Shutdown, exit: status 0.
    let r = c.request("shutdown", Value::Null);
    assert!(r["result"].is_null() && r.get("error").is_none(), "{r}");
    c.notify("exit", Value::Null);
    let status = c.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn end_of_input_without_shutdown_exits_1() {
    let mut c = Client::start();
    c.request("initialize", json!({"capabilities": {}}));
    drop(c.stdin);
    let status = c.child.wait().unwrap();
    assert_eq!(status.code(), Some(1));
}
