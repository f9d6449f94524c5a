"""The host's persistent wheel cache: the exact locked files, fetched once, found by hash."""

from __future__ import annotations

import hashlib
import json
import tempfile
import threading
from pathlib import Path
from typing import Optional

from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from ..errors import LockError
from ..models import Lock
from ..settings import Timeouts
from . import pip
from .target import Target

_INDEX = "sha256-index.json"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Wheelhouse:
    """A folder of wheels plus an index of their sha256 (kept by file name, size and mtime)."""

    def __init__(self, directory: Path):
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        index = directory / _INDEX
        self._index: dict[str, list] = json.loads(index.read_text()) if index.exists() else {}

    def _hash_of(self, path: Path) -> str:
        stat = path.stat()
        known = self._index.get(path.name)
        if known and known[0] == stat.st_size and known[1] == stat.st_mtime_ns:
            return known[2]
        value = file_sha256(path)
        self._index[path.name] = [stat.st_size, stat.st_mtime_ns, value]
        return value

    def _save_index(self) -> None:
        tmp = self.directory / f"{_INDEX}.tmp"
        tmp.write_text(json.dumps(self._index, sort_keys=True))
        tmp.replace(self.directory / _INDEX)

    def _by_hash(self) -> dict[str, Path]:
        found = {}
        for path in self.directory.glob("*.whl"):
            try:
                parse_wheel_filename(path.name)
            except InvalidWheelFilename:
                continue
            found[f"sha256:{self._hash_of(path)}"] = path
        return found

    def _for_target(self, target: Target) -> dict[str, Path]:
        """The wheels here the target can install: a lock pins the files of every platform
        (amd64 and arm64), and an arm64 build leaves its wheels in the same cache."""
        return {h: path for h, path in self._by_hash().items() if target.accepts_wheel(path.name)}

    def wheels_for(self, lock: Lock, target: Target, *, timeout: Optional[float] = Timeouts.pip,
                   cancelled: Optional[threading.Event] = None) -> list[Path]:
        """The locked files, downloading those not yet here (hash-checked by pip, which
        may take ``timeout`` seconds and stops soon after ``cancelled`` is set)."""
        found = self._for_target(target)
        missing = [p for p in lock.packages if not any(h in found for h in p.hashes)]
        if missing:
            with tempfile.TemporaryDirectory(prefix="containerize-fetch-") as tmp:
                request = Path(tmp, "missing.lock")
                request.write_text("".join(
                    f"{p.name}=={p.version} " + " ".join(f"--hash={h}" for h in p.hashes) + "\n"
                    for p in missing))
                pip.download(request, target, self.directory, timeout=timeout, cancelled=cancelled)
            found = self._for_target(target)
        self._save_index()
        wheels = []
        for package in lock.packages:
            path = next((found[h] for h in package.hashes if h in found), None)
            if path is None:
                raise LockError(f"{package.name}=={package.version}: no file with the locked hash")
            name, version, *_ = parse_wheel_filename(path.name)
            if canonicalize_name(name) != package.name:
                raise LockError(f"{path.name} does not hold {package.name}")
            wheels.append(path)
        return sorted(wheels)
