//! The SDK's own verdict on an AuthSig (`checkNeedToResignSessionKey` of
//! lit-node-client-nodejs 7.4.0), and the SIWE verification each side runs: what litcap
//! reports as `needToResignSessionKey`, `sdkVerify` and `nodeVerify`.

use crate::eth::{self, Address};
use crate::profile::Profile;
use crate::time::Timestamp;
use crate::wire::authsig::{AuthSig, ResignReason, SdkVerdict, ALGO_BLS};
use crate::wire::recap::{Recap, RecapError};
use crate::wire::siwe::{self, Flavor, SiweMessage, SiweVerifyError};

/// Runs `SiweMessage::verify`, or its time and validation steps when the `sig` is unusable
/// (then the signature step fails as it does in siwe, with no recovered address).
/// `signer` is `Some(recovered)` for a usable signature (recovered from this flavor's text).
/// `validated`: `m.validate_as(flavor)` is known to pass ([`crate::fit::Inspected::validated`]),
/// so it is not run again (the verdict is the same; the render and re-parse are saved).
pub fn verify_with(
    m: &SiweMessage,
    signer: Option<Option<eth::Address>>,
    now: Timestamp,
    flavor: Flavor,
    validated: bool,
) -> Result<Address, SiweVerifyError> {
    let opts = siwe::VerifyOpts {
        time: Some(now),
        flavor,
        validated,
        ..Default::default()
    };
    let validate = || match validated {
        true => Ok(()),
        false => m.validate_as(flavor).map_err(SiweVerifyError::Invalid),
    };
    match signer {
        Some(signer) => m.verify_signer(signer, &opts),
        None => {
            if flavor == Flavor::Node {
                validate()?;
            }
            m.check_time(now, flavor)?;
            if flavor == Flavor::Sdk {
                validate()?;
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
        if let Some(key) = session_key.filter(|k| !super::names_session_key(profile, &m.uri, k)) {
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
