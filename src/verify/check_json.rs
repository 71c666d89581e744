//! `check --format json`: `{"ok", "diagnostics": [...], "coverage": [...]}`, written element
//! by element (`serde_json::to_writer_pretty`) without building a `serde_json::Value`.
//!
//! Rules (the report's shape is `schemas/check-report.schema.json`):
//! - keys in the order the report has always had them (serde_json's `preserve_order`);
//! - a diagnostic is [`diag::DiagnosticJson`], the same bytes as [`diag::to_json`];
//! - a coverage entry is `{session, resource, ability, covered, coveredBy}`, `coveredBy` being
//!   `null` or `{source, name, resource, recapAbility, file, line, column}`.
//!
//! One writer serves the whole [`super::check::CheckReport`] and the streamed
//! [`super::check::CheckFindings`]; a unit test compares their bytes.
//!
//! The `Serialize` impl is the report's definition (and gives `CheckReport::to_json`'s value);
//! [`JsonReport::write_pretty`] writes the same bytes as `serde_json::to_writer_pretty` of it
//! by hand ([`super::pretty_json`]), a few fixed-shape lines per coverage entry, each block of
//! about 64 KiB in one write: at 100k sessions the report is 99 MB, and serde_json's formatter
//! took a sixth of the run. Unit tests compare the two on awkward names.

use super::check_coverage::{Coverage, CoverageEntry, CoverageView, CoveredByView, ResourceKey};
use super::pretty_json::{push_indent, push_str, push_str_parts, push_usize, Pretty};
use crate::diag::{self, Diagnostics, Sources, Span};
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::borrow::Cow;
use std::io;

/// The buffer is written out when it holds this much.
const CHUNK: usize = 1 << 16;

/// Where a report's coverage entries are read from: stored ones (`CheckReport`) or ones
/// computed as they are written ([`Coverage`]).
pub(crate) trait CoverageRows<'c> {
    fn count(&self) -> usize;
    fn rows(&self) -> impl Iterator<Item = CoverageView<'c>> + '_;
}

impl<'c> CoverageRows<'c> for &'c [CoverageEntry] {
    fn count(&self) -> usize {
        self.len()
    }

    fn rows(&self) -> impl Iterator<Item = CoverageView<'c>> + '_ {
        self.iter().map(CoverageEntry::view)
    }
}

impl<'c> CoverageRows<'c> for &Coverage<'c> {
    fn count(&self) -> usize {
        self.len()
    }

    fn rows(&self) -> impl Iterator<Item = CoverageView<'c>> + '_ {
        self.iter()
    }
}

/// The report, with its coverage entries read from `coverage` (once per write).
pub(crate) struct JsonReport<'a, C> {
    pub ok: bool,
    pub diagnostics: &'a Diagnostics,
    pub sources: &'a Sources,
    pub coverage: C,
}

impl<'c, C: CoverageRows<'c>> Serialize for JsonReport<'_, C> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let sources = self.sources;
        let mut m = serializer.serialize_map(Some(3))?;
        m.serialize_entry("ok", &self.ok)?;
        m.serialize_entry(
            "diagnostics",
            &diag::SerializeSeq::new(self.diagnostics.len(), || {
                self.diagnostics.iter().map(|d| diag::json(d, sources))
            }),
        )?;
        m.serialize_entry(
            "coverage",
            &diag::SerializeSeq::new(self.coverage.count(), || {
                self.coverage.rows().map(|view| EntryJson { view, sources })
            }),
        )?;
        m.end()
    }
}

impl<'c, C: CoverageRows<'c>> JsonReport<'_, C> {
    /// The same bytes as `serde_json::to_writer_pretty(w, self)` (no trailing newline).
    pub fn write_pretty<W: io::Write>(&self, w: &mut W) -> io::Result<()> {
        let mut buf = Vec::with_capacity(CHUNK + CHUNK / 4);
        buf.extend_from_slice(b"{\n  \"ok\": ");
        buf.extend_from_slice(if self.ok { b"true" } else { b"false" });
        buf.extend_from_slice(b",\n  \"diagnostics\": [");
        let sources = self.sources;
        for (i, d) in self.diagnostics.iter().enumerate() {
            buf.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
            push_indent(&mut buf, 2);
            let mut ser = serde_json::Serializer::with_formatter(&mut buf, Pretty::at_level(2));
            diag::json(d, sources).serialize(&mut ser)?;
            flush_full(&mut buf, w)?;
        }
        close_array(&mut buf, !self.diagnostics.is_empty());
        buf.extend_from_slice(b",\n  \"coverage\": [");
        let mut any = false;
        let mut positions = PositionCache::default();
        for view in self.coverage.rows() {
            buf.extend_from_slice(if any { b",\n" } else { b"\n" });
            any = true;
            push_entry(&mut buf, &view, sources, &mut positions);
            flush_full(&mut buf, w)?;
        }
        close_array(&mut buf, any);
        buf.extend_from_slice(b"\n}");
        w.write_all(&buf)
    }
}

