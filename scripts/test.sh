#!/usr/bin/env bash
# hooklake's whole test suite. Installs what it needs first, so it works on a
# fresh machine: the wasm32 toolchain for the edge (scripts/setup-wasm.sh)
# and the independent Parquet readers, DuckDB and pyarrow (scripts/setup-python.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

step() { printf '\n==> %s\n' "$*"; }

step "wasm32 toolchain"
WASM_BIN="$(bash scripts/setup-wasm.sh)"

step "independent readers (DuckDB, pyarrow)"
HOOKLAKE_PYTHON="$(bash scripts/setup-python.sh)"
export HOOKLAKE_PYTHON

step "edge core builds for wasm32-unknown-unknown"
# Own target dir: native and wasm builds must never invalidate each other.
PATH="$WASM_BIN:$PATH" CARGO_TARGET_DIR="$ROOT/target/wasm" \
  cargo build --locked -p hooklake-edge --target wasm32-unknown-unknown --release

step "generated catalog is current"
cargo run --locked -q -p hooklake-schema --bin hooklake-schema-gen -- --check

step "tests"
LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT
set +e
cargo test --locked --workspace 2>&1 | tee "$LOG"
status=${PIPESTATUS[0]}
set -e
# One closing line for the whole suite (cargo prints one per test binary).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed/) p += $(i-1); if ($i ~ /^failed/) f += $(i-1) } }
     END { printf "\ntests: %d passed, %d failed\n", p, f }' "$LOG"
exit "$status"
