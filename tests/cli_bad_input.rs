//! Bad input through the real binary: every case ends with diagnostics and a distinct exit
//! code, never a panic or a hang.

mod common;

use common::litcap;
use std::process::Output;

struct Temp(std::path::PathBuf);

impl Temp {
    fn new() -> Temp {
        let d = std::env::temp_dir().join(format!(
            "litcap-bad-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&d).unwrap();
        Temp(d)
    }
    fn file(&self, name: &str, bytes: &[u8]) -> String {
        let p = self.0.join(name);
        std::fs::write(&p, bytes).unwrap();
        p.to_str().unwrap().to_string()
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn codes(out: &Output) -> Vec<String> {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn ten_megabytes_of_broken_blocks_stop_after_a_bounded_number_of_errors() {
    let t = Temp::new();
    let block = "grant \"g\" {\n  domian \"x\"\n}\n";
    let text = block.repeat(10 * 1024 * 1024 / block.len());
    let f = t.file("big.litcap", text.as_bytes());
    let out = litcap(&["check", "--format", "json", &f]);
    assert_eq!(out.status.code(), Some(1));
    let c = codes(&out);
    assert!(
        c.len() <= 102 && c.iter().all(|c| c == "syntax"),
        "{}",
        c.len()
    );
}

#[test]
fn files_over_the_limit_are_refused() {
    let t = Temp::new();
    let f = t.file("huge.litcap", &vec![b' '; 17 * 1024 * 1024]);
    let out = litcap(&["check", "--format", "json", &f]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(codes(&out), ["file-too-large"]);
}

#[test]
fn binary_and_invalid_utf8() {
    let t = Temp::new();
    let f = t.file("bin.litcap", &[0x67, 0x72, 0x61, 0xff, 0x00, 0xfe, 0x80]);
    let out = litcap(&["check", "--format", "json", &f]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(codes(&out), ["invalid-utf8"]);
    let f = t.file("nul.litcap", b"grant \"a\0\" {\n}\n\0\0\0");
    let out = litcap(&["check", "--format", "json", &f]);
    assert_eq!(out.status.code(), Some(1));
    assert!(codes(&out).contains(&"syntax".to_string()));
}

#[test]
fn deep_nesting_in_where_data() {
    let t = Temp::new();
    let text = format!(
        "grant \"g\" {{\n  domain \"a\"\n  allow rate-limit-increase-auth on \"lit-ratelimitincrease://1\" where {}1{}\n}}\n",
        "{ a: [".repeat(5000),
        "] }".repeat(5000)
    );
    let f = t.file("deep.litcap", text.as_bytes());
    let out = litcap(&["check", "--format", "json", &f]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(codes(&out), ["nesting-too-deep"]);
}

#[test]
fn every_kind_of_broken_file_reports_and_keeps_going() {
    let t = Temp::new();
    let f = t.file(
        "many.litcap",
        b"grant \"a\\q\" {\n  domain \"x\n}\n\ngrant \"b\" {\n  chain-id 99999999999999999999999\n  max-ttl 1x\n}\n\nsession \"s\" from \"b\" {\n  ttl 40d\n  request pkp-signing on \"nope://1\"\n}\n",
    );
    let out = litcap(&["check", "--format", "json", &f]);
    assert_eq!(out.status.code(), Some(1));
    let c = codes(&out);
    for expected in [
        "syntax",
        "invalid-number",
        "invalid-duration",
        "ttl-too-long",
        "unknown-resource-prefix",
    ] {
        assert!(
            c.contains(&expected.to_string()),
            "{expected} missing from {c:?}"
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(litcap(&["check"]).status.code(), Some(2));
    assert_eq!(
        litcap(&["check", "/nonexistent/p.litcap"]).status.code(),
        Some(2)
    );
    assert_eq!(
        litcap(&["compile", "policies/x.litcap"]).status.code(),
        Some(2)
    );
    assert_eq!(litcap(&["no-such-command"]).status.code(), Some(2));
    assert_eq!(litcap(&["--version"]).status.code(), Some(0));
}
