//! Laws of the whole pipeline on random valid policies: compile → sign → verify succeeds on
//! every node; a request set compiled into an AuthSig is always covered by it; and flipping any
//! byte of a signed AuthSig or session signature makes the nodes refuse it.

use litcap::internal::authsig::{check_authsig, AuthSig, CheckOptions};
use litcap::internal::coverage::Request;
use litcap::internal::sign::sessionsigs::{
    capabilities, resource_ability_request, SessionSigsParams,
};
use litcap::internal::verify::sessionsigs::{verify_text, VerifyOptions};
use litcap::Timestamp;
use litcap::{create_auth_sig, sign_session_sigs, AuthSigParams, LocalWallet, SessionKey};
use litcap::{load_inputs, PolicyFormat};
use litcap::{Ability, ResourcePrefix};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence};

fn config() -> Config {
    Config {
        cases: 48,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..Config::default()
    }
}

/// One capability: (prefix, ability index within the prefix, id or wildcard).
fn capability() -> impl Strategy<Value = (usize, usize, Option<String>)> {
    (0..4usize, 0..2usize, prop::option::of("[0-9a-f]{1,64}"))
}

fn resource_text(prefix: ResourcePrefix, id: &Option<String>) -> String {
    match id {
        None => format!("{prefix}://*"),
        Some(id) => match prefix {
            ResourcePrefix::Pkp => format!("{prefix}://0x{id}"),
            ResourcePrefix::LitAction => format!("{prefix}://Qm{id}"),
            ResourcePrefix::AccessControlCondition => format!("{prefix}://{id}/{id}"),
            ResourcePrefix::RateLimitIncrease => format!("{prefix}://{}", id.len()),
            // Naga only; the strategy draws the four Datil prefixes.
            ResourcePrefix::PaymentDelegation => format!("{prefix}://*"),
            // ERC-5573 only (any URI); not drawn either.
            ResourcePrefix::Uri => format!("https://example.com/{id}"),
        },
    }
}

/// A grant with its allows, and a session requesting a non-empty subset of them (so every
/// request is covered by construction, wildcards or not).
fn policy() -> impl Strategy<Value = (String, usize)> {
    (
        prop::collection::vec(capability(), 1..6),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(caps, pick)| {
            let mut allows = Vec::new();
            let mut seen = std::collections::HashSet::new();
            for (p, a, id) in caps {
                let prefix = ResourcePrefix::ALL[p];
                let abilities: Vec<Ability> = prefix.abilities().collect();
                let ability = abilities[a % abilities.len()];
                let resource = resource_text(prefix, &id);
                if seen.insert((prefix, id.clone(), ability)) {
                    allows.push((ability, resource, id.is_none(), prefix));
                }
            }
            // Keep grants free of wildcard shadowing: a wildcard key must carry every ability
            // the specific keys of its prefix have (otherwise the model rightly refuses).
            let wildcards: Vec<(ResourcePrefix, Ability)> =
                allows.iter().filter(|a| a.2).map(|a| (a.3, a.0)).collect();
            allows.retain(|(ability, _, wildcard, prefix)| {
                *wildcard
                    || !wildcards.iter().any(|(p, _)| p == prefix)
                    || wildcards.contains(&(*prefix, *ability))
            });
            let n = 1 + pick.index(allows.len());
            let mut text = String::from(
                "grant \"g\" {\n  domain \"app.example.com\"\n  statement \"Law.\"\n  max-ttl 1d\n",
            );
            for (ability, resource, _, _) in &allows {
                text.push_str(&format!("  allow {ability} on \"{resource}\"\n"));
            }
            text.push_str("}\n\nsession \"s\" from \"g\" {\n  ttl 1h\n");
            for (ability, resource, _, _) in allows.iter().take(n) {
                text.push_str(&format!("  request {ability} on \"{resource}\"\n"));
            }
            text.push_str("}\n");
            (text, n)
        })
}

struct Signed {
    auth_sig: AuthSig,
    sessionsigs: serde_json::Value,
    issued_at: Timestamp,
    requests: Vec<Request>,
    key: SessionKey,
    rars: Vec<serde_json::Value>,
    nodes: Vec<String>,
}

