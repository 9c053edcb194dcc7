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
COMPAT_DATE="$(awk -F'"' '/^compatibility_date/ {print $2}' wrangler.toml)"

serve() { # serve SOURCE_DIR SIDE: build its Worker and bench package, run the bench Worker; prints its URL
  local src="$1" side="$2" dir="$WORK/$2"
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
  mkdir -p "$dir"
  wasm-bindgen --target web --out-dir "$dir/pkg" "$WORK/target-$side/wasm32-unknown-unknown/release/hooklake_edge_bench_wasm.wasm"
  cp bench/edge/workerd/worker.mjs bench/edge/workerd/reference.mjs "$dir/"
  printf 'name = "edge-bench-%s"\nmain = "worker.mjs"\ncompatibility_date = "%s"\n' "$side" "$COMPAT_DATE" >"$dir/wrangler.toml"
  local port
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  WRANGLER_SEND_METRICS=false CI=true setsid npx wrangler dev --config "$dir/wrangler.toml" \
    --ip 127.0.0.1 --port "$port" --persist-to "$dir/state" >"$dir/wrangler.log" 2>&1 </dev/null &
  PIDS+=($!)
  for _ in $(seq 150); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && break
    sleep 0.2
  done
  URL="http://127.0.0.1:$port/"
}
serve "$WORK/base" base; BASE_URL="$URL"
serve "$ROOT" new; NEW_URL="$URL"
node bench/edge/workerd/client.mjs "$NEW_URL" cli/samples/merged.json --ab "$BASE_URL"
