"""The host's persistent wheel cache: the exact locked files, fetched once, found by hash."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable, Optional

from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from .. import cachedir
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


_KNOWN: dict[tuple[str, int, int], str] = {}  # (path, size, mtime_ns) -> sha256, this process's memo


def known_sha256(path: Path) -> str:
    """The sha256 of a file, remembered for as long as its size and time stay the same (the
    wheelhouse hashes each of its wheels once; the segment cache and the environment image's
    labels ask again)."""
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    value = _KNOWN.get(key)
    if value is None:
        value = _KNOWN[key] = file_sha256(path)
    return value


class Wheelhouse:
    """A folder of wheels plus an index of their sha256 (kept by file name, size and mtime).
    The folder may be shared by several servers (see ``..cachedir``): a file is downloaded
    under a lock and appears by an atomic rename, only once its sha256 is a locked one."""

    DOWNLOADS = 6  # files fetched at once

    def __init__(self, directory: Path, *, index_cache: Optional[Path] = None):
        self.directory = directory
        self.index_cache = index_cache  # the cache folder of the index's answers (``PackageIndex``)
        cachedir.make_dirs(directory)
        self._index: dict[str, list] = self._read_index()
        self._index_changed = False

    def _hash_of(self, path: Path) -> str:
        stat = path.stat()
        known = self._index.get(path.name)
        if known and known[0] == stat.st_size and known[1] == stat.st_mtime_ns:
            value = known[2]
        else:
            value = file_sha256(path)
            self._index[path.name] = [stat.st_size, stat.st_mtime_ns, value]
            self._index_changed = True
        _KNOWN[(str(path), stat.st_size, stat.st_mtime_ns)] = value
        return value

    def _read_index(self) -> dict[str, list]:
        try:
            index = json.loads((self.directory / _INDEX).read_text())
        except (OSError, ValueError):
            return {}
        return index if isinstance(index, dict) else {}

    def _save_index(self) -> None:
        """Add what this build hashed to the index, with what other builds added since this
        one read it (they hash other notebooks' wheels); nothing to write when it hashed nothing."""
        if not self._index_changed:
            return
        try:
            with cachedir.locked(self.directory / _INDEX):
                self._index = {**self._read_index(), **self._index}
                cachedir.write_atomic(self.directory / _INDEX, json.dumps(self._index, sort_keys=True))
            self._index_changed = False
        except OSError:
            pass  # a memo: losing it costs hashing again

    def _by_hash(self, names: set[str]) -> dict[str, Path]:
        """The wheels here of the distributions ``names`` (canonical), by sha256. A shared
        cache holds thousands of wheels of other notebooks: their files are not looked at."""
        found = {}
        with os.scandir(self.directory) as entries:
            for entry in entries:
                if not entry.name.endswith(".whl") or canonicalize_name(entry.name.split("-", 1)[0]) not in names:
                    continue
                try:
                    parse_wheel_filename(entry.name)
                except InvalidWheelFilename:
                    continue
                path = Path(entry.path)
                found[f"sha256:{self._hash_of(path)}"] = path
        return found

    def wheels_for(self, lock: Lock, target: Target, *, timeout: Optional[float] = Timeouts.pip,
                   cancelled: Optional[threading.Event] = None,
                   on_download: Optional[Callable[[Path], None]] = None) -> list[Path]:
        """The locked files, downloading those not yet here (several at once, each checked
        against the lock's sha256; what the index does not list is left to pip). The whole
        download may take ``timeout`` seconds and stops soon after ``cancelled`` is set.
        ``on_download`` is called with each file this call downloads as soon as it is here,
        from any thread (the files already here are not new to anyone)."""
        names = {package.name for package in lock.packages}
        found = self._by_hash(names)
        missing = [p for p in lock.packages if _pick(p, found, target) is None]
        ready = _Ready(on_download)
        if missing:
            left = self._download(missing, target, timeout, cancelled, ready)
            if left:
                with tempfile.TemporaryDirectory(prefix="containerize-fetch-") as tmp:
                    request = Path(tmp, "missing.lock")
                    request.write_text("".join(
                        f"{p.name}=={p.version} " + " ".join(f"--hash={h}" for h in p.hashes) + "\n"
                        for p in left))
                    pip.download(request, target, Path(tmp, "files"), timeout=timeout, cancelled=cancelled)
                    for fetched in Path(tmp, "files").iterdir():  # into the shared folder whole (pip copies)
                        with cachedir.temporary(self.directory / fetched.name) as (fd, _):
                            with os.fdopen(os.dup(fd), "wb") as out, fetched.open("rb") as handle:
                                shutil.copyfileobj(handle, out, 1 << 20)
            found = self._by_hash(names)
            for package in left:
                path = _pick(package, found, target)
                if path is not None:
                    ready(path)
        self._save_index()
        wheels = []
        for package in lock.packages:
            path = _pick(package, found, target)
            if path is None:
                raise LockError(f"{package.name}=={package.version}: no file with the locked hash "
                                f"for {target.platform}")
            name, version, *_ = parse_wheel_filename(path.name)
            if canonicalize_name(name) != package.name:
                raise LockError(f"{path.name} does not hold {package.name}")
            wheels.append(path)
        return sorted(wheels)

    def _download(self, packages: list, target: Target, timeout: Optional[float],
                  cancelled: Optional[threading.Event], ready: "_Ready") -> list:
        """Fetch the wheel the target installs of each package from where the index lists
        it; return the packages it could not place (no wheel listed with a locked hash)."""
        from .artifacts import installable
        from .index import PackageIndex
        from .pip import host_index_config

        index = PackageIndex(host_index_config(), self.index_cache, cancelled=cancelled)
        deadline = time.monotonic() + (timeout if timeout is not None else 365 * 86400.0)

        def one(package):
            wanted = {h.partition(":")[2] for h in package.hashes if h.startswith("sha256:")}
            files = [f for f in installable(index.files(package.name, package.version), target) if f.sha256 in wanted]
            if not files:
                return package
            chosen = min(files, key=lambda f: (target.preference(f.filename), f.filename))
            url = index.url_for(package.name, package.version, chosen.sha256)
            if url is None:
                return package
            path = self.directory / chosen.filename
            with cachedir.locked(path, cancelled):
                if not (path.is_file() and self._hash_of(path) == chosen.sha256):
                    with cachedir.temporary(path) as (fd, _):
                        with os.fdopen(os.dup(fd), "wb", buffering=1 << 20) as out:
                            got = index.download(url, out, deadline=deadline)
                        if got != chosen.sha256:
                            raise LockError(f"{package.name}=={package.version}: the file downloaded for it "
                                            f"({chosen.filename}) has sha256 {got[:16]}..., not the locked "
                                            f"{chosen.sha256[:16]}...: refused")
                    self._hash_of(path)
            ready(path)
            return None

        with ThreadPoolExecutor(max_workers=min(self.DOWNLOADS, len(packages)),
                                thread_name_prefix="containerize-download") as pool:
            return [p for p in pool.map(one, packages) if p is not None]


def _pick(package, found: dict[str, Path], target: Target) -> Optional[Path]:
    """The file of ``package`` here that the target installs (the lock hashes the files of
    every Linux platform, and a shared cache holds others'); a wheel built on the host for
    it (named in the lock) as it is."""
    here = [found[h] for h in package.hashes if h in found]
    if package.wheel:
        return next((p for p in here if p.name == package.wheel), None)
    usable = [p for p in here if _fits(p.name, target)]
    return min(usable, key=lambda p: (target.preference(p.name), p.name)) if usable else None


class _Ready:
    """Tells ``on_download`` about each wheel once; its failures are not the download's."""

    def __init__(self, on_download: Optional[Callable[[Path], None]]):
        self.on_download, self.told, self.lock = on_download, set(), threading.Lock()

    def __call__(self, path: Path) -> None:
        if self.on_download is None:
            return
        with self.lock:
            if path in self.told:
                return
            self.told.add(path)
        try:
            self.on_download(path)
        except Exception:  # noqa: BLE001 - best effort: the caller waits for its own work later
            pass


def _fits(filename: str, target: Target) -> bool:
    """A wheel the target's pip would take, or one built on the host for its machine."""
    if target.accepts_wheel(filename):
        return True
    try:
        platforms = {tag.platform for tag in parse_wheel_filename(filename)[3]}
    except InvalidWheelFilename:
        return False
    return bool(platforms & {"any", f"linux_{target.machine}"})
