"""Secrets in what the image ships: the notebook's code cells (their source and their text
outputs), its local modules and its small text data files, scanned with Yelp's
``detect-secrets`` (its detectors and false-positive filters; no home-made patterns; the
scanning itself is :mod:`.detector`'s).

A finding names the file, the cell, the line and the detector's kind, never the value nor
the line's text. Tuned for notebooks: detectors that fire on ordinary notebook content are
left out (hex digests and commit ids, public IP addresses), images in outputs are not read,
and lines holding pinned hashes or inline images are skipped. A line ending with
``# pragma: allowlist secret`` is skipped (detect-secrets' own allowlist comment).
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Iterator, Optional

from ..errors import SecretsFound
from ..image.files import expand
from ..models import Analysis, SecretFinding
from .detector import MAX_LINES, Detector, scan_texts

MAX_FILE_BYTES = 1024 * 1024
MAX_FILES = 500


def find_secrets(notebook: dict, notebook_name: str, base: Path, analysis: Analysis,
                 warnings: Optional[list[str]] = None, *, root: Optional[Path] = None) -> list[SecretFinding]:
    """What detect-secrets finds in the notebook (``notebook_name``, its JSON ``notebook``)
    and in the local modules and data files of ``analysis`` (relative to ``base``, inside
    ``root``). A scan cut short for size is said in ``warnings``."""
    found: list[SecretFinding] = []
    budget = MAX_LINES
    with Detector() as detector:
        for combined, text in scan_texts(notebook, budget):
            budget -= text.count("\n")
            for number, kind in detector.text(combined.name, text):
                cell, output, line = combined.place(number)
                found.append(SecretFinding(path=notebook_name, cell=cell, output=output, line=line, kind=kind))
        for rel, source in _shipped_files(base, root or base, analysis):
            if budget <= 0:
                break
            budget -= _line_count(source)
            found += [SecretFinding(path=rel, line=number, kind=kind) for number, kind in detector.file(source)]
    if budget <= 0 and warnings is not None:
        warnings.append(f"The check for secrets stopped after {MAX_LINES} lines: the rest of the notebook's "
                        "outputs and files was not checked")
    unique = {(f.path != notebook_name, f.path, f.cell or 0, f.output, f.line, f.kind): f for f in found}
    return [unique[key] for key in sorted(unique)]


def _line_count(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for _ in f)


def _shipped_files(base: Path, root: Path, analysis: Analysis) -> Iterator[tuple[str, Path]]:
    """(path as the analysis lists it, file) of the small text files the image copies: the
    local modules and data files as the context takes them (``image.files.expand``: folders
    walked, nothing outside ``root`` ever opened)."""
    entries = [*analysis.local_modules, *(d.path for d in analysis.data_files)]
    count = 0
    for shipped in expand(base, root, entries).files:
        if count >= MAX_FILES:
            return
        if shipped.size <= MAX_FILE_BYTES and _is_text(shipped.source):
            count += 1
            yield shipped.rel, shipped.source


def _is_text(path: Path) -> bool:
    try:
        with path.open("rb") as f:
            head = f.read(8192)
        codecs.getincrementaldecoder("utf-8")().decode(head)  # a character cut at the end is fine
    except (OSError, UnicodeDecodeError):
        return False
    return b"\0" not in head


# ---------------------------------------------------------------------------------------
# The build's gate


def place_of(finding: SecretFinding) -> str:
    """Where a finding is, as the user reads it: ``nb.ipynb cell 3 line 2``, ``nb.ipynb
    cell 4 output line 1``, ``config.env line 5``."""
    if finding.cell is None:
        return f"{finding.path} line {finding.line}"
    return f"{finding.path} cell {finding.cell}{' output' if finding.output else ''} line {finding.line}"


def unconfirmed(findings: list[SecretFinding], excluded: list[str]) -> list[SecretFinding]:
    """The findings in files the image still ships (``excluded``: paths left out, as the
    analysis lists them; a folder leaves out what it holds)."""
    out = {Path(p).as_posix().strip("/") for p in excluded}
    return [f for f in findings  # the notebook itself can't be left out
            if f.cell is not None or not any(f.path == p or f.path.startswith(p + "/") for p in out)]


def check_secrets(analysis: Analysis, excluded: list[str], *, allow: bool, log) -> None:
    """Refuse to build an image that ships possible secrets, unless the user allowed it or
    left their files out; ``log`` tells what is built anyway."""
    left = unconfirmed(analysis.secrets, excluded)
    if not left:
        return
    places: dict[str, list[str]] = {}
    for finding in left:
        kinds = places.setdefault(place_of(finding), [])
        if finding.kind not in kinds:
            kinds.append(finding.kind)
    listed = "; ".join(f"{place} ({', '.join(kinds)})" for place, kinds in places.items())
    if allow:
        log(f"warning: building with {len(places)} possible secret(s), as allowed: {listed}")
        return
    raise SecretsFound(f"Possible secrets would be copied into the image: {listed}. Remove them (read them from "
                       "the environment instead), leave their files out of the image, or allow them "
                       "(allow_secrets in the request, --allow-secrets in the CLI)")
