"""Build jobs through the REST API on the real engine: live events, resume, errors."""

from __future__ import annotations

import json
import shutil

import pytest

from .conftest import BASE_IMAGE, EXAMPLE, follow_events, server_config, start_build

pytestmark = pytest.mark.engine


@pytest.fixture
def jp_server_config(jp_server_config, cache_dir):
    return server_config(base_image=BASE_IMAGE, cache_dir=str(cache_dir))


async def test_build_through_the_api(engine, jp_fetch, jp_root_dir):
    shutil.copy(EXAMPLE, jp_root_dir / "report.ipynb")
    job = await start_build(jp_fetch, path="report.ipynb")
    assert job["state"] == "queued" and job["notebook"] == "report.ipynb"

    events = await follow_events(jp_fetch, job["id"])
    assert [e["seq"] for e in events] == list(range(len(events)))
    phases = [e["phase"] for e in events if e["kind"] == "phase"]
    assert phases == ["analyse", "lock", "context", "build"]
    assert any(e["kind"] == "progress" and e["steps"] for e in events)
    assert events[-1]["kind"] == "state" and events[-1]["state"] == "succeeded"

    done = json.loads((await jp_fetch("containerize", "builds", job["id"])).body)
    assert done["state"] == "succeeded"
    assert done["result"]["tag"] == done["tag"] and done["result"]["size"] > 0
    assert engine.inspect(done["tag"]).id == done["result"]["image_id"]

    # a client that reconnects resumes where it stopped, and sees the same events
    again = await follow_events(jp_fetch, job["id"], since=3)
    assert [e["seq"] for e in again] == [e["seq"] for e in events[3:]]

    listing = json.loads((await jp_fetch("containerize", "builds", params={"path": "report.ipynb"})).body)
    assert [b["id"] for b in listing["builds"]] == [job["id"]]
    response = await jp_fetch("containerize", "builds", job["id"], method="DELETE")
    assert response.code == 204


async def test_a_failing_build_reports_its_cause(engine, jp_fetch, jp_root_dir):
    shutil.copy(EXAMPLE, jp_root_dir / "report.ipynb")
    job = await start_build(jp_fetch, path="report.ipynb", base_image="containerize-test/no-such-base:1")
    events = await follow_events(jp_fetch, job["id"])
    assert events[-1]["state"] == "failed"
    failed = json.loads((await jp_fetch("containerize", "builds", job["id"])).body)
    assert failed["error"]["phase"] == "build"
    assert "no-such-base" in failed["error"]["message"]


async def test_cancel_a_queued_or_running_build(engine, jp_fetch, jp_root_dir):
    shutil.copy(EXAMPLE, jp_root_dir / "report.ipynb")
    job = await start_build(jp_fetch, path="report.ipynb")
    cancelled = json.loads((await jp_fetch("containerize", "builds", job["id"], "cancel", method="POST",
                                           body=b"")).body)
    assert cancelled["id"] == job["id"]
    events = await follow_events(jp_fetch, job["id"])
    assert events[-1]["state"] == "cancelled"
    with pytest.raises(Exception) as info:
        await jp_fetch("containerize", "builds", job["id"], "cancel", method="POST", body=b"")
    assert info.value.code == 409
