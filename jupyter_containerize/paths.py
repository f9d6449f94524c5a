"""Notebook paths from the browser: relative to the server root, and never outside it."""

from __future__ import annotations

import errno
from pathlib import Path

from .errors import InvalidRequest, NotebookNotFound, PathOutsideRoot

SHOWN_PATH_CHARS = 200


def resolve_notebook(root: Path, path: str) -> Path:
    """The absolute path of ``path`` (relative to ``root``), checked to stay inside it.

    A path the file system cannot follow (a symbolic link loop, a name too long, a name
    that is not text) is a bad request naming the cause, never an unexpected error."""
    if not path or "\x00" in path:
        raise InvalidRequest("A notebook path is required")
    try:
        root = root.resolve()
        candidate = (root / path.lstrip("/")).resolve()
        if candidate != root and root not in candidate.parents:
            raise PathOutsideRoot(f"{_shown(path)} is outside the server root")
        if candidate.suffix != ".ipynb":
            raise InvalidRequest(f"{_shown(path)} is not a notebook (.ipynb)")
        if not candidate.is_file():
            raise NotebookNotFound(f"No notebook at {_shown(path)}")
    except RuntimeError:  # Python < 3.13: Path.resolve() reports a loop so
        raise InvalidRequest(f"{_shown(path)} cannot be opened: symbolic link loop") from None
    except UnicodeError:  # e.g. a lone surrogate from a JSON "\ud800" escape
        raise InvalidRequest(f"{_shown(path)} is not a valid file name") from None
    except OSError as exc:
        raise _unreachable(path, exc) from None
    return candidate


def _unreachable(path: str, exc: OSError) -> Exception:
    if exc.errno == errno.ELOOP:
        return InvalidRequest(f"{_shown(path)} cannot be opened: symbolic link loop")
    if exc.errno == errno.ENAMETOOLONG:
        return InvalidRequest(f"{_shown(path)} cannot be opened: file name too long")
    return NotebookNotFound(f"No notebook at {_shown(path)} ({exc.strerror or exc})")


def _shown(path: str) -> str:
    """``path`` for a message: a hostile one can be thousands of characters long."""
    return path if len(path) <= SHOWN_PATH_CHARS else f"{path[:SHOWN_PATH_CHARS]}..."


def relative_to_root(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):
        return str(path)
