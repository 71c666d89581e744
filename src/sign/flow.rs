//! The decisions of the sign flow, for a Rust caller as for `litcap sign`:
//!
//! 1. a stored AuthSig is reused when it fits the session ([`judge_stored`]), replaced when it
//!    merely no longer fits (expired, another session key, another grant), and left alone when
//!    it is broken or someone else's;
//! 2. a new AuthSig kept in a store lives as long as the grant allows (so later sessions can
//!    reuse it); a one-off AuthSig ends with the session, as the SDK's does
//!    ([`new_authsig_expiration`]);
//! 3. a session carried by a supplied AuthSig ends no later than that AuthSig, unless an
//!    expiration was given explicitly ([`session_end_with`]);
//! 4. the SessionSigs are the SDK's `getSessionSigs` tail: requests and capabilities in JSON
//!    form, one signed payload per node ([`session_sigs`]).
//!
//! Whether an AuthSig fits is the fit engine's (`crate::fit`, through
//! [`super::check::check_auth_sig`]); this module only decides what to do about it.

use super::check::{check_auth_sig, Expectations, Problem};
use super::sessionsigs::{self, SessionSigs, SessionSigsParams};
use super::store::{StoreError, WALLET_SIG};
use super::SessionKey;
use crate::time::{Timestamp, Ttl};
use crate::wire::authsig::AuthSig;
use crate::wire::siwe::{CapabilityRequest, SiweMessage};

/// What to do with the AuthSig a key store holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoredAuthSig {
    /// It fits the session: use it.
    Reuse,
    /// It is valid but does not fit (these problems): sign a new one in its place.
    Replace(Vec<Problem>),
    /// It is broken (`foreign: false`) or not litcap's (`foreign: true`): stop, leave it.
    Refuse { problem: Problem, foreign: bool },
}

/// Judges the stored AuthSig for a session.
pub fn judge_stored(stored: &AuthSig, x: &Expectations) -> StoredAuthSig {
    match check_auth_sig(stored, x) {
        Ok(_) => StoredAuthSig::Reuse,
        Err(problems) => match problems.iter().find(|p| p.is_defect()) {
            Some(defect) => StoredAuthSig::Refuse {
                foreign: defect.is_foreign(),
                problem: defect.clone(),
            },
            None => StoredAuthSig::Replace(problems),
        },
    }
}

impl StoredAuthSig {
    /// The store error for a refused `lit-wallet-sig` entry at `path`.
    pub fn store_error(&self, path: String) -> Option<StoreError> {
        self.store_error_named(WALLET_SIG, path)
    }

    /// The store error for a refused entry `key` (the v7 or v8 AuthSig entry) at `path`.
    pub fn store_error_named(&self, key: &str, path: String) -> Option<StoreError> {
        let StoredAuthSig::Refuse { problem, foreign } = self else {
            return None;
        };
        let key = key.to_string();
        let reason = problem.sentence();
        Some(if *foreign {
            StoreError::Foreign { key, path, reason }
        } else {
            StoreError::Corrupt { key, path, reason }
        })
    }
}

/// The `Expiration Time` of a new AuthSig. One kept in a store serves later sessions too, so
/// it lives as long as the grant allows (at most the nodes' 30 days, never less than the
/// session); a one-off ends with the session, as in the SDK.
pub fn new_authsig_expiration(
    kept_in_store: bool,
    grant_max_ttl: Ttl,
    issued_at: Timestamp,
    session_end: Timestamp,
) -> Timestamp {
    if !kept_in_store {
        return session_end;
    }
    let max = grant_max_ttl.min(Ttl::NODE_MAX);
    issued_at.add_secs(max.secs() as i64).max(session_end)
}

/// Whether a session or AuthSig from `issued_at` to `expiration` outlives `limit` (itself
/// capped at the nodes' 30 days, `MAX_TIMESTAMP_VALIDITY_DAYS`): its lifetime and the limit
/// that applied, or `None` when it fits.
pub fn lifetime_over(
    issued_at: Timestamp,
    expiration: Timestamp,
    limit: Ttl,
) -> Option<(Ttl, Ttl)> {
    let ms = expiration.millis_since(&issued_at);
    let limit = limit.min(Ttl::NODE_MAX);
    (ms > (limit.secs() as i64).saturating_mul(1000))
        .then(|| (Ttl((ms / 1000).max(0) as u64), limit))
}

