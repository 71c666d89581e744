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

criterion_group!(benches, compile);
criterion_main!(benches);
