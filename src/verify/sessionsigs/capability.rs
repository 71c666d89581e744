//! A session capability judged as the nodes judge one (step 6 of lit-peer's
//! `validate_session_sig`, see the list in [`super`]): the request-independent evaluation of one
//! capability (SIWE, time, signature, `lit:session:` URI), cached per bundle, and the search for a
//! capability whose recaps cover an operation.

use super::input::*;
use super::*;
use crate::eth::Signature;
use crate::fit::{self, Audience, Finding};
use crate::time::Timestamp;
use crate::wire::authsig::{self, AuthSigKind};
use crate::wire::bls::{self, BlsSignature, NetworkKey};
use crate::wire::coverage::{self, Gap, Request, Verdict};
use crate::wire::recap::Recap;
use crate::wire::siwe::{Flavor, SiweMessage, SiweVerifyError};

/// The request-independent result of one capability for one session key.
pub(super) enum CapEval {
    /// Rejected before any coverage check.
    Fail(NodeErrorKind, String),
    /// Valid (or, for BLS without a network key, valid up to the signature): these recaps
    /// decide coverage.
    Ready {
        recaps: Vec<Recap>,
        /// A `lit.bls` AuthSig whose signature was not checked (no network key).
        unverified: bool,
        signer: String,
    },
}

pub(super) struct CapCacheEntry<'p> {
    sig: &'p str,
    signed_message: &'p str,
    derived_via: &'p str,
    algo: Option<&'p str>,
    session: &'p str,
    /// Shared with the other maps this thread verifies ([`super::capability_memo`]).
    eval: std::rc::Rc<CapEval>,
}

/// The hex a node's `hex_to_bytes` accepts: an optional `0x`, then hex digits, an odd number
/// of them left-padded with a `0` (lit-core `utils/binary.rs` `hex_to_bytes`, the same in the
/// Datil node's lit-core; used for the entry's `address` in `check_ed25519_auth_sig` and for a
/// capability's `sig` in `validators/siwe.rs` `validate_auth_sig_basic`).
pub(super) fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    let h = s.strip_prefix("0x").unwrap_or(s);
    if h.len() % 2 == 1 {
        hex::decode(format!("0{h}")).ok()
    } else {
        hex::decode(h).ok()
    }
}

pub(super) fn short(s: &str) -> String {
    if s.chars().count() <= 42 {
        s.to_string()
    } else {
        let head: String = s.chars().take(10).collect();
        let tail: String = s
            .chars()
            .rev()
            .take(6)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("{head}…{tail}")
    }
}

