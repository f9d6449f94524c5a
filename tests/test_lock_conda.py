"""Conda kernels, from a fabricated ``conda-meta/`` folder and a fake index (no conda here)."""

from __future__ import annotations

import json

from jupyter_containerize.lock import make_lock
from jupyter_containerize.lock.conda import pypi_name, read_conda_meta
from jupyter_containerize.lock.index import IndexFile
from jupyter_containerize.models import Analysis, PythonInfo, Requirement


class _Dist:
    def __init__(self, name, version, requires=(), installer="conda"):
        self.name, self.version, self.requires, self.installer, self.direct_url = name, version, tuple(requires), installer, None


class _Env:
    fingerprint = ""  # no fingerprint: its locks are not memoised

    def __init__(self, prefix, dists):
        self.prefix, self.conda, self.python_version = str(prefix), True, "3.11.7"
        self.distributions = {d.name: d for d in dists}


class _Index:
    """name -> {version: [file names]}; every file hashed by its name."""

    def __init__(self, releases):
        self.releases = releases

    def prefetch(self, pins):
        pass

    def files(self, name, version):
        return [IndexFile(f, f"{abs(hash(f)):064x}"[:64]) for f in self.releases.get(name, {}).get(version, [])]

    def project_files(self, name):
        return [f for v in self.releases.get(name, {}) for f in self.files(name, v)]


def _meta(prefix, name, version, depends=()):
    folder = prefix / "conda-meta"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}-{version}-0.json").write_text(json.dumps(
        {"name": name, "version": version, "channel": "conda-forge", "depends": list(depends)}))


def test_conda_packages_pinned_to_pypi_with_warnings(tmp_path):
    _meta(tmp_path, "numpy", "1.26.4", ["libblas >=3.9", "python >=3.11", "python_abi 3.11.* *_cp311"])
    _meta(tmp_path, "libblas", "3.9.0")
    _meta(tmp_path, "python", "3.11.7")
    _meta(tmp_path, "pytorch", "2.1.0.post100")
    _meta(tmp_path, "ipykernel", "6.29.5")
    _meta(tmp_path, "nbclient", "0.10.0")
    assert set(read_conda_meta(tmp_path)) == {"numpy", "libblas", "python", "pytorch", "ipykernel", "nbclient"}
    assert pypi_name("pytorch") == "torch" and pypi_name("libblas") == "libblas" and pypi_name("cudatoolkit") is None
    env = _Env(tmp_path, [_Dist("numpy", "1.26.4"), _Dist("torch", "2.1.0.post100"),
                          _Dist("ipykernel", "6.29.5"), _Dist("nbclient", "0.10.0")])
    index = _Index({
        "numpy": {"1.26.4": ["numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.whl", "numpy-1.26.4.tar.gz"]},
        "torch": {"2.1.0": ["torch-2.1.0-cp311-cp311-manylinux1_x86_64.whl"],
                  "2.1.1": ["torch-2.1.1-cp311-cp311-manylinux1_x86_64.whl"]},
        "ipykernel": {"6.29.5": ["ipykernel-6.29.5-py3-none-any.whl"]},
        "nbclient": {"0.10.0": ["nbclient-0.10.0-py3-none-any.whl"]},
    })
    analysis = Analysis(notebook="nb.ipynb", python=PythonInfo(version="3.11.7", executable="python"),
                        requirements=[Requirement(name=n, source="kernel", reasons=[f"import {n}"]) for n in ("numpy", "torch")])
    lock = make_lock(analysis, env, index=index, cache_dir=tmp_path / "cache")
    pins = {p.name: p for p in lock.packages}
    assert pins["numpy"].version == "1.26.4" and pins["numpy"].origin == "conda" and len(pins["numpy"].hashes) == 2
    assert pins["torch"].version == "2.1.0"  # the nearest PyPI release of conda's 2.1.0.post100
    assert any("torch==2.1.0.post100 (conda) is not on PyPI" in w and "2.1.0" in w for w in lock.warnings)
    assert any(w.startswith("numpy (conda) depends on conda packages with no PyPI counterpart: libblas")
               for w in lock.warnings)
