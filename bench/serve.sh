#!/usr/bin/env bash
# Sustained signed 28 KB deliveries through `hooklake serve` over loopback
# HTTP; prints throughput, latency, and the lake's row count against the 2xx
# count (0 lost). Usage: bench/serve.sh [SECONDS] [CONCURRENCY]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
SECONDS_TO_RUN="${1:-20}"
CONCURRENCY="${2:-32}"
cargo build --release --locked -q -p hooklake -p hooklake-bench
# HOOKLAKE_BIN: another hooklake binary to measure (a baseline build, say).
BIN="${HOOKLAKE_BIN:-target/release/hooklake}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
export HOOKLAKE_WEBHOOK_SECRET="bench-secret"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
RUST_LOG=warn "$BIN" serve --listen "127.0.0.1:$PORT" --lake "$WORK/lake" --max-age 1s &
SERVER=$!
until curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 || python3 -c "import socket,sys; socket.create_connection(('127.0.0.1',$PORT))" 2>/dev/null; do sleep 0.1; done
RESULT=$(target/release/serve_load --url "http://127.0.0.1:$PORT/" --seconds "$SECONDS_TO_RUN" --concurrency "$CONCURRENCY")
kill -TERM "$SERVER"; wait "$SERVER"
ROWS=$("$BIN" query --lake "$WORK/lake" --format csv "SELECT count(*) AS n FROM github_webhooks_table" | tail -1)
echo "serve: $RESULT"
python3 - "$RESULT" "$ROWS" <<'PY'
import json, sys
r = json.loads(sys.argv[1]); rows = int(sys.argv[2])
print(f"serve: {r['per_second']:.0f} deliveries/s, p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms, "
      f"{r['accepted']} accepted, {rows} rows in the lake, lost {r['accepted'] - rows}")
PY
