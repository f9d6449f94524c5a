"""With the engine down, a build fails with the cause and the server keeps serving."""

from __future__ import annotations

import json
import shutil

import pytest

from jupyter_containerize.engine.docker import DockerEngine

from .conftest import EXAMPLE, server_config


class UnreachableEngine(DockerEngine):
    def __init__(self):
        super().__init__(base_url="unix:///nonexistent/docker.sock")


@pytest.fixture
def jp_server_config(jp_server_config, cache_dir):
    return server_config(engine_class="tests.test_engine_down.UnreachableEngine", cache_dir=str(cache_dir))


async def test_engine_down(jp_fetch, jp_root_dir):
    """The request is refused before it is accepted (503, finding 7): no job that can only
    fail is queued, and the server keeps serving."""
    from tornado.httpclient import HTTPClientError

    shutil.copy(EXAMPLE, jp_root_dir / "report.ipynb")
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("containerize", "builds", method="POST", body=json.dumps({"path": "report.ipynb"}))
    assert refused.value.code == 503
    body = json.loads(refused.value.response.body)
    assert "Docker engine" in body["message"] and body["reason"] == "Container engine unavailable"
    assert json.loads((await jp_fetch("containerize", "builds")).body)["builds"] == []
    assert (await jp_fetch("containerize", "info")).code == 200


class BrokenStreamClient:
    """An API client whose build stream breaks the way a closed chunked response does."""

    hooks = {"response": []}  # as a requests.Session has

    def build(self, **kwargs):
        from http.client import IncompleteRead

        from urllib3.exceptions import ProtocolError

        yield {"stream": "Step 1/2 : FROM base\n"}
        raise ProtocolError("Connection broken: IncompleteRead(0 bytes read)", IncompleteRead(b""))

    def close(self):
        pass


class BrokenStreamEngine(DockerEngine):
    def _client(self):
        return BrokenStreamClient()


@pytest.mark.parametrize("was_cancelled", [True, False])
def test_a_broken_build_stream_is_a_cancel_or_a_lost_engine(was_cancelled):
    """Closing the stream to cancel can surface as urllib3's ProtocolError (not an OSError):
    it is a cancel when the user asked for one, a lost engine otherwise, never a crash."""
    import io
    import threading

    from jupyter_containerize.errors import Cancelled, EngineUnavailable

    cancelled = threading.Event()
    if was_cancelled:
        cancelled.set()
    expected = Cancelled if was_cancelled else EngineUnavailable
    with pytest.raises(expected) as caught:
        BrokenStreamEngine().build(io.BytesIO(b""), "x:1", labels={}, on_progress=lambda p: None,
                                   cancelled=cancelled)
    assert ("cancelled" if was_cancelled else "Lost the Docker engine") in str(caught.value)
