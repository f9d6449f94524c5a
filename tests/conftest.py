"""Shared fixtures. Server tests run the real extension in a real jupyter_server
(pytest-jupyter) with authentication required; engine tests use the real Docker engine."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from .required import missing

pytest_plugins = ("pytest_jupyter.jupyter_server",)

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "sales-report.ipynb"
BASE_IMAGE = os.environ.get("CONTAINERIZE_BASE_IMAGE", "jupyter-containerize/python:3.11-bookworm")


def engine_ready() -> str | None:
    """None when the engine answers and the base image exists, else why not."""
    try:
        import docker

        client = docker.from_env(timeout=10)
        client.ping()
        client.images.get(BASE_IMAGE)
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        return f"{type(exc).__name__}: {exc}"
    return None


@pytest.fixture
def silent():
    """A package index (any TCP server) that accepts connections and never answers."""
    from .processes import SilentServer

    server = SilentServer()
    yield server
    server.close()


@pytest.fixture(scope="session", autouse=True)
def build_services(tmp_path_factory):
    """The CLI's build services of this session (see jupyter_containerize/cli/service.py) keep
    their sockets in a folder of the session's, and are stopped at its end."""
    runtime = tmp_path_factory.mktemp("runtime")
    runtime.chmod(0o700)
    previous = os.environ.get("XDG_RUNTIME_DIR")
    os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    yield runtime
    if previous is None:
        os.environ.pop("XDG_RUNTIME_DIR", None)
    else:
        os.environ["XDG_RUNTIME_DIR"] = previous
    from .service_processes import stop_services

    stop_services(runtime / "jupyter-containerize")


@pytest.fixture(scope="session")
def engine():
    """The real Docker engine. CI sets CONTAINERIZE_REQUIRE_ENGINE=1 so that a missing
    engine fails the run instead of skipping the tests that need it (see required.py)."""
    problem = engine_ready()
    if problem:
        missing(f"The Docker engine or base image {BASE_IMAGE} is not ready: {problem}")
    from jupyter_containerize.engine.docker import DockerEngine

    return DockerEngine()


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    """One wheel/resolution cache for the whole session (as a user's host cache is)."""
    shared = os.environ.get("CONTAINERIZE_TEST_CACHE")
    if shared:
        Path(shared).mkdir(parents=True, exist_ok=True)
        return Path(shared)
    return tmp_path_factory.mktemp("containerize-cache")


def write_notebook(path: Path, *sources: str, kernel: str = "python3") -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="session")
def six_kernel(tmp_path_factory) -> Path:
    """A real, separate kernel interpreter: a venv holding six==1.16.0 (the server has
    another six), so tests can tell the kernel's versions from the server's."""
    venv = tmp_path_factory.mktemp("six-kernel") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "six==1.16.0"],
                   check=True)
    return python


@pytest.fixture
def example_root(tmp_path) -> Path:
    """A server root holding a copy of the example notebook."""
    shutil.copytree(REPO / "examples", tmp_path / "examples")
    return tmp_path


def server_config(**containerize) -> dict:
    """A jupyter_server configuration with the extension enabled, authentication required,
    and ``ContainerizeApp`` options."""
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_containerize": True},
                      "allow_unauthenticated_access": False},
        "ContainerizeApp": containerize,
    }


async def start_build(jp_fetch, **body) -> dict:
    """POST a build request; the job as the server accepted it."""
    response = await jp_fetch("containerize", "builds", method="POST", body=json.dumps(body))
    assert response.code == 202
    return json.loads(response.body)


async def follow_events(jp_fetch, job_id: str, since: int = 0) -> list[dict]:
    """Long-poll a job's events from ``since`` until the job is done, as the sidebar does."""
    events = []
    for _ in range(400):
        page = json.loads((await jp_fetch("containerize", "builds", job_id, "events",
                                          params={"since": since, "timeout": 10})).body)
        events += page["events"]
        since = page["next"]
        if page["done"]:
            return events
    raise AssertionError(f"job {job_id} never finished")
