"""Find or make the environment image of a lock on the engine (the plan is ``envimage.py``).

1. Build the prepared base (system packages, empty venv, user): the engine's layer cache
   makes this a no-op after the first time on a base image.
2. Pick the environment image to grow from, if any, among those on this prepared base.
3. Install the wheels its layer needs once on the host (``installed.py``), concatenate their
   segments into one layer and load ``parent + layer`` into the engine (``layer.py``).
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from pathlib import Path
from typing import Callable, Optional

from .. import cachedir
from ..engine.base import BuildProgress, ContainerEngine
from ..errors import NotFound
from ..settings import Timeouts
from . import envimage
from .context import ContextSpec, runtime_config
from .installed import InstalledWheels, members_of
from .layer import LoadArchive, canonical, image_id, plan_layer


def ensure_environment(engine: ContainerEngine, spec: ContextSpec, *, cache_dir: Path,
                       compiler: Optional[str], on_progress: Callable[[BuildProgress], None],
                       log: Callable[[str], None], cancelled: threading.Event,
                       compile_timeout: Optional[float] = Timeouts.compile,
                       installed: Optional[InstalledWheels] = None) -> str:
    """The tag of the environment image of ``spec``'s wheels on its base, made when missing
    (compiling the new packages may take ``compile_timeout`` seconds). ``installed``: the
    segment cache to use (one that began installing while the wheels downloaded), else one
    in ``cache_dir`` compiling with ``compiler``."""
    base_id = _prepared_base(engine, spec, cache_dir, on_progress, cancelled)
    expected = envimage.env_tag(spec.lock_digest, base_id)
    packages = envimage.labels(spec.wheels, spec.lock_digest, base_id)[envimage.PACKAGES_LABEL]
    try:  # the usual rebuild: this lock's environment is there (listing images is slow)
        if engine.inspect(expected).labels.get(envimage.PACKAGES_LABEL) == packages:
            log(f"Reusing the environment image {expected}")
            return expected
    except NotFound:
        pass
    candidates = [(tag, info.labels) for info in engine.images(f"{envimage.ENV_LABEL}={base_id}")
                  for tag in info.tags]
    plan = envimage.plan(spec.lock_digest, base_id, spec.wheels, candidates)
    if plan.parent and not plan.wheels:  # made for another lock with the same packages
        engine.tag(plan.parent, expected)  # found by the quick path next time
        log(f"Reusing the environment image {expected}")
        return expected
    parent = plan.parent or base_id
    log(f"Building the environment image {plan.tag}")
    log(f"Installing {len(plan.wheels)} of {len(spec.wheels)} packages"
        + (f" on top of {plan.parent}" if plan.parent else ""))
    minor = ".".join(spec.python_version.split(".")[:2])
    if installed is None:
        installed = InstalledWheels(cache_dir / "installed", minor, compiler, compile_timeout, cancelled)
    segments = installed.segments(plan.wheels)
    layer = plan_layer([(segment, members_of(segment)) for segment in segments])
    configs = ConfigCache(cache_dir / "image-configs")
    archive = LoadArchive.of_layer(configs.get(engine, parent), layer, plan.tag,
                                   labels=envimage.labels(spec.wheels, spec.lock_digest, base_id),
                                   runtime=runtime_config(),
                                   created_by=f"jupyter-containerize: {len(plan.wheels)} installed packages")
    log(f"Loading the environment layer ({layer.size / 1e6:.0f} MB)")
    engine.load(archive.chunks(), cancelled=cancelled)
    configs.put(archive.config)
    return plan.tag


def _prepared_base(engine: ContainerEngine, spec: ContextSpec, cache_dir: Path,
                   on_progress: Callable[[BuildProgress], None], cancelled: threading.Event) -> str:
    """The prepared base's image id: remembered per base image id and what its Dockerfile is made of, else built
    (the engine's layer cache makes that quick too, but not as quick as one inspect)."""
    memo = None
    try:
        key = hashlib.sha256(f"{engine.inspect(spec.base_image).id}\n{envimage.base_key(spec)}".encode()).hexdigest()
        memo = cache_dir / "prepared-bases" / key
        if memo.is_file():
            known = memo.read_text().strip()
            if engine.inspect(known).id == known:
                return known
    except NotFound:  # not pulled yet (the build pulls it), or the prepared base was removed
        pass
    dockerfile = envimage.render_base(spec)
    base_id = engine.build(envimage.base_context(dockerfile), envimage.base_tag(dockerfile), labels={},
                           on_progress=on_progress, cancelled=cancelled)
    if memo is not None:
        with contextlib.suppress(OSError):  # a memo: without it, the next build asks the engine
            cachedir.write_atomic(memo, base_id)
    return base_id


class ConfigCache:
    """Parent image configs by image id: those of the images loaded here, byte for byte (an
    entry counts only when its sha256 is the id); for others (a prepared base the engine
    built), what the engine's inspect and history say (``image_settings``), else the config
    out of a whole ``docker save``, kept."""

    def __init__(self, root: Path):
        self.root = root

    def get(self, engine: ContainerEngine, image: str) -> bytes:
        wanted = engine.inspect(image).id
        path = self.root / f"{wanted.split(':')[-1]}.json"
        if path.is_file():
            data = path.read_bytes()
            if image_id(data) == wanted:
                return data
        try:
            return canonical(engine.image_settings(wanted))
        except NotImplementedError:
            pass
        data = engine.image_config(wanted)
        self.put(data)
        return data

    def put(self, config: bytes) -> None:
        with contextlib.suppress(OSError):  # a memo: without it, the next build asks the engine
            cachedir.write_atomic(self.root / f"{hashlib.sha256(config).hexdigest()}.json", config)
