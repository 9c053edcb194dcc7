#!/usr/bin/env bash
# Builds the Worker (edge/worker) into edge/worker/build/ with worker-build:
# wasm32 release build in its own target dir, wasm-bindgen, esbuild shim.
# wrangler.toml runs this as its build command. HOOKLAKE_WORKER_PREBUILT=1
# skips it (the tests build once, then start wrangler several times).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
if [[ "${HOOKLAKE_WORKER_PREBUILT:-}" == 1 && -f "$ROOT/edge/worker/build/worker/shim.mjs" ]]; then
  exit 0
fi
eval "$(bash "$ROOT/scripts/setup-worker.sh")"
export CARGO_TARGET_DIR="$ROOT/target/wasm"
source "$ROOT/scripts/wasm-profile.sh"
cd "$ROOT/edge/worker"
worker-build --release --no-opt >&2
ls -l build/index_bg.wasm >&2 2>/dev/null || ls -lR build >&2
