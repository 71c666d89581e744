//! Diagnostics: stable codes, spans into source files, and the three renderings litcap
//! prints (miette for people, JSON and SARIF 2.1.0 for machines).

use miette::{LabeledSpan, SourceCode};
use serde_json::{json, Value};
use std::fmt;
use std::sync::Arc;

/// Process exit codes. Documented in the README; other tools depend on them.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// Policy, verification or signing-precondition errors (diagnostics printed).
    pub const ERRORS: u8 = 1;
    /// Bad usage, unreadable input files, or output that could not be written.
    pub const USAGE: u8 = 2;
    /// Only warnings, and `--deny-warnings` was given.
    pub const WARNINGS: u8 = 3;
    /// A signer or network peer failed (unreachable, timed out, refused, wrong key).
    pub const SIGNER: u8 = 4;
    /// The key store holds a corrupt or foreign entry that litcap will not overwrite.
    pub const STORE: u8 = 5;
    /// The key store stayed locked by another process longer than the wait allowed; nothing
    /// was written (retry).
    pub const STORE_BUSY: u8 = 6;
}

pub type FileId = usize;

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    pub file: FileId,
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span { file, start, end }
    }

    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The smallest span containing both.
    pub fn to(&self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// One input file, kept for diagnostics.
#[derive(Clone, Debug)]
pub struct SourceFile {
    name: String,
    text: Arc<String>,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        let name = name.into();
        let text = Arc::new(text.into());
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            name,
            text,
            line_starts,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let col = self
            .text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(offset - start);
        (line + 1, col + 1)
    }

    /// The text of a 1-based line, without its newline.
    pub fn line(&self, line: usize) -> Option<&str> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let end = self
            .line_starts
            .get(line)
            .map(|e| e - 1)
            .unwrap_or(self.text.len());
        self.text.get(start..end).map(|l| l.trim_end_matches('\r'))
    }
}

/// miette's own `SourceCode` for strings scans from the start of the text for every snippet,
/// which makes rendering thousands of findings in a large file quadratic. This hands it only
/// the lines around the span (found with the line index) and shifts the result back.
impl SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let line_of = |offset: usize| match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = span.offset().min(self.text.len());
        let first_line = line_of(start).saturating_sub(context_lines_before);
        let base = self.line_starts[first_line];
        let last_line =
            line_of((span.offset() + span.len()).min(self.text.len())) + context_lines_after + 2;
        let end = self
            .line_starts
            .get(last_line)
            .copied()
            .unwrap_or(self.text.len());
        let window = &self.text.as_bytes()[base..end];
        let local = miette::SourceSpan::new((start - base).into(), span.len());
        let c = window.read_span(&local, context_lines_before, context_lines_after)?;
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            c.data(),
            miette::SourceSpan::new((c.span().offset() + base).into(), c.span().len()),
            c.line() + first_line,
            c.column(),
            c.line_count() + first_line,
        )))
    }
}

/// All files of one run; spans refer to them by index.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn new() -> Sources {
        Sources::default()
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        self.files.push(SourceFile::new(name, text));
        self.files.len() - 1
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id)
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate()
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// The README heading of the AuthSig lints, as GitHub spells its anchor.
const AUTHSIG_LINTS_ANCHOR: &str =
    "multiple-recaps-repeated-recap-preamble-wildcard-ability-recap-not-canonical-sdk-mismatch-authsigs";

