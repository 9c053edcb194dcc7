#!/usr/bin/env bash
# The edge benchmarks behind docs/benchmarks.md:
#   1. bundle size: the Worker's .wasm and the gzip'd upload;
#   2. CPU per 28 KB merged delivery, in V8 under node and in workerd (wrangler
#      dev, the Workers runtime): the Worker's core (the signature through
#      WebCrypto), the core with SHA-256 in wasm, and the same checks in
#      JavaScript; and per delivery that is not merged (HOOKLAKE_EDGE_JSON:
#      workerd's figures also go there, for bench/cost.sh).
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

echo "== CPU per delivery in V8 (node)"
(source scripts/wasm-profile.sh && CARGO_TARGET_DIR="$ROOT/target/wasm" \
  cargo build --locked -q --release -p hooklake-edge-bench-wasm --target wasm32-unknown-unknown)
BENCH_WASM=target/wasm/wasm32-unknown-unknown/release/hooklake_edge_bench_wasm.wasm
wasm-bindgen --target nodejs --out-dir "$OUT/pkg" "$BENCH_WASM"
node bench/edge/v8.mjs "$OUT/pkg" cli/samples/merged.json

# workerd runs WebCrypto on the isolate's thread, node on a thread pool: the
# Worker's figure is the one measured in workerd (wrangler dev), which is
# what HOOKLAKE_EDGE_JSON receives.
echo "== CPU per delivery in workerd (wrangler dev)"
source bench/edge/workerd/serve.sh
trap '[[ -n "${BENCH_PID:-}" ]] && kill -- "-$BENCH_PID" 2>/dev/null; rm -rf "$OUT"' EXIT
start_bench_worker "$BENCH_WASM" "$OUT/workerd" hooklake-edge-bench
node bench/edge/workerd/client.mjs "$BENCH_URL" cli/samples/merged.json \
  ${HOOKLAKE_EDGE_JSON:+--json "$HOOKLAKE_EDGE_JSON"}
