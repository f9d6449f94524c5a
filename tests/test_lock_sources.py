"""The lock against a real kernel venv: exact closure, no resolver when the kernel has
everything, hashes for every Linux artifact, non-index sources shipped as wheels, an sdist-only
package built on the host, linux/arm64 from this amd64 host, and a fresh install with
``--require-hashes`` that reproduces the lock."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from jupyter_containerize import pipeline
from jupyter_containerize.errors import LockError
from jupyter_containerize.lock import make_lock, pip, render_lock
from jupyter_containerize.models import Analysis, PackageEdits, PythonInfo, Requirement

from .conftest import write_notebook

pytestmark = pytest.mark.network

PIP = ["-m", "pip", "install", "-q", "--disable-pip-version-check"]


def _tiny_package(root: Path, name: str, requires: str = "") -> Path:
    folder = root / name
    (folder / name).mkdir(parents=True)
    (folder / name / "__init__.py").write_text("VALUE = 1\n")
    (folder / "pyproject.toml").write_text(textwrap.dedent(f"""\
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "{name}"
        version = "0.1.0"
        dependencies = [{requires}]
        """))
    return folder


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """A kernel venv: requests (+ pysocks for its `socks` extra), click (colorama only on
    Windows), pytest (a tool the notebook does not use), docopt 0.6.2 (sdist only on PyPI),
    ipykernel + nbclient, and three non-index installs: an editable folder, a git commit and
    a local wheel file."""
    root = tmp_path_factory.mktemp("lock-kernel")
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    subprocess.run([python, *PIP, "requests==2.32.3", "pysocks", "click==8.1.7", "colorama", "pytest",
                    "docopt==0.6.2", "ipykernel", "nbclient", "setuptools>=68", "wheel"], check=True)
    editable = _tiny_package(root / "src", "tinyedit", '"idna"')
    subprocess.run([python, *PIP, "--no-build-isolation", "-e", str(editable)], check=True)
    repo = _tiny_package(root / "src", "tinyvcs")
    git = ["git", "-C", str(repo), "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "tiny"], check=True)
    commit = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run([python, *PIP, "--no-build-isolation", f"git+file://{repo}@{commit}"], check=True)
    wheels = root / "dist"
    subprocess.run([python, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(wheels),
                    str(_tiny_package(root / "src", "tinywheel"))], check=True)
    subprocess.run([python, *PIP, str(next(wheels.glob("tinywheel-*.whl")))], check=True)
    notebook = write_notebook(root / "nb.ipynb", "import requests\nimport click", "import docopt",
                              "import tinyedit, tinyvcs, tinywheel")
    return python, notebook, commit


def _lock(kernel, cache_dir, **kwargs):
    python, notebook, _ = kernel
    env = pipeline.kernel_environment(notebook, python=python)
    return make_lock(pipeline.analyse(notebook, env), env, cache_dir=cache_dir, **kwargs)


def test_kernel_only_lock_is_exact_and_calls_no_resolver(kernel, cache_dir, monkeypatch):
    def no_resolver(*args, **kwargs):
        raise AssertionError("the resolver was called although the kernel has every package")

    monkeypatch.setattr(pip, "resolve", no_resolver)
    lock = _lock(kernel, cache_dir, edits=PackageEdits(add=["requests[socks]"]))
    notebook = {p.name: p for p in lock.packages if p.group == "notebook"}
    assert set(notebook) == {"requests", "charset-normalizer", "idna", "urllib3", "certifi", "pysocks",
                             "click", "docopt", "tinyedit", "tinyvcs", "tinywheel"}
    names = {p.name for p in lock.packages}
    assert not names & {"pytest", "pluggy", "iniconfig", "colorama", "appnope", "setuptools", "wheel"}
    assert {"ipykernel", "nbclient", "pyzmq", "tornado"} <= names - set(notebook)
    assert all(p.source == "kernel" for p in lock.packages)
    assert notebook["requests"].version == "2.32.3" and notebook["click"].version == "8.1.7"
    assert notebook["pysocks"].reasons == ["via requests"]
    # every Linux artifact of the version (for pyzmq: amd64 and arm64 wheels, and the sdist)
    pyzmq = next(p for p in lock.packages if p.name == "pyzmq")
    assert len(pyzmq.hashes) >= 3
    assert notebook["idna"].reasons == ["via requests", "via tinyedit"]


def test_non_index_sources_and_sdists_are_shipped_as_wheels(kernel, cache_dir):
    _, _, commit = kernel
    lock = _lock(kernel, cache_dir)
    pins = {p.name: p for p in lock.packages}
    assert pins["tinyedit"].origin == "editable install" and pins["tinyedit"].wheel.startswith("tinyedit-0.1.0-")
    assert pins["tinyvcs"].origin.startswith("tinyvcs @ git+file://") and pins["tinyvcs"].origin.endswith(commit)
    assert pins["tinywheel"].origin == "local wheel file"
    assert pins["docopt"].wheel == "docopt-0.6.2-py2.py3-none-any.whl" or pins["docopt"].wheel.endswith("-none-any.whl")
    assert len(pins["docopt"].hashes) == 2  # the built wheel and the sdist
    for name in ("tinyedit", "tinyvcs", "tinywheel", "docopt"):
        assert (cache_dir / "wheels" / pins[name].wheel).is_file()
    text = render_lock(lock)
    assert f"# from tinyvcs @ git+file://" in text and "# shipped in the build context: wheels/tinyedit-" in text


def test_lock_installs_into_a_fresh_venv_with_require_hashes(kernel, cache_dir, tmp_path):
    lock = _lock(kernel, cache_dir, edits=PackageEdits(add=["requests[socks]"]))
    lock_file = tmp_path / "requirements.lock"
    lock_file.write_text(render_lock(lock))
    venv = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    subprocess.run([python, *PIP, "--require-hashes", "--no-deps", "--find-links", str(cache_dir / "wheels"),
                    "-r", str(lock_file)], check=True)
    frozen = subprocess.run([python, "-m", "pip", "freeze", "--all"], capture_output=True, text=True,
                            check=True).stdout.splitlines()
    got = set()
    for line in frozen:
        name, _, version = line.partition("==")
        if name.split(" @ ")[0] not in ("pip", "setuptools"):
            got.add(f"{canonicalize_name(name)}=={version}")
    assert got == {f"{p.name}=={p.version}" for p in lock.packages}


def test_arm64_lock_from_this_amd64_host(kernel, cache_dir):
    lock = _lock(kernel, cache_dir, platform="linux/arm64")
    assert lock.platform == "linux/arm64"
    amd64 = _lock(kernel, cache_dir)
    # the same pins and the same portable hash lists: only the header differs
    assert [(p.name, p.version, p.hashes) for p in lock.packages] == [
        (p.name, p.version, p.hashes) for p in amd64.packages]
    assert "# Python 3.11 on linux/arm64" in render_lock(lock)


class _Dist:
    def __init__(self, name, version):
        self.name, self.version, self.requires, self.direct_url, self.installer = name, version, (), None, "pip"


class _Env:
    def __init__(self, dists, python_version="3.11.7"):
        self.distributions = {d.name: d for d in dists}
        self.python_version, self.conda, self.prefix = python_version, False, "/nonexistent"


def _analysis(*names):
    return Analysis(notebook="nb.ipynb", python=PythonInfo(version="3.11.7", executable="python"),
                    requirements=[Requirement(name=n, source="kernel", reasons=[f"import {n} (cell 1)"])
                                  for n in names])


def test_a_pin_without_an_arm64_wheel_is_named_with_the_nearest_version(cache_dir):
    # triton 3.2.0 has x86_64 wheels only; later releases also ship aarch64 wheels
    env = _Env([_Dist("triton", "3.2.0"), _Dist("ipykernel", "6.29.5"), _Dist("nbclient", "0.10.0")])
    make_lock(_analysis("triton"), env, platform="linux/amd64", cache_dir=cache_dir)
    with pytest.raises(LockError, match=r"triton==3\.2\.0 has no distribution for linux/arm64 .*newer"):
        make_lock(_analysis("triton"), env, platform="linux/arm64", cache_dir=cache_dir)


def test_a_windows_only_pin_is_named(cache_dir):
    env = _Env([_Dist("pywin32", "306"), _Dist("ipykernel", "6.29.5"), _Dist("nbclient", "0.10.0")])
    with pytest.raises(LockError, match=r"pywin32==306 has no distribution for linux/amd64.*no version"):
        make_lock(_analysis("pywin32"), env, cache_dir=cache_dir)
