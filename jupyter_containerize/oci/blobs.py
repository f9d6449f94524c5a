"""Blobs kept on disk by digest (``CACHE/blobs/sha256/HEX``): base image layers and configs
read from registries, and the compressed layers made here. An entry is written to a
temporary file, checked against its digest and renamed into place, so a half-written or
corrupt blob is never read, and several servers can share the cache."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Iterable, Optional

from ..errors import ContainerizeError


class DigestMismatch(ContainerizeError):
    status = 502
    reason = "Corrupt download"


class BlobCache:
    def __init__(self, root: Path):
        self.root = Path(root)

    def path(self, digest: str) -> Path:
        algorithm, _, hexdigest = digest.partition(":")
        if algorithm != "sha256" or len(hexdigest) != 64 or not all(c in "0123456789abcdef" for c in hexdigest):
            raise ContainerizeError(f"Unsupported digest {digest!r}")
        return self.root / algorithm / hexdigest

    def has(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def get(self, digest: str) -> Optional[Path]:
        path = self.path(digest)
        return path if path.is_file() else None

    def put(self, digest: str, chunks: Iterable[bytes]) -> Path:
        """Store the bytes of ``chunks`` as ``digest``; DigestMismatch when they are not."""
        target = self.path(digest)
        if target.is_file():
            for _ in chunks:  # drain what the caller opened
                pass
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        hasher = hashlib.sha256()
        fd, tmp = tempfile.mkstemp(prefix=".incoming-", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    hasher.update(chunk)
                    out.write(chunk)
            if f"sha256:{hasher.hexdigest()}" != digest:
                raise DigestMismatch(f"The blob downloaded as {digest} has the digest sha256:{hasher.hexdigest()}")
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target

    def put_bytes(self, data: bytes) -> str:
        digest = f"sha256:{hashlib.sha256(data).hexdigest()}"
        self.put(digest, [data])
        return digest
