#!/usr/bin/env bash
# `hooklake import` against a Python + pyarrow script doing the same work
# (bench/import_py.py) on the same N envelopes of 28 KB merged deliveries
# spread over DAYS days, one after the other, each pinned to one core:
# deliveries per second, peak RSS, the ratios, and lake bytes per delivery.
# Each side runs RUNS times (default 3), alternately; the figures are the
# medians (the first run of a series is the slowest, by up to 20%). The
# input is flushed to disk first, so that writing it back does not share
# the core with the first run.
# Usage: bench/import.sh [N] [DAYS] [MEMORY_LIMIT] [compact|pretty]
#   FORM compact (default): payloads as GitHub sends them, embedded as JSON
#   in the envelope; pretty: pretty-printed payloads, carried as escaped
#   strings (the slowest form to read).
#   bench/import.sh 100000            the throughput benchmark (docs/benchmarks.md)
#   bench/import.sh 60000 60 256MiB   over 2 GB of envelopes over 60 days, memory flag 256 MiB
# Set HOOKLAKE_BENCH_SKIP_PYTHON=1 to run hooklake alone; RUNS=1 for one run each.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
N="${1:-100000}"
DAYS="${2:-30}"
MEMORY_LIMIT="${3:-256MiB}"
FORM="${4:-compact}"
cargo build --release --locked -q -p hooklake -p hooklake-bench
# HOOKLAKE_BIN: another hooklake binary to measure (a baseline build, say).
export HOOKLAKE_BIN="${HOOKLAKE_BIN:-target/release/hooklake}"
PYTHON="$(bash scripts/setup-python.sh)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
target/release/gen_envelopes "$N" "$WORK/envelopes.jsonl" "$DAYS" "$FORM"
sync
FORM="$FORM" RUNS="${RUNS:-3}" "$PYTHON" - "$WORK" "$N" "$MEMORY_LIMIT" "$PYTHON" <<'PY'
import json, os, shutil, statistics, subprocess, sys, time
work, n, memory_limit, python = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
size = os.path.getsize(f"{work}/envelopes.jsonl")
units = {"kib": 1024, "mib": 1024**2, "gib": 1024**3, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "b": 1}
unit = next((u for u in units if memory_limit.lower().endswith(u)), "b")
limit_bytes = int(float(memory_limit.lower().removesuffix(unit)) * units[unit])

def run(name, command):
    """Runs `command` pinned to core 0; returns (seconds, peak RSS in MB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(["taskset", "-c", "0", *command])
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    if status != 0:
        sys.exit(f"{name} failed with status {status}")
    return elapsed, usage.ru_maxrss / 1024

def lake_bytes(lake):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(lake) for f in fs if f.endswith(".parquet"))

runs = int(os.environ["RUNS"])
skip_python = os.environ.get("HOOKLAKE_BENCH_SKIP_PYTHON") == "1"
print(f"input: {n} envelopes ({os.environ.get('FORM', 'compact')} payloads), {size / 1e9:.2f} GB, "
      f"memory limit {memory_limit}; medians of {runs} run(s) each, alternately")
rust_command = [os.environ["HOOKLAKE_BIN"], "import",
                *([] if os.environ.get("HOOKLAKE_BENCH_NO_MEMORY_FLAG") else ["--memory-limit", memory_limit]),
                "--lake", f"{work}/lake", f"{work}/envelopes.jsonl"]
py_command = [python, "bench/import_py.py", "--memory-limit", str(limit_bytes),
              f"{work}/envelopes.jsonl", f"{work}/lake-py"]
rust, py = [], []
for i in range(runs):
    shutil.rmtree(f"{work}/lake", ignore_errors=True)
    shutil.rmtree(f"{work}/lake-py", ignore_errors=True)
    rust.append(run("hooklake import", rust_command))
    if not skip_python:
        py.append(run("python import", py_command))
    print(f"run {i + 1}: hooklake {rust[-1][0]:.2f} s, {rust[-1][1]:.0f} MB"
          + ("" if skip_python else f"; python {py[-1][0]:.2f} s, {py[-1][1]:.0f} MB"))


def median(samples):
    return statistics.median(s for s, _ in samples), statistics.median(m for _, m in samples)


rust_s, rust_mb = median(rust)
files = sum(1 for d, _, fs in os.walk(f"{work}/lake") for f in fs if f.endswith(".parquet"))
print(f"hooklake import: {n / rust_s:.0f} deliveries/s on one core ({rust_s:.2f} s); peak RSS {rust_mb:.0f} MB; "
      f"{files} files; lake {lake_bytes(f'{work}/lake') / n:.0f} bytes per delivery")
if not skip_python:
    py_s, py_mb = median(py)
    print(f"python + pyarrow: {n / py_s:.0f} deliveries/s on one core ({py_s:.2f} s); peak RSS {py_mb:.0f} MB; "
          f"lake {lake_bytes(f'{work}/lake-py') / n:.0f} bytes per delivery")
    print(f"ratio: hooklake {py_s / rust_s:.2f}x the deliveries/s, {rust_mb / py_mb:.2f}x the peak RSS")
PY
