"""The locked environment as its own image: a prepared base plus a layer of installed packages.

The prepared base (``Dockerfile.base.j2``: system packages, an empty virtual environment, the
user) is built by the engine and cached by its layer cache. The environment image adds one
layer assembled on the host from installed wheels (``installed.py``, ``layer.py``), keyed by
the lock digest and the prepared base. A lock that only adds packages to an existing
environment image grows from it: the new layer holds only the missing packages. A notebook
image is then ``FROM`` the environment image with the runner, files and notebook on top.
Rendering and planning are pure; ``envbuild.py`` does the I/O.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

from .._version import __version__
from ..lock.wheelhouse import known_sha256
from . import dockerfile
from .context import LABEL_PREFIX, UID, USER, VENV, WORKDIR, ContextSpec

ENV_LABEL = f"{LABEL_PREFIX}.env-base"  # the prepared base image id the environment was built on
PACKAGES_LABEL = f"{LABEL_PREFIX}.env-packages"  # sorted name==version#sha256-prefix, space separated
ENV_REPOSITORY = "jupyter-containerize-env"


@dataclass(frozen=True)
class EnvPlan:
    tag: str
    parent: Optional[str]  # the environment image it grows from, if any
    wheels: tuple[Path, ...]  # the wheels its new layer installs (only the missing ones when growing)


def pin(name: str, version: str) -> str:
    return f"{canonicalize_name(name)}=={Version(version)}"


def artifact(wheel: Path) -> str:
    """``name==version#sha256-prefix``: a package as installed, content included (a local
    package rebuilt with changes keeps its version but not its hash)."""
    name, version, *_ = parse_wheel_filename(wheel.name)
    return f"{pin(str(name), str(version))}#{known_sha256(wheel)[:16]}"


def env_tag(lock_digest: str, base_id: str) -> str:
    return f"{ENV_REPOSITORY}:{lock_digest[:16]}-{base_id.split(':')[-1][:12]}"


def base_tag(dockerfile: str) -> str:
    """The prepared base's tag; it moves with the base image's, the id tells them apart."""
    return f"{ENV_REPOSITORY}:base-{hashlib.sha256(dockerfile.encode()).hexdigest()[:16]}"


def plan(lock_digest: str, base_id: str, wheels: Iterable[Path], candidates: Iterable[tuple[str, dict]]) -> EnvPlan:
    """What to build: ``candidates`` are (tag, labels) of existing images on the same prepared
    base. The largest environment image whose packages are all wanted becomes the parent (the
    first tag in sorted order among equals); one holding them all is reused as it is. Notebook
    images inherit the labels, so only this repository's tags count."""
    wanted = {artifact(w): w for w in sorted(wheels)}
    best, best_have = None, frozenset()
    for tag, labels in sorted(candidates):
        if not tag.startswith(f"{ENV_REPOSITORY}:") or tag.startswith(f"{ENV_REPOSITORY}:base-"):
            continue
        have = frozenset((labels.get(PACKAGES_LABEL) or "").split())
        if have and have <= wanted.keys() and len(have) > len(best_have):
            best, best_have = tag, have
    if best is not None and best_have == wanted.keys():
        return EnvPlan(best, best, ())
    missing = tuple(w for key, w in wanted.items() if key not in best_have)
    return EnvPlan(env_tag(lock_digest, base_id), best, missing)


def labels(wheels: Iterable[Path], lock_digest: str, base_id: str) -> dict[str, str]:
    return {
        ENV_LABEL: base_id,
        PACKAGES_LABEL: " ".join(sorted(artifact(w) for w in wheels)),
        f"{LABEL_PREFIX}.lock-digest": f"sha256:{lock_digest}",
        f"{LABEL_PREFIX}.version": __version__,
    }


def _base_inputs(spec: ContextSpec) -> dict:
    return dict(version=__version__, base_image=spec.base_image, venv=VENV, user=USER, uid=UID, workdir=WORKDIR,
                system_packages=sorted(spec.system_packages), python=".".join(spec.python_version.split(".")[:2]))


def render_base(spec: ContextSpec) -> str:
    """The prepared base's Dockerfile: fails with a clear message when the base image's
    Python is not the kernel's major.minor."""
    return dockerfile.render("Dockerfile.base.j2", **_base_inputs(spec))


def base_key(spec: ContextSpec) -> str:
    """A digest of what :func:`render_base` renders (the template and its inputs), known
    without rendering it."""
    template = dockerfile.template_text("Dockerfile.base.j2")
    return hashlib.sha256(json.dumps([template, _base_inputs(spec)], sort_keys=True).encode()).hexdigest()


def base_context(dockerfile: str) -> io.BytesIO:
    """The prepared base's build context: its Dockerfile alone."""
    buffer = io.BytesIO()
    data = dockerfile.encode()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("Dockerfile")
        info.size, info.mode, info.mtime = len(data), 0o644, 0
        tar.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    return buffer
