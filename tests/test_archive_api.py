"""The archive output through the REST API: the build writes an OCI archive, the sidebar's
download link (``GET builds/ID/archive``) serves it, and it is what docker loads."""

from __future__ import annotations

import io
import json
import tarfile

import pytest
from tornado.httpclient import HTTPClientError

from .conftest import follow_events, server_config, write_notebook
from .registry import login, registry  # noqa: F401 - the fixture
from .registry_parts import push_base

pytestmark = pytest.mark.engine


@pytest.fixture
def jp_server_config(jp_server_config, registry, cache_dir, monkeypatch):  # noqa: F811
    monkeypatch.setenv("DOCKER_CONFIG", str(registry.docker_config))
    login(registry)
    return server_config(base_image=push_base(registry), cache_dir=str(cache_dir))


async def test_an_archive_build_is_downloaded_from_its_job(jp_fetch, jp_root_dir, engine):
    write_notebook(jp_root_dir / "boxed.ipynb", "print('boxed')")
    job = json.loads((await jp_fetch("containerize", "builds", method="POST", body=json.dumps(
        {"path": "boxed.ipynb", "tag": "containerize-test/boxed:1", "output": "archive"}))).body)
    await follow_events(jp_fetch, job["id"])
    done = json.loads((await jp_fetch("containerize", "builds", job["id"])).body)
    assert done["state"] == "succeeded", done["error"]
    assert done["result"]["output"] == "archive" and done["result"]["archive"]
    response = await jp_fetch("containerize", "builds", job["id"], "archive")
    assert response.headers["Content-Type"] == "application/x-tar"
    assert 'filename="boxed-1.tar"' in response.headers["Content-Disposition"]
    with tarfile.open(fileobj=io.BytesIO(response.body)) as tar:
        index = json.loads(tar.extractfile("index.json").read())
        docker = json.loads(tar.extractfile("manifest.json").read())
    assert index["manifests"][0]["digest"] and docker[0]["RepoTags"] == ["containerize-test/boxed:1"]

    # a build that made no archive has none; pushing an archive build again is refused
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("containerize", "builds", job["id"], "push", method="POST", body=b"")
    assert refused.value.code == 409
    await jp_fetch("containerize", "builds", job["id"], method="DELETE")
    with pytest.raises(HTTPClientError) as gone:
        await jp_fetch("containerize", "builds", job["id"], "archive")
    assert gone.value.code == 404