/// Everything the nodes check about one capability that does not depend on the request.
pub(super) fn evaluate_capability(
    cap: &PayloadAuthSig<'_>,
    session: Option<&str>,
    now: Timestamp,
    key: Option<&NetworkKey>,
) -> CapEval {
    let kind = authsig::kind_of(&cap.derived_via, cap.algo.as_deref());
    let is_bls = match kind {
        AuthSigKind::Wallet => false,
        AuthSigKind::BlsNetwork => true,
        other => {
            return CapEval::Fail(
                NodeErrorKind::NodeSIWEMessageError,
                format!(
                    "it is a {} signature (`derivedVia` `{}`); only wallet and PKP (BLS) AuthSigs can be session capabilities",
                    other.as_str(),
                    cap.derived_via
                ),
            )
        }
    };
    let m = match SiweMessage::parse_with_spans(&cap.signed_message, Flavor::Node) {
        Ok((m, _)) => m,
        Err(e) => {
            return CapEval::Fail(
                NodeErrorKind::NodeSIWECapabilityInvalid,
                format!("its SIWE message does not parse: {e}"),
            )
        }
    };
    let mut signer = m.address.clone();
    let profile = &crate::profile::DATIL;
    let mut unverified = false;
    if is_bls {
        // lit-peer `auth/validators/siwe.rs` `validate_bls_auth_sig_basic`: `valid_now()`,
        // then the signature over `siwe_hash_to_bls_session_hash(eip191_hash())`, then the
        // URI; `address` is not compared with anything.
        if let Err(e) = (profile.node.siwe_time)(&m, now) {
            return CapEval::Fail(NodeErrorKind::NodeSIWEMessageError, e.to_string());
        }
        match key {
            None => unverified = true,
            Some(key) => {
                let sig = match BlsSignature::parse(&cap.sig) {
                    Ok(s) => s,
                    Err(e) => {
                        return CapEval::Fail(
                            NodeErrorKind::NodeSIWESigConversionError,
                            e.to_string(),
                        )
                    }
                };
                let data = bls::session_hash_of_digest(&m.eip191_digest(Flavor::Node));
                if let Err(e) = sig.verify(key, &data) {
                    return CapEval::Fail(NodeErrorKind::NodeSIWEMessageError, e.to_string());
                }
            }
        }
    } else {
        let Some(bytes) = hex_bytes(&cap.sig) else {
            return CapEval::Fail(
                NodeErrorKind::NodeSIWESigConversionError,
                format!("its `sig` `{}` is not hex", short(&cap.sig)),
            );
        };
        if let Err(e) = (profile.node.siwe_time)(&m, now) {
            return CapEval::Fail(NodeErrorKind::NodeSIWEMessageError, e.to_string());
        }
        let Ok(raw) = <[u8; 65]>::try_from(bytes.as_slice()) else {
            return CapEval::Fail(
                NodeErrorKind::NodeSIWEMessageError,
                format!(
                    "its signature is {} bytes; an EIP-191 signature is 65",
                    bytes.len()
                ),
            );
        };
        // siwe-rs: `RecoveryId::try_from(v % 27)`; ids 2 and 3 never recover a key here.
        let mut sig = Signature(raw);
        sig.0[64] = raw[64] % 27;
        match m.check_signature(&sig, Flavor::Node) {
            Ok(a) => signer = a.to_checksum(),
            Err(SiweVerifyError::SignatureMismatch { recovered, address }) => {
                return CapEval::Fail(
                    NodeErrorKind::NodeSIWEMessageError,
                    match recovered {
                        Some(r) => format!(
                            "its signature was made by `{r}`, not by the SIWE address `{address}`"
                        ),
                        None => "its signature does not recover to any address".to_string(),
                    },
                )
            }
            Err(e) => return CapEval::Fail(NodeErrorKind::NodeSIWEMessageError, e.to_string()),
        }
    }
    if let Some(Finding::UriMismatch { expected, found }) =
        session.and_then(|session| fit::judge_audience(&m, Audience::SessionKey(session), profile))
    {
        return CapEval::Fail(
            NodeErrorKind::NodeSIWEMessageError,
            format!("it is signed for `{found}`, not for this session key `{expected}`"),
        );
    }
    let mut recaps = Vec::new();
    for (index, urn) in m.recap_resources().enumerate() {
        // The nodes skip recaps that do not decode.
        let Ok(d) = Recap::decode(urn) else { continue };
        if let Some(f) = fit::recap_statement(&m, index, &d.recap) {
            if let (Some(kind), Finding::RecapStatementMismatch { sentence, .. }) =
                (f.node_error(), &f)
            {
                return CapEval::Fail(
                    kind,
                    format!("its statement does not end with its recap's sentence `{sentence}`"),
                );
            }
        }
        recaps.push(d.recap);
    }
    CapEval::Ready {
        recaps,
        unverified,
        signer,
    }
}

/// A capability (AuthSig) judged alone as the nodes judge one, before coverage.
#[derive(Clone, Debug)]
pub struct CapabilityVerdict {
    /// `wallet` or `bls-network` (or the kind that cannot be a capability).
    pub kind: AuthSigKind,
    /// The SIWE address, or for a wallet AuthSig the recovered signer.
    pub signer: Option<String>,
    /// `Err((node error kind, why))`.
    pub result: Result<(), (NodeErrorKind, String)>,
    /// The recaps the nodes decode from it.
    pub recaps: Vec<Recap>,
}

