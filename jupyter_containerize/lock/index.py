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
import contextlib
import hashlib
import http.client
import json
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
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

from .. import cachedir
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
    url: Optional[str] = field(default=None, compare=False, repr=False)  # in memory only, never stored
    page: str = field(default="", compare=False, repr=False)  # the page ``url`` is relative to

    def location(self) -> Optional[str]:
        if not self.url or self.url.startswith(("https://", "http://", "file:")):
            return self.url
        return urllib.parse.urljoin(self.page, self.url)

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

    def __init__(self, base: str = "") -> None:
        super().__init__()
        self.base = base
        self.files: list[IndexFile] = []

    def handle_starttag(self, tag, attrs):
        if tag != "a":
            return
        attrs = dict(attrs)
        url, _, fragment = (attrs.get("href") or "").partition("#")
        filename = urllib.parse.unquote(url.rstrip("/").rsplit("/", 1)[-1])
        algo, _, value = fragment.partition("=")
        self.files.append(IndexFile(filename, value if algo == "sha256" else None,
                                    attrs.get("data-requires-python"), "data-yanked" in attrs, url or None, self.base))


def _parse_page(body: bytes, content_type: str, base: str = "") -> list[IndexFile]:
    if "json" in content_type:
        data = json.loads(body)
        return [IndexFile(f["filename"], (f.get("hashes") or {}).get("sha256"), f.get("requires-python"),
                          bool(f.get("yanked")), f.get("url"), base) for f in data.get("files", [])]
    parser = _Links(base)
    parser.feed(body.decode("utf-8", errors="replace"))
    return parser.files


_URLS: dict[str, str] = {}  # sha256 -> where a pinned file was seen (this process only, never written)


def url_of(sha256: str) -> Optional[str]:
    """Where the file with this sha256 was listed, when its version's page was read in this
    process (the lock reads them; the download follows)."""
    return _URLS.get(sha256)


@lru_cache(maxsize=4096)
def _canonical(version: str) -> str:
    return canonicalize_version(version)


def _raw_version(filename: str) -> str:
    """The version part of a distribution's file name, cheaply (without parsing the tags)."""
    if filename.endswith(".whl"):
        parts = filename.split("-")
        return parts[1] if len(parts) > 2 else ""
    for ext in (".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz", ".tar"):
        if filename.endswith(ext):
            return filename[: -len(ext)].rpartition("-")[2]
    return ""


