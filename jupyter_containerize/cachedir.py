"""The host cache (``ContainerizeApp.cache_dir``) as several servers and users share it.

Every cache entry (a wheel, an installed segment, an index answer, a resolution, an image
config, a prepared base) is written beside its final name and renamed into place
(:func:`write_atomic`, :func:`temporary`): a reader sees a whole entry or none, whichever
process wrote it. Work that should happen once (installing a wheel version, downloading a
file) runs under an exclusive lock on a ``.lock`` file beside the entry (:func:`locked`):
a second server waits for the first, then finds the entry made and reuses it.

Shared by several Unix users (JupyterHub): give the cache folder a group and the setgid bit
(``install -d -m 2775 -g GROUP DIR``). Folders and files made inside a setgid folder are then
group-writable (folders keep the setgid bit, so the group carries on down), whatever the
servers' umask. Elsewhere the modes are the usual 0755 / 0644.

A process killed while writing (a culled server, the OOM killer) leaves its temporary file:
the next one to write in that folder removes those untouched for a day (a writer's file is
written to, so it is minutes old at most: every download, install and compile has a time-out).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import tempfile
import threading
import time
from pathlib import Path
from typing import Iterator, Optional

from .errors import Cancelled

POLL_S = 0.05  # how often a wait for another process's lock looks at the cancel event
STALE_TEMPORARY_S = 24 * 3600.0  # a temporary file untouched this long has no writer left
SWEEP_EVERY_S = 3600.0  # how often one process looks for them in one folder


def _shared(folder: Path) -> bool:
    try:
        return bool(os.stat(folder).st_mode & stat.S_ISGID)
    except OSError:
        return False


def file_mode(folder: Path, executable: bool = False) -> int:
    """The mode of a new file in ``folder``: group-writable when the folder is setgid."""
    mode = 0o775 if executable else 0o664
    return mode if _shared(folder) else mode & ~0o020


def make_dirs(folder: Path) -> Path:
    """``folder`` and its missing parents; those made inside a setgid folder get group write
    and keep the setgid bit."""
    folder = Path(folder)
    if folder.is_dir():
        return folder
    missing = []
    current = folder
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    for path in reversed(missing):
        try:
            path.mkdir()
        except FileExistsError:
            continue
        if _shared(path.parent):
            with contextlib.suppress(OSError):
                path.chmod(0o2775)
    return folder


_swept: dict[Path, float] = {}
_swept_lock = threading.Lock()


def _sweep_stale(folder: Path) -> None:
    """Remove the temporary files of :func:`temporary` in ``folder`` that nobody has written to
    for :data:`STALE_TEMPORARY_S` (their writer was killed)."""
    cutoff = time.time() - STALE_TEMPORARY_S
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if not (entry.name.startswith(".") and entry.name.endswith(".tmp")):
                continue
            with contextlib.suppress(OSError):
                if entry.is_file(follow_symlinks=False) and entry.stat(follow_symlinks=False).st_mtime < cutoff:
                    os.unlink(entry.path)


def _sweep_now_and_then(folder: Path) -> None:
    with _swept_lock:
        now = time.monotonic()
        last = _swept.get(folder)
        if last is not None and now - last < SWEEP_EVERY_S:
            return
        _swept[folder] = now
    _sweep_stale(folder)


@contextlib.contextmanager
def temporary(target: Path, *, executable: bool = False) -> Iterator[tuple[int, Path]]:
    """An open file descriptor and path beside ``target``, renamed onto ``target`` when the
    block ends normally, removed otherwise."""
    folder = make_dirs(Path(target).parent)
    _sweep_now_and_then(folder)
    fd, name = tempfile.mkstemp(prefix=f".{Path(target).name[:80]}.", suffix=".tmp", dir=folder)
    path = Path(name)
    try:
        os.fchmod(fd, file_mode(folder, executable))
        yield fd, path
        os.replace(path, target)
    except BaseException:
        with contextlib.suppress(OSError):
            path.unlink()
        raise
    finally:
        with contextlib.suppress(OSError):
            os.close(fd)


def write_atomic(target: Path, data: bytes | str) -> None:
    """Write ``data`` to ``target`` so that no reader ever sees part of it."""
    with temporary(target) as (fd, _):
        with os.fdopen(os.dup(fd), "wb") as handle:
            handle.write(data.encode() if isinstance(data, str) else data)


@contextlib.contextmanager
def locked(target: Path, cancelled: Optional[threading.Event] = None) -> Iterator[None]:
    """Hold the exclusive lock of ``target`` (a ``flock`` on ``target.lock``, removed when
    released): other processes and threads asking for it wait. A wait stops with
    :class:`Cancelled` soon after ``cancelled`` is set. The lock goes with the process: one
    that is killed holds nothing."""
    target = Path(target)
    folder = make_dirs(target.parent)
    path = target.with_name(target.name + ".lock")
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, file_mode(folder))
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if cancelled is not None and cancelled.is_set():
                        raise Cancelled(f"Waiting for {target.name} in the cache: cancelled") from None
                    time.sleep(POLL_S)
            try:  # the holder before removed the file: lock the one at the path now
                if os.stat(path).st_ino == os.fstat(fd).st_ino:
                    break
            except FileNotFoundError:
                pass
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
        os.close(fd)  # releases the lock
