//! Any bytes as a policy file in any of its forms (`.litcap`, `.litcap.yaml`, `.litcap.json`),
//! checked as `litcap check` does, then every diagnostic rendered in every output format: the
//! human (miette) report at several widths, with and without colour, `--format json` and
//! `--format sarif`. Never panics, also for a diagnostic past column 65,535 (#16 defect 1: a
//! minified one-line `.litcap.json` made miette's `Formatting argument out of range` panic);
//! every span lies in its file on character boundaries; the JSON and SARIF outputs hold one
//! entry per diagnostic, with 1-based lines and columns.
//!
//! The first byte chooses the form (`% 3`), whether 66,000 blanks are inserted (bit 2) and where
//! (the high nibble, in sixteenths of the file: one very long line, as programs write JSON), the
//! colour (bit 3); the rest is the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use litcap::diag::{self, Diagnostics, Sources};
use litcap::{load_inputs, PolicyFormat};
use litcap::{check_policy, CheckOptions};
use serde_json::Value;

/// Past miette's `u16` column limit.
const LONG_LINE: usize = 66_000;

fn spans_within(diags: &Diagnostics, sources: &Sources) {
    for d in diags.iter() {
        let spans = d.span.iter().chain(d.related.iter().map(|r| &r.span));
        for s in spans {
            let text = sources
                .get(s.file)
                .unwrap_or_else(|| panic!("span {s:?} in no file: {}", d.message))
                .text();
            assert!(
                s.start <= s.end && s.end <= text.len(),
                "span {s:?} outside the text ({} bytes): {}",
                text.len(),
                d.message
            );
            assert!(
                text.is_char_boundary(s.start) && text.is_char_boundary(s.end),
                "span {s:?} not on character boundaries: {}",
                d.message
            );
        }
    }
}

fn positive(v: &Value, what: &str) {
    if let Some(n) = v.as_u64() {
        assert!(n >= 1, "{what} is {n}, not 1-based");
    } else {
        assert!(v.is_null(), "{what} is {v}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let (name, format) = match mode % 3 {
        0 => ("fuzz.litcap", PolicyFormat::Dsl),
        1 => ("fuzz.litcap.yaml", PolicyFormat::Yaml),
        _ => ("fuzz.litcap.json", PolicyFormat::Json),
    };
    let mut bytes = body.to_vec();
    if mode & 4 != 0 {
        let at = body.len() * usize::from(mode >> 4) / 16;
        bytes.splice(at..at, std::iter::repeat(b' ').take(LONG_LINE));
    }
    let color = mode & 8 != 0;

    let loaded = load_inputs(vec![(name.into(), format, bytes)]);
    let report = check_policy(&loaded, &CheckOptions::default());
    let diags = &report.diagnostics;
    spans_within(diags, &loaded.sources);

    // Human: the width of the golden tests, a narrow and a wide terminal.
    for width in [100, 40, 400] {
        let text = diag::render_human_width(diags, &loaded.sources, color, width);
        assert_eq!(text.is_empty(), diags.is_empty());
    }
    let _ = report.summary();

    // JSON (`check --format json`).
    let json = report.to_json(&loaded.sources, mode & 1 != 0);
    let entries = json["diagnostics"].as_array().expect("`diagnostics` array");
    assert_eq!(entries.len(), diags.len());
    for e in entries {
        positive(&e["line"], "a JSON line");
        positive(&e["column"], "a JSON column");
    }
    serde_json::to_string_pretty(&json).expect("JSON output");

    // SARIF (`check --format sarif`).
    let sarif = diag::to_sarif(diags, &loaded.sources);
    let results = sarif["runs"][0]["results"]
        .as_array()
        .expect("SARIF results");
    assert_eq!(results.len(), diags.len());
    for r in results {
        for l in r["locations"].as_array().into_iter().flatten() {
            let region = &l["physicalLocation"]["region"];
            for key in ["startLine", "startColumn", "endLine", "endColumn"] {
                positive(&region[key], key);
            }
        }
    }
    serde_json::to_string(&sarif).expect("SARIF output");
});
