#!/usr/bin/env bash
# Makes a wasm32-unknown-unknown Rust toolchain available and prints the
# directory to put first on PATH for wasm builds.
#
# Route 1 (developer laptops): rustup's own target.
# Route 2 (machines without rustup's download server): Debian's second
# toolchain (rustc-web) with a wasm32 std built once into its sysroot.
# See docs/development.md for why the second route exists.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TOOLS="$ROOT/.tools"
BIN="$TOOLS/wasm-bin"
mkdir -p "$TOOLS"

log() { echo "[setup-wasm] $*" >&2; }

have_wasm_std() { # $1 = rustc
  local sysroot
  sysroot="$("$1" --print sysroot 2>/dev/null)" || return 1
  compgen -G "$sysroot/lib/rustlib/wasm32-unknown-unknown/lib/libstd-*.rlib" >/dev/null
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
  if [[ -n "$RUSTUP_RUSTC" ]] && { have_wasm_std "$RUSTUP_RUSTC" || timeout 60 rustup target add wasm32-unknown-unknown >/dev/null 2>&1; }; then
    if have_wasm_std "$RUSTUP_RUSTC"; then
      link_toolchain "$(dirname "$(rustup which cargo)")"
      exit 0
    fi
  fi
  log "rustup cannot provide wasm32-unknown-unknown here; using Debian's rustc-web"
fi

# Route 2: Debian rustc-web + a wasm32 std built once.
if [[ ! -x /usr/bin/rustc ]] || ! /usr/bin/rustc --version | grep -q . || [[ ! -d /usr/lib/rustlib/src/rust/library ]] || ! command -v rust-lld >/dev/null; then
  log "installing rustc-web, cargo-web, rust-web-src, lld (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq rustc-web cargo-web rust-web-src lld-22 >&2
fi

if ! have_wasm_std /usr/bin/rustc; then
  log "building the wasm32 standard library once (about a minute)"
  WORK="$(mktemp -d)"
  mkdir -p "$WORK/src"
  cat >"$WORK/Cargo.toml" <<'TOML'
[package]
name = "wasm_std_seed"
version = "0.0.0"
edition = "2021"
[lib]
path = "src/lib.rs"
[profile.release]
panic = "abort"
TOML
  echo '#![no_std]' >"$WORK/src/lib.rs"
  (cd "$WORK" && RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 RUSTFLAGS=-Cembed-bitcode=yes \
    /usr/bin/cargo build -q --release --target wasm32-unknown-unknown \
    -Zbuild-std=std,panic_abort,panic_unwind >&2)
  DEST="$(/usr/bin/rustc --print sysroot)/lib/rustlib/wasm32-unknown-unknown/lib"
  mkdir -p "$DEST"
  find "$WORK/target/wasm32-unknown-unknown/release/deps" -name '*.rlib' ! -name 'libwasm_std_seed-*' -exec cp {} "$DEST/" \;
  rm -rf "$WORK"
  # A std change invalidates everything built against the old one.
  rm -rf "$ROOT/target/wasm"
fi

link_toolchain /usr/bin
