//! A grant's ReCap in the compact form coverage reads: which ReCap abilities each resource key
//! grants, as an index into the grant's allows, sorted by key (shorter keys first, then bytes:
//! keys of one length differ mostly at the end, a PKP id's, so lengths decide most
//! comparisons) and ability.
//!
//! Why: a grant's [`Recap`] is B-tree maps of owned strings (about 750 bytes per `allow`);
//! the model keeps one per grant for the life of a `check`, and 100k sessions' grants hold
//! ~90 MiB of them (issue #13). The keys and abilities are already in the allows, so this
//! keeps 4 bytes per allow and builds the [`Recap`] object only for the commands that sign,
//! print or compare it ([`super::Grant::signed_recap`]).
//!
//! Rules (the same recap as [`super::Grant::signed_recap`] merges, for coverage):
//! - every allow the merge puts in the recap grants its ReCap ability on its resource key
//!   (`Resource::key`, `Ability::recap_ability`): for Lit's merge (`RecapMerge::LitSdk`)
//!   the allows whose resource type supports the ability (`addCapabilityForResource`
//!   refuses the others), for siwe-recap's every allow (`Capabilities::with_action`);
//! - merging never removes an ability, and coverage does not read nota-bene data
//!   ([`crate::coverage`] rule 3), so the (key, ability) pairs are all coverage needs;
//! - [`Abilities::names`] lists a key's abilities in the recap's own order (UTF-16, as
//!   `siwe-recap` sorts keys), once each.
//!
//! `tests::same_verdicts_as_the_merged_recap` checks the verdicts against the merged
//! [`Recap`].

use super::Capability;
use crate::coverage::{AbilitiesOnKey, Attenuations};
use crate::profile::RecapMerge;
use crate::wire::lit::{Resource, ResourcePrefix};
use crate::wire::recap::Recap;
use std::cmp::Ordering;

/// The allows that are in the recap, as indices sorted by (resource key, ReCap ability), keys
/// in [`cmp_key`]'s order, and how many allows there were.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct RecapIndex(Box<[u32]>, usize);

impl RecapIndex {
    pub(super) fn new(allows: &[Capability], merge: RecapMerge) -> RecapIndex {
        let mut order: Vec<u32> = (0..allows.len())
            .filter(|&i| {
                let a = &allows[i];
                merge == RecapMerge::SiweRecap || a.resource.prefix.supports(a.ability)
            })
            .filter_map(|i| u32::try_from(i).ok())
            .collect();
        order.sort_by(|&x, &y| {
            let (a, b) = (&allows[x as usize], &allows[y as usize]);
            cmp_keys(&a.resource, &b.resource)
                .then_with(|| a.ability.recap_ability().cmp(b.ability.recap_ability()))
        });
        RecapIndex(order.into_boxed_slice(), allows.len())
    }
}

/// A grant's ReCap for coverage ([`crate::coverage::check_in`] takes it as it takes a
/// [`Recap`]): the grant's allows and their `RecapIndex`.
#[derive(Clone, Copy, Debug)]
pub struct GrantRecap<'a> {
    allows: &'a [Capability],
    order: &'a [u32],
}

impl<'a> GrantRecap<'a> {
    /// The index is the allows' as the model built them: if a caller changed how many there
    /// are since (`Grant::allows` is public), it no longer fits them and the recap reads as
    /// empty rather than indexing out of bounds.
    pub(super) fn new(allows: &'a [Capability], index: &'a RecapIndex) -> GrantRecap<'a> {
        let order: &[u32] = if index.1 == allows.len() {
            &index.0
        } else {
            &[]
        };
        GrantRecap { allows, order }
    }

    fn allow(&self, i: u32) -> &'a Capability {
        &self.allows[i as usize]
    }

    /// Whether the recap grants nothing.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

impl<'a> Attenuations for GrantRecap<'a> {
    type Abilities = Abilities<'a>;

    fn abilities_for(self, key: &str) -> Option<Abilities<'a>> {
        let start = self
            .order
            .partition_point(|&i| cmp_key(&self.allow(i).resource, key) == Ordering::Less);
        // A key has one allow or a few: scan rather than search for the end.
        let len = self.order[start..]
            .iter()
            .take_while(|&&i| cmp_key(&self.allow(i).resource, key) == Ordering::Equal)
            .count();
        (len > 0).then(|| Abilities {
            allows: self.allows,
            order: &self.order[start..start + len],
        })
    }
}

/// The abilities a [`GrantRecap`] grants on one key: its allows on that key, by ability.
#[derive(Clone, Copy, Debug)]
pub struct Abilities<'a> {
    allows: &'a [Capability],
    order: &'a [u32],
}

