#!/usr/bin/env bash
# The README's first command (`cargo hooklake serve`, the alias in
# .cargo/config.toml), timed from nothing: a release build of the `hooklake`
# binary without the AWS commands into a clean, empty target dir (the crates already
# downloaded; on a fresh machine add their download, about a minute), then
# the binary's size. cargo's --timings report goes to the target dir's
# cargo-timings/ (the slowest crates, for the next cut).
# Usage: bench/build.sh [TARGET_DIR]     (default: target/build-bench, emptied first)
#   BUILD_FEATURES= bash bench/build.sh  the full build (`aws` too), as `cargo install` makes it
#   BUILD_FEATURES= BUILD_PROFILE=dist-cli bash bench/build.sh
#                                        the binary of the release archives (release.yml)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
DIR="${1:-$ROOT/target/build-bench}"
FEATURES="${BUILD_FEATURES---no-default-features}"
PROFILE="${BUILD_PROFILE:-release}"
rm -rf "$DIR"
cargo fetch --locked -q
echo "cores: $(nproc); $(cargo --version)"
start=$(date +%s)
# shellcheck disable=SC2086 # FEATURES is empty or one flag
CARGO_TARGET_DIR="$DIR" cargo build --locked --profile "$PROFILE" -p hooklake $FEATURES --timings -q
elapsed=$(($(date +%s) - start))
size=$(stat -c %s "$DIR/$PROFILE/hooklake")
awk -v s="$elapsed" -v b="$size" 'BEGIN { printf "clean '"$PROFILE"' build of hooklake ('"${FEATURES:-all features}"'): %d min %02d s; binary %.1f MB\n", s / 60, s % 60, b / 1e6 }'
# The ten crates that took longest (cargo's report embeds its data as JSON).
python3 - "$DIR"/cargo-timings/cargo-timing.html <<'PY'
import json, re, sys
html = open(sys.argv[1]).read()
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);\n", html, re.S).group(1))
for u in sorted(units, key=lambda u: -u["duration"])[:10]:
    print(f"  {u['duration']:6.1f} s  {u['name']} {u['version']}{u['target']}")
PY
