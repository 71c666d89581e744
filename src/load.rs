//! Reading policy files from disk: size and UTF-8 checks, format by extension, then parsing
//! and model building for all files together.

use crate::diag::{Code, Diagnostic, Diagnostics, Sources};
use crate::model::{self, Policy};
use crate::syntax::{self, PolicyFile};
use std::path::{Path, PathBuf};

// `compile --session`: only the session's blocks parsed (issue #13).
mod session;
pub use session::{load_for_session, load_for_session_for};

/// An input that could not be read at all (exit code 2, not a policy error).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum LoadError {
    #[error("cannot read `{path}`")]
    #[diagnostic(code(litcap::io), help("check the path and its permissions"))]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("no policy files given")]
    #[diagnostic(code(litcap::usage), help("pass one or more `.litcap` files"))]
    NoFiles,
}

/// The surface syntax of a policy file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyFormat {
    Dsl,
    Yaml,
    Json,
}

impl PolicyFormat {
    /// `*.litcap.yaml` / `*.yml` → YAML, `*.json` → JSON, anything else → the DSL.
    pub fn from_path(path: &Path) -> PolicyFormat {
        match path.extension().and_then(|e| e.to_str()) {
            Some("yaml" | "yml") => PolicyFormat::Yaml,
            Some("json") => PolicyFormat::Json,
            _ => PolicyFormat::Dsl,
        }
    }
}

/// Parsed files, the checked policy, and every diagnostic found on the way.
#[derive(Debug, Default)]
pub struct Loaded {
    pub sources: Sources,
    pub files: Vec<PolicyFile>,
    pub policy: Policy,
    pub diagnostics: Diagnostics,
}

/// Reads, parses and checks the given files together.
pub fn load_paths(paths: &[PathBuf]) -> Result<Loaded, LoadError> {
    Ok(load_inputs(read_inputs(paths)?))
}

/// [`load_paths`] for the `requested` profile when the files name no `network`.
pub fn load_paths_for(
    paths: &[PathBuf],
    requested: Option<&'static crate::profile::Profile>,
) -> Result<Loaded, LoadError> {
    Ok(load_inputs_for(read_inputs(paths)?, requested))
}

/// [`load_paths_for`] without the syntax trees (`files` is left empty), for commands that only
/// need the checked policy (`check`): each tree is freed as soon as its blocks are built, so
/// the trees and the model are never in memory together (issue #13).
pub fn load_paths_without_trees(
    paths: &[PathBuf],
    requested: Option<&'static crate::profile::Profile>,
) -> Result<Loaded, LoadError> {
    Ok(load_inputs_keeping(read_inputs(paths)?, requested, false))
}

/// Reads the given files as `(name, format, bytes)` for [`load_inputs`].
pub fn read_inputs(paths: &[PathBuf]) -> Result<Vec<(String, PolicyFormat, Vec<u8>)>, LoadError> {
    if paths.is_empty() {
        return Err(LoadError::NoFiles);
    }
    let mut inputs = Vec::with_capacity(paths.len());
    for p in paths {
        let bytes = read_limited(p)?;
        inputs.push((display_name(p), PolicyFormat::from_path(p), bytes));
    }
    Ok(inputs)
}

/// The name `-` stands for standard input.
pub const STDIN: &str = "-";

/// How an input is named in messages: its path, or `<stdin>`.
pub fn display_name(path: &Path) -> String {
    if path.as_os_str() == STDIN {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}

/// Reads a file (`-`: standard input), refusing to read more than a little past the parser's
/// limit.
pub fn read_limited(path: &Path) -> Result<Vec<u8>, LoadError> {
    use std::io::Read;
    let io = |source| LoadError::Io {
        path: display_name(path),
        source,
    };
    let limit = syntax::parser::MAX_FILE_BYTES as u64 + 1;
    if path.as_os_str() == STDIN {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .take(limit)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        return Ok(bytes);
    }
    let file = std::fs::File::open(path).map_err(io)?;
    // Sized from the file's length (plus one byte to see the end): reading into a growing
    // vector would hold up to twice the policy.
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut bytes = Vec::with_capacity(len.min(syntax::parser::MAX_FILE_BYTES as u64) as usize + 1);
    file.take(limit).read_to_end(&mut bytes).map_err(io)?;
    Ok(bytes)
}

/// A text input as every command reads it (policies, AuthSigs, SessionSigs, recaps).
///
/// The one policy for encodings: the text must be UTF-8; a UTF-8 byte order mark is dropped;
/// CRLF line endings are read as LF. Spans and columns refer to the text after both, which
/// shows the same lines and columns as the file. Writers (`fmt`) write LF without a BOM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextInput {
    /// The path as given, or `<stdin>`.
    pub name: String,
    pub text: String,
    /// The input started with a UTF-8 byte order mark.
    pub had_bom: bool,
    /// The input had CRLF line endings.
    pub had_crlf: bool,
}