macro_rules! codes {
    ($( $variant:ident => ($name:literal, $sev:ident, $title:literal), )*) => {
        /// Stable diagnostic codes. Names never change meaning; new ones may be added.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $( $variant, )* }

        impl Code {
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The kebab-case name used in output and in `# litcap: allow(<name>)`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $name, )* }
            }

            pub fn default_severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$sev, )* }
            }

            /// One line describing what the code reports.
            pub fn title(self) -> &'static str {
                match self { $( Code::$variant => $title, )* }
            }

            pub fn parse(s: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| c.as_str() == s)
            }

            /// The GitHub anchor of the README heading that documents the code (its own
            /// heading for the lints, else the table of all codes); SARIF's `helpUri`.
            pub fn readme_anchor(self) -> &'static str {
                match self {
                    Code::WildcardResource => "wildcard-resource",
                    Code::UnusedCapability => "unused-capability",
                    Code::TtlLongerThanNeeded => "ttl-longer-than-needed",
                    Code::NbIgnored => "nb-ignored",
                    Code::DecimalPkpId => "decimal-pkp-id",
                    Code::WildcardShadowsSpecific => "wildcard-shadows-specific",
                    Code::DefaultStatement => "default-statement",
                    Code::DuplicateCapability => "duplicate-capability",
                    Code::NoRequest => "no-request",
                    Code::PkpWithoutAuthAction => "pkp-without-auth-action",
                    Code::AuthActionWithoutPkp => "auth-action-without-pkp",
                    Code::PkpChainId => "pkp-chain-id",
                    Code::MultipleRecaps
                    | Code::RepeatedRecapPreamble
                    | Code::WildcardAbility
                    | Code::RecapNotCanonical
                    | Code::SdkMismatch => AUTHSIG_LINTS_ANCHOR,
                    _ => "diagnostic-codes",
                }
            }
        }
    };
}

