//! The subset proof: is a requested (resource, ability) granted by a ReCap?
//!
//! One implementation, used by every command. The matching is the nodes'
//! (`lit-peer` `auth/capabilities/recap.rs`, `verify_capabilities_for_resource`), which on this
//! point is also the SDK's (`verifyCapabilitiesForResource`):
//!
//! 1. the key to look at is `<prefix>://*` if the recap has it, otherwise `<prefix>://<id>`;
//! 2. that key must grant `*/*` or exactly the ability's ReCap `namespace/name`;
//! 3. nota-bene data is not consulted.
//!
//! Rule 1 means a wildcard key *shadows* a specific key: `lit-pkp://*` granting only
//! `Threshold/Decryption` hides a `Threshold/Signing` grant on `lit-pkp://<id>`.
//!
//! The SDK and the nodes differ in which recaps they look at: the SDK decodes only the first
//! `urn:recap:` resource of the AuthSig, the nodes try every one and accept the first that
//! covers the request.
//!
//! Those are Lit's rules. The profile decides which apply ([`Rules`], a field of
//! [`crate::profile::Profile`]) and maps abilities to ReCap abilities: plain ERC-5573
//! (siwe-recap 0.2 `Capability::can_do`, ucan-capabilities-object 0.1 `Capabilities::can_do`)
//! looks up the exact URI and the exact `namespace/name`, with no wildcard key and no `*/*`,
//! in the last `urn:recap:` resource only (`Capability::extract`). The functions without a
//! profile ([`check`], [`check_any`], ...) are Lit's (the Datil profile), for the Lit-only
//! paths (signing, node emulation, `explain`, `init`).
//!
//! The matching reads a recap through [`Attenuations`] (the abilities on a key): a decoded or
//! merged [`Recap`], or a grant's compact form (`model::GrantRecap`, which keeps no maps), so
//! both get these rules from the one implementation below.

use crate::profile::Profile;
use crate::wire::lit::{Ability, Resource};
use crate::wire::recap::{self, Recap};

/// How a profile matches a request against a recap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rules {
    /// Lit: `<prefix>://*` is looked at before `<prefix>://<id>` (and shadows it).
    pub wildcard_key_first: bool,
    /// Lit: `*/*` grants every ability on its key.
    pub star_star_grants_all: bool,
    /// Which of an AuthSig's recaps the verifier reads.
    pub recaps: RecapsRead,
}

/// Which `urn:recap:` resources of an AuthSig count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecapsRead {
    /// The Lit nodes: every one; the first that covers a request wins.
    Every,
    /// siwe-recap 0.2 `Capability::extract`: the last resource only.
    Last,
}

/// The Lit nodes' rules.
pub const LIT_RULES: Rules = Rules {
    wildcard_key_first: true,
    star_star_grants_all: true,
    recaps: RecapsRead::Every,
};

/// siwe-recap 0.2's rules: exact URI, exact ability, the last recap.
pub const ERC5573_RULES: Rules = Rules {
    wildcard_key_first: false,
    star_star_grants_all: false,
    recaps: RecapsRead::Last,
};

/// What the matching reads of a recap: the abilities granted on a resource key.
pub trait Attenuations: Copy {
    type Abilities: AbilitiesOnKey;
    /// The abilities on `key` (`<prefix>://<id>`, or a URI), `None` when the recap lacks it.
    fn abilities_for(self, key: &str) -> Option<Self::Abilities>;
}

/// The abilities a recap grants on one key.
pub trait AbilitiesOnKey: Copy {
    /// Whether the ReCap ability `namespace/name` (or `*/*`) is granted, exactly.
    fn contains(self, recap_ability: &str) -> bool;
    /// Every ability granted, in the recap's order (UTF-16), once each.
    fn names(self) -> Vec<String>;
}

impl<'a> Attenuations for &'a Recap {
    type Abilities = &'a recap::Abilities;

    fn abilities_for(self, key: &str) -> Option<&'a recap::Abilities> {
        Recap::abilities_for(self, key)
    }
}

impl AbilitiesOnKey for &recap::Abilities {
    fn contains(self, recap_ability: &str) -> bool {
        self.contains_key(recap_ability)
    }