/// Why a text input could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// Unreadable (exit code 2).
    Io(LoadError),
    /// Read, but not UTF-8 (an `invalid-utf8` diagnostic).
    NotUtf8(Box<Diagnostic>),
}

/// Reads a text input: see [`TextInput`].
pub fn read_text(path: &Path) -> Result<TextInput, ReadError> {
    let bytes = read_limited(path).map_err(ReadError::Io)?;
    text_from_bytes(display_name(path), bytes).map_err(|d| ReadError::NotUtf8(Box::new(d)))
}

/// Decodes bytes read from `name` by the rules of [`TextInput`].
pub fn text_from_bytes(name: String, bytes: Vec<u8>) -> Result<TextInput, Diagnostic> {
    let text = decode_utf8(&name, bytes)?;
    Ok(TextInput::from_string(name, text))
}

impl TextInput {
    /// Drops a leading byte order mark and reads CRLF as LF.
    pub fn from_string(name: String, mut text: String) -> TextInput {
        let had_bom = text.starts_with('\u{feff}');
        if had_bom {
            text.drain(..'\u{feff}'.len_utf8());
        }
        let had_crlf = text.contains("\r\n");
        if had_crlf {
            text = text.replace("\r\n", "\n");
        }
        TextInput {
            name,
            text,
            had_bom,
            had_crlf,
        }
    }
}

/// Parses and checks in-memory inputs `(name, format, bytes)`.
/// [`load_dsl`] of a policy that must load without any diagnostic.
#[cfg(test)]
pub(crate) fn clean_dsl_policy(text: &str) -> crate::model::Policy {
    let l = load_dsl(text);
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    l.policy
}

/// One DSL policy text, named `p.litcap`: the unit tests' way to load a policy.
#[cfg(test)]
pub(crate) fn load_dsl(text: &str) -> Loaded {
    load_inputs(vec![(
        "p.litcap".into(),
        PolicyFormat::Dsl,
        text.as_bytes().to_vec(),
    )])
}

pub fn load_inputs(inputs: Vec<(String, PolicyFormat, Vec<u8>)>) -> Loaded {
    load_inputs_for(inputs, None)
}

/// [`load_inputs`] for the `requested` profile when the files name no `network`.
pub fn load_inputs_for(
    inputs: Vec<(String, PolicyFormat, Vec<u8>)>,
    requested: Option<&'static crate::profile::Profile>,
) -> Loaded {
    load_inputs_keeping(inputs, requested, true)
}

/// [`load_inputs_for`]; `keep_trees: false` leaves `files` empty and frees each tree while the
/// model is built ([`model::build_owned`]): the same policy and diagnostics.
fn load_inputs_keeping(
    inputs: Vec<(String, PolicyFormat, Vec<u8>)>,
    requested: Option<&'static crate::profile::Profile>,
    keep_trees: bool,
) -> Loaded {
    let mut loaded = Loaded::default();
    let mut blocked = Vec::new();
    let mut texts = Vec::with_capacity(inputs.len());
    for (name, format, bytes) in inputs {
        match text_from_bytes(name.clone(), bytes) {
            Ok(t) => texts.push((name, format, t.text)),
            Err(d) => loaded.diagnostics.push(d),
        }
    }
    if !keep_trees {
        return load_file_by_file(texts, requested, loaded);
    }
    // Files parse independently: on several cores at once when there are several large ones.
    let parsed = parse_all(&texts);
    for ((name, _, text), (file, diags)) in texts.into_iter().zip(parsed) {
        blocked.extend(blocks_with(&file.items, &diags.0, &[Code::SchemaViolation]));
        loaded.sources.add(name, text);
        loaded.diagnostics.extend(diags);
        loaded.files.push(file);
    }
    let (policy, mut diags) = model::build_for(&loaded.files, requested);
    // The model's findings inside a YAML/JSON block that breaks the schema would only repeat
    // the schema's (a misspelt `domian` is also a missing `domain`).
    diags.0.retain(|d| !inside_any(d, &blocked));
    loaded.policy = policy;
    loaded.diagnostics.extend(diags);
    loaded
}

