//! Property laws of the algebra: ReCap encode∘decode, format∘parse, and the coverage relation.

use litcap::internal::coverage::{self, recap_covers};
use litcap::internal::recap::{NotaBene, Recap, RecapError};
use litcap::internal::syntax::ast::*;
use litcap::Ttl;
use litcap::{Ability, Resource, ResourcePrefix};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};

/// Failures are saved beside this file (`tests/properties.proptest-regressions`) and committed.
fn config() -> Config {
    Config {
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..Config::default()
    }
}
use serde_json::{Map, Number, Value};

// ---------------------------------------------------------------- JSON values ---

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| Value::Number(n.into())),
        (-1e12f64..1e12f64).prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
        "[a-zA-Z0-9 é\"\\\\/\n\t]{0,8}".prop_map(Value::String),
    ]
}

/// Object keys; index-like keys (`"9"`, `"10"`) are left out where noted.
fn key(index_like: bool) -> BoxedStrategy<String> {
    if index_like {
        prop_oneof!["[a-z_][a-z0-9_-]{0,6}", "[0-9]{1,3}", "[ -~é]{0,6}"].boxed()
    } else {
        prop_oneof!["[a-z_][a-z0-9_-]{0,6}", "[ -~é]{0,6}"]
            .prop_filter("not an array index", |k| {
                !litcap::internal::json::is_array_index(k)
            })
            .boxed()
    }
}

