#!/usr/bin/env bash
# docs/cost.md from measurements: what hooklake costs a month at several
# traffic levels, line by line, against what users would build instead.
#   1. the Worker's CPU per delivery in V8 (bench/edge/run.sh);
#   2. the rest (bench/cost/measure.py): Terraform's defaults, payload sizes,
#      the ingest Lambda on batches into moto's S3, a generated year of lake
#      and its Parquet footers;
#   3. the page (bench/cost/model.py) from bench/cost/measured.json and the
#      prices and assumptions beside it.
# Usage: bench/cost.sh [PART...]   (parts: edge infra payloads lambda lake; all by default)
# About 10 minutes once built. tests/infra/test_cost.py checks the page.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PARTS=("$@")
[[ ${#PARTS[@]} -gt 0 ]] || PARTS=(edge infra payloads lambda lake)
PYTHON="$(bash scripts/setup-python.sh bench bench/lambda/requirements.txt)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

ARGS=()
for part in "${PARTS[@]}"; do
  case "$part" in
    edge)
      HOOKLAKE_EDGE_JSON="$WORK/edge.json" bash bench/edge/run.sh
      ARGS+=(edge --edge-json "$WORK/edge.json") ;;
    lambda|lake)
      cargo build --release --locked -q -p hooklake -p hooklake-lambda
      ARGS+=("$part") ;;
    *) ARGS+=("$part") ;;
  esac
done
"$PYTHON" bench/cost/measure.py "${ARGS[@]}"
"$PYTHON" bench/cost/model.py