/// [`load_inputs_keeping`] without the trees: each file is parsed, its blocks handed to the
/// model ([`model::Builder`]) and its tree freed before the next file is parsed, so the trees
/// of all files never coexist with the model (issue #13). The same policy and diagnostics as
/// [`model::build_for`] over all trees.
///
/// The profile comes from the files' `network` lines ([`model::network::choose`]): while no
/// file has named one, the blocks are built for the requested profile (else Datil); when a
/// later file names another, the files are parsed again and built the usual way. The files
/// are parsed on this thread: trees parsed on another live in that thread's malloc arena,
/// which the model (built here) cannot reuse once they are freed.
fn load_file_by_file(
    texts: Vec<(String, PolicyFormat, String)>,
    requested: Option<&'static crate::profile::Profile>,
    mut loaded: Loaded,
) -> Loaded {
    let mut blocked = Vec::new();
    let mut networks: Vec<syntax::ast::Spanned<String>> = Vec::new();
    let mut builder: Option<model::Builder> = None;
    // Set when a file's `network` changed the profile: the trees from there on are kept.
    let mut kept: Option<Vec<PolicyFile>> = None;
    let mut formats = Vec::with_capacity(texts.len());
    for (id, (name, format, text)) in texts.into_iter().enumerate() {
        formats.push(format);
        // A DSL file that cannot name a network is built block by block as it is parsed
        // (`parse_each_block`): each block's strings are moved or freed while still in the
        // cache, and the freed ones are reused by the next block's (issue #13). Its blocks
        // are built for the profile chosen so far, which it cannot change.
        if kept.is_none() && format == PolicyFormat::Dsl && !text.contains("network") {
            let profile =
                model::network::choose_among(&networks, requested, &mut Diagnostics::new());
            let b = builder.get_or_insert_with(|| model::Builder::new(profile));
            let parsed = syntax::parser::parse_each_block(id, &text, &mut |item| match item {
                syntax::ast::Item::Grant(g) => b.grant(g),
                syntax::ast::Item::Session(s) => b.session(s),
            });
            // What the tree-based path below would have done differently (a file nested
            // too deeply has no blocks): build everything again from kept trees.
            let redo = parsed.blocks_void
                || parsed.file.network.is_some()
                || parsed.diags.iter().any(|d| d.code == Code::SchemaViolation);
            let diags = parsed.diags;
            loaded.sources.add(name, text);
            loaded.diagnostics.extend(diags);
            if redo {
                kept = Some(parse_again(&loaded.sources, &formats, id + 1));
            }
            continue;
        }
        let (file, diags) = parse_text(id, &text, format);
        blocked.extend(blocks_with(&file.items, &diags.0, &[Code::SchemaViolation]));
        loaded.sources.add(name, text);
        loaded.diagnostics.extend(diags);
        if let Some(kept) = kept.as_mut() {
            kept.push(file);
            continue;
        }
        networks.extend(file.network.clone());
        let profile = model::network::choose_among(&networks, requested, &mut Diagnostics::new());
        let b = builder.get_or_insert_with(|| model::Builder::new(profile));
        if b.profile().name != profile.name {
            // Parse the files built so far again (the same trees), and keep every tree.
            let mut files = parse_again(&loaded.sources, &formats, id);
            files.push(file);
            kept = Some(files);
            continue;
        }
        for item in file.items {
            match item {
                syntax::ast::Item::Grant(g) => b.grant(g),
                syntax::ast::Item::Session(s) => b.session(s),
            }
        }
    }
    let (policy, mut diags) = match (kept, builder) {
        (Some(files), _) => model::build_owned(files, requested),
        (None, Some(b)) => {
            let mut diags = Diagnostics::new();
            model::network::choose_among(&networks, requested, &mut diags);
            let (policy, built) = b.finish();
            diags.extend(built);
            (policy, diags)
        }
        (None, None) => model::build_owned(Vec::new(), requested),
    };
    diags.0.retain(|d| !inside_any(d, &blocked));
    loaded.policy = policy;
    loaded.diagnostics.extend(diags);
    loaded
}

/// The trees of the first `count` files, parsed again from their sources.
fn parse_again(sources: &Sources, formats: &[PolicyFormat], count: usize) -> Vec<PolicyFile> {
    sources
        .files()
        .take(count)
        .map(|(i, src)| parse_text(i, src.text(), formats[i]).0)
        .collect()
}

