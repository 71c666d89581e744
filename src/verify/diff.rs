//! `litcap diff`: the privilege delta between two versions of a policy, for review.
//!
//! A change *widens* when the new policy lets a wallet grant, or a session use, something the
//! old one did not: a capability not covered by the old grant (coverage decides, so adding
//! `lit-pkp://0a` next to an existing `lit-pkp://*` widens nothing), a new wildcard, longer
//! lifetimes, a new grant or session, or changed `where` data that cannot be shown narrower.

use crate::coverage;
use crate::model::{Capability, Grant, Policy, Session};
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

impl ChangeKind {
    fn sign(self) -> char {
        match self {
            ChangeKind::Added => '+',
            ChangeKind::Removed => '-',
            ChangeKind::Changed => '~',
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
        }
    }
}

/// One difference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub kind: ChangeKind,
    /// `grant "<name>"` or `session "<name>"`.
    pub subject: String,
    pub message: String,
    pub widens: bool,
}

/// All differences, grants first, in the order of the new policy.
pub fn diff(old: &Policy, new: &Policy) -> Vec<Change> {
    let mut out = Vec::new();
    for g in &new.grants {
        let subject = format!("grant \"{}\"", g.name);
        match old.grant(&g.name) {
            None => out.push(Change {
                kind: ChangeKind::Added,
                subject,
                message: format!(
                    "new grant with {} capabilit{}",
                    g.allows.len(),
                    if g.allows.len() == 1 { "y" } else { "ies" }
                ),
                widens: !g.allows.is_empty(),
            }),
            Some(o) => diff_grant(new.profile(), o, g, &subject, &mut out),
        }
    }
    for g in old.grants.iter().filter(|g| new.grant(&g.name).is_none()) {
        out.push(Change {
            kind: ChangeKind::Removed,
            subject: format!("grant \"{}\"", g.name),
            message: "grant removed".into(),
            widens: false,
        });
    }
    for s in &new.sessions {
        let subject = format!("session \"{}\"", s.name);
        match old.session(&s.name) {
            None => out.push(Change {
                kind: ChangeKind::Added,
                subject,
                message: format!(
                    "new session from grant `{}` requesting {}",
                    new.grant_of(s).name,
                    list(&s.requests)
                ),
                widens: true,
            }),
            Some(o) => diff_session(old, o, new, s, &subject, &mut out),
        }
    }
    for s in old
        .sessions
        .iter()
        .filter(|s| new.session(&s.name).is_none())
    {
        out.push(Change {
            kind: ChangeKind::Removed,
            subject: format!("session \"{}\"", s.name),
            message: "session removed".into(),
            widens: false,
        });
    }
    out
}