/// The session's end when it carries `authsig`: with no explicit `--expiration`, the session
/// ends no later than the AuthSig (when that is still after `issued_at`). Returns the end and
/// whether it was shortened.
pub fn session_end_with(
    authsig: &AuthSig,
    issued_at: Timestamp,
    session_end: Timestamp,
    explicit: bool,
) -> (Timestamp, bool) {
    if explicit {
        return (session_end, false);
    }
    let auth_end = SiweMessage::parse(&authsig.signed_message)
        .ok()
        .and_then(|m| m.expiration())
        .and_then(Result::ok);
    match auth_end.filter(|e| *e < session_end && *e > issued_at) {
        Some(end) => (end, true),
        None => (session_end, false),
    }
}

/// The tail of `getSessionSigs`: `capabilities` (`[capacityDelegation, authSig]`), the
/// requests in the SDK's JSON form, and one signed payload per node.
pub fn session_sigs(
    session_key: &SessionKey,
    requests: &[CapabilityRequest],
    capacity_delegation: Option<&AuthSig>,
    auth_sig: &AuthSig,
    issued_at: Timestamp,
    expiration: Timestamp,
    node_urls: &[String],
) -> SessionSigs {
    let request_values: Vec<serde_json::Value> = requests
        .iter()
        .map(sessionsigs::resource_ability_request)
        .collect();
    let caps = sessionsigs::capabilities(capacity_delegation, auth_sig);
    sessionsigs::sign_session_sigs(&SessionSigsParams {
        session_key,
        resource_ability_requests: &request_values,
        capabilities: &caps,
        issued_at,
        expiration,
        node_urls,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eth::WalletKey;
    use crate::sign::authsig::{create_auth_sig, AuthSigParams};
    use crate::wire::lit::{Ability, Resource, ResourcePrefix};

    const PUB: &str = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn key() -> WalletKey {
        WalletKey::from_hex("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
            .unwrap()
    }

    fn requests() -> Vec<CapabilityRequest> {
        vec![CapabilityRequest {
            resource: Resource::wildcard(ResourcePrefix::Pkp),
            ability: Ability::PkpSigning,
            data: None,
        }]
    }

    fn authsig(expiration: &str) -> AuthSig {
        create_auth_sig(
            &key(),
            &AuthSigParams {
                session_public_key: PUB.into(),
                capabilities: requests(),
                domain: Some("app.example.com".into()),
                chain_id: Some(1),
                nonce: "0x921dd92f497527857ee8dda62f1805e56c34c99a6b37691b4e56e6fb171a5a70".into(),
                issued_at: ts("2024-09-19T00:00:00Z"),
                expiration: Some(ts(expiration)),
                ..Default::default()
            },
        )
        .unwrap()
    }

    fn expect<'a>(uri: &'a str, reqs: &'a [CapabilityRequest], now: &str) -> Expectations<'a> {
        Expectations {
            uri,
            wallet: Some(key().address()),
            requests: reqs,
            now: ts(now),
            session_expiration: None,
            grant: None,
            max_lifetime: None,
            domain: Some("app.example.com"),
            chain_id: Some(1),
            pkp: None,
            network_key: None,
        }
    }

    #[test]
    fn a_stored_authsig_is_reused_replaced_or_refused() {
        let reqs = requests();
        let uri = format!("lit:session:{PUB}");
        let a = authsig("2024-09-20T00:00:00Z");
        let fits = expect(&uri, &reqs, "2024-09-19T01:00:00Z");
        assert_eq!(judge_stored(&a, &fits), StoredAuthSig::Reuse);
        // Expired: replaced, and the reason named.
        let later = expect(&uri, &reqs, "2024-09-21T00:00:00Z");
        match judge_stored(&a, &later) {
            StoredAuthSig::Replace(p) => assert!(p[0].sentence().contains("expired")),
            other => panic!("{other:?}"),
        }
        // Another session key: replaced.
        let other_key = expect("lit:session:00", &reqs, "2024-09-19T01:00:00Z");
        assert!(matches!(
            judge_stored(&a, &other_key),
            StoredAuthSig::Replace(_)
        ));
        // Another wallet's: foreign.
        let mut theirs = fits.clone();
        theirs.wallet = Some(WalletKey::from_bytes(&[9u8; 32]).unwrap().address());
        let judged = judge_stored(&a, &theirs);
        assert!(matches!(
            judged,
            StoredAuthSig::Refuse { foreign: true, .. }
        ));
        assert!(matches!(
            judged.store_error("p".into()),
            Some(StoreError::Foreign { .. })
        ));
        // Tampered: corrupt.
        let mut tampered = a.clone();
        tampered.signed_message = tampered
            .signed_message
            .replace("Chain ID: 1", "Chain ID: 2");
        assert!(matches!(
            judge_stored(&tampered, &fits).store_error("p".into()),
            Some(StoreError::Corrupt { .. })
        ));
    }

    #[test]
    fn lifetimes() {
        let iat = ts("2024-09-19T00:00:00Z");
        let end = ts("2024-09-19T01:00:00Z");
        assert_eq!(
            new_authsig_expiration(false, Ttl(7 * 86_400), iat, end),
            end
        );
        assert_eq!(
            new_authsig_expiration(true, Ttl(7 * 86_400), iat, end),
            ts("2024-09-26T00:00:00Z")
        );
        // Capped at the nodes' 30 days, and never shorter than the session.
        assert_eq!(
            new_authsig_expiration(true, Ttl(90 * 86_400), iat, end),
            ts("2024-10-19T00:00:00Z")
        );
        assert_eq!(new_authsig_expiration(true, Ttl(60), iat, end), end);
    }

    #[test]
    fn lifetime_limits() {
        let iat = ts("2024-09-19T00:00:00Z");
        assert_eq!(
            lifetime_over(iat, ts("2024-09-19T01:00:00Z"), Ttl(3600)),
            None
        );
        assert_eq!(
            lifetime_over(iat, ts("2024-09-19T01:00:01Z"), Ttl(3600)),
            Some((Ttl(3601), Ttl(3600)))
        );
        // Any limit stops at the nodes' 30 days.
        assert_eq!(
            lifetime_over(iat, ts("2024-10-20T00:00:00Z"), Ttl(90 * 86_400)),
            Some((Ttl(31 * 86_400), Ttl::NODE_MAX))
        );
    }

    #[test]
    fn the_session_ends_with_its_authsig() {
        let a = authsig("2024-09-19T00:30:00Z");
        let iat = ts("2024-09-19T00:00:00Z");
        let end = ts("2024-09-19T01:00:00Z");
        assert_eq!(
            session_end_with(&a, iat, end, false),
            (ts("2024-09-19T00:30:00Z"), true)
        );
        assert_eq!(session_end_with(&a, iat, end, true), (end, false));
        // An AuthSig outliving the session changes nothing.
        let long = authsig("2024-09-20T00:00:00Z");
        assert_eq!(session_end_with(&long, iat, end, false), (end, false));
    }

    #[test]
    fn session_sigs_sign_for_every_node() {
        let session = SessionKey::from_seed_hex(
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        )
        .unwrap();
        let a = authsig("2024-09-20T00:00:00Z");
        let nodes = vec!["https://a:1".to_string(), "https://b:2".to_string()];
        let sigs = session_sigs(
            &session,
            &requests(),
            None,
            &a,
            ts("2024-09-19T00:00:00Z"),
            ts("2024-09-19T01:00:00Z"),
            &nodes,
        );
        assert_eq!(sigs.entries.len(), 2);
        // The payload has the profile's fields, in its order.
        let payload = &sigs.entries[0].1.signed_message;
        let keys: Vec<usize> = crate::profile::DATIL
            .payload
            .fields
            .iter()
            .map(|k| payload.find(&format!("\"{k}\":")).expect("field"))
            .collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{payload}");
        assert!(sigs.entries[1]
            .1
            .signed_message
            .ends_with("\"nodeAddress\":\"https://b:2\"}"));
    }
}
