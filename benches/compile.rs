//! `compile --session` on `benches/scale.sh`'s generated policies (issue #13 goal 4): the
//! lexical block index of the ten files, the reference two-pass `index_blocks` against the
//! one-pass `scan_blocks_where`, and the whole lazy load (index, parse of the session's blocks,
//! model), all in memory (reading the files is not measured here; `benches/scale.sh` does).

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion};
use litcap::internal::load::{load_for_session, PolicyFormat};
use litcap::internal::syntax::index::scan_blocks_where;
use litcap::internal::syntax::parser::index_blocks;

/// Ten files shaped as `gen_policy N` of `benches/scale.sh` writes them.
fn policy_files(n: usize) -> Vec<String> {
    let mut files = vec![String::new(); 10];
    let pkp = |i: usize| format!("lit-pkp://0x{i:064x}");
    for g in 0..n.div_ceil(5) {
        let f = &mut files[g % 10];
        f.push_str(&format!(
            "grant \"g{g}\" {{\n  domain \"app{g}.example.com\"\n  statement \"Let the app{g} workers sign with their PKPs.\"\n  chain-id 1\n  max-ttl 1h\n"
        ));
        let sessions = g * 5..(g * 5 + 5).min(n);
        for i in sessions.clone() {
            f.push_str(&format!("  allow pkp-signing on \"{}\"\n", pkp(i)));
        }
        f.push_str("  allow lit-action-execution on \"lit-litaction://*\"\n}\n\n");
        for i in sessions {
            f.push_str(&format!(
                "session \"s{i}\" from \"g{g}\" {{\n  ttl 15m\n  request pkp-signing on \"{}\"\n  request lit-action-execution on \"lit-litaction://QmWorker{i}\"\n}}\n\n",
                pkp(i)
            ));
        }
    }
    files
}

fn compile_session(c: &mut Criterion) {
    let mut g = c.benchmark_group("compile-session");
    g.sample_size(20);
    for n in [10_000, 100_000] {
        let files = policy_files(n);
        let wanted = format!("s{}", n / 2);
        g.bench_function(
            format!("{n} sessions: index, reference (two passes)"),
            |b| {
                b.iter(|| {
                    for f in &files {
                        black_box(index_blocks(f).map(|v| v.len()));
                    }
                })
            },
        );
        g.bench_function(format!("{n} sessions: index, one pass"), |b| {
            b.iter(|| {
                for f in &files {
                    black_box(scan_blocks_where(f, |_, _| true).map(|v| v.len()));
                }
            })
        });
        let inputs: Vec<(String, PolicyFormat, Vec<u8>)> = files
            .iter()
            .enumerate()
            .map(|(i, f)| {
                (
                    format!("p{i}.litcap"),
                    PolicyFormat::Dsl,
                    f.clone().into_bytes(),
                )
            })
            .collect();
        g.bench_function(format!("{n} sessions: load_for_session {wanted}"), |b| {
            b.iter_batched(
                || inputs.clone(),
                |inputs| {
                    let loaded = load_for_session(inputs, &wanted);
                    assert!(!loaded.diagnostics.has_errors());
                    black_box(loaded.policy)
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, compile_session);
criterion_main!(benches);
