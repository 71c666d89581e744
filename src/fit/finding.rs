//! The fit engine's findings: one variant per way an AuthSig can fail to fit, carrying what
//! was expected and what was found, and the verdicts of the nodes and of the SDK.

use super::node_error::NodeErrorKind;
use crate::diag::{Code, Severity};
use crate::eth::{Address, SignatureError};
use crate::time::{Timestamp, Ttl};
use crate::wire::authsig::AuthSigKind;
use crate::wire::coverage::Gap;
use crate::wire::lit::{Ability, Resource};
use crate::wire::recap::RecapError;
use crate::wire::siwe::SiweParseError;

/// One way an AuthSig does not fit its expectations. The first group is about the AuthSig
/// itself (a store treats these as corrupt or foreign entries); the rest are about its fit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    // ------------------------------------------------------------- the AuthSig itself
    /// Not a wallet signature: a session signature or an EIP-1271 contract signature.
    NotAWalletSignature {
        kind: AuthSigKind,
        derived_via: String,
    },
    /// A PKP AuthSig signed by the network's BLS key, and no network key to verify it.
    BlsUnverifiable {
        derived_via: String,
    },
    /// A `lit.bls` `sig` that does not decode (the node: `NodeSIWESigConversionError`).
    BlsSignatureFormat {
        why: String,
    },
    /// A `lit.bls` signature that does not verify against the network key.
    BlsSignatureInvalid {
        why: String,
    },
    /// The SIWE message does not parse as the SDK parses it.
    SiweUnreadable {
        error: SiweParseError,
        /// The nodes' more lenient parser reads it.
        nodes_accept: bool,
    },
    /// An `algo` the SDK does not know (it throws).
    UnknownAlgo {
        algo: String,
    },
    /// `sig` is not a 65-byte EIP-191 signature.
    SignatureFormat {
        error: SignatureError,
    },
    /// `sig` has no `0x`: the nodes accept it, the SDK's ethers rejects it.
    SignatureWithout0x,
    /// The signature does not recover to the SIWE address (as the nodes verify it).
    SignatureMismatch {
        recovered: Option<Address>,
        address: String,
        /// The signature matches the text as written, which the verifiers re-write.
        matches_text_as_written: bool,
    },
    /// The JSON `address` is not the SIWE address.
    AddressField {
        field: String,
        siwe: String,
    },
    /// A `urn:recap:` resource does not decode.
    RecapUndecodable {
        resource_index: usize,
        urn: String,
        error: RecapError,
    },
    /// The statement does not end with a recap's sentence.
    RecapStatementMismatch {
        resource_index: usize,
        sentence: String,
        /// Without a statement the nodes accept it (the wallet showed no description); also
        /// `true` without one under ERC-5573, whose verifier requires it.
        has_statement: bool,
    },
    /// The first resource is not a `urn:recap:`: the SDK decodes only it, and throws.
    FirstResourceNotRecap,
    // ------------------------------------------------------------------ the fit
    /// Signed by another wallet than the one expected.
    OtherWallet {
        expected: Address,
        actual: Address,
    },
    /// Issued for another URI (another session key, or not a delegation).
    UriMismatch {
        expected: String,
        found: String,
    },
    /// No session key was given and the URI names none.
    UriNamesNoSessionKey {
        found: String,
    },
    Expired {
        expiration: Timestamp,
        at: Timestamp,
        /// The SDK's rule says expired (milliseconds, `now >= exp`).
        sdk: bool,
        /// The nodes' rule says expired (`now > exp`).
        node: bool,
    },
    NotYetValid {
        not_before: Timestamp,
        at: Timestamp,
        sdk: bool,
        node: bool,
    },
    /// Expires before the session it would sign for.
    ExpiresBeforeSession {
        expiration: Timestamp,
        session_end: Timestamp,
    },
    /// The nodes find no recap covering a request.
    NotCovered {
        request: usize,
        resource: Resource,
        ability: Ability,
        gap: Gap,
    },
    /// The nodes cover a request, but only through a recap the SDK does not read.
    SdkNotCovered {
        request: usize,
        resource: Resource,
        ability: Ability,
        /// The `Resources` index of the recap that covers it for the nodes.
        granted_by: usize,
    },
    /// A capability beyond the grant.
    OverPrivilege {
        resource_index: usize,
        resource: String,
        ability: String,
    },
    /// Lives longer than the grant allows.
    LifetimeTooLong {
        lifetime_ms: i64,
        max: Ttl,
    },
    DomainMismatch {
        expected: String,
        found: String,
    },
    ChainMismatch {
        expected: u64,
        found: u64,
    },
    /// A wallet signed it, but the grant's signer is a PKP (`signer pkp`).
    SignerNotPkp {
        expected: Address,
        /// The SIWE address (the wallet).
        signer: String,
    },
    /// A network-signed AuthSig for another PKP than the grant's.
    PkpMismatch {
        expected: Address,
        found: String,
        field: super::PkpField,
    },
    /// A Lit Action in the auth context that the grant's `auth-action` lines do not list.
    AuthActionNotAllowed {
        cid: String,
        allowed: Vec<String>,
    },
    /// The grant lists Lit Actions, and none authorized this session.
    AuthActionMissing {
        allowed: Vec<String>,
    },
    /// A network-signed PKP session under a grant that names no signer: any PKP's session
    /// with these capabilities would fit it.
    PkpUndeclared {
        pkp: String,
        actions: Vec<String>,
    },
}

