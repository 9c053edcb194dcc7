"""The workspace's layers (scripts/import-map.py): no crate imports one of
a higher layer, no two modules of a crate use each other."""

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "import-map.py"


def load_checker():
    spec = importlib.util.spec_from_file_location("import_map", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_workspace_has_no_upward_import_and_no_module_cycle():
    out = subprocess.run([sys.executable, SCRIPT], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "no upward import, no module cycle" in out.stdout
    # The map itself names the floors in order.
    crates = [line.split(" ")[0] for line in out.stdout.splitlines() if not line.startswith(" ")]
    assert crates[:10] == ["schema", "github", "ingest", "maintain", "aws", "lambda",
                           "edge/core", "edge/webcrypto", "edge/worker", "cli"]


def test_the_checker_finds_modules_that_use_each_other(tmp_path):
    checker = load_checker()
    src = tmp_path / "src"
    (src / "serve").mkdir(parents=True)
    (src / "backfill.rs").write_text("use crate::verify::lake_pulls;\n")
    (src / "verify.rs").write_text("// crate::backfill in a comment is no import\n"
                                   "use crate::backfill::{list_merged, BackfillError};\n")
    (src / "serve" / "mod.rs").write_text("pub mod queue;\nfn f() { queue::open(); }\n")
    (src / "serve" / "queue.rs").write_text("use super::open;\n")
    (src / "plain.rs").write_text("// crate::backfill only in a comment\n")
    edges = checker.module_edges(src)
    assert edges["plain"] == set()
    assert checker.cycles(edges) == [["backfill", "verify"], ["serve", "serve::queue"]]
