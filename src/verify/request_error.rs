//! Why a written request (`explain "<ability> on <resource>"`, `verify --request`) or a
//! request in a SessionSigs payload is not one litcap can judge: the typed errors of
//! [`explain::parse_question`](super::explain::parse_question),
//! [`Operation::parse`](super::operation::Operation::parse),
//! [`node_pkp_id`](super::operation::node_pkp_id) and the node emulation's reading of a
//! payload request.
//!
//! Messages are lowercase and name the input in backticks; the command line prints them as
//! usage errors (`explain`, `--request`) or in a note (`verify`), so changing one changes
//! output (golden tests).

use crate::diag::Code;
use crate::wire::lit::{Ability, ResourceError, ResourcePrefix};
use std::fmt;

/// Why a request cannot be read or judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestError {
    /// Not `<ability> on <resource>`; `example` is a resource in the form the command takes.
    NotAQuestion {
        text: String,
        example: &'static str,
    },
    UnknownAbility {
        ability: String,
        suggestion: Option<&'static str>,
    },
    /// A resource key the policy language rejects (`explain`), with its help.
    InvalidResource(ResourceError),
    /// Not `<prefix>://<id>` (`--request`).
    NotAResource {
        key: String,
    },
    /// A prefix no node knows (`--request`).
    UnknownPrefix {
        prefix: String,
    },
    /// A prefix the profile's nodes do not know (`verify --network`), listing those they do.
    UnknownPrefixIn {
        prefix: String,
        known: &'static [ResourcePrefix],
    },
    /// An ability or prefix of another network's nodes (`what` names it), with the
    /// replacement on this network, if any.
    OtherNetwork {
        what: String,
        network: &'static str,
        replacement: &'static str,
    },
    /// An ERC-5573 question whose ability is not `namespace/name`.
    NotARecapAbility {
        ability: String,
    },
    /// An ERC-5573 question whose resource is not a URI.
    NotAUri {
        resource: String,
        why: String,
    },
    /// The ability is not used on the resource type (`--request`): no node performs it.
    NeverPerformed {
        ability: Ability,
        prefix: ResourcePrefix,
    },
    /// An operation names one resource, never `*`.
    WildcardOperation {
        key: String,
    },
    NoId {
        key: String,
    },
    /// A PKP named neither by a token id nor by a public key.
    PkpIdNotHex {
        written: String,
    },
    PkpIdTooLong {
        written: String,
        digits: usize,
    },
    /// A payload request whose prefix the profile's nodes do not know.
    NodeUnknownPrefix {
        prefix: String,
    },
    /// A payload request whose ability the profile's nodes do not know.
    NodeUnknownAbility {
        ability: String,
    },
    /// A payload request whose ability is not used on its resource type.
    Unsupported {
        ability: Ability,
        prefix: ResourcePrefix,
    },
}

impl RequestError {
    /// The diagnostic code of the same problem in a policy.
    pub fn code(&self) -> Code {
        match self {
            RequestError::NotAQuestion { .. } => Code::Syntax,
            RequestError::UnknownAbility { .. }
            | RequestError::NodeUnknownAbility { .. }
            | RequestError::NotARecapAbility { .. } => Code::UnknownAbility,
            RequestError::UnknownPrefix { .. }
            | RequestError::UnknownPrefixIn { .. }
            | RequestError::NodeUnknownPrefix { .. }
            | RequestError::OtherNetwork { .. } => Code::UnknownResourcePrefix,
            RequestError::NeverPerformed { .. } | RequestError::Unsupported { .. } => {
                Code::AbilityResourceMismatch
            }
            RequestError::InvalidResource(_)
            | RequestError::NotAResource { .. }
            | RequestError::NotAUri { .. }
            | RequestError::WildcardOperation { .. }
            | RequestError::NoId { .. }
            | RequestError::PkpIdNotHex { .. }
            | RequestError::PkpIdTooLong { .. } => Code::InvalidResource,
        }
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::NotAQuestion { text, example } => write!(
                f,
                "`{text}` is not `<ability> on <resource>`, e.g. `pkp-signing on {example}`"
            ),
            RequestError::UnknownAbility {
                ability,
                suggestion: Some(s),
            } => write!(f, "unknown ability `{ability}`; did you mean `{s}`?"),
            RequestError::UnknownAbility {
                ability,
                suggestion: None,
            } => write!(f, "unknown ability `{ability}`"),
            RequestError::InvalidResource(e) => match e.help() {
                Some(h) => write!(f, "{e}; {h}"),
                None => write!(f, "{e}"),
            },
            RequestError::NotAResource { key } => {
                write!(f, "`{key}` is not a resource `<prefix>://<id>`")
            }
            RequestError::UnknownPrefix { prefix } => write!(
                f,
                "unknown resource prefix `{prefix}`; the nodes know {}",
                ResourcePrefix::ALL.map(|p| format!("`{p}`")).join(", ")
            ),
            RequestError::UnknownPrefixIn { prefix, known } => write!(
                f,
                "unknown resource prefix `{prefix}`; the nodes know {}",
                known
                    .iter()
                    .map(|p| format!("`{p}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            RequestError::OtherNetwork {
                what,
                network,
                replacement,
            } => write!(f, "{what} is not known to the {network} nodes{replacement}"),
            RequestError::NotARecapAbility { ability } => {
                write!(f, "`{ability}` is not an ERC-5573 ability `namespace/name`")
            }
            RequestError::NotAUri { resource, why } => {
                write!(f, "`{resource}` is not a URI: {why}")
            }
            RequestError::NeverPerformed { ability, prefix } => write!(
                f,
                "`{ability}` cannot be used on `{prefix}` resources, so no node performs it"
            ),
            RequestError::WildcardOperation { key } => write!(
                f,
                "`{key}`: an operation is on one resource; name its id (`*` is for session requests)"
            ),
            RequestError::NoId { key } => write!(f, "`{key}` has no id"),
            RequestError::PkpIdNotHex { written } => write!(
                f,
                "PKP id `{written}` is not hex: name the PKP by its token id (hex) or its public key (`0x04…`, 130 hex digits)"
            ),
            RequestError::PkpIdTooLong { written, digits } => write!(
                f,
                "PKP id `{written}` has {digits} hex digits: a token id has at most 64, a public key 130"
            ),
            RequestError::NodeUnknownPrefix { prefix } => {
                write!(f, "the resource prefix `{prefix}` is not one the nodes know")
            }
            RequestError::NodeUnknownAbility { ability } => {
                write!(f, "the ability `{ability}` is not one the nodes know")
            }
            RequestError::Unsupported { ability, prefix } => {
                write!(f, "`{ability}` cannot be used on `{prefix}` resources")
            }
        }
    }
}

impl std::error::Error for RequestError {}

/// The ability written in a request, with a did-you-mean.
pub(crate) fn parse_ability(written: &str) -> Result<Ability, RequestError> {
    Ability::parse(written).ok_or_else(|| RequestError::UnknownAbility {
        ability: written.to_string(),
        suggestion: crate::suggest::closest(written, Ability::ALL.map(|a| a.as_str())),
    })
}
