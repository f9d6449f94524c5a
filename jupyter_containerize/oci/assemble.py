"""The image of a build context, made without a builder: the base read from its registry,
then the layers the engine path makes with a Dockerfile, written here as files:

1. the prepared base: the user ``jovyan`` (1000) merged into the base's ``/etc/passwd`` and
   ``/etc/group``, an empty virtual environment pointing at the base's Python, ``/out`` and
   the home and work folders (no ``RUN``: a base without a shell or ``useradd`` works too);
2. the locked environment: the installed wheels' tar segments (``image/installed.py``);
3. the runner, the lock and the SBOM (``/opt/containerize``);
4. the local modules and data files; 5. the notebook, last.

The config carries the same runtime settings and labels as the engine path's image
(``image/context.py``). Everything is a function of its inputs (the creation time is one),
so the same inputs give the same digest on any machine.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, Optional, Sequence

from ..image.context import UID, USER, VENV, WORKDIR, ContextSpec
from ..image.installed import members_of
from ..image.layer import canonical, layer_bytes, plan_layer
from ..image.notebook_layers import notebook_config, notebook_layers
from ..image.tarentries import Entry, folders, recipe, tar_stream
from .base import BaseImage
from .blobs import BlobCache
from .tarlayer import Blob, make_layer

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
INDEX = "application/vnd.oci.image.index.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
FORMAT = "1"  # bump when the layers made for the same inputs change


def sha256(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


@dataclass(frozen=True)
class NewLayer:
    blob: Blob
    created_by: str


@dataclass
class Image:
    """One platform's image: the base's layers, the new ones, its config and manifest."""

    platform: str
    base: BaseImage
    layers: list[NewLayer]
    config: bytes
    manifest: bytes

    @property
    def digest(self) -> str:
        return sha256(self.manifest)

    @property
    def config_digest(self) -> str:
        return sha256(self.config)

    @property
    def size(self) -> int:
        """Bytes of all its blobs (compressed layers, config)."""
        return len(self.config) + sum(layer["size"] for layer in json.loads(self.manifest)["layers"])

    def descriptor(self) -> dict:
        from .base import platform_of

        return {"mediaType": MANIFEST, "digest": self.digest, "size": len(self.manifest),
                "platform": platform_of(self.platform)}


def image_index(images: Sequence[Image]) -> bytes:
    return canonical({"schemaVersion": 2, "mediaType": INDEX, "manifests": [i.descriptor() for i in images]})


def assemble(spec: ContextSpec, base: BaseImage, segments: Sequence[Path], *, platform: str, created: str,
             cache: BlobCache, check: Callable[[], None] = lambda: None,
             log: Callable[[str], None] = lambda message: None) -> Image:
    minor = ".".join(spec.python_version.split(".")[:2])
    python = base.facts.python(minor, spec.base_image)
    mtime = _epoch(created)
    layers = []

    def add(entries: Sequence[Entry], created_by: str) -> None:
        blob = make_layer(lambda: tar_stream(entries, mtime), f"v{FORMAT}\0{recipe(entries, mtime)}", cache, check)
        layers.append(NewLayer(blob, created_by))

    add(_prepared_base(base, python, minor), f"jupyter-containerize: user {USER} ({UID}), an empty virtual "
                                              f"environment for {python}, /out and {WORKDIR}")
    log(f"Environment layer from {len(segments)} installed packages")
    env_recipe = f"v{FORMAT}\0env\0" + "\n".join(str(s.name) for s in segments)

    def environment() -> Iterator[bytes]:  # planned only when the layer is not made already
        return layer_bytes(plan_layer([(segment, members_of(segment)) for segment in segments]))

    layers.append(NewLayer(make_layer(environment, env_recipe, cache, check),
                           f"jupyter-containerize: {len(segments)} installed packages"))
    for layer in notebook_layers(spec):
        add(layer.entries, layer.created_by)
    config = notebook_config(base.config_json, spec, [(new.blob.diff_id, new.created_by) for new in layers], created,
                             runtime=True)
    manifest = canonical({
        "schemaVersion": 2, "mediaType": MANIFEST,
        "config": {"mediaType": CONFIG, "digest": sha256(config), "size": len(config)},
        "layers": [*base.layers, *[layer.blob.descriptor() for layer in layers]],
        "annotations": {"org.opencontainers.image.base.name": spec.base_image,
                        "org.opencontainers.image.base.digest": base.reference.digest or ""},
    })
    cache.put_bytes(config)
    return Image(platform, base, layers, config, manifest)


def _epoch(created: str) -> int:
    return int(datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp())


def _prepared_base(base: BaseImage, python: str, minor: str) -> list[Entry]:
    passwd, group = base.facts.passwd, base.facts.group
    if not passwd.strip():
        passwd = "root:x:0:0:root:/root:/bin/sh\n"
    if not group.strip():
        group = "root:x:0:\n"
    if not any(line.split(":")[2:3] == [str(UID)] for line in passwd.splitlines()):
        passwd = passwd.rstrip("\n") + f"\n{USER}:x:{UID}:{UID}::/home/{USER}:/bin/sh\n"
    if not any(line.split(":")[2:3] == [str(UID)] for line in group.splitlines()):
        group = group.rstrip("\n") + f"\n{USER}:x:{UID}:\n"
    venv = VENV.lstrip("/")
    home = f"home/{USER}"
    entries = [
        Entry("etc/passwd", data=passwd.encode()),
        Entry("etc/group", data=group.encode()),
        Entry(f"{venv}/pyvenv.cfg", data=(f"home = {python.rsplit('/', 1)[0]}\ninclude-system-site-packages = false\n"
                                          f"version = {minor}\n").encode()),
        Entry(f"{venv}/bin/python", "symlink", 0o777, target=python),
        Entry(f"{venv}/bin/python3", "symlink", 0o777, target="python"),
        Entry(f"{venv}/bin/python{minor}", "symlink", 0o777, target="python"),
        Entry(f"{venv}/lib64", "symlink", 0o777, target="lib"),
        Entry(f"{venv}/lib/python{minor}/site-packages", "dir"),
        Entry(f"{venv}/include", "dir"),
        Entry("out", "dir", 0o755, UID),
        Entry(home, "dir", 0o755, UID),
        Entry(WORKDIR.lstrip("/"), "dir", 0o755, UID),
    ]
    named = {e.name for e in entries}
    return entries + [f for f in folders([e.name for e in entries]) if f.name not in named]


def source_date(spec: ContextSpec, environ: Optional[dict] = None) -> str:
    """The image's creation time, a build input: ``SOURCE_DATE_EPOCH`` when set, else the
    Unix epoch, so that the same inputs give the same image on any machine."""
    value = (environ if environ is not None else os.environ).get("SOURCE_DATE_EPOCH", "")
    seconds = int(value) if value.isdigit() else 0
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
