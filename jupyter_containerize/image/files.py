"""The host files that enter an image: local modules and data files, each inside the root.

A notebook from a cloned repository can hold symlinks (``helper.py -> ~/.ssh/id_rsa``, a data
folder holding a link to ``/etc``) and paths (``"../../etc/host*"``) that point outside the
folder its user works in. Every file that enters an image is resolved here (all links
followed) and taken only when it lies inside the *root*: the server root, or the CLI's
project folder. The analysis lists files through :func:`expand`, and the build context copies
them through :func:`copy_inside`, which checks the file it actually opened, so a link swapped
in between is caught too. Outside files are never read, and their names and sizes are never
reported: a refused entry is named by the path inside the root that leads out.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, Optional

from ..errors import PathOutsideRoot

SKIP_DIRS = frozenset({".git", ".hg", ".svn", ".ipynb_checkpoints", "__pycache__", ".venv", "venv", "node_modules"})
MAX_FILES = 20000  # per entry: a data folder of more files is cut there (and said so)


@dataclass(frozen=True)
class HostFile:
    """One file for the image: ``rel`` is its path relative to the notebook's folder (as the
    notebook names it, links not followed), ``source`` the real file (inside the root)."""

    rel: str
    source: Path
    size: int


@dataclass
class Expansion:
    files: list[HostFile]
    refused: list[str]  # entries (or files inside them) that lead outside the root
    truncated: list[str]  # folders cut at MAX_FILES


def within(path: Path, root: Path) -> Optional[Path]:
    """``path`` resolved, when it exists and resolves inside ``root`` (which is resolved);
    None otherwise (outside, missing, a link loop, a name the system refuses)."""
    try:
        resolved = Path(path).resolve(strict=True)
    except (OSError, RuntimeError, ValueError):
        return None
    return resolved if resolved == root or root in resolved.parents else None


def lexically_within(path: Path, root: Path) -> bool:
    """Whether ``path`` stays inside ``root`` by its name alone (``..`` folded, links not
    followed): checked before touching the file system, so that nothing outside is probed."""
    normal = Path(os.path.normpath(path))
    return normal == root or root in normal.parents


def link_out(path: Path, root: Path) -> Optional[Path]:
    """The first part of ``path`` (inside ``root`` by name) that is a link leading outside
    ``root``: what to name when ``path`` resolves outside, without naming anything there."""
    current = root
    for part in path.relative_to(root).parts:
        current = current / part
        if current.is_symlink() and within(current, root) is None:
            return current
    return None


def expand(base: Path, root: Path, entries: Iterable[str]) -> Expansion:
    """The files of ``entries`` (paths relative to ``base``: files, or folders walked without
    following links out of the root), each relative path once, sorted."""
    base, root = Path(base).resolve(), Path(root).resolve()
    found: dict[str, HostFile] = {}
    refused: list[str] = []
    truncated: list[str] = []
    for entry in entries:
        path = base / entry
        if not lexically_within(path, root):
            refused.append(entry)
            continue
        real = within(path, root)
        if real is None:
            if os.path.lexists(path):
                refused.append(entry)
            continue
        if real.is_file():
            found.setdefault(Path(entry).as_posix(), HostFile(Path(entry).as_posix(), real, real.stat().st_size))
        elif real.is_dir():
            count = _walk(Path(entry), real, root, found, refused)
            if count >= MAX_FILES:
                truncated.append(entry)
    return Expansion(sorted(found.values(), key=lambda f: f.rel), refused, truncated)


def _walk(rel: Path, real: Path, root: Path, found: dict[str, HostFile], refused: list[str]) -> int:
    """Add the files under the folder ``real`` (named ``rel``); links are followed only when
    they stay inside the root, and each real folder is entered once (no loops)."""
    count, seen = 0, {real}
    stack = [(rel, real)]
    while stack:
        rel_dir, real_dir = stack.pop()
        try:
            entries = sorted(os.scandir(real_dir), key=lambda e: e.name)
        except OSError:
            continue
        for item in entries:
            name = rel_dir / item.name
            if item.is_symlink():
                target = within(Path(item.path), root)
                if target is None:
                    refused.append(name.as_posix())
                    continue
            else:
                target = Path(item.path)
            if target.is_dir():
                if item.name not in SKIP_DIRS and target not in seen:
                    seen.add(target)
                    stack.append((name, target))
            elif target.is_file():
                found.setdefault(name.as_posix(), HostFile(name.as_posix(), target, target.stat().st_size))
                count += 1
                if count >= MAX_FILES:
                    return count
    return count


def open_inside(source: Path, root: Path) -> BinaryIO:
    """The file ``source`` opened for reading, after checking that the file opened is inside
    ``root``: a link placed after the analysis cannot smuggle an outside file in. Raises
    PathOutsideRoot naming ``source``."""
    root = Path(root).resolve()
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(source, flags)
    except OSError as exc:  # ELOOP: the last part became a link
        raise PathOutsideRoot(f"{source.name} cannot be opened as a plain file inside the root: {exc.strerror}") from None
    handle = os.fdopen(fd, "rb")
    opened = _opened_path(fd, source)
    if opened is None or not (opened == root or root in opened.parents):
        handle.close()
        raise PathOutsideRoot(f"{source.name} leads outside the root; it is not put into the image")
    return handle


def copy_inside(source: Path, target: Path, root: Path) -> None:
    """Put the file ``source`` at ``target`` (a hard link when possible, else a copy) once
    :func:`open_inside` has checked it. Raises PathOutsideRoot naming ``source``."""
    with open_inside(source, root) as handle:
        fd = handle.fileno()
        opened = _opened_path(fd, source)
        stat = os.fstat(fd)
        try:
            os.link(opened, target)
            linked = os.stat(target)
            if (linked.st_ino, linked.st_dev) == (stat.st_ino, stat.st_dev):
                return
            os.unlink(target)  # swapped between the check and the link: copy what was checked
        except OSError:
            pass
        with open(target, "wb") as out:
            shutil.copyfileobj(handle, out, 1 << 20)


def _opened_path(fd: int, source: Path) -> Optional[Path]:
    """The real path of the open file ``fd`` (Linux: /proc/self/fd), else of ``source``."""
    try:
        return Path(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:
        try:
            return Path(source).resolve(strict=True)
        except (OSError, RuntimeError):
            return None


@dataclass(frozen=True)
class Layout:
    """Where the notebook and its files go in the image, relative to its working directory.
    The part of the host tree they need is mirrored: a module the notebook takes from
    ``../common.py`` sits one level above the notebook's folder in the image too, so the
    notebook (run from its own folder) finds it where it found it on the host."""

    notebook: str  # e.g. "sales.ipynb", or "project/sales.ipynb" when files sit above it
    files: tuple[tuple[str, Path], ...]  # (path in the image, host source)


def layout(notebook: Path, files: Iterable[HostFile]) -> Layout:
    files = list(files)
    parts = [Path(os.path.normpath(f.rel)).parts for f in files]
    depth = max((sum(1 for p in ps if p == "..") for ps in parts), default=0)
    above = notebook.parent.resolve().parts[len(notebook.parent.resolve().parts) - depth:] if depth else ()
    here = Path(*above) if above else Path()
    placed = tuple((Path(os.path.normpath(here / f.rel)).as_posix(), f.source) for f in files)
    return Layout((here / notebook.name).as_posix(), placed)
