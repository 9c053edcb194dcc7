"""Nothing a test starts outlives it, even when the run is interrupted."""
import os
import signal
import subprocess
import sys
import time
import uuid

import procs
from conftest import ROOT


def marked(marker):
    """Processes whose environment carries `HOOKLAKE_TEST_RUN=marker`, as pid → command line."""
    found = {}
    needle = f"HOOKLAKE_TEST_RUN={marker}".encode()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if needle not in f.read().split(b"\0"):
                    continue
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                found[int(pid)] = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
    return found


def test_sigint_in_the_middle_of_the_worker_tests_leaves_nothing_running():
    marker = f"sigint-{uuid.uuid4()}"
    env = dict(os.environ, HOOKLAKE_TEST_RUN=marker)
    run = procs.spawn(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/worker/test_worker.py",
         "-k", "rotation or send_works_against"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 180
        while not any("workerd" in cmd for cmd in marked(marker).values()):
            assert run.poll() is None, run.stdout.read().decode(errors="replace")
            assert time.time() < deadline, "the Worker never started"
            time.sleep(0.2)
        started = marked(marker)
        assert any("moto_server" in cmd for cmd in started.values()), started
        # Ctrl-C at a terminal: SIGINT to the foreground process group, which
        # is pytest's alone (everything it starts has a group of its own).
        os.killpg(run.pid, signal.SIGINT)
        output = run.communicate(timeout=90)[0].decode(errors="replace")
        deadline = time.time() + 10
        while marked(marker) and time.time() < deadline:
            time.sleep(0.2)
        assert marked(marker) == {}, f"still running after the interrupted run:\n{marked(marker)}\n{output}"
    finally:
        procs.stop(run)
        for pid in marked(marker):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
