"""Jobs persist in SQLite: history survives a restart, a build left running is marked
interrupted on start-up, and the scheduler runs at most N builds, one per notebook at a time."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from jupyter_containerize import builds
from jupyter_containerize.api_models import BuildEvent, BuildJob, BuildState, RunJob, RunRequest
from jupyter_containerize.builds import BuildManager
from jupyter_containerize.models import BuildRequest, BuildResult
from jupyter_containerize.settings import Settings
from jupyter_containerize.store import JobStore

from .conftest import write_notebook

NOW = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=1)  # recent: kept by the history limits


def _job(job_id: str, state: BuildState, notebook: str = "nb.ipynb") -> BuildJob:
    return BuildJob(id=job_id, notebook=notebook, request=BuildRequest(path=notebook), state=state,
                    phase="build", created=NOW, started=NOW)


def test_store_round_trip_and_restart(tmp_path):
    path = tmp_path / "data" / "builds.sqlite"
    store = JobStore(path)
    store.save(_job("aaaaaaaaaaaa", BuildState.running))
    done = _job("bbbbbbbbbbbb", BuildState.succeeded, notebook="other.ipynb")
    done.result = BuildResult(tag="x:1", image_id="sha256:1", size=1, duration_s=1.0)
    store.save(done)
    for seq in range(3):
        store.add_event("aaaaaaaaaaaa", BuildEvent(seq=seq, time=NOW, kind="log", message=f"line {seq}"))
    store.close()

    again = JobStore(path)  # a new server process on the same file
    assert [j.id for j in again.list("other.ipynb")] == ["bbbbbbbbbbbb"]
    assert again.get("bbbbbbbbbbbb").result.tag == "x:1"
    assert again.mark_interrupted() == ["aaaaaaaaaaaa"]
    job = again.get("aaaaaaaaaaaa")
    assert job.state == BuildState.interrupted and job.finished
    events = again.events("aaaaaaaaaaaa", since=1)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[-1].kind == "state" and events[-1].state == BuildState.interrupted
    again.delete("aaaaaaaaaaaa")
    assert again.get("aaaaaaaaaaaa") is None and again.events("aaaaaaaaaaaa") == []


# -- the server on a store a stopped server left behind -------------------------------

@pytest.fixture
def store_path(tmp_path) -> Path:
    path = tmp_path / "state" / "builds.sqlite"
    left = JobStore(path)
    left.save(_job("cccccccccccc", BuildState.running))
    left.add_event("cccccccccccc", BuildEvent(seq=0, time=NOW, kind="state", state=BuildState.running))
    left.save(_job("dddddddddddd", BuildState.succeeded))
    left.close()
    return path


@pytest.fixture
def jp_server_config(jp_server_config, store_path):
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_containerize": True},
                      "allow_unauthenticated_access": False},
        "ContainerizeApp": {"store_path": str(store_path)},
    }


async def test_server_start_marks_left_running_builds_interrupted(jp_fetch):
    listing = json.loads((await jp_fetch("containerize", "builds")).body)["builds"]
    assert {b["id"]: b["state"] for b in listing} == {"cccccccccccc": "interrupted", "dddddddddddd": "succeeded"}
    page = json.loads((await jp_fetch("containerize", "builds", "cccccccccccc", "events",
                                      params={"since": 0, "timeout": 1})).body)
    assert page["done"] and page["events"][-1]["state"] == "interrupted"
    response = await jp_fetch("containerize", "builds", "cccccccccccc", method="DELETE")
    assert response.code == 204
    listing = json.loads((await jp_fetch("containerize", "builds")).body)["builds"]
    assert [b["id"] for b in listing] == ["dddddddddddd"]


def test_default_store_is_under_the_jupyter_data_dir(jp_environ, jp_data_dir):
    from jupyter_containerize.store import default_store_path

    assert default_store_path() == Path(jp_data_dir) / "containerize" / "builds.sqlite"


# -- scheduling (the pipeline replaced by a recorder: a unit test of the logic) ---------

async def test_at_most_n_builds_and_one_per_notebook(tmp_path, monkeypatch):
    running: list[str] = []
    overlaps: list[tuple[str, ...]] = []
    guard = threading.Lock()

    def fake_build(request, notebook, *, reporter, cancelled, **_):
        with guard:
            running.append(notebook.name)
            overlaps.append(tuple(sorted(running)))
        reporter.phase("build", "pretending")
        time.sleep(0.3)
        with guard:
            running.remove(notebook.name)
        return BuildResult(tag=f"{notebook.stem}:1", image_id="sha256:0", size=1, duration_s=0.3)

    monkeypatch.setattr(builds, "build_image", fake_build)
    store = JobStore(tmp_path / "builds.sqlite")
    manager = BuildManager(root=tmp_path, settings=Settings(cache_dir=tmp_path), engine_factory=object,
                           max_concurrent=2, store=store)
    a, b, c = (write_notebook(tmp_path / f"{n}.ipynb", "1") for n in "abc")
    jobs = [manager.start(BuildRequest(path=p.name), p, p.name) for p in (a, a, b, c)]
    for job in jobs:
        while not (await manager.events(job.id, 0, timeout=5)).done:
            await asyncio.sleep(0.05)
    assert all(manager.get(j.id).state == BuildState.succeeded for j in jobs)
    assert max(len(o) for o in overlaps) <= 2  # never more than max_concurrent
    assert all(len(set(o)) == len(o) for o in overlaps)  # never the same notebook twice at once
    waited = store.events(jobs[1].id)
    assert any("other build of this notebook" in e.message for e in waited)
    manager.shutdown()


async def until_done(manager: BuildManager, job_id: str, within: float) -> None:
    """Wait for a job's last event; fail (never hang) after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not (await manager.events(job_id, 0, timeout=0.5)).done:
        assert time.monotonic() < deadline, f"{job_id} is still {manager.get(job_id).state.value}"
        await asyncio.sleep(0.02)


