"""An image made without a builder: a parent image plus one layer assembled from tar segments.

The layer is the concatenation of the segments (``installed.py``), each path once, and the
end-of-archive marker; its digest (the *diff id*) follows from its bytes, the image's config
from the parent's config, the diff id, the labels and the runtime settings, and the image id
from the config. The engine
loads the result as a ``docker save`` archive that holds only the new layer: the parent's
layers are already there (``docker load`` skips layers it has). Everything is deterministic,
so the same packages on the same parent give the same image id. Pure apart from the files
it is given.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterator, Optional, Sequence

from ..errors import ContainerizeError

EPOCH = "1970-01-01T00:00:00Z"  # fixed times keep the image id a function of its content
_BLOCK = 1 << 20


Segment = tuple[Path, Sequence[tuple[str, int, int]]]  # a tar segment, its members' (name, start, end)


@dataclass(frozen=True)
class Layer:
    """A layer tar made of byte ranges of segments plus the end-of-archive marker."""

    ranges: tuple[tuple[Path, int, int], ...]
    size: int


def plan_layer(segments: Sequence[Segment]) -> Layer:
    """Each path once: the first package to bring a path (a shared directory, a namespace
    package) keeps it, as the engine refuses a layer with duplicate paths."""
    seen: set[str] = set()
    ranges = tuple((path, start, end) for path, members in segments for start, end in _ranges(members, seen))
    return Layer(ranges, sum(end - start for _, start, end in ranges) + 2 * tarfile.BLOCKSIZE)


def _ranges(members: Sequence[tuple[str, int, int]], seen: set[str]) -> Iterator[tuple[int, int]]:
    """The byte ranges of the members not seen yet, adjacent ones merged."""
    current = None
    for name, start, end in members:
        key = name.rstrip("/")
        if key in seen:
            continue
        seen.add(key)
        if current and current[1] == start:
            current = (current[0], end)
        else:
            if current:
                yield current
            current = (start, end)
    if current:
        yield current


def read_exactly(handle: BinaryIO, size: int, short: Exception) -> Iterator[bytes]:
    """``size`` bytes of ``handle`` in blocks of at most 1 MiB; ``short`` is raised when the
    file ends first (it shrank while being read)."""
    left = size
    while left:
        block = handle.read(min(_BLOCK, left))
        if not block:
            raise short
        left -= len(block)
        yield block


def layer_bytes(layer: Layer) -> Iterator[bytes]:
    for path, start, end in layer.ranges:
        with path.open("rb") as handle:
            handle.seek(start)
            yield from read_exactly(handle, end - start, ValueError(f"{path} ends before its index says"))
    yield b"\0" * (2 * tarfile.BLOCKSIZE)


def child_config(parent_config: bytes, diff_id: str, *, labels: dict[str, str], created_by: str,
                 runtime: Optional[dict] = None) -> bytes:
    """The config of the image ``parent + layer``, with ``labels`` added and the ``runtime``
    settings (``Env`` as a dict merged into the parent's, ``User``, ``WorkingDir``,
    ``Entrypoint``, ``Cmd``) set."""
    config = json.loads(parent_config)
    child = {key: config[key] for key in ("architecture", "os", "variant") if key in config}
    settings = copy.deepcopy(config.get("config") or {})
    settings["Labels"] = {**(settings.get("Labels") or {}), **labels}
    for key, value in (runtime or {}).items():
        if key == "Env":
            env = dict(item.split("=", 1) for item in settings.get("Env") or [])
            env.update({name: v.replace("$PATH", env.get("PATH", "")) for name, v in value.items()})
            settings["Env"] = [f"{name}={v}" for name, v in env.items()]
        else:
            settings[key] = value
    child["config"] = settings
    child["created"] = EPOCH
    child["history"] = [*config.get("history", []), {"created": EPOCH, "created_by": created_by}]
    rootfs = config.get("rootfs") or {"type": "layers", "diff_ids": []}
    child["rootfs"] = {"type": "layers", "diff_ids": [*rootfs.get("diff_ids", []), diff_id]}
    return json.dumps(child, sort_keys=True, separators=(",", ":")).encode()


def image_id(config: bytes) -> str:
    return f"sha256:{hashlib.sha256(config).hexdigest()}"


def canonical(value) -> bytes:
    """JSON with sorted keys and no spaces: the bytes of a config or manifest are its digest."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class ArchiveLayer:
    """A layer of a :class:`LoadArchive`: its tar's bytes, or only its diff id when the
    engine has it already (it is then named and not sent)."""

    size: int = 0  # bytes of the tar
    chunks: Optional[Callable[[], Iterator[bytes]]] = None
    diff_id: Optional[str] = None  # known: not sent


