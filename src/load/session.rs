//! `compile --session NAME`: only the session's block, its grant's block and the files'
//! `network` lines are parsed and checked, so the cost does not grow with the other sessions of
//! the files (issue #13).
//!
//! Rules:
//! - Every file is still read and scanned lexically ([`syntax::index::scan_blocks_where`], one pass):
//!   whether the lazy load may be used at all depends on every file (the fallback below), so
//!   reading cannot stop once the session is found, and every file is held until that is
//!   decided (the full load needs them all; standard input cannot be read twice).
//! - A file none of whose blocks is parsed keeps its name but not its text in the returned
//!   `sources`: every diagnostic of this load points into a parsed block or `network` line
//!   (parse errors of those blocks; model errors at their items), so that text is never
//!   shown, and dropping it saves building its line index (12% of the time on 34 MB).

use super::{load_inputs_for, Loaded, PolicyFormat};
use crate::model;
use crate::syntax::index::{scan_blocks_where, BlockSpan};
use crate::syntax::{self, parser::BlockKind};

/// What `compile --session NAME` needs: the session's block and its grant's block, parsed and
/// checked alone, so the cost does not grow with the other sessions of the files (they are
/// only scanned lexically, see [`syntax::index::scan_blocks_where`]).
///
/// Falls back to [`load_inputs`](super::load_inputs) (everything read, parsed and checked, every error reported)
/// when a file is not a `.litcap` file, is not UTF-8, is not lexically a clean sequence of
/// blocks, or when the session or its grant is not defined exactly once: the did-you-mean of a
/// misspelled name and the `duplicate-name` error need the whole policy. So the only
/// difference from a full load is that errors and warnings inside *other* blocks (another
/// session's unknown ability, another grant's missing domain) are not reported, and do not
/// stop the compilation: `litcap check` reports them.
pub fn load_for_session(inputs: Vec<(String, PolicyFormat, Vec<u8>)>, session: &str) -> Loaded {
    load_for_session_for(inputs, session, None)
}

/// [`load_for_session`] for the `requested` profile when the files name no `network`.
pub fn load_for_session_for(
    inputs: Vec<(String, PolicyFormat, Vec<u8>)>,
    session: &str,
    requested: Option<&'static crate::profile::Profile>,
) -> Loaded {
    let load_inputs = |inputs| load_inputs_for(inputs, requested);
    if inputs.iter().any(|(_, f, _)| *f != PolicyFormat::Dsl) {
        return load_inputs(inputs);
    }
    let mut texts: Vec<(String, String)> = Vec::with_capacity(inputs.len());
    let mut inputs = inputs.into_iter();
    for (name, format, bytes) in inputs.by_ref() {
        match String::from_utf8(bytes) {
            Ok(t) => texts.push((name, t)),
            Err(e) => {
                // Put everything back and load it whole (which reports the bad byte).
                let mut all: Vec<_> = texts
                    .into_iter()
                    .map(|(n, t)| (n, PolicyFormat::Dsl, t.into_bytes()))
                    .collect();
                all.push((name, format, e.into_bytes()));
                all.extend(inputs);
                return load_inputs(all);
            }
        }
    }
    match lazy_blocks(&texts, session) {
        Some(wanted) => {
            let mut loaded = Loaded::default();
            for (id, (name, text)) in texts.into_iter().enumerate() {
                let starts: Vec<usize> = wanted
                    .iter()
                    .filter(|(f, _)| *f == id)
                    .map(|(_, s)| *s)
                    .collect();
                let (file, diags) = syntax::parser::parse_blocks(id, &text, &starts);
                // No diagnostic points into a file with nothing parsed (module rules).
                let text = if starts.is_empty() {
                    String::new()
                } else {
                    text
                };
                loaded.sources.add(name, text);
                loaded.diagnostics.extend(diags);
                loaded.files.push(file);
            }
            let (policy, diags) = model::build_for(&loaded.files, requested);
            loaded.policy = policy;
            loaded.diagnostics.extend(diags);
            loaded
        }
        None => load_inputs(
            texts
                .into_iter()
                .map(|(n, t)| (n, PolicyFormat::Dsl, t.into_bytes()))
                .collect(),
        ),
    }
}

/// `(file, block start)` of the grant and the session, grant first when in the same file, and
/// of every `network` line, or `None` when a full load is needed (see [`load_for_session`]).
fn lazy_blocks(texts: &[(String, String)], session: &str) -> Option<Vec<(usize, usize)>> {
    // Networks to parse; sessions named `session` (file, start, grant name); every grant
    // (file, start, name): the session's grant is only known once every file is scanned.
    let mut wanted = Vec::new();
    let mut sessions = Vec::new();
    let mut grants = Vec::new();
    for (f, (_, text)) in texts.iter().enumerate() {
        let keep =
            |text: &str, b: &BlockSpan| b.kind != BlockKind::Session || is(text, &b.name, session);
        for b in scan_blocks_where(text, keep)? {
            match b.kind {
                BlockKind::Network => wanted.push((f, b.start)),
                BlockKind::Session => sessions.push((f, b.start, b.from)),
                BlockKind::Grant => grants.push((f, b.start, b.name)),
            }
        }
    }
    // The session and its grant must be defined exactly once (else `duplicate-name`, or the
    // did-you-mean of a missing name, which need the whole policy).
    let [(sf, s_start, Some(from))] = &sessions[..] else {
        return None;
    };
    let grant = &texts[*sf].1[from.clone()];
    let mut named = grants
        .into_iter()
        .filter(|(f, _, name)| is(&texts[*f].1, name, grant));
    let (gf, g_start, _) = named.next()?;
    if named.next().is_some() {
        return None;
    }
    wanted.extend([(gf, g_start), (*sf, *s_start)]);
    wanted.sort();
    Some(wanted)
}

/// Whether `text[range]` is `name`, without reading the text when the lengths differ.
fn is(text: &str, range: &std::ops::Range<usize>, name: &str) -> bool {
    range.len() == name.len() && text.as_bytes().get(range.clone()) == Some(name.as_bytes())
}
