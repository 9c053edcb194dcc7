#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer) of the code that reads untrusted bytes:
# the edge core's decide, the envelope reader, payload → row extraction, and
# form decoding (fuzz/fuzz_targets). Built on the stable toolchain with the
# sanitizer-coverage flags cargo-fuzz passes (no nightly needed), in its own
# target dir. Runs each target for SECONDS from the committed corpus
# (fuzz/corpus/TARGET) and prints libFuzzer's closing figures: executions per
# second and coverage (cov: edges, ft: features). A crash stops the run with
# its input saved under target/fuzz/artifacts/TARGET/.
#
# Usage: bench/fuzz.sh [SECONDS] [TARGET...]    (default 600 s, every target)
# HOOKLAKE_FUZZ_KEEP=1 adds what the run found to fuzz/corpus (to commit).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
SECONDS_PER_TARGET="${1:-600}"
shift || true
TARGETS=("$@")
if [[ ${#TARGETS[@]} -eq 0 ]]; then
  TARGETS=(decide envelope payload_row form)
fi
HOST="$(rustc -vV | awk '/^host:/ {print $2}')"
# RUSTFLAGS reach only the targets' code because --target is given: build
# scripts and proc macros are built without coverage, as cargo-fuzz does.
RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks" \
  cargo build --locked --release -q --manifest-path fuzz/Cargo.toml \
  --target "$HOST" --target-dir target/fuzz
BIN="target/fuzz/$HOST/release"
status=0
for target in "${TARGETS[@]}"; do
  seeds="fuzz/corpus/$target"
  work="$(mktemp -d)"
  found="$work"
  if [[ "${HOOKLAKE_FUZZ_KEEP:-0}" == 1 ]]; then found="$seeds"; fi
  mkdir -p "target/fuzz/artifacts/$target"
  log="$work.log"
  if ! "$BIN/$target" "$found" "$seeds" -max_total_time="$SECONDS_PER_TARGET" \
      -artifact_prefix="target/fuzz/artifacts/$target/" -print_final_stats=1 >"$log" 2>&1; then
    echo "fuzz $target: FAILED (input saved in target/fuzz/artifacts/$target/)"
    grep -E "panicked|ERROR|SUMMARY" "$log" | head -5
    status=1
  fi
  coverage="$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 | grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' || true)"
  execs="$(awk '/^stat::number_of_executed_units:/ {print $2}' "$log")"
  rate="$(awk '/^stat::average_exec_per_sec:/ {print $2}' "$log")"
  echo "fuzz $target: ${SECONDS_PER_TARGET} s, ${execs:-?} runs, ${rate:-?} exec/s, ${coverage:-coverage ?}"
  rm -rf "$work" "$log"
done
exit $status
