//! What the language server knows: the open documents, the policy files of the workspace
//! folders, and the answers to each request. Everything here works on untrusted input: bad
//! parameters are `InvalidParams`, broken documents are diagnostics.

use super::text;
use super::{error_code, RpcError};
use crate::diag::{Code, Diagnostic, Severity, Sources};
use crate::lit::{Ability, ResourcePrefix};
use crate::load::{self, Loaded, PolicyFormat};
use crate::syntax::ast::{Item, PolicyFile};
use crate::verify::check::{self, CheckOptions};
use crate::verify::lints::LintOptions;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

mod analysis;
mod answers;
mod fixes;
mod workspace;

use analysis::to_lsp;
pub use answers::{ability_doc, prefix_doc, KEYWORDS};
use fixes::grant_span;
use workspace::read_text;
pub use workspace::{path_to_uri, uri_to_path};

#[derive(Debug)]
struct Doc {
    text: String,
    /// The file name used in diagnostics (the path for `file:` URIs).
    name: String,
    format: PolicyFormat,
}

/// Grant names of a policy file on disk, with the time it was read.
#[derive(Debug)]
struct IndexedFile {
    modified: Option<SystemTime>,
    len: u64,
    grants: Vec<String>,
    /// (session, grant it is from).
    sessions: Vec<(String, String)>,
    /// The ERC-5573 abilities (`namespace/name`) and the resources its capabilities name.
    capabilities: Vec<(String, String)>,
}

/// The server's state.
#[derive(Debug, Default)]
pub struct Server {
    docs: BTreeMap<String, Doc>,
    roots: Vec<PathBuf>,
    index: HashMap<PathBuf, IndexedFile>,
    /// When the workspace was last walked (at most once a second while typing).
    refreshed: Option<std::time::Instant>,
}

/// The result of checking the open documents together.
struct Analysis {
    loaded: Loaded,
    diagnostics: Vec<Diagnostic>,
    /// File id → URI (open documents and the workspace files pulled in).
    uris: Vec<String>,
    /// File id → whether the file is an open document.
    open: Vec<bool>,
}

fn params_err(what: &str) -> RpcError {
    RpcError::invalid_params(format!("invalid params: {what}"))
}

fn uri_param(params: &Value) -> Result<String, RpcError> {
    params["textDocument"]["uri"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| params_err("`textDocument.uri` must be a string"))
}

fn position_param(params: &Value) -> Result<(u32, u32), RpcError> {
    let p = &params["position"];
    let get = |k: &str| {
        p[k].as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| params_err("`position` must have `line` and `character`"))
    };
    Ok((get("line")?, get("character")?))
}

/// The path of a `file:` URI.
fn parse_doc(text: &str, format: PolicyFormat) -> PolicyFile {
    load::parse_text(0, text, format).0
}

/// The capabilities a file names whose ability is an ERC-5573 `namespace/name`: (ability,
/// resource), for completion under `network "erc5573"`.
fn erc5573_capabilities(file: &PolicyFile) -> Vec<(String, String)> {
    use crate::syntax::ast::{GrantStmtKind, SessionStmtKind};
    let mut out = Vec::new();
    for item in &file.items {
        let caps: Vec<&crate::syntax::ast::Capability> = match item {
            Item::Grant(g) => g
                .body
                .iter()
                .filter_map(|st| match &st.kind {
                    GrantStmtKind::Allow(c) => Some(c),
                    _ => None,
                })
                .collect(),
            Item::Session(s) => s
                .body
                .iter()
                .filter_map(|st| match &st.kind {
                    SessionStmtKind::Request(c) => Some(c),
                    _ => None,
                })
                .collect(),
        };
        out.extend(
            caps.into_iter()
                .filter(|c| crate::lit::valid_recap_ability(&c.ability.value))
                .map(|c| (c.ability.value.clone(), c.resource.value.clone())),
        );
    }
    out
}

