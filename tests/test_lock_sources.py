"""The lock against a real kernel venv: exact closure, no resolver when the kernel has
everything, hashes for every Linux artifact, non-index sources shipped as wheels (a git commit
written as ``name==version`` + hash + ``# from`` comment), an sdist-only package built on the
host, sdist-only packages that only the resolver finds built likewise (or named when they do
not build), linux/arm64 from this amd64 host, and a fresh install with ``--require-hashes``
that reproduces the lock."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from jupyter_containerize import pipeline
from jupyter_containerize.errors import LockError
from jupyter_containerize.lock import make_lock, pip, render_lock
from jupyter_containerize.lock.wheelhouse import file_sha256
from jupyter_containerize.models import Analysis, PackageEdits, PythonInfo, Requirement

from .conftest import write_notebook
from .local_packages import git_commit_all, sdist, tiny_package

pytestmark = pytest.mark.network

PIP = ["-m", "pip", "install", "-q", "--disable-pip-version-check"]


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
    editable = tiny_package(root / "src", "tinyedit", '"idna"')
    subprocess.run([python, *PIP, "--no-build-isolation", "-e", str(editable)], check=True)
    repo = tiny_package(root / "src", "tinyvcs")
    commit = git_commit_all(repo)
    subprocess.run([python, *PIP, "--no-build-isolation", f"git+file://{repo}@{commit}"], check=True)
    wheels = root / "dist"
    subprocess.run([python, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(wheels),
                    str(tiny_package(root / "src", "tinywheel"))], check=True)
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
    assert pins["docopt"].origin == "sdist on the index, built on the host"
    assert pins["docopt"].wheel.startswith("docopt-0.6.2-") and pins["docopt"].wheel.endswith("-none-any.whl")
    assert pins["docopt"].hashes[0] == f"sha256:{file_sha256(cache_dir / 'wheels' / pins['docopt'].wheel)}"
    assert len(pins["docopt"].hashes) == 2  # the built wheel and the sdist
    for name in ("tinyedit", "tinyvcs", "tinywheel", "docopt"):
        assert (cache_dir / "wheels" / pins[name].wheel).is_file()
    text = render_lock(lock)
    assert "# from tinyvcs @ git+file://" in text and "# shipped in the build context: wheels/tinyedit-" in text


def test_a_vcs_install_is_locked_by_version_and_wheel_hash_with_its_commit_in_a_comment(kernel, cache_dir):
    """pip refuses VCS references under --require-hashes, so the commit is built into a wheel
    on the host and the lock pins ``name==version`` by that wheel's hash; the commit is kept in
    a comment (README, "lock")."""
    _, _, commit = kernel
    lock = _lock(kernel, cache_dir)
    tinyvcs = next(p for p in lock.packages if p.name == "tinyvcs")
    wheel = cache_dir / "wheels" / tinyvcs.wheel
    assert tinyvcs.hashes == [f"sha256:{file_sha256(wheel)}"]
    lines = render_lock(lock).splitlines()
    start = lines.index("tinyvcs==0.1.0 \\")
    block = lines[start:start + 5]
    assert block[1] == f"    --hash=sha256:{file_sha256(wheel)}"
    origin = next(line for line in block if line.startswith("    # from "))
    assert origin.startswith("    # from tinyvcs @ git+file:///") and origin.endswith(f"@{commit}")
    assert f"    # shipped in the build context: wheels/{tinyvcs.wheel}" in block
    assert not any(line.startswith("tinyvcs @") or "git+" in line.split("#")[0] for line in lines)


@pytest.fixture
def sdist_links(tmp_path, monkeypatch) -> Path:
    """A --find-links folder of sdists only, added to the host's pip configuration."""
    links = tmp_path / "links"
    sdist(links, "tinysdist", "0.1.0")
    sdist(links, "tinysdist", "0.2.0", '"tinysdep>=0.1"')
    sdist(links, "tinysdep", "0.1.0")
    sdist(links, "tinybroken", "0.1.0", broken=True)
    monkeypatch.setenv("PIP_FIND_LINKS", f"{os.environ.get('PIP_FIND_LINKS', '')} {links}".strip())
    return links


