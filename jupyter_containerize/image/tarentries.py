"""Reproducible tars of layer entries: written in name order with one time for every entry,
owner root or 1000 without names, no extended attributes, so the same entries give the
same bytes (and the same diff id) on any machine. The engine path loads such tars as they
are; the registry builder compresses them (``oci/tarlayer.py``)."""

from __future__ import annotations

import hashlib
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional

from ..errors import ContainerizeError
from .files import open_inside
from .layer import read_exactly


@dataclass(frozen=True)
class Entry:
    """One member of a layer. Paths have no leading slash; folders end without one."""

    name: str
    kind: str = "file"  # file, dir, symlink
    mode: int = 0o644
    uid: int = 0
    data: Optional[bytes] = None  # a file's content, or...
    source: Optional[Path] = None  # ...a host file to copy
    target: str = ""  # a symlink's target
    root: Optional[Path] = None  # the folder ``source`` must be inside when it is opened (untrusted files)

    def size(self) -> int:
        if self.kind != "file":
            return 0
        return len(self.data) if self.data is not None else self.source.stat().st_size

    def recipe(self) -> str:
        """What makes this entry's bytes, for the layer caches (a host file by its identity)."""
        if self.kind == "file" and self.data is None:
            stat = self.source.stat()
            content = f"file:{self.source}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ino}"
        elif self.kind == "file":
            content = "bytes:" + hashlib.sha256(self.data).hexdigest()
        else:
            content = f"{self.kind}:{self.target}"
        return f"{self.name}\0{self.mode:o}\0{self.uid}\0{content}"

    def header(self, mtime: int, size: int) -> bytes:
        info = tarfile.TarInfo(self.name + ("/" if self.kind == "dir" else ""))
        info.mtime, info.mode, info.uid, info.gid, info.uname, info.gname = mtime, self.mode, self.uid, self.uid, "", ""
        if self.kind == "dir":
            info.type = tarfile.DIRTYPE
        elif self.kind == "symlink":
            info.type, info.linkname = tarfile.SYMTYPE, self.target
        else:
            info.size = size
        return info.tobuf(format=tarfile.PAX_FORMAT)

    def open(self):
        return open_inside(self.source, self.root) if self.root is not None else self.source.open("rb")


def tar_stream(entries: Iterable[Entry], mtime: int) -> Iterator[bytes]:
    """The tar of ``entries`` in name order (parents before children), with the end marker."""
    for entry in sorted(entries, key=lambda e: e.name):
        size = entry.size()
        yield entry.header(mtime, size)
        if entry.kind != "file":
            continue
        if entry.data is not None:
            yield entry.data
        else:
            with entry.open() as handle:
                yield from read_exactly(handle, size, ContainerizeError(f"{entry.source.name} changed while it was read"))
        yield b"\0" * (-size % tarfile.BLOCKSIZE)
    yield b"\0" * (2 * tarfile.BLOCKSIZE)


def tar_size(entries: Iterable[Entry], mtime: int) -> int:
    """Bytes of :func:`tar_stream` (what a containing archive's header must say first)."""
    total = 2 * tarfile.BLOCKSIZE
    for entry in entries:
        size = entry.size()
        total += len(entry.header(mtime, size)) + size + (-size % tarfile.BLOCKSIZE)
    return total


def recipe(entries: Iterable[Entry], mtime: int) -> str:
    """What a tar of ``entries`` is made of: equal recipes, equal bytes (while the host files
    keep their identity)."""
    return f"{mtime}\0" + "\n".join(sorted(e.recipe() for e in entries))


def folders(names: Iterable[str], *, uid: int = 0, mode: int = 0o755) -> list[Entry]:
    """Folder entries for every parent of ``names`` (so the layer is complete on its own)."""
    parents = set()
    for name in names:
        parts = name.split("/")[:-1]
        parents.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    return [Entry(p, "dir", mode, uid) for p in sorted(parents)]
