"""The resolution cache: keyed by pip's index configuration as the host's pip reads it
(PIP_* variables here), expiring after its time to live, holding no URL or credential.
The resolver is a counting fake (this is the cache's logic); pip's configuration is real."""

from __future__ import annotations

import json
import time

import pytest

import jupyter_containerize.lock as lock_module
from jupyter_containerize.lock import make_lock, pip
from jupyter_containerize.lock.index import IndexFile
from jupyter_containerize.models import Analysis, PackageEdits, PythonInfo

TOKEN = "CacheT0ken-93be"


class _Dist:
    def __init__(self, name, version):
        self.name, self.version, self.requires, self.direct_url = name, version, (), None


class _Env:
    prefix, conda, python_version, executable = "/nowhere", False, "3.11.7", "python"
    fingerprint = ""  # no fingerprint: its locks are not memoised
    distributions = {n: _Dist(n, v) for n, v in (("ipykernel", "6.29.5"), ("nbclient", "0.10.0"))}


class _Index:
    def prefetch(self, pins):
        pass

    def files(self, name, version):
        return [IndexFile(f"{name}-{version}-py3-none-any.whl", f"{abs(hash(name)):064x}"[:64])]

    def project_files(self, name):
        return []


@pytest.fixture
def resolutions(monkeypatch):
    """Every resolution the lock asks the resolver for (not served from the cache)."""
    calls = []

    def resolve(specs, target, constraints, index, builder, **kwargs):
        calls.append(list(specs))
        return [pip.ResolvedArtifact("tinydb", "4.8.0", "0" * 64, True, ())]

    monkeypatch.setattr(lock_module, "resolve", resolve)
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CONSTRAINT"):
        monkeypatch.delenv(name, raising=False)
    return calls


def _lock(cache_dir, **kwargs):
    analysis = Analysis(notebook="nb.ipynb", python=PythonInfo(version="3.11.7", executable="python"))
    the_lock = make_lock(analysis, _Env(), edits=PackageEdits(add=["tinydb==4.8.0"]), cache_dir=cache_dir,
                         index=_Index(), **kwargs)
    assert "tinydb" in {p.name for p in the_lock.packages}
    return the_lock


def test_another_index_configuration_misses_the_cache(resolutions, monkeypatch, tmp_path):
    _lock(tmp_path)
    _lock(tmp_path)
    assert len(resolutions) == 1  # the second lock is served from the cache

    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", f"https://user:{TOKEN}@extra.example.org/simple")
    _lock(tmp_path)
    assert len(resolutions) == 2
    _lock(tmp_path)
    assert len(resolutions) == 2

    monkeypatch.setenv("PIP_INDEX_URL", f"https://mirror:{TOKEN}@mirror.example.org:8443/pypi/simple")
    _lock(tmp_path)
    assert len(resolutions) == 3

    constraints = tmp_path / "constraints.txt"
    constraints.write_text("tinydb<5\n")
    monkeypatch.setenv("PIP_CONSTRAINT", str(constraints))
    _lock(tmp_path)
    constraints.write_text("tinydb<4.9\n")  # the same file, another content
    _lock(tmp_path)
    assert len(resolutions) == 5

    monkeypatch.delenv("PIP_INDEX_URL")
    monkeypatch.delenv("PIP_EXTRA_INDEX_URL")
    monkeypatch.delenv("PIP_CONSTRAINT")
    _lock(tmp_path)  # back to the first configuration: its entry is still there
    assert len(resolutions) == 5

    stored = list((tmp_path / "resolutions").glob("*.json"))
    assert len(stored) == 5
    for path in stored:
        text = path.read_text()
        for secret in (TOKEN, "example.org", "mirror", "://", "constraints.txt"):
            assert secret not in text, f"{secret!r} is in the cache file {path.name}"


def test_an_expired_resolution_is_made_again(resolutions, tmp_path):
    _lock(tmp_path, resolution_ttl=3600)
    _lock(tmp_path, resolution_ttl=3600)
    assert len(resolutions) == 1
    (entry,) = (tmp_path / "resolutions").glob("*.json")
    stored = json.loads(entry.read_text())
    stored["created"] = time.time() - 3601  # an hour and a second old
    entry.write_text(json.dumps(stored))
    _lock(tmp_path, resolution_ttl=3600)
    assert len(resolutions) == 2
    _lock(tmp_path, resolution_ttl=3600)  # the fresh entry replaced it
    assert len(resolutions) == 2
    _lock(tmp_path, resolution_ttl=0)  # 0: never cached
    assert len(resolutions) == 3


def test_entries_expire_after_a_day_by_default(resolutions, tmp_path):
    _lock(tmp_path)
    (entry,) = (tmp_path / "resolutions").glob("*.json")
    stored = json.loads(entry.read_text())
    stored["created"] = time.time() - 23 * 3600
    entry.write_text(json.dumps(stored))
    _lock(tmp_path)
    assert len(resolutions) == 1
    stored["created"] = time.time() - 25 * 3600
    entry.write_text(json.dumps(stored))
    _lock(tmp_path)
    assert len(resolutions) == 2
