#!/usr/bin/env bash
# litcap vs the Lit JS SDK 7.4.0 on the same operations: runs the criterion group `sdk-ops`
# (benches/litcap.rs) and benches/compare-js/bench.mjs, then prints a Markdown report.
#
#   bash benches/compare.sh [JS iterations, default 300]   (from the repository root or anywhere)
#
# Needs node (>= 18) and npm; installs the pinned JS packages with `npm ci` if needed.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-300}"
JS_DIR=benches/compare-js
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

RUST_CMD=(cargo bench --locked --bench litcap -- sdk-ops)
JS_CMD=(node bench.mjs "$N")

echo "running: ${RUST_CMD[*]}" >&2
"${RUST_CMD[@]}" >"$OUT/criterion.txt" 2>&1 || { cat "$OUT/criterion.txt" >&2; exit 1; }
if [ ! -d "$JS_DIR/node_modules" ]; then
  echo "running: (cd $JS_DIR && npm ci)" >&2
  (cd "$JS_DIR" && npm ci --no-audit --no-fund >&2)
fi
echo "running: (cd $JS_DIR && ${JS_CMD[*]})" >&2
(cd "$JS_DIR" && "${JS_CMD[@]}" 2>"$OUT/js.log") >"$OUT/js.json" || { cat "$OUT/js.log" >&2; exit 1; }

target_dir="$(cargo metadata --format-version 1 --no-deps 2>/dev/null | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"

echo "## litcap vs Lit JS SDK 7.4.0"
echo
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- machine: $(nproc) cores, $cpu (shared with other jobs: numbers are indicative)"
echo "- rust: $(rustc --version); node: $(node --version)"
echo "- commands: \`${RUST_CMD[*]}\` (criterion mean), \`cd $JS_DIR && ${JS_CMD[*]}\` (mean of $N iterations after 20 warm-up)"
echo
node "$JS_DIR/table.mjs" "$target_dir/criterion" "$OUT/js.json"
