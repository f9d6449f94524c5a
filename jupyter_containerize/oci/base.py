"""A base image read from its registry: the manifest for the target platform (an index
resolved), its config, its layers (kept in the blob cache), and what the prepared base needs
to know of its files: where its Python is, its users and groups, whether it has a shell.
Those facts are read once per base manifest and remembered."""

from __future__ import annotations

import gzip
import json
import os
import re
import tarfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import ContainerizeError
from .blobs import BlobCache
from .reference import Reference
from .registry import RegistryClient

INDEX_TYPES = ("application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json")
# Layers keep their bytes; the manifest we write is OCI, so docker media types are renamed.
OCI_LAYER = {
    "application/vnd.docker.image.rootfs.diff.tar.gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip": "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
}
_PYTHON = re.compile(r"^(usr/local/bin|usr/bin|bin)/python(3\.\d+)$")
FACTS_FORMAT = 2


class BaseImageError(ContainerizeError):
    status = 422
    reason = "Unusable base image"


@dataclass
class BaseFacts:
    pythons: dict = field(default_factory=dict)  # "3.11" -> "/usr/local/bin/python3.11"
    passwd: str = ""
    group: str = ""
    shell: bool = False
    size: int = 0  # bytes of the files of all its layers

    def python(self, minor: str, image: str) -> str:
        if minor in self.pythons:
            return self.pythons[minor]
        found = ", ".join(sorted(self.pythons)) or "none"
        raise BaseImageError(f"The base image {image} has Python {found}, but the notebook's kernel has {minor}: "
                             f"choose a Python {minor} base image (e.g. python:{minor}-slim)")


@dataclass
class BaseImage:
    reference: Reference  # with the platform manifest's digest
    manifest: dict
    config: bytes
    layers: list[dict]  # OCI descriptors of its layers (in the base's registry)
    facts: BaseFacts

    @property
    def config_json(self) -> dict:
        return json.loads(self.config)


def platform_of(platform: str) -> dict:
    os_name, _, rest = platform.partition("/")
    arch, _, variant = rest.partition("/")
    return {"os": os_name, "architecture": arch, **({"variant": variant} if variant else {})}


def fetch_base(reference: Reference, platform: str, client: RegistryClient, cache: BlobCache,
               log: Callable[[str], None] = lambda message: None) -> BaseImage:
    """The base image for ``platform``, its layers in the cache (downloaded when missing)."""
    data, media_type, digest = client.get_manifest(reference.repository, reference.ref)
    manifest = json.loads(data)
    if media_type in INDEX_TYPES or manifest.get("manifests"):
        digest = _pick(manifest, platform, reference)
        data, media_type, _ = client.get_manifest(reference.repository, digest)
        manifest = json.loads(data)
    if manifest.get("schemaVersion") != 2 or "config" not in manifest:
        raise BaseImageError(f"{reference} is not an image manifest this builder can read ({media_type})")
    config = _blob(client, cache, reference.repository, manifest["config"]["digest"], log)
    config_platform = json.loads(config)
    wanted = platform_of(platform)
    if config_platform.get("architecture") != wanted["architecture"] or config_platform.get("os") != wanted["os"]:
        raise BaseImageError(f"{reference} is for {config_platform.get('os')}/{config_platform.get('architecture')}, "
                             f"not {platform}")
    layers = [{**layer, "mediaType": OCI_LAYER.get(layer.get("mediaType"), layer.get("mediaType"))}
              for layer in manifest.get("layers", [])]
    facts = _facts(cache, digest, lambda: [_blob_path(client, cache, reference.repository, layer["digest"], log)
                                           for layer in layers])
    return BaseImage(reference.with_digest(digest), manifest, config, layers, facts)


