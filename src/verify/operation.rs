//! Operations: what a Lit node is asked to do with a session (`litcap verify --request
//! "<ability> on <resource>"`), and the two rules that judge an operation against a session
//! signature, as the node source has them.
//!
//! Read in the Naga node (LIT-Protocol/lit-peer `1a469b7`, `rust/lit-node/lit-node/src/`) and
//! in the Datil node (LIT-Protocol/Node `c3d3905`, v1.0.18, `rust/lit-node/src/`); the points
//! below are identical in both:
//!
//! - `auth/session_sigs.rs` `validate_session_sig_resource_ability_requests`: the operation's
//!   resource must match a `resourceAbilityRequests` entry, prefix equal and id `*` or equal
//!   (plain string comparisons); the entry's `ability` is never read. Otherwise
//!   `NodeResourceIdNotFound`. This runs before the time and node-address checks.
//! - then `validate_capabilities_array`: a capability must cover the operation's own resource
//!   and ability ([`crate::coverage`]), wrapped as `NodeResourceIdNotFound`.
//! - the PKP id of a signing operation is not what the client writes: `endpoints/pkp.rs` builds
//!   `PKPNFTResource::new(pubkey_to_token_id(pubkey))`, and `utils/web.rs` `pubkey_to_token_id`
//!   is `bytes_to_hex(keccak256(hex_to_bytes(pubkey)))` of the 65-byte public key: 64 lowercase
//!   hex digits without `0x`. So a session entry `lit-pkp://0xABC…` (with `0x`, or upper case)
//!   never matches a signing operation.

use super::request_error::RequestError;
use crate::coverage::{self, Request};
use crate::lit::{Ability, Resource, ResourcePrefix};
use crate::recap::Recap;

/// One operation, its resource id as the node derives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    pub ability: Ability,
    pub resource: Resource,
    /// As the user wrote it (`--request`).
    pub written: String,
}

impl Operation {
    /// Parses `"<ability> on <resource>"`. A PKP may be named by its token id (hex, with or
    /// without `0x`, any case, leading zeros optional) or by its 65-byte public key (`04…`,
    /// 130 hex digits), from which the token id is derived as the node does.
    pub fn parse(text: &str) -> Result<Operation, RequestError> {
        Operation::parse_in(text, &crate::profile::DATIL)
    }

    /// [`Operation::parse`] in a profile's vocabulary (`verify --network`): an ability or
    /// prefix the profile's nodes do not know is refused, and a Datil capacity-credit one on
    /// Naga names payment delegation instead (lit-peer `auth/resources.rs` parses only
    /// `lit-accesscontrolcondition`, `lit-pkp`, `lit-litaction` and `lit-paymentdelegation`).
    pub fn parse_in(
        text: &str,
        profile: &crate::profile::Profile,
    ) -> Result<Operation, RequestError> {
        let (ability, resource) =
            text.split_once(" on ")
                .ok_or_else(|| RequestError::NotAQuestion {
                    text: text.to_string(),
                    example: "lit-pkp://<token id>",
                })?;
        let ability_text = ability.trim();
        let elsewhere = |what: String| {
            RequestError::OtherNetwork {
            what,
            network: profile.name,
            replacement: match profile.delegation.as_ref().map(|d| d.kind) {
                None => "",
                Some(crate::profile::DelegationKind::Payment) => {
                    "; Naga has no capacity credits: a payment delegation (`lit-payment-delegation` on `lit-paymentdelegation://*`) pays instead"
                }
                Some(crate::profile::DelegationKind::CapacityCredits) => {
                    "; it is Naga's: pass `--network naga`"
                }
            },
        }
        };
        let ability = Ability::parse_in(ability_text, profile.abilities).ok_or_else(|| {
            if Ability::parse_in(ability_text, &Ability::UNION).is_some() {
                return elsewhere(format!("ability `{ability_text}`"));
            }
            RequestError::UnknownAbility {
                ability: ability_text.to_string(),
                suggestion: crate::suggest::closest(
                    ability_text,
                    profile.abilities.iter().map(|a| a.as_str()),
                ),
            }
        })?;
        let key = resource.trim().trim_matches('"');
        let (prefix_text, id) =
            key.split_once("://")
                .ok_or_else(|| RequestError::NotAResource {
                    key: key.to_string(),
                })?;
        let prefix = ResourcePrefix::parse_in(prefix_text, profile.prefixes).ok_or_else(|| {
            let every = [ResourcePrefix::ALL, ResourcePrefix::NAGA].concat();
            if ResourcePrefix::parse_in(prefix_text, &every).is_some() {
                return elsewhere(format!("resource prefix `{prefix_text}`"));
            }
            RequestError::UnknownPrefixIn {
                prefix: prefix_text.to_string(),
                known: profile.prefixes,
            }
        })?;
        if !prefix.supports(ability) {
            return Err(RequestError::NeverPerformed { ability, prefix });
        }
        if id == "*" {
            return Err(RequestError::WildcardOperation {
                key: key.to_string(),
            });
        }
        let id = match prefix {
            ResourcePrefix::Pkp => node_pkp_id(id)?,
            _ if id.is_empty() => {
                return Err(RequestError::NoId {
                    key: key.to_string(),
                })
            }
            _ => id.to_string(),
        };
        Ok(Operation {
            ability,
            resource: Resource { prefix, id },
            written: text.trim().to_string(),
        })
    }

