"""The stale check on the real engine with a kernel of its own: a package upgraded in the
kernel and an edited cell are named; a save that changes neither the imports nor the kernel
does not lock again; a removed image is said so."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone

import nbformat
import pytest

from jupyter_containerize import pipeline
from jupyter_containerize.api_models import BuildJob, BuildState
from jupyter_containerize.builds import BuildManager
from jupyter_containerize.models import BuildRequest
from jupyter_containerize.settings import Settings
from jupyter_containerize.share.stale import StaleChecker
from jupyter_containerize.store import JobStore

from .conftest import BASE_IMAGE, write_notebook

pytestmark = pytest.mark.engine


class Silent:
    def phase(self, name, message): ...
    def log(self, message): ...
    def progress(self, step, steps, percent, message): ...


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """A kernel interpreter of this test's own (the test upgrades a package in it)."""
    venv = tmp_path_factory.mktemp("stale-kernel") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "six==1.16.0"],
                   check=True)
    return python


def test_an_upgraded_package_and_an_edited_cell_are_named(engine, cache_dir, kernel, tmp_path, monkeypatch):
    root = tmp_path / "root"
    notebook = write_notebook(root / "nb.ipynb", "import six", "print(six.__version__)")
    settings = Settings(cache_dir=cache_dir, base_image=BASE_IMAGE)
    request = BuildRequest(path=str(notebook), python=str(kernel), tag="containerize-test/stale:1")
    result = pipeline.build_image(request, notebook, root=root, settings=settings, engine=engine, reporter=Silent())
    store = JobStore(":memory:")
    now = datetime.now(timezone.utc)
    store.save(BuildJob(id="0123456789ab", notebook="nb.ipynb", request=request, state=BuildState.succeeded,
                        created=now, finished=now, result=result))
    checker = StaleChecker(BuildManager(root=root, settings=settings, engine_factory=lambda: engine, store=store))
    fresh = checker.check(notebook, "nb.ipynb")
    assert (fresh.stale, fresh.changes, fresh.image, fresh.problem) == (False, [], "containerize-test/stale:1", None)
    labels = engine.inspect(result.image_id).labels
    assert labels["io.jupyter.containerize.notebook-cells"].count(" ") == 1
    assert labels["io.jupyter.containerize.notebook-digest"].startswith("sha256:")

    locks = []
    real_lock = pipeline.lock
    monkeypatch.setattr(pipeline, "lock", lambda *a, **k: locks.append(1) or real_lock(*a, **k))
    nb = nbformat.read(notebook, as_version=4)
    nb.cells[1].source = "print('six', six.__version__)"
    nbformat.write(nb, notebook)
    edited = checker.check(notebook, "nb.ipynb")
    assert edited.stale and edited.summary == "cell 2 edited"
    assert locks == []  # same imports, same kernel: the lock is not made again

    subprocess.run([str(kernel), "-m", "pip", "install", "-q", "--disable-pip-version-check", "six==1.17.0"],
                   check=True)
    upgraded = checker.check(notebook, "nb.ipynb")
    assert upgraded.summary == "six 1.16.0 -> 1.17.0 in the kernel; cell 2 edited"
    assert locks == [1]
    assert upgraded.changes[0].model_dump() == {"kind": "package", "change": "changed", "name": "six",
                                                "before": "1.16.0", "after": "1.17.0", "cell": None}

    engine.delete_image("containerize-test/stale:1")
    gone = checker.check(notebook, "nb.ipynb")
    assert gone.stale and gone.summary == "the image containerize-test/stale:1 is no longer on the engine"
