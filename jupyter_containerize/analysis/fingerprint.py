"""A notebook's code as an image holds it: one short hash per cell, and a digest of them all.

The build writes both into the image's labels (``io.jupyter.containerize.notebook-digest``
and ``...notebook-cells``), so the stale check (:mod:`..share.stale`) can tell which cells
changed since without reading the image. Only code counts: markdown and raw cells are
``-`` (an edited explanation does not make the image stale); outputs do not count either.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass

OTHER = "-"
HASH_CHARS = 12
MAX_LABELLED_CELLS = 2000  # past that, the digest alone (a label stays a few kB)


@dataclass(frozen=True)
class CellChange:
    change: str  # edited, added, removed
    cell: int  # 1-based: in the notebook now (edited, added) or in the image (removed)


def _source(cell: dict) -> str:
    source = cell.get("source") or ""
    return "".join(source) if isinstance(source, list) else str(source)


def cell_hashes(notebook: dict) -> list[str]:
    """One entry per cell: 12 hex of the sha256 of a code cell's source, ``-`` for others."""
    hashes = []
    for cell in notebook.get("cells") or []:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            hashes.append(hashlib.sha256(_source(cell).encode("utf-8", "surrogatepass")).hexdigest()[:HASH_CHARS])
        else:
            hashes.append(OTHER)
    return hashes


def code_digest(notebook: dict) -> str:
    """sha256 (hex) over the code cells' sources, in order."""
    sources = [_source(c) for c in notebook.get("cells") or [] if isinstance(c, dict) and c.get("cell_type") == "code"]
    return hashlib.sha256(json.dumps(sources).encode("utf-8", "surrogatepass")).hexdigest()


def cell_changes(before: list[str], after: list[str]) -> list[CellChange]:
    """The code cells edited, added and removed from ``before`` (the image's) to ``after``."""
    changes = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        old, new = before[i1:i2], after[j1:j2]
        for k in range(max(len(old), len(new))):
            was = old[k] if k < len(old) else None
            now = new[k] if k < len(new) else None
            if now not in (None, OTHER) and was not in (None, OTHER):
                changes.append(CellChange("edited", j1 + k + 1))
            elif now not in (None, OTHER):
                changes.append(CellChange("added", j1 + k + 1))
            elif was not in (None, OTHER):
                changes.append(CellChange("removed", i1 + k + 1))
    return changes
