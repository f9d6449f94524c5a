"""No credential reaches an image, its history or labels, the job store, the events or the
server log. A secret is planted in the pip index URL (PIP_EXTRA_INDEX_URL with a token, pointing at
a local mirror of the wheel cache served by ``python -m http.server``: a real lock and wheel
download use it), in the registry password (a real push) and in install lines of the notebook
(the analysis warns about them with the line, and finds them as possible secrets: the build
allows them, so they are in the image's notebook, but nowhere else)."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

from .conftest import BASE_IMAGE, follow_events, write_notebook
from .registry import PASSWORD, free_port, login, registry, wait_for_port  # noqa: F401 - the fixture

pytestmark = pytest.mark.engine

INDEX_SECRET = "IdxT0ken-5e3c9a1f"
NOTEBOOK_SECRET = "NbT0ken-7c1d2e4b"


@pytest.fixture
def mirror(tmp_path, cache_dir):
    """A PEP 503 index (directory listings) of the session's wheel cache plus the host's."""
    from packaging.utils import canonicalize_name, parse_wheel_filename

    root = tmp_path / "mirror"
    sources = [Path(cache_dir) / "wheels", Path.home() / ".cache" / "jupyter-containerize" / "wheels"]
    for wheel in (w for folder in sources if folder.is_dir() for w in folder.glob("*.whl")):
        folder = root / "simple" / canonicalize_name(parse_wheel_filename(wheel.name)[0])
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / wheel.name).exists():
            os.symlink(wheel, folder / wheel.name)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                             "--directory", str(root)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    assert wait_for_port(port), "the planted index did not start"
    yield f"http://user:{INDEX_SECRET}@127.0.0.1:{port}/simple"
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=10)


@pytest.fixture
def store_path(tmp_path):
    return tmp_path / "state" / "builds.sqlite"


@pytest.fixture
def jp_server_config(jp_server_config, tmp_path, store_path):
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_containerize": True},
                      "allow_unauthenticated_access": False},
        # a cold wheel cache: pip really downloads, with the planted index URL in its config
        "ContainerizeApp": {"base_image": BASE_IMAGE, "cache_dir": str(tmp_path / "cold-cache"),
                            "store_path": str(store_path)},
    }


def _grep(blob: bytes, where: str, *more: str) -> None:
    for secret in (INDEX_SECRET, PASSWORD, *more):
        assert secret.encode() not in blob, f"{secret} leaked into {where}"


async def test_secrets_never_leak(engine, registry, mirror, jp_fetch, jp_root_dir, store_path,  # noqa: F811
                                  monkeypatch, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", mirror)  # PyPI stays the main index
    monkeypatch.setenv("DOCKER_CONFIG", str(registry.docker_config))
    login(registry)
    write_notebook(jp_root_dir / "secret.ipynb", "import six\nprint(six.__version__)",
                   # install lines the analysis warns about (with the line), never run by verify
                   f"if False:\n    %pip install git+https://user:{NOTEBOOK_SECRET}@127.0.0.1:1/x.git\n"
                   f"    %pip install https://127.0.0.1:1/pkgs/six.whl?token={NOTEBOOK_SECRET}")
    analysis = (await jp_fetch("containerize", "analysis", params={"path": "secret.ipynb"})).body
    _grep(analysis, "GET analysis", NOTEBOOK_SECRET)
    assert b"six.whl?token=***" in analysis
    assert json.loads(analysis)["secrets"], "the credential in the notebook is not found"
    tag = f"{registry.host}/team/secret:1"
    # a spec holding a URL with a token is refused before a job exists, without echoing it
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch("containerize", "builds", method="POST", body=json.dumps(
            {"path": "secret.ipynb", "tag": tag, "push": True, "verify": True,
             "edits": {"add": [f"six @ https://user:{INDEX_SECRET}@127.0.0.1:1/six.whl"], "remove": []}}))
    assert refused.value.code == 400 and b"direct reference" in refused.value.response.body
    _grep(refused.value.response.body, "the 400 answer")
    _grep(caplog.text.encode(), "the server log")

    response = await jp_fetch("containerize", "builds", method="POST", body=json.dumps(
        {"path": "secret.ipynb", "tag": tag, "push": True, "verify": True, "allow_secrets": True}))
    job_id = json.loads(response.body)["id"]
    events = await follow_events(jp_fetch, job_id)
    job = (await jp_fetch("containerize", "builds", job_id)).body
    listing = (await jp_fetch("containerize", "builds")).body
    _grep(json.dumps(events).encode() + job + listing, "the events or the job", NOTEBOOK_SECRET)
    _grep(caplog.text.encode(), "the server log", NOTEBOOK_SECRET)
    for path in store_path.parent.iterdir():  # the SQLite file and its WAL
        _grep(path.read_bytes(), path.name, NOTEBOOK_SECRET)
    state = json.loads(job)
    assert state["state"] == "succeeded", state["error"]
    assert list((tmp_path / "cold-cache" / "wheels").glob("*.whl")), "pip never ran with the planted index"
    assert state["result"]["digest"].startswith(f"{registry.host}/team/secret@sha256:")

    _grep(json.dumps(events).encode(), "the events", NOTEBOOK_SECRET)
    assert any("six.whl?token=***" in e["message"] for e in events), "the analysis warnings are not in the events"
    assert any("possible secret(s), as allowed" in e["message"] for e in events)
    _grep(caplog.text.encode(), "the server log", NOTEBOOK_SECRET)
    for path in store_path.parent.iterdir():
        _grep(path.read_bytes(), path.name, NOTEBOOK_SECRET)
    saved = subprocess.run(["docker", "save", tag], capture_output=True, check=True).stdout
    _grep(saved, "docker save")
    env_images = {e["message"].split("environment image ")[-1] for e in events if "environment image " in e["message"]}
    assert env_images, "the events name no environment image to search"
    for env_image in env_images:  # the build cache image holding the lock and wheels
        _grep(subprocess.run(["docker", "save", env_image], capture_output=True, check=True).stdout, env_image)
    history = subprocess.run(["docker", "history", "--no-trunc", tag], capture_output=True, check=True).stdout
    _grep(history, "docker history")
    inspect = subprocess.run(["docker", "inspect", tag], capture_output=True, check=True).stdout
    _grep(inspect, "docker inspect")
    _grep(registry.log.read_bytes(), "the registry log")  # what we sent on the wire, as logged
