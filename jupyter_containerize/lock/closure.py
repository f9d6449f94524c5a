"""The closure of what a notebook needs through the kernel's installed metadata.

Pure: it reads ``Requires-Dist`` as the kernel has it installed, evaluates markers for the
target (not the host), follows extras, and stops at cycles. What the kernel lacks is
returned apart, for the resolver.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from functools import lru_cache

from packaging.markers import InvalidMarker, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from .target import Target


@dataclass
class Pin:
    name: str
    version: str
    reasons: list[str] = field(default_factory=list)


@dataclass
class Closure:
    pins: dict[str, Pin] = field(default_factory=dict)
    # requirement specs the kernel cannot satisfy, by normalised name
    missing: dict[str, list[str]] = field(default_factory=dict)
    missing_reasons: dict[str, list[str]] = field(default_factory=dict)


def _applies(req: Requirement, target: Target, extras: frozenset[str]) -> bool:
    if req.marker is None:
        return True
    try:
        if not extras:
            return req.marker.evaluate(target.marker_environment())
        return any(req.marker.evaluate(target.marker_environment(e)) for e in ("", *extras))
    except (InvalidMarker, UndefinedEnvironmentName):
        return False


def kernel_closure(
    roots: dict[str, list[str]],
    distributions,
    target: Target,
    *,
    root_specs: dict[str, str] | None = None,
) -> Closure:
    """Walk ``roots`` (normalised name -> reasons) through the kernel's ``distributions``.

    ``root_specs`` holds user specs (``rich==13.7.1``) that take precedence over the
    kernel's version; a root whose spec the kernel's version does not satisfy goes to the
    resolver.
    """
    root_specs = root_specs or {}
    closure = Closure()
    seen: set[tuple[str, frozenset[str]]] = set()
    queue: deque[tuple[str, frozenset[str], str | None, list[str]]] = deque()
    for name, reasons in roots.items():
        spec = root_specs.get(name)
        extras = frozenset(Requirement(spec).extras) if spec else frozenset()
        queue.append((name, extras, spec, list(reasons)))

    while queue:
        name, extras, spec, reasons = queue.popleft()
        dist = distributions.get(name)
        wanted = Requirement(spec) if spec else None
        if dist is None or (wanted and wanted.specifier and not wanted.specifier.contains(dist.version, prereleases=True)):
            closure.missing.setdefault(name, [])
            if spec and spec not in closure.missing[name]:
                closure.missing[name].append(spec)
            closure.missing_reasons.setdefault(name, []).extend(
                r for r in reasons if r not in closure.missing_reasons.get(name, [])
            )
            continue
        pin = closure.pins.setdefault(name, Pin(name, dist.version))
        pin.reasons.extend(r for r in reasons if r not in pin.reasons)
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        for raw in dist.requires:
            req = _requirement(raw)
            if req is None:
                continue
            if not _applies(req, target, extras):
                continue
            dep = canonicalize_name(req.name)
            dep_spec = str(req) if req.specifier or req.extras else None
            if dep_spec and req.marker is not None:
                dep_spec = dep_spec.split(";")[0].strip()
            queue.append((dep, frozenset(req.extras), dep_spec, [f"via {name}"]))
    return closure


@lru_cache(maxsize=8192)
def _requirement(raw: str) -> Requirement | None:
    """``Requires-Dist`` lines parsed once per process (a lock reads hundreds of them, the
    same on every rebuild)."""
    try:
        return Requirement(raw)
    except InvalidRequirement:
        return None
