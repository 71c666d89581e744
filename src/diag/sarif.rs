//! SARIF 2.1.0 (`--format sarif`), accepted by GitHub code scanning.

use super::*;

/// A SARIF 2.1.0 log with one run, accepted by GitHub code scanning.
pub fn to_sarif(diags: &Diagnostics, sources: &Sources) -> Value {
    serde_json::to_value(sarif(diags, sources)).unwrap_or(Value::Null)
}

/// The log of [`to_sarif`], to be serialised result by result (`serde_json::to_writer_pretty`)
/// without building it whole: the same bytes as `to_sarif` pretty-printed.
///
/// Each result has the finding's place as its location (a whole-file location when only the
/// file is known, no location at all (`"locations": []`, SARIF 2.1.0 §3.27.12) for findings
/// about flags or clocks), the secondary places the human output labels as
/// `relatedLocations`, and its rule a `helpUri` to the README heading that documents it.
pub fn sarif<'a>(diags: &'a Diagnostics, sources: &'a Sources) -> impl serde::Serialize + 'a {
    let mut rule_ids: Vec<Code> = diags.iter().map(|d| d.code).collect();
    rule_ids.sort();
    rule_ids.dedup();
    SarifLog {
        diags,
        sources,
        rule_ids,
    }
}

struct SarifLog<'a> {
    diags: &'a Diagnostics,
    sources: &'a Sources,
    rule_ids: Vec<Code>,
}

/// The one run of a [`SarifLog`].
struct SarifRun<'a>(&'a SarifLog<'a>);

impl serde::Serialize for SarifLog<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = serializer.serialize_map(Some(3))?;
        m.serialize_entry("$schema", "https://json.schemastore.org/sarif-2.1.0.json")?;
        m.serialize_entry("version", "2.1.0")?;
        m.serialize_entry("runs", &[SarifRun(self)])?;
        m.end()
    }
}

impl serde::Serialize for SarifRun<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let log = self.0;
        let rules: Vec<Value> = log
            .rule_ids
            .iter()
            .map(|c| {
                json!({
                    "id": c.as_str(),
                    "name": c.as_str(),
                    "shortDescription": { "text": c.title() },
                    "helpUri": format!("https://github.com/litcap/litcap#{}", c.readme_anchor()),
                    "defaultConfiguration": { "level": sarif_level(c.default_severity()) },
                })
            })
            .collect();
        let mut m = serializer.serialize_map(Some(3))?;
        m.serialize_entry(
            "tool",
            &json!({ "driver": {
                "name": "litcap",
                "informationUri": "https://github.com/litcap/litcap",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }}),
        )?;
        m.serialize_entry("columnKind", "unicodeCodePoints")?;
        m.serialize_entry(
            "results",
            &SerializeSeq::new(log.diags.len(), || {
                log.diags
                    .iter()
                    .map(|d| sarif_result(d, log.sources, &log.rule_ids))
            }),
        )?;
        m.end()
    }
}

fn sarif_result(d: &Diagnostic, sources: &Sources, rule_ids: &[Code]) -> Value {
    let rule_index = rule_ids.binary_search(&d.code).unwrap_or(0);
    let mut text = d.message.clone();
    if let Some(h) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(h);
    }
    let locations: Vec<Value> = match (d.span.and_then(|s| sarif_location(s, sources)), &d.file) {
        (Some(l), _) => vec![l],
        (None, Some(file)) => vec![json!({
            "physicalLocation": { "artifactLocation": { "uri": sarif_uri(file) } }
        })],
        (None, None) => Vec::new(),
    };
    let mut result = json!({
        "ruleId": d.code.as_str(),
        "ruleIndex": rule_index,
        "level": sarif_level(d.severity),
        "message": { "text": text },
        "locations": locations,
    });
    let related: Vec<Value> = d
        .related
        .iter()
        .filter_map(|r| {
            let mut l = sarif_location(r.span, sources)?;
            l["message"] = json!({ "text": r.message });
            Some(l)
        })
        .enumerate()
        .map(|(i, mut l)| {
            l["id"] = json!(i + 1);
            l
        })
        .collect();
    if !related.is_empty() {
        result["relatedLocations"] = Value::Array(related);
    }
    result
}

