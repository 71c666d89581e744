//! jsonschema errors → diagnostics on the offending node, worded for people.

use super::doc::{Node, NodeValue, PathStep};
use super::Schema;
use super::{GRANT_KEYS, SESSION_KEYS};
use crate::diag::{Code, Diagnostic, Span};
use crate::lit::Ability;
use crate::suggest::closest;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::paths::LocationSegment;
use jsonschema::ValidationError;
use serde_json::Value;

/// What one jsonschema error says, owned.
pub(super) struct Found {
    path: Vec<PathStep>,
    kind: Kind,
    text: String,
}

enum Kind {
    Type(Vec<String>),
    Additional(Vec<String>),
    Required(String),
    OneOfNone,
    OneOfMany,
    MinProperties,
    MaxProperties,
    Pattern(String),
    Minimum,
    Maximum,
    Const(Value),
    Enum(Value),
    /// A key that does not match `propertyNames`.
    PropertyName(String),
    Other,
}

impl Found {
    pub(super) fn new(e: &ValidationError<'_>) -> Found {
        let path = e
            .instance_path()
            .iter()
            .map(|s| match s {
                LocationSegment::Property(p) => PathStep::Key(p.to_string()),
                LocationSegment::Index(i) => PathStep::Index(i),
            })
            .collect();
        let kind =
            match e.kind() {
                ValidationErrorKind::Type { kind } => Kind::Type(match kind {
                    TypeKind::Single(t) => vec![t.as_str().to_string()],
                    TypeKind::Multiple(set) => set.iter().map(|t| t.as_str().to_string()).collect(),
                }),
                ValidationErrorKind::AdditionalProperties { unexpected } => {
                    Kind::Additional(unexpected.clone())
                }
                ValidationErrorKind::Required { property } => {
                    Kind::Required(property.as_str().unwrap_or_default().to_string())
                }
                ValidationErrorKind::OneOfNotValid { .. } => Kind::OneOfNone,
                ValidationErrorKind::OneOfMultipleValid { .. } => Kind::OneOfMany,
                ValidationErrorKind::MinProperties { .. } => Kind::MinProperties,
                ValidationErrorKind::MaxProperties { .. } => Kind::MaxProperties,
                ValidationErrorKind::Pattern { pattern } => Kind::Pattern(pattern.clone()),
                ValidationErrorKind::Minimum { .. }
                | ValidationErrorKind::ExclusiveMinimum { .. } => Kind::Minimum,
                ValidationErrorKind::Maximum { .. }
                | ValidationErrorKind::ExclusiveMaximum { .. } => Kind::Maximum,
                ValidationErrorKind::Constant { expected_value } => {
                    Kind::Const(expected_value.as_ref().clone())
                }
                ValidationErrorKind::Enum { options } => Kind::Enum(options.as_ref().clone()),
                ValidationErrorKind::PropertyNames { error } => {
                    Kind::PropertyName(error.instance().as_str().unwrap_or_default().to_string())
                }
                _ => Kind::Other,
            };
        Found {
            path,
            kind,
            text: e.to_string(),
        }
    }
}

/// Turns the errors of one validation into diagnostics, deduplicated and in document order.
pub(super) fn diagnostics(schema: Schema, root: &Node, found: Vec<Found>) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::new();
    for f in &found {
        let node = root.at(&f.path);
        let produced = match schema {
            Schema::Policy => policy(root, node, f, &found),
            _ => generic(schema, node, f),
        };
        for d in produced {
            let dup = out
                .iter()
                .any(|o| o.span == d.span && o.message == d.message);
            if !dup {
                out.push(d);
            }
        }
    }
    out.sort_by_key(|d| d.span.map(|s| (s.start, s.end)));
    out
}

fn violation(message: String, span: Span, label: &str, help: String) -> Diagnostic {
    Diagnostic::new(Code::SchemaViolation, message)
        .at(span, label)
        .help(help)
}

/// The span of a key of a mapping node, or the node's.
fn key_span(node: &Node, key: &str) -> Span {
    node.entry(key).map(|e| e.key_span).unwrap_or(node.span)
}

