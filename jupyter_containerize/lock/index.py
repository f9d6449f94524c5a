"""The files (and their sha256) the host's indexes hold for a pinned version.

Reads the simple API of every index the host's pip uses (PEP 691 JSON when the server
speaks it, PEP 503 HTML otherwise, ``file://`` mirrors included) and the ``find-links``
folders, with pip's own settings (CA bundle, client certificate, proxy, timeout). pip's timeout
bounds the connection and every wait for data, ``deadline`` a whole answer (checked as data
comes in), and no request starts once ``cancelled`` is set: an index that accepts connections and never answers fails the
lock with the index named, it does not hold a build for ever. Answers
are cached on disk per (name, version) under a digest of the index configuration, so a
warm lock reads a few small files; no URL is ever written down, only file names and hashes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Iterable, Optional

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    canonicalize_version,
    parse_sdist_filename,
    parse_wheel_filename,
)

from ..errors import Cancelled, LockError, TimedOut
from ..settings import Timeouts
from .pip import IndexConfig, describe_location
from .wheelhouse import file_sha256

CACHE_VERSION = 1
_ACCEPT = "application/vnd.pypi.simple.v1+json, text/html;q=0.1"


@dataclass(frozen=True)
class IndexFile:
    filename: str
    sha256: Optional[str]
    requires_python: Optional[str] = None
    yanked: bool = False

    @property
    def is_wheel(self) -> bool:
        return self.filename.endswith(".whl")

    def name_version(self) -> tuple[str, str] | None:
        try:
            if self.is_wheel:
                name, version, *_ = parse_wheel_filename(self.filename)
            else:
                name, version = parse_sdist_filename(self.filename)
        except (InvalidWheelFilename, InvalidSdistFilename):
            return None
        return canonicalize_name(name), str(version)


class _Links(HTMLParser):
    """Anchors of a PEP 503 page: file name, ``#sha256=`` fragment, data attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.files: list[IndexFile] = []

    def handle_starttag(self, tag, attrs):
        if tag != "a":
            return
        attrs = dict(attrs)
        url, _, fragment = (attrs.get("href") or "").partition("#")
        filename = urllib.parse.unquote(url.rstrip("/").rsplit("/", 1)[-1])
        algo, _, value = fragment.partition("=")
        self.files.append(IndexFile(filename, value if algo == "sha256" else None,
                                    attrs.get("data-requires-python"), "data-yanked" in attrs))


def _parse_page(body: bytes, content_type: str) -> list[IndexFile]:
    if "json" in content_type:
        data = json.loads(body)
        return [IndexFile(f["filename"], (f.get("hashes") or {}).get("sha256"), f.get("requires-python"),
                          bool(f.get("yanked"))) for f in data.get("files", [])]
    parser = _Links()
    parser.feed(body.decode("utf-8", errors="replace"))
    return parser.files


