//! One `allow` or `request` line → a checked [`Capability`]: the ability known, the resource
//! parsed and normalised as the SDK does (`lit-pkp://` ids as hex), the ability valid for the
//! resource type, `where` data the ReCap can carry; misspellings get a did-you-mean.

use super::Capability;
use crate::diag::{Code, Diagnostic, Diagnostics, Span};
use crate::lit::{Ability, Resource, ResourceError, ResourcePrefix};

use crate::syntax::ast::{self, Spanned};

pub(super) fn build_capability(
    c: &ast::Capability,
    span: Span,
    verb: &str,
    diags: &mut Diagnostics,
) -> Option<Capability> {
    let ability = match Ability::parse(&c.ability.value) {
        Some(a) => Some(a),
        None => {
            diags.push(unknown_ability(&c.ability));
            None
        }
    };
    let resource = match Resource::parse_key(&c.resource.value) {
        Ok(r) => Some(r),
        Err(e) => {
            diags.push(resource_error(&e, c.resource.span));
            None
        }
    };
    let (ability, resource) = (ability?, resource?);
    if !resource.prefix.supports(ability) {
        let fitting: Vec<String> = resource
            .prefix
            .abilities()
            .map(|a| format!("`{a}`"))
            .collect();
        diags.push(
            Diagnostic::new(
                Code::AbilityResourceMismatch,
                format!(
                    "`{ability}` cannot be used on `{}` resources",
                    resource.prefix
                ),
            )
            .at(c.ability.span, "not valid for this resource")
            .related(c.resource.span, "resource type")
            .help(format!(
                "`{ability}` applies to `{}://` resources; on `{}://` use {}",
                ability.resource_prefix(),
                resource.prefix,
                fitting.join(" or ")
            )),
        );
        return None;
    }
    if resource.prefix == ResourcePrefix::Pkp {
        let written_id = c
            .resource
            .value
            .split_once("://")
            .map(|(_, id)| id)
            .unwrap_or("");
        if let Some(d) = non_hex_pkp_id(written_id, c.resource.span) {
            diags.push(d);
            return None;
        }
        if Resource::looks_decimal(written_id) && written_id.len() > 1 {
            let hex = crate::lit::decimal_to_hex(written_id).unwrap_or_default();
            diags.push(
                Diagnostic::new(
                    Code::DecimalPkpId,
                    format!("PKP id `{written_id}` looks decimal, but the SDK reads PKP ids as hex"),
                )
                .at(c.resource.span, format!("read as `0x{}`", resource.id.trim_start_matches('0')))
                .help(format!(
                    "if `{written_id}` is the decimal token id, write `lit-pkp://0x{hex}`; if it is already hex, write it with `0x` to make that explicit"
                )),
            );
        }
    }
    let _ = verb;
    Some(Capability {
        resource,
        ability,
        data: c.data.as_ref().map(|d| d.value.clone()),
        span,
        ability_span: c.ability.span,
        resource_span: c.resource.span,
        data_span: c.data.as_ref().map(|d| d.span),
        written_resource: c.resource.value.clone(),
    })
}

/// A PKP id that is not `*` or hex digits (with an optional `0x`): the nodes would never
/// match it to a PKP.
fn non_hex_pkp_id(written_id: &str, span: Span) -> Option<Diagnostic> {
    if written_id == "*" {
        return None;
    }
    let trimmed = written_id.trim();
    if trimmed != written_id || written_id.chars().any(char::is_whitespace) {
        let fixed: String = written_id.chars().filter(|c| !c.is_whitespace()).collect();
        return Some(
            Diagnostic::new(
                Code::InvalidResource,
                format!("PKP id `{written_id}` contains a blank"),
            )
            .at(span, "blank in the id")
            .help(format!("write the id without blanks: `lit-pkp://{fixed}`")),
        );
    }
    let digits = written_id.strip_prefix("0x").unwrap_or(written_id);
    let bad = digits.chars().find(|c| !c.is_ascii_hexdigit())?;
    Some(
        Diagnostic::new(
            Code::InvalidResource,
            format!("PKP id `{written_id}` is not hex: `{bad}` is not a hex digit"),
        )
        .at(span, "not a hex id")
        .help("a PKP id is the PKP's token id in hex, e.g. `lit-pkp://0xb03a728f...`; a decimal token id converts with `printf '%x' <id>`"),
    )
}

fn unknown_ability(a: &Spanned<String>) -> Diagnostic {
    let names = Ability::ALL.map(|a| a.as_str());
    let help = if let Some(s) = crate::suggest::closest(&a.value, names) {
        format!("did you mean `{s}`?")
    } else if let Some(lit) = Ability::ALL.iter().find(|x| x.recap_ability() == a.value) {
        format!(
            "`{}` is a ReCap ability; policies name the Lit ability, e.g. `{lit}`",
            a.value
        )
    } else {
        format!(
            "the Lit SDK v7 abilities are {}",
            names.map(|n| format!("`{n}`")).join(", ")
        )
    };
    Diagnostic::new(
        Code::UnknownAbility,
        format!("unknown ability `{}`", a.value),
    )
    .at(a.span, "unknown ability")
    .help(help)
}

fn resource_error(e: &ResourceError, span: Span) -> Diagnostic {
    let code = match e {
        ResourceError::UnknownPrefix { .. } => Code::UnknownResourcePrefix,
        _ => Code::InvalidResource,
    };
    Diagnostic::new(code, e.to_string())
        .at(span, "invalid resource")
        .help_opt(e.help())
}
