#!/usr/bin/env bash
# Installs what building and running the Worker needs, and prints shell
# exports for scripts/build-worker.sh and the Worker tests:
#   - the wasm32 toolchain (scripts/setup-wasm.sh),
#   - npm packages from package-lock.json (wrangler with workerd, esbuild),
#   - wasm-bindgen-cli at exactly the version in Cargo.lock, and worker-build
#     at the version of the `worker` crate, into .tools/bin.
# Nothing here downloads a prebuilt binary from outside the package registries.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
log() { echo "[setup-worker] $*" >&2; }

WASM_BIN="$(bash scripts/setup-wasm.sh)"

if [[ ! -x node_modules/.bin/wrangler || package-lock.json -nt node_modules/.package-lock.json ]]; then
  log "npm ci (wrangler, esbuild)"
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

lock_version() { # the version of crate $1 in Cargo.lock
  awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}
install_tool() { # crate, version, binary
  local have
  have="$(".tools/bin/$3" --version 2>/dev/null | awk '{print $NF}' || true)"  # worker-build prints the version alone
  if [[ "$have" != "$2" ]]; then
    log "cargo install $1 $2 (once per machine; a few minutes)"
    # One target dir for both tools (their common crates compile once), and
    # opt-level 1: they process one small wasm file, and a fresh machine
    # spent 634 s building them at opt-level 3, 517 s like this.
    # --locked when the tool's own lockfile still resolves; some pin yanked crates.
    export CARGO_TARGET_DIR="$ROOT/.tools/install-target" CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=0
    cargo install --locked --quiet --root .tools "$1" --version "=$2" >&2 2>/dev/null ||
      cargo install --quiet --root .tools "$1" --version "=$2" >&2
  fi
}
install_tool wasm-bindgen-cli "$(lock_version wasm-bindgen)" wasm-bindgen
install_tool worker-build "$(lock_version worker)" worker-build
rm -rf "$ROOT/.tools/install-target"

cat <<EXPORTS
export PATH="$WASM_BIN:$ROOT/.tools/bin:\$PATH"
export WASM_BINDGEN_BIN="$ROOT/.tools/bin/wasm-bindgen"
export ESBUILD_BIN="$ROOT/node_modules/.bin/esbuild"
EXPORTS