fn list(caps: &[Capability]) -> String {
    if caps.is_empty() {
        return "nothing".into();
    }
    caps.iter()
        .map(|c| format!("`{}`", c.describe()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn same(a: &Capability, b: &Capability) -> bool {
    a.resource == b.resource && a.ability == b.ability
}

fn diff_grant(
    profile: &crate::profile::Profile,
    old: &Grant,
    new: &Grant,
    subject: &str,
    out: &mut Vec<Change>,
) {
    let old_recap = old.recap();
    for a in &new.allows {
        match old.allows.iter().find(|o| same(o, a)) {
            None => {
                let covered =
                    coverage::check_in(profile, old_recap, &a.resource, a.ability).is_covered();
                let wildcard = a.resource.is_wildcard();
                out.push(Change {
                    kind: ChangeKind::Added,
                    subject: subject.into(),
                    message: format!(
                        "allow `{}`{}",
                        a.describe(),
                        if wildcard {
                            " (new wildcard: every resource of this type)"
                        } else if covered {
                            " (already covered before)"
                        } else {
                            ""
                        }
                    ),
                    widens: !covered
                        || wildcard && !old.allows.iter().any(|o| o.resource == a.resource),
                });
            }
            Some(o) if o.data != a.data => {
                let (detail, widens) = where_change(o.data.as_deref(), a.data.as_deref());
                // The nodes ignore `where` data on `Threshold/*` abilities.
                let ignored = a.ability.is_threshold();
                out.push(Change {
                    kind: ChangeKind::Changed,
                    subject: subject.into(),
                    message: format!(
                        "`where` data of `{}` changed: {detail}{}",
                        a.describe(),
                        if ignored {
                            " (the nodes ignore `where` on this ability)"
                        } else if widens {
                            ""
                        } else {
                            " (narrower)"
                        }
                    ),
                    widens: widens && !ignored,
                });
            }
            Some(_) => {}
        }
    }
    for o in old
        .allows
        .iter()
        .filter(|o| !new.allows.iter().any(|a| same(a, o)))
    {
        out.push(Change {
            kind: ChangeKind::Removed,
            subject: subject.into(),
            message: format!("allow `{}`", o.describe()),
            widens: false,
        });
    }
    if old.max_ttl != new.max_ttl {
        out.push(Change {
            kind: ChangeKind::Changed,
            subject: subject.into(),
            message: format!("max-ttl {} → {}", old.max_ttl, new.max_ttl),
            widens: new.max_ttl > old.max_ttl,
        });
    }
    let text =
        |s: &Option<crate::syntax::ast::Spanned<String>>| s.as_ref().map(|s| s.value.clone());
    if text(&old.domain) != text(&new.domain) {
        out.push(Change {
            kind: ChangeKind::Changed,
            subject: subject.into(),
            message: format!(
                "domain {} → {}",
                text(&old.domain).unwrap_or_default(),
                text(&new.domain).unwrap_or_default()
            ),
            widens: false,
        });
    }
    if text(&old.statement) != text(&new.statement) {
        out.push(Change {
            kind: ChangeKind::Changed,
            subject: subject.into(),
            message: "statement changed".into(),
            widens: false,
        });
    }
    if old.chain_id != new.chain_id {
        out.push(Change {
            kind: ChangeKind::Changed,
            subject: subject.into(),
            message: format!("chain-id {} → {}", old.chain_id, new.chain_id),
            widens: false,
        });
    }
}

fn diff_session(
    old_p: &Policy,
    old: &Session,
    new_p: &Policy,
    new: &Session,
    subject: &str,
    out: &mut Vec<Change>,
) {
    let (og, ng) = (old_p.grant_of(old), new_p.grant_of(new));
    if og.name != ng.name {
        out.push(Change {
            kind: ChangeKind::Changed,
            subject: subject.into(),
            message: format!("grant `{}` → `{}`", og.name, ng.name),
            widens: !coverage::recap_covers_in(
                new_p.profile(),
                og.signed_recap(),
                ng.signed_recap(),
            ),
        });
    }
    for r in new
        .requests
        .iter()
        .filter(|r| !old.requests.iter().any(|o| same(o, r)))
    {
        out.push(Change {
            kind: ChangeKind::Added,
            subject: subject.into(),
            message: format!(
                "request `{}`{}",
                r.describe(),
                if r.resource.is_wildcard() {
                    " (new wildcard)"
                } else {
                    ""
                }
            ),
            widens: true,
        });
    }
    for o in old
        .requests
        .iter()
        .filter(|o| !new.requests.iter().any(|r| same(o, r)))
    {
        out.push(Change {
            kind: ChangeKind::Removed,
            subject: subject.into(),
            message: format!("request `{}`", o.describe()),
            widens: false,
        });
    }
    if old.ttl != new.ttl {
        out.push(Change {
            kind: ChangeKind::Changed,
            subject: subject.into(),
            message: format!("ttl {} → {}", old.ttl, new.ttl),
            widens: new.ttl > old.ttl,
        });
    }
}

/// Human-readable, one change per line.
/// How `where` data changed, key by key, and whether the change may widen. `where` data are
/// restrictions (nota bene): a new key narrows, a removed key widens; a changed value narrows
/// only when it is visibly smaller (a lower number, a sub-list), and otherwise counts as
/// widening, since litcap cannot tell.
fn where_change(
    old: Option<&crate::recap::NotaBene>,
    new: Option<&crate::recap::NotaBene>,
) -> (String, bool) {
    let empty = crate::recap::NotaBene::new();
    let (o, n) = (old.unwrap_or(&empty), new.unwrap_or(&empty));
    let mut parts = Vec::new();
    let mut widens = false;
    for (k, nv) in n {
        match o.get(k) {
            None => parts.push(format!("`{k}` added ({nv})")),
            Some(ov) if ov == nv => {}
            Some(ov) => {
                let narrower = value_narrower(ov, nv);
                widens |= !narrower;
                parts.push(format!("`{k}` {ov} → {nv}"));
            }
        }
    }
    for (k, ov) in o {
        if !n.contains_key(k) {
            widens = true;
            parts.push(format!("`{k}` removed (was {ov})"));
        }
    }
    (parts.join(", "), widens)
}

/// Whether `new` restricts at least as much as `old`: a number (or a string holding one) that
/// is not larger, or a list whose items were all in the old list.
fn value_narrower(old: &Value, new: &Value) -> bool {
    let number = |v: &Value| match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    match (old, new) {
        (Value::Array(o), Value::Array(n)) => n.iter().all(|x| o.contains(x)),
        _ => match (number(old), number(new)) {
            (Some(o), Some(n)) => n <= o,
            _ => false,
        },
    }
}

pub fn render(changes: &[Change]) -> String {
    if changes.is_empty() {
        return "no privilege changes\n".into();
    }
    let mut s = String::new();
    for c in changes {
        s.push_str(&format!(
            "{} {}: {}{}\n",
            c.kind.sign(),
            c.subject,
            c.message,
            if c.widens { "  [widens]" } else { "" }
        ));
    }
    let widening = changes.iter().filter(|c| c.widens).count();
    s.push_str(&format!(
        "{} change(s), {widening} widening\n",
        changes.len()
    ));
    s
}

/// `{"widened": bool, "changes": [{"kind", "subject", "message", "widens"}]}`
pub fn to_json(changes: &[Change]) -> Value {
    json!({
        "widened": changes.iter().any(|c| c.widens),
        "changes": changes.iter().map(|c| json!({
            "kind": c.kind.as_str(),
            "subject": c.subject,
            "message": c.message,
            "widens": c.widens,
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Policy {
        let l = crate::load::load_dsl(text);
        assert!(!l.diagnostics.has_errors(), "{:?}", l.diagnostics);
        l.policy
    }

    const OLD: &str = "grant \"g\" {\n domain \"a\"\n max-ttl 1h\n allow pkp-signing on \"lit-pkp://*\"\n}\nsession \"s\" from \"g\" {\n ttl 10m\n request pkp-signing on \"lit-pkp://0a\"\n}\n";

    #[test]
    fn covered_additions_do_not_widen() {
        let new = OLD.replace(
            "allow pkp-signing on \"lit-pkp://*\"",
            "allow pkp-signing on \"lit-pkp://*\"\n allow pkp-signing on \"lit-pkp://0a\"",
        );
        let c = diff(&p(OLD), &p(&new));
        assert_eq!(c.len(), 1);
        assert!(!c[0].widens, "{c:?}");
    }

    #[test]
    fn where_changes_name_the_key_and_narrowing_does_not_widen() {
        let g = |w: &str| {
            format!("grant \"g\" {{\n domain \"a\"\n allow rate-limit-increase-auth on \"lit-ratelimitincrease://1\" where {w}\n}}\n")
        };
        let c = diff(&p(&g("{ uses: \"200\" }")), &p(&g("{ uses: \"20\" }")));
        assert!(!c[0].widens && c[0].message.contains("`uses`"), "{c:?}");
        let c = diff(&p(&g("{ uses: \"20\" }")), &p(&g("{ uses: \"200\" }")));
        assert!(c[0].widens, "{c:?}");
        let c = diff(
            &p(&g("{ uses: \"20\", nft_id: [\"1\"] }")),
            &p(&g("{ uses: \"20\" }")),
        );
        assert!(
            c[0].widens && c[0].message.contains("`nft_id` removed"),
            "{c:?}"
        );
        let c = diff(
            &p(&g("{ delegate_to: [\"a\", \"b\"] }")),
            &p(&g("{ delegate_to: [\"a\"] }")),
        );
        assert!(!c[0].widens, "{c:?}");
    }

    #[test]
    fn widenings_are_flagged() {
        let new = OLD
            .replace("max-ttl 1h", "max-ttl 2h")
            .replace("ttl 10m", "ttl 20m")
            .replace("allow pkp-signing on \"lit-pkp://*\"", "allow pkp-signing on \"lit-pkp://*\"\n allow lit-action-execution on \"lit-litaction://*\"");
        let c = diff(&p(OLD), &p(&new));
        assert_eq!(c.iter().filter(|c| c.widens).count(), 3, "{c:?}");
        assert!(to_json(&c)["widened"].as_bool().unwrap());
        let narrowed = diff(&p(&new), &p(OLD));
        assert!(narrowed.iter().all(|c| !c.widens), "{narrowed:?}");
        assert!(render(&narrowed)
            .contains("- grant \"g\": allow `lit-action-execution on lit-litaction://*`"));
    }
}
