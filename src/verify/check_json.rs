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

use super::check_coverage::{CoverageView, CoveredByView};
use crate::diag::{self, Diagnostics, Sources};
use serde::ser::{Serialize, SerializeMap, Serializer};

/// The report, with its coverage entries taken from `coverage` (called once per write).
pub(crate) struct JsonReport<'a, F> {
    pub ok: bool,
    pub diagnostics: &'a Diagnostics,
    pub sources: &'a Sources,
    pub coverage_len: usize,
    pub coverage: F,
}

impl<'a, 'c, F, I> Serialize for JsonReport<'a, F>
where
    F: Fn() -> I,
    I: Iterator<Item = CoverageView<'c>>,
{
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
            &diag::SerializeSeq::new(self.coverage_len, || {
                (self.coverage)().map(|view| EntryJson { view, sources })
            }),
        )?;
        m.end()
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
            resource: &c.resource,
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
    resource: &'a str,
    ability: &'a str,
    covered: bool,
    #[serde(rename = "coveredBy")]
    covered_by: Option<CoveredByJson<'a>>,
}

#[derive(serde::Serialize)]
struct CoveredByJson<'a> {
    source: &'a str,
    name: &'a str,
    resource: &'a str,
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
        resource: &b.resource,
        recap_ability: &b.recap_ability,
        file: loc.map(|l| l.0),
        line: loc.map(|l| l.1),
        column: loc.map(|l| l.2),
    }
}
