#!/usr/bin/env bash
# The Lambda zip users deploy, built and run here: the arm64 zip exactly as
# .github/workflows/release.yml builds it (cargo-lambda with zig, profile
# dist, --arm64), then its `bootstrap` under qemu-user (Debian's
# qemu-user-static) through one SQS batch into moto's S3
# (bench/lambda/arm64_smoke.py). Not part of CI: the LTO build takes 7-16
# minutes on two cores (docs/benchmarks.md has the runs).
# Usage: bench/lambda-arm64.sh [RECORDS]      (default 1000)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
TARGET=aarch64-unknown-linux-gnu
log() { echo "[lambda-arm64] $*" >&2; }

if ! command -v qemu-aarch64-static >/dev/null || [[ ! -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ]]; then
  log "installing qemu-user-static and the arm64 glibc (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq qemu-user-static libc6-arm64-cross >&2
fi

# rustup's aarch64 target, or Debian's toolchain with an aarch64 std built here.
TOOLCHAIN_BIN="$(bash scripts/setup-target.sh "$TARGET")"
PYTHON="$(bash scripts/setup-python.sh bench bench/lambda/requirements.txt)"
LAMBDA_PYTHON="$(bash scripts/setup-python.sh lambda-build bench/lambda/requirements-arm64.txt)"

export CARGO_TARGET_DIR="$ROOT/target/$TARGET"
log "cargo lambda build --profile dist --arm64 (as release.yml; $("$TOOLCHAIN_BIN/rustc" --version))"
start=$(date +%s)
PATH="$TOOLCHAIN_BIN:$(dirname "$LAMBDA_PYTHON"):$PATH" \
  cargo lambda build --profile dist --arm64 --locked --output-format zip -p hooklake-lambda >&2
log "built in $(($(date +%s) - start)) s"
ZIP="$CARGO_TARGET_DIR/lambda/hooklake-lambda/bootstrap.zip"
exec "$PYTHON" bench/lambda/arm64_smoke.py "$ZIP" "${1:-1000}"