/// Writes the buffer out once it holds a chunk.
fn flush_full<W: io::Write>(buf: &mut Vec<u8>, w: &mut W) -> io::Result<()> {
    if buf.len() >= CHUNK {
        w.write_all(buf)?;
        buf.clear();
    }
    Ok(())
}

/// `]` of an array at level 1, on a line of its own when it has elements.
fn close_array(buf: &mut Vec<u8>, any: bool) {
    buf.extend_from_slice(if any { b"\n  ]" } else { b"]" });
}

/// The file, line and column of recent `allow` positions: a report names the same few allows
/// again and again (a grant's sessions are listed together), and finding a line is a binary
/// search over every line of a large file.
#[derive(Default)]
struct PositionCache {
    slots: Vec<Option<(Span, (usize, usize))>>,
}

impl PositionCache {
    const SLOTS: usize = 64;

    /// [`covered_by_json`]'s `file`, `line` and `column`.
    fn get<'s>(&mut self, span: Span, sources: &'s Sources) -> Option<(&'s str, usize, usize)> {
        let f = sources.get(span.file)?;
        if self.slots.is_empty() {
            self.slots = vec![None; Self::SLOTS];
        }
        let slot = &mut self.slots[span.start % Self::SLOTS];
        let (line, column) = match slot {
            Some((s, lc)) if *s == span => *lc,
            _ => {
                let lc = f.line_col(span.start);
                *slot = Some((span, lc));
                lc
            }
        };
        Some((f.name(), line, column))
    }
}

/// One coverage entry at level 2, as serde_json's pretty printer writes [`EntryJson`].
fn push_entry(
    buf: &mut Vec<u8>,
    c: &CoverageView<'_>,
    sources: &Sources,
    positions: &mut PositionCache,
) {
    buf.extend_from_slice(b"    {\n      \"session\": ");
    push_str(buf, c.session);
    buf.extend_from_slice(b",\n      \"resource\": ");
    push_key(buf, &c.resource);
    buf.extend_from_slice(b",\n      \"ability\": ");
    push_str(buf, c.ability);
    buf.extend_from_slice(if c.covered {
        b",\n      \"covered\": true,\n      \"coveredBy\": "
    } else {
        b",\n      \"covered\": false,\n      \"coveredBy\": "
    });
    match &c.covered_by {
        None => buf.extend_from_slice(b"null"),
        Some(b) => {
            let loc = b.span.and_then(|s| positions.get(s, sources));
            buf.extend_from_slice(b"{\n        \"source\": ");
            push_str(buf, b.source);
            buf.extend_from_slice(b",\n        \"name\": ");
            push_str(buf, b.name);
            buf.extend_from_slice(b",\n        \"resource\": ");
            push_key(buf, &b.resource);
            buf.extend_from_slice(b",\n        \"recapAbility\": ");
            push_str(buf, &b.recap_ability);
            buf.extend_from_slice(b",\n        \"file\": ");
            match loc {
                Some((f, _, _)) => push_str(buf, f),
                None => buf.extend_from_slice(b"null"),
            }
            buf.extend_from_slice(b",\n        \"line\": ");
            push_opt_usize(buf, loc.map(|l| l.1));
            buf.extend_from_slice(b",\n        \"column\": ");
            push_opt_usize(buf, loc.map(|l| l.2));
            buf.extend_from_slice(b"\n      }");
        }
    }
    buf.extend_from_slice(b"\n    }");
}

/// A resource key as a JSON string, copied in parts (escaping is byte by byte, so the parts
/// escaped one by one are the key escaped).
fn push_key(buf: &mut Vec<u8>, key: &ResourceKey<'_>) {
    let [a, b, c] = key.parts();
    push_str_parts(buf, [a, b, c]);
}

fn push_opt_usize(buf: &mut Vec<u8>, n: Option<usize>) {
    match n {
        Some(n) => push_usize(buf, n),
        None => buf.extend_from_slice(b"null"),
    }
}

/// One coverage entry with the sources its `coveredBy` position is looked up in.
struct EntryJson<'a, 'c> {
    view: CoverageView<'c>,
    sources: &'a Sources,
}

impl Serialize for EntryJson<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let c = &self.view;
        CoverageJson {
            session: c.session,
            resource: c.resource.as_cow(),
            ability: c.ability,
            covered: c.covered,
            covered_by: c
                .covered_by
                .as_ref()
                .map(|b| covered_by_json(b, self.sources)),
        }
        .serialize(serializer)
    }
}

#[derive(serde::Serialize)]
struct CoverageJson<'a> {
    session: &'a str,
    resource: Cow<'a, str>,
    ability: &'a str,
    covered: bool,
    #[serde(rename = "coveredBy")]
    covered_by: Option<CoveredByJson<'a>>,
}

