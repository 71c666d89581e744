//! The Lit vocabulary: abilities, resource prefixes, resource keys, and the mapping from a
//! `LitAbility` to its ReCap ability.
//!
//! The enums are the union of every profile's vocabulary. `ALL` is SDK v7 (Datil), and every
//! Datil path (parsing, suggestions, schemas) keeps reading `ALL`, so Datil output does not
//! change; `NAGA` is SDK v8 (`@lit-protocol/constants` 9.0.1 `LIT_ABILITY`,
//! `LIT_RESOURCE_PREFIX`; auth-helpers 8.2.1 `resources.ts` `LitPaymentDelegationResource`):
//! `lit-ratelimitincrease` / `rate-limit-increase-auth` are gone and
//! `lit-paymentdelegation` / `lit-payment-delegation` (→ `Auth/Auth`) replace them.
//!
//! The plain ERC-5573 profile has an open vocabulary: any `namespace/name` ability
//! ([`Ability::Recap`], its own ReCap ability) on any RFC 3986 URI ([`ResourcePrefix::Uri`],
//! whose key is the URI itself). Both stay `Copy`: an ERC-5573 ability is interned
//! ([`Ability::recap`]), so the fit engine and coverage take them as they take Lit's.

use std::fmt;

/// A `LitAbility` (`LIT_ABILITY` in `@lit-protocol/constants`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ability {
    AccessControlConditionDecryption,
    AccessControlConditionSigning,
    PkpSigning,
    RateLimitIncreaseAuth,
    LitActionExecution,
    /// SDK v8 only: `LIT_ABILITY.PaymentDelegation`.
    PaymentDelegation,
    /// ERC-5573 only: a ReCap ability `namespace/name` as written (interned, see
    /// [`Ability::recap`]).
    Recap(&'static str),
}

impl Ability {
    /// SDK v8 (Naga): `LIT_ABILITY` of `@lit-protocol/constants` 9.0.1.
    pub const NAGA: [Ability; 5] = [
        Ability::AccessControlConditionDecryption,
        Ability::AccessControlConditionSigning,
        Ability::PkpSigning,
        Ability::PaymentDelegation,
        Ability::LitActionExecution,
    ];

    /// Every ability of every profile.
    pub const UNION: [Ability; 6] = [
        Ability::AccessControlConditionDecryption,
        Ability::AccessControlConditionSigning,
        Ability::PkpSigning,
        Ability::RateLimitIncreaseAuth,
        Ability::LitActionExecution,
        Ability::PaymentDelegation,
    ];

    /// SDK v7 (Datil).
    pub const ALL: [Ability; 5] = [
        Ability::AccessControlConditionDecryption,
        Ability::AccessControlConditionSigning,
        Ability::PkpSigning,
        Ability::RateLimitIncreaseAuth,
        Ability::LitActionExecution,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Ability::AccessControlConditionDecryption => "access-control-condition-decryption",
            Ability::AccessControlConditionSigning => "access-control-condition-signing",
            Ability::PkpSigning => "pkp-signing",
            Ability::RateLimitIncreaseAuth => "rate-limit-increase-auth",
            Ability::LitActionExecution => "lit-action-execution",
            Ability::PaymentDelegation => "lit-payment-delegation",
            Ability::Recap(s) => s,
        }
    }

    /// An ERC-5573 ability: `namespace/name`, each part one or more alphanumerics or
    /// `-_.+*` (siwe-recap 0.2 / ucan-capabilities-object 0.1 `is_valid_ability`, whose
    /// alphanumerics are Unicode's). Interned: each distinct text is stored once for the
    /// process, so the type stays `Copy`.
    pub fn recap(s: &str) -> Option<Ability> {
        valid_recap_ability(s).then(|| Ability::Recap(intern(s)))
    }

    /// An SDK v7 (Datil) ability.
    pub fn parse(s: &str) -> Option<Ability> {
        Ability::ALL.into_iter().find(|a| a.as_str() == s)
    }

    /// An ability of the given vocabulary (a profile's list).
    pub fn parse_in(s: &str, vocabulary: &[Ability]) -> Option<Ability> {
        vocabulary.iter().copied().find(|a| a.as_str() == s)
    }

    /// `getRecapNamespaceAndAbility`: the ReCap `namespace/name` this ability is granted by.
    pub fn recap_ability(self) -> &'static str {
        match self {
            Ability::AccessControlConditionDecryption => "Threshold/Decryption",
            Ability::AccessControlConditionSigning | Ability::PkpSigning => "Threshold/Signing",
            Ability::LitActionExecution => "Threshold/Execution",
            Ability::RateLimitIncreaseAuth | Ability::PaymentDelegation => "Auth/Auth",
            Ability::Recap(s) => s,
        }
    }

    /// The resource type whose `isValidLitAbility` accepts this ability.
    pub fn resource_prefix(self) -> ResourcePrefix {
        match self {
            Ability::AccessControlConditionDecryption | Ability::AccessControlConditionSigning => {
                ResourcePrefix::AccessControlCondition
            }
            Ability::PkpSigning => ResourcePrefix::Pkp,
            Ability::RateLimitIncreaseAuth => ResourcePrefix::RateLimitIncrease,
            Ability::LitActionExecution => ResourcePrefix::LitAction,
            Ability::PaymentDelegation => ResourcePrefix::PaymentDelegation,
            Ability::Recap(_) => ResourcePrefix::Uri,
        }
    }

    /// Abilities in the `Threshold` namespace, whose nota-bene data the nodes ignore.
    pub fn is_threshold(self) -> bool {
        self.recap_ability().starts_with("Threshold/")
    }
}