impl Abilities<'_> {
    fn ability(&self, i: u32) -> &'static str {
        self.allows[i as usize].ability.recap_ability()
    }
}

impl AbilitiesOnKey for Abilities<'_> {
    fn contains(self, recap_ability: &str) -> bool {
        let at = self
            .order
            .partition_point(|&i| self.ability(i) < recap_ability);
        self.order
            .get(at)
            .is_some_and(|&i| self.ability(i) == recap_ability)
    }

    fn names(self) -> Vec<String> {
        let mut names: Vec<&str> = self.order.iter().map(|&i| self.ability(i)).collect();
        names.dedup();
        names.sort_by(|a, b| crate::json::utf16_cmp(a, b));
        names.into_iter().map(str::to_string).collect()
    }
}

/// The recap the wallet signs, merged from the allows (see [`super::Grant::signed_recap`]).
pub(super) fn merged(allows: &[Capability], merge: RecapMerge) -> Recap {
    if merge == RecapMerge::SiweRecap {
        return super::erc5573::merged_recap(allows);
    }
    let mut recap = Recap::new();
    for a in allows {
        if let Ok(one) = crate::recap::single(&a.resource, a.ability, a.data.as_deref().cloned()) {
            recap.merge(one);
        }
    }
    recap
}

/// The parts of `Resource::key`, without building it.
fn key_parts(r: &Resource) -> [&[u8]; 3] {
    if r.prefix == ResourcePrefix::Uri {
        return [r.id.as_bytes(), b"", b""];
    }
    [r.prefix.as_str().as_bytes(), b"://", r.id.as_bytes()]
}

/// The order of resource keys in a [`RecapIndex`]: by length, then byte-wise (`r.key()`
/// against `key`, without building the key). Any total order whose equality is the keys'
/// would do: the recap's own order only matters for [`Abilities::names`], which sorts.
fn cmp_key(r: &Resource, key: &str) -> Ordering {
    let [p, sep, id] = key_parts(r);
    let k = key.as_bytes();
    (p.len() + sep.len() + id.len())
        .cmp(&k.len())
        .then_with(|| {
            let (kp, rest) = k.split_at(p.len());
            let (ksep, kid) = rest.split_at(sep.len());
            p.cmp(kp)
                .then_with(|| sep.cmp(ksep))
                .then_with(|| id.cmp(kid))
        })
}

/// [`cmp_key`] between two resources.
fn cmp_keys(a: &Resource, b: &Resource) -> Ordering {
    let (a, b) = (key_parts(a), key_parts(b));
    let len = |parts: [&[u8]; 3]| parts.iter().map(|p| p.len()).sum::<usize>();
    len(a).cmp(&len(b)).then_with(|| cmp_concat(a, b))
}

