#!/usr/bin/env bash
# Scaling of `litcap check`, `compile --session` and `verify` with the size of the input
# (issue #13): generates the inputs, runs the release binary and prints a Markdown table of wall
# time and peak memory (`/usr/bin/time`, GNU).
#
#   bash benches/scale.sh [SESSIONS...]        default: 1000 10000 100000
#   SCALE_MAPS="1000 10000" bash benches/scale.sh     SessionSigs maps for `verify` (default 1000 10000;
#                                                     empty to skip)
#   SCALE_RUNS=3      runs per measurement (the table shows the fastest; default 3)
#   SCALE_DIR=DIR     keep the generated inputs in DIR (default: a temporary directory)
#   LITCAP=PATH       the binary to measure (default: build it with `cargo build --release`)
#   SCALE_GEN_ONLY=1  only generate the inputs (into SCALE_DIR) and print their paths
#
# Policies: one grant per five sessions, two requests a session, spread over ten `.litcap` files
# (grant g and its five sessions in file g mod 10). Each grant has a domain, a statement, a
# max-ttl, one specific `pkp-signing` allow per session (its own PKP) and one wildcard
# `lit-action-execution` allow, so every grant carries one `wildcard-resource` warning (the
# reports are not empty) and every request is covered.
#
# Maps: N three-node SessionSigs maps (`litcap sign`), N/10 session keys, each key's ten maps under
# one AuthSig, as real deployments sign many maps under few AuthSigs. `verify` runs with 1 and
# with 2 worker threads (`RAYON_NUM_THREADS`), pinned to as many cores (`taskset`); the last
# column is entries (or sessions) per second of wall time.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(1000 10000 100000)
MAPS="${SCALE_MAPS-1000 10000}"
RUNS="${SCALE_RUNS:-3}"
if [ -n "${SCALE_DIR:-}" ]; then
  DIR="$SCALE_DIR"
  mkdir -p "$DIR"
else
  DIR="$(mktemp -d)"
  trap 'rm -rf "$DIR"' EXIT
fi

if [ -z "${LITCAP:-}" ]; then
  cargo build --release --locked --quiet --bin litcap >&2
  LITCAP="$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/release/litcap"
fi

# gen_policy N DIR: ten files DIR/p0.litcap .. DIR/p9.litcap with N sessions in all.
gen_policy() {
  local n="$1" out="$2"
  mkdir -p "$out"
  awk -v n="$n" -v out="$out" '
    function pkp(i) { return sprintf("lit-pkp://0x%064x", i) }
    BEGIN {
      grants = int((n + 4) / 5)
      for (g = 0; g < grants; g++) {
        f = out "/p" (g % 10) ".litcap"
        printf "grant \"g%d\" {\n  domain \"app%d.example.com\"\n  statement \"Let the app%d workers sign with their PKPs.\"\n  chain-id 1\n  max-ttl 1h\n", g, g, g > f
        for (i = g * 5; i < g * 5 + 5 && i < n; i++)
          printf "  allow pkp-signing on \"%s\"\n", pkp(i) > f
        printf "  allow lit-action-execution on \"lit-litaction://*\"\n}\n\n" > f
        for (i = g * 5; i < g * 5 + 5 && i < n; i++)
          printf "session \"s%d\" from \"g%d\" {\n  ttl 15m\n  request pkp-signing on \"%s\"\n  request lit-action-execution on \"lit-litaction://QmWorker%d\"\n}\n\n", i, g, pkp(i), i > f
      }
      for (k = 0; k < 10; k++) close(out "/p" k ".litcap")
    }'
}

# measure CMD...: "wall_ms cpu_ms peak_kib", each the smallest of RUNS runs (CPU is user + system
# time, the fairer number on a shared machine); stdout to /dev/null.
measure() {
  local best_ms="" best_cpu="" best_kib="" i ms cpu kib
  for ((i = 0; i < RUNS; i++)); do
    /usr/bin/time -f '%e %U %S %M' -o "$DIR/time.txt" "$@" >/dev/null 2>"$DIR/stderr.txt" || true
    read -r ms cpu kib < <(tail -1 "$DIR/time.txt" | awk '{printf "%d %d %d\n", $1 * 1000 + 0.5, ($2 + $3) * 1000 + 0.5, $4}')
    if [ -z "$best_ms" ] || [ "$ms" -lt "$best_ms" ]; then best_ms="$ms"; fi
    if [ -z "$best_cpu" ] || [ "$cpu" -lt "$best_cpu" ]; then best_cpu="$cpu"; fi
    if [ -z "$best_kib" ] || [ "$kib" -lt "$best_kib" ]; then best_kib="$kib"; fi
  done
  echo "$best_ms $best_cpu $best_kib"
}

