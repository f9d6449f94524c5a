"""With the engine down, a build fails with the cause and the server keeps serving."""

from __future__ import annotations

import json
import shutil

import pytest

from jupyter_containerize.engine.docker import DockerEngine

from .conftest import EXAMPLE, follow_events, server_config, start_build


class UnreachableEngine(DockerEngine):
    def __init__(self):
        super().__init__(base_url="unix:///nonexistent/docker.sock")


@pytest.fixture
def jp_server_config(jp_server_config, cache_dir):
    return server_config(engine_class="tests.test_engine_down.UnreachableEngine", cache_dir=str(cache_dir))


async def test_engine_down(jp_fetch, jp_root_dir):
    shutil.copy(EXAMPLE, jp_root_dir / "report.ipynb")
    job = await start_build(jp_fetch, path="report.ipynb")
    events = await follow_events(jp_fetch, job["id"])
    assert events[-1]["state"] == "failed"
    failed = json.loads((await jp_fetch("containerize", "builds", job["id"])).body)
    assert "Docker engine" in failed["error"]["message"]
    assert (await jp_fetch("containerize", "info")).code == 200
