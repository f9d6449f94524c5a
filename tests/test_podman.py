"""The engine path against Podman's Docker-compatible API (``podman system service``):
Podman builds the Dockerfiles, but loads only whole archives, so the environment is
installed inside its build (the self-contained multi-stage context) instead of loaded as a
layer. Running containers fails on these machines (runc may not set rlimits in this
sandbox), so the image is checked by its labels and files, not run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
import time

import pytest

from jupyter_containerize.engine.docker import DockerEngine
from jupyter_containerize.models import BuildRequest
from jupyter_containerize.pipeline import build_image
from jupyter_containerize.settings import Settings

from .conftest import write_notebook
from .registry import PASSWORD, USER, login, registry  # noqa: F401 - the fixture
from .registry_parts import push_base
from .required import missing

pytestmark = pytest.mark.engine


class Quiet:
    def __init__(self):
        self.lines = []

    def phase(self, name, message):
        self.lines.append(f"[{name}] {message}")

    def log(self, message):
        self.lines.append(message)

    def progress(self, step, steps, percent, message):
        self.lines.append(message)


@pytest.fixture
def podman(tmp_path):
    if not shutil.which("podman"):
        missing("podman is not installed (apt-get install podman)")
    socket = tmp_path / "podman.sock"
    service = subprocess.Popen(["podman", "system", "service", "--time=0", f"unix://{socket}"],
                               start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        if socket.exists():
            break
        time.sleep(0.1)
    yield DockerEngine(base_url=f"unix://{socket}")
    os.killpg(service.pid, signal.SIGTERM)
    service.wait(timeout=30)


def test_the_engine_path_builds_through_podman(podman, registry, tmp_path, cache_dir, engine):  # noqa: F811
    login(registry)
    base = push_base(registry)
    pulled = subprocess.run(["podman", "pull", "--tls-verify=false", "--creds", f"{USER}:{PASSWORD}", base],
                            capture_output=True, text=True, timeout=300)
    assert pulled.returncode == 0, pulled.stderr
    notebook = write_notebook(tmp_path / "podman" / "podman.ipynb", "print('built by podman')")
    reporter = Quiet()
    tag = "containerize-test/podman:1"
    try:
        result = build_image(BuildRequest(path=str(notebook), tag=tag, output="engine"), notebook, root=notebook.parent,
                             settings=Settings(cache_dir=cache_dir, base_image=base), engine=podman,
                             reporter=reporter, cancelled=threading.Event())
        assert result.output == "engine"
        assert any("loads whole archives only" in line for line in reporter.lines)  # the fallback was taken
        labels = json.loads(subprocess.run(["podman", "image", "inspect", tag], capture_output=True, text=True,
                                           check=True).stdout)[0]["Labels"]
        assert labels["io.jupyter.containerize.notebook"] == "podman.ipynb"
    finally:
        subprocess.run(["podman", "rmi", "-f", tag], capture_output=True)
