#!/usr/bin/env bash
# Creates .tools/venv with the test suite's independent readers and checkers
# (tests/requirements.txt) and prints its python's path. Reinstalls only
# when the requirements change.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="$ROOT/.tools/venv"
REQ="$ROOT/tests/requirements.txt"
STAMP="$VENV/.requirements"
if [[ ! -x "$VENV/bin/python" ]]; then
  python3 -m venv "$VENV" >&2
fi
if ! cmp -s "$REQ" "$STAMP"; then
  echo "[setup-python] installing $(grep -v '^#' "$REQ" | tr '\n' ' ')" >&2
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQ" >&2
  cp "$REQ" "$STAMP"
fi
echo "$VENV/bin/python"
