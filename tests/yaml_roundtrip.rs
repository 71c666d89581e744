//! Property laws of the YAML and JSON forms: DSL → YAML → DSL (and → JSON →) is the identity
//! on syntax trees, writing YAML is stable, and comments survive DSL → YAML → DSL.
//!
//! The generators are those of `tests/properties.rs`, adapted to the trees the YAML form
//! holds: each setting at most once per block, and the capabilities of a block in one run
//! (the YAML form lists them under one key; see `src/syntax/yaml.rs`).

use litcap::internal::syntax::ast::*;
use litcap::internal::syntax::format::format;
use litcap::internal::syntax::yaml::{layout_text, parse_json, parse_yaml, to_json, to_yaml};
use litcap::Ttl;
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};
use serde_json::{Map, Number, Value};

/// Failures are saved beside this file (`tests/yaml_roundtrip.proptest-regressions`).
fn config() -> Config {
    Config {
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..Config::default()
    }
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| Value::Number(n.into())),
        any::<u64>().prop_map(|n| Value::Number(n.into())),
        (-1e12f64..1e12f64).prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        "[a-zA-Z0-9 é\"\\\\/\n\t#:*&!{}\\[\\],-]{0,8}".prop_map(Value::String),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_][a-z0-9_-]{0,6}",
        "[0-9]{1,3}",
        "[ -~é]{0,6}",
        Just("true".to_string()),
        Just("null".to_string()),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn nota_bene() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::vec((key(), json_value()), 0..4).prop_map(|kv| kv.into_iter().collect())
}

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 .:/*é\"\\\\\n\t\u{1}\u{7f}\u{85}\u{2028}{}#'&!%@|>?,-]{0,12}"
}

fn sp<T>(v: T) -> Spanned<T> {
    Spanned::new(v, Default::default())
}

fn capability(with_data: bool) -> impl Strategy<Value = Capability> {
    (
        "[a-z0-9*./_-]{1,24}".prop_filter("`where` is the YAML form's data key", |a| a != "where"),
        text(),
        prop::option::of(nota_bene()),
    )
        .prop_map(move |(ability, resource, data)| Capability {
            ability: sp(ability),
            resource: sp(resource),
            data: if with_data { data.map(sp) } else { None },
        })
}

fn ttl() -> impl Strategy<Value = Ttl> {
    (1u64..40 * 86_400).prop_map(Ttl)
}

/// Settings at most once each, in any order, with the capabilities as one run among them.
fn grant_body() -> impl Strategy<Value = Vec<GrantStmt>> {
    (
        prop::option::of(text()),
        prop::option::of(text()),
        prop::option::of(any::<u64>()),
        prop::option::of(ttl()),
        prop::collection::vec(capability(true), 0..4),
        any::<prop::sample::Index>(),
        any::<u64>(),
        (
            // The schema allows one signer kind, `pkp` (another is a schema violation).
            prop::option::of((Just("pkp".to_string()), text())),
            prop::collection::vec(text(), 0..3),
            any::<prop::sample::Index>(),
        ),
    )
        .prop_map(
            |(
                domain,
                statement,
                chain,
                max_ttl,
                allows,
                at,
                seed,
                (signer, actions, actions_at),
            )| {
                let mut settings: Vec<GrantStmtKind> = Vec::new();
                settings.extend(domain.map(|d| GrantStmtKind::Domain(sp(d))));
                settings.extend(statement.map(|s| GrantStmtKind::Statement(sp(s))));
                settings.extend(chain.map(|n| GrantStmtKind::ChainId(sp(n))));
                settings.extend(max_ttl.map(|t| GrantStmtKind::MaxTtl(sp(t))));
                settings.extend(signer.map(|(kind, address)| GrantStmtKind::Signer {
                    kind: sp(kind),
                    address: sp(address),
                }));
                // A deterministic shuffle from the seed.
                let n = settings.len();
                for i in (1..n).rev() {
                    let j = (seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(i as u64)
                        >> 33) as usize
                        % (i + 1);
                    settings.swap(i, j);
                }
                let pos = at.index(n + 1);
                let mut body: Vec<GrantStmtKind> = settings;
                let run: Vec<GrantStmtKind> =
                    allows.into_iter().map(GrantStmtKind::Allow).collect();
                let run_end = pos + run.len();
                body.splice(pos..pos, run);
                // The `auth-action` lines, one run too (the YAML form lists them together), not
                // inside the allows' run.
                let mut at = actions_at.index(body.len() + 1);
                if pos < at && at < run_end {
                    at = run_end;
                }
                let pos = at;
                let actions: Vec<GrantStmtKind> = actions
                    .into_iter()
                    .map(|a| GrantStmtKind::AuthAction(sp(a)))
                    .collect();
                body.splice(pos..pos, actions);
                body.into_iter()
                    .map(|kind| GrantStmt {
                        kind,
                        span: Default::default(),
                    })
                    .collect()
            },
        )
}

fn session_body() -> impl Strategy<Value = Vec<SessionStmt>> {
    (
        prop::option::of(ttl()),
        prop::collection::vec(capability(false), 0..4),
        any::<bool>(),
    )
        .prop_map(|(t, requests, ttl_first)| {
            let mut body: Vec<SessionStmtKind> =
                requests.into_iter().map(SessionStmtKind::Request).collect();
            if let Some(t) = t {
                let at = if ttl_first { 0 } else { body.len() };
                body.insert(at, SessionStmtKind::Ttl(sp(t)));
            }
            body.into_iter()
                .map(|kind| SessionStmt {
                    kind,
                    span: Default::default(),
                })
                .collect()
        })
}

fn item() -> impl Strategy<Value = Item> {
    prop_oneof![
        (text(), grant_body()).prop_map(|(name, body)| Item::Grant(Grant {
            name: sp(name),
            body,
            span: Default::default(),
            open: 0,
            close: 0,
        })),
        (text(), text(), session_body()).prop_map(|(name, from, body)| Item::Session(Session {
            name: sp(name),
            from: sp(from),
            body,
            span: Default::default(),
            open: 0,
            close: 0,
        })),
    ]
}

fn policy_file() -> impl Strategy<Value = PolicyFile> {
    (
        prop::collection::vec(item(), 0..5),
        prop::option::of(prop::sample::select(vec!["datil", "naga", "erc5573"])),
    )
        .prop_map(|(items, network)| PolicyFile {
            file: 0,
            items,
            comments: Vec::new(),
            network: network.map(|n| Spanned::new(n.to_string(), Default::default())),
        })
}

/// The tree of a DSL text, which must parse cleanly.
fn dsl(text: &str) -> Result<PolicyFile, TestCaseError> {
    let (f, diags) = litcap::internal::syntax::parse(0, text);
    prop_assert!(diags.is_empty(), "{:?}\n{}", diags, text);
    Ok(f)
}

fn comment_texts(f: &mut PolicyFile) -> Vec<String> {
    let mut t: Vec<String> = f
        .comments
        .drain(..)
        .map(|c| c.text.trim_end().to_string())
        .collect();
    t.sort();
    t
}

proptest! {
    #![proptest_config(config())]

    /// DSL → YAML → DSL and DSL → JSON → DSL are the identity on syntax trees, the DSL
    /// written from the YAML is the DSL it came from, and YAML → YAML changes nothing.
    #[test]
    fn dsl_yaml_dsl_is_identity(f in policy_file()) {
        let text = format(&f, "");
        let parsed = dsl(&text)?;
        prop_assert_eq!(parsed.without_spans(), f.without_spans());

        let y = to_yaml(&parsed, &text).map_err(|d| TestCaseError::fail(format!("{d:?}")))?;
        let (from_yaml, diags) = parse_yaml(0, &y);
        prop_assert!(diags.is_empty(), "{:?}\n{}", diags, y);
        prop_assert_eq!(from_yaml.without_spans(), parsed.without_spans(), "{}", y);
        prop_assert_eq!(format(&from_yaml, &layout_text(&y)), text.clone());
        prop_assert_eq!(to_yaml(&from_yaml, &layout_text(&y)).unwrap(), y);

        let j = to_json(&parsed).map_err(|d| TestCaseError::fail(format!("{d:?}")))?;
        let (from_json, diags) = parse_json(0, &j);
        prop_assert!(diags.is_empty(), "{:?}\n{}", diags, j);
        prop_assert_eq!(from_json.without_spans(), parsed.without_spans(), "{}", j);
    }

    /// Comments of a DSL file survive DSL → YAML → DSL (placement may move a comment that
    /// was inside a block to just after it), and the trees stay equal.
    #[test]
    fn comments_survive_dsl_yaml_dsl(
        f in policy_file(),
        comments in prop::collection::vec(("[ -~]{0,10}", any::<prop::sample::Index>(), any::<bool>()), 0..6),
    ) {
        let base = format(&f, "");
        let mut lines: Vec<String> = base.lines().map(str::to_string).collect();
        for (c, at, own_line) in &comments {
            if lines.is_empty() || *own_line {
                let i = if lines.is_empty() { 0 } else { at.index(lines.len() + 1) };
                lines.insert(i, format!("#{c}"));
            } else {
                let i = at.index(lines.len());
                if lines[i].contains('#') { continue; }
                lines[i].push_str(&format!(" #{c}"));
            }
        }
        let text = lines.join("\n");
        let (parsed, diags) = litcap::internal::syntax::parse(0, &text);
        prop_assume!(diags.is_empty());
        let y = to_yaml(&parsed, &text).map_err(|d| TestCaseError::fail(format!("{d:?}")))?;
        let (from_yaml, diags) = parse_yaml(0, &y);
        prop_assert!(diags.is_empty(), "{:?}\n{}", diags, y);
        let back = format(&from_yaml, &layout_text(&y));
        let reparsed = dsl(&back)?;
        let mut before = parsed.without_spans();
        let mut after = reparsed.without_spans();
        prop_assert_eq!(comment_texts(&mut before), comment_texts(&mut after), "{}\n---\n{}", y, back);
        prop_assert_eq!(before, after);
    }
}