codes! {
    // Reading and parsing policy files.
    Syntax => ("syntax", Error, "the policy file does not follow the grammar"),
    InvalidUtf8 => ("invalid-utf8", Error, "the file is not valid UTF-8"),
    FileTooLarge => ("file-too-large", Error, "the file is larger than litcap reads"),
    NestingTooDeep => ("nesting-too-deep", Error, "`where` data is nested too deeply"),
    InvalidEscape => ("invalid-escape", Error, "a string has an escape sequence that does not exist"),
    InvalidDuration => ("invalid-duration", Error, "a duration is not `<number><unit>` with unit s, m, h or d"),
    InvalidNumber => ("invalid-number", Error, "a number is out of range"),
    SchemaViolation => ("schema-violation", Error, "a YAML or JSON policy does not match the published schema"),
    // The semantic model.
    UnknownAbility => ("unknown-ability", Error, "an ability the Lit SDK v7 does not define"),
    UnknownResourcePrefix => ("unknown-resource-prefix", Error, "a resource prefix the Lit SDK v7 does not define"),
    InvalidResource => ("invalid-resource", Error, "a resource key that the SDK would reject"),
    AbilityResourceMismatch => ("ability-resource-mismatch", Error, "an ability the resource type does not support"),
    DuplicateName => ("duplicate-name", Error, "two grants or two sessions share a name"),
    DuplicateSetting => ("duplicate-setting", Error, "a setting is given twice in one block"),
    MissingDomain => ("missing-domain", Error, "a grant has no SIWE `domain`"),
    InvalidDomain => ("invalid-domain", Error, "the SIWE domain is not an RFC 3986 authority"),
    InvalidStatement => ("invalid-statement", Error, "the SIWE statement has a line break or a character EIP-4361 does not allow"),
    InvalidChainId => ("invalid-chain-id", Error, "the chain id is not a positive integer"),
    UnknownGrant => ("unknown-grant", Error, "a session names a grant that does not exist"),
    UnknownSession => ("unknown-session", Error, "the named session does not exist"),
    TtlTooLong => ("ttl-too-long", Error, "a lifetime is longer than the nodes (30 days) or the grant's `max-ttl` allow"),
    NotCovered => ("not-covered", Error, "a session requests a capability its grant does not give"),
    InvalidWhere => ("invalid-where", Error, "`where` data the ReCap cannot carry"),
    UnknownNetwork => ("unknown-network", Error, "a `network` statement names no profile litcap speaks"),
    NetworkMismatch => ("network-mismatch", Error, "files checked together name different networks"),
    DuplicateCapability => ("duplicate-capability", Warning, "the same capability is listed twice"),
    NoRequest => ("no-request", Warning, "a session requests nothing"),
    UnknownSigner => ("unknown-signer", Error, "a `signer` kind other than `pkp`"),
    InvalidAddress => ("invalid-address", Error, "a PKP address that is not `0x` and 40 hex digits, or fails its EIP-55 checksum"),
    InvalidCid => ("invalid-cid", Error, "an `auth-action` that is not an IPFS CID"),
    // Least-privilege lints.
    WildcardResource => ("wildcard-resource", Warning, "a capability on every resource of a type (`<prefix>://*`)"),
    UnusedCapability => ("unused-capability", Warning, "a granted capability that no session requests"),
    TtlLongerThanNeeded => ("ttl-longer-than-needed", Warning, "a lifetime above the configured threshold"),
    NbIgnored => ("nb-ignored", Warning, "`where` data on a `Threshold/*` ability, which the nodes ignore"),
    DecimalPkpId => ("decimal-pkp-id", Warning, "a PKP id that looks decimal but is read as hex"),
    WildcardShadowsSpecific => ("wildcard-shadows-specific", Warning, "a `<prefix>://*` key hides the abilities of a specific key"),
    DefaultStatement => ("default-statement", Warning, "no statement: the wallet shows the SDK's test statement"),
    PkpWithoutAuthAction => ("pkp-without-auth-action", Warning, "a grant with `signer pkp` names no `auth-action`: any of the PKP's auth methods may mint its sessions"),
    AuthActionWithoutPkp => ("auth-action-without-pkp", Warning, "`auth-action` lines in a grant without `signer pkp`, where no AuthSig carries an auth context"),
    PkpChainId => ("pkp-chain-id", Warning, "a grant with `signer pkp` and a chain id other than 1, which `getPkpSessionSigs` always signs"),
    MultipleRecaps => ("multiple-recaps", Warning, "an AuthSig carries several `urn:recap:` resources"),
    RepeatedRecapPreamble => ("repeated-recap-preamble", Warning, "the recap sentence appears more than once in the statement"),
    WildcardAbility => ("wildcard-ability", Warning, "an AuthSig grants `*/*`"),
    // AuthSigs, SIWE and recaps.
    InvalidJson => ("invalid-json", Error, "the input is not the JSON object litcap expects"),
    SiweSyntax => ("siwe-syntax", Error, "the SIWE message does not follow EIP-4361"),
    RecapInvalid => ("recap-invalid", Error, "a `urn:recap:` resource does not decode"),
    RecapNotCanonical => ("recap-not-canonical", Warning, "a `urn:recap:` resource is not in canonical form"),
    RecapStatementMismatch => ("recap-statement-mismatch", Error, "the statement does not end with the recap's sentence"),
    SignatureFormat => ("signature-format", Error, "a signature is not hex of the right length"),
    SignatureMismatch => ("signature-mismatch", Error, "the signature does not recover to the claimed address"),
    AddressMismatch => ("address-mismatch", Error, "the AuthSig `address` differs from the SIWE address"),
    SessionKeyMismatch => ("session-key-mismatch", Error, "the AuthSig was signed for another session key"),
    Expired => ("expired", Error, "the signature has expired"),
    NotYetValid => ("not-yet-valid", Error, "the signature is issued in the future or not valid before a later time"),
    LifetimeTooLong => ("lifetime-too-long", Error, "the signature lives longer than the nodes or the policy allow"),
    DomainMismatch => ("domain-mismatch", Error, "the AuthSig's SIWE domain or chain differs from the grant"),
    RequestNotCovered => ("request-not-covered", Error, "a session request is not covered by the AuthSig"),
    OverPrivilege => ("over-privilege", Error, "the AuthSig grants more than the policy allows"),
    SdkMismatch => ("sdk-mismatch", Warning, "the SDK's client-side check disagrees with the nodes"),
    SignerNotPkp => ("signer-not-pkp", Error, "a wallet-signed AuthSig for a grant whose signer is a PKP"),
    PkpMismatch => ("pkp-mismatch", Error, "a `lit.bls` AuthSig for another PKP than the grant's `signer pkp`"),
    AuthActionNotAllowed => ("auth-action-not-allowed", Error, "a Lit Action in the AuthSig's auth context that the grant does not list"),
    AuthActionMissing => ("auth-action-missing", Warning, "a `lit.bls` AuthSig that no listed Lit Action authorized"),
    PkpUndeclared => ("pkp-undeclared", Warning, "a `lit.bls` AuthSig for a grant that names no `signer pkp`"),
    NetworkKeyMissing => ("network-key-missing", Error, "a `lit.bls` AuthSig cannot be verified without the network's BLS key (`--network-key`)"),
    Inexpressible => ("inexpressible", Error, "an AuthSig or SessionSigs that no policy compiles to (`litcap init`)"),
    // Session signatures (node verdicts).
    SessionSigInvalid => ("session-sig-invalid", Error, "a node would reject this session signature"),
    // `explain`'s positive answers.
    Covered => ("covered", Note, "`explain`: the line that allows a request, or the request that asks for it"),
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secondary location with its own message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    pub span: Span,
    pub message: String,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    /// Lowercase, names the user's input in backticks.
    pub message: String,
    pub help: Option<String>,
    /// Where in the source; `None` for findings about inputs without text (flags, clocks).
    pub span: Option<Span>,
    pub label: Option<String>,
    pub related: Vec<Related>,
    /// A file name to report when there is no span (e.g. an AuthSig file that is not JSON).
    pub file: Option<String>,
}

