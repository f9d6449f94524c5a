"""Push to a real registry (docker-registry on 127.0.0.1 with htpasswd auth): the digest
reference, clear 401 / unreachable errors, `push: true` and the push action over REST."""

from __future__ import annotations

import io
import json
import subprocess
import tarfile
import threading
import time

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_containerize.errors import PushFailed

from .conftest import BASE_IMAGE, follow_events, server_config, write_notebook
from .registry import login, logout, registry  # noqa: F401 - the fixture

pytestmark = pytest.mark.engine


def _tiny_image(engine, tag: str) -> str:
    dockerfile = f"FROM {BASE_IMAGE}\nLABEL test.nonce={time.time_ns()}\n".encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(dockerfile)
        tar.addfile(info, io.BytesIO(dockerfile))
    buffer.seek(0)
    return engine.build(buffer, tag, labels={}, on_progress=lambda p: None, cancelled=threading.Event())


@pytest.fixture
def docker_config(registry, monkeypatch):  # noqa: F811
    monkeypatch.setenv("DOCKER_CONFIG", str(registry.docker_config))
    logout(registry)
    return registry


def test_push_reports_the_digest_and_errors(engine, docker_config):
    registry = docker_config  # noqa: F811 - the fixture, under the name the test reads
    tag = f"{registry.host}/containerize-test/tiny:1"
    _tiny_image(engine, tag)
    push = lambda t: engine.push(t, on_progress=lambda p: None, cancelled=threading.Event())  # noqa: E731

    with pytest.raises(PushFailed, match=r"401 Unauthorized: .*docker login " + registry.host):
        push(tag)

    login(registry)
    digest = push(tag)
    assert digest.startswith(f"{registry.host}/containerize-test/tiny@sha256:")
    assert digest in engine.inspect(tag).repo_digests

    (registry.docker_config / "config.json").write_text(json.dumps(
        {"auths": {registry.host: {"auth": "cHVzaGVyOndyb25n"}}}))  # pusher:wrong
    with pytest.raises(PushFailed, match="401 Unauthorized"):
        push(tag)

    unreachable = "127.0.0.1:9/containerize-test/tiny:1"
    _tiny_image(engine, unreachable)
    with pytest.raises(PushFailed, match="127.0.0.1:9 is unreachable"):
        push(unreachable)


# -- over REST ------------------------------------------------------------------------

@pytest.fixture
def jp_server_config(jp_server_config, cache_dir):
    return server_config(base_image=BASE_IMAGE, cache_dir=str(cache_dir))


async def test_build_with_push_and_the_push_action(engine, docker_config, jp_fetch, jp_root_dir):
    registry = docker_config  # noqa: F811 - the fixture, under the name the test reads
    login(registry)
    write_notebook(jp_root_dir / "tiny.ipynb", "x = 6 * 7\nprint(x)")
    tag = f"{registry.host}/team/tiny:1"
    response = await jp_fetch("containerize", "builds", method="POST",
                              body=json.dumps({"path": "tiny.ipynb", "tag": tag, "push": True}))
    job = json.loads(response.body)
    events = await follow_events(jp_fetch, job["id"])
    phases = [e["phase"] for e in events if e["kind"] == "phase"]
    assert phases[-2:] == ["build", "push"], events[-5:]
    done = json.loads((await jp_fetch("containerize", "builds", job["id"])).body)
    assert done["state"] == "succeeded", done["error"]
    assert done["result"]["digest"].startswith(f"{registry.host}/team/tiny@sha256:")
    pulled = subprocess.run(["docker", "pull", done["result"]["digest"]], capture_output=True, text=True,
                            env={"DOCKER_CONFIG": str(registry.docker_config), "PATH": "/usr/bin:/bin"})
    assert pulled.returncode == 0, pulled.stderr

    # the push action re-pushes a finished build, as the same job with more events
    response = await jp_fetch("containerize", "builds", job["id"], "push", method="POST", body=b"")
    assert response.code == 202
    more = await follow_events(jp_fetch, job["id"], since=len(events))
    assert [e["phase"] for e in more if e["kind"] == "phase"] == ["push"]
    again = json.loads((await jp_fetch("containerize", "builds", job["id"])).body)
    assert again["state"] == "succeeded" and again["result"]["digest"] == done["result"]["digest"]

    # a push that the registry refuses fails the job with a clear error
    logout(registry)
    await jp_fetch("containerize", "builds", job["id"], "push", method="POST", body=b"")
    await follow_events(jp_fetch, job["id"], since=len(events) + len(more))
    refused = json.loads((await jp_fetch("containerize", "builds", job["id"])).body)
    assert refused["state"] == "failed" and refused["error"]["phase"] == "push"
    assert "401 Unauthorized" in refused["error"]["message"]

    # a failed push keeps the built image: log in again and push again (finding 11)
    login(registry)
    response = await jp_fetch("containerize", "builds", job["id"], "push", method="POST", body=b"")
    assert response.code == 202
    await follow_events(jp_fetch, job["id"], since=0)
    retried = json.loads((await jp_fetch("containerize", "builds", job["id"])).body)
    assert retried["state"] == "succeeded" and retried["result"]["digest"] == done["result"]["digest"]


async def test_a_build_whose_push_fails_keeps_its_image_and_can_push_again(engine, docker_config, jp_fetch,
                                                                           jp_root_dir):
    """``push: true`` to a registry that refuses: the job fails in ``push`` but keeps its
    result (the image is built and tagged), and the push action then succeeds (finding 11)."""
    registry = docker_config  # noqa: F811 - the fixture, under the name the test reads
    logout(registry)
    write_notebook(jp_root_dir / "tiny2.ipynb", "print(7)")
    tag = f"{registry.host}/team/tiny2:1"
    job = json.loads((await jp_fetch("containerize", "builds", method="POST",
                                     body=json.dumps({"path": "tiny2.ipynb", "tag": tag, "push": True}))).body)
    await follow_events(jp_fetch, job["id"])
    failed = json.loads((await jp_fetch("containerize", "builds", job["id"])).body)
    assert failed["state"] == "failed" and failed["error"]["phase"] == "push"
    assert failed["result"]["tag"] == tag and failed["result"]["digest"] is None
    assert engine.inspect(tag).id == failed["result"]["image_id"]  # built and tagged, not lost

    login(registry)
    await jp_fetch("containerize", "builds", job["id"], "push", method="POST", body=b"")
    await follow_events(jp_fetch, job["id"])
    pushed = json.loads((await jp_fetch("containerize", "builds", job["id"])).body)
    assert pushed["state"] == "succeeded" and pushed["result"]["digest"].startswith(f"{registry.host}/team/tiny2@")

    # a build that failed before its image existed cannot be pushed
    (jp_root_dir / "broken.ipynb").write_text(json.dumps({"cells": [], "metadata": {"kernelspec": {"name": "nope"}},
                                                          "nbformat": 4, "nbformat_minor": 5}))
    broken = json.loads((await jp_fetch("containerize", "builds", method="POST",
                                        body=json.dumps({"path": "broken.ipynb"}))).body)
    await follow_events(jp_fetch, broken["id"])
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("containerize", "builds", broken["id"], "push", method="POST", body=b"")
    assert info.value.code == 409
