"""Conda kernels: what ``conda-meta/`` says about the packages the lock pins from PyPI.

A conda package's Python part usually has a PyPI release of the same name and version; its
conda dependencies on native libraries (BLAS, compilers' runtimes, ...) do not: a PyPI wheel
bundles what it needs, or the image needs system packages. Both facts become warnings, so
nothing is dropped silently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name

from ..analysis.tables import load

# conda dependencies every Python package has; no warning for them
_ALWAYS_THERE = {"python", "python_abi", "pip", "setuptools", "wheel"}


@dataclass(frozen=True)
class CondaPackage:
    name: str  # conda name
    version: str
    channel: str = ""
    depends: tuple[str, ...] = field(default_factory=tuple)


def read_conda_meta(prefix: str | Path) -> dict[str, CondaPackage]:
    """The conda packages of an environment, by conda name."""
    found: dict[str, CondaPackage] = {}
    folder = Path(prefix) / "conda-meta"
    if not folder.is_dir():
        return found
    for path in sorted(folder.glob("*.json")):
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if not isinstance(record, dict) or not record.get("name"):
            continue
        found[record["name"]] = CondaPackage(
            record["name"], str(record.get("version", "")), str(record.get("channel", "")),
            tuple(str(d).split()[0] for d in record.get("depends") or ()),
        )
    return found


def pypi_name(conda_name: str) -> str | None:
    """The PyPI distribution a conda package is (``pytorch`` -> ``torch``); None when it has none."""
    mapped = load("conda.json").get(conda_name)
    if mapped == "-":
        return None
    return canonicalize_name(mapped or conda_name)


def conda_origin(name: str, conda: dict[str, CondaPackage], installer: str | None) -> CondaPackage | None:
    """The conda package behind the kernel's distribution ``name``, if conda installed it."""
    for package in conda.values():
        if pypi_name(package.name) == name:
            return package
    return CondaPackage(name, "") if (installer or "").strip().lower() == "conda" else None


def native_dependencies(package: CondaPackage, conda: dict[str, CondaPackage], python_names: set[str]) -> list[str]:
    """The conda dependencies of ``package`` with no Python distribution in the kernel."""
    return sorted(d for d in package.depends
                  if d not in _ALWAYS_THERE and d in conda and pypi_name(d) not in python_names)
