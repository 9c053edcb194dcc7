#!/usr/bin/env bash
# `hooklake query` over a lake that `hooklake import` made from N envelopes
# of 28 KB merged deliveries over DAYS days: the median wall time of each
# query over RUNS runs, pinned to one core. Measures what the build settings
# of DataFusion and Arrow's kernels (opt-level, LTO) cost or save at query
# time, so a change to them has a before and an after.
# Usage: bench/query.sh [N] [DAYS] [RUNS]
#   bench/query.sh                  100,000 rows over 30 days, 5 runs (docs/benchmarks.md)
#   HOOKLAKE_BIN=path bench/query.sh   another build of hooklake (a baseline, say)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
N="${1:-100000}"
DAYS="${2:-30}"
RUNS="${3:-5}"
cargo build --release --locked -q -p hooklake -p hooklake-bench
HOOKLAKE_BIN="${HOOKLAKE_BIN:-target/release/hooklake}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
target/release/gen_envelopes "$N" "$WORK/envelopes.jsonl" "$DAYS"
# The lake comes from this checkout's build whatever HOOKLAKE_BIN is, so
# every binary measured reads the same files.
target/release/hooklake import --lake "$WORK/lake" "$WORK/envelopes.jsonl" 2>/dev/null
rm "$WORK/envelopes.jsonl"
echo "lake: $N rows over $DAYS days, $(du -sh "$WORK/lake" | cut -f1); $HOOKLAKE_BIN"

# name|SQL: the reference query, a scan and aggregate of small columns, the
# deduplicating view (a window over every row), and a string search through
# every payload (decompresses all of them).
QUERIES=(
  "reference|SELECT repository, changed_files.added, changed_files.removed, changed_files.modified FROM github_webhooks_table LIMIT 10"
  "group by|SELECT repository, base_ref, count(*), sum(additions), max(merged_at) FROM github_webhooks_table GROUP BY 1, 2 ORDER BY 3 DESC"
  "dedup view|SELECT count(*), count(DISTINCT number) FROM merged_pull_requests"
  "payload search|SELECT count(*) FROM github_webhooks_table WHERE payload LIKE '%\"mergeable_state\":\"clean\"%' AND strpos(title, 'fix') = 0"
)
for entry in "${QUERIES[@]}"; do
  name="${entry%%|*}"
  sql="${entry#*|}"
  times=()
  for _ in $(seq "$RUNS"); do
    start=$(date +%s%N)
    taskset -c 0 "$HOOKLAKE_BIN" query --lake "$WORK/lake" --format csv "$sql" > /dev/null
    times+=("$(( ($(date +%s%N) - start) / 1000000 ))")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk -v name="$name" -v runs="$RUNS" \
    '{ t[NR] = $1 } END { printf "%-15s median %6.0f ms (min %.0f, max %.0f; %d runs)\n", name, t[int((NR + 1) / 2)], t[1], t[NR], runs }'
done
