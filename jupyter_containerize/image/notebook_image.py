"""The notebook image on an engine, without a builder: the environment image plus the
notebook's own layers (``notebook_layers.py``), loaded as a ``docker save`` archive that
holds only the layers the engine lacks.

After a one-cell edit only the notebook's layer (kilobytes) is sent: the runner and files
layers are those of the image the tag names now (the previous build). A layer is known by
its diff id, kept per recipe (what the layer is made of) in ``CACHE/layer-diffs``, and the
engine is known to have it when the previous image's layers begin with the same chain.
Files in these layers have time 0, so unchanged layers keep their diff ids from build to
build. An engine that loads only whole archives (Podman) raises PartialLoadRefused: the
pipeline then builds the notebook image with a Dockerfile.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from pathlib import Path
from typing import Callable, Optional

from .. import cachedir
from ..engine.base import ContainerEngine
from ..errors import ContainerizeError, ImageBuildFailed, NotebookNotFound, NotFound
from .context import ContextSpec
from .envbuild import ConfigCache
from .layer import ArchiveLayer, LoadArchive, image_id
from .notebook_layers import notebook_config, notebook_layers
from .tarentries import recipe, tar_size, tar_stream

MTIME = 0  # every file's time in these layers


def load_notebook_image(engine: ContainerEngine, spec: ContextSpec, env_image: str, *, cache_dir: Path,
                        previous: Optional[str], created: str, cancelled: threading.Event,
                        log: Callable[[str], None]) -> str:
    """The id of the notebook image of ``spec`` on ``env_image``, loaded untagged (the
    caller tags it once it is verified). ``previous``: the tag the image will take, whose
    current image's layers need not be sent again."""
    configs = ConfigCache(cache_dir / "image-configs")
    parent = configs.get(engine, env_image)
    diffs = _DiffIds(cache_dir / "layer-diffs")
    layers = notebook_layers(spec)
    recipes = [recipe(layer.entries, MTIME) for layer in layers]
    had = _layers_of(engine, previous)
    try:
        archive = _archive(parent, spec, layers, recipes, had, diffs, created)
        try:
            _load(engine, archive, env_image, log, cancelled)
        except ImageBuildFailed:
            if not any(layer.chunks is None for layer in archive.layers):
                raise
            # a layer the previous image had went with it meanwhile: send every layer
            archive = _archive(parent, spec, layers, recipes, (), diffs, created)
            _load(engine, archive, env_image, log, cancelled)
    except FileNotFoundError as exc:
        if not spec.notebook.exists():
            raise NotebookNotFound(f"{spec.notebook.name} was moved or deleted during the build") from None
        raise ContainerizeError(f"{Path(exc.filename or '?').name} was moved or deleted during the build") from None
    for key, layer, diff_id in zip(recipes, archive.layers, archive.diff_ids):
        if layer.chunks is not None:
            diffs.put(key, diff_id)
    configs.put(archive.config)
    loaded = image_id(archive.config)
    log(f"Loaded the notebook image {loaded}")
    return loaded


def _archive(parent: bytes, spec: ContextSpec, layers, recipes: list[str], had: tuple[str, ...],
             diffs: "_DiffIds", created: str) -> LoadArchive:
    """Each layer named only when the engine has it: its diff id is known and the previous
    image has the same layers up to it; every later one is sent."""
    chain: Optional[list[str]] = list(json.loads(parent).get("rootfs", {}).get("diff_ids", []))
    planned = []
    for layer, key in zip(layers, recipes):
        known = diffs.get(key) if chain is not None else None
        if known and list(had[:len(chain) + 1]) == [*chain, known]:
            chain.append(known)
            planned.append(ArchiveLayer(diff_id=known))
            continue
        chain = None
        planned.append(ArchiveLayer(tar_size(layer.entries, MTIME), lambda e=layer.entries: tar_stream(e, MTIME)))
    history = [layer.created_by for layer in layers]
    return LoadArchive(parent, planned, lambda ids: notebook_config(json.loads(parent), spec, list(zip(ids, history)),
                                                                  created, runtime=False))


def _load(engine: ContainerEngine, archive: LoadArchive, env_image: str, log: Callable[[str], None],
          cancelled: threading.Event) -> None:
    sent = [layer for layer in archive.layers if layer.chunks is not None]
    log(f"Loading {len(sent)} of the notebook's {len(archive.layers)} layer(s) onto {env_image} "
        f"({sum(layer.size for layer in sent) / 1e6:.2f} MB; the engine has the others)")
    engine.load(archive.chunks(), cancelled=cancelled)


def _layers_of(engine: ContainerEngine, tag: Optional[str]) -> tuple[str, ...]:
    if not tag:
        return ()
    try:
        return engine.inspect(tag).layers
    except NotFound:
        return ()


class _DiffIds:
    """Diff ids by layer recipe; a memo: without an entry the layer is sent."""

    def __init__(self, root: Path):
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / hashlib.sha256(key.encode()).hexdigest()

    def get(self, key: str) -> Optional[str]:
        try:
            value = self._path(key).read_text().strip()
        except OSError:
            return None
        return value if value.startswith("sha256:") and len(value) == 71 else None

    def put(self, key: str, diff_id: str) -> None:
        with contextlib.suppress(OSError):  # a memo: without it, the next build sends the layer
            cachedir.write_atomic(self._path(key), diff_id)