/// The first line of a mapping for messages about the whole mapping: its first entry.
fn head_span(node: &Node) -> Span {
    match node.entries().first() {
        Some(e) if matches!(e.value.value, NodeValue::Seq(_) | NodeValue::Map(_)) => e.key_span,
        Some(e) => e.span(),
        None => node.span,
    }
}

fn list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
}

fn abilities() -> Vec<&'static str> {
    Ability::ALL.iter().map(|a| a.as_str()).collect()
}

// ------------------------------------------------------------------------- policy form ---

/// Where in a policy a path points.
enum Field<'a> {
    Top,
    Block,
    Setting(&'a str),
    List(&'a str),
    Entry(&'a str),
    Resource(&'a str),
    Where,
    /// An entry of `auth-action` (a CID).
    ActionEntry,
    /// The address under `signer: { pkp: ... }`.
    SignerAddress,
    Other,
}

fn classify(path: &[PathStep]) -> Field<'_> {
    use PathStep::{Index, Key};
    match path {
        [] => Field::Top,
        [Index(_)] => Field::Block,
        [Index(_), Key(k)] if k == "allow" || k == "request" => Field::List(k),
        [Index(_), Key(k)] => Field::Setting(k),
        [Index(_), Key(l), Index(_)] if l == "auth-action" => Field::ActionEntry,
        [Index(_), Key(l), Index(_)] => Field::Entry(l),
        [Index(_), Key(s), Key(_)] if s == "signer" => Field::SignerAddress,
        [Index(_), Key(_), Index(_), Key(w)] if w == "where" => Field::Where,
        [Index(_), Key(_), Index(_), Key(a)] => Field::Resource(a),
        _ => Field::Other,
    }
}

/// Whether a block is a session: it has `session`, or, having no `grant`, a key that is a
/// misspelt `session` (`sesion:`) or `from`.
fn is_session(block: &Node) -> bool {
    block.get("session").is_some()
        || (block.get("grant").is_none()
            && block
                .entries()
                .iter()
                .any(|e| e.key == "from" || closest(&e.key, ["session"]).is_some()))
}

/// "grant `x`", "session `y`", or "this block".
fn block_name(block: &Node) -> String {
    for kind in ["session", "grant"] {
        if let Some(v) = block.get(kind) {
            return match v.as_str() {
                Some(name) => format!("{kind} `{name}`"),
                None => format!("this {kind}"),
            };
        }
    }
    "this block".to_string()
}

fn expected_setting(key: &str) -> (&'static str, &'static str) {
    match key {
        "grant" | "session" | "from" => (
            "a name (a string)",
            "names are strings; quote them if they look like numbers or `true`",
        ),
        "domain" => (
            "a domain such as `app.example.com`",
            "the SIWE domain is the authority the wallet shows, without a scheme",
        ),
        "statement" => ("a string", "the SIWE statement is one line of text"),
        "chain-id" => (
            "a positive integer such as `1`",
            "write the EIP-155 chain id as a number without quotes, e.g. `1` or `175188`",
        ),
        "signer" => (
            "a mapping `{ pkp: \"0x<eth address>\" }`",
            "write `signer: { pkp: \"0x...\" }` with the PKP's Ethereum address, quoted (YAML 1.1 reads `0x...` as a number)",
        ),
        "auth-action" => (
            "a list of IPFS CIDs",
            "write each Lit Action's CID on its own line under `auth-action:`, e.g. `- QmY3qun9qX3fUBHVfrA9f3v9RpyyPo8RHEuEN1XYPq1PrA`",
        ),
        "max-ttl" | "ttl" => (
            "a duration such as `24h`",
            "write a number followed by `s`, `m`, `h` or `d`, e.g. `15m` or `1h30m`",
        ),
        _ => ("a value of another type", "see `litcap schema policy`"),
    }
}

/// The ability of an entry that names exactly one key that is not a known ability (and not
/// `where`), with a string value: the reader takes it as the ability so that the model
/// reports `unknown-ability` with its did-you-mean, as for the DSL.
pub(crate) fn lone_unknown_ability(entry: &Node) -> bool {
    let keys: Vec<&str> = entry
        .entries()
        .iter()
        .map(|e| e.key.as_str())
        .filter(|k| *k != "where")
        .collect();
    keys.len() == 1
        && Ability::parse(keys[0]).is_none()
        && entry
            .entry(keys[0])
            .is_some_and(|e| e.value.as_str().is_some())
}

fn policy(root: &Node, node: &Node, f: &Found, all: &[Found]) -> Vec<Diagnostic> {
    let field = classify(&f.path);
    let block = match f.path.first() {
        Some(PathStep::Index(i)) => root.items().get(*i),
        _ => None,
    };
    let same_path_additional = || {
        all.iter()
            .filter(|o| o.path == f.path)
            .filter_map(|o| match &o.kind {
                Kind::Additional(keys) => Some(keys.clone()),
                _ => None,
            })
            .flatten()
            .collect::<Vec<String>>()
    };
    let one = |d: Diagnostic| vec![d];
    // A wrong type has its own words for each field (none matches it before this).
    if let Kind::Type(_) = &f.kind {
        if let Some(d) = wrong_type(node, &field) {
            return vec![d];
        }
    }
    match (&f.kind, &field) {
        // Left to the reader and the model, which give these the DSL's codes.
        (Kind::Pattern(_), Field::Setting("ttl" | "max-ttl")) => vec![],
        (Kind::Minimum | Kind::Maximum, Field::Setting("chain-id"))
            if matches!(&node.value, NodeValue::Number(n) if !n.as_f64().is_some_and(|x| x < 0.0)) =>
        {
            vec![]
        }
        (
            Kind::Additional(_) | Kind::OneOfNone | Kind::MinProperties,
            Field::Entry(_),
        ) if lone_unknown_ability(node) => vec![],

        // `signer` holds one key, `pkp`: one message for whatever is wrong with the mapping.
        // Only with an unknown key, which `Additional` reports.
        (Kind::MaxProperties, Field::Setting("signer")) => vec![],
        (Kind::MinProperties, Field::Setting("signer")) => one(violation(
            "`signer` names no signer".to_string(),
            node.span,
            "empty",
            "write `signer: { pkp: \"0x<the PKP's Ethereum address>\" }`, or remove `signer` if a wallet signs this grant".into(),
        )),
        (Kind::Additional(keys), Field::Setting("signer")) => {
            let key = keys.first().map(String::as_str).unwrap_or_default();
            let help = match closest(key, ["pkp"]) {
                Some(k) => format!("did you mean `{k}`? write `signer: {{ pkp: \"0x...\" }}`"),
                None => "the only signer kind is `pkp`: `signer: { pkp: \"0x<the PKP's Ethereum address>\" }`; a wallet signer needs no `signer`".to_string(),
            };
            one(violation(
                format!("unknown signer kind `{key}`"),
                node.span,
                "unknown signer kind",
                help,
            ))
        }
        (Kind::Minimum | Kind::Maximum, Field::Setting(key)) => {
            let (expected, help) = expected_setting(key);
            one(violation(
                format!("`{key}` must be {expected}, found {}", node.found()),
                node.span,
                "out of range",
                help.into(),
            ))
        }
        (Kind::Additional(keys), Field::Block) => unknown_block_keys(node, keys),
        (Kind::Additional(keys), Field::Entry(list_key)) => {
            unknown_entry_keys(node, keys, list_key)
        }
        (Kind::Required(prop), Field::Block) => {
            missing_block_key(node, prop, &same_path_additional())
        }
        // Wrong types are reported as such; `oneOf`/`required` mean nothing for a scalar.
        (
            Kind::OneOfNone | Kind::OneOfMany | Kind::MinProperties | Kind::MaxProperties,
            Field::Entry(_),
        ) if !matches!(node.value, NodeValue::Map(_)) => vec![],
        (Kind::OneOfNone | Kind::MinProperties, Field::Entry(list_key)) => {
            entry_without_ability(node, list_key, &same_path_additional())
        }
        (Kind::OneOfMany | Kind::MaxProperties, Field::Entry(list_key)) => {
            entry_with_many_abilities(node, list_key, &same_path_additional())
        }
        _ => {
            let _ = block;
            one(violation(
                format!(
                    "{} does not match the policy schema: {}",
                    describe_path(&f.path),
                    f.text
                ),
                node.span,
                "here",
                "see docs/yaml.md or `litcap schema policy`".into(),
            ))
        }
    }
}

/// Unknown keys in a block: a near miss of the block's own keys, a key of the other kind of
/// block, or neither.
/// A value of the wrong type, in the words of its field (`None`: no words of its own).
fn wrong_type(node: &Node, field: &Field<'_>) -> Option<Diagnostic> {
    Some(match field {
        Field::Top => violation(
            format!(
                "a policy file is a list of `grant` and `session` blocks, found {}",
                node.kind()
            ),
            head_span(node),
            "expected a list",
            "start each block with `- grant: <name>` or `- session: <name>` (see docs/yaml.md)"
                .into(),
        ),
        Field::Block => violation(
            format!(
                "each block is a mapping that starts with `grant:` or `session:`, found {}",
                node.found()
            ),
            node.span,
            "expected a mapping",
            "write e.g. `- grant: my-grant` followed by its settings, indented".into(),
        ),
        Field::ActionEntry => violation(
            format!(
                "each `auth-action` entry must be an IPFS CID (a string), found {}",
                node.found()
            ),
            node.span,
            "expected a CID",
            "write the Lit Action's CID, e.g. `- QmY3qun9qX3fUBHVfrA9f3v9RpyyPo8RHEuEN1XYPq1PrA`".into(),
        ),
        Field::SignerAddress => violation(
            format!(
                "the PKP address must be a string, found {}",
                node.found()
            ),
            node.span,
            "expected a quoted address",
            "quote the address: `signer: { pkp: \"0x...\" }` (unquoted, YAML 1.1 readers take `0x...` as a number)".into(),
        ),
        Field::Setting(key) => {
            let (expected, help) = expected_setting(key);
            violation(
                format!("`{key}` must be {expected}, found {}", node.found()),
                node.span,
                &format!("expected {expected}"),
                help.into(),
            )
        }
        Field::List(key) => violation(
            format!(
                "`{key}` must be a list of `- <ability>: <resource>` entries, found {}",
                node.found()
            ),
            node.span,
            "expected a list",
            format!("write each capability on its own line under `{key}:`, e.g. `- pkp-signing: lit-pkp://*`"),
        ),
        Field::Entry(list) => {
            let help = match node.as_str().and_then(|s| s.split_once(" on ")) {
                Some((a, r)) => format!(
                    "the YAML form writes `{a} on {r}` as `- {a}: {}`",
                    r.trim().trim_matches('"')
                ),
                None => "write `- <ability>: <resource>`, e.g. `- pkp-signing: lit-pkp://*`".into(),
            };
            violation(
                format!(
                    "each `{list}` entry must be a mapping `<ability>: <resource>`, found {}",
                    node.found()
                ),
                node.span,
                "expected `<ability>: <resource>`",
                help,
            )
        }
        Field::Resource(ability) => violation(
            format!(
                "the resource of `{ability}` must be a string such as `lit-pkp://*`, found {}",
                node.found()
            ),
            node.span,
            "expected a resource",
            "write `<prefix>://<id>` or `<prefix>://*`; quote it if it contains `#` or `: `".into(),
        ),
        Field::Where => violation(
            format!(
                "`where` must be a mapping of nota-bene data, found {}",
                node.found()
            ),
            node.span,
            "expected a mapping",
            "write the ReCap nota-bene data as keys and values, e.g. `where: { uses: \"200\" }`"
                .into(),
        ),
        _ => return None,
    })
}
fn unknown_block_keys(node: &Node, keys: &[String]) -> Vec<Diagnostic> {
    let session = is_session(node);
    let (own, other, own_kind, other_kind) = if session {
        (&SESSION_KEYS[..], &GRANT_KEYS[..], "session", "grant")
    } else {
        (&GRANT_KEYS[..], &SESSION_KEYS[..], "grant", "session")
    };
    keys.iter()
        // Keys of the kind the block turned out to be (its head key misspelt).
        .filter(|k| !own.contains(&k.as_str()))
        .map(|k| {
            let help = if let Some(s) = closest(k, own.iter().copied()) {
                format!("did you mean `{s}`?")
            } else if other.contains(&k.as_str()) {
                let hint = match k.as_str() {
                    "allow" => "; sessions list their capabilities under `request`",
                    "request" => "; grants list their capabilities under `allow`",
                    _ => "",
                };
                format!("`{k}` belongs in a {other_kind} block{hint}")
            } else {
                format!("a {own_kind} takes {}", list(own))
            };
            violation(
                format!("unknown key `{k}` in {}", block_name(node)),
                key_span(node, k),
                "unknown key",
                help,
            )
        })
        .collect()
}

/// Unknown keys in a capability entry (`where` in a `request` entry has its own words).
fn unknown_entry_keys(node: &Node, keys: &[String], list_key: &str) -> Vec<Diagnostic> {
    keys
    .iter()
    .map(|k| {
        let (message, help) = if k == "where" && list_key == "request" {
            (
                "a `request` entry has no `where` data".to_string(),
                "nota-bene restrictions belong to the grant's `allow` entry; the session requests the capability without them".to_string(),
            )
        } else {
            let mut candidates = abilities();
            if list_key == "allow" {
                candidates.push("where");
            }
            let help = match closest(k, candidates.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "an entry is `<ability>: <resource>`{}; the abilities are {}",
                    if list_key == "allow" { " with optional `where`" } else { "" },
                    list(&abilities())
                ),
            };
            (format!("unknown key `{k}` in an `{list_key}` entry"), help)
        };
        violation(message, key_span(node, k), "unknown key", help)
    })
        .collect()
}

/// A block without a key it needs (`additional`: the unknown keys at the same place, one of
/// which may be the needed key misspelt, already reported).
fn missing_block_key(node: &Node, prop: &str, additional: &[String]) -> Vec<Diagnostic> {
    // A misspelt key is reported once, as the unknown key.
    let heads: &[&str] = if prop == "grant" {
        &["grant", "session"]
    } else {
        &[prop]
    };
    let near_miss = additional
        .iter()
        .any(|k| closest(k, heads.iter().copied()).is_some());
    if near_miss {
        return vec![];
    }
    let (message, help) = match prop {
        "grant" => (
            "this block has neither `grant` nor `session`".to_string(),
            "start a block with `grant: <name>` or `session: <name>`".to_string(),
        ),
        "from" => (
            format!("{} has no `from`", block_name(node)),
            "add `from: <grant>`, the grant whose capabilities this session requests".to_string(),
        ),
        other => (
            format!("{} has no `{other}`", block_name(node)),
            format!("add `{other}: ...`"),
        ),
    };
    vec![violation(
        message,
        head_span(node),
        "incomplete block",
        help,
    )]
}

/// A capability entry that names no ability the schema knows (or, ERC-5573, several).
fn entry_without_ability(node: &Node, list_key: &str, additional: &[String]) -> Vec<Diagnostic> {
    if !additional.is_empty() {
        return vec![];
    }
    // Two ERC-5573 abilities (`crud/read`, `crud/write`) fail the same `oneOf`.
    let erc5573: Vec<&str> = node
        .entries()
        .iter()
        .map(|e| e.key.as_str())
        .filter(|k| *k != "where" && Ability::parse(k).is_none())
        .collect();
    if erc5573.len() > 1 {
        return vec![violation(
            format!(
                "this `{list_key}` entry names more than one ability ({})",
                list(&erc5573)
            ),
            node.span,
            "one ability per entry",
            format!("write one `- <ability>: <resource>` entry per ability under `{list_key}`"),
        )];
    }
    vec![violation(
        format!("this `{list_key}` entry names no ability"),
        node.span,
        "no ability",
        format!(
            "write `- <ability>: <resource>`; the abilities are {}",
            list(&abilities())
        ),
    )]
}

/// A capability entry that names more than one ability.
fn entry_with_many_abilities(
    node: &Node,
    list_key: &str,
    additional: &[String],
) -> Vec<Diagnostic> {
    let named: Vec<&str> = node
        .entries()
        .iter()
        .map(|e| e.key.as_str())
        // Every key but `where` names an ability, Lit or ERC-5573 (a mixed entry is reported
        // with both).
        .filter(|k| Ability::parse(k).is_some() || crate::lit::valid_recap_ability(k))
        .collect();
    if named.len() < 2 && !additional.is_empty() {
        return vec![];
    }
    vec![violation(
        format!(
            "this `{list_key}` entry names more than one ability ({})",
            list(&named)
        ),
        node.span,
        "one ability per entry",
        format!("write one `- <ability>: <resource>` entry per ability under `{list_key}`"),
    )]
}

fn describe_path(path: &[PathStep]) -> String {
    match path.iter().rev().find_map(|s| match s {
        PathStep::Key(k) => Some(k),
        PathStep::Index(_) => None,
    }) {
        Some(k) => format!("`{k}`"),
        None => "the document".to_string(),
    }
}

// ------------------------------------------------------------------------ other schemas ---

fn type_phrase(t: &str) -> &'static str {
    match t {
        "string" => "a string",
        "integer" => "an integer",
        "number" => "a number",
        "boolean" => "`true` or `false`",
        "array" => "an array",
        "object" => "an object",
        "null" => "`null`",
        _ => "a value of another type",
    }
}

