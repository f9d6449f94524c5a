"""The lock memo: a rebuild whose analysed requirements, kernel environment, platform, edits
and index configuration are those of an earlier lock (within the resolution TTL) takes that
lock without pinning again. The pinning is a counting fake (this is the memo's logic); pip's
configuration is real."""

from __future__ import annotations

import json
import time

import pytest

import jupyter_containerize.lock as lock_module
from jupyter_containerize.lock import make_lock
from jupyter_containerize.models import Analysis, Lock, LockedPackage, PackageEdits, PythonInfo, Requirement


class _Env:
    prefix, conda, python_version, executable = "/nowhere", False, "3.11.7", "/nowhere/bin/python"

    def __init__(self, fingerprint="f1"):
        self.fingerprint = fingerprint
        self.distributions = {}


@pytest.fixture
def pinnings(monkeypatch):
    """Every lock actually made (not taken from the memo); ``pinnings.wheel`` makes the next
    locks ship a wheel built on the host."""
    calls = []

    def make(analysis, environment, platform, edits, *args, **kwargs):
        calls.append((environment.fingerprint, platform, tuple(edits.add)))
        package = LockedPackage(name="six", version="1.16.0", source="kernel", hashes=["sha256:" + "0" * 64],
                                wheel="six-1.16.0-py3-none-any.whl" if calls.wheel else None)
        return Lock(notebook=analysis.notebook, python_version="3.11", platform=platform, packages=[package])

    calls = type("Calls", (list,), {"wheel": False})()
    monkeypatch.setattr(lock_module, "_make_lock", make)
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CONSTRAINT"):
        monkeypatch.delenv(name, raising=False)
    return calls


def _analysis(*names: str) -> Analysis:
    return Analysis(notebook="nb.ipynb", python=PythonInfo(version="3.11.7", executable="python"),
                    requirements=[Requirement(name=n, version="1.16.0", source="kernel") for n in names])


def test_the_same_inputs_take_the_lock_made_before(pinnings, tmp_path):
    first = make_lock(_analysis("six"), _Env(), cache_dir=tmp_path)
    again = make_lock(_analysis("six"), _Env(), cache_dir=tmp_path)
    assert again == first and len(pinnings) == 1
    stored = json.loads(next((tmp_path / "locks").iterdir()).read_text())
    assert stored["lock"]["packages"][0]["name"] == "six"


@pytest.mark.parametrize("change", ["requirements", "environment", "platform", "edits", "index", "find-links file"])
def test_any_input_that_changes_the_lock_makes_it_again(pinnings, tmp_path, monkeypatch, change):
    links = tmp_path / "links"
    links.mkdir()
    (links / "six-1.16.0-py2.py3-none-any.whl").write_bytes(b"built once")
    monkeypatch.setenv("PIP_FIND_LINKS", str(links))
    make_lock(_analysis("six"), _Env(), cache_dir=tmp_path)
    analysis, env, kwargs = _analysis("six"), _Env(), {}
    if change == "requirements":
        analysis = _analysis("six", "tinydb")
    elif change == "environment":
        env = _Env("f2")  # a package installed into the kernel
    elif change == "platform":
        kwargs["platform"] = "linux/arm64"
    elif change == "edits":
        kwargs["edits"] = PackageEdits(add=["tinydb==4.8.0"])
    elif change == "find-links file":  # rebuilt under the same name: its hash changed
        (links / "six-1.16.0-py2.py3-none-any.whl").write_bytes(b"built again, another size")
    else:
        monkeypatch.setenv("PIP_INDEX_URL", "https://mirror.example/simple")
    make_lock(analysis, env, cache_dir=tmp_path, **kwargs)
    assert len(pinnings) == 2


def test_an_expired_or_host_built_lock_is_made_again(pinnings, tmp_path, monkeypatch):
    make_lock(_analysis("six"), _Env(), cache_dir=tmp_path, resolution_ttl=60)
    later = time.time() + 61
    monkeypatch.setattr(lock_module.time, "time", lambda: later)
    make_lock(_analysis("six"), _Env(), cache_dir=tmp_path, resolution_ttl=60)
    assert len(pinnings) == 2
    make_lock(_analysis("six"), _Env(), cache_dir=tmp_path, resolution_ttl=0)  # 0: nothing kept
    make_lock(_analysis("six"), _Env(), cache_dir=tmp_path, resolution_ttl=0)
    assert len(pinnings) == 4
    pinnings.wheel = True  # a local package's wheel may change under the same version
    other = tmp_path / "other"
    make_lock(_analysis("six"), _Env(), cache_dir=other)
    make_lock(_analysis("six"), _Env(), cache_dir=other)
    assert len(pinnings) == 6 and not (other / "locks").exists()


def test_a_torn_entry_is_made_again(pinnings, tmp_path):
    make_lock(_analysis("six"), _Env(), cache_dir=tmp_path)
    entry = next((tmp_path / "locks").iterdir())
    entry.write_text(entry.read_text()[:40])
    assert make_lock(_analysis("six"), _Env(), cache_dir=tmp_path).packages[0].name == "six"
    assert len(pinnings) == 2
