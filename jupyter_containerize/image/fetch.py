"""Fetching at build time what a notebook downloads when it runs (a build with ``fetch_data``):
URLs written in its code go into the image's ``/opt/containerize/urls`` (served there by
``runner/offline.py`` to urllib, pandas and requests), ``nltk.download`` packages into
``/usr/local/share/nltk_data`` (where nltk looks). The image then runs without the network.

Fetching happens on the host with the host's proxy settings; each URL is bounded in time
and size, and one that cannot be fetched fails the build naming it.
"""

from __future__ import annotations

import hashlib
import threading
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from .. import process
from ..errors import Cancelled, DataFetchFailed
from ..models import Analysis
from ..redact import redact

MAX_BYTES = 512 * 1024 * 1024  # all fetched URLs together
NLTK_SCRIPT = (
    "import sys\n"
    "from nltk.downloader import Downloader\n"
    "index, folder, names = sys.argv[1], sys.argv[2], sys.argv[3:]\n"
    "loader = Downloader(server_index_url=index) if index else Downloader()\n"
    "for name in names:\n"
    "    if not loader.download(name, download_dir=folder, quiet=True, raise_on_error=True):\n"
    "        sys.exit('nltk could not fetch ' + name)\n"
)


@dataclass(frozen=True)
class Fetched:
    """What was fetched, in a folder of the build's scratch space."""

    urls: tuple[tuple[str, Path], ...] = ()  # (URL, file)
    nltk_data: Optional[Path] = None  # a folder laid out as nltk_data
    notes: list[str] = field(default_factory=list)


def url_name(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:32]


def fetch_data(analysis: Analysis, python: str, folder: Path, *, timeout: float, nltk_index: str = "",
               cancelled: Optional[threading.Event] = None, log: Callable[[str], None] = lambda m: None,
               max_bytes: int = MAX_BYTES) -> Fetched:
    """Fetch every fetchable URL of ``analysis.network`` and its nltk packages (with the
    kernel's ``python``, which has nltk) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    urls: dict[str, Path] = {}
    budget = max_bytes
    for use in analysis.network:
        if cancelled is not None and cancelled.is_set():
            raise Cancelled("The build was cancelled")
        if use.kind == "nltk" or not use.fetchable or not use.url or use.url in urls:
            continue
        target = folder / "urls" / url_name(use.url)
        budget -= _download(use.url, target, timeout=timeout, limit=budget, cancelled=cancelled)
        urls[use.url] = target
        log(f"fetched {redact(use.url)} ({target.stat().st_size} bytes) for cell {use.cell}")
    packages = sorted({u.resource for u in analysis.network if u.kind == "nltk" and u.fetchable and u.resource})
    nltk_data = None
    if packages:
        nltk_data = folder / "nltk_data"
        nltk_data.mkdir(exist_ok=True)
        proc = process.run([python, "-c", NLTK_SCRIPT, nltk_index, str(nltk_data), *packages],
                           purpose=f"Fetching nltk data ({', '.join(packages)})", timeout=timeout * len(packages),
                           cancelled=cancelled)
        if proc.returncode != 0:
            said = [ln for ln in (proc.stderr or "").splitlines() if ln.strip()]
            raise DataFetchFailed(f"Cannot fetch the nltk data {', '.join(packages)} at build time: "
                                  f"{redact(said[-1] if said else 'nltk failed')}")
        log(f"fetched nltk data: {', '.join(packages)}")
    return Fetched(urls=tuple(urls.items()), nltk_data=nltk_data)


def _download(url: str, target: Path, *, timeout: float, limit: int, cancelled) -> int:
    target.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, target.open("wb") as out:
            while True:
                if cancelled is not None and cancelled.is_set():
                    raise Cancelled("The build was cancelled")
                chunk = response.read(1 << 16)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise DataFetchFailed(f"{redact(url)} is larger than what a build fetches "
                                          f"({MAX_BYTES // (1 << 20)} MB in all)")
                out.write(chunk)
    except (OSError, ValueError) as exc:  # URLError, HTTPError, time-outs are OSErrors
        target.unlink(missing_ok=True)
        raise DataFetchFailed(f"Cannot fetch {redact(url)} at build time: {redact(str(exc))}") from None
    return size

