//! Criterion benchmarks; the README's table is produced from these (`cargo bench`).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use litcap::{load_inputs, PolicyFormat};

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
                let out = litcap::compile(&loaded.policy, &s.name, None).ok();
                black_box(out.map(|o| o.recap_urn));
            }
        })
    });
    let loaded = load_inputs(vec![("big.litcap".into(), PolicyFormat::Dsl, text.clone())]);
    g.bench_function("compile one session (SIWE message)", |b| {
        let inputs = litcap::SiweInputs {
            address: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".into(),
            session_key: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a".into(),
            nonce: "0x921dd92f497527857ee8dda62f1805e56c34c99a6b37691b4e56e6fb171a5a70".into(),
            issued_at: "2024-09-19T13:07:33.606Z".parse().unwrap_or_default(),
            expiration: None,
        };
        b.iter(|| black_box(litcap::compile(&loaded.policy, "s500", Some(&inputs)).ok()))
    });
    g.finish();
}

/// One AuthSig (SIWE + secp256k1) and ten per-node ed25519 session signatures, next to the
/// bare cost of the same eleven signatures over the same bytes.
fn sign(c: &mut Criterion) {
    use litcap::internal::sign::{self, AuthSigParams, SessionKey, WalletSigner};
    use litcap::CapabilityRequest;
    use litcap::{Ability, Resource, ResourcePrefix};

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
    let issued_at: litcap::Timestamp = "2024-09-19T13:07:33.606Z".parse().unwrap_or_default();
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

/// The operations the Lit JS SDK performs, with the inputs of `benches/compare-js/bench.mjs`
/// (same wallet, session key, nonce, 3 requests, domain and statement), named like its output so
/// `benches/compare.sh` can pair them. `bare_*` are the raw signature operations inside them,
/// measured in the same run: the floor each SDK operation is compared against.
fn sdk_ops(c: &mut Criterion) {
    use litcap::internal::authsig::{check_authsig, CheckOptions};
    use litcap::internal::coverage::Request;
    use litcap::internal::sign::sessionsigs::{self, SessionSigsParams};
    use litcap::internal::sign::{self, SessionKey, WalletSigner};
    use litcap::internal::siwe::{create_lit_siwe, CapabilityRequest, LitSiweParams};
    use litcap::{Ability, Resource, ResourcePrefix};

    let wallet = sign::LocalWallet::from_hex(
        "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    )
    .expect("test key");
    // RFC 8032 test key 1: public key d75a98…511a.
    let session_key = SessionKey::from_seed_hex(
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    )
    .expect("seed");
    let nonce = "0x921dd92f497527857ee8dda62f1805e56c34c99a6b37691b4e56e6fb171a5a70";
    let resource = |p, id: &str| Resource::new(p, id).expect("resource");
    let requests = vec![
        CapabilityRequest {
            resource: resource(
                ResourcePrefix::Pkp,
                "b03a728fc095d13a226bda09f1ead60c4cb356c0d82a2d0177184fd66d74c75f",
            ),
            ability: Ability::PkpSigning,
            data: None,
        },
        CapabilityRequest {
            resource: resource(
                ResourcePrefix::LitAction,
                "QmUjX8MW6StQ7NKNdaS6g4RMkvN5hcgtKmEi8Mca6oX4t3",
            ),
            ability: Ability::LitActionExecution,
            data: None,
        },
        CapabilityRequest {
            resource: Resource::wildcard(ResourcePrefix::AccessControlCondition),
            ability: Ability::AccessControlConditionDecryption,
            data: None,
        },
    ];
    let issued_at: litcap::Timestamp = "2024-09-19T13:07:33.606Z".parse().unwrap_or_default();
    let expiration = issued_at.add_secs(3600);
    let siwe_params = LitSiweParams {
        domain: Some("app.example.com".into()),
        wallet_address: wallet.address().to_checksum(),
        statement: Some("Bench.".into()),
        uri: Some(session_key.uri()),
        chain_id: None,
        nonce: nonce.into(),
        issued_at,
        expiration: Some(expiration),
        resources: Some(requests.clone()),
    };
    let message = create_lit_siwe(&siwe_params).expect("siwe").to_message();
    let auth_sig = sign::authsig::sign_message(&wallet, message.clone()).expect("authsig");
    let signature = litcap::internal::eth::Signature::parse_hex(&auth_sig.sig).expect("sig");
    let check = CheckOptions {
        now: issued_at.add_secs(60),
        session_key: Some(session_key.public_key_hex().to_string()),
        requests: requests
            .iter()
            .map(|r| Request {
                resource: r.resource.clone(),
                ability: r.ability,
            })
            .collect(),
        network_key: None,
        uri: None,
        profile: None,
    };
    let report = check_authsig(&auth_sig, &check);
    assert!(
        report.sdk_covered(),
        "the bench AuthSig must cover its requests"
    );
    let nodes: Vec<String> = (0..3)
        .map(|i| format!("https://15.235.83.220:{}", 7470 + i))
        .collect();
    let rars: Vec<serde_json::Value> = requests
        .iter()
        .map(sessionsigs::resource_ability_request)
        .collect();
    let caps = sessionsigs::capabilities(None, &auth_sig);
    let session_params = SessionSigsParams {
        session_key: &session_key,
        resource_ability_requests: &rars,
        capabilities: &caps,
        issued_at,
        expiration,
        node_urls: &nodes,
    };
    let session_sigs = sign::sign_session_sigs(&session_params);
    assert_eq!(session_sigs.entries.len(), 3);
    let payloads: Vec<&str> = session_sigs
        .entries
        .iter()
        .map(|(_, s)| s.signed_message.as_str())
        .collect();
    // Verification from the map, as a node gets it: hex-decode key and signature, then verify.
    let verify_entry = |s: &sign::SessionSig| -> bool {
        let (Ok(pk), Ok(sig)) = (hex::decode(&s.address), hex::decode(&s.sig)) else {
            return false;
        };
        let (Ok(pk), Ok(sig)) = (<[u8; 32]>::try_from(pk), <[u8; 64]>::try_from(sig)) else {
            return false;
        };
        let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(&pk) else {
            return false;
        };
        key.verify_strict(
            s.signed_message.as_bytes(),
            &ed25519_dalek::Signature::from_bytes(&sig),
        )
        .is_ok()
    };

    // The full node-emulating verifier (`litcap verify`) reads the map as JSON text; its bare
    // signature cost is the 3 session signatures plus the AuthSig's secp256k1 recovery.
    let sessionsigs_json = session_sigs.to_value().to_string();
    let verify_opts = litcap::VerifyOptions {
        now: issued_at.add_secs(60),
        node: None,
        ..Default::default()
    };
    let verdicts =
        litcap::internal::verify::sessionsigs::verify_text(&sessionsigs_json, &verify_opts)
            .expect("the map reads");
    assert!(
        verdicts.len() == 3 && verdicts.iter().all(|v| v.valid()),
        "every node accepts the bench SessionSigs: {verdicts:?}"
    );

    let mut g = c.benchmark_group("sdk-ops");
    g.bench_function("compile_siwe_with_recap", |b| {
        b.iter(|| black_box(create_lit_siwe(black_box(&siwe_params)).map(|m| m.to_message())))
    });
    g.bench_function("authsig_sign_eip191", |b| {
        b.iter(|| {
            black_box(sign::authsig::sign_message(
                &wallet,
                black_box(message.clone()),
            ))
        })
    });
    g.bench_function("bare_secp256k1_sign", |b| {
        b.iter(|| black_box(wallet.sign_personal(black_box(message.as_bytes()))))
    });
    g.bench_function("authsig_verify_and_cover", |b| {
        b.iter(|| black_box(check_authsig(black_box(&auth_sig), &check)))
    });
    g.bench_function("bare_secp256k1_recover", |b| {
        b.iter(|| {
            black_box(litcap::internal::eth::recover_personal(
                black_box(message.as_bytes()),
                &signature,
            ))
        })
    });
    g.bench_function("getSessionSigs_3_nodes", |b| {
        b.iter(|| black_box(sign::sign_session_sigs(black_box(&session_params))))
    });
    g.bench_function("bare_ed25519_sign_3", |b| {
        b.iter(|| {
            for p in &payloads {
                black_box(session_key.sign(black_box(p.as_bytes())));
            }
        })
    });
    g.bench_function("sessionsigs_verify_3_nodes", |b| {
        b.iter(|| {
            for (_, s) in &session_sigs.entries {
                assert!(verify_entry(black_box(s)));
            }
        })
    });
    g.bench_function("sessionsigs_verify_3_nodes_full", |b| {
        b.iter(|| {
            black_box(litcap::internal::verify::sessionsigs::verify_text(
                black_box(&sessionsigs_json),
                &verify_opts,
            ))
        })
    });
    g.bench_function("bare_sessionsigs_all_signatures", |b| {
        b.iter(|| {
            for (_, s) in &session_sigs.entries {
                assert!(verify_entry(black_box(s)));
            }
            black_box(litcap::internal::eth::recover_personal(
                black_box(message.as_bytes()),
                &signature,
            ))
        })
    });
    g.finish();
}

/// `litcap verify`'s per-key ed25519 verifier (`sessionsigs::strict_verifier`) against the bare
/// `verify_strict` it reproduces, on a message the size of a SessionSigs payload (1,412 bytes
/// in `benches/scale.sh`'s maps). Read with docs/benchmarks.md, "Bulk verify: per-key
/// precomputation".
fn bulk_verify(c: &mut Criterion) {
    use curve25519_dalek::edwards::{
        CompressedEdwardsY, EdwardsPoint, VartimeEdwardsPrecomputation,
    };
    use curve25519_dalek::scalar::Scalar;
    use curve25519_dalek::traits::VartimePrecomputedMultiscalarMul;
    use ed25519_dalek::Signer;
    use litcap::internal::verify::sessionsigs::strict_verifier::PreparedKey;
    use sha2::Digest;

    let signer = ed25519_dalek::SigningKey::from_bytes(&[42; 32]);
    let key = signer.verifying_key();
    let key_bytes = key.to_bytes();
    let message = vec![b'm'; 1412];
    let sig = signer.sign(&message);
    let plain = PreparedKey::new(&key_bytes).expect("a key");
    let tabled = PreparedKey::new(&key_bytes).expect("a key").with_table();
    assert!(plain.verify_strict(&message, &sig) && tabled.verify_strict(&message, &sig));

    let mut g = c.benchmark_group("bulk-verify");
    g.bench_function("bare_verify_strict", |b| {
        b.iter(|| {
            black_box(
                key.verify_strict(black_box(&message), black_box(&sig))
                    .is_ok(),
            )
        })
    });
    g.bench_function("from_bytes_then_verify_strict", |b| {
        b.iter(|| {
            let key = ed25519_dalek::VerifyingKey::from_bytes(black_box(&key_bytes)).unwrap();
            black_box(
                key.verify_strict(black_box(&message), black_box(&sig))
                    .is_ok(),
            )
        })
    });
    g.bench_function("prepared_key_no_table", |b| {
        b.iter(|| black_box(plain.verify_strict(black_box(&message), black_box(&sig))))
    });
    g.bench_function("prepared_key_with_table", |b| {
        b.iter(|| black_box(tabled.verify_strict(black_box(&message), black_box(&sig))))
    });
    g.bench_function("prepare_key_and_table", |b| {
        b.iter(|| black_box(PreparedKey::new(black_box(&key_bytes)).map(PreparedKey::with_table)))
    });
    // curve25519-dalek's own precomputation ([s]B - [k]A with static tables for B and -A), the
    // alternative this verifier does not use: 4.1.3 reads its scalars in width-5 NAF.
    let minus_a = -CompressedEdwardsY(key_bytes).decompress().expect("a point");
    let dalek_tables = VartimeEdwardsPrecomputation::new([
        curve25519_dalek::constants::ED25519_BASEPOINT_POINT,
        minus_a,
    ]);
    let s = Scalar::from_canonical_bytes(*sig.s_bytes()).unwrap();
    let k = Scalar::from_hash(
        sha2::Sha512::new()
            .chain_update(sig.r_bytes())
            .chain_update(key_bytes)
            .chain_update(&message),
    );
    g.bench_function("dalek_double_scalar_mul", |b| {
        b.iter(|| {
            black_box(EdwardsPoint::vartime_double_scalar_mul_basepoint(
                black_box(&k),
                &minus_a,
                black_box(&s),
            ))
        })
    });
    g.bench_function("dalek_precomputed_multiscalar_mul", |b| {
        b.iter(|| black_box(dalek_tables.vartime_multiscalar_mul([black_box(s), black_box(k)])))
    });
    g.finish();
}

criterion_group!(benches, compile, sign, sdk_ops, bulk_verify);
criterion_main!(benches);
