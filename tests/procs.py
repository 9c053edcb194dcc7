"""Processes the Python tests start, each in its own process group.

`npx wrangler dev` is a tree (npx → node → workerd, esbuild); terminating
its first process leaves the rest running. So every process a test starts
goes through `spawn` (or `run`): it gets a process group of its own, and
`stop` ends the whole group, SIGTERM first, SIGKILL after a grace period.
Groups still alive when the interpreter exits (a failed fixture, Ctrl-C,
SIGTERM) are killed at exit, so an interrupted run leaves nothing behind.
"""
import atexit
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request

GRACE_SECONDS = 10

_groups = {}  # pgid → Popen


def spawn(args, **kwargs):
    """`subprocess.Popen` in a new process group (session), remembered until stopped."""
    proc = subprocess.Popen(args, start_new_session=True, **kwargs)
    _groups[proc.pid] = proc
    return proc


def _signal_group(pgid, sig):
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _group_alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def stop(proc, grace=GRACE_SECONDS):
    """Ends `proc`'s whole process group: SIGTERM, then SIGKILL after `grace` seconds."""
    pgid = proc.pid
    _signal_group(pgid, signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        pass
    # The leader may be gone while its children still run.
    _signal_group(pgid, signal.SIGKILL)
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        pass
    _groups.pop(pgid, None)


def run(args, timeout=None, **kwargs):
    """`subprocess.run` whose whole process group is ended when it returns or times out."""
    if kwargs.pop("capture_output", False):
        kwargs.update(stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc = spawn(args, **kwargs)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(proc, grace=1)
        raise
    finally:
        if _group_alive(proc.pid):
            stop(proc, grace=1)
        _groups.pop(proc.pid, None)
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


def stop_all():
    for proc in list(_groups.values()):
        stop(proc, grace=2)


atexit.register(stop_all)


def _on_sigterm(signum, frame):
    # Turn SIGTERM into a normal exit, so fixtures tear down and atexit runs.
    raise SystemExit(128 + signum)


if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
    signal.signal(signal.SIGTERM, _on_sigterm)


def free_port():
    """A TCP port on loopback that is free now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url, timeout=90, process=None):
    """Until `url` answers anything over HTTP; fails at once if `process` exits."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return  # any HTTP answer means it is up
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")
