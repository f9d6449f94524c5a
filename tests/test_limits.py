"""Limits: `GET builds` is paginated, the history is pruned and the file shrinks, one job's
events and one message are capped, and a bug in a build is logged with its traceback."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta, timezone

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_containerize import builds
from jupyter_containerize.api_models import BuildEvent, BuildJob, BuildState
from jupyter_containerize.builds import BuildManager
from jupyter_containerize.models import BuildRequest, BuildResult
from jupyter_containerize.settings import Settings
from jupyter_containerize.store import JobStore

from .conftest import server_config, write_notebook

NOW = datetime.now(timezone.utc).replace(microsecond=0)


def _job(number: int, *, age: timedelta = timedelta(0), state=BuildState.succeeded, notebook="nb.ipynb") -> BuildJob:
    created = NOW - age - timedelta(seconds=number)  # job 0 is the newest
    return BuildJob(id=f"{number:012x}", notebook=notebook, request=BuildRequest(path=notebook), state=state,
                    created=created, finished=created)


def _fill(store: JobStore, jobs: list[BuildJob], events: int = 0, size: int = 0) -> None:
    for job in jobs:
        store.save(job)
        for seq in range(events):
            store.add_event(job.id, BuildEvent(seq=seq, time=job.created, kind="log", message="x" * size))


# -- pagination through the server ------------------------------------------------------

@pytest.fixture
def store_path(tmp_path):
    path = tmp_path / "state" / "builds.sqlite"
    store = JobStore(path)
    # 120 builds, three of them created in the same second (ties are ordered by id)
    _fill(store, [_job(n, notebook="a.ipynb" if n % 2 else "b.ipynb") for n in range(117)])
    for number in (200, 201, 202):
        job = _job(number)
        store.save(job.model_copy(update={"created": NOW - timedelta(days=1)}))
    store.close()
    return path


@pytest.fixture
def jp_server_config(jp_server_config, store_path):
    return server_config(store_path=str(store_path))


async def _pages(jp_fetch, **params) -> list[list[str]]:
    pages, before = [], None
    while True:
        query = {**params, **({"before": before} if before else {})}
        page = json.loads((await jp_fetch("containerize", "builds", params=query)).body)
        pages.append([job["id"] for job in page["builds"]])
        before = page["next"]
        if before is None:
            return pages


async def test_builds_are_paginated(jp_fetch):
    first = json.loads((await jp_fetch("containerize", "builds")).body)
    assert len(first["builds"]) == 50 and first["next"] == first["builds"][-1]["id"]
    pages = await _pages(jp_fetch, limit=7)
    ids = [job_id for page in pages for job_id in page]
    assert [len(p) for p in pages] == [7] * 17 + [1]
    assert len(ids) == len(set(ids)) == 120  # every build once, none skipped at a tie
    assert ids[:3] == ["000000000000", "000000000001", "000000000002"] and ids[-3:] == [
        "0000000000ca", "0000000000c9", "0000000000c8"]
    only_a = [job_id for page in await _pages(jp_fetch, path="a.ipynb", limit=10) for job_id in page]
    assert len(only_a) == 58 and all(int(job_id, 16) % 2 for job_id in only_a)
    everything = json.loads((await jp_fetch("containerize", "builds", params={"limit": 500})).body)
    assert len(everything["builds"]) == 120 and everything["next"] is None


@pytest.mark.parametrize("params,status,words", [
    ({"limit": 0}, 400, "limit"), ({"limit": 501}, 400, "limit"), ({"limit": "x"}, 400, "limit"),
    ({"before": "nope"}, 400, "before"), ({"before": "0123456789ab"}, 404, "0123456789ab"),
])
async def test_bad_page_queries(jp_fetch, params, status, words):
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("containerize", "builds", params=params)
    assert info.value.code == status and words in json.loads(info.value.response.body)["message"]


# -- retention ------------------------------------------------------------------------

def test_prune_keeps_the_newest_and_the_unfinished(tmp_path):
    store = JobStore(tmp_path / "builds.sqlite")
    _fill(store, [_job(n) for n in range(10)], events=3)
    _fill(store, [_job(10, state=BuildState.running), _job(11, age=timedelta(days=100)),
                  _job(12, age=timedelta(days=100), state=BuildState.queued)], events=3)
    deleted = store.prune(max_builds=4, max_days=90)
    kept = {job.id for job in store.list()}
    assert kept == {f"{n:012x}" for n in (0, 1, 2, 3, 10, 12)}  # running/queued kept whatever their age
    assert set(deleted) == {f"{n:012x}" for n in (4, 5, 6, 7, 8, 9, 11)}
    assert all(store.events(job_id) == [] for job_id in deleted)  # their events went with them
    assert store.prune(max_builds=0, max_days=0) == []  # 0: no limit


def test_prune_shrinks_the_file(tmp_path):
    path = tmp_path / "builds.sqlite"
    store = JobStore(path)
    _fill(store, [_job(n) for n in range(40)], events=50, size=2000)
    store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    full = path.stat().st_size
    assert full > 4_000_000
    store.prune(max_builds=2)
    assert path.stat().st_size < full / 5, (full, path.stat().st_size)
    store.close()


def test_an_old_store_file_is_converted_to_incremental_vacuum(tmp_path):
    import sqlite3

    path = tmp_path / "old.sqlite"
    old = sqlite3.connect(path)
    old.executescript("CREATE TABLE jobs (id TEXT PRIMARY KEY, notebook TEXT NOT NULL, state TEXT NOT NULL, "
                      "created TEXT NOT NULL, body TEXT NOT NULL);")
    old.close()
    store = JobStore(path)
    _fill(store, [_job(n) for n in range(20)], events=20, size=2000)
    store._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    full = path.stat().st_size
    store.prune(max_builds=1)
    assert path.stat().st_size < full / 5


async def test_history_is_pruned_at_start_and_after_each_job(tmp_path, monkeypatch):
    store = JobStore(tmp_path / "builds.sqlite")
    _fill(store, [_job(n) for n in range(1, 6)] + [_job(9, age=timedelta(days=40))])
    monkeypatch.setattr(builds, "build_image", lambda request, notebook, **_: BuildResult(
        tag="nb:1", image_id="sha256:0", size=1, duration_s=0.1))
    manager = BuildManager(root=tmp_path, settings=Settings(cache_dir=tmp_path), engine_factory=object,
                           store=store, history_max_builds=4, history_max_days=30)
    assert set(manager.pruned) == {_job(5).id, _job(9).id}
    notebook = write_notebook(tmp_path / "nb.ipynb", "1")
    job = manager.start(BuildRequest(path="nb.ipynb"), notebook, "nb.ipynb")
    while not (await manager.events(job.id, 0, timeout=5)).done:
        await asyncio.sleep(0.05)
    assert [j.id for j in store.list()] == [job.id, _job(1).id, _job(2).id, _job(3).id]
    manager.shutdown()


# -- caps on one job's events ------------------------------------------------------------

async def test_events_and_messages_are_capped(tmp_path, monkeypatch):
    def chatty(request, notebook, *, reporter, **_):
        reporter.phase("lock", "locking")
        reporter.log("y" * 100_000)
        for line in range(200):
            reporter.log(f"line {line}")
            reporter.progress(line, 200, line / 2, "step")
        reporter.phase("build", "building")
        raise builds.ContainerizeError("it broke")

    monkeypatch.setattr(builds, "build_image", chatty)
    manager = BuildManager(root=tmp_path, settings=Settings(cache_dir=tmp_path), engine_factory=object,
                           max_events=50, max_message_chars=1000)
    notebook = write_notebook(tmp_path / "nb.ipynb", "1")
    job = manager.start(BuildRequest(path="nb.ipynb"), notebook, "nb.ipynb")
    while not (await manager.events(job.id, 0, timeout=5)).done:
        await asyncio.sleep(0.05)
    events = manager.store.events(job.id)
    assert [e.seq for e in events] == list(range(len(events)))  # no gap: `next` still works
    chatter = [e for e in events if e.kind in ("log", "progress")]
    assert chatter[-1].message.startswith("Log truncated") and events.index(chatter[-1]) == 49
    assert [e.kind for e in events[50:]] == ["phase", "state"]  # phase and state events are kept
    assert events[-1].state == BuildState.failed
    long = next(e for e in events if e.message.startswith("yyy"))
    assert len(long.message) < 1100 and long.message.endswith("[99000 more characters cut]")
    assert manager.get(job.id).error.log_tail[-1] == "step"  # the tail still has the last lines
    manager.shutdown()


# -- an unexpected error in a build is logged with its traceback ---------------------------

async def test_unexpected_build_error_is_logged(tmp_path, monkeypatch, caplog):
    def buggy(request, notebook, **_):
        return {}["https://user:s3cret@example.org/simple"]

    monkeypatch.setattr(builds, "build_image", buggy)
    log = logging.getLogger("test-containerize")
    manager = BuildManager(root=tmp_path, settings=Settings(cache_dir=tmp_path), engine_factory=object, log=log)
    notebook = write_notebook(tmp_path / "nb.ipynb", "1")
    with caplog.at_level(logging.ERROR, logger="test-containerize"):
        job = manager.start(BuildRequest(path="nb.ipynb"), notebook, "nb.ipynb")
        while not (await manager.events(job.id, 0, timeout=5)).done:
            await asyncio.sleep(0.05)
    error = manager.get(job.id).error
    assert error.message.startswith("Unexpected error: KeyError") and "s3cret" not in error.message
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "test-containerize")
    assert job.id in logged and "Traceback (most recent call last)" in logged and "in buggy" in logged
    assert "s3cret" not in logged
    manager.shutdown()