impl fmt::Display for Ability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A resource prefix (`LIT_RESOURCE_PREFIX`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourcePrefix {
    AccessControlCondition,
    Pkp,
    RateLimitIncrease,
    LitAction,
    /// SDK v8 only: `LIT_RESOURCE_PREFIX.PaymentDelegation`.
    PaymentDelegation,
    /// ERC-5573 only: any URI; the resource's id is the whole URI and its key.
    Uri,
}

impl ResourcePrefix {
    /// SDK v8 (Naga), in the order its `parseLitResource` tries them (`resources.ts`); the
    /// `lit-ratelimitincrease` constant survives in v8 but no resource class or ability uses it.
    pub const NAGA: [ResourcePrefix; 4] = [
        ResourcePrefix::AccessControlCondition,
        ResourcePrefix::Pkp,
        ResourcePrefix::LitAction,
        ResourcePrefix::PaymentDelegation,
    ];

    /// SDK v7 (Datil), in the order `parseLitResource` tries them.
    pub const ALL: [ResourcePrefix; 4] = [
        ResourcePrefix::AccessControlCondition,
        ResourcePrefix::Pkp,
        ResourcePrefix::RateLimitIncrease,
        ResourcePrefix::LitAction,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ResourcePrefix::AccessControlCondition => "lit-accesscontrolcondition",
            ResourcePrefix::Pkp => "lit-pkp",
            ResourcePrefix::RateLimitIncrease => "lit-ratelimitincrease",
            ResourcePrefix::LitAction => "lit-litaction",
            ResourcePrefix::PaymentDelegation => "lit-paymentdelegation",
            ResourcePrefix::Uri => "uri",
        }
    }

    /// An SDK v7 (Datil) prefix.
    pub fn parse(s: &str) -> Option<ResourcePrefix> {
        ResourcePrefix::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// A prefix of the given vocabulary (a profile's list).
    pub fn parse_in(s: &str, vocabulary: &[ResourcePrefix]) -> Option<ResourcePrefix> {
        vocabulary.iter().copied().find(|p| p.as_str() == s)
    }

    /// `isValidLitAbility` of the SDK resource class with this prefix.
    pub fn supports(self, ability: Ability) -> bool {
        ability.resource_prefix() == self
    }

    pub fn abilities(self) -> impl Iterator<Item = Ability> {
        // Each ability belongs to one prefix, so the union gives a Datil prefix its Datil
        // abilities only.
        Ability::UNION
            .into_iter()
            .filter(move |a| self.supports(*a))
    }

    /// What the id of this resource is, for messages.
    pub fn id_description(self) -> &'static str {
        match self {
            ResourcePrefix::AccessControlCondition => {
                "hashed access-control-condition key (`<sha256 of conditions>/<data hash>`)"
            }
            ResourcePrefix::Pkp => "PKP token id",
            ResourcePrefix::RateLimitIncrease => "capacity-credit NFT token id",
            ResourcePrefix::LitAction => "Lit Action IPFS CID",
            ResourcePrefix::PaymentDelegation => "payment delegation (always `*`)",
            ResourcePrefix::Uri => "RFC 3986 URI",
        }
    }
}

