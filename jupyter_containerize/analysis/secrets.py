"""Secrets in what the image ships: the notebook's code cells (their source and their text
outputs), its local modules and its small text data files, scanned with Yelp's
``detect-secrets`` (its detectors and false-positive filters; no home-made patterns).

A finding names the file, the cell, the line and the detector's kind, never the value nor
the line's text. Tuned for notebooks: detectors that fire on ordinary notebook content are
left out (hex digests and commit ids, public IP addresses), images in outputs are not read,
and lines holding pinned hashes or inline images are skipped. A line ending with
``# pragma: allowlist secret`` is skipped (detect-secrets' own allowlist comment).
"""

from __future__ import annotations

import bisect
import codecs
import contextlib
import hashlib
import re
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Optional

from ..errors import SecretsFound
from ..image.files import expand
from ..models import Analysis, SecretFinding

# detect-secrets' detectors, minus HexHighEntropyString (sha256 digests, commit ids, image
# ids and colour codes fill notebooks) and IPPublicDetector (an address is not a credential)
PLUGINS = [
    {"name": "ArtifactoryDetector"},
    {"name": "AWSKeyDetector"},
    {"name": "AzureStorageKeyDetector"},
    {"name": "Base64HighEntropyString", "limit": 4.5},
    {"name": "BasicAuthDetector"},
    {"name": "CloudantDetector"},
    {"name": "DiscordBotTokenDetector"},
    {"name": "GitHubTokenDetector"},
    {"name": "GitLabTokenDetector"},
    {"name": "IbmCloudIamDetector"},
    {"name": "IbmCosHmacDetector"},
    {"name": "JwtTokenDetector"},
    {"name": "KeywordDetector"},
    {"name": "MailchimpDetector"},
    {"name": "NpmDetector"},
    {"name": "OpenAIDetector"},
    {"name": "PrivateKeyDetector"},
    {"name": "PypiTokenDetector"},
    {"name": "SendGridDetector"},
    {"name": "SlackDetector"},
    {"name": "SoftlayerDetector"},
    {"name": "SquareOAuthDetector"},
    {"name": "StripeDetector"},
    {"name": "TelegramBotTokenDetector"},
    {"name": "TwilioKeyDetector"},
]
_HEURISTICS = ("is_sequential_string", "is_potential_uuid", "is_likely_id_string", "is_templated_secret",
               "is_prefixed_with_dollar_sign", "is_indirect_reference", "is_lock_file",
               "is_not_alphanumeric_string", "is_swagger_file")
# lines that hold digests or inline images, not credentials
_SKIPPED_LINES = [
    r"(?i)--hash[= ](sha256|sha384|sha512|md5):",
    r"(?i)\b(sha1|sha256|sha384|sha512|md5)[:=][0-9a-f]{32,}",
    r"(?i)data:(image|font|audio|video)/[\w.+-]+;base64,",
]
SETTINGS = {
    "plugins_used": PLUGINS,
    "filters_used": [
        {"path": "detect_secrets.filters.allowlist.is_line_allowlisted"},
        *({"path": f"detect_secrets.filters.heuristic.{name}"} for name in _HEURISTICS),
        {"path": f"{__name__}.skipped_line"},
    ],
}


def skipped_line(line: str) -> bool:
    """A detect-secrets filter: the line holds a digest or an inline image. (What its own
    ``regex.should_exclude_line`` does with these patterns, without the ``inspect.stack()``
    that one runs to find its settings, which costs a CLI rebuild a tenth of a second.)"""
    return any(re.search(pattern, line) for pattern in _SKIPPED_LINES)

# the payload of a base64 data URI, which HTML outputs wrap over many lines (an animation's
# <video src="data:video/mp4;base64,..."> holds thousands): data, not credentials
_INLINE_DATA = re.compile(r"data:[\w.+-]+/[\w.+-]+;base64,[A-Za-z0-9+/=\s]*")


def _without_inline_data(text: str) -> str:
    """``text`` with the payloads of its data URIs blanked, its lines kept where they were."""
    if ";base64," not in text:
        return text
    return _INLINE_DATA.sub(lambda match: "data:;base64," + "\n" * match.group(0).count("\n"), text)


# outputs the image ships as text; images (image/png, image/svg+xml...) are not read
TEXT_OUTPUTS = ("text/plain", "text/html", "text/markdown", "text/latex")
MAX_FILE_BYTES = 1024 * 1024
MAX_FILES = 500
MAX_LINES = 20000  # about 4 s of scanning

# detect-secrets keeps its settings in one global: one scan at a time in a process
_LOCK = threading.Lock()


