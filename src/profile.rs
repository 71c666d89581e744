//! Network profiles: everything that differs between Lit networks and SDK generations, in one
//! value the rest of litcap reads instead of hard-coding it.
//!
//! A [`Profile`] is plain data (tables and function pointers), so adding a network is adding a
//! `static` here, never an edit of the fit engine ([`crate::fit`]). There are three
//! profiles: [`DATIL`] (the Lit JS SDK v7 and the Datil nodes), [`NAGA`] (SDK v8 and the
//! Naga nodes) and [`ERC5573`] (plain SIWE ReCaps for any relying party, held to spruceid's
//! `siwe-recap` 0.2). What each field decides, and its source:
//!
//! | field | decides | Datil source |
//! |---|---|---|
//! | `abilities`, `prefixes`, `recap_ability`, `vocabulary` | the vocabulary and its ReCap mapping | `@lit-protocol/constants` 7.4.0, `ahl/recap/utils.js` |
//! | `coverage` | how a request is matched against a recap, and which recaps count | lit-peer `auth/capabilities/recap.rs`; siwe-recap 0.2 `can_do`, `extract` |
//! | `recap_merge` | how two allows on one key and ability combine | SDK `Recap.merge`; ucan-capabilities-object 0.1 `Capabilities::merge` |
//! | `recap_reader` | how an AuthSig's recaps decode, and the sentence the statement ends with | SDK `Recap.decode_urn`, `statement`; siwe-recap 0.2 `Capability::decode`, `to_statement` |
//! | `session_uri_prefix` | the SIWE `URI` an AuthSig for a session key must carry | `LIT_SESSION_KEY_URI`; node `validators/siwe.rs` |
//! | `delegation` | the delegation AuthSig's kind, URI, resource and ability | `createCapacityDelegationAuthSig` |
//! | `payload` | the per-node signed payload's fields and `maxPrice` | `getSessionSigs` (`lnc`); node `SessionKeySignedMessageV2` |
//! | `node` | the nodes' SIWE time rule, clock grace and session cap | lit-peer `auth/session_sigs.rs`, siwe-rs 0.5.2 |
//! | `sdk` | the SDK's client-side quirks (time rule, first recap only, `0x`, `algo`) | `checkNeedToResignSessionKey` (`lnc`), siwe 2.3.2 |

use crate::time::{Timestamp, Ttl};
use crate::wire::coverage::{self, Rules};
use crate::wire::lit::{Ability, ResourcePrefix};
use crate::wire::recap::{Decoded, Recap, RecapError};
use crate::wire::siwe::{SiweMessage, SiweVerifyError};

/// A SIWE time rule: `Ok` when the message is valid at the instant.
pub type SiweTimeRule = fn(&SiweMessage, Timestamp) -> Result<(), SiweVerifyError>;

/// One network generation as the SDK writes it and the nodes judge it.
#[derive(Debug)]
pub struct Profile {
    /// The name on the command line and in policy files (`datil`).
    pub name: &'static str,
    /// The SDK the profile is byte-exact with.
    pub sdk_name: &'static str,
    /// The resource prefixes, in the order the SDK's `parseLitResource` tries them.
    pub prefixes: &'static [ResourcePrefix],
    /// The abilities (`LIT_ABILITY`).
    pub abilities: &'static [Ability],
    /// `getRecapNamespaceAndAbility`: the ReCap `namespace/name` of an ability.
    pub recap_ability: fn(Ability) -> &'static str,
    /// Whether policies name Lit abilities on Lit resources, or any ReCap ability on any URI.
    pub vocabulary: Vocabulary,
    /// How requests are matched against recaps ([`crate::wire::coverage`]).
    pub coverage: Rules,
    /// How allows on the same key and ability combine into the recap.
    pub recap_merge: RecapMerge,
    /// How an AuthSig's `urn:recap:` resources are decoded and which sentence each must end
    /// the statement with.
    pub recap_reader: RecapReader,
    /// `lit:session:`: the SIWE `URI` of an AuthSig for a session key is this plus the key.
    pub session_uri_prefix: &'static str,
    /// `None`: the profile has no delegation AuthSig (ERC-5573).
    pub delegation: Option<Delegation>,
    pub payload: Payload,
    pub node: NodeRules,
    pub sdk: SdkQuirks,
}

/// What a policy may name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vocabulary {
    /// The profile's `abilities` on its `prefixes` (`pkp-signing on "lit-pkp://…"`).
    Lit,
    /// Any ERC-5573 ability on any RFC 3986 URI (`"crud/read" on "https://…"`).
    Open,
}

