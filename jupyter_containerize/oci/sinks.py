"""Where an assembled image goes: a registry, or an archive file.

Pushing sends only the blobs the registry lacks (HEAD first), links the base's layers from
their repository when the base lives in the same registry (a cross-repository mount: no
byte sent), uploads the rest, then puts the manifest under its digest; the tag is put last,
by :func:`tag`, once the image is verified. An archive is an OCI image layout in a tar that
is also a ``docker save`` archive, so ``docker load``, ``podman load`` and ``skopeo copy
oci-archive:`` all take it.
"""

from __future__ import annotations

import io
import json
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Optional, Sequence

from .assemble import INDEX, MANIFEST, Image, canonical, image_index, sha256
from .blobs import BlobCache
from .reference import Reference, parse
from .registry import RegistryClient

_COPY = 1 << 20


@dataclass
class PushReport:
    digest: str  # of the manifest, or of the index for several platforms
    uploaded: list[str] = field(default_factory=list)  # digests of the blobs sent
    mounted: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)


def push(images: Sequence[Image], target: Reference, client: RegistryClient, cache: BlobCache,
         base_client: Callable[[Image], RegistryClient], log: Callable[[str], None] = lambda m: None) -> PushReport:
    """Push the blobs and manifests of ``images`` to ``target``'s repository (untagged)."""
    report = PushReport(digest="")
    repository = target.repository
    for image in images:
        same_registry = image.base.reference.registry == target.registry
        base_layers = {layer["digest"] for layer in image.base.layers}
        blobs = [(layer["digest"], layer["size"]) for layer in json.loads(image.manifest)["layers"]]
        blobs.append((image.config_digest, len(image.config)))
        for digest, size in blobs:
            if digest in report.uploaded or digest in report.mounted or digest in report.present:
                continue
            if client.blob_exists(repository, digest):
                report.present.append(digest)
                continue
            if digest in base_layers and same_registry and image.base.reference.repository != repository:
                if client.mount_blob(repository, digest, image.base.reference.repository):
                    report.mounted.append(digest)
                    continue
            path = cache.get(digest)
            if path is None and digest in base_layers:  # a base layer not downloaded yet
                source = base_client(image)
                path = cache.put(digest, source.get_blob(image.base.reference.repository, digest))
            if path is None:
                raise FileNotFoundError(f"blob {digest} is not in the cache")
            log(f"Uploading {digest[7:19]} ({size / 1e6:.1f} MB)")
            client.upload_blob(repository, digest, size, lambda p=path: _read(p))
            report.uploaded.append(digest)
        client.put_manifest(repository, image.digest, image.manifest, MANIFEST)
    if len(images) == 1:
        report.digest = images[0].digest
    else:
        index = image_index(images)
        report.digest = client.put_manifest(repository, sha256(index), index, INDEX)
    return report


def tag(images: Sequence[Image], target: Reference, client: RegistryClient) -> None:
    """Point ``target``'s tag at the pushed manifest (or index)."""
    if len(images) == 1:
        client.put_manifest(target.repository, target.tag or "latest", images[0].manifest, MANIFEST)
    else:
        client.put_manifest(target.repository, target.tag or "latest", image_index(images), INDEX)


def _read(path: Path):
    with path.open("rb") as handle:
        while block := handle.read(_COPY):
            yield block


def write_archive(images: Sequence[Image], out: BinaryIO, cache: BlobCache, name: Optional[str],
                  base_client: Callable[[Image], RegistryClient]) -> int:
    """Write the images as an OCI layout tar that is also a ``docker save`` archive (the first
    image's platform for ``docker load``), named ``name`` (a tag as the user wrote it);
    return the bytes written."""
    written = 0
    reference = parse(name) if name else None
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        def add_bytes(path: str, data: bytes) -> None:
            nonlocal written
            info = _info(path, len(data))
            tar.addfile(info, io.BytesIO(data))
            written += len(data)

        def add_blob(digest: str, data: Optional[bytes] = None, image: Optional[Image] = None) -> None:
            nonlocal written
            if digest in seen:
                return
            seen.add(digest)
            if data is not None:
                add_bytes(f"blobs/sha256/{digest[7:]}", data)
                return
            path = cache.get(digest)
            if path is None:  # a base layer: fetched from its registry
                path = cache.put(digest, base_client(image).get_blob(image.base.reference.repository, digest))
            size = path.stat().st_size
            with path.open("rb") as handle:
                tar.addfile(_info(f"blobs/sha256/{digest[7:]}", size), handle)
            written += size

        seen: set[str] = set()
        add_bytes("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        for image in images:
            add_blob(image.config_digest, image.config)
            for layer in json.loads(image.manifest)["layers"]:
                add_blob(layer["digest"], image=image)
            add_blob(image.digest, image.manifest)
        manifests = [image.descriptor() for image in images]
        if name:
            for descriptor in manifests:
                descriptor["annotations"] = {"org.opencontainers.image.ref.name": reference.tag or "latest",
                                             "io.containerd.image.name": str(reference)}
        add_bytes("index.json", canonical({"schemaVersion": 2, "mediaType": INDEX, "manifests": manifests}))
        first = images[0]
        docker = [{"Config": f"blobs/sha256/{first.config_digest[7:]}",
                   "RepoTags": [name] if name else [],
                   "Layers": [f"blobs/sha256/{layer['digest'][7:]}" for layer in json.loads(first.manifest)["layers"]]}]
        add_bytes("manifest.json", canonical(docker))
    return written


def _info(path: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(path)
    info.size, info.mode, info.mtime, info.uname, info.gname = size, 0o644, 0, "", ""
    return info
