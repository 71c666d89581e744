#!/usr/bin/env bash
# Grows and minimises the committed fuzz corpora, so that CI's short runs resume where the last
# run stopped instead of rediscovering the same inputs from the seeds every time.
#
#   fuzz/scripts/corpus.sh [SECONDS] [TARGET...]     (from anywhere; default 60 s, every target)
#
# For each target: fuzzes SECONDS on fuzz/corpus/<target>/ plus fuzz/seeds/<target>/ (0 skips
# this and only minimises), then rebuilds fuzz/corpus/<target>/ as a small set of inputs that
# reach what the seeds do not: libFuzzer's merge (what `cargo fuzz cmin` runs, here as a set
# cover, `-set_cover_merge=1`), first of the seeds alone into an empty directory, then of the
# old corpus (with the run's new inputs) on top; only the inputs the second step added are
# kept. Commit the result (`git add fuzz/corpus`). Targets are built as CI builds them (`-O -a`).
set -euo pipefail
cd "$(dirname "$0")/../.."
export RUSTC_BOOTSTRAP=1
FLAGS=(-O -a)
LIBFUZZER=(-timeout=25 -rss_limit_mb=2048)
# Minimising counts the code an input reaches, not how often (`-use_counters=0`): the corpus
# stays small, and each CI run rebuilds the finer picture from it in seconds.
MERGE=(-set_cover_merge=1 -use_counters=0)
# Above this many files a corpus is worth a look (an input that varies a counter, say).
LIMIT=300

secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo fuzz list)
cargo fuzz build "${FLAGS[@]}"

for t in "${targets[@]}"; do
    corpus=fuzz/corpus/$t
    mkdir -p "$corpus"
    seeds=()
    [ -d "fuzz/seeds/$t" ] && seeds=("fuzz/seeds/$t")
    if [ "$secs" -gt 0 ]; then
        cargo fuzz run "${FLAGS[@]}" "$t" "$corpus" "${seeds[@]}" -- \
            -max_total_time="$secs" "${LIBFUZZER[@]}" -print_final_stats=1 \
            2>&1 | grep -v -E '^#[0-9]+\s+(NEW|REDUCE|pulse)' || {
            echo "$t failed: see fuzz/artifacts/$t/"
            exit 1
        }
    fi
    tmp=$(mktemp -d)
    mkdir "$tmp/min"
    if [ ${#seeds[@]} -gt 0 ]; then
        cargo fuzz run "${FLAGS[@]}" "$t" "$tmp/min" "${seeds[@]}" -- "${MERGE[@]}" "${LIBFUZZER[@]}" \
            >"$tmp/log" 2>&1 || { cat "$tmp/log"; exit 1; }
    fi
    ls "$tmp/min" >"$tmp/from-seeds"
    cargo fuzz run "${FLAGS[@]}" "$t" "$tmp/min" "$corpus" -- "${MERGE[@]}" "${LIBFUZZER[@]}" \
        >"$tmp/log" 2>&1 || { cat "$tmp/log"; exit 1; }
    before=$(find "$corpus" -type f | wc -l)
    rm -rf "$corpus"
    mkdir -p "$corpus"
    { ls "$tmp/min" | grep -v -x -F -f "$tmp/from-seeds" || true; } | while read -r f; do
        mv "$tmp/min/$f" "$corpus/"
    done
    rm -rf "$tmp"
    after=$(find "$corpus" -type f | wc -l)
    echo "$t: fuzz/corpus/$t: $before inputs -> $after (minimised, beyond the seeds)"
    [ "$after" -le "$LIMIT" ] || echo "warning: $t: more than $LIMIT inputs in fuzz/corpus/$t"
done
