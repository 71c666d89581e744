//! Criterion benchmarks; the README's table is produced from these (`cargo bench`).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use litcap::load::{load_inputs, PolicyFormat};

/// A policy with `n` grants (two allows each) and one session per grant.
pub fn big_policy(n: usize) -> String {
    let mut s = String::with_capacity(n * 400);
    for i in 0..n {
        s.push_str(&format!(
            "grant \"g{i}\" {{\n  domain \"app{i}.example.com\"\n  statement \"Grant {i}.\"\n  max-ttl 1d\n  allow pkp-signing on \"lit-pkp://0x{i:064x}\"\n  allow lit-action-execution on \"lit-litaction://QmAction{i}\"\n}}\n\nsession \"s{i}\" from \"g{i}\" {{\n  ttl 1h\n  request pkp-signing on \"lit-pkp://0x{i:064x}\"\n  request lit-action-execution on \"lit-litaction://QmAction{i}\"\n}}\n\n"
        ));
    }
    s
}

fn compile(c: &mut Criterion) {
    let text = big_policy(1000).into_bytes();
    let mut g = c.benchmark_group("compile");
    g.bench_function("parse+check+compile 1000 grants", |b| {
        b.iter(|| {
            let loaded = load_inputs(vec![("big.litcap".into(), PolicyFormat::Dsl, text.clone())]);
            assert!(!loaded.diagnostics.has_errors());
            for s in &loaded.policy.sessions {
                let out = litcap::compile::compile(&loaded.policy, &s.name, None).ok();
                black_box(out.map(|o| o.recap_urn));
            }
        })
    });
    let loaded = load_inputs(vec![("big.litcap".into(), PolicyFormat::Dsl, text.clone())]);
    g.bench_function("compile one session (SIWE message)", |b| {
        let inputs = litcap::compile::SiweInputs {
            address: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".into(),
            session_key: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a".into(),
            nonce: "0x921dd92f497527857ee8dda62f1805e56c34c99a6b37691b4e56e6fb171a5a70".into(),
            issued_at: "2024-09-19T13:07:33.606Z".parse().unwrap_or_default(),
            expiration: None,
        };
        b.iter(|| black_box(litcap::compile::compile(&loaded.policy, "s500", Some(&inputs)).ok()))
    });
    g.finish();
}

/// One AuthSig (SIWE + secp256k1) and ten per-node ed25519 session signatures, next to the
/// bare cost of the same eleven signatures over the same bytes.
fn sign(c: &mut Criterion) {
    use litcap::lit::{Ability, Resource, ResourcePrefix};
    use litcap::sign::{self, AuthSigParams, SessionKey, WalletSigner};
    use litcap::siwe::CapabilityRequest;

    let wallet = sign::LocalWallet::from_hex(
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    )
    .expect("test key");
    let session_key = SessionKey::from_seed(&[7u8; 32]);
    let pkp = Resource::new(
        ResourcePrefix::Pkp,
        "0xb03a728fc095d13a226bda09f1ead60c4cb356c0d82a2d0177184fd66d74c75f",
    )
    .expect("pkp");
    let requests = vec![
        CapabilityRequest {
            resource: pkp.clone(),
            ability: Ability::PkpSigning,
            data: None,
        },
        CapabilityRequest {
            resource: Resource::new(
                ResourcePrefix::LitAction,
                "QmUjX8MW6StQ7NKNdaS6g4RMkvN5hcgtKmEi8Mca6oX4t3",
            )
            .expect("cid"),
            ability: Ability::LitActionExecution,
            data: None,
        },
    ];
    let issued_at: litcap::time::Timestamp = "2024-09-19T13:07:33.606Z".parse().unwrap_or_default();
    let expiration = issued_at.add_secs(3600);
    let nodes: Vec<String> = (0..10)
        .map(|i| format!("https://15.235.83.220:{}", 7470 + i))
        .collect();
    let params = AuthSigParams {
        session_public_key: session_key.public_key_hex().to_string(),
        capabilities: requests.clone(),
        domain: Some("app.example.com".into()),
        statement: Some("Sign in to Example.".into()),
        chain_id: Some(1),
        nonce: "0x921dd92f497527857ee8dda62f1805e56c34c99a6b37691b4e56e6fb171a5a70".into(),
        issued_at,
        expiration: Some(expiration),
    };
    let rars: Vec<serde_json::Value> = requests
        .iter()
        .map(sign::sessionsigs::resource_ability_request)
        .collect();

    let run = || {
        let auth = sign::create_auth_sig(&wallet, &params).expect("authsig");
        let caps = sign::sessionsigs::capabilities(None, &auth);
        sign::sign_session_sigs(&sign::sessionsigs::SessionSigsParams {
            session_key: &session_key,
            resource_ability_requests: &rars,
            capabilities: &caps,
            issued_at,
            expiration,
            node_urls: &nodes,
        })
    };
    let sample = run();
    let siwe_text = serde_json::from_str::<serde_json::Value>(&sample.entries[0].1.signed_message)
        .ok()
        .and_then(|v| {
            v["capabilities"][0]["signedMessage"]
                .as_str()
                .map(str::to_string)
        })
        .unwrap_or_default();
    let payloads: Vec<String> = sample
        .entries
        .iter()
        .map(|(_, s)| s.signed_message.clone())
        .collect();

    let mut g = c.benchmark_group("sign");
    g.bench_function("authsig + 10 session sigs", |b| b.iter(|| black_box(run())));
    g.bench_function("bare: 1 secp256k1 + 10 ed25519 signatures", |b| {
        b.iter(|| {
            black_box(wallet.sign_personal(siwe_text.as_bytes()).ok());
            for p in &payloads {
                black_box(session_key.sign(p.as_bytes()));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, compile, sign);
criterion_main!(benches);
