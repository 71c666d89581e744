//! The auth context the nodes put into a PKP / Lit Action session's SIWE (`lit.bls` AuthSigs).
//!
//! Rules and their source: the nodes add the recap attenuation `lit-resolvedauthcontext://*`
//! → `Auth/Auth` whose first nota bene is `{"auth_context": {actionIpfsIds,
//! authMethodContexts, authSigAddress, customAuthResource, resources}}` (lit-peer
//! `auth/resources.rs` / sign-session-key endpoint; fixture in js-sdk
//! `packages/schemas/src/lib/schemas.ts`, the comment above `BlsResponseDataSchema`).
//! `actionIpfsIds` lists the Lit Actions that authorized the session (empty for a plain PKP
//! session); `customAuthResource` is what the action returned. It is metadata: the nodes'
//! coverage check ignores nota bene.

use crate::wire::recap::Recap;
use serde_json::Value;

/// The resource key of the auth context attenuation.
pub const RESOURCE_KEY: &str = "lit-resolvedauthcontext://*";
/// Its ability.
pub const ABILITY: &str = "Auth/Auth";

/// The decoded `auth_context`, as the nodes wrote it.
#[derive(Clone, Debug, PartialEq)]
pub struct AuthContext {
    /// `actionIpfsIds`: the Lit Actions (IPFS CIDs) that authorized the session.
    pub action_ipfs_ids: Vec<String>,
    /// The whole object, as written.
    pub raw: Value,
}

impl AuthContext {
    /// The first auth context found in the recaps.
    pub fn from_recaps<'r>(recaps: impl IntoIterator<Item = &'r Recap>) -> Option<AuthContext> {
        recaps.into_iter().find_map(|r| {
            let nb = r.abilities_for(RESOURCE_KEY)?.get(ABILITY)?;
            let ctx = nb.iter().find_map(|n| n.get("auth_context"))?;
            let action_ipfs_ids = ctx
                .get("actionIpfsIds")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            Some(AuthContext {
                action_ipfs_ids,
                raw: ctx.clone(),
            })
        })
    }

    /// A Lit Action session (some action authorized it).
    pub fn is_lit_action(&self) -> bool {
        !self.action_ipfs_ids.is_empty()
    }

    /// In words, for people.
    pub fn describe(&self) -> String {
        let methods = self
            .raw
            .get("authMethodContexts")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        if self.is_lit_action() {
            format!(
                "a Lit Action session: authorized by {} ({} auth method{})",
                self.action_ipfs_ids
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                methods,
                if methods == 1 { "" } else { "s" }
            )
        } else {
            format!(
                "a PKP session: no Lit Action, {methods} auth method{}",
                if methods == 1 { "" } else { "s" }
            )
        }
    }
}
