"""Packages the index cannot give the image: wheels built (or copied) on the host and shipped.

PEP 610 ``direct_url.json`` says where a kernel's package came from: a VCS commit, a local
folder (editable or not), an archive. The image builds offline, so each is turned into a
wheel on the host (``pip wheel --no-deps``), put in the wheelhouse the build context is
filled from, and locked by that wheel's hash; pip finds it there by name, version and hash
(``--find-links``). A version whose only file on the index is an sdist goes the same way.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from packaging.utils import canonicalize_name, parse_wheel_filename

from .. import cachedir
from ..errors import Cancelled, LockError
from ..redact import redact
from ..settings import Timeouts
from . import pip
from .target import Target
from .wheelhouse import file_sha256

_SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__", "build", "dist", ".tox", ".nox", ".venv", "node_modules"}


@dataclass(frozen=True)
class Shipped:
    wheel: Path  # in the wheelhouse
    sha256: str
    origin: str  # for the lock's comment: 'name @ git+URL@COMMIT', 'editable', 'directory', ...


def _tree_key(folder: Path) -> str:
    """Changes whenever a file under ``folder`` changes (size, mtime), so edits rebuild."""
    digest = hashlib.sha256(str(folder.resolve()).encode())
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.endswith(".egg-info"))
        for name in sorted(files):
            try:
                st = os.stat(os.path.join(root, name))
            except OSError:
                continue
            digest.update(f"{os.path.relpath(os.path.join(root, name), folder)}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:24]


def _local_path(url: str) -> Optional[Path]:
    if not url.startswith("file:"):
        return None
    path = Path(urllib.request.url2pathname(urllib.parse.urlparse(url).path))
    return path if path.exists() else None


def _copy_atomic(source: Path, target: Path) -> None:
    """``source`` copied to ``target`` in the (shared) cache: whole, or not there."""
    with cachedir.temporary(target) as (fd, _), os.fdopen(os.dup(fd), "wb") as out, source.open("rb") as handle:
        shutil.copyfileobj(handle, out, 1 << 20)


class Builder:
    """Builds (once per source state) and places wheels in ``wheelhouse``. Each build may
    take ``timeout`` seconds and stops soon after ``cancelled`` is set."""

    def __init__(self, cache_dir: Optional[Path], *, timeout: Optional[float] = Timeouts.wheel_build,
                 cancelled: Optional[threading.Event] = None):
        self.root = cache_dir or Path(tempfile.mkdtemp(prefix="containerize-built-"))
        self.wheelhouse = self.root / "wheels"
        self.timeout, self.cancelled = timeout, cancelled

    def _build(self, key: str, source: str) -> Path:
        folder = self.root / "built" / key
        found = sorted(folder.glob("*.whl")) if folder.is_dir() else []
        if not found:
            with cachedir.locked(folder, self.cancelled):  # another server may be building it
                found = sorted(folder.glob("*.whl")) if folder.is_dir() else []
                if found:
                    return found[0]
                if self.cancelled is not None and self.cancelled.is_set():
                    raise Cancelled(f"Building a wheel of {redact(source)}: cancelled")
                with tempfile.TemporaryDirectory(prefix="containerize-wheel-") as tmp:
                    built = pip.build_wheel(source, Path(tmp), timeout=self.timeout, cancelled=self.cancelled)
                    _copy_atomic(built, folder / built.name)
                found = [folder / built.name]
        return found[0]

    def _place(self, name: str, version: str, wheel: Path, target: Target, origin: str) -> Shipped:
        wheel_name, wheel_version, *_ = parse_wheel_filename(wheel.name)
        if canonicalize_name(wheel_name) != name:
            raise LockError(f"{name}: the wheel built from its {origin} is {wheel.name}")
        if str(wheel_version) != version and wheel_version.public != version:
            raise LockError(f"{name}=={version}: the wheel built from its {origin} holds version "
                            f"{wheel_version} (rebuild or reinstall it in the kernel)")
        if not (target.accepts_wheel(wheel.name) or self._host_native(wheel.name, target)):
            raise LockError(f"{name}=={version} ({origin}) builds {wheel.name}, which does not install "
                            f"on {target.platform}; it needs a wheel built for that platform")
        placed = self.wheelhouse / wheel.name
        sha = file_sha256(wheel)
        if not placed.exists() or file_sha256(placed) != sha:
            _copy_atomic(wheel, placed)
        return Shipped(placed, sha, origin)

    @staticmethod
    def _host_native(filename: str, target: Target) -> bool:
        """A ``linux_<machine>`` wheel built here installs in a Debian base image of the same
        architecture (the host is Linux, the base image's glibc is as new)."""
        import platform as host

        tags = parse_wheel_filename(filename)[3]
        return host.system() == "Linux" and host.machine() == target.machine and any(
            t.platform == f"linux_{target.machine}" and t.interpreter == target.cp_tag for t in tags)

    def direct(self, name: str, version: str, direct_url: dict, target: Target) -> Optional[Shipped]:
        """The shipped wheel for a PEP 610 install; None when its source is gone from this
        host (e.g. a conda build folder), so the index is asked instead."""
        url = direct_url.get("url", "")
        if "vcs_info" in direct_url:
            vcs = direct_url["vcs_info"]
            commit = vcs.get("commit_id") or vcs.get("requested_revision")
            reference = f"{vcs.get('vcs', 'git')}+{url}@{commit}"
            subdir = direct_url.get("subdirectory")
            source = reference + (f"#subdirectory={subdir}" if subdir else "")
            key = hashlib.sha256(source.encode()).hexdigest()[:24]
            return self._place(name, version, self._build(key, source), target, f"{name} @ {redact(reference)}")
        path = _local_path(url)
        if path is None:
            return None
        if "dir_info" in direct_url:
            origin = "editable install" if direct_url["dir_info"].get("editable") else "local folder"
            folder = path / direct_url["subdirectory"] if direct_url.get("subdirectory") else path
            return self._place(name, version, self._build(_tree_key(folder), str(folder)), target, origin)
        if path.suffix == ".whl":
            return self._place(name, version, path, target, "local wheel file")
        key = file_sha256(path)[:24]
        return self._place(name, version, self._build(key, str(path)), target, "local archive")

    def from_sdist(self, name: str, version: str, sdist_sha256: str, target: Target) -> Shipped:
        """The wheel built from the index's sdist of ``name==version`` (hash-checked by pip)."""
        key = sdist_sha256 or hashlib.sha256(f"{name}=={version}".encode()).hexdigest()
        return self._place(name, version, self._build(f"sdist-{key[:24]}", f"{name}=={version}"),
                           target, "sdist on the index, built on the host")
