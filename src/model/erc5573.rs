//! The plain ERC-5573 profile's capabilities: any ReCap ability `namespace/name` on any RFC
//! 3986 URI (`allow "crud/read" on "https://api.example.com/items"`), and the recap they
//! merge into as spruceid's `siwe-recap` 0.2 builds it.
//!
//! Rules and sources:
//! - an ability is ucan-capabilities-object 0.1 `is_valid_ability` ([`Ability::recap`]);
//! - a resource is an RFC 3986 URI, kept byte for byte (siwe-recap's `UriString` key);
//! - a Lit ability (`pkp-signing`) is an `unknown-ability` error whose help names the ReCap
//!   ability it stands for, since a plain relying party knows nothing of Lit's mapping;
//! - allows on one URI and ability merge as `Capabilities::with_action` does: every `where`
//!   object is appended, an allow without `where` adds nothing, and a list left empty is
//!   written `[{}]` (`NotaBeneCollection`'s serializer).

use super::Capability;
use crate::diag::{Code, Diagnostic, Diagnostics, Span};
use crate::syntax::ast;
use crate::wire::lit::{Ability, Resource};
use crate::wire::recap::Recap;

pub(super) fn build_capability(
    c: ast::Capability,
    span: Span,
    diags: &mut Diagnostics,
) -> Option<Capability> {
    let ability = Ability::recap(&c.ability.value);
    if ability.is_none() {
        diags.push(unknown_ability(&c.ability));
    }
    let resource = match Resource::uri(&c.resource.value) {
        Ok(r) => Some(r),
        Err(why) => {
            diags.push(
                Diagnostic::new(
                    Code::InvalidResource,
                    format!("`{}` is not a URI: {why}", c.resource.value),
                )
                .at(c.resource.span, "not an RFC 3986 URI")
                .help("an ERC-5573 resource is any absolute URI, e.g. `\"https://api.example.com/items\"` or `\"urn:example:thing\"`"),
            );
            None
        }
    };
    Some(Capability::new(resource?, ability?, c, span))
}

fn unknown_ability(a: &ast::Spanned<String>) -> Diagnostic {
    let help = match Ability::parse_in(&a.value, &Ability::UNION) {
        Some(lit) => format!(
            "`{lit}` is a Lit ability; an ERC-5573 policy names the ReCap ability itself, here `\"{}\"` (or drop `network \"erc5573\"` to write for Lit)",
            lit.recap_ability()
        ),
        None => "an ERC-5573 ability is `namespace/name`, each part letters, digits or `-_.+*`, e.g. `\"crud/read\"`".to_string(),
    };
    Diagnostic::new(
        Code::UnknownAbility,
        format!("`{}` is not an ERC-5573 ability", a.value),
    )
    .at(a.span, "not `namespace/name`")
    .help(help)
}

/// The recap of a grant's allows, merged as siwe-recap 0.2 merges them.
pub(super) fn merged_recap(allows: &[Capability]) -> Recap {
    let mut recap = Recap::new();
    for a in allows {
        recap.append_restriction(
            &a.resource.key(),
            a.ability.as_str(),
            a.data.as_deref().cloned(),
        );
    }
    recap.fill_empty_restrictions();
    recap
}

/// The help for an ERC-5573 ability in a Lit policy.
pub(super) fn help_in_lit_policy(written: &str) -> Option<String> {
    Ability::recap(written).map(|_| {
        format!("`{written}` is an ERC-5573 ability: Lit policies name Lit abilities such as `pkp-signing`; for a plain SIWE ReCap relying party add `network \"erc5573\"` at the top of the file")
    })
}
