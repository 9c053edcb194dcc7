#!/usr/bin/env bash
# hooklake's whole test suite. Installs what it needs first, so it works on a
# fresh machine: the wasm32 toolchain and the Worker's tools
# (scripts/setup-wasm.sh, scripts/setup-worker.sh: wasm-bindgen, worker-build,
# wrangler/workerd from npm) and the Python tools (scripts/setup-python.sh:
# DuckDB, pyarrow, moto, boto3, pytest; checkov in its own venv). Terraform
# itself must be on PATH (it is on the CI image), and the deploy rehearsal
# (tests/deploy) needs the image's filesystem mirror of the AWS provider
# (/opt/tf-plugins, or HOOKLAKE_TF_PROVIDER_MIRROR); without it that test says
# so loudly and counts as skipped.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

step() { printf '\n==> %s\n' "$*"; }
LOG_DIR="$(mktemp -d)"
trap 'rm -rf "$LOG_DIR"' EXIT

# Every process the suite starts inherits this marker, so the end-of-run
# check below can find any that outlived its test (scripts/leftovers.sh).
HOOKLAKE_TEST_RUN="hooklake-test-$$-$(date +%s%N)"
export HOOKLAKE_TEST_RUN

step "Python tools (DuckDB, pyarrow, moto, pytest, checkov)"
HOOKLAKE_PYTHON="$(bash scripts/setup-python.sh)"
export HOOKLAKE_PYTHON
HOOKLAKE_CHECKOV="$(dirname "$(bash scripts/setup-python.sh checkov tests/requirements-checkov.txt)")/checkov"
export HOOKLAKE_CHECKOV

step "the wasm32 toolchain; clippy on the Worker as wasm32 (its glue compiles only there)"
# The edge core's own wasm32 build is part of the Worker's (build-worker.sh,
# below), in the Worker's own target dir.
bash scripts/setup-wasm.sh >/dev/null
# Needs rustup's clippy with rustup's wasm32 target (route 1 of
# scripts/setup-target.sh); Debian's rustc-web (route 2) has no clippy.
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  CARGO_TARGET_DIR="$ROOT/target/wasm" \
    cargo clippy --locked -p hooklake-edge-worker -p hooklake-edge-webcrypto -p hooklake-edge-bench-wasm \
      --target wasm32-unknown-unknown -- -D warnings
else
  echo "skipped: rustup's wasm32-unknown-unknown target is not installed (Debian's toolchain has no clippy)"
fi

step "generated catalog is current"
cargo run --locked -q -p hooklake-schema --bin hooklake-schema-gen -- --check

step "Rust tests"
set +e
cargo test --locked --workspace --no-fail-fast 2>&1 | tee "$LOG_DIR/cargo.log"
cargo_status=${PIPESTATUS[0]}
set -e

# The Python tests run target/debug/hooklake and target/debug/fake-github,
# which `cargo test --workspace` has just built for the crates' own
# integration tests. (A separate `cargo build -p hooklake -p hooklake-tests`
# resolved features for those two packages only and rebuilt 92 crates,
# DataFusion and the AWS SDKs among them: minutes on a fresh machine.)

step "the Worker in workerd (wrangler dev), the AWS pipeline end to end against moto; infra/ and workflows (terraform fmt, checkov, actionlint); the deploy rehearsed against moto with IAM enforced"
bash scripts/build-worker.sh
set +e
HOOKLAKE_BIN="$ROOT/target/debug/hooklake" "$HOOKLAKE_PYTHON" -m pytest tests/worker tests/infra tests/deploy -q -p no:cacheprovider -rs 2>&1 | tee "$LOG_DIR/pytest.log"
pytest_status=${PIPESTATUS[0]}
set -e

step "fuzz smoke: each fuzz target for 15 s from its committed corpus (bench/fuzz.sh; 10-minute runs in docs/benchmarks.md)"
fuzz_status=0
bash bench/fuzz.sh 15 2>&1 | tee "$LOG_DIR/fuzz.log" || fuzz_status=1

# One closing line for the whole suite (cargo prints one per test binary).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed/) p += $(i-1); if ($i ~ /^failed/) f += $(i-1) } }
     / passed| failed/ && !/^test result:/ && FILENAME ~ /pytest/ {
       for (i = 1; i <= NF; i++) { if ($i ~ /^passed/) p += $(i-1); if ($i ~ /^failed/) f += $(i-1) } }
     END { printf "\ntests: %d passed, %d failed\n", p, f }' "$LOG_DIR/cargo.log" "$LOG_DIR/pytest.log"

step "processes the suite started that are still running"
leftover_status=0
env -u HOOKLAKE_TEST_RUN bash scripts/leftovers.sh "$HOOKLAKE_TEST_RUN" $$ || leftover_status=1

if [[ $cargo_status -ne 0 || $pytest_status -ne 0 || $fuzz_status -ne 0 || $leftover_status -ne 0 ]]; then
  exit 1
fi