    pub fn request(&self) -> Request {
        Request {
            resource: self.resource.clone(),
            ability: self.ability,
        }
    }

    /// `` `pkp-signing` on `lit-pkp://…` `` for messages.
    pub fn describe(&self) -> String {
        format!("`{}` on `{}`", self.ability, self.resource.key())
    }
}

/// The PKP resource id a node derives for a signing operation: 64 lowercase hex digits, no
/// `0x`. From a token id (left-padded as the uint256 it is) or a 65-byte public key
/// (`pubkey_to_token_id`: keccak256 of the key bytes; `hex_to_bytes` strips `0x` and
/// left-pads odd-length hex).
pub fn node_pkp_id(written: &str) -> Result<String, RequestError> {
    let hex_part = written.strip_prefix("0x").unwrap_or(written);
    if hex_part.is_empty() || !hex_part.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(RequestError::PkpIdNotHex {
            written: written.to_string(),
        });
    }
    let padded = if hex_part.len() % 2 == 1 {
        format!("0{hex_part}")
    } else {
        hex_part.to_string()
    };
    if padded.len() == 130 {
        let bytes = hex::decode(&padded).map_err(|_| RequestError::PkpIdNotHex {
            written: written.to_string(),
        })?;
        return Ok(hex::encode(crate::eth::keccak256(&bytes)));
    }
    if hex_part.len() > 64 {
        return Err(RequestError::PkpIdTooLong {
            written: written.to_string(),
            digits: hex_part.len(),
        });
    }
    Ok(format!("{:0>64}", hex_part.to_ascii_lowercase()))
}

/// `validate_session_sig_resource_ability_requests` for one entry: prefix equal, id `*` or
/// equal, as strings; the entry's ability is not read.
pub fn entry_admits(entry_prefix: &str, entry_id: &str, op: &Resource) -> bool {
    entry_prefix == op.prefix.as_str() && (entry_id == "*" || entry_id == op.id)
}

/// What a session's capabilities grant for `ability` on every resource of `prefix`, as the
/// node's coverage rule applies it id by id (a `<prefix>://*` key in a recap decides for every
/// id; without one, each `<prefix>://<id>` key decides for its id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WildcardCoverage {
    /// Every id.
    All,
    /// These ids only (sorted, distinct); an operation on any other id is refused.
    Some(Vec<String>),
    /// No id.
    None,
}

