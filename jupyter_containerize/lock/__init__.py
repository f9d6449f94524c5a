"""Needs + the kernel's versions -> a pinned, hashed lock for a target platform.

``make_lock`` pins everything the kernel has to the kernel's version, hands the rest to
pip's resolver (with those pins as exact requirements), and keeps for every package why it
is there. ``render_lock`` writes the pip requirements file that goes into the image.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from ..errors import InvalidRequest, LockError
from ..models import Analysis, Lock, LockedPackage, PackageEdits
from . import pip
from .closure import kernel_closure
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


def _cached_resolve(specs: list[str], target: Target, cache_dir: Path | None):
    key = hashlib.sha256(
        json.dumps([sorted(specs), target.platform, target.python_version]).encode()
    ).hexdigest()
    path = cache_dir / "resolutions" / f"{key}.json" if cache_dir else None
    if path and path.exists():
        return [pip.ResolvedArtifact(**{**a, "requires": tuple(a["requires"])}) for a in json.loads(path.read_text())]
    artifacts = pip.resolve(specs, target)
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps([a.__dict__ for a in artifacts]))
        tmp.replace(path)
    return artifacts


def _parents(artifacts, target: Target) -> dict[str, list[str]]:
    names = {a.name for a in artifacts}
    parents: dict[str, list[str]] = {}
    for art in artifacts:
        for raw in art.requires:
            req = Requirement(raw)
            if req.marker is not None and not req.marker.evaluate(target.marker_environment()):
                continue
            dep = canonicalize_name(req.name)
            if dep in names and dep != art.name:
                parents.setdefault(dep, []).append(art.name)
    return parents


def make_lock(
    analysis: Analysis,
    environment,
    *,
    platform: str = "linux/amd64",
    edits: PackageEdits | None = None,
    cache_dir: Path | None = None,
) -> Lock:
    edits = edits or PackageEdits()
    target = Target(platform, environment.python_version)
    roots, root_specs, warnings = _roots(analysis, environment, edits)
    notebook = kernel_closure(roots, environment.distributions, target, root_specs=root_specs)
    runner = kernel_closure({n: ["runs the notebook in the image"] for n in RUNNER_REQUIREMENTS},
                            environment.distributions, target)

    specs = [f"{n}=={p.version}" for c in (notebook, runner) for n, p in c.pins.items()]
    for closure in (notebook, runner):
        for name, wanted in closure.missing.items():
            specs.extend(wanted or [name])
    specs = sorted(set(specs))
    artifacts = _cached_resolve(specs, target, cache_dir)

    parents = _parents(artifacts, target)
    by_name = {a.name: a for a in artifacts}
    in_notebook: set[str] = set()
    pending = [n for n in list(notebook.pins) + list(notebook.missing) if n in by_name]
    while pending:  # everything reachable from the notebook's roots is the notebook's
        name = pending.pop()
        if name in in_notebook:
            continue
        in_notebook.add(name)
        for raw in by_name[name].requires:
            dep = canonicalize_name(Requirement(raw).name)
            if dep in by_name and name in parents.get(dep, []):
                pending.append(dep)

    packages = []
    for art in sorted(artifacts, key=lambda a: a.name):
        pin = notebook.pins.get(art.name) or runner.pins.get(art.name)
        if pin and pin.version != art.version:
            raise LockError(f"{art.name}=={pin.version} from the kernel resolved to {art.version}")
        if not art.sha256:
            raise LockError(f"{art.name}=={art.version}: the index gave no sha256 hash")
        reasons = list(pin.reasons) if pin else (
            notebook.missing_reasons.get(art.name) or runner.missing_reasons.get(art.name)
            or [f"via {p}" for p in sorted(parents.get(art.name, []))] or ["resolved for the target"]
        )
        source = "kernel" if pin else ("user" if "added by you" in reasons else "resolver")
        packages.append(LockedPackage(
            name=art.name, version=art.version, source=source, reasons=reasons,
            group="notebook" if art.name in in_notebook else "runner",
            hashes=[f"sha256:{art.sha256}"],
        ))
    for name in sorted(set(notebook.missing) | set(runner.missing)):
        if name not in by_name:
            warnings.append(f"{name} was asked for but the resolver did not install it")
    return Lock(notebook=analysis.notebook, python_version=target.python_version,
                platform=platform, packages=packages, warnings=warnings)


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
    return "\n".join(lines) + "\n"


__all__ = ["make_lock", "render_lock", "lock_digest", "RUNNER_REQUIREMENTS", "Target"]
