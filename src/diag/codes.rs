//! The stable diagnostic codes: the one list of every code litcap reports.
//!
//! To add a code, add one line to its group in `codes!` below (at the end of the group: the
//! declaration order is the order of `Code::ALL` and of SARIF's rules), give it a README
//! entry, and, for a lint with its own README heading, an arm in `readme_anchor`.

use super::*;

/// The README heading of the AuthSig lints, as GitHub spells its anchor.
const AUTHSIG_LINTS_ANCHOR: &str =
    "multiple-recaps-repeated-recap-preamble-wildcard-ability-recap-not-canonical-sdk-mismatch-authsigs";

macro_rules! codes {
    ($( $variant:ident => ($name:literal, $sev:ident, $title:literal), )*) => {
        /// Stable diagnostic codes. Names never change meaning; new ones may be added.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $( $variant, )* }

        impl Code {
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The kebab-case name used in output and in `# litcap: allow(<name>)`.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $name, )* }
            }

            pub fn default_severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$sev, )* }
            }

            /// One line describing what the code reports.
            pub fn title(self) -> &'static str {
                match self { $( Code::$variant => $title, )* }
            }

            pub fn parse(s: &str) -> Option<Code> {
                Code::ALL.iter().copied().find(|c| c.as_str() == s)
            }

            /// The GitHub anchor of the README heading that documents the code (its own
            /// heading for the lints, else the table of all codes); SARIF's `helpUri`.
            pub fn readme_anchor(self) -> &'static str {
                match self {
                    Code::WildcardResource => "wildcard-resource",
                    Code::UnusedCapability => "unused-capability",
                    Code::TtlLongerThanNeeded => "ttl-longer-than-needed",
                    Code::NbIgnored => "nb-ignored",
                    Code::DecimalPkpId => "decimal-pkp-id",
                    Code::WildcardShadowsSpecific => "wildcard-shadows-specific",
                    Code::DefaultStatement => "default-statement",
                    Code::DuplicateCapability => "duplicate-capability",
                    Code::NoRequest => "no-request",
                    Code::PkpWithoutAuthAction => "pkp-without-auth-action",
                    Code::AuthActionWithoutPkp => "auth-action-without-pkp",
                    Code::PkpChainId => "pkp-chain-id",
                    Code::MultipleRecaps
                    | Code::RepeatedRecapPreamble
                    | Code::WildcardAbility
                    | Code::RecapNotCanonical
                    | Code::SdkMismatch => AUTHSIG_LINTS_ANCHOR,
                    _ => "diagnostic-codes",
                }
            }
        }
    };
}

