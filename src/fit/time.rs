//! Time, as the SDK and as the nodes judge it: the only place litcap compares an instant with
//! an AuthSig's or a session's times.
//!
//! | rule | SDK (siwe 2.3.2, JS `Date`) | nodes (siwe-rs 0.5.2, chrono) |
//! |---|---|---|
//! | SIWE `Expiration Time` | expired when `now >= exp`, in milliseconds | valid while `now <= exp`, full precision |
//! | SIWE `Not Before` | early when `now < nbf`, in milliseconds | valid once `now > nbf`, full precision |
//! | SIWE `Issued At` | not checked | not checked |
//! | session `issuedAt` | not checked | at most `grace` seconds ahead (whole seconds) |
//! | session `expiration` | `validateSessionSigs`: expired when `exp < now` (ms) | not before `issuedAt`; not more than `grace` s in the past; at most the profile's cap after `issuedAt` |
//!
//! Sources: siwe 2.3.2 `verify` (`lit-formats.md` §6), siwe-rs 0.5.2 `valid_at`, lit-peer
//! `auth/session_sigs.rs` `validate_session_sig_time_parameters` (`node-rules-naga.md` R4, R8).

use crate::time::{Timestamp, Ttl};
use crate::wire::siwe::{SiweMessage, SiweVerifyError};

/// The SDK's SIWE window (`new SiweMessage(m).verify(...)` in `checkNeedToResignSessionKey`).
/// Times that do not parse are left to validation.
pub fn sdk_siwe_time(m: &SiweMessage, now: Timestamp) -> Result<(), SiweVerifyError> {
    if let Some(Ok(exp)) = m.expiration() {
        if now.unix_millis() >= exp.unix_millis() {
            return Err(SiweVerifyError::Expired {
                at: now,
                expiration: exp,
            });
        }
    }
    if let Some(Ok(nbf)) = m.not_before_time() {
        if now.unix_millis() < nbf.unix_millis() {
            return Err(SiweVerifyError::NotYetValid {
                at: now,
                not_before: nbf,
            });
        }
    }
    Ok(())
}

/// The nodes' SIWE window (siwe-rs 0.5.2: `nbf < t && exp >= t`).
pub fn node_siwe_time(m: &SiweMessage, now: Timestamp) -> Result<(), SiweVerifyError> {
    if let Some(Ok(exp)) = m.expiration() {
        if now > exp {
            return Err(SiweVerifyError::Expired {
                at: now,
                expiration: exp,
            });
        }
    }
    if let Some(Ok(nbf)) = m.not_before_time() {
        if now <= nbf {
            return Err(SiweVerifyError::NotYetValid {
                at: now,
                not_before: nbf,
            });
        }
    }
    Ok(())
}

/// Why the nodes refuse a session payload's times.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionTimeFault {
    /// `issuedAt` more than the grace period ahead of now (`NodeIatOutsideGracePeriod`).
    IssuedInTheFuture { issued: Timestamp },
    /// `expiration` before `issuedAt` (`NodeExpWrongOrTooLarge`).
    ExpiresBeforeIssue {
        issued: Timestamp,
        expiration: Timestamp,
    },
    /// `expiration` more than the grace period in the past (`NodeExpWrongOrTooLarge`).
    Expired { expiration: Timestamp },
    /// Longer than the nodes' cap (`NodeSIWEMessageError`).
    TooLong {
        issued: Timestamp,
        expiration: Timestamp,
        lifetime: Ttl,
    },
}

/// The nodes' first time rule: `issuedAt` at most `grace_secs` ahead of now (whole seconds).
pub fn node_issued_at(
    issued: Timestamp,
    now: Timestamp,
    grace_secs: i64,
) -> Result<(), SessionTimeFault> {
    if issued.unix_secs() > now.unix_secs().saturating_add(grace_secs) {
        return Err(SessionTimeFault::IssuedInTheFuture { issued });
    }
    Ok(())
}

