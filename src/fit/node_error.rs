//! The errors a Lit node reports when it refuses a session signature (lit-peer
//! `lit-node-core` `EC` codes), the vocabulary of the fit engine's node verdicts.

use std::fmt;

/// The error a node reports (its `EC` code name), plus two litcap verdicts for what a static
/// check cannot decide.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NodeErrorKind {
    /// The entry is not a session signature at all.
    NodeInvalidAuthSig,
    NodeAuthSigAddressConversionError,
    NodeAuthSigSessionKeyConversionError,
    NodeAuthSigSignatureConversionError,
    NodeInvalidAuthSigSessionKeySignature,
    NodeAuthSigSignedMessageConversionError,
    NodeResourceIdNotFound,
    NodeParserError,
    NodeIatOutsideGracePeriod,
    NodeExpWrongOrTooLarge,
    NodeNotAuthorized,
    NodeSIWECapabilityInvalid,
    NodeSIWEMessageError,
    NodeSIWESigConversionError,
    /// litcap: a `resourceAbilityRequests` entry no operation can match (unknown prefix or
    /// ability, or an ability the resource type does not support).
    InvalidResourceAbilityRequest,
    /// litcap: the deciding capability is a PKP AuthSig signed with the network's BLS key,
    /// and no network key was given to verify it (`--network-key`); everything else passes.
    BlsNoNetworkKey,
    /// litcap, Naga: the nodes accept the session signature, but a payment delegation among
    /// its capabilities will not pay, because the session's `maxPrice` exceeds the
    /// delegation's `max_price` (lit-peer `payment/payment_delegation.rs`
    /// `validate_delegation_requirements`); the user is charged instead, or the request fails
    /// with `PaymentFailed`.
    PaymentDelegationUnusable,
}

impl NodeErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeErrorKind::NodeInvalidAuthSig => "NodeInvalidAuthSig",
            NodeErrorKind::NodeAuthSigAddressConversionError => "NodeAuthSigAddressConversionError",
            NodeErrorKind::NodeAuthSigSessionKeyConversionError => {
                "NodeAuthSigSessionKeyConversionError"
            }
            NodeErrorKind::NodeAuthSigSignatureConversionError => {
                "NodeAuthSigSignatureConversionError"
            }
            NodeErrorKind::NodeInvalidAuthSigSessionKeySignature => {
                "NodeInvalidAuthSigSessionKeySignature"
            }
            NodeErrorKind::NodeAuthSigSignedMessageConversionError => {
                "NodeAuthSigSignedMessageConversionError"
            }
            NodeErrorKind::NodeResourceIdNotFound => "NodeResourceIdNotFound",
            NodeErrorKind::NodeParserError => "NodeParserError",
            NodeErrorKind::NodeIatOutsideGracePeriod => "NodeIatOutsideGracePeriod",
            NodeErrorKind::NodeExpWrongOrTooLarge => "NodeExpWrongOrTooLarge",
            NodeErrorKind::NodeNotAuthorized => "NodeNotAuthorized",
            NodeErrorKind::NodeSIWECapabilityInvalid => "NodeSIWECapabilityInvalid",
            NodeErrorKind::NodeSIWEMessageError => "NodeSIWEMessageError",
            NodeErrorKind::NodeSIWESigConversionError => "NodeSIWESigConversionError",
            NodeErrorKind::InvalidResourceAbilityRequest => "InvalidResourceAbilityRequest",
            NodeErrorKind::BlsNoNetworkKey => "BlsNoNetworkKey",
            NodeErrorKind::PaymentDelegationUnusable => "PaymentDelegationUnusable",
        }
    }
}

impl fmt::Display for NodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