@dataclass
class _Combined:
    """Texts joined into one file (one scan), and where each of its lines comes from."""

    name: str  # its suffix picks the detectors' grammar (.py: Python's quoting rules)
    lines: list[str] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)  # 0-based first line of each text
    places: list[tuple[int, bool]] = field(default_factory=list)  # (cell, output) of each text

    def add(self, text: str, cell: int, output: bool) -> None:
        self.starts.append(len(self.lines))
        self.places.append((cell, output))
        self.lines += _without_inline_data(text).splitlines() or [""]

    def place(self, line: int) -> tuple[int, bool, int]:
        """(cell, output, 1-based line in that text) of the file's 1-based ``line``."""
        at = bisect.bisect_right(self.starts, line - 1) - 1
        cell, output = self.places[at]
        return cell, output, line - self.starts[at]


def find_secrets(notebook: dict, notebook_name: str, base: Path, analysis: Analysis,
                 warnings: Optional[list[str]] = None, *, root: Optional[Path] = None) -> list[SecretFinding]:
    """What detect-secrets finds in the notebook (``notebook_name``, its JSON ``notebook``)
    and in the local modules and data files of ``analysis`` (relative to ``base``, inside
    ``root``). A scan cut short for size is said in ``warnings``."""
    sources, outputs = _notebook_texts(notebook)
    found: list[SecretFinding] = []
    budget = MAX_LINES
    with _Detector() as detector:
        for combined in (sources, outputs):
            kept = combined.lines[:budget]
            budget -= len(kept)
            if kept:
                for number, kind in detector.text(combined.name, "\n".join(kept) + "\n"):
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


_Hits = list[tuple[int, str]]  # (1-based line, kind)
_CACHE: OrderedDict[tuple, _Hits] = OrderedDict()
_CACHE_LOCK = threading.Lock()
CACHE_SIZE = 256


class _Detector:
    """detect-secrets under :data:`SETTINGS`, set up on the first scan the cache misses
    (the panel analyses the same notebook again and again: unchanged texts are not rescanned)."""

    def __init__(self) -> None:
        self._stack: Optional[contextlib.ExitStack] = None
        self._tmp = Path()

    def __enter__(self) -> "_Detector":
        return self

    def __exit__(self, *exc) -> None:
        if self._stack is not None:
            self._stack.close()

    def text(self, name: str, text: str) -> _Hits:
        key = ("text", name, hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest())

        def scan() -> _Hits:
            path = self._ready() / name
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
            return self._scan(path)

        return self._cached(key, scan)

    def file(self, path: Path) -> _Hits:
        stat = path.stat()
        def scan() -> _Hits:
            self._ready()
            return self._scan(path)

        return self._cached(("file", str(path), stat.st_mtime_ns, stat.st_size), scan)

    def _cached(self, key: tuple, scan) -> _Hits:
        with _CACHE_LOCK:
            if key in _CACHE:
                _CACHE.move_to_end(key)
                return _CACHE[key]
        hits = scan()
        with _CACHE_LOCK:
            _CACHE[key] = hits
            while len(_CACHE) > CACHE_SIZE:
                _CACHE.popitem(last=False)
        return hits

    def _ready(self) -> Path:
        if self._stack is None:
            from detect_secrets.settings import transient_settings

            self._stack = contextlib.ExitStack()
            self._tmp = Path(self._stack.enter_context(tempfile.TemporaryDirectory(prefix="containerize-secrets-")))
            self._stack.enter_context(_LOCK)
            self._stack.enter_context(transient_settings(SETTINGS))
        return self._tmp

    @staticmethod
    def _scan(path: Path) -> _Hits:
        from detect_secrets.core.scan import scan_file

        # only the place and the kind are kept, never the value
        return sorted({(secret.line_number, secret.type) for secret in scan_file(str(path))})


def _line_count(path: Path) -> int:
    with path.open("rb") as f:
        return sum(1 for _ in f)


def _text(value) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return value if isinstance(value, str) else ""


def _notebook_texts(notebook: dict) -> tuple[_Combined, _Combined]:
    """The code cells' sources (as Python) and their text outputs."""
    sources, outputs = _Combined("notebook-cells.py"), _Combined("notebook-outputs.txt")
    for index, cell in enumerate(notebook.get("cells") or [], start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = _text(cell.get("source"))
        if source.strip():
            sources.add(source, index, False)
        for output in cell.get("outputs") or []:
            if not isinstance(output, dict):
                continue
            parts = []
            if output.get("output_type") == "stream":
                parts.append(_text(output.get("text")))
            elif output.get("output_type") == "error":
                parts.append(_text(output.get("evalue")))
            data = output.get("data")
            if isinstance(data, dict):
                parts += [_text(data.get(mime)) for mime in TEXT_OUTPUTS]
            for part in parts:
                if part.strip():
                    outputs.add(part, index, True)
    return sources, outputs


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