async def test_a_waiting_build_holds_no_worker_and_builds_of_a_notebook_keep_their_order(tmp_path, monkeypatch):
    """Finding 12: with two workers, a second build of a busy notebook waits without a
    worker, so another notebook's build starts at once; a notebook's builds run in the order
    they were asked for."""
    started: list[tuple[str, str]] = []
    release = threading.Event()

    def fake_build(request, notebook, *, reporter, cancelled, **_):
        started.append((notebook.name, request.tag))
        if request.tag == "a:1":
            release.wait(10)  # the first build of a.ipynb takes its time
        return BuildResult(tag=request.tag, image_id="sha256:0", size=1, duration_s=0)

    monkeypatch.setattr(builds, "build_image", fake_build)
    manager = BuildManager(root=tmp_path, settings=Settings(cache_dir=tmp_path), engine_factory=object,
                           max_concurrent=2, store=JobStore(tmp_path / "builds.sqlite"))
    a, b = (write_notebook(tmp_path / f"{n}.ipynb", "1") for n in "ab")
    first, second, third = (manager.start(BuildRequest(path="a.ipynb", tag=f"a:{i}"), a, "a.ipynb") for i in (1, 2, 3))
    other = manager.start(BuildRequest(path="b.ipynb", tag="b:1"), b, "b.ipynb")
    await until_done(manager, other.id, within=5)
    assert manager.get(other.id).state == BuildState.succeeded  # while a:1 still runs
    assert manager.get(first.id).state == BuildState.running
    assert manager.get(second.id).state == manager.get(third.id).state == BuildState.queued
    release.set()
    for job in (first, second, third):
        await until_done(manager, job.id, within=10)
    assert [tag for name, tag in started if name == "a.ipynb"] == ["a:1", "a:2", "a:3"]
    manager.shutdown()


async def test_cancelling_a_waiting_build_lets_the_next_one_run(tmp_path, monkeypatch):
    ran: list[str] = []
    release = threading.Event()

    def fake_build(request, notebook, *, reporter, cancelled, **_):
        ran.append(request.tag)
        if request.tag == "a:1":
            release.wait(10)
        return BuildResult(tag=request.tag, image_id="sha256:0", size=1, duration_s=0)

    monkeypatch.setattr(builds, "build_image", fake_build)
    manager = BuildManager(root=tmp_path, settings=Settings(cache_dir=tmp_path), engine_factory=object,
                           max_concurrent=1, store=JobStore(tmp_path / "builds.sqlite"))
    a = write_notebook(tmp_path / "a.ipynb", "1")
    first, second, third = (manager.start(BuildRequest(path="a.ipynb", tag=f"a:{i}"), a, "a.ipynb") for i in (1, 2, 3))
    assert manager.cancel(second.id).state == BuildState.cancelled
    release.set()
    await until_done(manager, third.id, within=10)
    assert ran == ["a:1", "a:3"] and manager.get(third.id).state == BuildState.succeeded
    manager.shutdown()


