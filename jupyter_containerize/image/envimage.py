"""The locked environment as its own image, keyed by the lock digest and the base image.

A notebook image then copies ``/opt/venv`` from it, so its build context holds only the
runner, the files and the notebook (a tiny upload), and a new notebook with a lock seen
before reuses the environment as it is. A lock that only adds packages to an existing
environment image grows from it: only the missing wheels are sent and installed. Rendering
is pure; the pipeline does the I/O.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

import jinja2
from importlib import resources
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

from .._version import __version__
from ..models import Lock
from .context import LABEL_PREFIX, VENV, ContextSpec, _dockerquote, write_environment_files

ENV_LABEL = f"{LABEL_PREFIX}.env-base"  # the base image id the environment was built on
PACKAGES_LABEL = f"{LABEL_PREFIX}.env-packages"  # sorted name==version, space separated
ENV_REPOSITORY = "jupyter-containerize-env"


@dataclass(frozen=True)
class EnvPlan:
    tag: str
    parent: Optional[str]  # the environment image it grows from, if any
    wheels: tuple[Path, ...]  # the wheels to send (only the missing ones when growing)


def pin(name: str, version: str) -> str:
    return f"{canonicalize_name(name)}=={Version(version)}"


def packages_of(lock: Lock) -> frozenset[str]:
    return frozenset(pin(p.name, p.version) for p in lock.packages)


def env_tag(lock_digest: str, base_id: str) -> str:
    return f"{ENV_REPOSITORY}:{lock_digest[:16]}-{base_id.split(':')[-1][:12]}"


def plan(lock: Lock, lock_digest: str, base_id: str, wheels: Iterable[Path],
         candidates: Iterable[tuple[str, dict]]) -> EnvPlan:
    """What to build: ``candidates`` are (tag, labels) of existing environment images on the
    same base; the largest whose packages are all in the lock becomes the parent."""
    wanted = packages_of(lock)
    best, best_size = None, 0
    for tag, labels in candidates:
        have = frozenset((labels.get(PACKAGES_LABEL) or "").split())
        if have and have <= wanted and len(have) > best_size:
            best, best_size = (tag, have), len(have)
    wheels = tuple(sorted(wheels))
    if best is None:
        return EnvPlan(env_tag(lock_digest, base_id), None, wheels)
    missing = tuple(w for w in wheels if _wheel_pin(w) not in best[1])
    return EnvPlan(env_tag(lock_digest, base_id), best[0], missing)


def _wheel_pin(wheel: Path) -> str:
    name, version, *_ = parse_wheel_filename(wheel.name)
    return pin(str(name), str(version))


def labels(lock: Lock, lock_digest: str, base_id: str) -> dict[str, str]:
    return {
        ENV_LABEL: base_id,
        PACKAGES_LABEL: " ".join(sorted(packages_of(lock))),
        f"{LABEL_PREFIX}.lock-digest": f"sha256:{lock_digest}",
        f"{LABEL_PREFIX}.version": __version__,
    }


def render(spec: ContextSpec, env: EnvPlan, lock: Lock, base_id: str) -> str:
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)
    environment.filters["dockerquote"] = _dockerquote
    template = environment.from_string(resources.files(__package__).joinpath("Dockerfile.env.j2").read_text())
    return template.render(version=__version__, parent=env.parent or "", base_image=spec.base_image, venv=VENV,
                           labels=sorted(labels(lock, spec.lock_digest, base_id).items()))


def write(spec: ContextSpec, env: EnvPlan, lock: Lock, base_id: str, dest: Path) -> Path:
    """The environment image's context: Dockerfile, lock, wheels (and uv for a new one)."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    (dest / "Dockerfile").write_text(render(spec, env, lock, base_id))
    write_environment_files(spec if env.parent is None else _without_uv(spec), dest, env.wheels)
    return dest


def _without_uv(spec: ContextSpec) -> ContextSpec:
    from dataclasses import replace

    return replace(spec, uv=None)
