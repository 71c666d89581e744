//! `check` of a 1,000-session policy against an AuthSig (criterion; the README's table).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use litcap::{check_with_authsig, AuthSigInput, CheckOptions};
use litcap::{load_inputs, PolicyFormat};

/// One grant (the one vector 14's AuthSig was signed from) and `n` sessions of two requests.
fn policy(n: usize) -> String {
    let mut s = String::from(
        "grant \"sdk-defaults\" {\n  domain \"localhost\"\n  statement \"This is a test statement.  You can put anything you want here.\"\n  max-ttl 1d\n  allow pkp-signing on \"lit-pkp://*\"\n  allow lit-action-execution on \"lit-litaction://*\"\n}\n\n",
    );
    for i in 0..n {
        s.push_str(&format!(
            "session \"s{i}\" from \"sdk-defaults\" {{\n  ttl 1h\n  request pkp-signing on \"lit-pkp://0x{i:064x}\"\n  request lit-action-execution on \"lit-litaction://QmAction{i}\"\n}}\n\n"
        ));
    }
    s
}

fn check(c: &mut Criterion) {
    let text = policy(1000).into_bytes();
    let authsig = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/check/authsig-14.json"
    ))
    .unwrap_or_default();
    let input = AuthSigInput {
        name: "authsig-14.json".into(),
        text: authsig,
        at: "2024-09-19T14:00:00Z".parse().unwrap_or_default(),
        session_key: Some(
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a".into(),
        ),
        network_key: None,
    };
    let mut g = c.benchmark_group("check");
    g.bench_function("1000 sessions against an AuthSig (load + check)", |b| {
        b.iter(|| {
            let mut loaded =
                load_inputs(vec![("big.litcap".into(), PolicyFormat::Dsl, text.clone())]);
            let report = check_with_authsig(&mut loaded, &CheckOptions::default(), &input);
            assert_eq!(report.coverage.len(), 2000);
            assert!(report.coverage.iter().all(|c| c.covered));
            black_box(report)
        })
    });
    g.finish();
}

criterion_group!(benches, check);
criterion_main!(benches);