class PackageIndex:
    """The host's indexes and find-links, as pip is configured to see them."""

    def __init__(self, config: IndexConfig, cache_dir: Optional[Path] = None, *,
                 deadline: float = Timeouts.index, cancelled: Optional[threading.Event] = None):
        self.config = config
        self.deadline = deadline
        self.cancelled = cancelled
        key = hashlib.sha256(json.dumps([CACHE_VERSION, config.index_urls, config.find_links]).encode())
        self._cache = cache_dir / "index-files" / key.hexdigest()[:16] if cache_dir else None
        self._memory: dict[tuple[str, str], list[IndexFile]] = {}
        self._ssl = None

    # -- the per-version answer, cached ------------------------------------------------

    def _cache_path(self, name: str, version: str) -> Optional[Path]:
        return self._cache / name / f"{canonicalize_version(version)}.json" if self._cache else None

    def cached(self, name: str, version: str) -> Optional[list[IndexFile]]:
        key = (name, canonicalize_version(version))
        if key in self._memory:
            return self._memory[key]
        path = self._cache_path(name, version)
        if path is None or not path.exists():
            return None
        try:
            files = [IndexFile(**f) for f in json.loads(path.read_text())]
        except (OSError, ValueError, TypeError):
            return None
        self._memory[key] = files
        return files

    def files(self, name: str, version: str) -> list[IndexFile]:
        """Every file of ``name==version`` on the host's indexes and find-links."""
        found = self.cached(name, version)
        if found is not None:
            return found
        wanted = canonicalize_version(version)
        found = [f for f in self.project_files(name)
                 if canonicalize_version((f.name_version() or ("", "0"))[1]) == wanted]
        if found:  # an empty answer is not cached: the version may be published later
            self._store(name, version, found)
        return found

    def prefetch(self, pins: Iterable[tuple[str, str]]) -> None:
        """Fetch the pins not cached yet, several at a time."""
        todo = [(n, v) for n, v in pins if self.cached(n, v) is None]
        if todo:
            with ThreadPoolExecutor(max_workers=min(8, len(todo))) as pool:
                list(pool.map(lambda pin: self.files(*pin), todo))

    def _store(self, name: str, version: str, files: list[IndexFile]) -> None:
        self._memory[(name, canonicalize_version(version))] = files
        path = self._cache_path(name, version)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.{id(files)}.tmp")
            tmp.write_text(json.dumps([asdict(f) for f in files]))
            tmp.replace(path)
        except OSError:
            pass  # a read-only cache only costs speed

    # -- every file of a project, uncached ------------------------------------------------

    def project_files(self, name: str) -> list[IndexFile]:
        """All files of every version of ``name``: the union over the indexes and find-links
        (pip considers them all), deduplicated by (file name, hash)."""
        seen: dict[tuple[str, Optional[str]], IndexFile] = {}
        for base in self.config.index_urls:
            for item in self._index_page(base, name):
                seen.setdefault((item.filename, item.sha256), item)
        for location in self.config.find_links:
            for item in self._find_links(location, name):
                seen.setdefault((item.filename, item.sha256), item)
        return [f for f in seen.values() if f.sha256 and (f.name_version() or ("",))[0] == name]

    def _index_page(self, base: str, name: str) -> list[IndexFile]:
        url = base.rstrip("/") + "/" + name + "/"
        if url.startswith("file:"):
            folder = Path(urllib.request.url2pathname(urllib.parse.urlparse(url).path))
            page = folder / "index.html"
            if page.is_file():
                return _parse_page(page.read_bytes(), "text/html")
            return self._folder_files(folder, name) if folder.is_dir() else []
        body, content_type = self._get(url)
        return _parse_page(body, content_type) if body is not None else []

    def _find_links(self, location: str, name: str) -> list[IndexFile]:
        if "://" not in location or location.startswith("file:"):
            folder = Path(urllib.request.url2pathname(urllib.parse.urlparse(location).path)
                          if location.startswith("file:") else location)
            return self._folder_files(folder, name) if folder.is_dir() else []
        body, content_type = self._get(location)
        return _parse_page(body, content_type) if body is not None else []

    def _folder_files(self, folder: Path, name: str) -> list[IndexFile]:
        found = []
        for path in folder.iterdir():
            item = IndexFile(path.name, None)
            if path.is_file() and (item.name_version() or ("",))[0] == name:
                found.append(IndexFile(path.name, file_sha256(path)))
        return found

    # -- HTTP with pip's settings -------------------------------------------------------

    def _context(self) -> ssl.SSLContext:
        if self._ssl is None:
            context = ssl.create_default_context(cafile=self.config.cert or None)
            if self.config.client_cert:
                context.load_cert_chain(self.config.client_cert)
            self._ssl = context
        return self._ssl

    def _get(self, url: str) -> tuple[Optional[bytes], str]:
        where = describe_location(url)
        if self.cancelled is not None and self.cancelled.is_set():
            raise Cancelled(f"Reading the index {where}: cancelled")
        parts = urllib.parse.urlsplit(url)
        project = parts.path.rstrip("/").rsplit("/", 1)[-1]
        headers = {"Accept": _ACCEPT, "User-Agent": "jupyter-containerize"}
        if parts.username or parts.password:  # https://user:token@host/simple
            credentials = f"{urllib.parse.unquote(parts.username or '')}:{urllib.parse.unquote(parts.password or '')}"
            headers["Authorization"] = "Basic " + base64.b64encode(credentials.encode()).decode()
            url = urllib.parse.urlunsplit(parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else "")))
        handlers = [urllib.request.HTTPSHandler(context=self._context())]
        if self.config.proxy:
            handlers.append(urllib.request.ProxyHandler({"http": self.config.proxy, "https": self.config.proxy}))
        opener = urllib.request.build_opener(*handlers)
        wait = min(self.config.timeout, self.deadline)  # for the connection and each read
        ends = time.monotonic() + self.deadline
        try:
            with opener.open(urllib.request.Request(url, headers=headers), timeout=wait) as reply:
                body = bytearray()
                while chunk := reply.read1(1 << 16):
                    body += chunk
                    if time.monotonic() > ends:
                        raise TimedOut(f"The index {where} did not finish its answer for {project} "
                                       f"within {self.deadline:g} s")
                    if self.cancelled is not None and self.cancelled.is_set():
                        raise Cancelled(f"Reading the index {where}: cancelled")
                return bytes(body), reply.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None, ""
            raise LockError(f"The index {where} answered {exc.code} for {project}") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError):
                raise TimedOut(f"The index {where} did not answer within {wait:g} s (asked for {project})") from None
            raise LockError(f"The index {where} is unreachable: {reason}") from None
