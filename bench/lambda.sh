#!/usr/bin/env bash
# The Lambda benchmarks (bench/lambda/run.py): the function's binary
# vs a Python + pyarrow function (run by awslambdaric) on the same batch into
# moto's S3 and a null S3, cold init,
# and zip size. Usage: bench/lambda.sh
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PYTHON="$(bash scripts/setup-python.sh bench bench/lambda/requirements.txt)"
# The dist profile: what the release workflow ships (LTO).
cargo build --profile dist --locked -q -p hooklake-lambda
exec "$PYTHON" bench/lambda/run.py target/dist/hooklake-lambda
