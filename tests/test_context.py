"""Build-context rendering is pure and deterministic (golden Dockerfile, identical tars)."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

from jupyter_containerize.image.context import ContextSpec, context_digest, context_tar, render_dockerfile, write_context

from .conftest import write_notebook

GOLDEN = Path(__file__).parent / "golden" / "Dockerfile"


def _spec(tmp_path: Path, **overrides) -> ContextSpec:
    notebook = write_notebook(tmp_path / "src" / "report.ipynb", "import six")
    wheel = tmp_path / "six-1.16.0-py2.py3-none-any.whl"
    wheel.write_bytes(b"not really a wheel")
    helper = tmp_path / "src" / "helpers.py"
    helper.write_text("X = 1\n")
    values = dict(notebook=notebook, base_image="python:3.11-slim", lock_text="six==1.16.0\n",
                  lock_digest="ab" * 32, python_version="3.11.7", wheels=(wheel,),
                  files=(("helpers.py", helper),), system_packages=("graphviz",))
    values.update(overrides)
    return ContextSpec(**values)


def test_dockerfile_matches_golden(tmp_path):
    rendered = render_dockerfile(_spec(tmp_path))
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(rendered)
    assert rendered == GOLDEN.read_text()


def test_layers_are_ordered_by_how_often_they_change(tmp_path):
    lines = [ln for ln in render_dockerfile(_spec(tmp_path)).splitlines() if ln.startswith(("FROM", "COPY", "RUN"))]
    final = lines[[i for i, ln in enumerate(lines) if ln.startswith("FROM")][1]:]
    order = [next(i for i, ln in enumerate(final) if key in ln)
             for key in ("apt-get", "--from=builder", "runner/", "files/", "notebook/")]
    assert order == sorted(order)
    assert final[-1].startswith("COPY --chown=1000:1000 notebook/")


def test_context_is_byte_identical_for_the_same_inputs(tmp_path):
    spec = _spec(tmp_path)
    first = write_context(spec, tmp_path / "ctx1")
    second = write_context(spec, tmp_path / "ctx2")
    os.utime(second / "Dockerfile", (0, 12345))  # timestamps must not matter
    assert context_digest(first) == context_digest(second)
    with tarfile.open(fileobj=context_tar(first)) as tar:
        names = tar.getnames()
        assert names == sorted(names)
        assert {m.mtime for m in tar.getmembers()} == {0}
        assert "wheels/six-1.16.0-py2.py3-none-any.whl" in names and "files/helpers.py" in names


def test_no_system_packages_no_apt_layer(tmp_path):
    assert "apt-get" not in render_dockerfile(_spec(tmp_path, system_packages=()))
