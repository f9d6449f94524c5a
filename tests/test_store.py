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
from jupyter_containerize.builds import BuildManager
from jupyter_containerize.models import BuildEvent, BuildJob, BuildRequest, BuildResult, BuildState
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

    def fake_containerize(request, notebook, *, reporter, cancelled, **_):
        with guard:
            running.append(notebook.name)
            overlaps.append(tuple(sorted(running)))
        reporter.phase("build", "pretending")
        time.sleep(0.3)
        with guard:
            running.remove(notebook.name)
        return BuildResult(tag=f"{notebook.stem}:1", image_id="sha256:0", size=1, duration_s=0.3)

    monkeypatch.setattr(builds, "containerize", fake_containerize)
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
