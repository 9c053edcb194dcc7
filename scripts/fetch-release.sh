#!/usr/bin/env bash
# Downloads a release's Lambda zip and SHA256SUMS into DIR and verifies the
# checksum. Used by the deploy workflow; needs `gh` and GH_TOKEN.
# Usage: scripts/fetch-release.sh [TAG|""] DIR   (empty tag: the latest release)
set -euo pipefail
tag="${1:-}"
dir="${2:?usage: fetch-release.sh [TAG] DIR}"
mkdir -p "$dir"
args=(--pattern hooklake-lambda-arm64.zip --pattern SHA256SUMS --dir "$dir" --clobber)
if [[ -n "${GITHUB_REPOSITORY:-}" ]]; then
  args+=(--repo "$GITHUB_REPOSITORY")
fi
if [[ -n "$tag" ]]; then
  gh release download "$tag" "${args[@]}"
else
  gh release download "${args[@]}"
fi
(cd "$dir" && sha256sum --check --ignore-missing SHA256SUMS)