/// What the SDK (`checkNeedToResignSessionKey`) does because of a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SdkEffect {
    /// It does not look at this.
    Ignores,
    /// It asks the wallet to sign again.
    Resigns,
    /// It throws, so `getSessionSigs` fails.
    Throws,
    /// It depends on what litcap cannot check (the BLS signature).
    Unknown,
}

impl Finding {
    /// The diagnostic code every renderer uses.
    pub fn code(&self) -> Code {
        use Finding as F;
        match self {
            F::NotAWalletSignature { .. } | F::BlsSignatureFormat { .. } => Code::SignatureFormat,
            F::BlsUnverifiable { .. } => Code::NetworkKeyMissing,
            F::BlsSignatureInvalid { .. } => Code::SignatureMismatch,
            F::SiweUnreadable { .. } => Code::SiweSyntax,
            F::UnknownAlgo { .. } | F::SignatureFormat { .. } | F::SignatureWithout0x => {
                Code::SignatureFormat
            }
            F::SignatureMismatch { .. } => Code::SignatureMismatch,
            F::AddressField { .. } | F::OtherWallet { .. } => Code::AddressMismatch,
            F::RecapUndecodable { .. } | F::FirstResourceNotRecap => Code::RecapInvalid,
            F::RecapStatementMismatch { .. } => Code::RecapStatementMismatch,
            F::UriMismatch { .. } | F::UriNamesNoSessionKey { .. } => Code::SessionKeyMismatch,
            F::Expired { .. } | F::ExpiresBeforeSession { .. } => Code::Expired,
            F::NotYetValid { .. } => Code::NotYetValid,
            F::NotCovered { .. } => Code::RequestNotCovered,
            F::SdkNotCovered { .. } => Code::SdkMismatch,
            F::OverPrivilege { .. } => Code::OverPrivilege,
            F::LifetimeTooLong { .. } => Code::LifetimeTooLong,
            F::DomainMismatch { .. } | F::ChainMismatch { .. } => Code::DomainMismatch,
            F::SignerNotPkp { .. } => Code::SignerNotPkp,
            F::PkpMismatch { .. } => Code::PkpMismatch,
            F::AuthActionNotAllowed { .. } => Code::AuthActionNotAllowed,
            F::AuthActionMissing { .. } => Code::AuthActionMissing,
            F::PkpUndeclared { .. } => Code::PkpUndeclared,
        }
    }

