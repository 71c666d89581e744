//! `not-covered`: why a session's request is outside its grant, and the smallest `allow`
//! that would cover it (with a did-you-mean for an id that differs in case or by a typo).

use super::{Capability, Grant, Session};
use crate::coverage::Gap;
use crate::diag::{Code, Diagnostic};

/// The smallest `allow` line that covers a request (its resource as the request writes it).
pub fn smallest_allow(req: &Capability) -> String {
    format!(
        "allow {} on {}",
        crate::syntax::format::ability(req.ability.as_str()),
        crate::syntax::format::quote(&req.written_resource())
    )
}

/// An `allow` whose id is the requested one but for case or a typo, and what to say about it.
fn near_miss(req: &Capability, considered: &[&Capability]) -> Option<String> {
    let specific = || considered.iter().filter(|a| !a.resource.is_wildcard());
    if let Some(a) = specific().find(|a| {
        a.resource.id != req.resource.id && a.resource.id.eq_ignore_ascii_case(&req.resource.id)
    }) {
        return Some(format!(
            "the grant allows `{}`, which differs from the requested `{}` only in case; the SDK and the nodes compare ids exactly, so write both the same way (lowercase hex)",
            a.written_resource(), req.written_resource()
        ));
    }
    if req.resource.is_wildcard() || req.resource.id.len() < 4 {
        return None;
    }
    let typo = specific()
        .map(|a| {
            (
                crate::suggest::levenshtein(&a.resource.id, &req.resource.id),
                a,
            )
        })
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)?;
    Some(format!(
        "did you mean `{}`? the grant allows that id, which differs from the requested `{}` by {} character{}",
        typo.1.written_resource(),
        req.written_resource(),
        typo.0,
        if typo.0 == 1 { "" } else { "s" }
    ))
}

pub(super) fn not_covered(
    session: &Session,
    grant: &Grant,
    req: &Capability,
    gap: &Gap,
) -> Diagnostic {
    let mut d = Diagnostic::new(
        Code::NotCovered,
        format!(
            "session `{}` requests `{}`, which grant `{}` does not allow",
            session.name,
            req.describe(),
            grant.name
        ),
    )
    .at(req.span(), "not covered by the grant");
    let considered: Vec<&Capability> = grant
        .allows
        .iter()
        .filter(|a| a.resource.prefix == req.resource.prefix)
        .collect();
    for a in &considered {
        d = d.related(a.span(), "considered: same resource type");
    }
    let help = match gap {
        Gap::Shadowed {
            wildcard_key,
            specific_key,
        } => format!(
            "`{specific_key}` allows it, but the grant also has `{wildcard_key}`, and the nodes (like the SDK) then only look at the wildcard key; remove the wildcard allow and allow each resource the sessions use by its id (for this request: `{}`)",
            smallest_allow(req)
        ),
        Gap::AbilityMissing { key, .. } => format!(
            "the grant allows other abilities on `{key}`; add `{}` to grant `{}`",
            smallest_allow(req),
            grant.name
        ),
        _ => format!("add `{}` to grant `{}`", smallest_allow(req), grant.name),
    };
    let help = match near_miss(req, &considered) {
        Some(near) => format!("{near}; otherwise {help}"),
        None => help,
    };
    d.help(help).related(grant.name_span, "the session's grant")
}
