//! `check` of a 1,000-session policy against an AuthSig (criterion; the README's table), and
//! the load of a 10 MB YAML policy (the bound `tests/yaml_errors.rs` used to time), and the
//! parse of one 3.5 MB file of `benches/scale.sh`'s generated 100,000-session policy.

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
        uri: None,
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

/// The YAML policy `tests/yaml_errors.rs` reads whole (there at 2 MB, without timing): about
/// 10 MB of grant/session pairs with `where` data.
fn big_yaml() -> Vec<u8> {
    let mut text = String::with_capacity(10_500_000);
    let mut i = 0;
    while text.len() < 10_000_000 {
        text.push_str(&format!(
            "- grant: g{i}\n  domain: app.example.com\n  max-ttl: 1d\n  allow:\n    - pkp-signing: lit-pkp://0xb03a728fc095d13a226bda09f1ead60c4cb356c0d82a2d0177184fd66d74c75f\n      where: {{nb: [1, 2, 3], note: \"x\"}}\n- session: s{i}\n  from: g{i}\n  ttl: 1h\n  request:\n    - pkp-signing: lit-pkp://0xb03a728fc095d13a226bda09f1ead60c4cb356c0d82a2d0177184fd66d74c75f\n"
        ));
        i += 1;
    }
    text.into_bytes()
}

fn load_yaml(c: &mut Criterion) {
    let text = big_yaml();
    let mut g = c.benchmark_group("load");
    g.sample_size(10);
    g.bench_function("10 MB YAML policy (parse + model)", |b| {
        b.iter(|| {
            let loaded = load_inputs(vec![(
                "big.litcap.yaml".into(),
                PolicyFormat::Yaml,
                text.clone(),
            )]);
            assert!(loaded.diagnostics.is_empty());
            black_box(loaded)
        })
    });
    g.finish();
}

/// One of the ten files `benches/scale.sh` writes for 100,000 sessions (its awk generator, in
/// the same shape): 2,000 grants of five `allow`s, each followed by its five sessions; 3.5 MB.
fn scale_policy_file() -> String {
    let pkp = |i: usize| format!("lit-pkp://0x{i:064x}");
    let mut s = String::with_capacity(3_600_000);
    for k in 0..2000 {
        let g = k * 10;
        s.push_str(&format!("grant \"g{g}\" {{\n  domain \"app{g}.example.com\"\n  statement \"Let the app{g} workers sign with their PKPs.\"\n  chain-id 1\n  max-ttl 1h\n"));
        for i in g * 5..g * 5 + 5 {
            s.push_str(&format!("  allow pkp-signing on \"{}\"\n", pkp(i)));
        }
        s.push_str("  allow lit-action-execution on \"lit-litaction://*\"\n}\n\n");
        for i in g * 5..g * 5 + 5 {
            s.push_str(&format!("session \"s{i}\" from \"g{g}\" {{\n  ttl 15m\n  request pkp-signing on \"{}\"\n  request lit-action-execution on \"lit-litaction://QmWorker{i}\"\n}}\n\n", pkp(i)));
        }
    }
    s
}

fn parse_dsl(c: &mut Criterion) {
    use litcap::internal::syntax::parser;
    let text = scale_policy_file();
    let mut g = c.benchmark_group("parse");
    g.sample_size(20);
    g.throughput(criterion::Throughput::Bytes(text.len() as u64));
    g.bench_function("one 3.5 MB file of the 100,000-session policy", |b| {
        b.iter(|| {
            let (file, diags) = parser::parse(0, black_box(&text));
            assert_eq!(file.items.len(), 12_000);
            assert!(diags.is_empty());
            black_box(file)
        })
    });
    g.finish();
}

criterion_group!(benches, check, load_yaml, parse_dsl);
criterion_main!(benches);
