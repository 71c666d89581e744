//! A Lit `allow` or `request` line → a checked [`Capability`]: the profile's vocabulary
//! (Lit abilities on Lit resources, or, for ERC-5573, [`super::erc5573`]), resources
//! normalised as the SDK does, the ability valid for the resource type, PKP ids hex; and the
//! helps that name the fix, including another profile's vocabulary (Naga-only words in a
//! Datil policy, a URI in a Lit policy).

use super::erc5573;
use super::offsets::{narrow, Offsets};
use crate::diag::{Code, Diagnostic, Diagnostics, Span};
use crate::lit::{Ability, Resource, ResourceError, ResourcePrefix};
use crate::profile::{Profile, Vocabulary};
use crate::recap::NotaBene;
use crate::siwe::CapabilityRequest;
use crate::syntax::ast::{self, Spanned};
use std::borrow::Cow;

/// A checked `allow` or `request`.
///
/// Kept small, since a large policy holds hundreds of thousands (issue #13: 256 → 120 bytes
/// plus the id): the four spans as 32-bit offsets in one file (a policy file is at most
/// `MAX_FILE_BYTES`, 16 MiB), the `where` data boxed (most lines have none), and the resource
/// as written only when it is not the key or the key with `0x` before a PKP id.
#[derive(Clone, Debug, PartialEq)]
pub struct Capability {
    pub resource: Resource,
    pub ability: Ability,
    pub data: Option<Box<NotaBene>>,
    /// The resource as written when [`Capability::written_resource`] cannot rebuild it.
    written: Option<Box<str>>,
    file: u32,
    statement: Offsets,
    ability_at: Offsets,
    resource_at: Offsets,
    /// [`Offsets::NONE`] without `where` data.
    data_at: Offsets,
    /// How the resource was written, when `written` is `None`.
    written_as: WrittenAs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WrittenAs {
    /// Exactly the resource key (`lit-litaction://Qm...`, a URI).
    Key,
    /// The key with `0x` before the id (`lit-pkp://0x<64 hex digits>`).
    HexKey,
    /// Neither: kept in `written`.
    Other,
}

impl Capability {
    /// A capability of the line `c` (its statement at `span`), taking its `where` data and,
    /// when it must be kept, its resource as written (moved, not copied).
    pub(super) fn new(
        resource: Resource,
        ability: Ability,
        c: ast::Capability,
        span: Span,
    ) -> Capability {
        let written = c.resource.value.as_str();
        let written_as = if resource.has_key(written) {
            WrittenAs::Key
        } else if resource.prefix != ResourcePrefix::Uri
            && written
                .strip_prefix(resource.prefix.as_str())
                .and_then(|rest| rest.strip_prefix("://0x"))
                == Some(resource.id.as_str())
        {
            WrittenAs::HexKey
        } else {
            WrittenAs::Other
        };
        let data_at = Offsets::of_opt(c.data.as_ref().map(|d| d.span));
        Capability {
            resource,
            ability,
            data: c.data.map(|d| Box::new(d.value)),
            written: (written_as == WrittenAs::Other).then(|| c.resource.value.into_boxed_str()),
            file: narrow(span.file),
            statement: Offsets::of(span),
            ability_at: Offsets::of(c.ability.span),
            resource_at: Offsets::of(c.resource.span),
            data_at,
            written_as,
        }
    }

    /// The whole statement.
    pub fn span(&self) -> Span {
        self.statement.span(self.file)
    }

    pub fn ability_span(&self) -> Span {
        self.ability_at.span(self.file)
    }

    pub fn resource_span(&self) -> Span {
        self.resource_at.span(self.file)
    }

    /// The `where` data's span, if any.
    pub fn data_span(&self) -> Option<Span> {
        self.data_at.span_opt(self.file)
    }

    /// The resource as written, before normalisation (e.g. `lit-pkp://123`).
    pub fn written_resource(&self) -> Cow<'_, str> {
        match (&self.written, self.written_as) {
            (Some(w), _) => Cow::Borrowed(w),
            (None, WrittenAs::HexKey) => Cow::Owned(format!(
                "{}://0x{}",
                self.resource.prefix.as_str(),
                self.resource.id
            )),
            (None, _) => Cow::Owned(self.resource.key()),
        }
    }

    pub fn to_request(&self) -> CapabilityRequest {
        CapabilityRequest {
            resource: self.resource.clone(),
            ability: self.ability,
            data: self.data.as_deref().cloned(),
        }
    }

    /// `<ability> on <resource key>` for messages.
    pub fn describe(&self) -> String {
        format!("{} on {}", self.ability, self.resource)
    }
}