impl fmt::Display for ResourcePrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A Lit resource: prefix plus id, with the id normalised as the SDK's resource classes do.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Resource {
    pub prefix: ResourcePrefix,
    pub id: String,
}

/// Why a resource key was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResourceError {
    #[error("`{0}` is not a Lit resource key (expected `<prefix>://<id>`, e.g. `lit-pkp://*`)")]
    NotAKey(String),
    #[error("unknown resource prefix `{prefix}`")]
    UnknownPrefix {
        prefix: String,
        suggestion: Option<&'static str>,
    },
    #[error("resource `{0}` has an empty id (use `*` for every id)")]
    EmptyId(String),
    #[error("PKP id `{id}` is {len} characters long; the SDK rejects ids over 64 hex characters (32 bytes)")]
    PkpIdTooLong { id: String, len: usize },
}

impl ResourceError {
    pub fn help(&self) -> Option<String> {
        match self {
            ResourceError::NotAKey(_) => Some(format!(
                "write a full resource key with one of the prefixes {}",
                ResourcePrefix::ALL.map(|p| format!("`{p}://`")).join(", ")
            )),
            ResourceError::UnknownPrefix { suggestion, .. } => Some(match suggestion {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "the SDK v7 prefixes are {}",
                    ResourcePrefix::ALL.map(|p| format!("`{p}`")).join(", ")
                ),
            }),
            ResourceError::EmptyId(_) => None,
            ResourceError::PkpIdTooLong { id, .. } => Some(match decimal_to_hex(id) {
                Some(hex) if hex.len() <= 64 => format!(
                    "this looks like a decimal token id; the SDK reads PKP ids as hex, so write `0x{hex}`"
                ),
                _ => "use the PKP token id as at most 64 hex digits, optionally prefixed by `0x`"
                    .to_string(),
            }),
        }
    }
}

impl Resource {
    /// A resource with its id normalised like `new LitXResource(id)`.
    pub fn new(prefix: ResourcePrefix, id: &str) -> Result<Resource, ResourceError> {
        let id = match prefix {
            ResourcePrefix::Pkp => normalize_pkp_id(id)?,
            _ => id.to_string(),
        };
        Ok(Resource { prefix, id })
    }

    pub fn wildcard(prefix: ResourcePrefix) -> Resource {
        Resource {
            prefix,
            id: "*".to_string(),
        }
    }

    /// An ERC-5573 resource: any RFC 3986 URI, kept as written (siwe-recap compares URIs
    /// byte for byte). Returns why not.
    pub fn uri(uri: &str) -> Result<Resource, crate::wire::siwe::UriError> {
        crate::wire::siwe::uri::check_uri(uri)?;
        Ok(Resource {
            prefix: ResourcePrefix::Uri,
            id: uri.to_string(),
        })
    }

    /// Parses `<prefix>://<id>` strictly: the prefix must be one of the four exactly.
    pub fn parse_key(key: &str) -> Result<Resource, ResourceError> {
        Resource::parse_key_in(key, &ResourcePrefix::ALL)
    }

    /// [`Resource::parse_key`] with a profile's prefixes.
    pub fn parse_key_in(
        key: &str,
        vocabulary: &'static [ResourcePrefix],
    ) -> Result<Resource, ResourceError> {
        let Some((prefix, id)) = key.split_once("://") else {
            return Err(ResourceError::NotAKey(key.to_string()));
        };
        let Some(p) = ResourcePrefix::parse_in(prefix, vocabulary) else {
            return Err(ResourceError::UnknownPrefix {
                prefix: prefix.to_string(),
                suggestion: crate::suggest::closest(prefix, vocabulary.iter().map(|p| p.as_str())),
            });
        };
        if id.is_empty() {
            return Err(ResourceError::EmptyId(key.to_string()));
        }
        Resource::new(p, id)
    }

    /// `getResourceKey()`: `<prefix>://<id>`.
    pub fn key(&self) -> String {
        if self.prefix == ResourcePrefix::Uri {
            return self.id.clone();
        }
        key_of(self.prefix, &self.id)
    }

