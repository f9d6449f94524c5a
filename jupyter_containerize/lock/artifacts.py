"""Which files of a pinned version the lock hashes, which one the target installs, and the
nearest version that has one when the pinned version has none."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from .index import IndexFile
from .target import Target


def _python_ok(item: IndexFile, target: Target) -> bool:
    if not item.requires_python:
        return True
    try:
        return SpecifierSet(item.requires_python).contains(target.python_full_version, prereleases=True)
    except InvalidSpecifier:
        return True


def portable(files: Iterable[IndexFile], target: Target) -> list[IndexFile]:
    """The sdists and the wheels any supported Linux platform (amd64, arm64) could install
    with the target's Python: the lock stays valid across architectures and for a build
    from source, while wheels for Windows, macOS or other Pythons stay out."""
    others = [Target(p, target.python_full_version) for p in ("linux/amd64", "linux/arm64")]
    return sorted(
        (f for f in files if not f.is_wheel or any(t.accepts_wheel(f.filename) for t in others)),
        key=lambda f: f.filename,
    )


def installable(files: Iterable[IndexFile], target: Target) -> list[IndexFile]:
    """The wheels pip would install in the target (tags and Requires-Python)."""
    return [f for f in files if f.is_wheel and target.accepts_wheel(f.filename) and _python_ok(f, target)]


def sdists(files: Iterable[IndexFile]) -> list[IndexFile]:
    return [f for f in files if not f.is_wheel]


@dataclass(frozen=True)
class Nearest:
    older: Optional[str]
    newer: Optional[str]

    def describe(self) -> str:
        found = [f"{v} ({w})" for v, w in ((self.older, "older"), (self.newer, "newer")) if v]
        return "nearest with one: " + " or ".join(found) if found else "no version of it has one"


def nearest(project_files: Iterable[IndexFile], version: str, target: Target) -> Nearest:
    """The closest older and newer versions with a wheel for the target (yanked ones skipped)."""
    pinned = Version(version)
    good: set[Version] = set()
    for item in installable(project_files, target):
        if item.yanked:
            continue
        try:
            candidate = Version((item.name_version() or ("", ""))[1])
        except InvalidVersion:
            continue
        if not candidate.is_prerelease or pinned.is_prerelease:
            good.add(candidate)
    older = max((v for v in good if v < pinned), default=None)
    newer = min((v for v in good if v > pinned), default=None)
    return Nearest(str(older) if older else None, str(newer) if newer else None)
