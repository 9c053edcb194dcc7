#!/usr/bin/env bash
# Is a change slower? serve's deliveries/s (bench/serve.sh's load, ROUNDS
# alternating runs of SECONDS each) and the Lambda's batch time
# (bench/lambda/overhead.py) of BASE_REV and of the working tree (or
# HOOKLAKE_OVERHEAD_NEW_REV), side by side on this machine.
# Usage: bench/overhead.sh BASE_REV [ROUNDS] [SECONDS]
# Builds each revision in a git worktree, into the same target dirs (shared
# dependencies), copying each binary aside before the next build; a base
# already built for the same commit is reused.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
BASE_REV="${1:?usage: bench/overhead.sh BASE_REV [ROUNDS] [SECONDS]}"
ROUNDS="${2:-3}"
SECONDS_TO_RUN="${3:-20}"
OUT="${HOOKLAKE_OVERHEAD_DIR:-$ROOT/target/overhead}"
RELEASE_DIR="$ROOT/target/build-bench"   # bench/build.sh's: the release profile as it is now
mkdir -p "$OUT"
PYTHON="$(bash scripts/setup-python.sh bench bench/lambda/requirements.txt)"

# Every checkout has the same relative layout, so cargo gives our crates the
# same artifact names in every worktree and tells fresh from stale by mtime:
# clean ours before each build, or one checkout's artifacts pass for another's.
OURS=(-p hooklake-schema -p hooklake-edge -p hooklake-ingest -p hooklake-github -p hooklake-aws
      -p hooklake-maintain -p hooklake -p hooklake-tests -p hooklake-bench -p hooklake-lambda)
build() { # build SOURCE_DIR LABEL
  (cd "$1" \
     && CARGO_TARGET_DIR="$RELEASE_DIR" cargo clean --release -q "${OURS[@]}" \
     && CARGO_TARGET_DIR="$RELEASE_DIR" cargo build --release --locked -q -p hooklake -p hooklake-bench \
     && CARGO_TARGET_DIR="$ROOT/target" cargo clean --profile dist -q "${OURS[@]}" \
     && CARGO_TARGET_DIR="$ROOT/target" cargo build --profile dist --locked -q -p hooklake-lambda)
  cp "$RELEASE_DIR/release/hooklake" "$OUT/hooklake-$2"
  cp "$ROOT/target/dist/hooklake-lambda" "$OUT/lambda-$2"
}
build_rev() { # build_rev REV LABEL
  local worktree="$OUT/src-$2"
  rm -rf "$worktree"; git worktree prune
  git worktree add -f --detach "$worktree" "$1" >&2
  build "$worktree" "$2"
  git worktree remove --force "$worktree"
}
if [[ ! -x "$OUT/hooklake-base" || "$(cat "$OUT/base-rev" 2>/dev/null)" != "$(git rev-parse "$BASE_REV")" ]]; then
  build_rev "$BASE_REV" base
  git rev-parse "$BASE_REV" > "$OUT/base-rev"
fi
if [[ -z "${HOOKLAKE_OVERHEAD_NEW_REV:-}" ]]; then
  build "$ROOT" new
  rm -f "$OUT/new-rev"
elif [[ ! -x "$OUT/hooklake-new" || "$(cat "$OUT/new-rev" 2>/dev/null)" != "$(git rev-parse "$HOOKLAKE_OVERHEAD_NEW_REV")" ]]; then
  build_rev "$HOOKLAKE_OVERHEAD_NEW_REV" new
  git rev-parse "$HOOKLAKE_OVERHEAD_NEW_REV" > "$OUT/new-rev"
fi
# The load generator from this checkout (it reads the fixtures where it was built).
(CARGO_TARGET_DIR="$RELEASE_DIR" cargo clean --release -q "${OURS[@]}" \
   && CARGO_TARGET_DIR="$RELEASE_DIR" cargo build --release --locked -q -p hooklake -p hooklake-bench)

serve_once() { # serve_once BINARY → deliveries/s
  local work port server
  work="$(mktemp -d)"
  port=$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  HOOKLAKE_WEBHOOK_SECRET=bench-secret RUST_LOG=warn "$1" serve --listen "127.0.0.1:$port" --lake "$work/lake" --max-age 1s &
  server=$!
  until "$PYTHON" -c "import socket; socket.create_connection(('127.0.0.1',$port))" 2>/dev/null; do sleep 0.1; done
  HOOKLAKE_WEBHOOK_SECRET=bench-secret "$RELEASE_DIR/release/serve_load" --url "http://127.0.0.1:$port/" \
    --seconds "$SECONDS_TO_RUN" --concurrency 32 | "$PYTHON" -c 'import json,sys; print(round(json.load(sys.stdin)["per_second"]))'
  kill -TERM "$server"; wait "$server" || true
  rm -rf "$work"
}
base_runs=(); new_runs=()
for ((r = 0; r < ROUNDS; r++)); do
  if ((r % 2 == 0)); then
    base_runs+=("$(serve_once "$OUT/hooklake-base")"); new_runs+=("$(serve_once "$OUT/hooklake-new")")
  else
    new_runs+=("$(serve_once "$OUT/hooklake-new")"); base_runs+=("$(serve_once "$OUT/hooklake-base")")
  fi
done
"$PYTHON" - "${base_runs[*]}" "${new_runs[*]}" <<'PY'
import statistics, sys
b = [int(x) for x in sys.argv[1].split()]; n = [int(x) for x in sys.argv[2].split()]
print(f"serve: base {b} deliveries/s, new {n}: medians {statistics.median(b)} / {statistics.median(n)}, "
      f"new/base {statistics.median(n) / statistics.median(b):.3f}")
PY
cd bench/lambda && "$PYTHON" overhead.py "$OUT/lambda-base" "$OUT/lambda-new" "$ROUNDS"