def test_a_record_this_version_cannot_read_is_left_out_of_listings(tmp_path):
    """A store shared with another version of the extension (an upgrade, a second server)
    must not make the whole history unreadable."""
    store = JobStore(tmp_path / "builds.sqlite")
    good = BuildJob(id="aaaaaaaaaaaa", notebook="a.ipynb", request=BuildRequest(path="a.ipynb"),
                    created=datetime.now(timezone.utc))
    store.save(good)
    alien = json.loads(good.model_dump_json()) | {"id": "bbbbbbbbbbbb", "a_field_of_a_later_version": 1}
    store._db.execute("INSERT INTO jobs (id, notebook, state, created, body) VALUES (?, ?, ?, ?, ?)",
                      ("bbbbbbbbbbbb", "a.ipynb", "succeeded", alien["created"], json.dumps(alien)))
    assert [job.id for job in store.list()] == ["aaaaaaaaaaaa"]
    assert store.get("bbbbbbbbbbbb") is None


# -- runs share the store with builds -------------------------------------------------

def _run(job_id: str, state: BuildState, notebook: str = "nb.ipynb", created: datetime = NOW) -> RunJob:
    return RunJob(id=job_id, notebook=notebook, request=RunRequest(path=notebook, image="nb:1"), image="nb:1",
                  state=state, phase="run", created=created, started=created)


def test_a_store_made_before_runs_keeps_its_builds_and_takes_runs(tmp_path):
    path = tmp_path / "builds.sqlite"
    import sqlite3

    old = sqlite3.connect(path)  # the schema of the last release: no kind column
    old.executescript("CREATE TABLE jobs (id TEXT PRIMARY KEY, notebook TEXT NOT NULL, state TEXT NOT NULL, "
                      "created TEXT NOT NULL, body TEXT NOT NULL); CREATE TABLE events (job_id TEXT NOT NULL "
                      "REFERENCES jobs (id) ON DELETE CASCADE, seq INTEGER NOT NULL, body TEXT NOT NULL, "
                      "PRIMARY KEY (job_id, seq));")
    build = _job("aaaaaaaaaaaa", BuildState.succeeded)
    old.execute("INSERT INTO jobs VALUES (?, ?, ?, ?, ?)", (build.id, build.notebook, build.state.value,
                                                             build.created.isoformat(), build.model_dump_json()))
    old.commit()
    old.close()

    store = JobStore(path)
    store.save(_run("bbbbbbbbbbbb", BuildState.running))
    assert [j.id for j in store.list()] == ["aaaaaaaaaaaa"]  # builds only
    assert [j.id for j in store.list(kind="run")] == ["bbbbbbbbbbbb"]
    assert isinstance(store.get("bbbbbbbbbbbb", kind="run"), RunJob)
    assert store.get("bbbbbbbbbbbb") is None and store.get("aaaaaaaaaaaa", kind="run") is None
    assert store.mark_interrupted() == ["bbbbbbbbbbbb"]
    assert store.events("bbbbbbbbbbbb")[-1].message == "The server stopped during this run"


def test_history_limits_apply_to_builds_and_runs_each(tmp_path):
    store = JobStore(tmp_path / "builds.sqlite")
    for n in range(3):
        store.save(_job(f"b{n:011d}", BuildState.succeeded))
        store.save(_run(f"r{n:011d}", BuildState.succeeded, created=NOW + timedelta(minutes=n + 1)))
    deleted = store.prune(max_builds=2)
    assert sorted(deleted) == ["b00000000000", "r00000000000"]  # runs did not push builds out
    assert len(store.list()) == 2 and len(store.list(kind="run")) == 2