fn json_value(index_like: bool) -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(3, 24, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key(index_like), inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn nota_bene(index_like: bool) -> impl Strategy<Value = NotaBene> {
    prop::collection::vec((key(index_like), json_value(index_like)), 0..4)
        .prop_map(|kv| kv.into_iter().collect::<Map<String, Value>>())
}

// ---------------------------------------------------------------- recaps ---

fn recap(index_like: bool) -> impl Strategy<Value = Recap> {
    let ability = "[a-zA-Z0-9.*_+-]{1,6}/[a-zA-Z0-9.*_+-]{1,6}";
    let resource = prop_oneof![
        "lit-(pkp|litaction|accesscontrolcondition|ratelimitincrease)://[*a-f0-9]{1,4}",
        "[ -~é]{0,12}",
    ]
    .prop_filter("index-like keys only where asked", move |k| {
        index_like || !litcap::internal::json::is_array_index(k)
    });
    prop::collection::vec(
        (
            resource,
            ability,
            prop::collection::vec(nota_bene(index_like), 1..3),
        ),
        0..5,
    )
    .prop_map(|entries| {
        let mut r = Recap::new();
        for (res, ab, nbs) in entries {
            let (ns, name) = ab.split_once('/').unwrap();
            for nb in nbs {
                r.add_attenuation(&res, ns, name, nb).unwrap();
            }
        }
        r
    })
}

proptest! {
    #![proptest_config(config())]

    /// encode∘decode is the identity on the encoded form, and decoding sees a canonical input.
    #[test]
    fn recap_encode_decode_identity(r in recap(false)) {
        let urn = r.encode();
        let d = Recap::decode(&urn).unwrap();
        prop_assert!(d.canonical);
        prop_assert_eq!(d.recap.encode(), urn);
        prop_assert_eq!(d.recap.statement(), r.statement());
        let keys = |r: &Recap| coverage::grants(r);
        prop_assert_eq!(keys(&d.recap), keys(&r));
    }

    /// With index-like keys the SDK may reject its own encoding; then it is exactly the
    /// sortedness check that fails, and nothing else.
    #[test]
    fn recap_index_keys_fail_only_the_sort_check(r in recap(true)) {
        match Recap::decode(&r.encode()) {
            Ok(d) => prop_assert_eq!(d.recap.encode(), r.encode()),
            Err(e) => prop_assert_eq!(e, RecapError::NotSorted),
        }
    }

    /// Any string either fails to decode or decodes to something that re-encodes stably.
    #[test]
    fn recap_decode_is_total(s in "urn:recap:[A-Za-z0-9_=-]{0,40}") {
        if let Ok(d) = Recap::decode(&s) {
            let again = Recap::decode(&d.recap.encode()).unwrap();
            prop_assert!(again.canonical);
        }
    }
}

// ---------------------------------------------------------------- policies ---

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 .:/*é\"\\\\\n\t\u{1}{}#-]{0,12}"
}

fn sp<T>(v: T) -> Spanned<T> {
    Spanned::new(v, Default::default())
}

fn capability() -> impl Strategy<Value = Capability> {
    (
        "[a-z0-9*./_-]{1,24}",
        text(),
        prop::option::of(nota_bene(true)),
    )
        .prop_map(|(ability, resource, data)| Capability {
            ability: sp(ability),
            resource: sp(resource),
            data: data.map(sp),
        })
}

fn ttl() -> impl Strategy<Value = Ttl> {
    (1u64..40 * 86_400).prop_map(Ttl)
}

fn grant_stmt() -> impl Strategy<Value = GrantStmt> {
    prop_oneof![
        text().prop_map(|s| GrantStmtKind::Domain(sp(s))),
        text().prop_map(|s| GrantStmtKind::Statement(sp(s))),
        any::<u64>().prop_map(|n| GrantStmtKind::ChainId(sp(n))),
        ttl().prop_map(|t| GrantStmtKind::MaxTtl(sp(t))),
        capability().prop_map(GrantStmtKind::Allow),
        capability().prop_map(GrantStmtKind::Allow),
        ("[a-z][a-z0-9-]{0,6}", text()).prop_map(|(k, a)| GrantStmtKind::Signer {
            kind: sp(k),
            address: sp(a),
        }),
        text().prop_map(|s| GrantStmtKind::AuthAction(sp(s))),
    ]
    .prop_map(|kind| GrantStmt {
        kind,
        span: Default::default(),
    })
}

fn session_stmt() -> impl Strategy<Value = SessionStmt> {
    prop_oneof![
        ttl().prop_map(|t| SessionStmtKind::Ttl(sp(t))),
        capability()
            .prop_map(|mut c| {
                c.data = None;
                c
            })
            .prop_map(SessionStmtKind::Request),
    ]
    .prop_map(|kind| SessionStmt {
        kind,
        span: Default::default(),
    })
}

fn item() -> impl Strategy<Value = Item> {
    prop_oneof![
        (text(), prop::collection::vec(grant_stmt(), 0..6)).prop_map(|(name, body)| Item::Grant(
            Grant {
                name: sp(name),
                body,
                span: Default::default(),
                open: 0,
                close: 0,
            }
        )),
        (text(), text(), prop::collection::vec(session_stmt(), 0..5)).prop_map(
            |(name, from, body)| {
                Item::Session(Session {
                    name: sp(name),
                    from: sp(from),
                    body,
                    span: Default::default(),
                    open: 0,
                    close: 0,
                })
            }
        ),
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

proptest! {
    #![proptest_config(config())]

    /// parse∘format is the identity on syntax trees, and formatting is idempotent.
    #[test]
    fn format_then_parse_is_identity(f in policy_file()) {
        let text = litcap::internal::syntax::format::format(&f, "");
        let (parsed, diags) = litcap::internal::syntax::parse(0, &text);
        prop_assert!(diags.is_empty(), "{:?}\n{}", diags, text);
        prop_assert_eq!(parsed.without_spans(), f.without_spans());
        prop_assert_eq!(litcap::internal::syntax::format::format(&parsed, &text), text);
    }

    /// Formatting keeps every comment and the meaning of any file it accepts.
    #[test]
    fn format_keeps_comments_and_meaning(
        f in policy_file(),
        comments in prop::collection::vec(("[ -~]{0,10}", any::<prop::sample::Index>(), any::<bool>()), 0..6),
    ) {
        // Put comments on their own lines or at line ends of a formatted file.
        let base = litcap::internal::syntax::format::format(&f, "");
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
        let once = litcap::internal::syntax::format::format(&parsed, &text);
        let (reparsed, diags) = litcap::internal::syntax::parse(0, &once);
        prop_assert!(diags.is_empty(), "{:?}\n{}", diags, once);
        let mut before = parsed.without_spans();
        let mut after = reparsed.without_spans();
        let texts = |f: &mut PolicyFile| {
            let mut t: Vec<String> = f.comments.drain(..).map(|c| c.text.trim_end().to_string()).collect();
            t.sort();
            t
        };
        prop_assert_eq!(texts(&mut before), texts(&mut after));
        prop_assert_eq!(before, after);
        prop_assert_eq!(litcap::internal::syntax::format::format(&reparsed, &once), once);
    }
}

// ---------------------------------------------------------------- coverage ---

const IDS: [&str; 3] = ["*", "x1", "x2"];
const ABILITIES: [&str; 5] = [
    "Threshold/Signing",
    "Threshold/Decryption",
    "Threshold/Execution",
    "Auth/Auth",
    "*/*",
];