#[derive(serde::Serialize)]
struct CoveredByJson<'a> {
    source: &'a str,
    name: &'a str,
    resource: Cow<'a, str>,
    #[serde(rename = "recapAbility")]
    recap_ability: &'a str,
    file: Option<&'a str>,
    line: Option<usize>,
    column: Option<usize>,
}

fn covered_by_json<'a>(b: &'a CoveredByView<'_>, sources: &'a Sources) -> CoveredByJson<'a> {
    let loc = b.span.and_then(|s| {
        let f = sources.get(s.file)?;
        let (line, column) = f.line_col(s.start);
        Some((f.name(), line, column))
    });
    CoveredByJson {
        source: b.source,
        name: b.name,
        resource: b.resource.as_cow(),
        recap_ability: &b.recap_ability,
        file: loc.map(|l| l.0),
        line: loc.map(|l| l.1),
        column: loc.map(|l| l.2),
    }
}

#[cfg(test)]
mod tests {
    use super::super::check_coverage::{CoverageEntry, CoveredBy};
    use super::*;
    use crate::diag::{Code, Diagnostic, Span};

    const AWKWARD: &[&str] = &[
        "plain",
        "quote \" and back\\slash",
        "nl\ncr\rtab\tbs\u{8}ff\u{c}nul\u{0}us\u{1f}",
        "é ✓ 漢字 🦀 \u{2028}\u{2029}",
        "",
    ];

    fn write_both(
        ok: bool,
        diagnostics: &Diagnostics,
        sources: &Sources,
        entries: &[CoverageEntry],
    ) -> (String, String) {
        let report = JsonReport {
            ok,
            diagnostics,
            sources,
            coverage: entries,
        };
        let mut serde = Vec::new();
        serde_json::to_writer_pretty(&mut serde, &report).unwrap();
        let mut ours = Vec::new();
        report.write_pretty(&mut ours).unwrap();
        (
            String::from_utf8(serde).unwrap(),
            String::from_utf8(ours).unwrap(),
        )
    }

    /// The hand-written report is serde_json's pretty bytes, empty or not, with awkward names
    /// everywhere, with and without a position.
    #[test]
    fn written_report_is_serde_jsons_pretty_report() {
        let mut sources = Sources::new();
        let mut diagnostics = Diagnostics::new();
        let mut entries = Vec::new();
        for (i, s) in AWKWARD.iter().enumerate() {
            let file = sources.add(format!("dir/{s}.litcap"), format!("a\n{s}\nb {s}\n"));
            let span = Span::new(file, 2 + s.len() + 3, 2 + s.len() + 4);
            diagnostics.push(
                Diagnostic::new(Code::WildcardResource, format!("message {s}"))
                    .at(span, *s)
                    .related(span, *s)
                    .help(*s),
            );
            diagnostics.push(Diagnostic::new(Code::NotCovered, *s));
            for covered_by in [
                None,
                Some(CoveredBy {
                    source: "grant",
                    name: s.to_string(),
                    resource: format!("lit-pkp://{s}"),
                    recap_ability: s.to_string(),
                    span: Some(span),
                }),
                Some(CoveredBy {
                    source: "authsig",
                    name: s.to_string(),
                    resource: s.to_string(),
                    recap_ability: "*/*".to_string(),
                    span: None,
                }),
            ] {
                entries.push(CoverageEntry {
                    session: s.to_string(),
                    resource: format!("{s}{i}"),
                    ability: s.to_string(),
                    covered: covered_by.is_some() && i % 2 == 0,
                    covered_by,
                });
            }
        }
        // Keys spelled from model resources, as the streamed report takes them.
        let resources: Vec<crate::wire::lit::Resource> = AWKWARD
            .iter()
            .flat_map(|s| {
                [
                    crate::wire::lit::ResourcePrefix::Uri,
                    crate::wire::lit::ResourcePrefix::LitAction,
                ]
                .map(|prefix| crate::wire::lit::Resource {
                    prefix,
                    id: s.to_string(),
                })
            })
            .collect();
        for r in &resources {
            let mut ours = Vec::new();
            push_key(&mut ours, &ResourceKey::Of(r));
            assert_eq!(ours, serde_json::to_vec(&r.key()).unwrap());
            assert_eq!(ResourceKey::Of(r).to_string(), r.key());
            assert_eq!(ResourceKey::Of(r), ResourceKey::Str(Cow::Owned(r.key())));
        }
        let none = Diagnostics::new();
        for ok in [true, false] {
            for (d, e) in [
                (&none, &[][..]),
                (&diagnostics, &[][..]),
                (&none, &entries[..]),
                (&diagnostics, &entries[..]),
                (&diagnostics, &entries[..1]),
            ] {
                let (serde, ours) = write_both(ok, d, &sources, e);
                assert_eq!(ours, serde);
            }
        }
    }
}