def test_sdist_only_packages_the_resolver_finds_are_built_and_shipped(kernel, cache_dir, sdist_links, tmp_path):
    # the kernel lacks tinysdist; its only files (and its dependency's) are sdists
    lock = _lock(kernel, cache_dir, edits=PackageEdits(add=["tinysdist"]))
    pins = {p.name: p for p in lock.packages}
    for name, version, reason in (("tinysdist", "0.2.0", "added by you"), ("tinysdep", "0.1.0", "via tinysdist")):
        pin = pins[name]
        assert (pin.version, pin.group, pin.reasons) == (version, "notebook", [reason])
        assert pin.source in ("user", "resolver") and pin.origin == "sdist on the index, built on the host"
        assert pin.wheel == f"{name}-{version}-py3-none-any.whl"
        sdist = sdist_links / f"{name}-{version}.tar.gz"
        wheel = cache_dir / "wheels" / pin.wheel
        assert pin.hashes == [f"sha256:{file_sha256(wheel)}", f"sha256:{file_sha256(sdist)}"]
    # the two pins install offline from the shipped wheels with --require-hashes
    lock_file = tmp_path / "sdist.lock"
    lock_file.write_text(render_lock(lock.model_copy(update={
        "packages": [pins["tinysdist"], pins["tinysdep"]]})))
    venv = tmp_path / "fresh"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), *PIP[2:], "--no-index",
                    "--require-hashes", "--no-deps", "--find-links", str(cache_dir / "wheels"),
                    "-r", str(lock_file)], check=True)
    out = subprocess.run([str(venv / "bin" / "python"), "-c", "import tinysdist, tinysdep; print(tinysdist.VERSION)"],
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "0.2.0"


def test_an_sdist_that_does_not_build_fails_the_lock_naming_it(kernel, cache_dir, sdist_links):
    with pytest.raises(LockError) as failed:
        _lock(kernel, cache_dir, edits=PackageEdits(add=["tinybroken"]))
    message = str(failed.value)
    assert "tinybroken==0.1.0 has no wheel for linux/amd64, only an sdist (tinybroken-0.1.0.tar.gz)" in message
    assert "cannot be built on the host: Building a wheel of tinybroken==0.1.0 failed" in message
    assert "tinybroken does not build here: missing libfoo" in message  # the build's own words


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
    assert {"requests==2.32.3", "pysocks==1.7.1", "docopt==0.6.2", "tinyvcs==0.1.0"} <= got
    assert got == {f"{p.name}=={p.version}" for p in lock.packages}


def test_arm64_lock_from_this_amd64_host(kernel, cache_dir, tmp_path):
    lock = _lock(kernel, cache_dir, platform="linux/arm64")
    amd64 = _lock(kernel, cache_dir)
    # the same pins and the same portable hash lists: only the header differs
    assert [(p.name, p.version, p.hashes) for p in lock.packages] == [
        (p.name, p.version, p.hashes) for p in amd64.packages]
    # pip, asked for aarch64 wheels only, finds one for every pin and accepts its hash
    lock_file = tmp_path / "arm64.lock"
    lock_file.write_text(render_lock(lock))
    aarch64 = [arg for minor in range(17, 37) for arg in ("--platform", f"manylinux_2_{minor}_aarch64")]
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps",
                    "--only-binary=:all:", "--python-version", "3.11", "--implementation", "cp",
                    "--platform", "manylinux2014_aarch64", *aarch64, "--require-hashes",
                    "--find-links", str(cache_dir / "wheels"), "-d", str(tmp_path / "arm64"), "-r", str(lock_file)],
                   check=True)
    downloaded = {p.name for p in (tmp_path / "arm64").glob("*.whl")}
    assert len(downloaded) == len(lock.packages)
    assert any(n.startswith("pyzmq-") and "aarch64" in n for n in downloaded), sorted(downloaded)


class _Dist:
    def __init__(self, name, version):
        self.name, self.version, self.requires, self.direct_url, self.installer = name, version, (), None, "pip"


class _Env:
    fingerprint = ""  # no fingerprint: its locks are not memoised

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
