"""A package index that accepts connections and never answers (or answers a byte at a time)
fails the lock within its time limit with the index named, and Cancel stops a lock stuck on
it within a second: real pip processes, a real socket server, the server's own kernel."""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest

from jupyter_containerize.analysis import inspect_interpreter
from jupyter_containerize.analysis.index import SimpleIndex
from jupyter_containerize.errors import Cancelled, TimedOut
from jupyter_containerize.lock import make_lock
from jupyter_containerize.lock.index import PackageIndex
from jupyter_containerize.lock.pip import IndexConfig
from jupyter_containerize.models import Analysis, PackageEdits, PythonInfo
from jupyter_containerize.settings import Timeouts

from .processes import SilentServer, wait_until, with_environment

TOKEN = "IdxT0ken-71c2"  # planted in the index URL: never in a message
MISSING = "tinydb==4.8.0"  # not in the server's environment: the resolver must ask the index


def _url(server: SilentServer) -> str:
    return f"http://user:{TOKEN}@127.0.0.1:{server.port}/simple"


def _pip_processes(server: SilentServer) -> list[int]:
    return [pid for pid in with_environment(f"127.0.0.1:{server.port}") if pid != os.getpid()]


def test_an_index_request_that_never_ends_fails_within_its_deadline():
    server = SilentServer(trickle=0.2, limit=30)  # a byte every 0.2 s: no single read times out
    try:
        index = PackageIndex(IndexConfig(index_urls=(_url(server),), timeout=1.0), deadline=2.0)
        started = time.monotonic()
        with pytest.raises(TimedOut) as info:
            index.files("six", "1.16.0")
        assert time.monotonic() - started < 4.0
    finally:
        server.close()
    message = str(info.value)
    assert f"127.0.0.1:{server.port}" in message and "within 2 s" in message and TOKEN not in message


def test_an_index_that_never_answers_fails_within_pips_timeout(silent):
    index = PackageIndex(IndexConfig(index_urls=(_url(silent),), timeout=1.0))
    started = time.monotonic()
    with pytest.raises(TimedOut) as info:
        index.files("six", "1.16.0")
    assert time.monotonic() - started < 3.0
    assert f"127.0.0.1:{silent.port} did not answer within 1 s" in str(info.value) and TOKEN not in str(info.value)


def test_the_analysis_index_check_gives_up_on_an_endless_answer():
    server = SilentServer(trickle=0.2, limit=30)
    try:
        started = time.monotonic()
        assert SimpleIndex(f"http://127.0.0.1:{server.port}/simple", timeout=1.0)("six") is None  # could not tell
        assert time.monotonic() - started < 4.5
    finally:
        server.close()


def test_a_cancelled_lock_sends_no_index_request(silent):
    cancelled = threading.Event()
    cancelled.set()
    index = PackageIndex(IndexConfig(index_urls=(_url(silent),), timeout=30.0), cancelled=cancelled)
    with pytest.raises(Cancelled):
        index.prefetch([("six", "1.16.0"), ("idna", "3.7")])
    time.sleep(0.2)
    assert silent.accepted == 0


def _lock_inputs():
    environment = inspect_interpreter(sys.executable)
    analysis = Analysis(notebook="nb.ipynb", python=PythonInfo(version=environment.python_version,
                                                                executable=environment.executable))
    assert "tinydb" not in environment.distributions
    return analysis, environment


@pytest.mark.network
def test_pip_stuck_on_a_silent_index_fails_the_lock_within_the_timeout(silent, monkeypatch, tmp_path):
    monkeypatch.setenv("PIP_INDEX_URL", _url(silent))
    analysis, environment = _lock_inputs()
    started = time.monotonic()
    with pytest.raises(TimedOut) as info:
        make_lock(analysis, environment, edits=PackageEdits(add=[MISSING]), cache_dir=tmp_path / "cache",
                  timeouts=Timeouts(pip=6))
    elapsed = time.monotonic() - started
    message = str(info.value)
    assert silent.accepted >= 1, "pip never asked the index"
    assert elapsed < 6 + 4, f"took {elapsed:.1f} s"
    assert message.startswith("Resolving for linux/amd64") and "timed out after 6 s" in message
    assert f"http://127.0.0.1:{silent.port}" in message and TOKEN not in message
    assert wait_until(lambda: not _pip_processes(silent), 1.0), "pip left running"


@pytest.mark.network
def test_cancel_stops_a_lock_stuck_in_pip_within_a_second(silent, monkeypatch, tmp_path):
    monkeypatch.setenv("PIP_INDEX_URL", _url(silent))
    analysis, environment = _lock_inputs()
    cancelled, outcome = threading.Event(), {}

    def lock():
        try:
            make_lock(analysis, environment, edits=PackageEdits(add=[MISSING]), cache_dir=tmp_path / "cache",
                      cancelled=cancelled)
        except BaseException as exc:  # noqa: BLE001 - inspected below
            outcome["error"] = exc
        outcome["ended"] = time.monotonic()

    thread = threading.Thread(target=lock)
    thread.start()
    assert wait_until(lambda: silent.accepted >= 1, 60), "pip never asked the index"
    assert _pip_processes(silent), "no pip process to stop"
    cancelled.set()
    asked = time.monotonic()
    thread.join(30)
    assert isinstance(outcome.get("error"), Cancelled), outcome
    assert outcome["ended"] - asked < 1.0
    assert wait_until(lambda: not _pip_processes(silent), 1.0), "pip left running"