def _pick(index: dict, platform: str, reference: Reference) -> str:
    wanted = platform_of(platform)
    candidates = []
    for entry in index.get("manifests", []):
        found = entry.get("platform") or {}
        if found.get("os") == wanted["os"] and found.get("architecture") == wanted["architecture"]:
            if "variant" not in wanted or found.get("variant") in (wanted["variant"], None):
                candidates.append(entry)
    if not candidates:
        offered = sorted({f"{(m.get('platform') or {}).get('os')}/{(m.get('platform') or {}).get('architecture')}"
                          for m in index.get("manifests", [])} - {"unknown/unknown"})
        raise BaseImageError(f"{reference} has no image for {platform} (it has {', '.join(offered) or 'none'})")
    return candidates[0]["digest"]


def _blob(client, cache: BlobCache, repository: str, digest: str, log) -> bytes:
    return _blob_path(client, cache, repository, digest, log).read_bytes()


def _blob_path(client, cache: BlobCache, repository: str, digest: str, log) -> Path:
    found = cache.get(digest)
    if found is None:
        log(f"Downloading {digest[:19]} from {client.registry}")
        found = cache.put(digest, client.get_blob(repository, digest))
    return found


def layer_members(path: Path):
    """The members of a layer blob (gzip or plain tar), streamed with their content readers."""
    with path.open("rb") as raw:
        magic = raw.read(2)
    opener = gzip.open if magic == b"\x1f\x8b" else open
    with opener(path, "rb") as stream, tarfile.open(fileobj=stream, mode="r|") as tar:
        for member in tar:
            yield member, tar


def _facts(cache: BlobCache, manifest_digest: str, layer_paths: Callable[[], list[Path]]) -> BaseFacts:
    """Read (once per base manifest) the base's Pythons, users, groups and shell."""
    memo = cache.root.parent / "oci-base-facts" / f"{manifest_digest.split(':')[1]}.v{FACTS_FORMAT}.json"
    try:
        return BaseFacts(**json.loads(memo.read_text()))
    except (OSError, ValueError, TypeError):
        pass
    present: dict[str, tarfile.TarInfo] = {}
    texts: dict[str, str] = {}
    size = 0
    for path in layer_paths():
        for member, tar in layer_members(path):
            size += member.size if member.isfile() else 0
            name = member.name.lstrip("./")
            folder, _, base = name.rpartition("/")
            if base == ".wh..wh..opq":  # an opaque folder: what lower layers had there is gone
                for known in [k for k in present if k.startswith(folder + "/")]:
                    present.pop(known)
                continue
            if base.startswith(".wh."):
                gone = f"{folder}/{base[4:]}".lstrip("/")
                for known in [k for k in present if k == gone or k.startswith(gone + "/")]:
                    present.pop(known)
                continue
            present[name] = member
            if name in ("etc/passwd", "etc/group") and member.isfile():
                texts[name] = tar.extractfile(member).read().decode("utf-8", "replace")
    pythons = {}
    for name in sorted(present):
        match = _PYTHON.match(name)
        if match and _resolves(name, present):
            pythons.setdefault(match.group(2), "/" + name)
    facts = BaseFacts(pythons=pythons, passwd=texts.get("etc/passwd", ""), group=texts.get("etc/group", ""),
                      shell=_resolves("bin/sh", present), size=size)
    memo.parent.mkdir(parents=True, exist_ok=True)
    tmp = memo.with_name(f".{memo.name}.{os.getpid()}")
    tmp.write_text(json.dumps(asdict(facts)))
    os.replace(tmp, memo)
    return facts


def _resolves(name: str, present: dict[str, tarfile.TarInfo], depth: int = 0) -> bool:
    """Whether ``name`` is a file in the image, following links (``bin`` -> ``usr/bin`` too)."""
    if depth > 20:
        return False
    parts = name.split("/")
    for i in range(1, len(parts) + 1):
        prefix = "/".join(parts[:i])
        member = present.get(prefix)
        if member is not None and member.issym():
            target = member.linkname
            base = "/".join(parts[:i - 1])
            resolved = target.lstrip("/") if target.startswith("/") else os.path.normpath(f"{base}/{target}").lstrip("./")
            rest = "/".join(parts[i:])
            return _resolves(f"{resolved}/{rest}".rstrip("/") if rest else resolved, present, depth + 1)
    member = present.get(name)
    return member is not None and (member.isfile() or member.islnk())
