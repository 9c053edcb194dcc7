#!/usr/bin/env bash
# `hooklake backfill` against the fake GitHub (no rate limits): pull
# requests per second, and GitHub requests per pull request (the real bound:
# GitHub allows 5,000 requests an hour per token, 15,000 per App installation).
# Usage: bench/backfill.sh [PULL_REQUESTS] [FILES_PER_PULL_REQUEST]
# HOOKLAKE_BENCH_PROFILE=dev measures the test build (no release build).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PULLS="${1:-2000}"
FILES="${2:-3}"
PROFILE="${HOOKLAKE_BENCH_PROFILE:-release}"
if [[ "$PROFILE" == release ]]; then
  cargo build --release --locked -q -p hooklake -p hooklake-tests --bin hooklake --bin fake-github
  DIR=target/release
else
  cargo build --locked -q --workspace --bins
  DIR=target/debug
fi
WORK="$(mktemp -d)"
trap 'kill "$FAKE" 2>/dev/null || true; rm -rf "$WORK"' EXIT
UNTIL="$(date -u -d '-1 day' +%Y-%m-%dT%H:%M:%SZ)"
SINCE="$(date -u -d '-1100 days' +%Y-%m-%d)"
SCENARIO="{\"bench/repo\": {\"files\": $FILES, \"pulls\": {\"merged\": $PULLS, \"days\": 1095, \"until\": \"$UNTIL\"}}}"
"$DIR/fake-github" 0 "$SCENARIO" >"$WORK/fake.out" &
FAKE=$!
until grep -q listening "$WORK/fake.out"; do sleep 0.1; done
ADDR="$(awk '/listening/ {print $3}' "$WORK/fake.out")"
START=$(date +%s.%N)
HOOKLAKE_GITHUB_TOKEN=bench HOOKLAKE_GITHUB_API_URL="http://$ADDR" RUST_LOG=warn \
  "$DIR/hooklake" backfill --repo bench/repo --since "$SINCE" --lake "$WORK/lake" \
  --state "$WORK/state.json" --format json >"$WORK/report.json" 2>/dev/null
END=$(date +%s.%N)
REQUESTS="$(python3 -c "import json,urllib.request; print(json.load(urllib.request.urlopen('http://$ADDR/_fake/requests'))['bench/repo'])")"
python3 - "$WORK/report.json" "$START" "$END" "$REQUESTS" "$PROFILE" <<'PY'
import json, sys
report = json.load(open(sys.argv[1])); start, end = float(sys.argv[2]), float(sys.argv[3])
requests, profile = int(sys.argv[4]), sys.argv[5]
n = report["written"]
print(f"backfill ({profile} build): {n} pull requests in {end - start:.1f} s = {n / (end - start):.0f} pull requests/s; "
      f"{requests} GitHub requests = {requests / n:.2f} per pull request")
PY
