"""Every pin checked against the target and hashed: files from the host's indexes, wheels
built on the host for what the index cannot give, conda packages mapped to PyPI.

All problems are collected and reported together, each naming its package."""

from __future__ import annotations

from ..errors import LockError
from ..models import LockedPackage
from .artifacts import installable, nearest, portable, sdists
from .conda import conda_origin, native_dependencies, read_conda_meta
from .index import PackageIndex
from .sources import Builder, Shipped
from .target import Target


def _no_wheel(name: str, version: str, target: Target, index: PackageIndex) -> str:
    found = nearest(index.project_files(name), version, target)
    return (f"{name}=={version} has no distribution for {target.platform} with Python "
            f"{target.python_version}; {found.describe()}")


def pin_for_target(entries: dict, environment, target: Target, index: PackageIndex,
                   builder: Builder) -> tuple[list[LockedPackage], list[str]]:
    dists = environment.distributions
    conda = read_conda_meta(environment.prefix) if getattr(environment, "conda", False) else {}
    warnings: list[str] = []
    problems: list[str] = []

    shipped: dict[str, Shipped] = {}
    failed: set[str] = set()
    for name, entry in entries.items():
        dist = dists.get(name) if entry.source == "kernel" else None
        if dist is not None and dist.direct_url:
            try:
                found = builder.direct(name, entry.version, dist.direct_url, target)
            except LockError as exc:
                problems.append(str(exc))
                failed.add(name)
                continue
            if found is not None:
                shipped[name] = found
    index.prefetch((n, e.version) for n, e in entries.items() if n not in shipped)

    packages = []
    for name in sorted(entries):
        entry = entries[name]
        version, origin, wheel, hashes = entry.version, None, None, []
        if name in shipped:
            hashes, wheel, origin = [f"sha256:{shipped[name].sha256}"], shipped[name].wheel.name, shipped[name].origin
        elif name in failed:
            continue
        else:
            from_conda = (conda_origin(name, conda, getattr(dists.get(name), "installer", None))
                          if conda and entry.source == "kernel" else None)
            files = index.files(name, version)
            if from_conda is not None:
                origin = "conda"
                native = native_dependencies(from_conda, conda, set(dists))
                if native:
                    warnings.append(f"{name} (conda) depends on conda packages with no PyPI counterpart: "
                                    + ", ".join(native) + "; the PyPI wheel bundles what it needs, or add "
                                    "them as system packages")
                if not installable(files, target):
                    better = nearest(index.project_files(name), version, target)
                    chosen = better.older or better.newer
                    if chosen is None:
                        warnings.append(f"{name}=={version} (conda) has no PyPI equivalent for "
                                        f"{target.platform}; left out of the lock")
                        continue
                    warnings.append(f"{name}=={version} (conda) is not on PyPI for {target.platform}; "
                                    f"pinned to the nearest PyPI release {chosen}")
                    version, files = chosen, index.files(name, chosen)
            if installable(files, target):
                hashes = [f"sha256:{f.sha256}" for f in portable(files, target) if f.sha256]
            elif sdists(files) and all(f.filename.endswith("-any.whl") for f in files if f.is_wheel):
                # only an sdist (or pure wheels the target refuses): it may build a pure wheel here;
                # a version with platform wheels elsewhere would not build for the target here
                try:
                    built = builder.from_sdist(name, version, sdists(files)[0].sha256 or "", target)
                except LockError as exc:
                    problems.append(f"{exc}; {_no_wheel(name, version, target, index)}")
                    continue
                hashes = [f"sha256:{built.sha256}"] + [f"sha256:{f.sha256}" for f in portable(files, target)]
                wheel, origin = built.wheel.name, built.origin
            elif files:
                problems.append(_no_wheel(name, version, target, index))
                continue
            else:
                problems.append(f"{name}=={version} is not on the host's package indexes"
                                + (" (installed in the kernel from elsewhere?)" if entry.source == "kernel" else ""))
                continue
        packages.append(LockedPackage(
            name=name, version=version, source=entry.source, reasons=list(entry.reasons),
            group=entry.group, hashes=hashes, wheel=wheel, origin=origin,
        ))
    if problems:
        raise LockError(f"Cannot lock for {target.platform}:\n  " + "\n  ".join(problems))
    return packages, warnings