class LoadArchive:
    """The ``docker save`` archive of an image made of a parent the engine has and new
    layers, streamed, holding only the layers the engine lacks. Each layer sent goes first
    and is hashed on the way; ``make_config(diff_ids)`` (the new layers' diff ids, in order)
    then gives the config, which follows (the engine reads the archive whole before it looks
    at the manifest). ``config`` and ``diff_ids`` are set at the end. Without ``tag`` the
    image is loaded untagged."""

    def __init__(self, parent_config: bytes, layers: Sequence[ArchiveLayer],
                 make_config: Callable[[list[str]], bytes], tag: Optional[str] = None):
        self.parent_config, self.layers, self.make_config, self.tag = parent_config, layers, make_config, tag
        self.config: Optional[bytes] = None
        self.diff_ids: list[str] = []

    @classmethod
    def of_layer(cls, parent_config: bytes, layer: Layer, tag: str, **config_options) -> "LoadArchive":
        """``parent + layer`` (tar segments), its config made by :func:`child_config`."""
        return cls(parent_config, [ArchiveLayer(layer.size, lambda: layer_bytes(layer))],
                   lambda ids: child_config(parent_config, ids[0], **config_options), tag)

    def chunks(self) -> Iterator[bytes]:
        names, self.diff_ids = [], []
        for n, layer in enumerate(self.layers):
            if layer.chunks is None:
                self.diff_ids.append(layer.diff_id)
                names.append(f"{layer.diff_id.split(':')[1]}/layer.tar")  # named, not sent: the engine has it
                continue
            name, digest, size = f"new-{n}/layer.tar", hashlib.sha256(), 0
            yield _header(name, layer.size)
            for block in layer.chunks():
                digest.update(block)
                size += len(block)
                yield block
            if size != layer.size:
                raise ContainerizeError(f"A file of the image changed while it was read (layer {n}: {size} bytes, "
                                        f"not the {layer.size} planned)")
            yield _padding(layer.size)
            self.diff_ids.append(f"sha256:{digest.hexdigest()}")
            names.append(name)
        self.config = self.make_config(self.diff_ids)
        parents = json.loads(self.parent_config).get("rootfs", {}).get("diff_ids", [])
        # The parent's layers are named but not sent: the engine has them.
        layers = [f"{d.split(':')[1]}/layer.tar" for d in parents] + names
        config_name = f"{image_id(self.config).split(':')[1]}.json"
        manifest = json.dumps([{"Config": config_name, "RepoTags": [self.tag] if self.tag else None,
                                "Layers": layers}]).encode()
        yield _member_bytes(config_name, self.config)
        yield _member_bytes("manifest.json", manifest)
        yield b"\0" * (2 * tarfile.BLOCKSIZE)


def tar_header(name: str, size: int, mode: int, kind: bytes = tarfile.REGTYPE) -> bytes:
    """The header of a member owned by root, time 0: the bytes ``tarfile`` writes in PAX
    format (a long name in a pax record before the header), made directly for ASCII names
    (tarfile's own code is several times slower, and a layer has tens of thousands)."""
    full = name + "/" if kind == tarfile.DIRTYPE else name
    if not full.isascii() or size >= 0o77777777777:
        info = tarfile.TarInfo(name)
        info.type, info.mode, info.size = kind, mode, size
        info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
        return info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
    encoded = full.encode()
    if len(encoded) <= 100:
        return _ustar(encoded, size, mode, kind)
    length = len(encoded) + len(b"path") + 3
    digits = total = 0
    while True:  # the record's length counts its own digits
        total = length + len(str(digits))
        if total == digits:
            break
        digits = total
    record = b"%d path=%s\n" % (digits, encoded)
    return (_ustar(b"././@PaxHeader", len(record), 0, tarfile.XHDTYPE) + record + _padding(len(record))
            + _ustar(encoded[:100], size, mode, kind))


def _ustar(name: bytes, size: int, mode: int, kind: bytes) -> bytes:
    head = (name.ljust(100, b"\0") + b"%07o\0" % (mode & 0o7777) + b"0000000\0" * 2
            + b"%011o\0" % size + b"00000000000\0")
    tail = kind + b"\0" * 100 + b"ustar\x0000" + b"\0" * (64 + 16 + 167)
    return head + b"%06o\0 " % (sum(head) + sum(tail) + 8 * 32) + tail


def _header(name: str, size: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o644, 0
    return info.tobuf(format=tarfile.PAX_FORMAT)


def _padding(size: int) -> bytes:
    return b"\0" * (-size % tarfile.BLOCKSIZE)


def _member_bytes(name: str, data: bytes) -> bytes:
    return _header(name, len(data)) + data + _padding(len(data))


def config_from_save(chunks: Iterator[bytes]) -> bytes:
    """The config of the one image in a ``docker save`` stream (its layers are skipped)."""
    members: dict[str, bytes] = {}
    with tarfile.open(fileobj=_ChunkReader(chunks), mode="r|") as tar:
        for member in tar:
            if member.isfile() and member.name.endswith(".json") and "/" not in member.name:
                members[member.name] = tar.extractfile(member).read()
    manifest = json.loads(members["manifest.json"])
    return members[manifest[0]["Config"]]


class _ChunkReader(io.RawIOBase):
    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = iter(chunks)
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        while not self._buffer:
            try:
                self._buffer = next(self._chunks)
            except StopIteration:
                return 0
        n = min(len(target), len(self._buffer))
        target[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n
