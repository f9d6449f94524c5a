"""pip's resolver for the target, with sdist-only packages built into wheels on the host.

The resolver runs with ``--platform``, which makes pip take wheels only (``--only-binary``):
it cannot run a build for another platform. So when it finds no wheel for a requirement
whose matching version has an sdist on the host's indexes, that sdist is built here (the same
:class:`~.sources.Builder` the pins use, so the wheel is built once and shipped in the build
context), offered to the resolver through a ``--find-links`` folder, and the resolution runs
again; each round builds one package, so a chain of sdist-only dependencies takes a round
each. A sdist that does not build fails the lock with the package named.
"""

from __future__ import annotations

import platform as host
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Optional

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from ..errors import LockError
from ..settings import Timeouts
from . import pip
from .artifacts import _python_ok, installable
from .index import IndexFile, PackageIndex
from .sources import Builder, Shipped
from .target import Target

MAX_BUILDS = 20  # sdist-only packages built for one resolution


def _pins(constraints: list[str]) -> dict[str, SpecifierSet]:
    found: dict[str, SpecifierSet] = {}
    for line in constraints:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        found[canonicalize_name(req.name)] = req.specifier
    return found


def sdist_candidate(files: list[IndexFile], specifier: SpecifierSet, target: Target) -> tuple[str, IndexFile] | None:
    """The highest version allowed by ``specifier`` (pre-releases only when it names one) that
    has an sdist usable with the target's Python and no wheel for the target."""
    by_version: dict[Version, list[IndexFile]] = {}
    for item in files:
        name_version = item.name_version()
        if name_version is None or item.yanked:
            continue
        try:
            by_version.setdefault(Version(name_version[1]), []).append(item)
        except InvalidVersion:
            continue
    for version in sorted(specifier.filter(by_version), reverse=True):
        items = by_version[version]
        sdists = [f for f in items if not f.is_wheel and _python_ok(f, target)]
        if sdists and not installable(items, target):
            return str(version), sdists[0]
    return None


class SdistNotBuilt(pip.NoDistribution):
    """The only file of a requirement for the target is an sdist that does not build here."""


def _build_for(requirement: str, constraints: dict[str, SpecifierSet], target: Target, index: PackageIndex,
               builder: Builder) -> Shipped | None:
    try:
        req = Requirement(requirement.rstrip(";"))
    except InvalidRequirement:
        return None
    name = canonicalize_name(req.name)
    specifier = req.specifier & constraints.get(name, SpecifierSet())
    found = sdist_candidate(index.project_files(name), specifier, target)
    if found is None:
        return None
    version, sdist = found
    try:
        return builder.from_sdist(name, version, sdist.sha256 or "", target)
    except LockError as exc:  # pip's build error, or a wheel built here that the target refuses
        raise SdistNotBuilt(f"{name}=={version} has no wheel for {target.platform}, only an sdist "
                            f"({sdist.filename}), and it cannot be built on the host: {exc}", name) from None


def _native_platforms(wheels: list[Path], target: Target) -> tuple[str, ...]:
    """``linux_<machine>`` when a wheel built here is one and the host is the target's
    architecture (such a wheel installs in a Debian base image; see Builder._host_native)."""
    tag = f"linux_{target.machine}"
    if host.system() != "Linux" or host.machine() != target.machine:
        return ()
    return (tag,) if any(t.platform == tag for w in wheels for t in parse_wheel_filename(w.name)[3]) else ()


def resolve(specs: list[str], target: Target, constraints: list[str], index: PackageIndex,
            builder: Builder, *, timeout: Optional[float] = Timeouts.pip,
            cancelled: Optional[threading.Event] = None) -> list[pip.ResolvedArtifact]:
    """pip's resolution of ``specs`` (each run of pip within ``timeout``, stopped by
    ``cancelled``), sdist-only packages built by ``builder`` between rounds."""
    pins = _pins(constraints)
    built: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="containerize-sdist-wheels-") as tmp:
        links = Path(tmp)
        while True:
            try:
                return pip.resolve(specs, target, constraints, find_links=(links,) if built else (),
                                   extra_platforms=_native_platforms(built, target),
                                   timeout=timeout, cancelled=cancelled)
            except pip.NoDistribution as exc:
                if len(built) >= MAX_BUILDS:
                    raise
                shipped = _build_for(exc.requirement, pins, target, index, builder)
                if shipped is None or (links / shipped.wheel.name).exists():
                    raise  # no sdist to build, or the built wheel did not help: pip's own message
                shutil.copyfile(shipped.wheel, links / shipped.wheel.name)
                built.append(links / shipped.wheel.name)