impl Diagnostic {
    pub fn new(code: Code, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.default_severity(),
            message: message.into(),
            help: None,
            span: None,
            label: None,
            related: Vec::new(),
            file: None,
        }
    }

    pub fn at(mut self, span: Span, label: impl Into<String>) -> Diagnostic {
        self.span = Some(span);
        let label = label.into();
        self.label = (!label.is_empty()).then_some(label);
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn help_opt(mut self, help: Option<String>) -> Diagnostic {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    pub fn related(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.related.push(Related {
            span,
            message: message.into(),
        });
        self
    }

    pub fn severity(mut self, severity: Severity) -> Diagnostic {
        self.severity = severity;
        self
    }

    pub fn in_file(mut self, file: impl Into<String>) -> Diagnostic {
        self.file = Some(file.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// The diagnostics of one run, in the order they were found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(other);
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.0.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.0
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }

    /// Orders by file and position; findings without a span keep their place at the end.
    pub fn sort(&mut self) {
        self.0.sort_by_key(|d| match d.span {
            Some(s) => (0, s.file, s.start),
            None => (1, 0, 0),
        });
    }

    /// Drops warnings whose line is preceded by `# litcap: allow(<code>, ...)`. Errors are
    /// never silenced.
    pub fn apply_suppressions(&mut self, sources: &Sources) {
        self.0.retain(|d| {
            if d.severity == Severity::Error {
                return true;
            }
            let Some(span) = d.span else { return true };
            let Some(file) = sources.get(span.file) else {
                return true;
            };
            let (line, _) = file.line_col(span.start);
            !suppressed_at(file, line, d.code)
        });
    }

    /// The exit code for this set: errors → 1; warnings with `deny_warnings` → 3; else 0.
    pub fn exit_code(&self, deny_warnings: bool) -> u8 {
        if self.has_errors() {
            exit::ERRORS
        } else if deny_warnings && self.warning_count() > 0 {
            exit::WARNINGS
        } else {
            exit::OK
        }
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<T: IntoIterator<Item = Diagnostic>>(iter: T) -> Self {
        Diagnostics(iter.into_iter().collect())
    }
}

/// Whether the line above `line` (1-based) is an allow comment naming `code`.
fn suppressed_at(file: &SourceFile, line: usize, code: Code) -> bool {
    let mut above = line;
    // Allow comments may be stacked: walk up over consecutive comment lines.
    while above > 1 {
        above -= 1;
        let Some(text) = file.line(above) else {
            return false;
        };
        let text = text.trim();
        let Some(comment) = text.strip_prefix('#') else {
            return false;
        };
        if allow_list(comment).any(|c| c == code.as_str()) {
            return true;
        }
    }
    false
}

/// The codes of a `litcap: allow(a, b)` comment body.
pub fn allow_list(comment: &str) -> impl Iterator<Item = &str> {
    let inner = comment
        .trim()
        .strip_prefix("litcap:")
        .map(str::trim)
        .and_then(|r| r.strip_prefix("allow("))
        .and_then(|r| r.split_once(')'))
        .map(|(codes, _)| codes)
        .unwrap_or("");
    inner.split(',').map(str::trim).filter(|c| !c.is_empty())
}

/// Position of a diagnostic for machine output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

pub fn location(d: &Diagnostic, sources: &Sources) -> Option<Location> {
    let span = d.span?;
    let file = sources.get(span.file)?;
    let (line, column) = file.line_col(span.start);
    let (end_line, end_column) = file.line_col(span.end);
    Some(Location {
        file: file.name().to_string(),
        line,
        column,
        end_line,
        end_column,
    })
}

/// The JSON form of one diagnostic: `{code, severity, message, file, line, column, help}`.
pub fn to_json(d: &Diagnostic, sources: &Sources) -> Value {
    let loc = location(d, sources);
    json!({
        "code": d.code.as_str(),
        "severity": d.severity.as_str(),
        "message": d.message,
        "file": loc.as_ref().map(|l| l.file.clone()).or_else(|| d.file.clone()),
        "line": loc.as_ref().map(|l| l.line),
        "column": loc.as_ref().map(|l| l.column),
        "help": d.help,
    })
}

/// A JSON array serialised from an iterator, one element at a time (the reports of large
/// policies are written without building them whole). `len` must be the iterator's length.
pub struct SerializeSeq<F> {
    len: usize,
    items: F,
}

impl<F> SerializeSeq<F> {
    pub fn new(len: usize, items: F) -> SerializeSeq<F> {
        SerializeSeq { len, items }
    }
}

impl<F, I, T> serde::Serialize for SerializeSeq<F>
where
    F: Fn() -> I,
    I: Iterator<Item = T>,
    T: serde::Serialize,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq as _;
        let mut seq = serializer.serialize_seq(Some(self.len))?;
        for item in (self.items)() {
            seq.serialize_element(&item)?;
        }
        seq.end()
    }
}

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

/// Lines longer than this (in bytes) are not shown whole: the snippet is a clipped window
/// around the span. miette cannot render columns past 65,535 at all (programs write one-line
/// JSON), and a few thousand columns are unreadable anyway.
pub const CLIP_LINE_BYTES: usize = 400;
/// Characters of context kept on each side of a clipped span, and of the span itself.
const CLIP_CONTEXT_CHARS: usize = 40;
const CLIP_SPAN_CHARS: usize = 80;

/// Renders diagnostics for a terminal with miette (no colour unless `color`), 100 columns wide.
pub fn render_human(diags: &Diagnostics, sources: &Sources, color: bool) -> String {
    render_human_width(diags, sources, color, 100)
}

/// Splits a line into words at blanks outside backticks: text in backticks (a suggested line,
/// a resource key) is never broken, not even at its blanks, so it can be copied whole.
fn split_outside_backticks(line: &str) -> Box<dyn Iterator<Item = textwrap::core::Word<'_>> + '_> {
    let mut words = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'`' => quoted = !quoted,
            b' ' if !quoted => {
                let mut j = i;
                while j < bytes.len() && bytes[j] == b' ' {
                    j += 1;
                }
                words.push(textwrap::core::Word::from(&line[start..j]));
                start = j;
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    if start < line.len() {
        words.push(textwrap::core::Word::from(&line[start..]));
    }
    Box::new(words.into_iter())
}

/// The one renderer of litcap's messages for people: miette's graphical report, wrapped at
/// `width` without breaking text in backticks.
fn handler(color: bool, width: usize) -> miette::GraphicalReportHandler {
    let theme = if color {
        miette::GraphicalTheme::unicode()
    } else {
        miette::GraphicalTheme::unicode_nocolor()
    };
    miette::GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_break_words(false)
        .with_word_separator(textwrap::WordSeparator::Custom(split_outside_backticks))
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
}

/// Renders any error that is a [`miette::Diagnostic`] (usage errors, unreadable inputs, key
/// and signer failures) in the same style as the diagnostics of [`render_human_width`].
pub fn render_error(e: &dyn miette::Diagnostic, color: bool, width: usize) -> String {
    let mut out = String::new();
    if handler(color, width).render_report(&mut out, e).is_err() {
        out = format!("error: {e}\n");
    }
    out.push('\n');
    out
}

/// [`render_human`] at a given width.
pub fn render_human_width(
    diags: &Diagnostics,
    sources: &Sources,
    color: bool,
    width: usize,
) -> String {
    let handler = handler(color, width);
    let mut out = String::new();
    for d in diags.iter() {
        let rendered = Rendered::new(d, sources);
        if handler.render_report(&mut out, &rendered).is_err() {
            out.push_str(&format!("{}: {}\n", d.severity.as_str(), d.message));
        }
        out.push('\n');
    }
    out
}

/// Whether the line holding byte `offset` is too long to show whole.
fn on_long_line(file: &SourceFile, offset: usize) -> bool {
    let (line, _) = file.line_col(offset);
    file.line(line).is_some_and(|l| l.len() > CLIP_LINE_BYTES)
}

fn floor_char(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Byte offset `n` characters before (negative) or after `at` in `text`, within `lo..hi`.
fn chars_from(text: &str, at: usize, n: isize, lo: usize, hi: usize) -> usize {
    if n < 0 {
        let mut i = at;
        for (k, (j, _)) in text[lo..at].char_indices().rev().enumerate() {
            if k as isize >= -n {
                break;
            }
            i = lo + j;
        }
        i
    } else {
        text[at..hi]
            .char_indices()
            .nth(n as usize)
            .map(|(j, _)| at + j)
            .unwrap_or(hi)
    }
}

/// A window of one long line, standing in for the file in a snippet.
struct Clipped {
    name: String,
    text: String,
    /// 0-based line and column (in characters) of the primary span in the file.
    line: usize,
    column: usize,
    /// File byte offset of the window's first byte, and bytes of `…` put before it.
    window: (usize, usize),
    prefix: usize,
}

impl Clipped {
    fn new(file: &SourceFile, span: Span) -> Clipped {
        let text = file.text();
        let start = floor_char(text, span.start);
        let (line, col) = file.line_col(start);
        let line_start = file.line_starts[line - 1];
        let line_end = line_start + file.line(line).map(str::len).unwrap_or(0);
        let start = start.min(line_end);
        let span_end = ceil_char(text, span.end.clamp(start, line_end));
        let span_end = chars_from(text, start, CLIP_SPAN_CHARS as isize, start, span_end);
        let from = chars_from(
            text,
            start,
            -(CLIP_CONTEXT_CHARS as isize),
            line_start,
            line_end,
        );
        let to = chars_from(
            text,
            span_end,
            CLIP_CONTEXT_CHARS as isize,
            span_end,
            line_end,
        );
        let mut excerpt = String::new();
        if from > line_start {
            excerpt.push('…');
        }
        let prefix = excerpt.len();
        excerpt.push_str(&text[from..to]);
        if to < line_end {
            excerpt.push('…');
        }
        Clipped {
            name: file.name().to_string(),
            text: excerpt,
            line: line - 1,
            column: col - 1,
            window: (from, to),
            prefix,
        }
    }

    /// The span in the excerpt, if it starts inside the window.
    fn map(&self, span: Span) -> Option<(usize, usize)> {
        let (from, to) = self.window;
        if span.start < from || span.start > to {
            return None;
        }
        let start = span.start - from + self.prefix;
        let end = span.end.min(to).max(span.start) - from + self.prefix;
        Some((start, end - start))
    }
}

impl SourceCode for Clipped {
    fn read_span<'a>(
        &'a self,
        _span: &miette::SourceSpan,
        _before: usize,
        _after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        // Always the whole window, one line; the column is that of the primary span in the
        // file, which is what miette shows in the snippet's header.
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            self.text.as_bytes(),
            miette::SourceSpan::new(0.into(), self.text.len()),
            self.line,
            self.column,
            1,
        )))
    }
}

