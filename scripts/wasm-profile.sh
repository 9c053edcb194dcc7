# The wasm build profile of the Worker, sourced by scripts/build-worker.sh
# and by the edge benchmarks (bench/edge/run.sh, ab.sh), so what is timed is
# built as what is deployed: whole-program LTO, one codegen unit, panics
# abort, size-leaning optimisation (opt-level z is smaller still but slower:
# docs/benchmarks.md, "The Worker").
export CARGO_PROFILE_RELEASE_LTO=true CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 CARGO_PROFILE_RELEASE_PANIC=abort
export CARGO_PROFILE_RELEASE_OPT_LEVEL="${CARGO_PROFILE_RELEASE_OPT_LEVEL:-s}"
