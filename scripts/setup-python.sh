#!/usr/bin/env bash
# Creates a virtualenv under .tools/ with pinned Python tools and prints its
# python's path. Reinstalls only when the requirements change.
#   scripts/setup-python.sh                     .tools/venv: DuckDB, pyarrow, moto, pytest (tests/requirements.txt)
#   scripts/setup-python.sh checkov tests/requirements-checkov.txt
# checkov gets its own venv: its pins would downgrade packages pytest needs.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
NAME="${1:-venv}"
VENV="$ROOT/.tools/$NAME"
REQ="$ROOT/${2:-tests/requirements.txt}"
STAMP="$VENV/.requirements"
if [[ ! -x "$VENV/bin/python" ]]; then
  python3 -m venv "$VENV" >&2
fi
if ! cmp -s "$REQ" "$STAMP"; then
  echo "[setup-python] installing into .tools/$NAME: $(grep -v '^#' "$REQ" | tr '\n' ' ')" >&2
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQ" >&2
  cp "$REQ" "$STAMP"
fi
echo "$VENV/bin/python"