fn compile_and_sign(text: &str, nodes: usize) -> Option<Signed> {
    let loaded = load_inputs(vec![(
        "p.litcap".into(),
        PolicyFormat::Dsl,
        text.as_bytes().to_vec(),
    )]);
    if loaded.diagnostics.has_errors() {
        return None;
    }
    let policy = &loaded.policy;
    let session = policy.session("s")?;
    let grant = policy.grant_of(session);
    let key = SessionKey::from_seed(&[9u8; 32]);
    let wallet =
        LocalWallet::from_hex("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
            .ok()?;
    let issued_at: Timestamp = "2024-09-19T13:07:33.606Z".parse().ok()?;
    let expiration = issued_at.add_secs(3600);
    let auth_sig = create_auth_sig(
        &wallet,
        &AuthSigParams {
            session_public_key: key.public_key_hex().to_string(),
            capabilities: grant.allows.iter().map(|a| a.to_request()).collect(),
            domain: grant.domain.as_ref().map(|d| d.value.clone()),
            statement: grant.statement.as_ref().map(|s| s.value.clone()),
            chain_id: Some(grant.chain_id),
            nonce: "0x921dd92f497527857ee8dda62f1805e56c34c99a6b37691b4e56e6fb171a5a70".into(),
            issued_at,
            expiration: Some(expiration),
        },
    )
    .ok()?;
    let rars: Vec<serde_json::Value> = session
        .requests
        .iter()
        .map(|r| resource_ability_request(&r.to_request()))
        .collect();
    let nodes: Vec<String> = (0..nodes)
        .map(|i| format!("https://127.0.0.1:{}", 7470 + i))
        .collect();
    let sessionsigs = sign_one(&key, &rars, &auth_sig, issued_at, &nodes);
    let requests = session
        .requests
        .iter()
        .map(|r| Request {
            resource: r.resource.clone(),
            ability: r.ability,
        })
        .collect();
    Some(Signed {
        auth_sig,
        sessionsigs,
        issued_at,
        requests,
        key,
        rars,
        nodes,
    })
}

fn sign_one(
    key: &SessionKey,
    rars: &[serde_json::Value],
    auth_sig: &AuthSig,
    issued_at: Timestamp,
    nodes: &[String],
) -> serde_json::Value {
    let caps = capabilities(None, auth_sig);
    sign_session_sigs(&SessionSigsParams {
        session_key: key,
        resource_ability_requests: rars,
        capabilities: &caps,
        issued_at,
        expiration: issued_at.add_secs(3600),
        node_urls: nodes,
    })
    .to_value()
}

fn verdicts(sessionsigs: &serde_json::Value, now: Timestamp) -> Vec<bool> {
    match verify_text(
        &sessionsigs.to_string(),
        &VerifyOptions {
            now,
            node: None,
            ..Default::default()
        },
    ) {
        Ok(v) => v.iter().map(|n| n.valid()).collect(),
        Err(_) => vec![false],
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn compile_sign_verify_succeeds((text, _) in policy(), nodes in 1..4usize) {
        let Some(s) = compile_and_sign(&text, nodes) else {
            return Err(TestCaseError::fail(format!("a valid policy did not compile:\n{text}")));
        };
        let now = s.issued_at.add_secs(1);
        let v = verdicts(&s.sessionsigs, now);
        prop_assert_eq!(v.len(), nodes);
        prop_assert!(v.iter().all(|ok| *ok), "{}\n{}", text, s.sessionsigs);
        // The AuthSig compiled from the grant covers every request of the session.
        let report = check_authsig(&s.auth_sig, &CheckOptions {
            now,
            session_key: Some(s.key.public_key_hex().to_string()),
            requests: s.requests.clone(),
            network_key: None,
            uri: None,
            profile: None,
        });
        prop_assert!(report.node_coverage.iter().all(|(v, _)| v.is_covered()));
        prop_assert!(report.sdk_covered());
        prop_assert_eq!(report.sdk.need_to_resign(), Some(false));
    }

    /// Any change to the bytes a session key signed is caught by that node's check.
    #[test]
    fn flipping_a_session_sig_byte_is_refused((text, _) in policy(), at in any::<prop::sample::Index>(), bit in 0..8u8) {
        let s = compile_and_sign(&text, 1).expect("valid policy");
        let mut sigs = s.sessionsigs.clone();
        let entry = sigs.as_object_mut().unwrap().values_mut().next().unwrap();
        let field = if at.index(2) == 0 { "signedMessage" } else { "sig" };
        let mut bytes = entry[field].as_str().unwrap().as_bytes().to_vec();
        let i = at.index(bytes.len());
        bytes[i] ^= 1 << bit;
        let mutated = String::from_utf8_lossy(&bytes).into_owned();
        let original = entry[field].as_str().unwrap();
        prop_assume!(mutated != original);
        prop_assume!(!(field == "sig" && mutated.eq_ignore_ascii_case(original)));
        entry[field] = serde_json::Value::String(mutated);
        prop_assert_eq!(verdicts(&sigs, s.issued_at.add_secs(1)), vec![false]);
    }

    /// Any change to the wallet-signed AuthSig is caught, even when the session key signs
    /// the changed AuthSig afresh.
    #[test]
    fn flipping_an_authsig_byte_is_refused((text, _) in policy(), at in any::<prop::sample::Index>(), bit in 0..8u8, in_sig in any::<bool>()) {
        let s = compile_and_sign(&text, 1).expect("valid policy");
        let mut a = s.auth_sig.clone();
        let target = if in_sig { &mut a.sig } else { &mut a.signed_message };
        let mut bytes = target.as_bytes().to_vec();
        let i = at.index(bytes.len());
        bytes[i] ^= 1 << bit;
        let mutated = String::from_utf8_lossy(&bytes).into_owned();
        prop_assume!(&mutated != target);
        // Hex digits in another letter case are the same signature, not a change.
        prop_assume!(!(in_sig && mutated.eq_ignore_ascii_case(target)));
        *target = mutated;
        a.original = None;
        let sigs = sign_one(&s.key, &s.rars, &a, s.issued_at, &s.nodes);
        prop_assert_eq!(verdicts(&sigs, s.issued_at.add_secs(1)), vec![false]);
    }
}