    fn names(self) -> Vec<String> {
        self.keys().map(|k| k.0.clone()).collect()
    }
}

/// A request as the nodes see it: a resource and the ability exercised on it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Request {
    pub resource: Resource,
    pub ability: Ability,
}

/// Why a request is not covered by one recap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Gap {
    /// The ability is not one the resource type supports (`isValidLitAbility`).
    AbilityNotValidForResource,
    /// Neither `<prefix>://*` nor `<prefix>://<id>` is granted anything.
    NoResourceKey,
    /// The key the nodes look at grants other abilities only.
    AbilityMissing { key: String, granted: Vec<String> },
    /// The wildcard key shadows the specific key, which would have granted the ability.
    Shadowed {
        wildcard_key: String,
        specific_key: String,
    },
}

/// The verdict for one request against one recap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Covered {
        /// The resource key that granted it (`<prefix>://*` or `<prefix>://<id>`).
        key: String,
        /// The ReCap ability that granted it (exact or `*/*`).
        recap_ability: String,
    },
    NotCovered(Gap),
}

impl Verdict {
    pub fn is_covered(&self) -> bool {
        matches!(self, Verdict::Covered { .. })
    }
}

/// Checks one request against one recap with the nodes' rules (the Datil profile).
pub fn check(recap: &Recap, resource: &Resource, ability: Ability) -> Verdict {
    check_in(&crate::profile::DATIL, recap, resource, ability)
}

/// Checks one request against one recap with the profile's rules and ability mapping.
pub fn check_in<R: Attenuations>(
    profile: &Profile,
    recap: R,
    resource: &Resource,
    ability: Ability,
) -> Verdict {
    if !resource.prefix.supports(ability) {
        return Verdict::NotCovered(Gap::AbilityNotValidForResource);
    }
    match_in(
        &profile.coverage,
        recap,
        resource,
        (profile.recap_ability)(ability),
    )
}

/// The same matching for a raw ReCap ability (`ns/name` or `*/*`), used to compare grants.
pub fn check_recap_ability(recap: &Recap, resource: &Resource, recap_ability: &str) -> Verdict {
    match_in(&LIT_RULES, recap, resource, recap_ability)
}

fn match_in<R: Attenuations>(
    rules: &Rules,
    recap: R,
    resource: &Resource,
    recap_ability: &str,
) -> Verdict {
    let wildcard_key = if rules.wildcard_key_first {
        resource.wildcard_key()
    } else {
        resource.key()
    };
    let specific_key = resource.key();
    let (key, abilities) = match recap.abilities_for(&wildcard_key) {
        Some(abs) => (wildcard_key.clone(), abs),
        None => match recap.abilities_for(&specific_key) {
            Some(abs) => (specific_key.clone(), abs),
            None => return Verdict::NotCovered(Gap::NoResourceKey),
        },
    };
    let star = if rules.star_star_grants_all {
        "*/*"
    } else {
        recap_ability
    };
    for candidate in [star, recap_ability] {
        if abilities.contains(candidate) {
            return Verdict::Covered {
                key,
                recap_ability: candidate.to_string(),
            };
        }
    }
    if key == wildcard_key && wildcard_key != specific_key {
        if let Some(specific) = recap.abilities_for(&specific_key) {
            if specific.contains("*/*") || specific.contains(recap_ability) {
                return Verdict::NotCovered(Gap::Shadowed {
                    wildcard_key,
                    specific_key,
                });
            }
        }
    }
    Verdict::NotCovered(Gap::AbilityMissing {
        key,
        granted: abilities.names(),
    })
}

/// The nodes' rule across an AuthSig's recaps: the first recap that covers the request wins.
/// On failure, returns the gap reported by the first recap (or `NoResourceKey` with none).
pub fn check_any(
    recaps: &[Recap],
    resource: &Resource,
    ability: Ability,
) -> (Verdict, Option<usize>) {
    check_any_in(&crate::profile::DATIL, recaps, resource, ability)
}