/// How the restrictions of two allows on one resource and ability combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecapMerge {
    /// The Lit SDK's `Recap.merge`: a list holding only `{}` is replaced, another is extended
    /// (so an unrestricted allow after a restricted one adds `{}`).
    LitSdk,
    /// siwe-recap: every restriction is appended; an allow without `where` adds none, and an
    /// empty list is written `[{}]` (`NotaBeneCollection`'s serializer).
    SiweRecap,
}

/// Who reads an AuthSig's recaps: the decoder's checks and the statement sentence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecapReader {
    /// The Lit SDK and nodes: ASCII abilities, sorted keys ([`Recap::decode`]), the SDK's
    /// sentence ([`Recap::statement`]).
    LitSdk,
    /// siwe-recap 0.2: Unicode abilities, any key order, `[]` refused
    /// ([`crate::wire::erc5573_decode`]); its own sentence ([`crate::wire::erc5573::statement`]).
    SiweRecap,
}

impl RecapReader {
    /// Decodes a `urn:recap:` resource.
    pub fn decode(self, urn: &str) -> Result<Decoded, RecapError> {
        match self {
            RecapReader::LitSdk => Recap::decode(urn),
            RecapReader::SiweRecap => crate::wire::erc5573_decode::decode(urn),
        }
    }

    /// The sentence the statement must end with.
    pub fn sentence(self, recap: &Recap) -> String {
        match self {
            RecapReader::LitSdk => recap.statement(),
            RecapReader::SiweRecap => crate::wire::erc5573::statement(recap),
        }
    }
}

/// How a wallet lets others use what it pays for.
#[derive(Debug)]
pub struct Delegation {
    pub kind: DelegationKind,
    /// The SIWE `URI` of a delegation AuthSig.
    pub uri: &'static str,
    pub prefix: ResourcePrefix,
    pub ability: Ability,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DelegationKind {
    /// Datil: a capacity-credit NFT (`lit-ratelimitincrease`, nota bene `nft_id`, `uses`,
    /// `delegate_to`).
    CapacityCredits,
    /// Naga: payment delegation (`lit-paymentdelegation`, nota bene `delegate_to`,
    /// `max_price`, `scopes`; [`crate::wire::payment`]).
    Payment,
}

/// The per-node payload the session key signs.
#[derive(Debug)]
pub struct Payload {
    /// The keys, in the SDK's order.
    pub fields: &'static [&'static str],
    pub max_price: MaxPrice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MaxPrice {
    /// Not sent by the SDK; read when present (Datil).
    Optional,
    /// Sent by the SDK and required by the nodes (Naga).
    Required,
}

/// What the nodes apply.
#[derive(Debug)]
pub struct NodeRules {
    /// siwe-rs's validity window for a capability AuthSig.
    pub siwe_time: SiweTimeRule,
    /// `grace_period_seconds` for the session payload's `issuedAt` and `expiration`.
    pub grace_secs: i64,
    /// `MAX_TIMESTAMP_VALIDITY_DAYS`: the longest session.
    pub max_session: Ttl,
    /// Every `urn:recap:` resource counts (`extract_and_verify_all_capabilities`).
    pub reads_every_recap: bool,
    /// A capability AuthSig with a key beyond `sig, derivedVia, signedMessage, address, algo`
    /// fails the whole payload (Naga: lit-node-core `models/auth_sig.rs`, a
    /// `field_identifier` enum without an `other` variant). Added for the Naga profile.
    pub strict_capability_keys: bool,
    /// Whether the node's own `domain:port` goes through `prepare_domain_name` too (litcap's
    /// reading for Datil); the Naga node compares `nodeAddress`, normalised, with its raw
    /// configured `domain:port` (lit-peer `auth/session_sigs.rs` `validate_session_sig`).
    /// Added for the Naga profile.
    pub normalises_own_address: bool,
}

/// What the SDK does on the client before it uses an AuthSig.
#[derive(Debug)]
pub struct SdkQuirks {
    /// siwe 2.3.2's validity window (`checkNeedToResignSessionKey` → `siwe.verify`).
    pub siwe_time: SiweTimeRule,
    /// `decode(resources[0])`: only the first resource's recap counts.
    pub reads_first_recap_only: bool,
    /// ethers' `verifyMessage` rejects a `sig` without `0x`, so the SDK re-signs.
    pub sig_needs_0x: bool,
    /// The `algo` values it verifies; any other makes it throw.
    pub algos: &'static [&'static str],
}

