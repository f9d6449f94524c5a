"""Needs + the kernel's versions -> a pinned, hashed lock for a target platform.

``make_lock`` pins everything the kernel has to the kernel's version, hands the rest to
pip's resolver (with those pins as exact requirements), and keeps for every package why it
is there. ``render_lock`` writes the pip requirements file that goes into the image.

Resolutions are cached on disk for ``resolution_ttl`` seconds, keyed by the requirements,
the target and a digest of pip's index configuration (:meth:`.pip.IndexConfig.fingerprint`):
another index, extra index, find-links or constraint file is another key, and the cache
holds no URL. ``cancelled`` and ``timeouts`` reach every pip run and index request.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from .. import cachedir
from ..errors import Cancelled, InvalidRequest, LockError
from ..models import Analysis, Lock, PackageEdits
from ..settings import RESOLUTION_TTL, Timeouts
from . import pip
from .closure import kernel_closure
from .index import PackageIndex
from .pinning import pin_for_target
from .resolving import SdistNotBuilt, resolve
from .sources import Builder
from .target import Target

# What the runner inside the image needs to execute a notebook headless.
RUNNER_REQUIREMENTS = ("ipykernel", "nbclient")


def _parse_spec(spec: str) -> Requirement:
    try:
        return Requirement(spec)
    except InvalidRequirement as exc:
        raise InvalidRequest(f"Invalid package spec {spec!r}: {exc}") from None


def _roots(analysis: Analysis, environment, edits: PackageEdits):
    removed = {canonicalize_name(n) for n in edits.remove}
    roots: dict[str, list[str]] = {}
    specs: dict[str, str] = {}
    warnings: list[str] = []
    for req in analysis.requirements:
        if req.name in removed:
            continue
        if req.optional and req.name not in environment.distributions:
            warnings.append(f"{req.name} left out: optional import and not in the kernel")
            continue
        roots[req.name] = list(req.reasons)
    for spec in edits.add:
        req = _parse_spec(spec)
        name = canonicalize_name(req.name)
        roots.setdefault(name, []).append("added by you")
        if req.specifier or req.extras:
            specs[name] = spec
    return roots, specs, warnings


RESOLUTION_CACHE_VERSION = 2


@dataclass(frozen=True)
class _Run:
    """How the resolver runs: pip's configuration (its digest keys the cache), how long a
    cached resolution lives, the time limits and the build's cancel event."""

    config_key: str
    ttl: float = RESOLUTION_TTL
    timeouts: Timeouts = field(default_factory=Timeouts)
    cancelled: Optional[threading.Event] = None


