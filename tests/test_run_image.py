"""`jupyter containerize run IMAGE` on the real Docker engine: parameters reach the notebook,
a failing cell fails the run with the cell named, outputs land in DIR, the root filesystem is
read-only, a stop request ends the container cleanly, clear errors for a missing image or
engine."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import nbformat
import pytest

from jupyter_containerize.engine.docker import DockerEngine
from jupyter_containerize.errors import EngineUnavailable, PullFailed
from jupyter_containerize.share.running import run_image

from .conftest import EXAMPLE
from .runner_notebooks import build_with_cli, outputs, write_jobs_notebook

pytestmark = pytest.mark.engine


@pytest.fixture(scope="module")
def jobs_image(engine, cache_dir, tmp_path_factory) -> str:
    notebook = write_jobs_notebook(tmp_path_factory.mktemp("jobs") / "jobs.ipynb")
    return build_with_cli(notebook, cache_dir)["tag"]


@pytest.fixture(scope="module")
def example_image(engine, cache_dir) -> str:
    return build_with_cli(EXAMPLE, cache_dir)["tag"]


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(["jupyter", "containerize", *args], capture_output=True, text=True, timeout=300, cwd=cwd)


def test_run_streams_cells_and_leaves_outputs(example_image, tmp_path):
    proc = _cli("run", example_image, "-p", "region", "North", cwd=tmp_path)  # default ./out
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "[4/6] cell 5: sales = pd.DataFrame({" in proc.stdout
    assert "TOTAL_SALES=263.75" in outputs(tmp_path / "out" / "sales-report.ipynb")


def test_failing_cell_fails_the_run_and_is_named(jobs_image, tmp_path):
    proc = _cli("run", jobs_image, "-p", "fail", "True", "--output", "result", cwd=tmp_path)
    assert proc.returncode == 1
    assert "cell 5 failed: ValueError: asked to fail" in proc.stdout + proc.stderr
    executed = nbformat.read(tmp_path / "result" / "jobs.ipynb", as_version=4)
    assert executed.metadata["containerize"]["failed_cell"] == 5


def test_root_filesystem_is_read_only_and_parameters_typed(jobs_image, engine, tmp_path):
    lines = []
    status = run_image(engine, jobs_image, tmp_path / "o", parameters=[("label", "x"), ("sleep", "0.5")],
                       on_output=lines.append)
    assert status == 0, lines
    text = outputs(tmp_path / "o" / "jobs.ipynb")
    assert "ROOTFS=read-only" in text and "LABEL='x' TYPES=float,list" in text
    # the root stays read-only, but the notebook writes beside its files and in its home, as in its kernel
    assert "WORKDIR=writable" in text and "HOME=writable" in text
    assert not any("without encryption" in line for line in lines)


def test_stop_sends_sigterm_and_the_notebook_is_still_collected(jobs_image, engine, tmp_path):
    stop = threading.Event()

    def on_output(line):
        if "cell 6" in line:
            threading.Timer(1.0, stop.set).start()

    status = run_image(engine, jobs_image, tmp_path / "o", parameters=[("sleep", "120")], on_output=on_output,
                       stop=stop)
    assert status == 143
    executed = nbformat.read(tmp_path / "o" / "jobs.ipynb", as_version=4)
    assert executed.metadata["containerize"]["status"] == "stopped"


def test_cell_timeout_in_the_image(jobs_image, engine, tmp_path):
    lines = []
    status = run_image(engine, jobs_image, tmp_path / "o", parameters=[("sleep", "60")], cell_timeout=2,
                       on_output=lines.append)
    assert status == 1 and any("cell 6 failed: timeout: over 2s" in line for line in lines)


def test_no_such_image_is_a_clear_error(engine, tmp_path):
    proc = _cli("run", "containerize-test/nothing:here", cwd=tmp_path)
    assert proc.returncode == 1 and "No image containerize-test/nothing:here" in proc.stderr
    with pytest.raises(PullFailed, match="No image containerize-test/nothing:here on the engine, and pulling it failed"):
        run_image(engine, "containerize-test/nothing:here", tmp_path / "o")


def test_engine_down_is_a_clear_error(tmp_path):
    with pytest.raises(EngineUnavailable):
        run_image(DockerEngine(base_url=f"unix://{tmp_path}/no.sock"), "x:1", tmp_path / "o")


def test_no_container_left_behind(jobs_image):
    left = subprocess.run(["docker", "ps", "-aq", "--filter", f"ancestor={jobs_image}"],
                          capture_output=True, text=True, check=True).stdout.split()
    assert left == []
