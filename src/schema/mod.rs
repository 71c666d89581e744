//! Published JSON Schemas (`schemas/*.schema.json`) and validation of YAML/JSON documents
//! against them with positions: every error becomes a [`Diagnostic`] on the offending node.
//!
//! The readers ([`json::parse`], [`yaml::parse`]) keep the span of every value in a [`Node`]
//! tree; [`validate`] runs the `jsonschema` crate on its plain JSON form and maps each error's
//! instance path back to a node, with a message written for people (for the policy form:
//! "`ttl` must be a duration such as `24h`, found the number `24`"; unknown keys get a
//! did-you-mean).

pub mod doc;
mod errors;
pub mod gen;
pub mod json;
pub mod yaml;

pub use doc::{Entry, Node, NodeValue};

use crate::diag::{Code, Diagnostic, Diagnostics, FileId, Span};
use serde_json::Value;
use std::sync::OnceLock;

/// Aliases (and anchors) may copy at most this many nodes in one YAML file.
pub const MAX_ALIAS_NODES: usize = 100_000;

/// Bounds for reading one document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Deepest nesting of lists and mappings (objects and arrays).
    pub max_depth: usize,
    /// Nodes that anchors and aliases may copy in total (YAML alias bombs).
    pub max_alias_nodes: usize,
    /// Largest text read.
    pub max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_depth: crate::syntax::parser::MAX_NESTING,
            max_alias_nodes: MAX_ALIAS_NODES,
            max_bytes: crate::syntax::parser::MAX_FILE_BYTES,
        }
    }
}

/// The published schemas.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Schema {
    /// A policy in its YAML or JSON form.
    Policy,
    /// One AuthSig.
    AuthSig,
    /// A SessionSigs map (node URL → session signature).
    SessionSigs,
    /// A ReCap details object (`{"att": ..., "prf": [...]}`).
    Recap,
    /// `litcap check --format json`.
    CheckReport,
    /// `litcap verify --format json`.
    VerifyReport,
}

impl Schema {
    pub const ALL: [Schema; 6] = [
        Schema::Policy,
        Schema::AuthSig,
        Schema::SessionSigs,
        Schema::Recap,
        Schema::CheckReport,
        Schema::VerifyReport,
    ];

    /// The name `litcap schema NAME` takes.
    pub fn name(self) -> &'static str {
        match self {
            Schema::Policy => "policy",
            Schema::AuthSig => "authsig",
            Schema::SessionSigs => "sessionsigs",
            Schema::Recap => "recap",
            Schema::CheckReport => "check-report",
            Schema::VerifyReport => "verify-report",
        }
    }

    pub fn parse(name: &str) -> Option<Schema> {
        Schema::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The file under `schemas/`.
    pub fn file_name(self) -> String {
        format!("{}.schema.json", self.name())
    }

    /// The published text, embedded in the binary.
    pub fn text(self) -> &'static str {
        match self {
            Schema::Policy => include_str!("../../schemas/policy.schema.json"),
            Schema::AuthSig => include_str!("../../schemas/authsig.schema.json"),
            Schema::SessionSigs => include_str!("../../schemas/sessionsigs.schema.json"),
            Schema::Recap => include_str!("../../schemas/recap.schema.json"),
            Schema::CheckReport => include_str!("../../schemas/check-report.schema.json"),
            Schema::VerifyReport => include_str!("../../schemas/verify-report.schema.json"),
        }
    }

    fn index(self) -> usize {
        Schema::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }
}

/// The compiled validator of a schema (built once). `None` only if the embedded schema is
/// broken, which the tests rule out.
fn validator(schema: Schema) -> Option<&'static jsonschema::Validator> {
    static CACHE: [OnceLock<Option<jsonschema::Validator>>; 6] = [
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
    ];
    CACHE[schema.index()]
        .get_or_init(|| {
            let value: Value = serde_json::from_str(schema.text()).ok()?;
            jsonschema::draft202012::new(&value).ok()
        })
        .as_ref()
}

/// The text formats documents come in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextFormat {
    Yaml,
    Json,
}

/// Reads a YAML or JSON text into a [`Node`] tree (`None` for an empty YAML stream).
pub fn read_document(
    file: FileId,
    text: &str,
    format: TextFormat,
    limits: &Limits,
) -> Result<Option<Node>, Box<Diagnostic>> {
    if text.len() > limits.max_bytes {
        return Err(Box::new(file_too_large(file, text.len(), limits.max_bytes)));
    }
    match format {
        TextFormat::Yaml => yaml::parse(file, text, limits),
        TextFormat::Json => json::parse(file, text, limits).map(Some),
    }
}

