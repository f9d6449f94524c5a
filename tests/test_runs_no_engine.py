"""With no container engine, the run form still shows the notebook's parameters and says
why it cannot run here; a run is refused with 503 saying where the image runs instead."""

from __future__ import annotations

import json
import shutil

import pytest
from tornado.httpclient import HTTPClientError

from .conftest import EXAMPLE, server_config


@pytest.fixture
def jp_server_config(jp_server_config):
    return server_config(engine_class="tests.fake_engines.UnreachableEngine")


async def test_no_engine_says_where_the_image_runs(jp_fetch, jp_root_dir):
    shutil.copy(EXAMPLE, jp_root_dir / "report.ipynb")
    form = json.loads((await jp_fetch("containerize", "parameters",
                                      params={"path": "report.ipynb", "image": "report:1"})).body)
    assert form["source"] == "notebook" and [p["name"] for p in form["parameters"]] == ["region"]
    assert "refuses every call" in form["engine_problem"]
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("containerize", "runs", method="POST",
                       body=json.dumps({"path": "report.ipynb", "image": "report:1"}))
    assert info.value.code == 503
    message = json.loads(info.value.response.body)["message"]
    assert 'docker run --rm -v "$PWD/out:/out" report:1' in message and "Kubernetes" in message
