#!/usr/bin/env bash
# Is the edge faster? The Worker of BASE_REV and of the working tree: the
# bundle each builds, and the edge core per 28 KB merged delivery in workerd
# (wrangler dev; bench/edge/workerd), each build in its own workerd,
# measured alternately ROUNDS x 2 times (the machine's drift hits both).
# Usage: bench/edge/ab.sh BASE_REV
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
BASE_REV="${1:?usage: bench/edge/ab.sh BASE_REV}"
eval "$(bash scripts/setup-worker.sh)"
WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -- "-$pid" 2>/dev/null || true; done
  git worktree remove --force "$WORK/base" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
git worktree add -q --detach "$WORK/base" "$BASE_REV"
source bench/edge/workerd/serve.sh

serve() { # serve SOURCE_DIR SIDE: build its Worker and bench crate, run the bench Worker (BENCH_URL)
  local src="$1" side="$2"
  # Each checkout builds in its own wasm target dir: a shared one would pass
  # one checkout's artifacts off as the other's.
  (cd "$src" && bash scripts/build-worker.sh >/dev/null 2>&1)
  local wasm="$src/edge/worker/build/index_bg.wasm"
  printf '%s Worker: wasm %d bytes, gzip -9 %d bytes\n' "$side" "$(stat -c %s "$wasm")" "$(gzip -9 -c "$wasm" | wc -c)" >&2
  # Each built with its own Worker's profile: scripts/wasm-profile.sh, or
  # what scripts/build-worker.sh set before that file existed.
  (cd "$src"
   if [[ -f scripts/wasm-profile.sh ]]; then source scripts/wasm-profile.sh; else
     export CARGO_PROFILE_RELEASE_LTO=true CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
       CARGO_PROFILE_RELEASE_OPT_LEVEL=s CARGO_PROFILE_RELEASE_PANIC=abort; fi
   CARGO_TARGET_DIR="$WORK/target-$side" \
     cargo build --locked -q --release -p hooklake-edge-bench-wasm --target wasm32-unknown-unknown)
  start_bench_worker "$WORK/target-$side/wasm32-unknown-unknown/release/hooklake_edge_bench_wasm.wasm" \
    "$WORK/$side" "edge-bench-$side"
  PIDS+=("$BENCH_PID")
}
serve "$WORK/base" base; BASE_URL="$BENCH_URL"
serve "$ROOT" new; NEW_URL="$BENCH_URL"
node bench/edge/workerd/client.mjs "$NEW_URL" cli/samples/merged.json --ab "$BASE_URL"
