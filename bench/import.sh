#!/usr/bin/env bash
# `hooklake import` of N envelopes (28 KB merged deliveries): deliveries per
# second, peak RSS, and lake bytes per delivery against raw JSON bytes.
# Usage: bench/import.sh [N]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
N="${1:-100000}"
cargo build --release --locked -q -p hooklake -p hooklake-bench
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
target/release/gen_envelopes "$N" "$WORK/envelopes.jsonl"
python3 - "$WORK" "$N" <<'PY'
import json, os, resource, subprocess, sys, time
work, n = sys.argv[1], int(sys.argv[2])
t = time.perf_counter()
subprocess.run(["taskset", "-c", "0", "target/release/hooklake", "import", "--lake", f"{work}/lake", f"{work}/envelopes.jsonl"], check=True)
elapsed = time.perf_counter() - t
rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
raw = 0
with open(f"{work}/envelopes.jsonl") as f:
    for line in f:
        body = json.loads(line)["body"]
        if "inline" in body:  # a payload as a JSON string
            raw += len(body["inline"].encode())
        else:  # embedded JSON: its text runs to the line's last two braces
            raw += len(line.rstrip("\n")[line.index('"body":{"json":') + 15:-2].encode())
lake = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(f"{work}/lake") for f in fs if f.endswith(".parquet"))
print(f"import: {n} deliveries in {elapsed:.2f} s on one core = {n / elapsed:.0f} deliveries/s; peak RSS {rss_mb:.0f} MB")
print(f"lake: {lake / n:.0f} bytes per delivery vs {raw / n:.0f} raw JSON bytes ({raw / lake:.1f}x smaller)")
PY