#[allow(clippy::too_many_arguments)]
/// Judges one AuthSig as a node judges a session capability: SIWE, time, signature (for
/// `lit.bls`, against `network_key`: without one the verdict is
/// [`NodeErrorKind::BlsNoNetworkKey`]), and the `lit:session:` URI when `session` is given.
pub fn judge_capability(
    sig: &str,
    derived_via: &str,
    signed_message: &str,
    address: &str,
    algo: Option<&str>,
    session: Option<&str>,
    now: Timestamp,
    network_key: Option<&NetworkKey>,
) -> CapabilityVerdict {
    use std::borrow::Cow;
    let cap = PayloadAuthSig {
        sig: Cow::Borrowed(sig),
        derived_via: Cow::Borrowed(derived_via),
        signed_message: Cow::Borrowed(signed_message),
        address: Cow::Borrowed(address),
        algo: algo.map(Cow::Borrowed),
    };
    let kind = authsig::kind_of(derived_via, algo);
    let parsed = SiweMessage::parse_with_spans(signed_message, Flavor::Node)
        .ok()
        .map(|(m, _)| m);
    let siwe_address = parsed.as_ref().map(|m| m.address.clone());
    match evaluate_capability(&cap, session, now, network_key) {
        CapEval::Fail(k, why) => CapabilityVerdict {
            kind,
            signer: siwe_address,
            result: Err((k, why)),
            recaps: parsed
                .map(|m| {
                    m.recap_resources()
                        .filter_map(|urn| Recap::decode(urn).ok().map(|d| d.recap))
                        .collect()
                })
                .unwrap_or_default(),
        },
        CapEval::Ready {
            recaps,
            unverified,
            signer,
        } => CapabilityVerdict {
            kind,
            signer: Some(signer),
            result: if unverified {
                Err((
                    NodeErrorKind::BlsNoNetworkKey,
                    "it is signed by the Lit network's BLS key, and no network key was given to verify it".to_string(),
                ))
            } else {
                Ok(())
            },
            recaps,
        },
    }
}

pub(super) fn gap_reason(gap: &Gap, request: &Request) -> String {
    authsig::describe_gap(gap, request).0
}

/// The recaps of the capabilities that are valid for this session key now (wallet AuthSigs
/// only: a BLS one is not verifiable here), from the cache `check_capabilities` filled.
pub(super) fn valid_recaps<'c>(
    capabilities: &[PayloadAuthSig<'_>],
    session: &str,
    cache: &'c [CapCacheEntry<'_>],
) -> Vec<&'c Recap> {
    let mut out = Vec::new();
    for cap in capabilities {
        let found = cache.iter().find(|c| {
            c.sig == cap.sig.as_ref()
                && c.signed_message == cap.signed_message.as_ref()
                && c.derived_via == cap.derived_via.as_ref()
                && c.algo == cap.algo.as_deref()
                && c.session == session
        });
        if let Some(CapEval::Ready {
            recaps,
            unverified: false,
            ..
        }) = found.map(|c| &*c.eval)
        {
            out.extend(recaps.iter());
        }
    }
    out
}