/// Compares the concatenations of two lists of byte strings, a run of bytes at a time (this is
/// coverage's inner loop: a byte-wise iterator was a fifth of `check`'s time).
fn cmp_concat(a: [&[u8]; 3], b: [&[u8]; 3]) -> Ordering {
    let (mut a, mut b) = (
        a.into_iter().filter(|p| !p.is_empty()),
        b.into_iter().filter(|p| !p.is_empty()),
    );
    let (mut x, mut y): (&[u8], &[u8]) =
        (a.next().unwrap_or_default(), b.next().unwrap_or_default());
    loop {
        match (x.is_empty(), y.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            (false, false) => {}
        }
        let n = x.len().min(y.len());
        match x[..n].cmp(&y[..n]) {
            Ordering::Equal => {}
            other => return other,
        }
        x = &x[n..];
        y = &y[n..];
        if x.is_empty() {
            x = a.next().unwrap_or_default();
        }
        if y.is_empty() {
            y = b.next().unwrap_or_default();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coverage::{self, Verdict};
    use crate::profile::{Profile, DATIL, ERC5573};
    use crate::wire::lit::Ability;

    fn policy(text: &str) -> crate::model::Policy {
        crate::load::load_dsl(text).policy
    }

    fn pkp(id: &str) -> Resource {
        Resource::new(ResourcePrefix::Pkp, id).unwrap()
    }

    /// Every request against the compact form and against the merged recap.
    fn assert_same_verdicts(profile: &Profile, grant: &crate::model::Grant, requests: &[Resource]) {
        let abilities: Vec<Ability> = match profile.name {
            "erc5573" => ["crud/read", "crud/write", "*/*", "a/b"]
                .iter()
                .filter_map(|a| Ability::recap(a))
                .collect(),
            _ => Ability::UNION.to_vec(),
        };
        for r in requests {
            for &ab in &abilities {
                let compact = coverage::check_in(profile, grant.recap(), r, ab);
                let merged = coverage::check_in(profile, grant.signed_recap(), r, ab);
                assert_eq!(compact, merged, "{r} {ab}");
            }
        }
    }

    #[test]
    fn same_verdicts_as_the_merged_recap() {
        let p = policy(concat!(
            "grant \"g\" {\n domain \"a\"\n",
            " allow pkp-signing on \"lit-pkp://0x0a\"\n",
            " allow pkp-signing on \"lit-pkp://0a\"\n",
            " allow access-control-condition-decryption on \"lit-accesscontrolcondition://*\"\n",
            " allow access-control-condition-signing on \"lit-accesscontrolcondition://abc\"\n",
            " allow access-control-condition-decryption on \"lit-accesscontrolcondition://abc\"\n",
            " allow lit-action-execution on \"lit-litaction://Qm1\" where { a: 1 }\n",
            " allow lit-action-execution on \"lit-litaction://Qm1\"\n",
            " allow rate-limit-increase-auth on \"lit-ratelimitincrease://7\"\n",
            "}\n",
            "grant \"empty\" {\n domain \"a\"\n}\n",
        ));
        let requests = [
            pkp("0a"),
            pkp("0b"),
            pkp("*"),
            Resource::new(ResourcePrefix::AccessControlCondition, "abc").unwrap(),
            Resource::new(ResourcePrefix::AccessControlCondition, "abd").unwrap(),
            Resource::new(ResourcePrefix::LitAction, "Qm1").unwrap(),
            Resource::new(ResourcePrefix::LitAction, "*").unwrap(),
            Resource::new(ResourcePrefix::RateLimitIncrease, "7").unwrap(),
            Resource::new(ResourcePrefix::PaymentDelegation, "7").unwrap(),
        ];
        for g in &p.grants {
            assert_same_verdicts(&DATIL, g, &requests);
        }
        assert!(p.grants[1].recap().is_empty());
        // Allows changed after the build: the index no longer fits, and nothing panics.
        let mut changed = p.grants[0].clone();
        changed.allows.truncate(2);
        assert!(changed.recap().is_empty());
        // A shadowed key and a missing ability, as the merged recap reports them.
        let acc = &requests[3];
        assert!(matches!(
            coverage::check_in(
                &DATIL,
                p.grants[0].recap(),
                acc,
                Ability::AccessControlConditionSigning
            ),
            Verdict::NotCovered(coverage::Gap::Shadowed { .. })
        ));
    }

    #[test]
    fn same_verdicts_in_erc5573() {
        let p = policy(concat!(
            "network \"erc5573\"\ngrant \"g\" {\n domain \"a\"\n",
            " allow \"crud/read\" on \"https://a.example/x\"\n",
            " allow \"crud/write\" on \"https://a.example/x\" where { n: 1 }\n",
            " allow \"*/*\" on \"https://a.example/all\"\n",
            " allow \"a/b\" on \"urn:x:y\"\n",
            "}\n",
        ));
        let requests: Vec<Resource> = [
            "https://a.example/x",
            "https://a.example/all",
            "https://a.example",
            "urn:x:y",
            "urn:x",
        ]
        .iter()
        .filter_map(|u| Resource::uri(u).ok())
        .collect();
        assert_same_verdicts(&ERC5573, &p.grants[0], &requests);
    }

    #[test]
    fn keys_compare_as_built() {
        let (a, b) = (
            pkp("0a"),
            Resource::new(ResourcePrefix::LitAction, "Qm").unwrap(),
        );
        assert_eq!(cmp_keys(&a, &b), a.key().cmp(&b.key()));
        assert_eq!(cmp_keys(&b, &a), b.key().cmp(&a.key()));
        assert_eq!(cmp_key(&a, &a.key()), Ordering::Equal);
        assert_eq!(cmp_key(&a, "lit-pkp:/"), Ordering::Greater);
        assert_eq!(cmp_key(&a, "lit-pkp://0"), Ordering::Greater);
        assert_eq!(cmp_key(&a, &format!("{}0", a.key())), Ordering::Less);
        let u = Resource::uri("https://a.example").unwrap();
        assert_eq!(cmp_key(&u, "https://a.example"), Ordering::Equal);
        let parts: [&[u8]; 3] = [b"ab", b"", b"c"];
        assert_eq!(cmp_concat(parts, [b"a", b"bc", b""]), Ordering::Equal);
        assert_eq!(cmp_concat(parts, [b"a", b"bc", b"d"]), Ordering::Less);
        assert_eq!(cmp_concat(parts, [b"a", b"b", b""]), Ordering::Greater);
        assert_eq!(cmp_concat(parts, [b"", b"abd", b""]), Ordering::Less);
    }
}
