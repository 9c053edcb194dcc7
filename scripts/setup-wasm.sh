#!/usr/bin/env bash
# Makes a wasm32-unknown-unknown Rust toolchain available and prints the
# directory to put first on PATH for wasm builds (scripts/setup-target.sh).
exec bash "$(dirname "$0")/setup-target.sh" wasm32-unknown-unknown
