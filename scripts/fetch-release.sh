#!/usr/bin/env bash
# Downloads the release pinned in infra/example/release.env (its tag, and the
# SHA-256 of its SHA256SUMS) into DIR: the Lambda zip and the hooklake CLI for
# Linux x86_64, each checked against that SHA256SUMS and each with its build
# provenance verified (`gh attestation verify`: built by this repository's
# release.yml on GitHub's runners). Unpacks the CLI into
# DIR/hooklake-x86_64-unknown-linux-gnu/. Anything else is an error before
# anything is unpacked. Used by the deploy and rotate workflows; needs `gh`,
# GH_TOKEN and GITHUB_REPOSITORY (set in every workflow).
# Usage: scripts/fetch-release.sh DIR   (HOOKLAKE_RELEASE_ENV: another pin file)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
dir="${1:?usage: fetch-release.sh DIR}"
pins="${HOOKLAKE_RELEASE_ENV:-$ROOT/infra/example/release.env}"
repository="${GITHUB_REPOSITORY:?fetch-release.sh: set GITHUB_REPOSITORY=OWNER/NAME (the repository whose release.yml built the release)}"
fail() { echo "fetch-release.sh: $*" >&2; exit 1; }

tag="$(sed -n 's/^HOOKLAKE_RELEASE=//p' "$pins")"
sums_digest="$(sed -n 's/^HOOKLAKE_RELEASE_SHA256SUMS=//p' "$pins")"
[[ -n "$tag" ]] || fail "$pins names no HOOKLAKE_RELEASE (a tag such as v0.1.0)"
[[ "$sums_digest" =~ ^[0-9a-f]{64}$ && "$sums_digest" != "$(printf '0%.0s' {1..64})" ]] ||
  fail "$pins pins no SHA-256 of $tag's SHA256SUMS (HOOKLAKE_RELEASE_SHA256SUMS): \`gh release download $tag --pattern SHA256SUMS && sha256sum SHA256SUMS\`, checked, then committed"

cli=hooklake-x86_64-unknown-linux-gnu
assets=(hooklake-lambda-arm64.zip "$cli.tar.gz")
mkdir -p "$dir"
gh release download "$tag" --repo "$repository" --pattern SHA256SUMS --dir "$dir" --clobber
got="$(sha256sum "$dir/SHA256SUMS" | cut -d' ' -f1)"
[[ "$got" == "$sums_digest" ]] ||
  fail "$tag's SHA256SUMS has SHA-256 $got, not $sums_digest as $pins pins: the release changed after it was pinned; nothing was deployed"

for asset in "${assets[@]}"; do
  gh release download "$tag" --repo "$repository" --pattern "$asset" --dir "$dir" --clobber
  expected="$(awk -v f="$asset" '$2 == f || $2 == "*" f { print $1 }' "$dir/SHA256SUMS")"
  [[ -n "$expected" ]] || fail "$tag's SHA256SUMS lists no $asset"
  [[ "$(sha256sum "$dir/$asset" | cut -d' ' -f1)" == "$expected" ]] || fail "$asset does not match $tag's SHA256SUMS"
  gh attestation verify "$dir/$asset" --repo "$repository" \
    --signer-workflow "$repository/.github/workflows/release.yml" --deny-self-hosted-runners >/dev/null ||
    fail "$asset has no build provenance from $repository's release.yml: not deployed"
  echo "fetch-release.sh: $asset of $tag: checksum and provenance verified" >&2
done
tar -C "$dir" -xzf "$dir/$cli.tar.gz"
