"""Data files: string literals that name existing files (or directories) next to the
notebook, listed with their sizes so the image can include them; large ones flagged."""

from __future__ import annotations

import glob
import os
import re
from pathlib import Path

from ..image.files import MAX_FILES, SKIP_DIRS, expand, lexically_within, link_out, within
from ..models import DataFile
from .local import relative

LARGE_FILE_BYTES = 50 * 1024 * 1024
MAX_GLOB_MATCHES = 1000
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def _candidate(text: str) -> bool:
    if not text or len(text) > 260 or "\n" in text or text != text.strip() or _URL.match(text):
        return False
    if text in (".", "..", "/", "~", "./", "../"):
        return False
    return "/" in text or "." in text or "\\" in text


def refused_warning(name: str, root_name: str) -> str:
    return f"{name} leads outside the {root_name} through a link; it is not included"


def find_data_files(
    strings: list[str],
    base: Path,
    directories: list[Path],
    exclude: set[Path],
    warnings: list[str],
    large: int = LARGE_FILE_BYTES,
    *,
    root: Path,
    root_name: str = "server root",
) -> list[DataFile]:
    """Existing files/directories named by ``strings``, resolved against ``directories``
    (the notebook's directory first). ``exclude``: resolved paths not to list (the notebook,
    local modules). Paths are reported relative to ``base``. Only what lies inside ``root``
    counts: a path that leaves it is not even looked at (nothing is told about outside
    files), and a link inside it that leads out is named in a warning and left out."""
    found: dict[str, DataFile] = {}
    base_resolved, root = base.resolve(), root.resolve()
    protected = {base_resolved, *base_resolved.parents}
    for text in dict.fromkeys(strings):
        if not _candidate(text):
            continue
        expanded = os.path.expanduser(text)
        matches: list[Path] = []
        for directory in directories:
            candidate = Path(directory, expanded)
            if not lexically_within(candidate, root):
                continue
            if any(ch in expanded for ch in "*?["):
                matches = [Path(p) for p in glob.glob(str(candidate))[:MAX_GLOB_MATCHES]]
            elif os.path.lexists(candidate):
                matches = [candidate]
            if matches:
                break
        for match in matches:
            if not lexically_within(Path(os.path.normpath(match)), root):
                continue
            resolved = within(match, root)
            if resolved is None:
                link = link_out(Path(os.path.normpath(match)), root)
                if link is not None:  # inside by name, outside through a link: name the link only
                    warnings.append(refused_warning(relative(link, base_resolved), root_name))
                continue
            rel = relative(Path(os.path.normpath(match)), base_resolved)  # as the notebook names it
            if rel in found or resolved in exclude or resolved in protected:
                continue
            if resolved.is_dir() and resolved.name in SKIP_DIRS:
                continue
            expansion = expand(base_resolved, root, [rel])
            for name in expansion.refused:
                warnings.append(refused_warning(name, root_name))
            for name in expansion.truncated:
                warnings.append(f"{name} holds more than {MAX_FILES} files; only the first {MAX_FILES} are included")
            if not expansion.files and not resolved.is_dir():
                continue
            size = sum(f.size for f in expansion.files)
            found[rel] = DataFile(path=rel, size=size, large=size >= large)
    warnings[:] = list(dict.fromkeys(warnings))
    files = sorted(found.values(), key=lambda d: d.path)
    for data in files:
        if data.large:
            warnings.append(f"{data.path} is large ({data.size / 1e6:.0f} MB); it is included but makes the image big")
    return files
