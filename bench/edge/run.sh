#!/usr/bin/env bash
# The edge benchmarks behind docs/benchmarks.md:
#   1. bundle size: the Worker's .wasm and the gzip'd upload;
#   2. CPU per 28 KB merged delivery in V8 (node): wasm core vs JavaScript.
# Requests per second through wrangler dev: bench/edge/wrangler-load.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
eval "$(bash scripts/setup-worker.sh)"

echo "== bundle size"
bash scripts/build-worker.sh
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
HOOKLAKE_WORKER_PREBUILT=1 npx wrangler deploy --dry-run --outdir "$OUT/dist" >/dev/null 2>&1 || true
WASM=edge/worker/build/index_bg.wasm
printf 'wasm: %d bytes, gzip -9: %d bytes\n' "$(stat -c %s $WASM)" "$(gzip -9 -c $WASM | wc -c)"
if [[ -d "$OUT/dist" ]]; then
  printf 'upload bundle (wrangler deploy --dry-run): %d bytes, gzip: %d bytes\n' \
    "$(cat "$OUT"/dist/* | wc -c)" "$(tar -C "$OUT/dist" -cf - . | gzip -9 | wc -c)"
fi

echo "== CPU per delivery in V8"
CARGO_TARGET_DIR="$ROOT/target/wasm" CARGO_PROFILE_RELEASE_LTO=true CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
  cargo build --locked -q --release -p hooklake-edge-bench-wasm --target wasm32-unknown-unknown
wasm-bindgen --target nodejs --out-dir "$OUT/pkg" target/wasm/wasm32-unknown-unknown/release/hooklake_edge_bench_wasm.wasm
node bench/edge/v8.mjs "$OUT/pkg" cli/samples/merged.json
