"""Notebook paths from the browser: relative to the server root, and never outside it."""

from __future__ import annotations

from pathlib import Path

from .errors import InvalidRequest, NotebookNotFound, PathOutsideRoot


def resolve_notebook(root: Path, path: str) -> Path:
    """The absolute path of ``path`` (relative to ``root``), checked to stay inside it."""
    if not path or "\x00" in path:
        raise InvalidRequest("A notebook path is required")
    root = root.resolve()
    candidate = (root / path.lstrip("/")).resolve()
    if candidate != root and root not in candidate.parents:
        raise PathOutsideRoot(f"{path} is outside the server root")
    if candidate.suffix != ".ipynb":
        raise InvalidRequest(f"{path} is not a notebook (.ipynb)")
    if not candidate.is_file():
        raise NotebookNotFound(f"No notebook at {path}")
    return candidate


def relative_to_root(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)
