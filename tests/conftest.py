"""Shared by every Python test under tests/: puts tests/ on the import path,
so `import procs` (process groups for everything a test starts) works from
tests/worker and tests/infra alike."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
