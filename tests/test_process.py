"""The one way the build runs commands: real processes, killed with what they started on
cancel or past their time-out, nothing left running, no temporary files left behind."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

from jupyter_containerize import process
from jupyter_containerize.errors import Cancelled, ContainerizeError, TimedOut

from .processes import alive, group_members, wait_until

# a command that starts a child (a grand-child of ours), says where both are, and sleeps
PARENT_AND_CHILD = """
import os, subprocess, sys, tempfile, time
child = subprocess.Popen(["sleep", "60"])
scratch = tempfile.mkdtemp()  # in the private TMPDIR
print(f"pids {os.getpid()} {child.pid} {scratch}", file=sys.stderr, flush=True)
open(sys.argv[1], "w").write(f"{os.getpid()} {child.pid} {scratch}")
time.sleep(60)
"""


def _start(tmp_path: Path, **kwargs):
    """Run PARENT_AND_CHILD on a thread; (thread, outcome dict, pid file)."""
    pid_file = tmp_path / "pids"
    outcome: dict = {}

    def work():
        try:
            outcome["result"] = process.run([sys.executable, "-c", PARENT_AND_CHILD, str(pid_file)],
                                            purpose="Sleeping for the test", **kwargs)
        except BaseException as exc:  # noqa: BLE001 - inspected by the test
            outcome["error"] = exc
        outcome["ended"] = time.monotonic()

    thread = threading.Thread(target=work)
    thread.start()
    assert wait_until(lambda: pid_file.exists() and len(pid_file.read_text().split()) == 3, 20), "never started"
    parent, child, scratch = pid_file.read_text().split()
    return thread, outcome, int(parent), int(child), Path(scratch)


def test_cancel_kills_the_command_and_its_children_within_a_second(tmp_path):
    cancelled = threading.Event()
    thread, outcome, parent, child, scratch = _start(tmp_path, timeout=None, cancelled=cancelled)
    assert alive(parent) and alive(child) and scratch.is_dir()
    assert set(group_members(parent)) == {parent, child}  # the command leads its own group
    cancelled.set()
    asked = time.monotonic()
    thread.join(10)
    assert not thread.is_alive()
    assert isinstance(outcome.get("error"), Cancelled), outcome
    assert outcome["ended"] - asked < 1.0
    assert "Sleeping for the test" in str(outcome["error"])
    assert wait_until(lambda: not group_members(parent), 1.0), f"left running: {group_members(parent)}"
    assert not alive(child)
    assert not scratch.exists() and not scratch.parent.exists()  # its TMPDIR is removed


def test_a_timeout_kills_the_command_and_names_it(tmp_path):
    started = time.monotonic()
    thread, outcome, parent, child, _ = _start(tmp_path, timeout=3.0)
    thread.join(15)
    error = outcome.get("error")
    assert isinstance(error, TimedOut) and isinstance(error, ContainerizeError), outcome
    assert outcome["ended"] - started < 4.5
    assert str(error).startswith("Sleeping for the test timed out after 3 s")
    assert "pids" in str(error)  # its last output, for the cause
    assert wait_until(lambda: not group_members(parent), 1.0), f"left running: {group_members(parent)}"
    assert not alive(child)


def test_output_and_exit_status_are_returned():
    done = process.run([sys.executable, "-c", "import sys; print('to out'); print('to err', file=sys.stderr); sys.exit(3)"],
                       purpose="A failing command", timeout=30, cancelled=threading.Event())
    assert (done.returncode, done.stdout, done.stderr) == (3, "to out\n", "to err\n")
    assert done.args[0] == sys.executable


def test_an_event_set_before_the_start_runs_nothing(tmp_path):
    cancelled = threading.Event()
    cancelled.set()
    with pytest.raises(Cancelled):
        process.run(["touch", str(tmp_path / "ran")], purpose="touch", timeout=5, cancelled=cancelled)
    assert not (tmp_path / "ran").exists()


def test_a_shell_string_is_refused():
    with pytest.raises(TypeError):
        process.run("echo hi; rm -rf /tmp/x", purpose="shell", timeout=5)


def test_compiling_a_layer_is_bounded_and_leaves_no_segment(tmp_path):
    from jupyter_containerize.image.installed import InstalledWheels

    from .test_environment_image import make_wheel

    (tmp_path / "wheels").mkdir()
    wheel = make_wheel(tmp_path / "wheels", "alpha", "1.0", {"alpha/__init__.py": "X = 1\n"})
    hung = tmp_path / "python3.11"  # a "compiler" that never ends, with a child of its own
    hung.write_text(f"#!/bin/sh\necho $$ > {tmp_path / 'pid'}\nsleep 60 &\nsleep 60\n")
    hung.chmod(0o755)
    cache = InstalledWheels(tmp_path / "installed", "3.11", str(hung), timeout=1.0)
    started = time.monotonic()
    with pytest.raises(TimedOut, match=r"^Compiling 1 packages for Python 3\.11 timed out after 1 s"):
        cache.segments([wheel])
    assert time.monotonic() - started < 2.5
    leader = int((tmp_path / "pid").read_text())
    assert wait_until(lambda: not group_members(leader), 1.0)
    assert not [p for p in (tmp_path / "installed").rglob("*") if p.is_file()]

    cancelled = threading.Event()
    threading.Timer(0.5, cancelled.set).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        InstalledWheels(tmp_path / "installed", "3.11", str(hung), cancelled=cancelled).segments([wheel])
    assert time.monotonic() - started < 1.5
