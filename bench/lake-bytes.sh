#!/usr/bin/env bash
# Lake bytes per delivery on real payloads (docs/benchmarks.md, "Lake bytes
# per delivery"): the 27 octokit pull_request payloads of
# tests/fixtures/octokit-webhooks, each made a merged pull request of one
# day, imported into one file; and one payload (closed) alone in a file.
# Parquet bytes per row against the payloads' raw JSON bytes.
# Usage: bench/lake-bytes.sh   (HOOKLAKE_BIN: another hooklake binary)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
cargo build --release --locked -q -p hooklake
export HOOKLAKE_BIN="${HOOKLAKE_BIN:-target/release/hooklake}"
PYTHON="$(bash scripts/setup-python.sh bench bench/lambda/requirements.txt)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
"$PYTHON" - "$WORK" <<'PY'
import json, os, pathlib, subprocess, sys
sys.path.insert(0, "bench/lambda")
from run import compact, envelope, merged  # the Lambda benchmark's envelopes

work = pathlib.Path(sys.argv[1])
fixtures = sorted(pathlib.Path("tests/fixtures/octokit-webhooks/pull_request").glob("*.payload.json"))


def lake_bytes_per_row(name, payloads):
    lines, raw = [], 0
    for i, payload in enumerate(payloads):
        merged(payload, i)
        payload["pull_request"]["merged_at"] = "2026-11-01T10:00:00Z"  # one partition, one file
        text = compact(payload)
        raw += len(text.encode())
        lines.append(envelope(i, text))
    (work / f"{name}.jsonl").write_text("\n".join(lines) + "\n")
    lake = work / f"lake-{name}"
    subprocess.run([os.environ["HOOKLAKE_BIN"], "import", "--lake", str(lake), str(work / f"{name}.jsonl")],
                   check=True, stderr=subprocess.DEVNULL)
    files = [p for p in lake.rglob("*.parquet")]
    size = sum(p.stat().st_size for p in files)
    n = len(payloads)
    print(f"{name}: {n} deliveries in {len(files)} file(s): {size / n:,.0f} bytes per delivery "
          f"against {raw / n:,.0f} raw JSON ({raw / size:.1f}x smaller)")


lake_bytes_per_row("octokit-27", [json.loads(p.read_text()) for p in fixtures])
lake_bytes_per_row("closed-alone", [json.loads(pathlib.Path(
    "tests/fixtures/octokit-webhooks/pull_request/closed.payload.json").read_text())])
PY
