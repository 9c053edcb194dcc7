#!/usr/bin/env bash
# Downloads a release's Lambda zip, its hooklake CLI for Linux x86_64 and
# SHA256SUMS into DIR, verifies the checksums and unpacks the CLI into
# DIR/hooklake-x86_64-unknown-linux-gnu/. Used by the deploy and rotate
# workflows; needs `gh` and GH_TOKEN.
# Usage: scripts/fetch-release.sh [TAG|""] DIR   (empty tag: the latest release)
set -euo pipefail
tag="${1:-}"
dir="${2:?usage: fetch-release.sh [TAG] DIR}"
mkdir -p "$dir"
cli=hooklake-x86_64-unknown-linux-gnu
args=(--pattern hooklake-lambda-arm64.zip --pattern "$cli.tar.gz" --pattern SHA256SUMS --dir "$dir" --clobber)
if [[ -n "${GITHUB_REPOSITORY:-}" ]]; then
  args+=(--repo "$GITHUB_REPOSITORY")
fi
if [[ -n "$tag" ]]; then
  gh release download "$tag" "${args[@]}"
else
  gh release download "${args[@]}"
fi
(cd "$dir" && sha256sum --check --ignore-missing SHA256SUMS)
tar -C "$dir" -xzf "$dir/$cli.tar.gz"
