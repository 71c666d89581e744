//! The fit of an AuthSig to a grant's `signer pkp` and `auth-action` lines: who signed it, for
//! which PKP, authorized by which Lit Actions.
//!
//! Rules and their sources:
//!
//! 1. A grant with `signer pkp` takes only network-signed AuthSigs (`derivedVia: lit.bls`,
//!    lit-peer `auth_material.rs`): a wallet's AuthSig is [`Finding::SignerNotPkp`].
//! 2. The PKP: the network signs the SIWE message, whose address is the PKP's Ethereum address
//!    (js-sdk v7 `signSessionKey`: `walletAddress: computeAddress(pkpPublicKey)`); the JSON
//!    `address` is outside the signature and the nodes never compare it (lit-peer
//!    `validators/siwe.rs`), so the signed SIWE address is compared first, then `address`
//!    (what the SDK and apps read): [`Finding::PkpMismatch`].
//! 3. The Lit Actions: every CID in the auth context's `actionIpfsIds` (lit-peer
//!    `auth/resources.rs`, [`crate::wire::auth_context`]) must be an `auth-action` of the
//!    grant, compared as strings ([`Finding::AuthActionNotAllowed`]); a grant that lists
//!    actions and an AuthSig no action authorized (a plain PKP session, or no auth context)
//!    is [`Finding::AuthActionMissing`], a warning: the session is not what the grant
//!    describes, but it grants nothing more.
//! 4. Capabilities within the grant are [`super::judge_grant`]'s job, which skips the auth
//!    context's own `lit-resolvedauthcontext://*` entry (metadata the nodes add).

use super::Finding;
use crate::eth::Address;
use crate::model::AuthAction;
use crate::wire::auth_context::AuthContext;
use crate::wire::authsig::AuthSigKind;
use crate::wire::recap::Recap;
use crate::wire::siwe::SiweMessage;

/// What a grant's `signer pkp` and `auth-action` lines expect.
#[derive(Clone, Copy, Debug)]
pub struct PkpExpectation<'a> {
    pub address: Address,
    pub actions: &'a [AuthAction],
}

/// Which address of the AuthSig names another PKP.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PkpField {
    /// The SIWE message's address, which the network signed.
    Siwe,
    /// The JSON `address`, outside the signature.
    Json,
}

/// The AuthSig against the grant's signer lines (rules 1-3).
pub fn judge_signer(
    kind: AuthSigKind,
    json_address: &str,
    m: &SiweMessage,
    recaps: &[(usize, &Recap)],
    pkp: &PkpExpectation<'_>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    match kind {
        AuthSigKind::Wallet => {
            out.push(Finding::SignerNotPkp {
                expected: pkp.address,
                signer: m.address.clone(),
            });
            return out;
        }
        AuthSigKind::BlsNetwork => {}
        // A session signature or a contract signature is already a defect of its own.
        _ => return out,
    }
    let names = |a: &str| Address::parse_any_case(a).ok() == Some(pkp.address);
    if !names(&m.address) {
        out.push(Finding::PkpMismatch {
            expected: pkp.address,
            found: m.address.clone(),
            field: PkpField::Siwe,
        });
    } else if !names(json_address) {
        out.push(Finding::PkpMismatch {
            expected: pkp.address,
            found: json_address.to_string(),
            field: PkpField::Json,
        });
    }
    let allowed: Vec<String> = pkp.actions.iter().map(|a| a.cid.clone()).collect();
    let context = AuthContext::from_recaps(recaps.iter().map(|(_, r)| *r));
    let actions = context
        .as_ref()
        .map(|c| c.action_ipfs_ids.as_slice())
        .unwrap_or_default();
    for cid in actions {
        if !allowed.contains(cid) {
            out.push(Finding::AuthActionNotAllowed {
                cid: cid.clone(),
                allowed: allowed.clone(),
            });
        }
    }
    if !allowed.is_empty() && actions.is_empty() {
        out.push(Finding::AuthActionMissing { allowed });
    }
    out
}
