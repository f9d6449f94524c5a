"""detect-secrets, set up once per process, over the texts an image ships: the notebook's
code cells and text outputs (each kind joined into one file, so one scan reads it) and
single files. Results are cached by content, never the values found: a hit is a line and a
detector's kind. A scan can also be answered by a helper process (:mod:`.scan_helper`) that
set detect-secrets up while this process did other work.

This module imports neither pydantic nor the pipeline: the helper process loads only it.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import re
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Protocol

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
MAX_LINES = 20000  # about 4 s of scanning

# detect-secrets keeps its settings in one global: one scan at a time in a process
_LOCK = threading.Lock()


@dataclass
class Combined:
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


def _text(value) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return value if isinstance(value, str) else ""


def _notebook_texts(notebook: dict) -> tuple[Combined, Combined]:
    """The code cells' sources (as Python) and their text outputs."""
    sources, outputs = Combined("notebook-cells.py"), Combined("notebook-outputs.txt")
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


def scan_texts(notebook: dict, budget: int = MAX_LINES) -> list[tuple[Combined, str]]:
    """What a scan of ``notebook`` reads, in order: its code cells' sources (as Python), then
    their text outputs, up to ``budget`` lines in all; each with the text to scan."""
    found = []
    for combined in _notebook_texts(notebook):
        kept = combined.lines[:budget]
        budget -= len(kept)
        if kept:
            found.append((combined, "\n".join(kept) + "\n"))
    return found


Hits = list[tuple[int, str]]  # (1-based line, kind)
_CACHE: OrderedDict[tuple, Hits] = OrderedDict()
_CACHE_LOCK = threading.Lock()
CACHE_SIZE = 256


class Answerer(Protocol):
    """Scans this process would run, answered elsewhere (the helper process)."""

    def __call__(self, request: dict) -> Optional[Hits]:
        """The hits for ``{"text": name, "body": text}`` or ``{"file": path}``; None when it cannot answer."""

    def finish(self) -> None:
        """The analysis that asked has its findings: no more requests."""


_answer: Optional[Answerer] = None


def answered_by(answer: Optional[Answerer]) -> None:
    """Scans this process misses in its cache are asked of ``answer`` first (None: no more)."""
    global _answer
    _answer = answer


class Detector:
    """detect-secrets under :data:`SETTINGS`, set up on the first scan nothing else answers
    (the panel analyses the same notebook again and again: unchanged texts are not rescanned)."""

    def __init__(self) -> None:
        self._stack: Optional[contextlib.ExitStack] = None
        self._tmp = Path()

    def __enter__(self) -> "Detector":
        return self

    def __exit__(self, *exc) -> None:
        if self._stack is not None:
            self._stack.close()
        answer = _answer
        if answer is not None:  # the helper ends while this process goes on with the build
            answer.finish()

    def text(self, name: str, text: str) -> Hits:
        """The hits in ``text``, scanned as a file called ``name`` (its suffix picks the grammar)."""
        key = ("text", name, hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest())

        def scan() -> Hits:
            path = self._ready() / name
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
            return self._scan(path)

        return self._cached(key, {"text": name, "body": text}, scan)

    def file(self, path: Path) -> Hits:
        stat = path.stat()

        def scan() -> Hits:
            self._ready()
            return self._scan(path)

        return self._cached(("file", str(path), stat.st_mtime_ns, stat.st_size), {"file": str(path)}, scan)

    @staticmethod
    def _cached(key: tuple, request: dict, scan: Callable[[], Hits]) -> Hits:
        with _CACHE_LOCK:
            if key in _CACHE:
                _CACHE.move_to_end(key)
                return _CACHE[key]
        answer = _answer
        hits = answer(request) if answer is not None else None
        if hits is None:
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
    def _scan(path: Path) -> Hits:
        from detect_secrets.core.scan import scan_file

        # only the place and the kind are kept, never the value
        return sorted({(secret.line_number, secret.type) for secret in scan_file(str(path))})