/// [`WildcardCoverage`] over the recaps of the capabilities that are valid for the session.
pub fn wildcard_coverage(
    recaps: &[&Recap],
    prefix: ResourcePrefix,
    ability: Ability,
) -> WildcardCoverage {
    let mut ids: Vec<String> = Vec::new();
    for recap in recaps {
        if coverage::check(recap, &Resource::wildcard(prefix), ability).is_covered() {
            return WildcardCoverage::All;
        }
        for (key, _) in coverage::grants(recap) {
            let Some(id) = key
                .strip_prefix(prefix.as_str())
                .and_then(|rest| rest.strip_prefix("://"))
            else {
                continue;
            };
            let resource = Resource {
                prefix,
                id: id.to_string(),
            };
            if id != "*" && coverage::check(recap, &resource, ability).is_covered() {
                ids.push(id.to_string());
            }
        }
    }
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        WildcardCoverage::None
    } else {
        WildcardCoverage::Some(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "b03a728fc095d13a226bda09f1ead60c4cb356c0d82a2d0177184fd66d74c75f";

    #[test]
    fn operations_parse_in_the_profiles_vocabulary() {
        use crate::profile::{DATIL, NAGA};
        let rli = "rate-limit-increase-auth on lit-ratelimitincrease://1";
        assert!(Operation::parse_in(rli, &DATIL).is_ok());
        let e = Operation::parse_in(rli, &NAGA).unwrap_err().to_string();
        assert!(e.contains("not known to the naga nodes"), "{e}");
        assert!(e.contains("payment delegation"), "{e}");
        // The prefix alone, with an ability Naga knows.
        let e = Operation::parse_in("pkp-signing on lit-ratelimitincrease://1", &NAGA)
            .unwrap_err()
            .to_string();
        assert!(e.contains("resource prefix `lit-ratelimitincrease`"), "{e}");
        // Naga's own, refused on Datil with the flag that takes it.
        let pay = "lit-payment-delegation on lit-paymentdelegation://ab";
        assert!(Operation::parse_in(pay, &NAGA).is_ok());
        let e = Operation::parse_in(pay, &DATIL).unwrap_err().to_string();
        assert!(e.contains("--network naga"), "{e}");
        // What both know parses the same.
        let pkp = format!("pkp-signing on lit-pkp://{ID}");
        assert_eq!(Operation::parse_in(&pkp, &NAGA), Operation::parse(&pkp));
        // Typos still get a suggestion from the profile's words.
        let e = Operation::parse_in("pkp-signin on lit-pkp://1", &NAGA)
            .unwrap_err()
            .to_string();
        assert!(e.contains("did you mean `pkp-signing`"), "{e}");
    }

    #[test]
    fn operations_parse_with_the_nodes_pkp_ids() {
        let op =
            Operation::parse(&format!("pkp-signing on lit-pkp://0x{}", ID.to_uppercase())).unwrap();
        assert_eq!(op.resource.id, ID);
        assert_eq!(op.ability, Ability::PkpSigning);
        // Leading zeros of a token id are the node's too.
        let op = Operation::parse("pkp-signing on \"lit-pkp://0xABC\"").unwrap();
        assert_eq!(op.resource.id, format!("{:0>64}", "abc"));
        // A public key is turned into its token id: keccak256 of all 65 bytes, `04` included
        // (not the Ethereum address rule, which drops the `04`).
        let pubkey = "048318535b54105d4a7aae60c08fc45f9687181b4fdfc625bd1a753fa7397fed753547f11ca8696646f2f3acb08e31016afac23e630c5d11f59f61fef57b0d2aa5";
        let want = hex::encode(crate::eth::keccak256(&hex::decode(pubkey).unwrap()));
        for written in [format!("0x{pubkey}"), pubkey.to_uppercase()] {
            let op = Operation::parse(&format!("pkp-signing on lit-pkp://{written}")).unwrap();
            assert_eq!(op.resource.id, want);
        }
        // Other resources are taken as written.
        let op = Operation::parse("lit-action-execution on lit-litaction://QmAbc").unwrap();
        assert_eq!(op.resource.id, "QmAbc");
        for bad in [
            "pkp-signing lit-pkp://1",
            "pkp-signin on lit-pkp://1",
            "pkp-signing on lit-pkp://*",
            "pkp-signing on lit-pkp://0xZZ",
            "pkp-signing on lit-litaction://Qm",
            "pkp-signing on nope://1",
            &format!("pkp-signing on lit-pkp://{ID}00"),
        ] {
            assert!(Operation::parse(bad).is_err(), "{bad}");
        }
        assert!(Operation::parse("pkp-signin on lit-pkp://1")
            .unwrap_err()
            .to_string()
            .contains("did you mean `pkp-signing`"));
    }

    #[test]
    fn entries_admit_by_prefix_and_id_only() {
        let op = Operation::parse(&format!("pkp-signing on lit-pkp://{ID}")).unwrap();
        assert!(entry_admits("lit-pkp", "*", &op.resource));
        assert!(entry_admits("lit-pkp", ID, &op.resource));
        assert!(!entry_admits("lit-pkp", &format!("0x{ID}"), &op.resource));
        assert!(!entry_admits("lit-pkp", &ID.to_uppercase(), &op.resource));
        assert!(!entry_admits("lit-litaction", "*", &op.resource));
    }

    #[test]
    fn wildcard_coverage_follows_the_key_rule() {
        let mut specific = Recap::new();
        specific
            .add_capability(
                &Resource::new(ResourcePrefix::Pkp, ID).unwrap(),
                Ability::PkpSigning,
                None,
            )
            .unwrap();
        assert_eq!(
            wildcard_coverage(&[&specific], ResourcePrefix::Pkp, Ability::PkpSigning),
            WildcardCoverage::Some(vec![ID.to_string()])
        );
        assert_eq!(
            wildcard_coverage(
                &[&specific],
                ResourcePrefix::LitAction,
                Ability::LitActionExecution
            ),
            WildcardCoverage::None
        );
        let mut wild = Recap::new();
        wild.add_capability(
            &Resource::wildcard(ResourcePrefix::Pkp),
            Ability::PkpSigning,
            None,
        )
        .unwrap();
        assert_eq!(
            wildcard_coverage(
                &[&specific, &wild],
                ResourcePrefix::Pkp,
                Ability::PkpSigning
            ),
            WildcardCoverage::All
        );
        // A wildcard key granting another ability shadows the specific key: no id is covered.
        let mut shadowed = specific.clone();
        shadowed
            .add_attenuation("lit-pkp://*", "Threshold", "Decryption", Default::default())
            .unwrap();
        assert_eq!(
            wildcard_coverage(&[&shadowed], ResourcePrefix::Pkp, Ability::PkpSigning),
            WildcardCoverage::None
        );
    }
}