/// [`check_any`] with the profile's rules: every recap (Lit), or the last one only (ERC-5573).
pub fn check_any_in<R: std::borrow::Borrow<Recap>>(
    profile: &Profile,
    recaps: &[R],
    resource: &Resource,
    ability: Ability,
) -> (Verdict, Option<usize>) {
    let skip = match profile.coverage.recaps {
        RecapsRead::Every => 0,
        RecapsRead::Last => recaps.len().saturating_sub(1),
    };
    let mut first_gap = None;
    for (i, recap) in recaps.iter().enumerate().skip(skip) {
        match check_in(profile, recap.borrow(), resource, ability) {
            v @ Verdict::Covered { .. } => return (v, Some(i)),
            v => {
                if first_gap.is_none() {
                    first_gap = Some(v);
                }
            }
        }
    }
    (
        first_gap.unwrap_or(Verdict::NotCovered(Gap::NoResourceKey)),
        None,
    )
}

/// The SDK's client-side rule (`checkNeedToResignSessionKey`): only the first recap counts.
pub fn check_sdk(recaps: &[Recap], resource: &Resource, ability: Ability) -> Verdict {
    match recaps.first() {
        Some(r) => check(r, resource, ability),
        None => Verdict::NotCovered(Gap::NoResourceKey),
    }
}

/// Every (resource key, ReCap ability) a recap grants.
pub fn grants(recap: &Recap) -> Vec<(String, String)> {
    recap
        .attenuations()
        .flat_map(|(key, abs)| abs.keys().map(move |a| (key.to_string(), a.0.clone())))
        .collect()
}

/// Whether `outer` covers everything `inner` grants, with the nodes' matching. A grant of
/// `*/*` in `inner` needs `*/*` in `outer`; a wildcard key in `inner` needs the wildcard key.
pub fn recap_covers(outer: &Recap, inner: &Recap) -> bool {
    uncovered_grants(outer, inner).is_empty()
}

/// [`recap_covers`] with the profile's rules.
pub fn recap_covers_in(profile: &Profile, outer: &Recap, inner: &Recap) -> bool {
    uncovered_grants_in(profile, outer, inner).is_empty()
}

/// The grants of `inner` that `outer` does not cover.
pub fn uncovered_grants(outer: &Recap, inner: &Recap) -> Vec<(String, String)> {
    uncovered_grants_in(&crate::profile::DATIL, outer, inner)
}

/// [`uncovered_grants`] with the profile's rules: ERC-5573 compares keys and abilities
/// exactly.
pub fn uncovered_grants_in(
    profile: &Profile,
    outer: &Recap,
    inner: &Recap,
) -> Vec<(String, String)> {
    let rules = profile.coverage;
    grants(inner)
        .into_iter()
        .filter(|(key, ability)| match parse_key_loosely(key) {
            Some(resource) if rules.wildcard_key_first => {
                !match_in(&rules, outer, &resource, ability).is_covered()
            }
            _ => outer.abilities_for(key).is_none_or(|abs| {
                let star = rules.star_star_grants_all && abs.contains_key("*/*");
                !(star || abs.contains_key(ability.as_str()))
            }),
        })
        .collect()
}