/// The nodes' rules for a session payload's `issuedAt` and `expiration`, in their order.
pub fn node_session_time(
    issued: Timestamp,
    expiration: Timestamp,
    now: Timestamp,
    grace_secs: i64,
    max: Ttl,
) -> Result<(), SessionTimeFault> {
    node_issued_at(issued, now, grace_secs)?;
    if expiration < issued {
        return Err(SessionTimeFault::ExpiresBeforeIssue { issued, expiration });
    }
    if expiration.unix_secs() < now.unix_secs().saturating_sub(grace_secs) {
        return Err(SessionTimeFault::Expired { expiration });
    }
    if expiration > issued.add_secs(max.secs() as i64) {
        return Err(SessionTimeFault::TooLong {
            issued,
            expiration,
            lifetime: lifetime(issued, expiration),
        });
    }
    Ok(())
}

/// Whole seconds from `from` to `to` (0 when `to` is earlier).
pub fn lifetime(from: Timestamp, to: Timestamp) -> Ttl {
    Ttl::from_secs(to.unix_secs().saturating_sub(from.unix_secs()).max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse_rfc3339(s).expect("time")
    }

    fn with(exp: &str, nbf: Option<&str>) -> SiweMessage {
        let mut text = format!("localhost wants you to sign in with your Ethereum account:\n0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266\n\nHello.\n\nURI: lit:session:00\nVersion: 1\nChain ID: 1\nNonce: 12345678\nIssued At: 2024-01-01T00:00:00Z\nExpiration Time: {exp}");
        if let Some(n) = nbf {
            text.push_str(&format!("\nNot Before: {n}"));
        }
        SiweMessage::parse(&text).expect("siwe")
    }

    #[test]
    fn the_two_flavours_differ_only_at_the_boundaries() {
        let m = with("2024-01-02T00:00:00.000Z", Some("2024-01-01T12:00:00Z"));
        let exp = ts("2024-01-02T00:00:00Z");
        let nbf = ts("2024-01-01T12:00:00Z");
        // At the expiration instant: the SDK says expired, the nodes still accept.
        assert!(sdk_siwe_time(&m, exp).is_err());
        assert!(node_siwe_time(&m, exp).is_ok());
        // At the not-before instant: the SDK accepts, the nodes not yet.
        assert!(sdk_siwe_time(&m, nbf).is_ok());
        assert!(node_siwe_time(&m, nbf).is_err());
        let mid = ts("2024-01-01T18:00:00Z");
        assert!(sdk_siwe_time(&m, mid).is_ok() && node_siwe_time(&m, mid).is_ok());
    }

    #[test]
    fn session_payload_rules_in_node_order() {
        let iat = ts("2024-01-01T00:00:00Z");
        let run =
            |exp: &str, now: &str| node_session_time(iat, ts(exp), ts(now), 60, Ttl::NODE_MAX);
        assert_eq!(run("2024-01-01T01:00:00Z", "2024-01-01T00:30:00Z"), Ok(()));
        assert!(matches!(
            run("2024-01-01T01:00:00Z", "2023-12-31T23:58:59Z"),
            Err(SessionTimeFault::IssuedInTheFuture { .. })
        ));
        assert!(matches!(
            run("2023-12-31T00:00:00Z", "2024-01-01T00:00:00Z"),
            Err(SessionTimeFault::ExpiresBeforeIssue { .. })
        ));
        assert_eq!(run("2024-01-01T01:00:00Z", "2024-01-01T01:01:00Z"), Ok(()));
        assert!(matches!(
            run("2024-01-01T01:00:00Z", "2024-01-01T01:01:01Z"),
            Err(SessionTimeFault::Expired { .. })
        ));
        assert!(matches!(
            run("2024-02-01T00:00:01Z", "2024-01-01T00:00:00Z"),
            Err(SessionTimeFault::TooLong { .. })
        ));
    }
}