def _read_resolution(path: Path, ttl: float) -> Optional[list[pip.ResolvedArtifact]]:
    try:
        stored = json.loads(path.read_text())
        age = time.time() - stored["created"]
        if not 0 <= age <= ttl:
            return None
        return [pip.ResolvedArtifact(**{**a, "requires": tuple(a["requires"])}) for a in stored["artifacts"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing, expired, torn or of an older format: resolve again


def _write_resolution(path: Path, artifacts: list[pip.ResolvedArtifact], ttl: float) -> None:
    try:
        cachedir.write_atomic(path, json.dumps({"created": time.time(), "artifacts": [a.__dict__ for a in artifacts]}))
        now = time.time()
        for old in path.parent.glob("*.json"):  # expired entries are never read again
            if now - old.stat().st_mtime > ttl:
                old.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only cache only costs speed


def _cached_resolve(specs: list[str], constraints: list[str], target: Target, cache_dir: Path | None,
                    index: PackageIndex, builder: Builder, run: _Run):
    key = hashlib.sha256(json.dumps([RESOLUTION_CACHE_VERSION, sorted(specs), sorted(constraints), target.platform,
                                     target.pip_python_version, run.config_key]).encode()).hexdigest()
    path = cache_dir / "resolutions" / f"{key}.json" if cache_dir and run.ttl > 0 else None
    found = _read_resolution(path, run.ttl) if path else None
    if found is not None:
        return found
    artifacts = resolve(specs, target, constraints, index, builder, timeout=run.timeouts.pip, cancelled=run.cancelled)
    if path:
        _write_resolution(path, artifacts, run.ttl)
    return artifacts


@dataclass
class _Entry:
    version: str
    group: str
    source: str
    reasons: list[str]
    requires: tuple[str, ...] = ()


def _dependencies(requires, target: Target) -> list[str]:
    found = []
    for raw in requires:
        try:
            req = Requirement(raw)
        except InvalidRequirement:
            continue
        if req.marker is None or req.marker.evaluate(target.marker_environment()):
            found.append(canonicalize_name(req.name))
    return found


def _resolve_missing(entries: dict[str, _Entry], notebook, runner, target: Target, cache_dir: Path | None,
                     direct: set[str], index: PackageIndex, builder: Builder, run: _Run) -> list[str]:
    """pip's resolver for what the kernel lacks, every kernel pin as a constraint (sdist-only
    packages built on the host, see :mod:`.resolving`)."""
    specs = []
    for closure in (notebook, runner):
        for name, wanted in closure.missing.items():
            specs.extend(wanted or [name])
    constraints = [f"{n}=={e.version}" for n, e in entries.items() if n not in direct]
    artifacts = _cached_resolve(sorted(set(specs)), constraints, target, cache_dir, index, builder, run)
    by_name = {a.name: a for a in artifacts}
    parents: dict[str, list[str]] = {}
    for art in artifacts:
        for dep in _dependencies(art.requires, target):
            if dep in by_name and dep != art.name:
                parents.setdefault(dep, []).append(art.name)
    for art in artifacts:
        known = entries.get(art.name)
        if known is not None:
            if known.version != art.version:
                raise LockError(f"{art.name}=={known.version} from the kernel resolved to {art.version}")
            continue
        reasons = (notebook.missing_reasons.get(art.name) or runner.missing_reasons.get(art.name)
                   or [f"via {p}" for p in sorted(parents.get(art.name, []))] or ["resolved for the target"])
        entries[art.name] = _Entry(art.version, "runner", "user" if "added by you" in reasons else "resolver",
                                   list(reasons), art.requires)
    pending = [n for n in notebook.missing if n in by_name]
    seen: set[str] = set()
    while pending:  # what the notebook's missing roots pull in is the notebook's
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        if entries[name].source != "kernel":
            entries[name].group = "notebook"
        pending.extend(d for d in _dependencies(by_name[name].requires, target) if d in by_name)
    return [f"{n} was asked for but the resolver did not install it"
            for n in sorted(set(notebook.missing) | set(runner.missing)) if n not in by_name]


def make_lock(
    analysis: Analysis,
    environment,
    *,
    platform: str = "linux/amd64",
    edits: PackageEdits | None = None,
    cache_dir: Path | None = None,
    index: PackageIndex | None = None,
    cancelled: threading.Event | None = None,
    timeouts: Timeouts | None = None,
    resolution_ttl: float = RESOLUTION_TTL,
) -> Lock:
    """Pins from the kernel (no resolver when it has everything), the resolver for the rest,
    then every pin checked against the target and hashed (see :mod:`.pinning`). Each pip
    run, wheel build and index request is bounded by ``timeouts`` and stops soon after
    ``cancelled`` is set (:class:`~..errors.Cancelled`)."""
    timeouts = timeouts or Timeouts()
    edits = edits or PackageEdits()
    config = pip.host_index_config()
    known = cache_dir is not None and index is None and resolution_ttl > 0 and environment.fingerprint
    memo = _LockMemo(cache_dir, resolution_ttl, analysis, environment, platform, edits, config) if known else None
    made = memo.get() if memo else None
    if made is not None:
        return made
    made = _make_lock(analysis, environment, platform, edits, config, cache_dir, index, cancelled, timeouts,
                      resolution_ttl)
    if memo:
        memo.put(made)
    return made


class _LockMemo:
    """The lock made for the same analysed requirements, kernel environment (its
    fingerprint), platform, edits and index configuration within the resolution TTL: a
    rebuild after an edit that changes no import does not pin again. Locks with packages
    built or taken from the host (a local checkout may change under the same version) are
    not kept."""

    def __init__(self, cache_dir: Path, ttl: float, analysis: Analysis, environment, platform: str,
                 edits: PackageEdits, config: pip.IndexConfig):
        from .._version import __version__

        key = json.dumps([LOCK_MEMO_VERSION, __version__, analysis.notebook,
                          [r.model_dump(mode="json") for r in analysis.requirements], environment.executable,
                          environment.fingerprint, environment.python_version, platform, edits.model_dump(mode="json"),
                          config.fingerprint, RUNNER_REQUIREMENTS], sort_keys=True)
        self.path = cache_dir / "locks" / f"{hashlib.sha256(key.encode()).hexdigest()}.json"
        self.ttl = ttl

    def get(self) -> Optional[Lock]:
        try:
            stored = json.loads(self.path.read_text())
            if not 0 <= time.time() - stored["created"] <= self.ttl:
                return None
            return Lock.model_validate(stored["lock"])
        except (OSError, ValueError, KeyError, TypeError):
            return None  # missing, expired, torn or of an older format: lock again

    def put(self, lock: Lock) -> None:
        if any(p.wheel or p.origin for p in lock.packages):
            return
        with contextlib.suppress(OSError):  # a memo: without it, the next build locks again
            cachedir.write_atomic(self.path, json.dumps({"created": time.time(), "lock": lock.model_dump(mode="json")}))


LOCK_MEMO_VERSION = 1


def _make_lock(analysis: Analysis, environment, platform: str, edits: PackageEdits, config: pip.IndexConfig,
               cache_dir: Optional[Path], index: Optional[PackageIndex], cancelled: Optional[threading.Event],
               timeouts: Timeouts, resolution_ttl: float) -> Lock:
    target = Target(platform, environment.python_version)
    roots, root_specs, warnings = _roots(analysis, environment, edits)
    notebook = kernel_closure(roots, environment.distributions, target, root_specs=root_specs)
    runner = kernel_closure({n: ["runs the notebook in the image"] for n in RUNNER_REQUIREMENTS},
                            environment.distributions, target)

    entries: dict[str, _Entry] = {}
    for closure, group in ((notebook, "notebook"), (runner, "runner")):
        for name, pin in closure.pins.items():
            if name not in entries:
                entries[name] = _Entry(pin.version, group, "kernel", list(pin.reasons))
    direct = {n for n in entries if environment.distributions[n].direct_url}
    index = index or PackageIndex(config, cache_dir, deadline=timeouts.index, cancelled=cancelled)
    builder = Builder(cache_dir, timeout=timeouts.wheel_build, cancelled=cancelled)
    # names the notebook's imports lead to (guessed, from the alias table, or implied by a
    # use) that the kernel lacks: the notebook fails at those imports in its kernel too
    guesses = {r.name for r in analysis.requirements
               if r.source in ("guess", "alias", "implied") and r.name not in environment.distributions}
    while notebook.missing or runner.missing:
        run = _Run(config.fingerprint, resolution_ttl, timeouts, cancelled)
        try:
            warnings += _resolve_missing(entries, notebook, runner, target, cache_dir, direct, index, builder, run)
            break
        except pip.NoDistribution as exc:
            # A name guessed from an import (not in the kernel, so the notebook fails at that
            # import there too) that nothing on the index installs: left out, said, not fatal.
            name = canonicalize_name(re.split(r"[<>=!~;\[ ]", exc.requirement.strip())[0])
            if name not in guesses or name not in roots:
                raise
            del roots[name]
            if isinstance(exc, SdistNotBuilt):
                warnings.append(f"{name} left out: named by an import the kernel cannot satisfy either, and its "
                                f"only file for {target.platform} is an sdist that does not build here ({exc})")
            else:
                warnings.append(f"{name} left out: named by an import the kernel cannot satisfy either, and no "
                                f"file on the index installs on {target.platform} / Python {target.python_version}")
            notebook = kernel_closure(roots, environment.distributions, target, root_specs=root_specs)
        except pip.ResolutionConflict as exc:
            # Names guessed from imports the kernel lacks that cannot be installed beside the
            # kernel's packages (ThinkBayes2's `thinkbayes2` on PyPI pins older libraries): left
            # out together, said with pip's cause; the notebook fails at those imports in its kernel too.
            dropped = sorted(name for name in guesses if name in roots)
            if not dropped:
                raise
            for name in dropped:
                del roots[name]
            warnings.append(f"{', '.join(dropped)} left out: named by imports the kernel cannot satisfy "
                            f"either, and they cannot be installed beside the kernel's packages ({exc})")
            notebook = kernel_closure(roots, environment.distributions, target, root_specs=root_specs)

    if cancelled is not None and cancelled.is_set():
        raise Cancelled("Locking was cancelled")
    packages, more = pin_for_target(entries, environment, target, index, builder)
    return Lock(notebook=analysis.notebook, python_version=target.python_version,
                platform=platform, packages=packages, warnings=warnings + more)


def lock_digest(lock: Lock) -> str:
    """sha256 over what gets installed (not why): equal environments, equal digests."""
    body = json.dumps(
        [lock.python_version, lock.platform,
         [[p.name, p.version, p.hashes] for p in sorted(lock.packages, key=lambda p: p.name)]]
    )
    return hashlib.sha256(body.encode()).hexdigest()


_GROUP_TITLES = {"notebook": "what the notebook needs", "runner": "what runs the notebook in the image"}


def render_lock(lock: Lock) -> str:
    """The lock as a pip requirements file (``pip install --require-hashes -r``)."""
    lines = [
        f"# jupyter-containerize lock for {Path(lock.notebook).name}",
        f"# Python {lock.python_version} on {lock.platform}",
        "# install with: pip install --require-hashes -r requirements.lock",
    ]
    for group, title in _GROUP_TITLES.items():
        members = [p for p in lock.packages if p.group == group]
        if not members:
            continue
        lines += ["", f"# --- {title} ---"]
        for p in sorted(members, key=lambda p: p.name):
            lines.append(f"{p.name}=={p.version}" + (" \\" if p.hashes else ""))
            lines += [f"    --hash={h}" + (" \\" if i < len(p.hashes) - 1 else "")
                      for i, h in enumerate(p.hashes)]
            lines += [f"    # {reason}" for reason in p.reasons]
            if p.origin:
                lines.append(f"    # from {p.origin}")
            if p.wheel:
                lines.append(f"    # shipped in the build context: wheels/{p.wheel}")
    return "\n".join(lines) + "\n"


__all__ = ["make_lock", "render_lock", "lock_digest", "RUNNER_REQUIREMENTS", "Target"]
