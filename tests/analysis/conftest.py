"""Shared helpers: notebooks written with nbformat, fake kernel environments, a fake index."""

from __future__ import annotations

import sys
from pathlib import Path
from types import MappingProxyType

import nbformat
import pytest

from jupyter_containerize.analysis import analyze_notebook
from jupyter_containerize.analysis.kernel import InstalledDistribution, KernelEnvironment, normalize

STDLIB_311 = frozenset(sys.stdlib_module_names)


def dist(name, version="1.0", top_level=None, requires=(), import_names=()):
    return InstalledDistribution(
        name=normalize(name),
        version=version,
        requires=tuple(requires),
        top_level=tuple(top_level if top_level is not None else [name.replace("-", "_")]),
        installer="pip",
        direct_url=None,
        import_names=tuple(import_names),
    )


def make_env(*dists, version="3.11.7", stdlib=STDLIB_311) -> KernelEnvironment:
    return KernelEnvironment(
        executable="/opt/kernel/bin/python",
        python_version=version,
        platform="linux",
        machine="x86_64",
        stdlib=frozenset(stdlib),
        distributions=MappingProxyType({d.name: d for d in dists}),
        fingerprint="fake-" + version + "-" + ",".join(d.name for d in dists),
        prefix="/opt/kernel",
        conda=False,
    )


class FakeIndex:
    """Says every name in ``known`` exists, every other name does not."""

    url = "https://index.example/simple"

    def __init__(self, known=()):
        self.known = set(known)
        self.asked: list[str] = []

    def __call__(self, name):
        self.asked.append(name)
        return name in self.known


def write_notebook(path: Path, *cells: str, language="python") -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": language}
    nb.cells = [
        nbformat.v4.new_markdown_cell(c[3:]) if c.startswith("md:") else nbformat.v4.new_code_cell(c) for c in cells
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


@pytest.fixture
def empty_env():
    return make_env()


@pytest.fixture
def analyze(tmp_path, empty_env):
    """analyze(*cells, env=None, index=None, root=None, name='nb.ipynb') -> Analysis"""

    def run(*cells, env=None, index=None, root=None, name="nb.ipynb"):
        path = write_notebook(tmp_path / name, *cells)
        return analyze_notebook(path, env or empty_env, root=root, index=index or (lambda n: None))

    return run


def req(analysis, name):
    found = [r for r in analysis.requirements if r.name == name]
    return found[0] if found else None


def names(analysis) -> set[str]:
    return {r.name for r in analysis.requirements}
