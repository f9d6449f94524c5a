"""End to end on the real Docker engine: build the example notebook's image from the CLI and
through the REST API, run it, and check what the notebook computed."""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
import threading
import time
from pathlib import Path

import pytest

from jupyter_containerize.engine.docker import DockerEngine
from jupyter_containerize.errors import Cancelled, EngineUnavailable, ImageBuildFailed

from .conftest import BASE_IMAGE, EXAMPLE

pytestmark = pytest.mark.engine


def _run_image(tag: str, out: Path, *args: str) -> subprocess.CompletedProcess:
    out.mkdir(parents=True, exist_ok=True)
    out.chmod(0o777)  # the image runs as uid 1000
    return subprocess.run(["docker", "run", "--rm", "-v", f"{out}:/out", tag, *args],
                          capture_output=True, text=True, timeout=300)


def _outputs(notebook: Path) -> str:
    cells = json.loads(notebook.read_text())["cells"]
    return "".join("".join(o.get("text", "")) for c in cells for o in c.get("outputs", []))


@pytest.fixture(scope="module")
def built_example(engine, cache_dir, tmp_path_factory):
    """`jupyter containerize build` of the example, as a user runs it."""
    env = {**os.environ, "CONTAINERIZE_CACHE": str(cache_dir)}
    proc = subprocess.run(
        ["jupyter", "containerize", "build", str(EXAMPLE), "--base", BASE_IMAGE, "--json"],
        capture_output=True, text=True, env=env, timeout=1200,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_cli_build_prints_the_result(built_example):
    assert set(built_example) >= {"tag", "image_id", "size", "duration_s"}
    assert built_example["tag"].startswith("sales-report:")
    assert built_example["image_id"].startswith("sha256:")
    assert built_example["size"] > 50_000_000


def test_image_runs_the_notebook_headless(built_example, tmp_path):
    proc = _run_image(built_example["tag"], tmp_path / "out")
    assert proc.returncode == 0, proc.stderr
    assert "[3/5] cell 4" in proc.stdout  # one line per cell
    executed = tmp_path / "out" / "sales-report.ipynb"
    assert "TOTAL_SALES=613.50" in _outputs(executed)


def test_image_takes_parameters(built_example, tmp_path):
    proc = _run_image(built_example["tag"], tmp_path / "out", "sales-report.ipynb", "-p", "region", "North")
    assert proc.returncode == 0, proc.stderr
    assert "TOTAL_SALES=263.75" in _outputs(tmp_path / "out" / "sales-report.ipynb")


def test_image_is_labelled_and_runs_as_non_root(built_example, engine):
    info = engine.inspect(built_example["tag"])
    assert info.labels["io.jupyter.containerize.notebook"] == "sales-report.ipynb"
    assert info.labels["io.jupyter.containerize.lock-digest"].startswith("sha256:")
    assert info.labels["org.opencontainers.image.created"]
    user = subprocess.run(["docker", "image", "inspect", "-f", "{{.Config.User}}", built_example["tag"]],
                          capture_output=True, text=True, check=True).stdout.strip()
    assert user == "1000"


def test_cli_reports_a_failure_on_stderr(tmp_path):
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{ nope")
    proc = subprocess.run(["jupyter", "containerize", "build", str(broken), "--base", BASE_IMAGE],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "invalid JSON" in proc.stderr and proc.stdout == ""


def _context(dockerfile: str) -> io.BytesIO:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        data = dockerfile.encode()
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    return buffer


def test_engine_cancel_stops_the_build_and_tags_nothing(engine):
    cancelled = threading.Event()
    tag = "containerize-test/cancel:1"
    threading.Timer(3.0, cancelled.set).start()
    label = f"containerize-test.cancel={time.time_ns()}"  # the step's container carries it
    since = int(time.time()) - 1
    with pytest.raises(Cancelled):
        engine.build(_context(f"FROM {BASE_IMAGE}\nLABEL {label}\nRUN sleep 120\n"), tag, labels={},
                     on_progress=lambda p: None, cancelled=cancelled)
    assert subprocess.run(["docker", "image", "inspect", tag], capture_output=True).returncode != 0
    # the running step was killed, not waited out (its container would then exit with 0)
    import docker

    client = docker.APIClient()
    try:
        exits = [e["Actor"]["Attributes"].get("exitCode") for e in client.events(
            since=since, until=int(time.time()) + 2, decode=True,
            filters={"type": "container", "event": "die", "label": label})]
    finally:
        client.close()
    assert exits == ["137"], exits  # SIGKILL


def test_engine_reports_a_failing_step(engine):
    lines = []
    nonce = time.time_ns()
    with pytest.raises(ImageBuildFailed, match=rf"^about to fail {nonce} \(the step `RUN echo about .*` exited with status 3\)"):
        engine.build(_context(f"FROM {BASE_IMAGE}\nRUN echo about to fail {nonce} && exit 3\n"),
                     "containerize-test/fail:1", labels={}, on_progress=lambda p: lines.append(p.message),
                     cancelled=threading.Event())
    assert any("about to fail" in line for line in lines)  # the step's output is streamed too


def test_engine_down_is_a_clear_error(tmp_path):
    with pytest.raises(EngineUnavailable, match="Docker engine"):
        DockerEngine(base_url=f"unix://{tmp_path}/no-docker.sock").ping()
