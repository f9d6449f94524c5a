"""Data files: string literals that name existing files (or directories) next to the
notebook, listed with their sizes so the image can include them; large ones flagged."""

from __future__ import annotations

import glob
import os
import re
from pathlib import Path

from ..models import DataFile
from .local import relative

LARGE_FILE_BYTES = 50 * 1024 * 1024
MAX_GLOB_MATCHES = 1000
MAX_WALK_FILES = 20000
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_SKIP_DIRS = {".git", ".ipynb_checkpoints", "__pycache__", ".venv", "venv", "node_modules"}


def _candidate(text: str) -> bool:
    if not text or len(text) > 260 or "\n" in text or text != text.strip() or _URL.match(text):
        return False
    if text in (".", "..", "/", "~", "./", "../"):
        return False
    return "/" in text or "." in text or "\\" in text


def _dir_size(path: Path) -> int:
    total = 0
    count = 0
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS]
        for name in filenames:
            try:
                total += os.stat(os.path.join(dirpath, name)).st_size
            except OSError:
                pass
            count += 1
            if count >= MAX_WALK_FILES:
                return total
    return total


def find_data_files(
    strings: list[str],
    base: Path,
    directories: list[Path],
    exclude: set[Path],
    warnings: list[str],
    large: int = LARGE_FILE_BYTES,
) -> list[DataFile]:
    """Existing files/directories named by ``strings``, resolved against ``directories``
    (the notebook's directory first). ``exclude``: resolved paths not to list (the notebook,
    local modules). Paths are reported relative to ``base``."""
    found: dict[Path, DataFile] = {}
    base_resolved = base.resolve()
    protected = {base_resolved, *base_resolved.parents}
    for text in dict.fromkeys(strings):
        if not _candidate(text):
            continue
        expanded = os.path.expanduser(text)
        matches: list[Path] = []
        for directory in directories:
            candidate = Path(directory, expanded)
            if any(ch in expanded for ch in "*?["):
                matches = [Path(p) for p in glob.glob(str(candidate))[:MAX_GLOB_MATCHES]]
            elif candidate.exists():
                matches = [candidate]
            if matches:
                break
        for match in matches:
            try:
                resolved = match.resolve()
            except OSError:
                continue
            if resolved in found or resolved in exclude or resolved in protected:
                continue
            if os.path.isabs(expanded) and base_resolved not in resolved.parents:
                warnings.append(f"{text} is an absolute path outside the notebook's directory; it is not included")
                continue
            if resolved.is_dir():
                if resolved.name in _SKIP_DIRS:
                    continue
                size = _dir_size(resolved)
            elif resolved.is_file():
                size = resolved.stat().st_size
            else:
                continue
            found[resolved] = DataFile(path=relative(resolved, base_resolved), size=size, large=size >= large)
    files = sorted(found.values(), key=lambda d: d.path)
    for data in files:
        if data.large:
            warnings.append(f"{data.path} is large ({data.size / 1e6:.0f} MB); it is included but makes the image big")
    return files
