//! A verdict's capabilities as `verify` reports them, `{kind, address, authContext}`, kept
//! compact until printed.
//!
//! Rules:
//! - `kind` is the AuthSig's kind by its `derivedVia` and `algo` (`authsig::kind_of`).
//! - `authContext` only for `lit.bls` AuthSigs, from their recaps (the nodes write it;
//!   [`crate::wire::auth_context`]); `null` otherwise and when the message does not read.
//! - Why a struct and not the JSON object: a bulk `verify` keeps every file's verdicts until
//!   it prints them, and an object per capability (an ordered map, its keys and values) is
//!   about seven allocations where this is one (issue #13 goal 2, round seven).

use super::input::PayloadAuthSig;
use crate::wire::auth_context::AuthContext;
use crate::wire::authsig::{self, AuthSigKind};
use crate::wire::recap::Recap;
use crate::wire::siwe::{Flavor, SiweMessage};
use serde_json::Value;

/// One capability of an entry's payload, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodedCapability {
    /// The AuthSig's kind, e.g. `lit.bls` (`AuthSigKind::as_str`).
    pub kind: &'static str,
    pub address: String,
    /// The auth context the nodes derive from a `lit.bls` AuthSig's recaps (boxed: a JSON
    /// value is 72 bytes, and most capabilities have none).
    pub auth_context: Option<Box<Value>>,
}

impl DecodedCapability {
    pub(super) fn decode(cap: &PayloadAuthSig<'_>) -> DecodedCapability {
        let kind = authsig::kind_of(&cap.derived_via, cap.algo.as_deref());
        let auth_context = (kind == AuthSigKind::BlsNetwork)
            .then(|| SiweMessage::parse_with_spans(&cap.signed_message, Flavor::Node).ok())
            .flatten()
            .and_then(|(m, _)| {
                let recaps: Vec<Recap> = m
                    .recap_resources()
                    .filter_map(|urn| Recap::decode(urn).ok().map(|d| d.recap))
                    .collect();
                AuthContext::from_recaps(&recaps)
            });
        DecodedCapability {
            kind: kind.as_str(),
            address: cap.address.to_string(),
            auth_context: auth_context.map(|c| Box::new(c.raw)),
        }
    }

    /// `{kind, address, authContext}`.
    pub fn to_json(&self) -> Value {
        serde_json::json!({
            "kind": self.kind,
            "address": self.address,
            "authContext": self.auth_context,
        })
    }
}