pub(super) fn build_capability(
    profile: &Profile,
    c: ast::Capability,
    span: Span,
    diags: &mut Diagnostics,
) -> Option<Capability> {
    if profile.vocabulary == Vocabulary::Open {
        return erc5573::build_capability(c, span, diags);
    }
    let ability = match Ability::parse(&c.ability.value) {
        Some(a) => Some(a),
        None => {
            diags.push(unknown_ability(&c.ability));
            None
        }
    };
    let resource = match parse_resource(&c.resource.value) {
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
        let written_id = split_key(&c.resource.value).map(|(_, id)| id).unwrap_or("");
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
    Some(Capability::new(resource, ability, c, span))
}

/// [`Resource::parse_key`], without its general path for the usual keys: a Lit prefix and an
/// id kept as written (any prefix but a PKP's), or a PKP id of 64 hex digits after an optional
/// `0x` (which `normalize_pkp_id` keeps as is). The same resource either way; the id is copied
/// once, straight from the text (issue #13: a large policy has hundreds of thousands).
fn parse_resource(key: &str) -> Result<Resource, ResourceError> {
    if let Some((written_prefix, id)) = split_key(key) {
        let usual =
            ResourcePrefix::parse_in(written_prefix, &ResourcePrefix::ALL).and_then(|prefix| {
                match prefix {
                    ResourcePrefix::Pkp => {
                        let hex = id.strip_prefix("0x").unwrap_or(id);
                        (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
                            .then_some((prefix, hex))
                    }
                    _ => (!id.is_empty()).then_some((prefix, id)),
                }
            });
        if let Some((prefix, id)) = usual {
            return Ok(Resource {
                prefix,
                id: id.to_string(),
            });
        }
    }
    Resource::parse_key(key)
}

/// `key.split_once("://")`, by looking at each `:` (a substring search costs more than the
/// short keys it splits).
fn split_key(key: &str) -> Option<(&str, &str)> {
    let bytes = key.as_bytes();
    let mut from = 0;
    while let Some(at) = bytes[from..].iter().position(|&b| b == b':') {
        let colon = from + at;
        if bytes[colon + 1..].starts_with(b"//") {
            return Some((&key[..colon], &key[colon + 3..]));
        }
        from = colon + 1;
    }
    None
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
    let help = if Ability::parse_in(&a.value, &Ability::NAGA).is_some() {
        naga_only_help(&a.value)
    } else if let Some(s) = crate::suggest::closest(&a.value, names) {
        format!("did you mean `{s}`?")
    } else if let Some(h) = erc5573::help_in_lit_policy(&a.value)
        .filter(|_| !Ability::ALL.iter().any(|x| x.recap_ability() == a.value))
    {
        h
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
    let help = match e {
        ResourceError::UnknownPrefix { prefix, .. }
            if ResourcePrefix::parse_in(prefix, &ResourcePrefix::NAGA).is_some() =>
        {
            Some(naga_only_help(prefix))
        }
        // Any other scheme (`https://…`): a resource of a plain ERC-5573 relying party.
        ResourceError::UnknownPrefix {
            suggestion: None, ..
        } => e.help().map(|h| {
            format!("{h}; a resource of a plain SIWE ReCap relying party needs `network \"erc5573\"` at the top of the file")
        }),
        _ => e.help(),
    };
    Diagnostic::new(code, e.to_string())
        .at(span, "invalid resource")
        .help_opt(help)
}

/// The help for SDK v8 (Naga) vocabulary in a Datil policy: the reverse of the Naga profile's
/// Datil-only errors (`compile_naga::vocabulary_diagnostics`).
fn naga_only_help(what: &str) -> String {
    format!("`{what}` is SDK v8 (Naga) only; on Datil a payer delegates capacity credits (`rate-limit-increase-auth` on `lit-ratelimitincrease://<token id>`). Payment delegations are signed with `litcap delegate --network naga`, not granted in a policy")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shortcut of `parse_resource` gives what `Resource::parse_key` gives, result or
    /// error, on the usual keys and on those it must leave to it.
    #[test]
    fn parse_resource_agrees_with_parse_key() {
        let hex64 = "0123456789abcdefABCDEF0123456789abcdef0123456789abcdef0123456789";
        let keys = [
            format!("lit-pkp://0x{hex64}"),
            format!("lit-pkp://{hex64}"),
            format!("lit-pkp://0x0x{}", &hex64[4..]),
            format!("lit-pkp://0x{hex64}0"),
            format!("lit-pkp://{}", &hex64[1..]),
            format!("lit-pkp://0x{}g", &hex64[1..]),
            "lit-pkp://*".to_string(),
            "lit-pkp://0x".to_string(),
            "lit-pkp://".to_string(),
            "lit-pkp://123".to_string(),
            "lit-pkp://0x١٢".to_string(),
            "lit-litaction://QmX".to_string(),
            "lit-litaction://*".to_string(),
            "lit-litaction://".to_string(),
            "lit-accesscontrolcondition://abc".to_string(),
            "lit-ratelimitincrease://7".to_string(),
            "lit-paymentdelegation://7".to_string(),
            "lit-pkpx://1".to_string(),
            "LIT-PKP://1".to_string(),
            "https://example.com".to_string(),
            "no key".to_string(),
            String::new(),
        ];
        for key in &keys {
            assert_eq!(parse_resource(key), Resource::parse_key(key), "{key}");
        }
    }

    #[test]
    fn split_key_is_split_once() {
        for key in [
            "a://b", "://", "a:/b://c", "a:", ":", "a::://b", "a:b", "", "é://ü", "a:/", "x:///",
        ] {
            assert_eq!(split_key(key), key.split_once("://"), "{key}");
        }
    }
}