/// The spans of the blocks holding a diagnostic with one of `codes`.
pub(crate) fn blocks_with(
    items: &[syntax::ast::Item],
    diags: &[Diagnostic],
    codes: &[Code],
) -> Vec<crate::diag::Span> {
    items
        .iter()
        .map(|it| it.span())
        .filter(|b| {
            diags
                .iter()
                .filter(|d| codes.contains(&d.code))
                .any(|d| d.span.is_some_and(|s| within(s, *b)))
        })
        .collect()
}

/// Whether a diagnostic lies inside one of the spans.
pub(crate) fn inside_any(d: &Diagnostic, spans: &[crate::diag::Span]) -> bool {
    d.span.is_some_and(|s| spans.iter().any(|b| within(s, *b)))
}

fn within(s: crate::diag::Span, block: crate::diag::Span) -> bool {
    s.file == block.file && s.start >= block.start && s.start < block.end.max(block.start + 1)
}

/// Parses every file (file ids in order), in parallel when the input is large enough for it to
/// pay. The result is the same as parsing them one after the other.
fn parse_all(
    texts: &[(String, PolicyFormat, String)],
) -> Vec<(PolicyFile, crate::diag::Diagnostics)> {
    const PARALLEL_BYTES: usize = 1 << 20;
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(texts.len());
    let total: usize = texts.iter().map(|(_, _, t)| t.len()).sum();
    if threads < 2 || total < PARALLEL_BYTES {
        return parse_each(texts);
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<Option<(PolicyFile, crate::diag::Diagnostics)>> =
        std::iter::repeat_with(|| None).take(texts.len()).collect();
    let done = std::sync::Mutex::new(&mut results);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let id = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((_, format, text)) = texts.get(id) else {
                    break;
                };
                let parsed = parse_text(id, text, *format);
                if let Ok(mut r) = done.lock() {
                    r[id] = Some(parsed);
                }
            });
        }
    });
    results
        .into_iter()
        .enumerate()
        .map(|(id, r)| r.unwrap_or_else(|| parse_text(id, &texts[id].2, texts[id].1)))
        .collect()
}

/// Parses every file on this thread (file ids in order).
fn parse_each(
    texts: &[(String, PolicyFormat, String)],
) -> Vec<(PolicyFile, crate::diag::Diagnostics)> {
    texts
        .iter()
        .enumerate()
        .map(|(id, (_, format, text))| parse_text(id, text, *format))
        .collect()
}

/// The file's text, or an `invalid-utf8` diagnostic naming the first bad byte.
pub fn decode_utf8(name: &str, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.into_bytes();
        let (line, col) = line_col_of_bytes(&bytes, at);
        Diagnostic::new(
            Code::InvalidUtf8,
            format!("`{name}` is not UTF-8: invalid byte at line {line}, column {col} (byte {at})"),
        )
        .in_file(name.to_string())
        .help("save the file as UTF-8")
    })
}

/// Parses one file's text in the given surface syntax.
pub fn parse_text(
    id: crate::diag::FileId,
    text: &str,
    format: PolicyFormat,
) -> (PolicyFile, Diagnostics) {
    match format {
        PolicyFormat::Dsl => syntax::parse(id, text),
        // The YAML and JSON forms map onto the same tree (see `syntax::yaml`).
        PolicyFormat::Yaml => syntax::yaml::parse_yaml(id, text),
        PolicyFormat::Json => syntax::yaml::parse_json(id, text),
    }
}