/// Step 6 for one operation (`describe` names it in messages; `rref` is the listed request
/// it stands for, if any).
// The operation, the listed request it stands for and the node's clock and key are what the
// node has at hand at step 6; bundling them would only rename the arguments.
#[allow(clippy::too_many_arguments)]
pub(super) fn check_capabilities<'p>(
    capabilities: &'p [PayloadAuthSig<'p>],
    op: &Request,
    describe: &str,
    rref: Option<&RequestRef>,
    session: &'p str,
    now: Timestamp,
    network_key: Option<&NetworkKey>,
    cache: &mut Vec<CapCacheEntry<'p>>,
) -> Result<(), NodeError> {
    use NodeErrorKind as K;
    let wrap =
        |inner: &str, message: String, help: String, failures: Vec<CapabilityFailure>| NodeError {
            inner: Some((K::NodeSIWECapabilityInvalid, inner.to_string())),
            request: rref.cloned(),
            capabilities: failures,
            ..NodeError::new(K::NodeResourceIdNotFound, message, help)
        };
    if capabilities.is_empty() {
        return Err(wrap(
            "Empty capabilities array.",
            format!(
                "the session signature carries no capabilities (AuthSigs), so nothing authorizes {}",
                describe
            ),
            "pass an AuthSig: `getSessionSigs` puts the one `authNeededCallback` returns in `capabilities`".to_string(),
            Vec::new(),
        ));
    }
    let mut failures = Vec::new();
    let mut unverifiable: Option<usize> = None;
    for (index, cap) in capabilities.iter().enumerate() {
        let at = match cache.iter().position(|c| {
            c.sig == cap.sig.as_ref()
                && c.signed_message == cap.signed_message.as_ref()
                && c.derived_via == cap.derived_via.as_ref()
                && c.algo == cap.algo.as_deref()
                && c.session == session
        }) {
            Some(i) => i,
            None => {
                cache.push(CapCacheEntry {
                    sig: &cap.sig,
                    signed_message: &cap.signed_message,
                    derived_via: &cap.derived_via,
                    algo: cap.algo.as_deref(),
                    session,
                    eval: super::capability_memo::evaluate_shared(
                        cap,
                        Some(session),
                        now,
                        network_key,
                    ),
                });
                cache.len() - 1
            }
        };
        let Some(entry) = cache.get(at) else { continue };
        match &*entry.eval {
            CapEval::Fail(kind, message) => failures.push(CapabilityFailure {
                index,
                kind: *kind,
                message: format!(
                    "capability {index} (AuthSig of `{}`): {message}",
                    short(&cap.address)
                ),
            }),
            CapEval::Ready {
                recaps,
                unverified,
                signer,
            } => {
                let (verdict, _) = coverage::check_any(recaps, &op.resource, op.ability);
                match verdict {
                    Verdict::Covered { .. } if !unverified => return Ok(()),
                    Verdict::Covered { .. } => {
                        unverifiable.get_or_insert(index);
                    }
                    Verdict::NotCovered(gap) => {
                        let reason = if recaps.is_empty() {
                            "it carries no `urn:recap:` resource that decodes".to_string()
                        } else {
                            gap_reason(&gap, op)
                        };
                        failures.push(CapabilityFailure {
                            index,
                            kind: K::NodeSIWECapabilityInvalid,
                            message: format!(
                                "capability {index} (AuthSig of `{signer}`): {reason}"
                            ),
                        });
                    }
                }
            }
        }
    }
    if let Some(index) = unverifiable {
        return Err(NodeError {
            request: rref.cloned(),
            capabilities: failures,
            ..NodeError::new(
                K::BlsNoNetworkKey,
                format!(
                    "capability {index} is a PKP AuthSig (`lit.bls`) signed with the Lit network's BLS key: it covers {} and everything else checks out, but no network key was given to verify its signature",
                    describe
                ),
                "pass the network's BLS public key with `--network-key HEX` (48 bytes, the handshake's `networkPublicKey`), or `--handshake URL` to read it from a node",
            )
        });
    }
    let reasons: Vec<&str> = failures.iter().map(|f| f.message.as_str()).collect();
    let help = match failures.iter().find(|f| f.kind == K::NodeSIWECapabilityInvalid) {
        Some(_) => format!(
            "sign a new AuthSig whose recap grants {} (put the request in the `resources` of `createSiweMessageWithRecaps`), then call `getSessionSigs` again",
            describe
        ),
        None => "sign a new AuthSig for this session key, valid now, then call `getSessionSigs` again".to_string(),
    };
    Err(wrap(
        "Could not find valid capability.",
        format!(
            "no capability authorizes {}: {}",
            describe,
            reasons.join("; ")
        ),
        help,
        failures,
    ))
}
