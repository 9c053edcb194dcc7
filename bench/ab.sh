#!/usr/bin/env bash
# Is a change slower? `hooklake import`, `hooklake compact`, `hooklake serve`
# and the Lambda's batch of two builds, run alternately on this machine (the
# machine's drift hits both alike), each pinned to one core where the
# single-build scripts pin it. Medians and new/base ratios.
# Usage: bench/ab.sh DIR [ROUNDS]
#   DIR holds hooklake-base, hooklake-new, lambda-base, lambda-new (any
#   profile, the same for both; bench/overhead.sh builds them into
#   target/overhead) and the generators gen_envelopes, gen_lake, serve_load.
# Sizes: HOOKLAKE_AB_IMPORT_N (100000), HOOKLAKE_AB_FILES x HOOKLAKE_AB_ROWS
# (10000 x 100: bench/compact.sh's lake), HOOKLAKE_AB_SERVE_SECONDS (20).
# HOOKLAKE_AB_ONLY=import,compact,serve,lambda runs some of them.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
DIR="$(cd "${1:?usage: bench/ab.sh DIR [ROUNDS]}" && pwd)"
ROUNDS="${2:-3}"
PYTHON="$(bash scripts/setup-python.sh bench bench/lambda/requirements.txt)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

ONLY=",${HOOKLAKE_AB_ONLY:-import,compact,serve,lambda},"
export ONLY
[[ $ONLY == *,import,* ]] && "$DIR/gen_envelopes" "${HOOKLAKE_AB_IMPORT_N:-100000}" "$WORK/envelopes.jsonl" 30
if [[ $ONLY == *,compact,* ]]; then
  echo "generating the compaction lake..." >&2
  "$DIR/gen_lake" "$WORK/lake-template" "${HOOKLAKE_AB_FILES:-10000}" "${HOOKLAKE_AB_ROWS:-100}" 30
fi
sync

"$PYTHON" - "$DIR" "$WORK" "$ROUNDS" "${HOOKLAKE_AB_SERVE_SECONDS:-20}" <<'PY'
import json, os, shutil, socket, statistics, subprocess, sys, time
dir_, work, rounds, serve_seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]

def timed(command, core="0"):
    """Seconds and peak RSS (MB) of `command`, pinned to one core."""
    start = time.perf_counter()
    proc = subprocess.Popen(["taskset", "-c", core, *command], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        sys.exit(f"{command[:2]} failed with status {status}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024

def import_once(binary):
    shutil.rmtree(f"{work}/lake", ignore_errors=True)
    return timed([binary, "import", "--lake", f"{work}/lake", f"{work}/envelopes.jsonl"])

def compact_once(binary):
    shutil.rmtree(f"{work}/lake-c", ignore_errors=True)
    shutil.copytree(f"{work}/lake-template", f"{work}/lake-c")
    subprocess.run(["sync"])
    return timed([binary, "compact", "--lake", f"{work}/lake-c"])

def serve_once(binary):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
    lake = f"{work}/lake-s"
    shutil.rmtree(lake, ignore_errors=True)
    env = {**os.environ, "HOOKLAKE_WEBHOOK_SECRET": "bench-secret", "RUST_LOG": "warn"}
    server = subprocess.Popen([binary, "serve", "--listen", f"127.0.0.1:{port}", "--lake", lake, "--max-age", "1s"], env=env)
    while True:
        try:
            socket.create_connection(("127.0.0.1", port)).close(); break
        except OSError:
            time.sleep(0.1)
    out = subprocess.run([f"{dir_}/serve_load", "--url", f"http://127.0.0.1:{port}/", "--seconds", serve_seconds,
                          "--concurrency", "32"], env=env, capture_output=True, text=True, check=True).stdout
    server.terminate(); server.wait()
    return json.loads(out)["per_second"], 0.0

results = {}
for name, once in (("import", import_once), ("compact", compact_once), ("serve", serve_once)):
    if f",{name}," not in os.environ["ONLY"]:
        continue
    runs = {"base": [], "new": []}
    for r in range(rounds):
        order = ["base", "new"] if r % 2 == 0 else ["new", "base"]
        for label in order:
            runs[label].append(once(f"{dir_}/hooklake-{label}"))
    med = {k: (statistics.median(v[0] for v in vs), statistics.median(v[1] for v in vs)) for k, vs in runs.items()}
    raw = {k: [round(v[0], 2) for v in vs] for k, vs in runs.items()}
    if name == "serve":
        print(f"serve: base {raw['base']} deliveries/s, new {raw['new']}: new/base {med['new'][0] / med['base'][0]:.3f} (higher is better)")
    else:
        print(f"{name}: base {raw['base']} s, new {raw['new']} s; peak RSS medians {med['base'][1]:.0f} / {med['new'][1]:.0f} MB: "
              f"new/base time {med['new'][0] / med['base'][0]:.3f} (lower is better)")
PY
if [[ $ONLY == *,lambda,* ]]; then
  cd bench/lambda && "$PYTHON" overhead.py "$DIR/lambda-base" "$DIR/lambda-new" "$ROUNDS"
fi