/// The `file-too-large` diagnostic, worded as for the DSL.
pub fn file_too_large(file: FileId, len: usize, max: usize) -> Diagnostic {
    Diagnostic::new(
        Code::FileTooLarge,
        format!("the file is {len} bytes; litcap reads files up to {max} bytes"),
    )
    .at(Span::new(file, 0, 0), "")
    .help("split the policy into several files and pass them together")
}

/// A key written twice in one mapping or object.
pub fn duplicate_key(key: &str, span: Span, first: Span) -> Diagnostic {
    Diagnostic::new(Code::Syntax, format!("key `{key}` appears twice"))
        .at(span, "written again here")
        .related(first, "first written here")
        .help("each key of a mapping can appear once; keep one of them")
}

/// Checks a document against a schema: one `schema-violation` diagnostic per problem, on the
/// offending node, in document order. Empty when the document is valid.
///
/// For [`Schema::Policy`] some violations are left to the policy reader and the model so that
/// they get the same codes as in the DSL: an entry naming one unknown ability
/// (`unknown-ability`), a duration that does not parse (`invalid-duration`), and a chain id
/// of 0 or above 2^53 (`invalid-chain-id`).
pub fn validate(schema: Schema, root: &Node) -> Vec<Diagnostic> {
    let Some(validator) = validator(schema) else {
        return vec![Diagnostic::new(
            Code::SchemaViolation,
            format!("the embedded `{}` schema does not compile", schema.name()),
        )
        .at(root.span, "")
        .help("this is a bug in litcap; please report it")];
    };
    let instance = root.to_json();
    let found: Vec<errors::Found> = validator
        .iter_errors(&instance)
        .map(|e| errors::Found::new(&e))
        .collect();
    errors::diagnostics(schema, root, found)
}

/// Parses a JSON document and validates it against a schema, with every error placed on its
/// line and column. Returns the plain value (objects keep their key order) when it is valid.
///
/// The AuthSig and SessionSigs readers call this with [`Schema::AuthSig`] /
/// [`Schema::SessionSigs`] before deserialising; `file` is the id the text has (or will have)
/// in the caller's [`crate::diag::Sources`], so the diagnostics render against it.
pub fn validate_json_document(
    file: FileId,
    schema: Schema,
    text: &str,
) -> Result<Value, Diagnostics> {
    let root = match read_document(file, text, TextFormat::Json, &Limits::default()) {
        Ok(Some(root)) => root,
        Ok(None) => return Ok(Value::Null),
        Err(d) => return Err(Diagnostics(vec![*d])),
    };
    let diags = validate(schema, &root);
    if diags.is_empty() {
        Ok(root.to_json())
    } else {
        Err(Diagnostics(diags))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_schemas_compile_and_match_their_names() {
        for s in Schema::ALL {
            assert!(validator(s).is_some(), "{}", s.name());
            assert_eq!(Schema::parse(s.name()), Some(s));
            let v: Value = serde_json::from_str(s.text()).unwrap();
            assert!(v["$id"].as_str().unwrap().ends_with(&s.file_name()));
        }
    }

    #[test]
    fn authsig_errors_have_positions() {
        let text = "{\n  \"sig\": \"0x1\",\n  \"derivedVia\": 7,\n  \"signedMesage\": \"m\",\n  \"address\": \"0xa\"\n}\n";
        let mut sources = crate::diag::Sources::new();
        let id = sources.add("a.json", text);
        let diags = validate_json_document(id, Schema::AuthSig, text).unwrap_err();
        let rendered: Vec<(String, usize, usize)> = diags
            .iter()
            .map(|d| {
                let loc = crate::diag::location(d, &sources).unwrap();
                (d.message.clone(), loc.line, loc.column)
            })
            .collect();
        assert_eq!(rendered.len(), 2, "{rendered:?}");
        assert!(
            rendered[0].0.contains("`derivedVia` must be a string"),
            "{rendered:?}"
        );
        assert_eq!((rendered[0].1, rendered[0].2), (3, 17));
        assert!(rendered[1].0.contains("`signedMessage`"), "{rendered:?}");
        assert!(
            diags.0[1]
                .help
                .as_deref()
                .unwrap()
                .contains("`signedMesage`"),
            "{:?}",
            diags.0[1].help
        );
        assert_eq!((rendered[1].1, rendered[1].2), (4, 3));
        let ok = "{\"sig\":\"s\",\"algo\":\"x\",\"derivedVia\":\"d\",\"signedMessage\":\"m\",\"address\":\"a\"}";
        let v = validate_json_document(0, Schema::AuthSig, ok).unwrap();
        assert_eq!(crate::json::stringify(&v), ok);
    }
}