class PackageIndex:
    """The host's indexes and find-links, as pip is configured to see them."""

    def __init__(self, config: IndexConfig, cache_dir: Optional[Path] = None, *,
                 deadline: float = Timeouts.index, cancelled: Optional[threading.Event] = None):
        self.config = config
        self.deadline = deadline
        self.cancelled = cancelled
        # the configuration's fingerprint: a local find-links file rebuilt under the same name is another key
        key = hashlib.sha256(json.dumps([CACHE_VERSION, config.fingerprint]).encode())
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
        # The version in the name first (a page lists every version's files), then the full parse.
        found = [f for f in self._listed(name) if _canonical(_raw_version(f.filename)) == wanted
                 and (nv := f.name_version()) is not None and nv[0] == name and _canonical(nv[1]) == wanted]
        for f in found:
            if f.url and f.sha256:
                _URLS[f.sha256] = f.location()
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
            cachedir.write_atomic(path, json.dumps([{"filename": f.filename, "sha256": f.sha256,
                                                      "requires_python": f.requires_python, "yanked": f.yanked}
                                                     for f in files]))
        except OSError:
            pass  # a read-only cache only costs speed

    # -- every file of a project, uncached ------------------------------------------------

    def project_files(self, name: str) -> list[IndexFile]:
        """All files of every version of ``name``: the union over the indexes and find-links
        (pip considers them all), deduplicated by (file name, hash)."""
        return [f for f in self._listed(name) if (f.name_version() or ("",))[0] == name]

    def _listed(self, name: str) -> list[IndexFile]:
        seen: dict[tuple[str, Optional[str]], IndexFile] = {}
        for base in self.config.index_urls:
            for item in self._index_page(base, name):
                seen.setdefault((item.filename, item.sha256), item)
        for location in self.config.find_links:
            for item in self._find_links(location, name):
                seen.setdefault((item.filename, item.sha256), item)
        return [f for f in seen.values() if f.sha256]

    def url_for(self, name: str, version: str, sha256: str) -> Optional[str]:
        """Where the file of ``name==version`` with this sha256 lies (the index is read
        again when this process has not seen its page)."""
        if url_of(sha256) is None:
            wanted = canonicalize_version(version)
            for f in self._listed(name):
                if f.url and f.sha256 == sha256 and _canonical(_raw_version(f.filename)) == wanted:
                    _URLS[f.sha256] = f.location()
        return url_of(sha256)

    def download(self, url: str, out, *, deadline: float) -> str:
        """Write the file at ``url`` (from :meth:`url_for`) to the binary stream ``out`` and
        return its sha256; ``deadline`` bounds the whole transfer (``time.monotonic()``)."""
        digest = hashlib.sha256()
        what = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
        if url.startswith("file:"):
            with open(urllib.request.url2pathname(urllib.parse.urlsplit(url).path), "rb") as source:
                while block := source.read(1 << 20):
                    digest.update(block)
                    out.write(block)
            return digest.hexdigest()
        where = describe_location(url)
        with self._open(url, "*/*", what) as reply:
            while block := reply.read1(1 << 20):
                digest.update(block)
                out.write(block)
                if time.monotonic() > deadline:
                    raise TimedOut(f"Downloading {what} from {where} did not finish in time")
                if self.cancelled is not None and self.cancelled.is_set():
                    raise Cancelled(f"Downloading {what}: cancelled")
            reply.read()  # at its end: marks the answer read, so the connection serves again
        return digest.hexdigest()

    def _index_page(self, base: str, name: str) -> list[IndexFile]:
        url = base.rstrip("/") + "/" + name + "/"
        if url.startswith("file:"):
            folder = Path(urllib.request.url2pathname(urllib.parse.urlparse(url).path))
            page = folder / "index.html"
            if page.is_file():
                return _parse_page(page.read_bytes(), "text/html", page.as_uri())
            return self._folder_files(folder, name) if folder.is_dir() else []
        body, content_type = self._get(url)
        return _parse_page(body, content_type, url) if body is not None else []

    def _find_links(self, location: str, name: str) -> list[IndexFile]:
        if "://" not in location or location.startswith("file:"):
            folder = Path(urllib.request.url2pathname(urllib.parse.urlparse(location).path)
                          if location.startswith("file:") else location)
            return self._folder_files(folder, name) if folder.is_dir() else []
        body, content_type = self._get(location)
        return _parse_page(body, content_type, location) if body is not None else []

    def _folder_files(self, folder: Path, name: str) -> list[IndexFile]:
        found = []
        for path in folder.iterdir():
            item = IndexFile(path.name, None)
            if path.is_file() and (item.name_version() or ("",))[0] == name:
                found.append(IndexFile(path.name, file_sha256(path), url=path.resolve().as_uri()))
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
        project = urllib.parse.urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
        ends = time.monotonic() + self.deadline
        try:
            with self._open(url, _ACCEPT, project) as reply:
                body = bytearray()
                while chunk := reply.read1(1 << 16):
                    body += chunk
                    if time.monotonic() > ends:
                        raise TimedOut(f"The index {where} did not finish its answer for {project} "
                                       f"within {self.deadline:g} s")
                    if self.cancelled is not None and self.cancelled.is_set():
                        raise Cancelled(f"Reading the index {where}: cancelled")
                reply.read()  # at its end: marks the answer read, so the connection serves again
                return bytes(body), reply.headers.get("Content-Type", "")
        except _Missing:
            return None, ""

    @contextlib.contextmanager
    def _open(self, url: str, accept: str, what: str):
        """An answer from ``url`` with pip's settings; credentials in the URL go into the
        Authorization header, which a redirect to another host does not carry (as with pip).
        Without a proxy, each thread keeps its connections open across requests: a lock
        reads dozens of pages and a build downloads dozens of files from the same hosts."""
        where = describe_location(url)
        if self.cancelled is not None and self.cancelled.is_set():
            raise Cancelled(f"Reading the index {where}: cancelled")
        parts = urllib.parse.urlsplit(url)
        headers = {"Accept": accept, "User-Agent": "jupyter-containerize"}
        if parts.username or parts.password:  # https://user:token@host/simple
            credentials = f"{urllib.parse.unquote(parts.username or '')}:{urllib.parse.unquote(parts.password or '')}"
            headers["Authorization"] = "Basic " + base64.b64encode(credentials.encode()).decode()
            url = urllib.parse.urlunsplit(parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else "")))
        wait = min(self.config.timeout, self.deadline)  # for the connection and each read
        connection = None
        try:
            if self.config.proxy or urllib.request.getproxies():
                reply = self._through_urllib(url, headers, wait)
            else:
                reply, connection = self._direct(url, headers, wait)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise _Missing() from None
            raise LockError(f"The index {where} answered {exc.code} for {what}") from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError):
                raise TimedOut(f"The index {where} did not answer within {wait:g} s (asked for {what})") from None
            raise LockError(f"The index {where} is unreachable: {reason}") from None
        try:
            yield reply
        except TimeoutError:
            raise TimedOut(f"The index {where} stopped answering for {wait:g} s (asked for {what})") from None
        except (ConnectionError, ssl.SSLError, http.client.HTTPException) as exc:
            raise LockError(f"The index {where} broke off its answer for {what}: {exc}") from None
        finally:
            if not reply.isclosed():  # not read to its end: the connection cannot serve again
                reply.close()
                if connection is not None:
                    _forget(connection)

    def _through_urllib(self, url: str, headers: dict, wait: float):
        handlers = [urllib.request.HTTPSHandler(context=self._context()), _SameHostAuth()]
        if self.config.proxy:
            handlers.append(urllib.request.ProxyHandler({"http": self.config.proxy, "https": self.config.proxy}))
        return urllib.request.build_opener(*handlers).open(urllib.request.Request(url, headers=headers), timeout=wait)

    def _direct(self, url: str, headers: dict, wait: float):
        """GET over this thread's kept-alive connection to the host (redirects followed)."""
        for _ in range(10):
            parts = urllib.parse.urlsplit(url)
            if parts.scheme not in ("http", "https"):
                raise urllib.error.URLError(f"unsupported scheme {parts.scheme}")
            key = (parts.scheme, parts.hostname, parts.port)
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            reply = None
            for attempt in range(2):
                connection = _connections().get(key)
                fresh = connection is None
                if fresh:
                    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
                    options = {"context": self._context()} if parts.scheme == "https" else {}
                    connection = kind(parts.hostname, parts.port, timeout=wait, **options)
                    _connections()[key] = connection
                connection.timeout = wait
                if connection.sock is not None:
                    connection.sock.settimeout(wait)
                try:
                    connection.request("GET", target, headers=headers)
                    reply = connection.getresponse()
                    break
                except (ConnectionError, http.client.RemoteDisconnected, http.client.CannotSendRequest):
                    _forget(connection)
                    if fresh or attempt:  # a kept connection the server closed meanwhile: once more
                        raise
                except BaseException:
                    _forget(connection)
                    raise
            location = reply.headers.get("Location")
            if reply.status in (301, 302, 303, 307, 308) and location:
                reply.read()
                new = urllib.parse.urljoin(url, location)
                if urllib.parse.urlsplit(new).hostname != parts.hostname:
                    headers = {k: v for k, v in headers.items() if k != "Authorization"}
                url = new
                continue
            if reply.status >= 400:
                reply.read()
                raise urllib.error.HTTPError(url, reply.status, reply.reason, reply.headers, None)
            return reply, connection
        raise urllib.error.URLError("too many redirects")


_LOCAL = threading.local()


def _connections() -> dict:
    if not hasattr(_LOCAL, "connections"):
        _LOCAL.connections = {}
    return _LOCAL.connections


def _forget(connection) -> None:
    connection.close()
    for key, value in list(_connections().items()):
        if value is connection:
            del _connections()[key]


class _Missing(Exception):
    """404: the index does not know the project (an empty answer, not an error)."""


class _SameHostAuth(urllib.request.HTTPRedirectHandler):
    """Follow redirects, dropping the Authorization header when the host changes (as pip
    does): an index's token never reaches the storage it redirects to."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and urllib.parse.urlsplit(newurl).hostname != urllib.parse.urlsplit(req.full_url).hostname:
            new.remove_header("Authorization")
        return new