/// [`erc5573_capabilities`] of a file being typed, which may not parse: its DSL lines
/// `allow "<ns/name>" on "<uri>"` (and `request`) read one by one.
fn erc5573_capabilities_typed(text: &str) -> Vec<(String, String)> {
    let quoted = |s: &str| -> Option<(String, usize)> {
        let rest = s.strip_prefix('"')?;
        let end = rest.find('"')?;
        Some((rest[..end].to_string(), end + 2))
    };
    text.lines()
        .filter_map(|line| {
            let line = line.trim_start();
            let rest = line
                .strip_prefix("allow ")
                .or_else(|| line.strip_prefix("request "))?
                .trim_start();
            let (ability, used) = quoted(rest)?;
            let after = rest[used..].trim_start().strip_prefix("on")?.trim_start();
            let resource = quoted(after).map(|(r, _)| r)?;
            crate::lit::valid_recap_ability(&ability).then_some((ability, resource))
        })
        .collect()
}

fn grant_names(file: &PolicyFile) -> impl Iterator<Item = &str> {
    file.items.iter().filter_map(|i| match i {
        Item::Grant(g) => Some(g.name.value.as_str()),
        Item::Session(_) => None,
    })
}

impl Server {
    /// `initialize`: remembers the workspace folders, answers the capabilities.
    pub fn initialize(&mut self, params: &Value) -> Result<Value, RpcError> {
        let mut roots = Vec::new();
        if let Some(folders) = params["workspaceFolders"].as_array() {
            roots.extend(
                folders
                    .iter()
                    .filter_map(|f| f["uri"].as_str())
                    .filter_map(uri_to_path),
            );
        }
        if roots.is_empty() {
            if let Some(p) = params["rootUri"].as_str().and_then(uri_to_path) {
                roots.push(p);
            } else if let Some(p) = params["rootPath"].as_str() {
                roots.push(PathBuf::from(p));
            }
        }
        self.roots = roots;
        Ok(json!({
            "capabilities": {
                "textDocumentSync": {"openClose": true, "change": 1, "save": {"includeText": false}},
                "hoverProvider": true,
                "completionProvider": {"triggerCharacters": ["\"", " "]},
                "definitionProvider": true,
                "documentFormattingProvider": true,
                "codeActionProvider": {"codeActionKinds": ["quickfix"]},
            },
            "serverInfo": {"name": "litcap", "version": env!("CARGO_PKG_VERSION")},
        }))
    }

    /// A request other than `initialize` and `shutdown`.
    pub fn request(&mut self, method: &str, params: &Value) -> Result<Value, RpcError> {
        match method {
            "textDocument/hover" => self.hover(params),
            "textDocument/completion" => self.completion(params),
            "textDocument/definition" => self.definition(params),
            "textDocument/formatting" => self.formatting(params),
            "textDocument/codeAction" => self.code_action(params),
            _ => Err(RpcError {
                code: error_code::METHOD_NOT_FOUND,
                message: format!("method `{method}` is not supported"),
            }),
        }
    }

    /// A notification; returns the messages to send (diagnostics).
    pub fn notification(&mut self, method: &str, params: &Value) -> Vec<Value> {
        match method {
            "textDocument/didOpen" => {
                let doc = &params["textDocument"];
                let (Some(uri), Some(text)) = (doc["uri"].as_str(), doc["text"].as_str()) else {
                    return Vec::new();
                };
                self.open(uri, text.to_owned());
                self.publish_all(&[])
            }
            "textDocument/didChange" => {
                let Ok(uri) = uri_param(params) else {
                    return Vec::new();
                };
                // Full synchronisation: the last change holds the whole text.
                let text = params["contentChanges"]
                    .as_array()
                    .and_then(|c| c.last())
                    .and_then(|c| c["text"].as_str());
                match (self.docs.contains_key(&uri), text) {
                    (true, Some(text)) => {
                        self.open(&uri, text.to_owned());
                        self.publish_all(&[])
                    }
                    _ => Vec::new(),
                }
            }
            "textDocument/didClose" => {
                let Ok(uri) = uri_param(params) else {
                    return Vec::new();
                };
                if self.docs.remove(&uri).is_none() {
                    return Vec::new();
                }
                self.publish_all(&[uri])
            }
            "textDocument/didSave" | "workspace/didChangeWatchedFiles" => {
                self.refreshed = None;
                if self.docs.is_empty() {
                    Vec::new()
                } else {
                    self.publish_all(&[])
                }
            }
            _ => Vec::new(),
        }
    }

    fn open(&mut self, uri: &str, text: String) {
        let name = uri_to_path(uri)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| uri.to_string());
        let format = PolicyFormat::from_path(Path::new(&name));
        self.docs
            .insert(uri.to_string(), Doc { text, name, format });
    }

    fn doc(&self, uri: &str) -> Result<&Doc, RpcError> {
        self.docs
            .get(uri)
            .ok_or_else(|| params_err(&format!("`{uri}` is not open")))
    }
}

