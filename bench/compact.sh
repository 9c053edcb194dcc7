#!/usr/bin/env bash
# `hooklake compact` over a lake as ingest leaves it: FILES files of ROWS
# real-sized rows each (GitHub's 28 KB example payload, varied; bench/src/bin/gen_lake.rs)
# over DAYS days, pinned to one core: rows per second and peak RSS. Then
# `hooklake import` of IMPORT_N envelopes of the same payloads, also on one
# core, for the ratio (the target: compaction at 2x import's rows/s or more).
# Usage: bench/compact.sh [FILES] [ROWS] [DAYS] [IMPORT_N] [MEMORY_LIMIT]
#   bench/compact.sh                      10,000 files x 100 rows = 1,000,000 rows (docs/benchmarks.md)
#   bench/compact.sh 1000 10 30 10000     a quick run
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
FILES="${1:-10000}"
ROWS="${2:-100}"
DAYS="${3:-30}"
IMPORT_N="${4:-100000}"
MEMORY_LIMIT="${5:-256MiB}"
cargo build --release --locked -q -p hooklake -p hooklake-bench
HOOKLAKE_BIN="${HOOKLAKE_BIN:-target/release/hooklake}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "generating $FILES files of $ROWS rows over $DAYS days..."
target/release/gen_lake "$WORK/lake" "$FILES" "$ROWS" "$DAYS"
target/release/gen_envelopes "$IMPORT_N" "$WORK/envelopes.jsonl" "$DAYS"
sync

measure() { # name, command...: prints "seconds peak_kb"
  local name="$1"; shift
  /usr/bin/time -f "%e %M" -o "$WORK/time" taskset -c 0 "$@" > /dev/null 2> "$WORK/$name.err" \
    || { cat "$WORK/$name.err"; exit 1; }
  cat "$WORK/time"
}

before_bytes=$(du -sb "$WORK/lake" | cut -f1)
read -r compact_s compact_kb < <(measure compact "$HOOKLAKE_BIN" compact --memory-limit "$MEMORY_LIMIT" --lake "$WORK/lake")
after_files=$(find "$WORK/lake" -name '*.parquet' | wc -l)
after_bytes=$(du -sb "$WORK/lake" | cut -f1)
read -r import_s import_kb < <(measure import "$HOOKLAKE_BIN" import --lake "$WORK/imported" "$WORK/envelopes.jsonl")

total=$((FILES * ROWS))
python3 - "$total" "$compact_s" "$compact_kb" "$IMPORT_N" "$import_s" "$import_kb" "$FILES" "$after_files" "$before_bytes" "$after_bytes" <<'PY'
import sys
total, cs, ckb, n, is_, ikb, files, after, b0, b1 = sys.argv[1:]
total, n = int(total), int(n)
crate, irate = total / float(cs), n / float(is_)
print(f"compact: {total:,} rows in {files} files -> {after} files, {int(b0)/1e6:.0f} MB -> {int(b1)/1e6:.0f} MB, "
      f"{float(cs):.1f} s on one core: {crate:,.0f} rows/s, peak RSS {int(ckb)/1024:.0f} MB")
print(f"import:  {n:,} envelopes, {float(is_):.1f} s on one core: {irate:,.0f} rows/s, peak RSS {int(ikb)/1024:.0f} MB")
print(f"ratio:   compaction at {crate / irate:.2f}x import's rows/s per core (target >= 2x; peak RSS target <= 512 MB)")
PY
