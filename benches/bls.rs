//! One `lit.bls` AuthSig verification next to the bare pairing cost (criterion; the README's
//! BLS numbers). The AuthSig is tests/vectors/bls/real-network.json: real nodes' shares
//! combined by the SDK, checked against their network key.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use litcap::internal::bls::{session_hash, BlsSignature, NetworkKey, DST_POP};
use litcap::internal::verify::sessionsigs::judge_capability;
use litcap::Timestamp;
use serde_json::Value;

fn bls(c: &mut Criterion) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/bls/real-network.json"
    ))
    .unwrap_or_default();
    let v: Value = serde_json::from_str(&text).unwrap_or_default();
    let input = &v["input"];
    let a = &input["authSig"];
    let field = |x: &Value, k: &str| x[k].as_str().unwrap_or_default().to_string();
    let (sig, message) = (field(a, "sig"), field(a, "signedMessage"));
    let (derived_via, address, algo) = (
        field(a, "derivedVia"),
        field(a, "address"),
        field(a, "algo"),
    );
    let session = field(input, "sessionKey");
    let Ok(key) = NetworkKey::parse(&field(input, "networkKey")) else {
        return;
    };
    let now: Timestamp = "2024-04-25T12:00:00Z".parse().unwrap_or_default();

    // The bare pairing check: decoded points, hashed message (blst directly).
    let sig_hex = serde_json::from_str::<Value>(&sig).unwrap_or_default()["ProofOfPossession"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let raw = hex::decode(&sig_hex).unwrap_or_default();
    let (Ok(bare_sig), Ok(bare_key)) = (
        blst::min_pk::Signature::from_bytes(&raw),
        blst::min_pk::PublicKey::from_bytes(key.bytes()),
    ) else {
        return;
    };
    let data = session_hash(&message);

    let mut g = c.benchmark_group("lit.bls");
    g.bench_function("bare pairing check (blst verify, decoded points)", |b| {
        b.iter(|| {
            black_box(bare_sig.verify(false, black_box(&data), DST_POP, &[], &bare_key, false))
        })
    });
    g.bench_function(
        "signature: decode sig + subgroup check + hash + verify",
        |b| {
            b.iter(|| {
                let s = BlsSignature::parse(black_box(&sig)).ok();
                black_box(s.map(|s| s.verify(&key, &session_hash(black_box(&message)))))
            })
        },
    );
    g.bench_function(
        "capability as the node judges it (SIWE, time, BLS, URI, recaps)",
        |b| {
            b.iter(|| {
                black_box(judge_capability(
                    &sig,
                    &derived_via,
                    black_box(&message),
                    &address,
                    Some(&algo),
                    Some(&session),
                    now,
                    Some(&key),
                ))
            })
        },
    );
    // The policy's proof for a PKP grant (`signer pkp`, `auth-action`): the engine's grant and
    // signer judgements on the already parsed message and recaps, next to the BLS check above.
    let parsed = litcap::internal::siwe::SiweMessage::parse(&message).ok();
    let recaps: Vec<litcap::internal::recap::Recap> = parsed
        .iter()
        .flat_map(|m| m.recap_resources())
        .filter_map(|urn| {
            litcap::internal::recap::Recap::decode(urn)
                .ok()
                .map(|d| d.recap)
        })
        .collect();
    let indexed: Vec<(usize, &litcap::internal::recap::Recap)> =
        recaps.iter().enumerate().collect();
    let mut grant = litcap::internal::recap::Recap::new();
    grant.add_all_capabilities(&litcap::internal::lit::Resource::wildcard(
        litcap::internal::lit::ResourcePrefix::Pkp,
    ));
    grant.add_all_capabilities(&litcap::internal::lit::Resource::wildcard(
        litcap::internal::lit::ResourcePrefix::LitAction,
    ));
    let actions = [litcap::internal::model::AuthAction {
        cid: "QmY3qun9qX3fUBHVfrA9f3v9RpyyPo8RHEuEN1XYPq1PrA".into(),
        span: Default::default(),
    }];
    let pkp = litcap::internal::fit::PkpExpectation {
        address: litcap::internal::eth::Address::parse_any_case(&address)
            .unwrap_or(litcap::internal::eth::Address([0; 20])),
        actions: &actions,
    };
    let expect = litcap::internal::fit::GrantExpectation {
        recap: &grant,
        domain: Some("litprotocol.com"),
        chain_id: Some(1),
        max_lifetime: None,
        pkp: Some(pkp),
    };
    if let Some(m) = &parsed {
        g.bench_function("PKP grant proof (judge_grant + judge_signer)", |b| {
            b.iter(|| {
                let mut f = litcap::internal::fit::judge_grant(
                    &litcap::internal::profile::DATIL,
                    black_box(m),
                    &indexed,
                    &expect,
                );
                f.extend(litcap::internal::fit::judge_signer(
                    litcap::internal::wire::authsig::AuthSigKind::BlsNetwork,
                    &address,
                    m,
                    &indexed,
                    &pkp,
                ));
                black_box(f)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bls);
criterion_main!(benches);
