"""With the engine down, a build fails with the cause and the server keeps serving."""

from __future__ import annotations

import json
import shutil

import pytest

from .conftest import EXAMPLE
from .test_build_api import _follow, _start


@pytest.fixture
def jp_server_config(jp_server_config, cache_dir):
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_containerize": True}},
        "ContainerizeApp": {"engine_class": "tests.test_build_api.UnreachableEngine",
                            "cache_dir": str(cache_dir)},
    }


async def test_engine_down(jp_fetch, jp_root_dir):
    shutil.copy(EXAMPLE, jp_root_dir / "report.ipynb")
    job = await _start(jp_fetch, path="report.ipynb")
    events = await _follow(jp_fetch, job["id"])
    assert events[-1]["state"] == "failed"
    failed = json.loads((await jp_fetch("containerize", "builds", job["id"])).body)
    assert "Docker engine" in failed["error"]["message"]
    assert (await jp_fetch("containerize", "info")).code == 200
