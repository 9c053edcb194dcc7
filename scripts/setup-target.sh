#!/usr/bin/env bash
# Makes a Rust toolchain for a cross target available and prints the
# directory to put first on PATH for builds for it.
#   scripts/setup-target.sh wasm32-unknown-unknown    the Worker (scripts/setup-wasm.sh)
#   scripts/setup-target.sh aarch64-unknown-linux-gnu the release's arm64 Lambda (bench/lambda-arm64.sh)
#
# Route 1 (developer laptops, GitHub's runners): rustup's own target.
# Route 2 (machines without rustup's download server): Debian's second
# toolchain (rustc-web) with the target's std built once into its sysroot.
# See docs/development.md for why the second route exists.
set -euo pipefail

TARGET="${1:?usage: setup-target.sh TARGET}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TOOLS="$ROOT/.tools"
BIN="$TOOLS/bin-$TARGET"
mkdir -p "$TOOLS"
# The target dir that builds against this std (emptied when the std changes).
case "$TARGET" in
  wasm32-*) TARGET_DIR="$ROOT/target/wasm" ;;
  *) TARGET_DIR="$ROOT/target/$TARGET" ;;
esac

log() { echo "[setup-target $TARGET] $*" >&2; }

have_std() { # $1 = rustc
  local sysroot
  sysroot="$("$1" --print sysroot 2>/dev/null)" || return 1
  compgen -G "$sysroot/lib/rustlib/$TARGET/lib/libstd-*.rlib" >/dev/null
}

link_toolchain() { # $1 = dir holding cargo and rustc
  mkdir -p "$BIN"
  ln -sf "$1/cargo" "$BIN/cargo"
  ln -sf "$1/rustc" "$BIN/rustc"
  echo "$BIN"
}

# Route 1: rustup (HOOKLAKE_WASM_ROUTE=debian skips it, to test route 2).
if [[ "${HOOKLAKE_WASM_ROUTE:-}" != debian ]] && command -v rustup >/dev/null; then
  RUSTUP_RUSTC="$(rustup which rustc 2>/dev/null || true)"
  if [[ -n "$RUSTUP_RUSTC" ]] && { have_std "$RUSTUP_RUSTC" || timeout 60 rustup target add "$TARGET" >/dev/null 2>&1; }; then
    if have_std "$RUSTUP_RUSTC"; then
      link_toolchain "$(dirname "$(rustup which cargo)")"
      exit 0
    fi
  fi
  log "rustup cannot provide $TARGET here; using Debian's rustc-web"
fi

# Route 2: Debian rustc-web + the target's std built once.
if [[ ! -x /usr/bin/rustc ]] || ! /usr/bin/rustc --version | grep -q . || [[ ! -d /usr/lib/rustlib/src/rust/library ]] || ! command -v rust-lld >/dev/null; then
  log "installing rustc-web, cargo-web, rust-web-src, lld (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq rustc-web cargo-web rust-web-src lld-22 >&2
fi

if ! have_std /usr/bin/rustc; then
  log "building the $TARGET standard library once (about a minute)"
  WORK="$(mktemp -d)"
  mkdir -p "$WORK/src"
  # wasm32 runs panic=abort; a native std must unwind like the binaries linking it.
  PANIC=unwind
  [[ "$TARGET" == wasm32-* ]] && PANIC=abort
  cat >"$WORK/Cargo.toml" <<TOML
[package]
name = "std_seed"
version = "0.0.0"
edition = "2021"
[lib]
path = "src/lib.rs"
[profile.release]
panic = "$PANIC"
TOML
  echo '#![no_std]' >"$WORK/src/lib.rs"
  (cd "$WORK" && RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 RUSTFLAGS=-Cembed-bitcode=yes \
    /usr/bin/cargo build -q --release --target "$TARGET" \
    -Zbuild-std=std,panic_abort,panic_unwind >&2)
  DEST="$(/usr/bin/rustc --print sysroot)/lib/rustlib/$TARGET/lib"
  mkdir -p "$DEST"
  find "$WORK/target/$TARGET/release/deps" -name '*.rlib' ! -name 'libstd_seed-*' -exec cp {} "$DEST/" \;
  rm -rf "$WORK"
  # A std change invalidates everything built against the old one.
  rm -rf "$TARGET_DIR"
fi

link_toolchain /usr/bin