fn small_resource() -> impl Strategy<Value = Resource> {
    (0..4usize, 0..3usize).prop_map(|(p, i)| Resource {
        prefix: ResourcePrefix::ALL[p],
        id: IDS[i].to_string(),
    })
}

fn small_grant() -> impl Strategy<Value = (Resource, &'static str)> {
    (small_resource(), 0..5usize).prop_map(|(r, a)| (r, ABILITIES[a]))
}

fn small_recap() -> impl Strategy<Value = Recap> {
    prop::collection::vec(small_grant(), 0..8).prop_map(|gs| {
        let mut r = Recap::new();
        for (res, ab) in gs {
            let (ns, name) = ab.split_once('/').unwrap();
            r.add_attenuation(&res.key(), ns, name, Map::new()).unwrap();
        }
        r
    })
}

/// No wildcard key hides an ability that a specific key of its prefix grants.
fn shadow_free(r: &Recap) -> bool {
    coverage::grants(r).iter().all(|(key, ab)| {
        let (prefix, id) = key.split_once("://").unwrap();
        if id == "*" {
            return true;
        }
        match r.abilities_for(&format!("{prefix}://*")) {
            None => true,
            Some(w) => w.contains_key("*/*") || w.contains_key(ab.as_str()),
        }
    })
}

proptest! {
    #![proptest_config(config())]

    /// Reflexive exactly on shadow-free recaps (the nodes' wildcard-first lookup is the
    /// only thing that can make a recap fail to cover its own grants).
    #[test]
    fn coverage_reflexive_iff_shadow_free(a in small_recap()) {
        prop_assert_eq!(recap_covers(&a, &a), shadow_free(&a));
    }

    #[test]
    fn coverage_transitive(a in small_recap(), b in small_recap(), c in small_recap()) {
        if recap_covers(&a, &b) && recap_covers(&b, &c) {
            prop_assert!(recap_covers(&a, &c));
        }
    }

    /// Adding a grant never uncovers a request, except by adding the `<prefix>://*` key that
    /// then shadows the specific key (reported as `wildcard-shadows-specific`).
    #[test]
    fn coverage_monotone_up_to_shadowing(a in small_recap(), (res, ab) in small_grant(), (q, qa) in small_grant()) {
        let mut bigger = a.clone();
        let (ns, name) = ab.split_once('/').unwrap();
        bigger.add_attenuation(&res.key(), ns, name, Map::new()).unwrap();
        let before = coverage::check_recap_ability(&a, &q, qa).is_covered();
        let after = coverage::check_recap_ability(&bigger, &q, qa).is_covered();
        if before && !after {
            prop_assert!(res.is_wildcard() && res.prefix == q.prefix && a.abilities_for(&res.key()).is_none());
        }
    }

    /// A wildcard covers every id of its prefix and nothing of another prefix.
    #[test]
    fn wildcard_scope(p in 0..4usize, other in 0..4usize, id in "[a-z0-9]{1,10}") {
        let ability = ResourcePrefix::ALL[p].abilities().next().unwrap();
        let mut r = Recap::new();
        r.add_capability(&Resource::wildcard(ResourcePrefix::ALL[p]), ability, None).unwrap();
        let same = Resource::new(ResourcePrefix::ALL[p], &id).unwrap();
        prop_assert!(coverage::check(&r, &same, ability).is_covered());
        if other != p {
            let elsewhere = Resource::new(ResourcePrefix::ALL[other], &id).unwrap();
            for a in Ability::ALL {
                prop_assert!(!coverage::check(&r, &elsewhere, a).is_covered());
            }
        }
    }

    #[test]
    fn ttl_display_parse_round_trip(t in ttl()) {
        prop_assert_eq!(Ttl::parse(&t.to_string()).unwrap(), t);
    }
}