/// "`sig`", "item 2 of `prf`", "the entry for `https://node`", or "the document".
fn field_name(schema: Schema, path: &[PathStep]) -> String {
    match path {
        [] => "the document".to_string(),
        [PathStep::Key(k)] if schema == Schema::SessionSigs => format!("the entry for `{k}`"),
        [.., PathStep::Key(k), PathStep::Index(i)] => format!("item {i} of `{k}`"),
        [.., PathStep::Key(k)] => format!("`{k}`"),
        [.., PathStep::Index(i)] => format!("item {i}"),
    }
}

fn generic(schema: Schema, node: &Node, f: &Found) -> Vec<Diagnostic> {
    let field = field_name(schema, &f.path);
    let help = format!("see `litcap schema {}`", schema.name());
    let d = match &f.kind {
        Kind::Type(types) => {
            let phrases: Vec<&str> = types.iter().map(|t| type_phrase(t)).collect();
            violation(
                format!(
                    "{field} must be {}, found {}",
                    phrases.join(" or "),
                    node.found()
                ),
                node.span,
                "wrong type",
                help,
            )
        }
        Kind::Required(prop) => {
            let near: Option<&str> = closest(prop, node.entries().iter().map(|e| e.key.as_str()));
            match near {
                Some(k) => violation(
                    format!("{field} has no `{prop}`"),
                    key_span(node, k),
                    "misspelt?",
                    format!("did you mean `{prop}` instead of `{k}`?"),
                ),
                None => violation(
                    format!("{field} has no `{prop}`"),
                    head_span(node),
                    "incomplete",
                    help,
                ),
            }
        }
        Kind::Additional(keys) => {
            return keys
                .iter()
                .map(|k| {
                    violation(
                        format!("unknown key `{k}` in {field}"),
                        key_span(node, k),
                        "unknown key",
                        help.clone(),
                    )
                })
                .collect()
        }
        Kind::Const(v) => violation(
            format!("{field} must be `{}`, found {}", plain(v), node.found()),
            node.span,
            "unexpected value",
            help,
        ),
        Kind::Enum(options) => {
            let opts: Vec<String> = options
                .as_array()
                .map(|a| a.iter().map(|o| format!("`{}`", plain(o))).collect())
                .unwrap_or_default();
            violation(
                format!(
                    "{field} must be one of {}, found {}",
                    opts.join(", "),
                    node.found()
                ),
                node.span,
                "unexpected value",
                help,
            )
        }
        Kind::Pattern(p) => violation(
            format!(
                "{field} does not have the expected form `{p}`, found {}",
                node.found()
            ),
            node.span,
            "unexpected form",
            help,
        ),
        Kind::PropertyName(k) => {
            let what = if schema == Schema::SessionSigs && f.path.is_empty() {
                format!("`{k}` is not a node URL (`https://<host>:<port>`)")
            } else {
                format!("the key `{k}` in {field} does not have the expected form")
            };
            violation(what, key_span(node, k), "unexpected key", help)
        }
        Kind::MinProperties => violation(format!("{field} is empty"), node.span, "empty", help),
        _ => violation(
            format!(
                "{field} does not match the `{}` schema: {}",
                schema.name(),
                f.text
            ),
            node.span,
            "here",
            help,
        ),
    };
    vec![d]
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