fn line_col_of_bytes(bytes: &[u8], at: usize) -> (usize, usize) {
    let before = &bytes[..at.min(bytes.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map(|i| i + 1)
        .unwrap_or(0);
    let col = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_a_diagnostic() {
        let loaded = load_inputs(vec![(
            "bad.litcap".into(),
            PolicyFormat::Dsl,
            b"grant \"a\" {\n  domain \"\xff\"\n}\n".to_vec(),
        )]);
        assert_eq!(loaded.diagnostics.len(), 1);
        let d = &loaded.diagnostics.0[0];
        assert_eq!(d.code, Code::InvalidUtf8);
        assert!(d.message.contains("line 2, column 11"), "{}", d.message);
    }

    #[test]
    fn byte_order_mark_and_crlf_are_read_the_same_everywhere() {
        let t = text_from_bytes("p".into(), b"\xEF\xBB\xBFa\r\nb\r\n".to_vec()).unwrap();
        assert_eq!(t.text, "a\nb\n");
        assert!(t.had_bom && t.had_crlf);
        let t = TextInput::from_string("p".into(), "a\rb\n".into());
        assert_eq!(t.text, "a\rb\n");
        assert!(!t.had_bom && !t.had_crlf);
        let plain = load_inputs(vec![(
            "p.litcap".into(),
            PolicyFormat::Dsl,
            b"grant \"g\" {\n domain \"a\"\n}\n".to_vec(),
        )]);
        let marked = load_inputs(vec![(
            "p.litcap".into(),
            PolicyFormat::Dsl,
            b"\xEF\xBB\xBFgrant \"g\" {\r\n domain \"a\"\r\n}\r\n".to_vec(),
        )]);
        assert_eq!(plain.diagnostics, marked.diagnostics);
    }

    #[test]
    fn file_by_file_loads_the_same_policy_and_diagnostics() {
        let dsl = |texts: &[&str]| -> Vec<(String, PolicyFormat, Vec<u8>)> {
            texts
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    (
                        format!("f{i}.litcap"),
                        PolicyFormat::Dsl,
                        t.as_bytes().to_vec(),
                    )
                })
                .collect()
        };
        let grant = "grant \"g\" {\n domain \"a\"\n allow pkp-signing on \"lit-pkp://*\"\n}\n";
        let session = "session \"s\" from \"g\" {\n request pkp-signing on \"lit-pkp://1\"\n request \"crud/read\" on \"https://a.example\"\n}\n";
        let deep = format!(
            "session \"d\" from \"g\" {{}}\ngrant \"h\" {{\n domain \"a\"\n allow pkp-signing on \"lit-pkp://*\" where {}1{}\n}}\n",
            "{\"a\": ".repeat(70),
            "}".repeat(70)
        );
        let cases: Vec<(Vec<&str>, Option<&'static crate::profile::Profile>)> = vec![
            (
                vec![session, grant, "session \"t\" from \"h\" {}\n", grant],
                None,
            ),
            // A later file names the network: the earlier file is built again for it.
            (vec![session, "network \"erc5573\"\n", grant], None),
            (
                vec![session, "network \"erc5573\"\n", grant],
                Some(&crate::profile::NAGA),
            ),
            (
                vec![session, "network \"naga\"\n", grant],
                Some(&crate::profile::NAGA),
            ),
            (
                vec![
                    "network \"nagaa\"\n",
                    session,
                    "network \"naga\"\n",
                    "network \"datil\"\n",
                ],
                None,
            ),
            (
                vec!["grant \"g\" {\n domain \"a\"\n", "\u{ff}", grant],
                None,
            ),
            (vec![], None),
            // Streamed blocks, then a file nested too deeply after plain blocks (it has no
            // blocks), then one whose text says `network` without naming one.
            (
                vec![
                    grant,
                    &deep,
                    "session \"n\" from \"g\" {\n request pkp-signing on \"lit-pkp://network\"\n}\n",
                    session,
                ],
                Some(&crate::profile::NAGA),
            ),
            (vec![session, &deep, grant], None),
        ];
        for (texts, requested) in cases {
            let mut inputs = dsl(&texts);
            if let Some(bad) = inputs.iter_mut().find(|(_, _, b)| b == "\u{ff}".as_bytes()) {
                bad.2 = vec![0xff];
            }
            let kept = load_inputs_keeping(inputs.clone(), requested, true);
            let freed = load_inputs_keeping(inputs, requested, false);
            assert_eq!(kept.policy, freed.policy, "{texts:?}");
            assert_eq!(kept.diagnostics, freed.diagnostics, "{texts:?}");
            assert!(freed.files.is_empty());
            assert_eq!(kept.sources.files().count(), freed.sources.files().count());
        }
    }

    #[test]
    fn names_are_global_across_files() {
        let g =
            b"grant \"g\" {\n domain \"a\"\n allow pkp-signing on \"lit-pkp://*\"\n}\n".to_vec();
        let s =
            b"session \"s\" from \"g\" {\n request pkp-signing on \"lit-pkp://*\"\n}\n".to_vec();
        let loaded = load_inputs(vec![
            ("g.litcap".into(), PolicyFormat::Dsl, g.clone()),
            ("s.litcap".into(), PolicyFormat::Dsl, s),
            ("g2.litcap".into(), PolicyFormat::Dsl, g),
        ]);
        assert_eq!(loaded.policy.sessions.len(), 1);
        let codes: Vec<Code> = loaded.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, vec![Code::DuplicateName]);
        assert_eq!(loaded.diagnostics.0[0].span.unwrap().file, 2);
        assert_eq!(loaded.diagnostics.0[0].related[0].span.file, 0);
    }
}