codes! {
    // Reading and parsing policy files.
    Syntax => ("syntax", Error, "the policy file does not follow the grammar"),
    InvalidUtf8 => ("invalid-utf8", Error, "the file is not valid UTF-8"),
    FileTooLarge => ("file-too-large", Error, "the file is larger than litcap reads"),
    NestingTooDeep => ("nesting-too-deep", Error, "`where` data is nested too deeply"),
    InvalidEscape => ("invalid-escape", Error, "a string has an escape sequence that does not exist"),
    InvalidDuration => ("invalid-duration", Error, "a duration is not `<number><unit>` with unit s, m, h or d"),
    InvalidNumber => ("invalid-number", Error, "a number is out of range"),
    SchemaViolation => ("schema-violation", Error, "a YAML or JSON policy does not match the published schema"),
    // The semantic model.
    UnknownAbility => ("unknown-ability", Error, "an ability the Lit SDK v7 does not define"),
    UnknownResourcePrefix => ("unknown-resource-prefix", Error, "a resource prefix the Lit SDK v7 does not define"),
    InvalidResource => ("invalid-resource", Error, "a resource key that the SDK would reject"),
    AbilityResourceMismatch => ("ability-resource-mismatch", Error, "an ability the resource type does not support"),
    DuplicateName => ("duplicate-name", Error, "two grants or two sessions share a name"),
    DuplicateSetting => ("duplicate-setting", Error, "a setting is given twice in one block"),
    MissingDomain => ("missing-domain", Error, "a grant has no SIWE `domain`"),
    InvalidDomain => ("invalid-domain", Error, "the SIWE domain is not an RFC 3986 authority"),
    InvalidStatement => ("invalid-statement", Error, "the SIWE statement has a line break or a character EIP-4361 does not allow"),
    InvalidChainId => ("invalid-chain-id", Error, "the chain id is not a positive integer"),
    UnknownGrant => ("unknown-grant", Error, "a session names a grant that does not exist"),
    UnknownSession => ("unknown-session", Error, "the named session does not exist"),
    TtlTooLong => ("ttl-too-long", Error, "a lifetime is longer than the nodes (30 days) or the grant's `max-ttl` allow"),
    NotCovered => ("not-covered", Error, "a session requests a capability its grant does not give"),
    InvalidWhere => ("invalid-where", Error, "`where` data the ReCap cannot carry"),
    UnknownNetwork => ("unknown-network", Error, "a `network` statement names no profile litcap speaks"),
    NetworkMismatch => ("network-mismatch", Error, "files checked together name different networks"),
    DuplicateCapability => ("duplicate-capability", Warning, "the same capability is listed twice"),
    NoRequest => ("no-request", Warning, "a session requests nothing"),
    UnknownSigner => ("unknown-signer", Error, "a `signer` kind other than `pkp`"),
    InvalidAddress => ("invalid-address", Error, "a PKP address that is not `0x` and 40 hex digits, or fails its EIP-55 checksum"),
    InvalidCid => ("invalid-cid", Error, "an `auth-action` that is not an IPFS CID"),
    // Least-privilege lints.
    WildcardResource => ("wildcard-resource", Warning, "a capability on every resource of a type (`<prefix>://*`)"),
    UnusedCapability => ("unused-capability", Warning, "a granted capability that no session requests"),
    TtlLongerThanNeeded => ("ttl-longer-than-needed", Warning, "a lifetime above the configured threshold"),
    NbIgnored => ("nb-ignored", Warning, "`where` data on a `Threshold/*` ability, which the nodes ignore"),
    DecimalPkpId => ("decimal-pkp-id", Warning, "a PKP id that looks decimal but is read as hex"),
    WildcardShadowsSpecific => ("wildcard-shadows-specific", Warning, "a `<prefix>://*` key hides the abilities of a specific key"),
    DefaultStatement => ("default-statement", Warning, "no statement: the wallet shows the SDK's test statement"),
    PkpWithoutAuthAction => ("pkp-without-auth-action", Warning, "a grant with `signer pkp` names no `auth-action`: any of the PKP's auth methods may mint its sessions"),
    AuthActionWithoutPkp => ("auth-action-without-pkp", Warning, "`auth-action` lines in a grant without `signer pkp`, where no AuthSig carries an auth context"),
    PkpChainId => ("pkp-chain-id", Warning, "a grant with `signer pkp` and a chain id other than 1, which `getPkpSessionSigs` always signs"),
    MultipleRecaps => ("multiple-recaps", Warning, "an AuthSig carries several `urn:recap:` resources"),
    RepeatedRecapPreamble => ("repeated-recap-preamble", Warning, "the recap sentence appears more than once in the statement"),
    WildcardAbility => ("wildcard-ability", Warning, "an AuthSig grants `*/*`"),
    // AuthSigs, SIWE and recaps.
    InvalidJson => ("invalid-json", Error, "the input is not the JSON object litcap expects"),
    SiweSyntax => ("siwe-syntax", Error, "the SIWE message does not follow EIP-4361"),
    RecapInvalid => ("recap-invalid", Error, "a `urn:recap:` resource does not decode"),
    RecapNotCanonical => ("recap-not-canonical", Warning, "a `urn:recap:` resource is not in canonical form"),
    RecapStatementMismatch => ("recap-statement-mismatch", Error, "the statement does not end with the recap's sentence"),
    SignatureFormat => ("signature-format", Error, "a signature is not hex of the right length"),
    SignatureMismatch => ("signature-mismatch", Error, "the signature does not recover to the claimed address"),
    AddressMismatch => ("address-mismatch", Error, "the AuthSig `address` differs from the SIWE address"),
    SessionKeyMismatch => ("session-key-mismatch", Error, "the AuthSig was signed for another session key"),
    Expired => ("expired", Error, "the signature has expired"),
    NotYetValid => ("not-yet-valid", Error, "the signature is issued in the future or not valid before a later time"),
    LifetimeTooLong => ("lifetime-too-long", Error, "the signature lives longer than the nodes or the policy allow"),
    DomainMismatch => ("domain-mismatch", Error, "the AuthSig's SIWE domain or chain differs from the grant"),
    RequestNotCovered => ("request-not-covered", Error, "a session request is not covered by the AuthSig"),
    OverPrivilege => ("over-privilege", Error, "the AuthSig grants more than the policy allows"),
    SdkMismatch => ("sdk-mismatch", Warning, "the SDK's client-side check disagrees with the nodes"),
    SignerNotPkp => ("signer-not-pkp", Error, "a wallet-signed AuthSig for a grant whose signer is a PKP"),
    PkpMismatch => ("pkp-mismatch", Error, "a `lit.bls` AuthSig for another PKP than the grant's `signer pkp`"),
    AuthActionNotAllowed => ("auth-action-not-allowed", Error, "a Lit Action in the AuthSig's auth context that the grant does not list"),
    AuthActionMissing => ("auth-action-missing", Warning, "a `lit.bls` AuthSig that no listed Lit Action authorized"),
    PkpUndeclared => ("pkp-undeclared", Warning, "a `lit.bls` AuthSig for a grant that names no `signer pkp`"),
    NetworkKeyMissing => ("network-key-missing", Error, "a `lit.bls` AuthSig cannot be verified without the network's BLS key (`--network-key`)"),
    Inexpressible => ("inexpressible", Error, "an AuthSig or SessionSigs that no policy compiles to (`litcap init`)"),
    // Session signatures (node verdicts).
    SessionSigInvalid => ("session-sig-invalid", Error, "a node would reject this session signature"),
    // `explain`'s positive answers.
    Covered => ("covered", Note, "`explain`: the line that allows a request, or the request that asks for it"),
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_kebab_case() {
        let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        names.sort();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
        for n in names {
            assert!(
                n.bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'-' || b.is_ascii_digit()),
                "{n}"
            );
            assert_eq!(Code::parse(n).map(|c| c.as_str()), Some(n));
        }
    }
}