/// A SARIF `location` with the span's file and region.
fn sarif_location(span: Span, sources: &Sources) -> Option<Value> {
    let file = sources.get(span.file)?;
    let (line, column) = file.line_col(span.start);
    let (end_line, end_column) = file.line_col(span.end);
    Some(json!({
        "physicalLocation": {
            "artifactLocation": { "uri": sarif_uri(file.name()) },
            "region": {
                "startLine": line,
                "startColumn": column,
                "endLine": end_line,
                "endColumn": end_column.max(if end_line == line { column + 1 } else { 1 }),
            }
        }
    }))
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// SARIF wants URIs: relative paths with forward slashes, spaces and the like escaped.
fn sarif_uri(path: &str) -> String {
    let path = path.strip_prefix("./").unwrap_or(path);
    let mut out = String::new();
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            b'\\' => out.push('/'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_sarif_shapes() {
        let mut sources = Sources::new();
        let id = sources.add("dir/p q.litcap", "grant \"x\" {}\n");
        let d = Diagnostic::new(Code::MissingDomain, "grant `x` has no `domain`")
            .at(Span::new(id, 6, 9), "here")
            .help("add `domain \"app.example.com\"`");
        let j = to_json(&d, &sources);
        assert_eq!(j["line"], 1);
        assert_eq!(j["column"], 7);
        assert_eq!(j["code"], "missing-domain");
        let sarif = to_sarif(&Diagnostics(vec![d]), &sources);
        let result = &sarif["runs"][0]["results"][0];
        assert_eq!(result["ruleId"], "missing-domain");
        assert_eq!(
            result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "dir/p%20q.litcap"
        );
    }

    /// The anchors GitHub gives the README's headings: lowercase, punctuation dropped, spaces
    /// to hyphens, `-1`, `-2`, ... for repeats.
    fn readme_anchors() -> Vec<String> {
        let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));
        let mut anchors: Vec<String> = Vec::new();
        let mut seen: std::collections::HashMap<String, usize> = Default::default();
        let mut in_code = false;
        for line in readme.lines() {
            if line.starts_with("```") {
                in_code = !in_code;
                continue;
            }
            let Some(title) = line.strip_prefix('#').filter(|_| !in_code) else {
                continue;
            };
            let title = title.trim_start_matches('#');
            if !title.starts_with(' ') {
                continue;
            }
            let slug: String = title
                .trim()
                .to_lowercase()
                .chars()
                .filter_map(|c| match c {
                    ' ' => Some('-'),
                    c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                    _ => None,
                })
                .collect();
            let repeats = seen.entry(slug.clone()).or_insert(0);
            anchors.push(if *repeats == 0 {
                slug
            } else {
                format!("{slug}-{repeats}")
            });
            *repeats += 1;
        }
        anchors
    }

    #[test]
    fn every_help_uri_anchor_is_a_readme_heading() {
        let anchors = readme_anchors();
        assert!(anchors.contains(&"diagnostic-codes".to_string()));
        for &code in Code::ALL {
            let anchor = code.readme_anchor();
            assert!(
                anchors.iter().any(|a| a == anchor),
                "{code}: no README heading has the anchor #{anchor}"
            );
            // A code with a heading of its own links there, not to the table.
            if anchors.iter().any(|a| a == code.as_str()) {
                assert_eq!(anchor, code.as_str());
            }
        }
        // And the SARIF rules use them.
        let mut sources = Sources::new();
        let id = sources.add("p.litcap", "grant \"x\" {}\n");
        let diags: Diagnostics = Code::ALL
            .iter()
            .map(|&c| Diagnostic::new(c, "m").at(Span::new(id, 0, 1), ""))
            .collect();
        let sarif = to_sarif(&diags, &sources);
        for rule in sarif["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
        {
            let uri = rule["helpUri"].as_str().unwrap();
            let anchor = uri
                .strip_prefix("https://github.com/litcap/litcap#")
                .unwrap();
            assert!(anchors.iter().any(|a| a == anchor), "{uri}");
        }
    }

    #[test]
    fn sarif_locations_without_a_place_and_related_locations() {
        let mut sources = Sources::new();
        let id = sources.add("p.litcap", "grant \"x\" {}\nline two\n");
        let diags = Diagnostics(vec![
            Diagnostic::new(Code::UnknownSession, "there is no session `s`"),
            Diagnostic::new(Code::InvalidJson, "not JSON").in_file("auth sig.json"),
            Diagnostic::new(Code::DuplicateName, "twice")
                .at(Span::new(id, 14, 18), "again")
                .related(Span::new(id, 6, 9), "first defined here")
                .related(Span::new(99, 0, 1), "in no file"),
        ]);
        let sarif = to_sarif(&diags, &sources);
        let results = sarif["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results[0]["locations"], json!([]));
        assert!(results[0].get("relatedLocations").is_none());
        assert_eq!(
            results[1]["locations"],
            json!([{ "physicalLocation": { "artifactLocation": { "uri": "auth%20sig.json" } } }])
        );
        assert_eq!(
            results[2]["relatedLocations"],
            json!([{
                "physicalLocation": {
                    "artifactLocation": { "uri": "p.litcap" },
                    "region": { "startLine": 1, "startColumn": 7, "endLine": 1, "endColumn": 10 }
                },
                "message": { "text": "first defined here" },
                "id": 1
            }])
        );
        assert!(!serde_json::to_string(&sarif)
            .unwrap()
            .contains("\"uri\":\".\""));
    }

    #[test]
    fn streamed_sarif_is_the_same_bytes() {
        let mut sources = Sources::new();
        let id = sources.add("p.litcap", "grant \"x\" {}\n");
        for diags in [
            Diagnostics::new(),
            Diagnostics(vec![
                Diagnostic::new(Code::MissingDomain, "m").at(Span::new(id, 6, 9), "here"),
                Diagnostic::new(Code::UnknownSession, "s"),
            ]),
        ] {
            let whole = serde_json::to_string_pretty(&to_sarif(&diags, &sources)).unwrap();
            let mut streamed = Vec::new();
            serde_json::to_writer_pretty(&mut streamed, &sarif(&diags, &sources)).unwrap();
            assert_eq!(whole, String::from_utf8(streamed).unwrap());
        }
    }
}