mib() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
# per_s COUNT MS: COUNT per second of MS milliseconds, rounded ("n/a" for 0 ms).
per_s() { awk -v n="$1" -v ms="$2" 'BEGIN { if (ms > 0) printf "%.0f", n * 1000 / ms; else printf "n/a" }'; }

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "- machine: $(nproc) cores, $cpu; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- binary: $LITCAP ($("$LITCAP" --version 2>/dev/null | head -1 || echo '?'))"
echo "- each cell: the smallest of $RUNS runs: wall time, CPU time (user + system) and peak RSS (\`/usr/bin/time -f '%e %U %S %M'\`)"
echo
echo "| input | input bytes | command | wall | CPU | peak memory | throughput (wall) |"
echo "|---|---:|---|---:|---:|---:|---:|"
for n in "${SIZES[@]}"; do
  p="$DIR/policy-$n"
  [ -f "$p/p9.litcap" ] || gen_policy "$n" "$p"
  files=("$p"/p*.litcap)
  if [ -n "${SCALE_GEN_ONLY:-}" ]; then
    echo "$p"
    continue
  fi
  bytes="$(cat "${files[@]}" | wc -c)"
  mid="s$((n / 2))"
  for fmt in human json sarif; do
    read -r ms cpu kib < <(measure "$LITCAP" check --format "$fmt" "${files[@]}")
    printf '| %s sessions | %s | `check --format %s` | %s ms | %s ms | %s MiB | %s sessions/s |\n' "$n" "$bytes" "$fmt" "$ms" "$cpu" "$(mib "$kib")" "$(per_s "$n" "$ms")"
  done
  read -r ms cpu kib < <(measure "$LITCAP" compile --session "$mid" "${files[@]}")
  printf '| %s sessions | %s | `compile --session %s` | %s ms | %s ms | %s MiB | |\n' "$n" "$bytes" "$mid" "$ms" "$cpu" "$(mib "$kib")"
done

# gen_maps N DIR: N three-node SessionSigs maps, ten per session key, each key's ten signed under
# one AuthSig (same wallet, nonce and times; the maps differ in their node URLs).
gen_maps() {
  local n="$1" out="$2" k j seed nodes
  mkdir -p "$out"
  echo "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcaca5d7be7e4b7f8b" >"$DIR/wallet.key"
  chmod 600 "$DIR/wallet.key"
  for ((k = 0; k < (n + 9) / 10; k++)); do
    seed="$(printf '%064x' $((k + 1)))"
    for ((j = 0; j < 10 && k * 10 + j < n; j++)); do
      nodes=()
      for p in 0 1 2; do nodes+=(--node "https://127.0.0.1:$((7000 + 3 * j + p))"); done
      "$LITCAP" sign tests/fixtures/sign/sdk-defaults.litcap --session docs \
        --wallet-key "$DIR/wallet.key" --session-key-seed "$seed" --nonce 0x1234567890abcdef \
        --issued-at 2026-01-01T00:00:00Z --expiration 2026-01-02T00:00:00Z "${nodes[@]}" \
        >"$out/map-$k-$j.json" 2>/dev/null
    done
  done
}

for n in $MAPS; do
  m="$DIR/maps-$n"
  [ -f "$m/done" ] || { gen_maps "$n" "$m"; touch "$m/done"; }
  [ -n "${SCALE_GEN_ONLY:-}" ] && { echo "$m"; continue; }
  bytes="$(cat "$m"/*.json | wc -c)"
  for threads in 1 2; do
    read -r ms cpu kib < <(RAYON_NUM_THREADS="$threads" measure taskset -c "$(seq -s, 0 $((threads - 1)))" "$LITCAP" verify --at 2026-01-01T01:00:00Z "$m")
    printf '| %s maps (%s entries) | %s | `verify DIR`, %s thread(s) | %s ms | %s ms | %s MiB | %s entries/s |\n' "$n" "$((n * 3))" "$bytes" "$threads" "$ms" "$cpu" "$(mib "$kib")" "$(per_s $((n * 3)) "$ms")"
  done
done