#[cfg(test)]
mod tests {
    use super::answers::word_at;
    use super::*;

    const GRANT: &str = "grant \"g\" {\n  domain \"a.example\"\n  statement \"s\"\n  max-ttl 1h\n  allow pkp-signing on \"lit-pkp://*\"\n  allow pkp-signing on \"lit-pkp://*\"\n}\n";
    const SESSION: &str =
        "session \"s\" from \"g\" {\n  ttl 1h\n  request pkp-signing on \"lit-pkp://0x01\"\n}\n";

    fn server() -> Server {
        let mut s = Server::default();
        s.initialize(&json!({})).unwrap();
        s
    }

    fn open(s: &mut Server, uri: &str, text: &str) -> Vec<Value> {
        s.notification(
            "textDocument/didOpen",
            &json!({"textDocument": {"uri": uri, "languageId": "litcap", "version": 1, "text": text}}),
        )
    }

    fn codes_for(msgs: &[Value], uri: &str) -> Vec<String> {
        msgs.iter()
            .filter(|m| m["params"]["uri"] == uri)
            .flat_map(|m| {
                m["params"]["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .map(|d| d["code"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    #[test]
    fn a_session_and_its_grant_in_two_open_files() {
        let mut s = server();
        let first = open(&mut s, "file:///w/s.litcap", SESSION);
        assert!(
            codes_for(&first, "file:///w/s.litcap").contains(&"unknown-grant".to_string()),
            "{first:#?}"
        );
        let both = open(&mut s, "file:///w/g.litcap", GRANT);
        assert!(
            codes_for(&both, "file:///w/s.litcap").is_empty(),
            "{both:#?}"
        );
        let g = codes_for(&both, "file:///w/g.litcap");
        assert!(g.contains(&"duplicate-capability".to_string()), "{g:?}");
    }

    #[test]
    fn signer_lines_complete_and_hover() {
        let mut s = server();
        let text = "grant \"g\" {\n  domain \"a.example\"\n  signer \n  auth-action \"QmY3qun9qX3fUBHVfrA9f3v9RpyyPo8RHEuEN1XYPq1PrA\"\n}\n";
        open(&mut s, "file:///w/p.litcap", text);
        let pos = |line: u32, character: u32| {
            json!({"textDocument": {"uri": "file:///w/p.litcap"},
                "position": {"line": line, "character": character}})
        };
        let r = s.request("textDocument/completion", &pos(2, 9)).unwrap();
        let labels: Vec<&str> = r["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap())
            .collect();
        assert_eq!(labels, vec!["pkp"]);
        let r = s.request("textDocument/completion", &pos(1, 0)).unwrap();
        let all = r["items"].to_string();
        assert!(
            all.contains("\"signer\"") && all.contains("\"auth-action\""),
            "{all}"
        );
        let h = s.request("textDocument/hover", &pos(3, 5)).unwrap();
        let md = h["contents"]["value"].as_str().unwrap();
        assert!(md.contains("actionIpfsIds"), "{md}");
    }

    #[test]
    fn erc5573_files_complete_the_abilities_in_use_not_lit_ones() {
        let mut s = server();
        let other = "network \"erc5573\"\ngrant \"g\" {\n  domain \"a.example\"\n  allow \"kv/get\" on \"urn:kv\"\n}\n";
        open(&mut s, "file:///w/other.litcap", other);
        let text = "network \"erc5573\"\ngrant \"h\" {\n  domain \"a.example\"\n  allow \"crud/read\" on \"https://a.example/items\"\n  allow \n}\n";
        open(&mut s, "file:///w/p.litcap", text);
        let labels = |s: &mut Server, line: u32, character: u32| -> Vec<String> {
            let r = s
                .request(
                    "textDocument/completion",
                    &json!({"textDocument": {"uri": "file:///w/p.litcap"},
                        "position": {"line": line, "character": character}}),
                )
                .unwrap();
            r["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|i| i["kind"] != 14)
                .map(|i| i["label"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(labels(&mut s, 4, 8), vec!["crud/read", "kv/get"]);
        let after_on = "network \"erc5573\"\ngrant \"h\" {\n  allow \"crud/read\" on \"https://a.example/items\"\n  allow \"kv/get\" on \n}\n";
        s.notification(
            "textDocument/didChange",
            &json!({"textDocument": {"uri": "file:///w/p.litcap", "version": 2},
                "contentChanges": [{"text": after_on}]}),
        );
        assert_eq!(
            labels(&mut s, 3, 21),
            vec!["https://a.example/items", "urn:kv"]
        );
        // A Lit file still gets the Lit abilities.
        open(
            &mut s,
            "file:///w/lit.litcap",
            "grant \"l\" {\n  allow \n}\n",
        );
        let r = s
            .request(
                "textDocument/completion",
                &json!({"textDocument": {"uri": "file:///w/lit.litcap"},
                    "position": {"line": 1, "character": 8}}),
            )
            .unwrap();
        assert!(r["items"].to_string().contains("pkp-signing"));
    }

    #[test]
    fn quick_fixes_remove_the_duplicate_and_name_the_resource() {
        let mut s = server();
        open(&mut s, "file:///w/s.litcap", SESSION);
        open(&mut s, "file:///w/g.litcap", GRANT);
        let r = s
            .request(
                "textDocument/codeAction",
                &json!({"textDocument": {"uri": "file:///w/g.litcap"},
                    "range": {"start": {"line": 5, "character": 0}, "end": {"line": 5, "character": 40}},
                    "context": {"diagnostics": []}}),
            )
            .unwrap();
        let titles: Vec<&str> = r
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["title"].as_str().unwrap())
            .collect();
        assert!(
            titles.iter().any(|t| t.starts_with("Remove the duplicate")),
            "{titles:?}"
        );
        assert!(
            titles
                .iter()
                .any(|t| t.contains(&format!("lit-pkp://{}", "0".repeat(63) + "1"))),
            "{titles:?}"
        );
    }

    #[test]
    fn garbage_documents_do_not_break_anything() {
        let mut s = server();
        for text in [
            "",
            "grant",
            "grant \"x\" {",
            "\u{feff}session \"é\" from",
            "{{{{",
            "\0\0",
        ] {
            open(&mut s, "file:///w/x.litcap", text);
            open(&mut s, "file:///w/x.litcap.yaml", text);
            open(&mut s, "file:///w/x.litcap.json", text);
            for m in [
                "textDocument/hover",
                "textDocument/completion",
                "textDocument/definition",
            ] {
                for (l, c) in [(0, 0), (0, 3), (9, 9)] {
                    s.request(
                        m,
                        &json!({"textDocument": {"uri": "file:///w/x.litcap"},
                        "position": {"line": l, "character": c}}),
                    )
                    .unwrap();
                }
            }
            s.request(
                "textDocument/formatting",
                &json!({"textDocument": {"uri": "file:///w/x.litcap"}}),
            )
            .unwrap();
        }
    }

    #[test]
    fn workspace_files_complete_the_open_ones_without_duplicates() {
        let dir = std::env::temp_dir().join(format!("litcap-lsp-ws-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let grant = GRANT.replace(
            "  allow pkp-signing on \"lit-pkp://*\"\n  allow pkp-signing on \"lit-pkp://*\"\n",
            "  allow pkp-signing on \"lit-pkp://0x01\"\n",
        );
        std::fs::write(dir.join("g.litcap"), &grant).unwrap();
        std::fs::write(dir.join("s.litcap"), SESSION).unwrap();
        // A twin of g.litcap in the other form: never pulled in next to it.
        std::fs::write(dir.join("g.litcap.yaml"), "- grant: g\n  domain: a.example\n  statement: s\n  max-ttl: 1h\n  allow:\n    - pkp-signing: lit-pkp://0x01\n").unwrap();
        let mut s = Server::default();
        s.initialize(&json!({"rootUri": path_to_uri(&dir)}))
            .unwrap();
        let g_uri = path_to_uri(&dir.join("g.litcap"));
        let msgs = open(&mut s, &g_uri, &grant);
        // The session in s.litcap uses the grant: no unused-capability; no duplicate-name.
        assert_eq!(codes_for(&msgs, &g_uri), Vec::<String>::new(), "{msgs:#?}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn words() {
        assert_eq!(word_at("allow pkp-signing on", 8), Some((6, 17)));
        assert_eq!(word_at("a b", 1), Some((0, 1)));
        assert_eq!(word_at(" ", 0), None);
    }
}
