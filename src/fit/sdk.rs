//! The SDK's own verdict on an AuthSig (`checkNeedToResignSessionKey` of
//! lit-node-client-nodejs 7.4.0), and the SIWE verification each side runs: what litcap
//! reports as `needToResignSessionKey`, `sdkVerify` and `nodeVerify`.

use crate::authsig::{AuthSig, ALGO_BLS};
use crate::coverage::Request;
use crate::eth::{self, Address};
use crate::profile::Profile;
use crate::recap::{Recap, RecapError};
use crate::siwe::{self, Flavor, SiweMessage, SiweVerifyError};
use crate::time::Timestamp;

/// Why `checkNeedToResignSessionKey` returns true.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResignReason {
    /// `siwe.verify` failed (expired, not yet valid, bad signature, invalid field).
    Verify(SiweVerifyError),
    /// The SIWE `URI` is not the session key's.
    UriMismatch { expected: String, found: String },
    /// The SIWE message has no resources.
    NoResources,
    /// The first resource's recap does not cover the request with this index.
    NotCovered { request: usize },
}

/// The SDK's own verdict (`checkNeedToResignSessionKey` of lit-node-client-nodejs 7.4.0).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SdkVerdict {
    /// Returns false: the SDK reuses this AuthSig.
    Reuse,
    /// Returns true: the SDK calls `authNeededCallback` again (and uses whatever it returns
    /// without checking it).
    Resign(ResignReason),
    /// Throws, so `getSessionSigs` fails. The text is the SDK's message where known.
    Throws(String),
    /// `algo: LIT_BLS` and everything else passes: the outcome depends on the BLS signature,
    /// which needs the network's public key.
    Unverifiable,
}

impl SdkVerdict {
    /// `Some(needToResignSessionKey)`, or `None` when the SDK throws or litcap cannot tell.
    pub fn need_to_resign(&self) -> Option<bool> {
        match self {
            SdkVerdict::Reuse => Some(false),
            SdkVerdict::Resign(_) => Some(true),
            SdkVerdict::Throws(_) | SdkVerdict::Unverifiable => None,
        }
    }

    /// A plain-language explanation.
    pub fn describe(&self, requests: &[Request]) -> String {
        match self {
            SdkVerdict::Reuse => "the SDK reuses this AuthSig".to_string(),
            SdkVerdict::Throws(m) => format!("the SDK throws (`{m}`), so `getSessionSigs` fails"),
            SdkVerdict::Unverifiable => {
                "the SDK's verdict depends on the BLS signature, which litcap cannot check"
                    .to_string()
            }
            SdkVerdict::Resign(r) => {
                let why = match r {
                    ResignReason::Verify(e) => format!("`siwe.verify` fails: {e}"),
                    ResignReason::UriMismatch { expected, found } => {
                        format!("its URI is `{found}`, not `{expected}`")
                    }
                    ResignReason::NoResources => "it has no resources".to_string(),
                    ResignReason::NotCovered { request } => match requests.get(*request) {
                        Some(q) => format!(
                            "its first recap does not grant `{}` on `{}`",
                            q.ability,
                            q.resource.key()
                        ),
                        None => "its first recap does not cover a request".to_string(),
                    },
                };
                format!("the SDK asks the wallet to sign again: {why}")
            }
        }
    }
}

/// Runs `SiweMessage::verify`, or its time and validation steps when the `sig` is unusable
/// (then the signature step fails as it does in siwe, with no recovered address).
/// `signer` is `Some(recovered)` for a usable signature (recovered from this flavor's text).
pub fn verify_with(
    m: &SiweMessage,
    signer: Option<Option<eth::Address>>,
    now: Timestamp,
    flavor: Flavor,
) -> Result<Address, SiweVerifyError> {
    let opts = siwe::VerifyOpts {
        time: Some(now),
        flavor,
        ..Default::default()
    };
    match signer {
        Some(signer) => m.verify_signer(signer, &opts),
        None => {
            if flavor == Flavor::Node {
                m.validate_as(flavor).map_err(SiweVerifyError::Invalid)?;
            }
            m.check_time(now, flavor)?;
            if flavor == Flavor::Sdk {
                m.validate_as(flavor).map_err(SiweVerifyError::Invalid)?;
            }
            Err(SiweVerifyError::SignatureMismatch {
                recovered: None,
                address: m.address.clone(),
            })
        }
    }
}

/// `checkNeedToResignSessionKey` on a message the SDK parsed: `sdk_verify` is its
/// `siwe.verify`, `sdk_checks` its coverage of each request by the first recap.
pub fn sdk_verdict(
    a: &AuthSig,
    m: &SiweMessage,
    sdk_verify: Option<&Result<Address, SiweVerifyError>>,
    sdk_recap: &Option<Result<Recap, RecapError>>,
    sdk_checks: &[bool],
    session_key: Option<&str>,
    profile: &Profile,
) -> SdkVerdict {
    if !profile.sdk_knows_algo(a.algo.as_deref()) {
        return SdkVerdict::Throws(format!(
            "Unsupported signature algo for session signature. Expected ed25519 or LIT_BLS received {}",
            a.algo.as_deref().unwrap_or_default()
        ));
    }
    let bls = a.algo.as_deref() == Some(ALGO_BLS);
    if !bls {
        match sdk_verify {
            Some(Err(e)) => return SdkVerdict::Resign(ResignReason::Verify(e.clone())),
            Some(Ok(_)) => {}
            None => {
                return SdkVerdict::Resign(ResignReason::Verify(
                    SiweVerifyError::SignatureMismatch {
                        recovered: None,
                        address: m.address.clone(),
                    },
                ))
            }
        }
    }
    let rest = (|| {
        if let Some(key) = session_key {
            let expected = profile.session_uri(key);
            if m.uri != expected {
                return SdkVerdict::Resign(ResignReason::UriMismatch {
                    expected,
                    found: m.uri.clone(),
                });
            }
        }
        match sdk_recap {
            None => SdkVerdict::Resign(ResignReason::NoResources),
            Some(Err(e)) => SdkVerdict::Throws(e.to_string()),
            Some(Ok(_)) => match sdk_checks.iter().position(|c| !c) {
                Some(request) => SdkVerdict::Resign(ResignReason::NotCovered { request }),
                None => SdkVerdict::Reuse,
            },
        }
    })();
    match (bls, rest) {
        (true, r @ SdkVerdict::Resign(_)) => r,
        (true, _) => SdkVerdict::Unverifiable,
        (false, r) => r,
    }
}