    /// Error: the nodes reject the AuthSig, or the policy forbids it. Warning: it works, but
    /// the SDK re-signs every time or the wallet showed less than it signed.
    pub fn severity(&self) -> Severity {
        match self {
            Finding::SignatureWithout0x
            | Finding::UriNamesNoSessionKey { .. }
            | Finding::SdkNotCovered { .. }
            | Finding::AuthActionMissing { .. }
            | Finding::PkpUndeclared { .. }
            | Finding::RecapStatementMismatch {
                has_statement: false,
                ..
            } => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// Whether the AuthSig itself is broken or not litcap's to judge (a store treats these as
    /// corrupt or foreign entries rather than replacing them).
    pub fn is_defect(&self) -> bool {
        use Finding as F;
        match self {
            F::NotAWalletSignature { .. }
            | F::BlsUnverifiable { .. }
            | F::BlsSignatureFormat { .. }
            | F::BlsSignatureInvalid { .. }
            | F::SiweUnreadable { .. }
            | F::UnknownAlgo { .. }
            | F::SignatureFormat { .. }
            | F::SignatureMismatch { .. }
            | F::AddressField { .. }
            | F::RecapUndecodable { .. }
            | F::OtherWallet { .. } => true,
            F::RecapStatementMismatch { has_statement, .. } => *has_statement,
            _ => false,
        }
    }

    /// Signed by someone else: not corrupt, but not litcap's to replace.
    pub fn is_foreign(&self) -> bool {
        matches!(
            self,
            Finding::NotAWalletSignature { .. }
                | Finding::BlsUnverifiable { .. }
                | Finding::UnknownAlgo { .. }
                | Finding::OtherWallet { .. }
        )
    }

    /// The error a node reports for this AuthSig as a session capability (`None`: the nodes
    /// do not check it; litcap's policy does).
    pub fn node_error(&self) -> Option<NodeErrorKind> {
        use Finding as F;
        use NodeErrorKind as K;
        match self {
            F::NotAWalletSignature { .. } => Some(K::NodeSIWEMessageError),
            F::BlsUnverifiable { .. } => Some(K::BlsNoNetworkKey),
            F::BlsSignatureFormat { .. } => Some(K::NodeSIWESigConversionError),
            F::BlsSignatureInvalid { .. } => Some(K::NodeSIWEMessageError),
            F::SiweUnreadable {
                nodes_accept: false,
                ..
            } => Some(K::NodeSIWECapabilityInvalid),
            F::SignatureFormat { .. } => Some(K::NodeSIWEMessageError),
            F::SignatureMismatch { .. } => Some(K::NodeSIWEMessageError),
            F::RecapStatementMismatch {
                has_statement: true,
                ..
            } => Some(K::NodeSIWECapabilityInvalid),
            F::UriMismatch { .. } => Some(K::NodeSIWEMessageError),
            F::Expired { node: true, .. } | F::NotYetValid { node: true, .. } => {
                Some(K::NodeSIWEMessageError)
            }
            F::NotCovered { .. } => Some(K::NodeResourceIdNotFound),
            _ => None,
        }
    }

    /// What the SDK does about it.
    pub fn sdk(&self) -> SdkEffect {
        use Finding as F;
        match self {
            F::SiweUnreadable { .. } | F::UnknownAlgo { .. } | F::FirstResourceNotRecap => {
                SdkEffect::Throws
            }
            F::RecapUndecodable { resource_index, .. } if *resource_index == 0 => SdkEffect::Throws,
            F::BlsUnverifiable { .. } => SdkEffect::Unknown,
            // The SDK never verifies the BLS signature (its `blsSessionSigVerify` leaves the
            // verifier call commented out).
            F::BlsSignatureFormat { .. } | F::BlsSignatureInvalid { .. } => SdkEffect::Ignores,
            F::SignatureFormat { .. }
            | F::SignatureWithout0x
            | F::SignatureMismatch { .. }
            | F::UriMismatch { .. }
            | F::Expired { sdk: true, .. }
            | F::NotYetValid { sdk: true, .. }
            | F::NotCovered { .. }
            | F::SdkNotCovered { .. } => SdkEffect::Resigns,
            _ => SdkEffect::Ignores,
        }
    }

    /// A lowercase sentence about the AuthSig ("it ..."), naming values in backticks: the
    /// wording of `sign` and of the key store's notes.
    pub fn sentence(&self) -> String {
        use Finding as F;
        match self {
            F::NotAWalletSignature { derived_via, .. } => {
                format!(
                    "it is not a wallet `personal_sign` AuthSig (`derivedVia` is `{derived_via}`)"
                )
            }
            F::BlsUnverifiable { derived_via } => format!(
                "it is signed by the Lit network (`derivedVia` is `{derived_via}`), and no network key was given to verify it"
            ),
            F::UnknownAlgo { algo } => {
                format!("it is not a wallet `personal_sign` AuthSig (`algo` is `{algo}`)")
            }
            F::BlsSignatureFormat { why } => format!("its BLS `sig` does not decode: {why}"),
            F::BlsSignatureInvalid { why } => format!("its BLS signature is not valid: {why}"),
            F::SiweUnreadable { error, .. } => {
                format!("its SIWE message cannot be read: {error}")
            }
            F::SignatureFormat { .. } | F::SignatureMismatch { .. } => {
                "its signature does not recover to the SIWE address".to_string()
            }
            F::SignatureWithout0x => "its `sig` has no `0x` prefix".to_string(),
            F::AddressField { field, siwe } => {
                format!("its `address` `{field}` differs from the SIWE address `{siwe}`")
            }
            F::RecapUndecodable { error, .. } => {
                format!("its `urn:recap:` resource does not decode: {error}")
            }
            F::FirstResourceNotRecap => "its first resource is not a `urn:recap:`".to_string(),
            F::RecapStatementMismatch { sentence, .. } => {
                format!("its statement does not end with its recap's sentence `{sentence}`")
            }
            F::OtherWallet { expected, actual } => format!(
                "it was signed by `{}`, not by the wallet `{}`",
                actual.to_checksum(),
                expected.to_checksum()
            ),
            F::UriMismatch { expected, found } => {
                format!("it was issued for `{found}`, not for `{expected}`")
            }
            F::UriNamesNoSessionKey { found } => {
                format!("its URI `{found}` names no session key")
            }
            F::Expired { expiration, .. } => format!("it expired at `{expiration}`"),
            F::NotYetValid { not_before, .. } => format!("it is not valid before `{not_before}`"),
            F::ExpiresBeforeSession {
                expiration,
                session_end,
            } => format!("it expires at `{expiration}`, before the session (`{session_end}`)"),
            F::NotCovered {
                resource, ability, ..
            }
            | F::SdkNotCovered {
                resource, ability, ..
            } => format!("it does not grant `{ability} on {resource}`"),
            F::OverPrivilege {
                resource, ability, ..
            } => format!("it grants more than the grant allows: `{ability}` on `{resource}`"),
            F::LifetimeTooLong { lifetime_ms, max } => format!(
                "it lives {}, longer than the allowed {max}",
                Ttl((lifetime_ms / 1000).max(0) as u64)
            ),
            F::DomainMismatch { expected, found } => {
                format!("its SIWE domain is `{found}`, not the grant's `{expected}`")
            }
            F::ChainMismatch { expected, found } => {
                format!("its chain id is `{found}`, not the grant's `{expected}`")
            }
            F::SignerNotPkp { expected, signer } => format!(
                "it is signed by the wallet `{signer}`, but the grant's signer is the PKP `{}`",
                expected.to_checksum()
            ),
            F::PkpMismatch {
                expected,
                found,
                field,
            } => format!(
                "it is for the PKP `{found}` ({}), not the grant's `{}`",
                match field {
                    super::PkpField::Siwe => "its signed SIWE address",
                    super::PkpField::Json => "its `address`",
                },
                expected.to_checksum()
            ),
            F::AuthActionNotAllowed { cid, .. } => {
                format!("the Lit Action `{cid}` authorized it, and the grant does not list it")
            }
            F::AuthActionMissing { .. } => {
                "no Lit Action the grant lists authorized it".to_string()
            }
            F::PkpUndeclared { pkp, .. } => format!(
                "the Lit network signed it for the PKP `{pkp}`, and the grant names no signer"
            ),
        }
    }
}
