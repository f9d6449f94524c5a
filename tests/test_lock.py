"""The lock against real interpreters and the real index (pip's resolver)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from jupyter_containerize import pipeline
from jupyter_containerize.errors import InvalidRequest, LockError
from jupyter_containerize.lock import render_lock
from jupyter_containerize.lock.closure import kernel_closure
from jupyter_containerize.lock.target import Target
from jupyter_containerize.models import PackageEdits
from jupyter_containerize.settings import Settings

from .conftest import write_notebook


class _Dist:
    def __init__(self, version, requires=()):
        self.version, self.requires = version, tuple(requires)


def test_closure_follows_markers_for_the_target_and_extras():
    dists = {
        "a": _Dist("1.0", ["b>=1", "winonly; sys_platform == 'win32'", "c[fast]", "d; extra == 'docs'"]),
        "b": _Dist("2.0", ["a"]),  # a cycle
        "c": _Dist("3.0", ["e; extra == 'fast'", "f; python_version < '3.8'"]),
        "e": _Dist("4.0"),
        "winonly": _Dist("1.0"),
    }
    closure = kernel_closure({"a": ["import a (cell 1)"]}, dists, Target("linux/amd64", "3.11.7"))
    assert {n: p.version for n, p in closure.pins.items()} == {"a": "1.0", "b": "2.0", "c": "3.0", "e": "4.0"}
    assert closure.pins["e"].reasons == ["via c"]
    assert closure.missing == {}


def test_closure_sends_what_the_kernel_lacks_to_the_resolver():
    dists = {"a": _Dist("1.0", ["zzz>=2", "b<2"]), "b": _Dist("2.0")}
    closure = kernel_closure({"a": ["import a"]}, dists, Target("linux/arm64", "3.12.1"))
    assert closure.missing == {"zzz": ["zzz>=2"], "b": ["b<2"]}
    assert "b" not in closure.pins


def test_target_rejects_non_linux_platforms():
    with pytest.raises(InvalidRequest):
        Target("windows/amd64", "3.11.7")


@pytest.mark.network
def test_lock_pins_the_kernels_versions_not_the_servers(tmp_path, six_kernel, cache_dir):
    notebook = write_notebook(tmp_path / "nb.ipynb", "import six\nprint(six.__version__)")
    env = pipeline.kernel_environment(notebook, python=str(six_kernel))
    analysis = pipeline.analyse(notebook, env, tmp_path)
    lock = pipeline.lock(analysis, env, Settings(cache_dir=cache_dir))
    pins = {p.name: p for p in lock.packages}
    assert pins["six"].version == "1.16.0"  # the server has another six
    assert pins["six"].group == "notebook" and pins["six"].source == "kernel"
    assert any(r.startswith("import six") for r in pins["six"].reasons)
    # the kernel venv has no ipykernel: the runner group is resolved for the target
    assert pins["ipykernel"].group == "runner" and pins["ipykernel"].source == "resolver"
    assert all(p.hashes and p.hashes[0].startswith("sha256:") for p in lock.packages)
    text = render_lock(lock)
    assert "# Python 3.11 on linux/amd64" in text.splitlines()[1]
    assert "six==1.16.0 \\\n    --hash=sha256:" in text


@pytest.mark.network
def test_lock_installs_with_require_hashes(tmp_path, six_kernel, cache_dir):
    notebook = write_notebook(tmp_path / "nb.ipynb", "import six")
    env = pipeline.kernel_environment(notebook, python=str(six_kernel))
    lock = pipeline.lock(pipeline.analyse(notebook, env), env, Settings(cache_dir=cache_dir),
                         edits=PackageEdits(add=["idna==3.7"]))
    lock_file = tmp_path / "requirements.lock"
    lock_file.write_text(render_lock(lock))
    venv = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin/python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    "--require-hashes", "-r", str(lock_file)], check=True)
    frozen = subprocess.run([str(venv / "bin/python"), "-m", "pip", "freeze"], capture_output=True,
                            text=True, check=True).stdout.split()
    frozen = [f"{canonicalize_name(n)}=={v}" for n, v in (line.split("==") for line in frozen)]
    assert sorted(frozen) == sorted(f"{p.name}=={p.version}" for p in lock.packages)
    assert "idna==3.7" in frozen


@pytest.mark.network
def test_lock_names_a_package_that_does_not_exist(tmp_path, six_kernel, cache_dir):
    notebook = write_notebook(tmp_path / "nb.ipynb", "import six")
    env = pipeline.kernel_environment(notebook, python=str(six_kernel))
    with pytest.raises(LockError, match="no-such-package-containerize-test"):
        pipeline.lock(pipeline.analyse(notebook, env), env, Settings(cache_dir=cache_dir),
                      edits=PackageEdits(add=["no-such-package-containerize-test==1.0"]))


@pytest.mark.network
def test_a_guess_nothing_installs_is_left_out_with_a_warning(tmp_path, six_kernel, cache_dir):
    """A name guessed from an import the kernel lacks (the notebook fails at that import in its
    kernel too), with no file the target can install: the lock goes on without it and says so,
    where it failed the build (ThinkBayes2's `import thinkbayes2`). A name the user or the
    kernel asks for still fails the lock (test above)."""
    from jupyter_containerize.models import Requirement

    notebook = write_notebook(tmp_path / "nb.ipynb", "import six")
    env = pipeline.kernel_environment(notebook, python=str(six_kernel))
    analysis = pipeline.analyse(notebook, env)
    guess = Requirement(name="no-such-package-containerize-guess", source="guess",
                        reasons=["import no_such_package_containerize_guess (cell 1)"])
    analysis = analysis.model_copy(update={"requirements": [*analysis.requirements, guess]})
    lock = pipeline.lock(analysis, env, Settings(cache_dir=cache_dir))
    names = {p.name for p in lock.packages}
    assert "six" in names and "no-such-package-containerize-guess" not in names
    assert any(w.startswith("no-such-package-containerize-guess left out: named by an import")
               for w in lock.warnings)


def _wheel(folder: Path, name: str, version: str, requires: list[str]) -> Path:
    """A minimal pure-Python wheel (one module) whose metadata requires ``requires``."""
    import base64
    import hashlib
    import zipfile

    dist = f"{name.replace('-', '_')}-{version}"
    files = {
        f"{name.replace('-', '_')}.py": b"",
        f"{dist}.dist-info/METADATA": ("Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n"
                                       + "".join(f"Requires-Dist: {r}\n" for r in requires)).encode(),
        f"{dist}.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(f"{path},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},"
                     f"{len(data)}\n" for path, data in files.items()) + f"{dist}.dist-info/RECORD,,\n"
    path = folder / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name_in, data in files.items():
            archive.writestr(name_in, data)
        archive.writestr(f"{dist}.dist-info/RECORD", record)
    return path


@pytest.mark.network
@pytest.mark.parametrize("source", ["guess", "alias"])
def test_guesses_that_conflict_with_the_kernel_are_left_out_with_pips_cause(source, tmp_path, six_kernel, cache_dir,
                                                                            monkeypatch):
    """A guessed name (the kernel lacks it) whose distribution cannot be installed beside the
    kernel's pins (ThinkBayes2's `thinkbayes2`, which pins older libraries) made the whole lock
    fail with pip's ResolutionImpossible; it is left out with a warning that says why. The
    conflict here: a wheel beside the index that needs six<1.10 where the kernel has 1.16.0."""
    from jupyter_containerize.models import Requirement

    links = tmp_path / "links"
    links.mkdir()
    _wheel(links, "containerize-conflicting-guess", "1.0", ["six<1.10"])
    monkeypatch.setenv("PIP_FIND_LINKS", str(links))
    notebook = write_notebook(tmp_path / "nb.ipynb", "import six")
    env = pipeline.kernel_environment(notebook, python=str(six_kernel))
    analysis = pipeline.analyse(notebook, env)
    guess = Requirement(name="containerize-conflicting-guess", source=source,  # alias: pymc3 in ThinkBayes2
                        reasons=["import containerize_conflicting_guess (cell 1)"])
    analysis = analysis.model_copy(update={"requirements": [*analysis.requirements, guess]})
    lock = pipeline.lock(analysis, env, Settings(cache_dir=cache_dir))
    pins = {p.name: p.version for p in lock.packages}
    assert pins.get("six") == "1.16.0" and "containerize-conflicting-guess" not in pins
    (warning,) = [w for w in lock.warnings if w.startswith("containerize-conflicting-guess left out")]
    assert "cannot be installed beside the kernel's packages" in warning and "depends on six<1.10" in warning

    # the same conflict asked for by the user (not a guess) still fails the lock, naming pip's cause
    with pytest.raises(LockError, match=r"conflicting requirements: containerize-conflicting-guess 1.0 depends on six<1.10"):
        pipeline.lock(pipeline.analyse(notebook, env), env, Settings(cache_dir=cache_dir),
                      edits=PackageEdits(add=["containerize-conflicting-guess==1.0"]))


@pytest.mark.network
def test_a_guess_whose_only_file_is_an_sdist_that_does_not_build_is_left_out(tmp_path, six_kernel, cache_dir,
                                                                              monkeypatch):
    """scipy-cookbook's KDTree example imports `processing`, a Python 2-era package the kernel
    lacks: its only file is an sdist whose setup.py is Python 2, and the whole build failed. A
    guess whose sdist does not build is left out with the build's cause, like a guess nothing
    installs; the same sdist asked for by the user still fails the lock."""
    import tarfile

    from jupyter_containerize.models import Requirement

    links = tmp_path / "links"
    links.mkdir()
    source = tmp_path / "containerize-py2-guess-0.52"
    source.mkdir()
    (source / "setup.py").write_text("print 'a Python 2 setup script'\n")
    (source / "PKG-INFO").write_text("Metadata-Version: 1.0\nName: containerize-py2-guess\nVersion: 0.52\n")
    with tarfile.open(links / "containerize-py2-guess-0.52.tar.gz", "w:gz") as archive:
        archive.add(source, arcname=source.name)
    monkeypatch.setenv("PIP_FIND_LINKS", str(links))
    notebook = write_notebook(tmp_path / "nb.ipynb", "import six")
    env = pipeline.kernel_environment(notebook, python=str(six_kernel))
    analysis = pipeline.analyse(notebook, env)
    guess = Requirement(name="containerize-py2-guess", source="guess", reasons=["import containerize_py2_guess (cell 1)"])
    lock = pipeline.lock(analysis.model_copy(update={"requirements": [*analysis.requirements, guess]}), env,
                         Settings(cache_dir=cache_dir))
    assert "containerize-py2-guess" not in {p.name for p in lock.packages}
    (warning,) = [w for w in lock.warnings if w.startswith("containerize-py2-guess left out")]
    assert "only file for linux/amd64 is an sdist that does not build here" in warning

    with pytest.raises(LockError, match="containerize-py2-guess==0.52 has no wheel for linux/amd64, only an sdist"):
        pipeline.lock(analysis, env, Settings(cache_dir=cache_dir),
                      edits=PackageEdits(add=["containerize-py2-guess==0.52"]))
