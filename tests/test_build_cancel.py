"""Cancel through the REST API reaches pip: a build stuck in its lock phase on a package
index that never answers ends ``cancelled`` within seconds and leaves no pip running."""

from __future__ import annotations

import asyncio
import json
import os
import time

import pytest

from .conftest import BASE_IMAGE, follow_events, server_config, start_build, write_notebook
from .processes import wait_until, with_environment

pytestmark = [pytest.mark.engine, pytest.mark.network]


@pytest.fixture
def jp_server_config(jp_server_config, tmp_path):
    return server_config(base_image=BASE_IMAGE, cache_dir=str(tmp_path / "cache"))


async def test_cancel_stops_a_build_stuck_in_pip(engine, silent, jp_fetch, jp_root_dir, monkeypatch):
    monkeypatch.setenv("PIP_INDEX_URL", f"http://127.0.0.1:{silent.port}/simple")
    write_notebook(jp_root_dir / "stuck.ipynb", "print(1)")
    job = await start_build(jp_fetch, path="stuck.ipynb", edits={"add": ["tinydb==4.8.0"], "remove": []})

    def pips() -> list[int]:
        return [pid for pid in with_environment(f"127.0.0.1:{silent.port}") if pid != os.getpid()]

    for _ in range(600):  # the lock phase's pip reaches the index (the server's loop keeps running)
        if silent.accepted and pips():
            break
        await asyncio.sleep(0.1)
    assert silent.accepted and pips(), "pip never asked the planted index"
    running = json.loads((await jp_fetch("containerize", "builds", job["id"])).body)
    assert running["state"] == "running" and running["phase"] == "lock"

    asked = time.monotonic()
    await jp_fetch("containerize", "builds", job["id"], "cancel", method="POST", body=b"")
    events = await follow_events(jp_fetch, job["id"])
    took = time.monotonic() - asked
    assert events[-1]["kind"] == "state" and events[-1]["state"] == "cancelled", events[-3:]
    assert took < 3.0, f"the job took {took:.1f} s to end"
    done = json.loads((await jp_fetch("containerize", "builds", job["id"])).body)
    assert done["state"] == "cancelled" and done["phase"] == "lock"
    assert wait_until(lambda: not pips(), 1.0), f"pip left running: {pips()}"