/// A related location written out as text (`file:line:col: message`).
fn related_as_text(r: &Related, sources: &Sources) -> Option<String> {
    let f = sources.get(r.span.file)?;
    let (line, col) = f.line_col(r.span.start);
    Some(format!("{}:{line}:{col}: {}", f.name(), r.message))
}

struct Rendered<'a> {
    d: &'a Diagnostic,
    source: Option<&'a SourceFile>,
    /// Set when the primary span lies on a line too long to show.
    clipped: Option<Clipped>,
    /// Related locations drawn in the snippet.
    related_shown: Vec<&'a Related>,
    /// Related locations written out as text: in another file, or on a long line.
    related_text: Vec<String>,
}

impl<'a> Rendered<'a> {
    fn new(d: &'a Diagnostic, sources: &'a Sources) -> Rendered<'a> {
        let source = d.span.and_then(|s| sources.get(s.file));
        let clipped = match (d.span, source) {
            (Some(span), Some(file)) if on_long_line(file, span.start) => {
                Some(Clipped::new(file, span))
            }
            _ => None,
        };
        let mut related_shown = Vec::new();
        let mut related_text = Vec::new();
        for r in &d.related {
            let same_file = d.span.is_some_and(|s| s.file == r.span.file) && source.is_some();
            let drawable = match (&clipped, source) {
                (_, None) => false,
                (Some(c), Some(_)) => same_file && c.map(r.span).is_some(),
                (None, Some(file)) => same_file && !on_long_line(file, r.span.start),
            };
            if drawable {
                related_shown.push(r);
            } else if let Some(t) = related_as_text(r, sources) {
                related_text.push(t);
            }
        }
        Rendered {
            d,
            source,
            clipped,
            related_shown,
            related_text,
        }
    }
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.d, f)
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.message)?;
        if self.source.is_none() {
            if let Some(file) = &self.d.file {
                write!(f, " (in `{file}`)")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for Rendered<'_> {}

impl miette::Diagnostic for Rendered<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!("litcap::{}", self.d.code.as_str())))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let mut parts: Vec<String> = Vec::new();
        if let Some(h) = &self.d.help {
            parts.push(h.clone());
        }
        parts.extend(self.related_text.iter().cloned());
        (!parts.is_empty()).then(|| Box::new(parts.join("\n")) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        match &self.clipped {
            Some(c) => Some(c as &dyn SourceCode),
            None => self.source.map(|s| s as &dyn SourceCode),
        }
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.d.span?;
        let mut labels = Vec::new();
        if let Some(c) = &self.clipped {
            let (start, len) = c.map(span).unwrap_or((c.prefix, 0));
            labels.push(LabeledSpan::new_primary_with_span(
                self.d.label.clone(),
                (start, len),
            ));
            for r in &self.related_shown {
                if let Some(at) = c.map(r.span) {
                    labels.push(LabeledSpan::new_with_span(Some(r.message.clone()), at));
                }
            }
            return Some(Box::new(labels.into_iter()));
        }
        let text_len = self.source.map(|s| s.text().len()).unwrap_or(0);
        let clamp = |s: Span| {
            let start = s.start.min(text_len);
            let end = s.end.min(text_len).max(start);
            (start, end - start)
        };
        labels.push(LabeledSpan::new_primary_with_span(
            self.d.label.clone(),
            clamp(span),
        ));
        for r in &self.related_shown {
            labels.push(LabeledSpan::new_with_span(
                Some(r.message.clone()),
                clamp(r.span),
            ));
        }
        Some(Box::new(labels.into_iter()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column() {
        let f = SourceFile::new("a.litcap", "ab\ncdé\nf");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(3), (2, 1));
        assert_eq!(f.line_col(6), (2, 4));
        assert_eq!(f.line_col(8), (3, 1));
        assert_eq!(f.line(2), Some("cdé"));
        assert_eq!(f.line(4), None);
    }

    #[test]
    fn codes_are_unique_and_kebab_case() {
        let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        names.sort();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
        for n in names {
            assert!(
                n.bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-' || b.is_ascii_digit()),
                "{n}"
            );
            assert_eq!(Code::parse(n).map(|c| c.as_str()), Some(n));
        }
    }

    #[test]
    fn allow_comments_silence_warnings_only() {
        let mut sources = Sources::new();
        let text = "# litcap: allow(wildcard-resource)\nallow x\nallow y\n";
        let id = sources.add("p.litcap", text);
        let mut diags = Diagnostics::new();
        diags.push(Diagnostic::new(Code::WildcardResource, "w").at(Span::new(id, 35, 42), ""));
        diags.push(Diagnostic::new(Code::WildcardResource, "w").at(Span::new(id, 43, 50), ""));
        diags.push(Diagnostic::new(Code::Syntax, "e").at(Span::new(id, 35, 42), ""));
        diags.apply_suppressions(&sources);
        assert_eq!(diags.len(), 2);
        assert_eq!(diags.warning_count(), 1);
        assert_eq!(
            allow_list(" litcap: allow(a, b)").collect::<Vec<_>>(),
            vec!["a", "b"]
        );
    }

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

    #[test]
    fn windowed_snippets_render_like_miette_on_the_whole_text() {
        let text: String = (0..40)
            .map(|i| format!("line {i} with some words\n"))
            .collect();
        let mut sources = Sources::new();
        let id = sources.add("p.litcap", text.clone());
        let handler =
            miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
                .with_width(100);
        for (start, end) in [
            (0, 4),
            (5, 30),
            (200, 260),
            (text.len() - 10, text.len()),
            (text.len(), text.len()),
        ] {
            let d = Diagnostic::new(Code::Syntax, "m").at(Span::new(id, start, end), "here");
            let mine = render_human(&Diagnostics(vec![d.clone()]), &sources, false);
            #[derive(Debug, thiserror::Error, miette::Diagnostic)]
            #[error("m")]
            #[diagnostic(code(litcap::syntax))]
            struct Whole {
                #[source_code]
                src: miette::NamedSource<String>,
                #[label("here")]
                at: miette::SourceSpan,
            }
            let whole = Whole {
                src: miette::NamedSource::new("p.litcap", text.clone()),
                at: (start, end - start).into(),
            };
            let mut theirs = String::new();
            handler.render_report(&mut theirs, &whole).unwrap();
            assert_eq!(mine.trim_end(), theirs.trim_end(), "span {start}..{end}");
        }
    }

    #[test]
    fn spans_past_column_65535_render_a_clipped_snippet() {
        let line = format!(
            "{{\"s\": \"{}\", \"k\": \"lit-pkp://*\"}}",
            "x".repeat(70_000)
        );
        let at = line.find("lit-pkp").unwrap();
        let mut sources = Sources::new();
        let id = sources.add("p.litcap.json", format!("{line}\n"));
        let d = Diagnostic::new(Code::WildcardResource, "wildcard")
            .at(Span::new(id, at, at + 11), "here")
            .related(Span::new(id, 2, 3), "far away");
        let out = render_human(&Diagnostics(vec![d]), &sources, false);
        assert!(
            out.contains(&format!("p.litcap.json:1:{}", at + 1)),
            "{out}"
        );
        assert!(out.contains("…xxxx"), "{out}");
        assert!(out.contains("p.litcap.json:1:3: far away"), "{out}");
        assert!(out.lines().all(|l| l.chars().count() < 300), "{out}");
    }

    #[test]
    fn suggested_lines_in_backticks_are_not_broken() {
        let mut sources = Sources::new();
        let id = sources.add("p.litcap", "grant \"x\" {}\n");
        let fix = "`allow pkp-signing on \"lit-pkp://0000000000000000000000000000000000000000000000000000000000001235\"`";
        let d = Diagnostic::new(Code::NotCovered, "m")
            .at(Span::new(id, 6, 9), "")
            .help(format!("add {fix} to grant `g`"));
        let out = render_human_width(&Diagnostics(vec![d]), &sources, false, 60);
        assert!(out.contains(fix), "{out}");
    }

    #[test]
    fn human_rendering_mentions_code_and_help() {
        let mut sources = Sources::new();
        let id = sources.add("p.litcap", "grant \"x\" {}\n");
        let d = Diagnostic::new(Code::MissingDomain, "grant `x` has no `domain`")
            .at(Span::new(id, 6, 9), "this grant")
            .help("add a domain");
        let out = render_human(&Diagnostics(vec![d]), &sources, false);
        assert!(out.contains("litcap::missing-domain"), "{out}");
        assert!(out.contains("add a domain"), "{out}");
        assert!(out.contains("p.litcap:1:7"), "{out}");
    }
}