/// A resource key as a [`Resource`] without normalising the id (recap keys are already in
/// their final form).
fn parse_key_loosely(key: &str) -> Option<Resource> {
    let (prefix, id) = key.split_once("://")?;
    let prefix = crate::wire::lit::ResourcePrefix::parse(prefix)?;
    Some(Resource {
        prefix,
        id: id.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::lit::ResourcePrefix;
    use serde_json::Map;

    fn recap(grants: &[(&str, &str)]) -> Recap {
        let mut r = Recap::new();
        for (key, ab) in grants {
            let (ns, name) = ab.split_once('/').unwrap();
            r.add_attenuation(key, ns, name, Map::new()).unwrap();
        }
        r
    }

    fn pkp(id: &str) -> Resource {
        Resource::new(ResourcePrefix::Pkp, id).unwrap()
    }

    #[test]
    fn wildcard_covers_every_id_of_its_prefix_only() {
        let r = recap(&[("lit-pkp://*", "Threshold/Signing")]);
        assert!(check(&r, &pkp("123"), Ability::PkpSigning).is_covered());
        assert!(check(&r, &pkp("*"), Ability::PkpSigning).is_covered());
        let acc = Resource::new(ResourcePrefix::AccessControlCondition, "abc").unwrap();
        // Same ReCap ability, other prefix: not covered.
        assert_eq!(
            check(&r, &acc, Ability::AccessControlConditionSigning),
            Verdict::NotCovered(Gap::NoResourceKey)
        );
    }

    #[test]
    fn exact_key_and_star_star() {
        let r = recap(&[("lit-accesscontrolcondition://abc", "*/*")]);
        let acc = Resource::new(ResourcePrefix::AccessControlCondition, "abc").unwrap();
        assert!(check(&r, &acc, Ability::AccessControlConditionDecryption).is_covered());
        assert_eq!(
            check(&r, &acc, Ability::PkpSigning),
            Verdict::NotCovered(Gap::AbilityNotValidForResource)
        );
        let other = Resource::new(ResourcePrefix::AccessControlCondition, "abd").unwrap();
        assert!(!check(&r, &other, Ability::AccessControlConditionDecryption).is_covered());
    }

    #[test]
    fn wildcard_shadows_specific() {
        let r = recap(&[
            ("lit-accesscontrolcondition://*", "Threshold/Decryption"),
            ("lit-accesscontrolcondition://abc", "Threshold/Signing"),
        ]);
        let acc = Resource::new(ResourcePrefix::AccessControlCondition, "abc").unwrap();
        assert_eq!(
            check(&r, &acc, Ability::AccessControlConditionSigning),
            Verdict::NotCovered(Gap::Shadowed {
                wildcard_key: "lit-accesscontrolcondition://*".into(),
                specific_key: "lit-accesscontrolcondition://abc".into(),
            })
        );
        assert!(check(&r, &acc, Ability::AccessControlConditionDecryption).is_covered());
    }

    #[test]
    fn any_recap_versus_first_recap() {
        let a = recap(&[("lit-litaction://*", "Threshold/Execution")]);
        let b = recap(&[("lit-pkp://*", "Threshold/Signing")]);
        let both = [a, b];
        let (v, idx) = check_any(&both, &pkp("1"), Ability::PkpSigning);
        assert!(v.is_covered());
        assert_eq!(idx, Some(1));
        assert!(!check_sdk(&both, &pkp("1"), Ability::PkpSigning).is_covered());
    }

    #[test]
    fn erc5573_matching_is_exact() {
        let p = &crate::profile::ERC5573;
        let r = recap(&[
            ("https://api.example.com/items", "crud/read"),
            ("https://api.example.com/all", "*/*"),
        ]);
        let items = Resource::uri("https://api.example.com/items").unwrap();
        let read = Ability::recap("crud/read").unwrap();
        let write = Ability::recap("crud/write").unwrap();
        assert!(check_in(p, &r, &items, read).is_covered());
        assert!(!check_in(p, &r, &items, write).is_covered());
        // `*/*` is an ability like any other to siwe-recap.
        let all = Resource::uri("https://api.example.com/all").unwrap();
        assert!(!check_in(p, &r, &all, read).is_covered());
        assert!(check_in(p, &r, &all, Ability::recap("*/*").unwrap()).is_covered());
        // Only the last recap counts.
        let other = recap(&[("https://x.example", "crud/read")]);
        let both = [r.clone(), other.clone()];
        assert!(!check_any_in(p, &both, &items, read).0.is_covered());
        assert!(check_any_in(p, &[other, r.clone()], &items, read)
            .0
            .is_covered());
        let wide = recap(&[("https://api.example.com/items", "*/*")]);
        assert!(!recap_covers_in(p, &wide, &r));
    }

    #[test]
    fn recap_inclusion() {
        let wide = recap(&[
            ("lit-pkp://*", "Threshold/Signing"),
            ("lit-litaction://*", "*/*"),
        ]);
        let narrow = recap(&[
            ("lit-pkp://00ab", "Threshold/Signing"),
            ("lit-litaction://Qm1", "Threshold/Execution"),
        ]);
        assert!(recap_covers(&wide, &narrow));
        assert!(!recap_covers(&narrow, &wide));
        assert_eq!(
            uncovered_grants(&narrow, &wide),
            vec![
                ("lit-litaction://*".to_string(), "*/*".to_string()),
                ("lit-pkp://*".to_string(), "Threshold/Signing".to_string())
            ]
        );
    }
}
