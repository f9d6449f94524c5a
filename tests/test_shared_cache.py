"""One host cache shared by two servers (two users of one JupyterHub machine): both build at
the same moment, from an empty cache, notebooks whose packages overlap (every image takes
the runner's ipykernel and nbclient with their dependencies). Both succeed, each wheel
version is installed once (the second server waits for the first's lock and reuses its
segment), no entry is torn, and in a setgid cache every folder and file is group-writable."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import time
from collections import Counter

import pytest

from jupyter_containerize.image.envimage import ENV_LABEL, ENV_REPOSITORY
from jupyter_containerize.image.installed import members_of

from .conftest import BASE_IMAGE, write_notebook
from .server_process import ServerProcess

NOTEBOOKS = {"alpha": "import yaml\nprint(yaml.safe_load('a: 1'))", "beta": "import six\nprint(six.PY3)"}


def _messages(server: ServerProcess, job_id: str) -> list[str]:
    page = server.get(f"containerize/builds/{job_id}/events", since=0, timeout=1).json()
    return [event["message"] for event in page["events"]]


@pytest.fixture
def fresh_base(engine):
    """The base image under a new id: no environment image exists on it yet."""
    tag = f"containerize-test/shared-base:{os.getpid()}-{time.time_ns()}"
    subprocess.run(["docker", "build", "-q", "-t", tag, "-"], input=f"FROM {BASE_IMAGE}\nLABEL fresh={tag}\n",
                   text=True, check=True, capture_output=True)
    yield tag
    prepared = [i.id for i in engine.images(f"fresh={tag}") if any(t.startswith(ENV_REPOSITORY) for t in i.tags)]
    made = [t for p in prepared for i in engine.images(f"{ENV_LABEL}={p}") for t in i.tags]
    names = [*made, *(t for p in prepared for t in engine.inspect(p).tags), tag]
    subprocess.run(["docker", "rmi", *names], capture_output=True)


@pytest.mark.engine
def test_two_servers_build_at_once_from_one_empty_cache(tmp_path, engine, fresh_base):
    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(0o2775)  # shared by a group: what the README asks for
    servers = {}
    try:
        for name, source in NOTEBOOKS.items():
            root = tmp_path / name
            write_notebook(root / f"{name}.ipynb", source)
            servers[name] = ServerProcess(root=root, store=tmp_path / f"{name}.sqlite", cache=cache,
                                          log=tmp_path / f"{name}.log", options={"base_image": fresh_base}).start()
        jobs = {name: server.build(path=f"{name}.ipynb", tag=f"containerize-test/shared-{name}:1")
                for name, server in servers.items()}
        done = {name: servers[name].wait_until_done(job["id"], within=600) for name, job in jobs.items()}
        assert {name: job["state"] for name, job in done.items()} == {"alpha": "succeeded", "beta": "succeeded"}, done
        messages = {name: _messages(servers[name], job["id"]) for name, job in jobs.items()}
    finally:
        for server in servers.values():
            server.stop()
        subprocess.run(["docker", "rmi", *(f"containerize-test/shared-{n}:1" for n in NOTEBOOKS)], capture_output=True)

    # Each wheel installed once, by one server or the other; both used the shared ones.
    installed = Counter(line.split()[1] for lines in messages.values() for line in lines
                        if line.startswith("Installed ") and line.endswith(")"))
    assert installed and max(installed.values()) == 1, installed
    ipykernel = [w for w in installed if w.startswith("ipykernel-")]
    assert ipykernel, installed
    segments = sorted((cache / "installed" / "python3.11").glob("*.tar"))
    assert len(segments) == len(installed)
    for name, lines in messages.items():  # both made an environment image on the new base (or grew one)
        assert any(line.startswith("Building the environment image") for line in lines), (name, lines)

    # Nothing torn or left half-made: each segment ends where its index says, no temp or lock file.
    for segment in segments:
        assert members_of(segment)[-1][2] == segment.stat().st_size
    leftovers = [p for p in cache.rglob("*") if p.name.endswith((".tmp", ".lock"))]
    assert leftovers == []
    index = json.loads((cache / "wheels" / "sha256-index.json").read_text())
    assert {w.name for w in (cache / "wheels").glob("*.whl")} <= set(index)

    # Group-writable throughout (the group carries down through setgid folders).
    for path in [cache, *cache.rglob("*")]:
        mode = os.stat(path).st_mode
        if stat.S_ISDIR(mode):
            assert mode & 0o2070 == 0o2070, (path, oct(mode))
        else:
            assert mode & 0o060 == 0o060, (path, oct(mode))