    pub fn is_wildcard(&self) -> bool {
        self.prefix != ResourcePrefix::Uri && self.id == "*"
    }

    /// `<prefix>://*`; a URI has no wildcard form, so its own key.
    pub fn wildcard_key(&self) -> String {
        if self.prefix == ResourcePrefix::Uri {
            return self.id.clone();
        }
        key_of(self.prefix, "*")
    }

    /// Whether `key` is this resource's key, without building it.
    pub fn has_key(&self, key: &str) -> bool {
        if self.prefix == ResourcePrefix::Uri {
            return key == self.id;
        }
        key.strip_prefix(self.prefix.as_str())
            .and_then(|rest| rest.strip_prefix("://"))
            .is_some_and(|id| id == self.id)
    }

    /// Whether the written id of a PKP looks like a decimal token id (which the SDK reads as hex).
    pub fn looks_decimal(written_id: &str) -> bool {
        !written_id.starts_with("0x")
            && !written_id.is_empty()
            && written_id.bytes().all(|b| b.is_ascii_digit())
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.prefix == ResourcePrefix::Uri {
            return f.write_str(&self.id);
        }
        write!(f, "{}://{}", self.prefix.as_str(), self.id)
    }
}

/// ucan-capabilities-object 0.1 `is_valid_ability`: one `/`, both sides non-empty runs of
/// `char::is_alphanumeric` or `-_.+*`.
pub fn valid_recap_ability(s: &str) -> bool {
    let part = |p: &str| {
        !p.is_empty()
            && p.chars()
                .all(|c| c.is_alphanumeric() || "-_.+*".contains(c))
    };
    s.split_once('/')
        .is_some_and(|(ns, name)| part(ns) && part(name))
}

/// Each distinct ERC-5573 ability text, stored once for the life of the process (a policy
/// names a handful; the language server re-reads the same ones).
fn intern(s: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static TABLE: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let table = TABLE.get_or_init(|| Mutex::new(HashSet::new()));
    let mut set = match table.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(&known) = set.get(s) {
        return known;
    }
    let leaked: &'static str = Box::leak(s.to_string().into_boxed_str());
    set.insert(leaked);
    leaked
}

// `format!` grows its buffer several times; keys are built on hot paths (coverage).
fn key_of(prefix: ResourcePrefix, id: &str) -> String {
    let p = prefix.as_str();
    let mut k = String::with_capacity(p.len() + 3 + id.len());
    k.push_str(p);
    k.push_str("://");
    k.push_str(id);
    k
}

/// `formatPKPResource`: strip `0x`, reject over 64 characters, left-pad hex to 64.
pub fn normalize_pkp_id(id: &str) -> Result<String, ResourceError> {
    let stripped = id.strip_prefix("0x").unwrap_or(id);
    // The SDK measures JS string length (UTF-16 units).
    let len = stripped.encode_utf16().count();
    if len > 64 {
        return Err(ResourceError::PkpIdTooLong {
            id: id.to_string(),
            len,
        });
    }
    if stripped != "*" && !stripped.is_empty() && stripped.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(format!("{stripped:0>64}"))
    } else {
        Ok(stripped.to_string())
    }
}

