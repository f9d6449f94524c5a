"""The runner (runner/run.py) on the host: papermill-style typed parameters, the failing cell
named, per-cell and total timeouts, SIGTERM, HTML, the result in the notebook's metadata."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from jupyter_containerize.runner import run as runner

from .runner_notebooks import outputs, write_jobs_notebook

RUN_PY = Path(runner.__file__)


def _run(notebook: Path, out: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(RUN_PY), str(notebook), "--output", str(out), *args],
                          capture_output=True, text=True, timeout=120, **kw)


def _meta(out: Path) -> dict:
    return nbformat.read(out / "jobs.ipynb", as_version=4).metadata["containerize"]


@pytest.fixture
def jobs(tmp_path) -> Path:
    return write_jobs_notebook(tmp_path / "jobs.ipynb")


@pytest.mark.parametrize("text, value", [
    ("3", 3), ("-2", -2), ("1.5", 1.5), ("1e3", 1000.0), ("True", True), ("false", False), ("None", None),
    ("[1, 2]", [1, 2]), ('{"a": 1}', {"a": 1}), ("North", "North"), ("'quoted'", "'quoted'"), ("", ""),
])
def test_values_are_typed_as_papermill_types_them(text, value):
    assert runner.typed(text) == value and type(runner.typed(text)) is type(value)


def test_parameters_from_env_and_flags_flag_wins():
    params = runner.collect_parameters([("a", "2")], {"NB_PARAM_a": "1", "NB_PARAM_b": "x", "OTHER": "y"})
    assert params == {"a": 2, "b": "x"}


def test_injected_cell_follows_the_parameters_cell_and_replaces_an_earlier_one(jobs):
    nb = nbformat.read(jobs, as_version=4)
    runner.inject_parameters(nb, {"label": "one"})
    runner.inject_parameters(nb, {"label": "two"})
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert tags[0] == ["parameters"] and tags[1] == ["injected-parameters"]
    assert sum("injected-parameters" in t for t in tags) == 1 and "label = 'two'" in nb.cells[1].source


def test_parameters_reach_the_notebook_typed(jobs, tmp_path):
    proc = _run(jobs, tmp_path / "out", "-p", "label", "North", "-p", "items", "[1]",
                env={"NB_PARAM_sleep": "0.1", "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    assert "LABEL='North' TYPES=float,list" in outputs(tmp_path / "out" / "jobs.ipynb")
    assert "[1/7] cell 1: fail = False" in proc.stdout and "[7/7] cell 7" in proc.stdout
    assert _meta(tmp_path / "out")["status"] == "succeeded"
    assert "without encryption" not in proc.stderr  # IPC transport


def test_failing_cell_is_named_and_the_notebook_written(jobs, tmp_path):
    proc = _run(jobs, tmp_path / "out", "-p", "fail", "True")
    assert proc.returncode == 1
    assert "cell 5 failed: ValueError: asked to fail" in proc.stderr
    meta = _meta(tmp_path / "out")
    assert meta["status"] == "failed" and meta["failed_cell"] == 5 and meta["ename"] == "ValueError"
    assert "SLEPT" not in outputs(tmp_path / "out" / "jobs.ipynb")


def test_cell_timeout(jobs, tmp_path):
    proc = _run(jobs, tmp_path / "out", "-p", "sleep", "60", "--cell-timeout", "2")
    assert proc.returncode == 1
    assert "cell 6 failed: timeout: over 2s" in proc.stderr
    assert _meta(tmp_path / "out")["failed_cell"] == 6


def test_total_timeout(jobs, tmp_path):
    proc = _run(jobs, tmp_path / "out", "-p", "sleep", "60", "--timeout", "4", "--cell-timeout", "100")
    assert proc.returncode == 1
    assert "cell 6 failed: timeout: the run took longer than 4s" in proc.stderr
    assert _meta(tmp_path / "out")["failed_cell"] == 6
    assert "SLEPT" not in outputs(tmp_path / "out" / "jobs.ipynb")  # the sleeping cell was interrupted


def test_sigterm_stops_cleanly_and_writes_the_notebook(jobs, tmp_path):
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, str(RUN_PY), str(jobs), "--output", str(out), "-p", "sleep", "60"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = ""
    while "cell 6" not in line:
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
    time.sleep(1)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 143
    assert "stopped by SIGTERM during cell 6" in proc.stderr.read()
    meta = _meta(out)
    assert meta["status"] == "stopped"
    assert "DONE" not in outputs(out / "jobs.ipynb")


def test_html_report_when_nbconvert_is_there(jobs, tmp_path):
    proc = _run(jobs, tmp_path / "out", "--html")
    assert proc.returncode == 0, proc.stderr
    assert "LABEL=" in (tmp_path / "out" / "jobs.html").read_text()


def test_unwritable_output_is_a_clear_error(jobs, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    proc = _run(jobs, blocker / "out")
    assert proc.returncode == 2 and "cannot write to" in proc.stderr


def test_figures_are_outputs_under_the_image_environment(tmp_path):
    """The image's environment (RUNTIME_ENV) keeps matplotlib's inline backend: plt.show() and a
    figure left at the end of a cell are image/png outputs, as in the kernel."""
    from jupyter_containerize.image.context import RUNTIME_ENV

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("import matplotlib.pyplot as plt\nplt.plot([1, 3, 2])\nplt.show()"),
                nbformat.v4.new_code_cell("fig, ax = plt.subplots()\nax.bar(['a', 'b'], [1, 2])")]
    nbformat.write(nb, tmp_path / "chart.ipynb")
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tmp_path),
           "MPLCONFIGDIR": str(tmp_path / "mpl"), "MPLBACKEND": RUNTIME_ENV["MPLBACKEND"]}
    proc = _run(tmp_path / "chart.ipynb", tmp_path / "out", env=env)
    assert proc.returncode == 0, proc.stderr
    done = nbformat.read(tmp_path / "out" / "chart.ipynb", as_version=4)
    for cell in done.cells:
        assert any("image/png" in o.get("data", {}) for o in cell.outputs), cell.outputs