impl Profile {
    /// The SIWE `URI` an AuthSig for this session key carries.
    pub fn session_uri(&self, session_key_hex: &str) -> String {
        format!("{}{session_key_hex}", self.session_uri_prefix)
    }

    /// Whether the SDK of this profile knows the `algo` (absent is a wallet signature).
    pub fn sdk_knows_algo(&self, algo: Option<&str>) -> bool {
        algo.is_none_or(|a| self.sdk.algos.contains(&a))
    }

    /// The profile of a name (`datil`).
    pub fn named(name: &str) -> Option<&'static Profile> {
        PROFILES.iter().copied().find(|p| p.name == name)
    }

    /// Whether this is a Lit network (the SDK and the nodes), not plain ERC-5573.
    pub fn is_lit(&self) -> bool {
        self.vocabulary == Vocabulary::Lit
    }

    /// The SIWE `URI` of this profile's delegation AuthSigs, if it has any.
    pub fn delegation_uri(&self) -> Option<&'static str> {
        self.delegation.as_ref().map(|d| d.uri)
    }
}

/// Every profile litcap speaks.
pub static PROFILES: &[&Profile] = &[&DATIL, &NAGA, &ERC5573];

/// The names of [`PROFILES`], for messages.
pub fn names() -> String {
    PROFILES
        .iter()
        .map(|p| format!("`{}`", p.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Plain ERC-5573 for any relying party: SIWE with a ReCap, any `namespace/name` on any URI,
/// as spruceid's `siwe-recap` 0.2 writes and reads it (`tests/erc5573_recap.rs`,
/// `tests/vectors/erc5573/`). There is no Lit SDK and no Lit node: `payload` and `node`
/// describe nothing that is sent (a relying party judges the AuthSig itself), and the time
/// rule is siwe-rs's (`valid_at`), which siwe-recap builds on.
pub static ERC5573: Profile = Profile {
    name: "erc5573",
    sdk_name: "siwe-recap 0.2 (ERC-5573)",
    prefixes: &[ResourcePrefix::Uri],
    abilities: &[],
    recap_ability: Ability::recap_ability,
    vocabulary: Vocabulary::Open,
    coverage: coverage::ERC5573_RULES,
    recap_merge: RecapMerge::SiweRecap,
    recap_reader: RecapReader::SiweRecap,
    // No session-key URI: the SIWE `URI` names the relying party, whatever it is, so every URI
    // "names the audience" and none is worth a warning.
    session_uri_prefix: "",
    delegation: None,
    payload: Payload {
        fields: &[],
        max_price: MaxPrice::Optional,
    },
    node: NodeRules {
        siwe_time: crate::fit::time::node_siwe_time,
        grace_secs: 0,
        max_session: Ttl::NODE_MAX,
        reads_every_recap: false,
        strict_capability_keys: false,
        normalises_own_address: false,
    },
    sdk: SdkQuirks {
        siwe_time: crate::fit::time::node_siwe_time,
        reads_first_recap_only: false,
        sig_needs_0x: false,
        algos: &[],
    },
};

/// The Lit JS SDK v8 (`@lit-protocol/auth` 8.2.3, `auth-helpers` 8.2.1, `networks` 8.4.1)
/// and the Naga nodes (LIT-Protocol/lit-peer). Sources: `tests/vectors/v8/`,
/// [`crate::wire::naga`], [`crate::wire::payment`], and for the node rules
/// `rust/lit-node/lit-node/src/auth/` (`session_sigs.rs`, `validators/siwe.rs`,
/// `capabilities/recap.rs`), `models/auth.rs` `SessionKeySignedMessageV2`.
/// The `sdk` quirks are carried over from v7 unverified: v8's own re-sign check was not read.
pub static NAGA: Profile = Profile {
    name: "naga",
    sdk_name: "@lit-protocol/auth 8.2.3 + @lit-protocol/networks 8.4.1",
    prefixes: &ResourcePrefix::NAGA,
    abilities: &Ability::NAGA,
    recap_ability: Ability::recap_ability,
    vocabulary: Vocabulary::Lit,
    coverage: coverage::LIT_RULES,
    recap_merge: RecapMerge::LitSdk,
    recap_reader: RecapReader::LitSdk,
    session_uri_prefix: crate::wire::siwe::SESSION_KEY_URI_PREFIX,
    delegation: Some(Delegation {
        kind: DelegationKind::Payment,
        uri: crate::wire::siwe::DELEGATION_URI,
        prefix: ResourcePrefix::PaymentDelegation,
        ability: Ability::PaymentDelegation,
    }),
    payload: Payload {
        fields: &crate::wire::naga::PAYLOAD_FIELDS,
        max_price: MaxPrice::Required,
    },
    node: NodeRules {
        siwe_time: crate::fit::time::node_siwe_time,
        grace_secs: 60,
        max_session: Ttl::NODE_MAX,
        reads_every_recap: true,
        strict_capability_keys: true,
        normalises_own_address: false,
    },
    sdk: SdkQuirks {
        siwe_time: crate::fit::time::sdk_siwe_time,
        reads_first_recap_only: true,
        sig_needs_0x: true,
        algos: &["ed25519", "LIT_BLS"],
    },
};

/// The Lit JS SDK v7 (7.4.0) and the Datil networks (`datil-dev`, `datil-test`, `datil`).
pub static DATIL: Profile = Profile {
    name: "datil",
    sdk_name: "@lit-protocol/lit-node-client-nodejs 7.4.0",
    prefixes: &ResourcePrefix::ALL,
    abilities: &Ability::ALL,
    recap_ability: Ability::recap_ability,
    vocabulary: Vocabulary::Lit,
    coverage: coverage::LIT_RULES,
    recap_merge: RecapMerge::LitSdk,
    recap_reader: RecapReader::LitSdk,
    session_uri_prefix: crate::wire::siwe::SESSION_KEY_URI_PREFIX,
    delegation: Some(Delegation {
        kind: DelegationKind::CapacityCredits,
        uri: crate::wire::siwe::DELEGATION_URI,
        prefix: ResourcePrefix::RateLimitIncrease,
        ability: Ability::RateLimitIncreaseAuth,
    }),
    payload: Payload {
        fields: &[
            "sessionKey",
            "resourceAbilityRequests",
            "capabilities",
            "issuedAt",
            "expiration",
            "nodeAddress",
        ],
        max_price: MaxPrice::Optional,
    },
    node: NodeRules {
        siwe_time: crate::fit::time::node_siwe_time,
        grace_secs: 60,
        max_session: Ttl::NODE_MAX,
        reads_every_recap: true,
        strict_capability_keys: false,
        normalises_own_address: true,
    },
    sdk: SdkQuirks {
        siwe_time: crate::fit::time::sdk_siwe_time,
        reads_first_recap_only: true,
        sig_needs_0x: true,
        algos: &["ed25519", "LIT_BLS"],
    },
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datil_is_the_sdk_v7_vocabulary() {
        let p = Profile::named("datil").expect("datil");
        assert_eq!(p.session_uri("ab"), "lit:session:ab");
        assert_eq!((p.recap_ability)(Ability::PkpSigning), "Threshold/Signing");
        assert_eq!(p.delegation_uri(), Some("lit:capability:delegation"));
        assert!(p.sdk_knows_algo(None) && p.sdk_knows_algo(Some("LIT_BLS")));
        assert!(!p.sdk_knows_algo(Some("secp256k1")));
        assert!(p.is_lit());
    }

    #[test]
    fn naga_is_the_sdk_v8_vocabulary() {
        let p = Profile::named("naga").expect("naga");
        let d = p.delegation.as_ref().expect("payment delegation");
        assert_eq!(d.kind, DelegationKind::Payment);
        assert_eq!((p.recap_ability)(d.ability), "Auth/Auth");
        assert_eq!(p.payload.fields.last(), Some(&"maxPrice"));
        assert!(!p.abilities.contains(&Ability::RateLimitIncreaseAuth));
        assert!(!p.prefixes.contains(&ResourcePrefix::RateLimitIncrease));
        assert!(p.node.strict_capability_keys && !p.node.normalises_own_address);
    }

    #[test]
    fn erc5573_is_open_and_has_no_lit_parts() {
        let p = Profile::named("erc5573").expect("erc5573");
        assert!(!p.is_lit() && p.delegation.is_none());
        let a = Ability::recap("crud/read").unwrap();
        assert_eq!((p.recap_ability)(a), "crud/read");
        assert_eq!(p.recap_merge, RecapMerge::SiweRecap);
        assert_eq!(names(), "`datil`, `naga`, `erc5573`");
    }
}
