//! The editor integrations that are files rather than code paths: the VS Code extension folder
//! (language id, file extensions, the TextMate grammar covering the language's keywords and
//! abilities, the server launch) and the Neovim snippet in docs/editors.md.

use litcap::Ability;
use serde_json::Value;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn json(rel: &str) -> Value {
    let text = std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn vscode_extension_declares_the_language_and_grammar() {
    let pkg = json("editors/vscode/package.json");
    let lang = &pkg["contributes"]["languages"][0];
    assert_eq!(lang["id"], "litcap");
    assert_eq!(lang["extensions"], serde_json::json!([".litcap"]));
    let grammar = &pkg["contributes"]["grammars"][0];
    assert_eq!(grammar["language"], "litcap");
    let path = grammar["path"].as_str().unwrap();
    let tm = json(&format!("editors/vscode/{}", path.trim_start_matches("./")));
    assert_eq!(tm["scopeName"], grammar["scopeName"]);
    assert!(root()
        .join("editors/vscode")
        .join(pkg["main"].as_str().unwrap())
        .is_file());
    json("editors/vscode/language-configuration.json");

    // Every keyword and ability of the language is highlighted.
    let text = tm["repository"].to_string();
    for (kw, _) in litcap::internal::lsp::features::KEYWORDS {
        assert!(text.contains(kw), "grammar lacks keyword {kw}");
    }
    for a in Ability::ALL {
        assert!(text.contains(a.as_str()), "grammar lacks ability {a}");
    }
    for p in litcap::ResourcePrefix::ALL {
        assert!(text.contains(p.as_str()), "grammar lacks prefix {p}");
    }
    // And the keyword list is the grammar's.
    let pest = std::fs::read_to_string(root().join("grammar/policy.pest")).unwrap();
    for (kw, _) in litcap::internal::lsp::features::KEYWORDS {
        assert!(
            pest.contains(&format!("\"{kw}\"")),
            "{kw} is not a keyword of policy.pest"
        );
    }
}

#[test]
fn vscode_extension_starts_the_server() {
    let js = std::fs::read_to_string(root().join("editors/vscode/extension.js")).unwrap();
    assert!(js.contains("args: [\"lsp\"]"));
    assert!(js.contains("*.litcap.{yaml,yml,json}"));
    // Syntax check when node is there.
    if let Ok(out) = std::process::Command::new("node")
        .arg("--check")
        .arg(root().join("editors/vscode/extension.js"))
        .output()
    {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn neovim_snippet_runs_the_server() {
    let doc = std::fs::read_to_string(root().join("docs/editors.md")).unwrap();
    assert!(doc.contains("cmd = { \"litcap\", \"lsp\" }"));
    assert!(doc.contains("vim.lsp.enable(\"litcap\")"));
}