/// Converts a decimal digit string to lowercase hex without a size limit.
pub fn decimal_to_hex(dec: &str) -> Option<String> {
    if dec.is_empty() || !dec.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Little-endian base-2^32 limbs.
    let mut limbs: Vec<u32> = vec![0];
    for d in dec.bytes() {
        let mut carry = u64::from(d - b'0');
        for limb in limbs.iter_mut() {
            let v = u64::from(*limb) * 10 + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            limbs.push(carry as u32);
        }
    }
    let mut out = String::new();
    for limb in limbs.iter().rev() {
        out.push_str(&format!("{limb:08x}"));
    }
    let trimmed = out.trim_start_matches('0');
    Some(if trimmed.is_empty() {
        "0".to_string()
    } else {
        trimmed.to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkp_ids_normalise_like_the_sdk() {
        let r = Resource::parse_key(
            "lit-pkp://0xb03a728fc095d13a226bda09f1ead60c4cb356c0d82a2d0177184fd66d74c75f",
        )
        .unwrap();
        assert_eq!(
            r.id,
            "b03a728fc095d13a226bda09f1ead60c4cb356c0d82a2d0177184fd66d74c75f"
        );
        let r = Resource::parse_key("lit-pkp://123").unwrap();
        assert_eq!(
            r.key(),
            "lit-pkp://0000000000000000000000000000000000000000000000000000000000000123"
        );
        assert_eq!(Resource::parse_key("lit-pkp://*").unwrap().id, "*");
        assert_eq!(Resource::parse_key("lit-pkp://0xAbC").unwrap().id.len(), 64);
        // Non-hex ids are kept as written.
        assert_eq!(Resource::parse_key("lit-pkp://xyz").unwrap().id, "xyz");
        let long = "56198382763784329387264723648726348726348762387462387462387462837462834762834";
        assert!(matches!(
            Resource::parse_key(&format!("lit-pkp://{long}")),
            Err(ResourceError::PkpIdTooLong { len: 77, .. })
        ));
    }

    #[test]
    fn other_ids_are_kept() {
        let r =
            Resource::parse_key("lit-litaction://QmUjX8MW6StQ7NKNdaS6g4RMkvN5hcgtKmEi8Mca6oX4t3")
                .unwrap();
        assert_eq!(r.prefix, ResourcePrefix::LitAction);
        assert_eq!(r.id, "QmUjX8MW6StQ7NKNdaS6g4RMkvN5hcgtKmEi8Mca6oX4t3");
        assert_eq!(
            Resource::parse_key("lit-ratelimitincrease://123")
                .unwrap()
                .id,
            "123"
        );
    }

    #[test]
    fn bad_keys() {
        assert!(matches!(
            Resource::parse_key("lit-pkpp://1"),
            Err(ResourceError::UnknownPrefix {
                suggestion: Some("lit-pkp"),
                ..
            })
        ));
        assert!(matches!(
            Resource::parse_key("lit-pkp:1"),
            Err(ResourceError::NotAKey(_))
        ));
        assert!(matches!(
            Resource::parse_key("lit-pkp://"),
            Err(ResourceError::EmptyId(_))
        ));
    }

    #[test]
    fn decimal_to_hex_converts_big_numbers() {
        assert_eq!(decimal_to_hex("255").unwrap(), "ff");
        assert_eq!(decimal_to_hex("0").unwrap(), "0");
        assert_eq!(
            decimal_to_hex("18446744073709551616").unwrap(),
            "10000000000000000"
        );
        assert_eq!(decimal_to_hex("12a"), None);
    }

    #[test]
    fn erc5573_vocabulary_is_open() {
        let a = Ability::recap("crud/read").expect("valid");
        assert_eq!(a, Ability::recap("crud/read").unwrap());
        assert_eq!(a.recap_ability(), "crud/read");
        assert_eq!(a.resource_prefix(), ResourcePrefix::Uri);
        for bad in ["crud", "crud/", "/read", "a/b/c", "cr ud/read", "some:ns/x"] {
            assert!(Ability::recap(bad).is_none(), "{bad}");
        }
        assert!(Ability::recap("kv*/read").is_some());
        let r = Resource::uri("https://api.example.com/items").unwrap();
        assert_eq!(r.key(), "https://api.example.com/items");
        assert_eq!(r.wildcard_key(), r.key());
        assert!(r.has_key("https://api.example.com/items") && !r.is_wildcard());
        assert_eq!(r.to_string(), "https://api.example.com/items");
        assert!(ResourcePrefix::Uri.supports(a));
        assert!(!ResourcePrefix::Pkp.supports(a));
        assert!(Resource::uri("no scheme").is_err());
    }

    #[test]
    fn ability_mapping() {
        assert_eq!(Ability::PkpSigning.recap_ability(), "Threshold/Signing");
        assert_eq!(Ability::RateLimitIncreaseAuth.recap_ability(), "Auth/Auth");
        assert!(
            ResourcePrefix::AccessControlCondition.supports(Ability::AccessControlConditionSigning)
        );
        assert!(!ResourcePrefix::Pkp.supports(Ability::AccessControlConditionSigning));
        for a in Ability::ALL {
            assert_eq!(Ability::parse(a.as_str()), Some(a));
        }
    }
}
