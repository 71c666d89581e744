//! `litcap completions SHELL` and `litcap man`, and the example line of every `--help`.

use std::process::Command;

fn litcap(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_litcap"))
        .args(args)
        .output()
        .expect("run litcap")
}

const COMMANDS: &[&str] = &[
    "check",
    "compile",
    "fmt",
    "recap",
    "explain",
    "diff",
    "authsig",
    "sign",
    "delegate",
    "verify",
    "schema",
    "convert",
    "lsp",
    "completions",
    "man",
];

#[test]
fn completion_scripts_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = litcap(&["completions", shell]);
        assert!(out.status.success(), "{shell}: {out:?}");
        let script = String::from_utf8(out.stdout).unwrap();
        for cmd in COMMANDS {
            assert!(script.contains(cmd), "{shell} script lacks `{cmd}`");
        }
        assert!(script.contains("fail-on-widen"), "{shell}");
    }
}

#[test]
fn bash_completion_script_is_valid_bash() {
    let out = litcap(&["completions", "bash"]);
    let dir = std::env::temp_dir().join(format!("litcap-compl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("litcap.bash");
    std::fs::write(&file, &out.stdout).unwrap();
    // Source it and ask it to complete `litcap ch`.
    let script = format!(
        "source {}; COMP_WORDS=(litcap ch); COMP_CWORD=1; COMP_LINE='litcap ch'; COMP_POINT=9; _litcap litcap ch litcap; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        file.display()
    );
    let r = Command::new("bash").args(["-c", &script]).output().unwrap();
    assert!(r.status.success(), "{r:?}");
    let words = String::from_utf8(r.stdout).unwrap();
    assert!(words.lines().any(|w| w == "check"), "{words}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unknown_shell_is_a_usage_error() {
    let out = litcap(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn man_page_on_stdout_and_one_per_command() {
    let out = litcap(&["man"]);
    assert!(out.status.success());
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.contains(".TH litcap 1"), "{page}");
    for cmd in COMMANDS {
        assert!(
            page.contains(&format!("litcap\\-{}", cmd.replace('-', "\\-"))) || page.contains(cmd),
            "{cmd}"
        );
    }
    let dir = std::env::temp_dir().join(format!("litcap-man-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = litcap(&["man", "--out-dir", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    assert!(dir.join("litcap.1").is_file());
    for cmd in COMMANDS {
        let f = dir.join(format!("litcap-{cmd}.1"));
        let text = std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        assert!(
            text.contains("Example"),
            "{cmd}: no example in the man page"
        );
    }
    assert!(dir.join("litcap-recap-decode.1").is_file());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn every_help_has_an_example() {
    for cmd in COMMANDS {
        let out = litcap(&[cmd, "--help"]);
        assert!(out.status.success(), "{cmd}");
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(help.contains("Example"), "{cmd} --help:\n{help}");
    }
    for sub in ["decode", "encode"] {
        let help = String::from_utf8(litcap(&["recap", sub, "--help"]).stdout).unwrap();
        assert!(help.contains("Example"), "recap {sub}");
    }
}
