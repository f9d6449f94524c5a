"""The package index seam: does a distribution name exist there?

Guessed names (import name -> same-named distribution) are a dependency-confusion risk,
so each guess is checked against the index pip is configured to use. The check is a
plain callable ``(name) -> True | False | None`` (None: could not tell) so tests and
offline runs pass their own."""

from __future__ import annotations

import configparser
import json
import os
import ssl
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Optional

IndexCheck = Callable[[str], Optional[bool]]
DEFAULT_INDEX = "https://pypi.org/simple"


def _pip_config_files() -> list[Path]:
    files = [Path("/etc/pip.conf"), Path("/etc/xdg/pip/pip.conf")]
    home = Path.home()
    files += [home / ".pip" / "pip.conf", Path(os.environ.get("XDG_CONFIG_HOME", home / ".config")) / "pip" / "pip.conf"]
    files.append(Path(sys.prefix) / "pip.conf")
    if os.environ.get("PIP_CONFIG_FILE"):
        files.append(Path(os.environ["PIP_CONFIG_FILE"]))
    return files


def pip_setting(key: str) -> str | None:
    """A pip setting (``index-url``, ``cert``) as pip would read it: env var, then the last
    config file that sets it (global, then install section)."""
    env = os.environ.get("PIP_" + key.upper().replace("-", "_"))
    if env:
        return env
    value = None
    for file in _pip_config_files():
        parser = configparser.ConfigParser()
        try:
            parser.read(file)
        except (configparser.Error, OSError):
            continue
        for section in ("global", "install"):
            if parser.has_option(section, key):
                value = parser.get(section, key)
    return value


MAX_ANSWER = 200_000  # bytes of a project page read: enough to tell it exists


class SimpleIndex:
    """Existence check over the PEP 691 JSON simple API of the configured index. ``timeout``
    bounds the connection and each wait for data, three times it the whole answer: an index
    that never answers costs the analysis seconds, then the guess is "could not tell"."""

    def __init__(self, url: str | None = None, timeout: float = 5.0) -> None:
        self.url = (url or pip_setting("index-url") or DEFAULT_INDEX).rstrip("/")
        self.timeout = timeout
        self._cache: dict[str, bool | None] = {}
        self._lock = threading.Lock()
        self._context: ssl.SSLContext | None | bool = False  # made at the first question (reading CAs takes time)

    def __call__(self, name: str) -> bool | None:
        with self._lock:
            if name in self._cache:
                return self._cache[name]
        answer = self._ask(name)
        with self._lock:
            self._cache[name] = answer
        return answer

    def _ssl_context(self) -> ssl.SSLContext | None:
        with self._lock:
            if self._context is False:
                cert = pip_setting("cert") or os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("SSL_CERT_FILE")
                self._context = ssl.create_default_context(cafile=cert) if cert and os.path.exists(cert) else None
            return self._context

    def _ask(self, name: str) -> bool | None:
        request = urllib.request.Request(
            f"{self.url}/{name}/",
            headers={"Accept": "application/vnd.pypi.simple.v1+json, text/html;q=0.1"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self._ssl_context()) as response:
                body, ends = b"", time.monotonic() + 3 * self.timeout
                while len(body) < MAX_ANSWER and (chunk := response.read1(MAX_ANSWER - len(body))):
                    body += chunk
                    if time.monotonic() > ends:
                        return None
        except urllib.error.HTTPError as exc:
            return False if exc.code == 404 else None
        except (urllib.error.URLError, OSError, ValueError):
            return None
        try:
            return bool(json.loads(body).get("files", True))
        except ValueError:
            return True  # an HTML project page answered: the project exists

    def __str__(self) -> str:
        return self.url


def offline(name: str) -> None:
    """The check to use without network: it cannot tell."""
    return None


_default: IndexCheck | None = None


def default_index() -> IndexCheck:
    """The check ``analyze_notebook`` uses when given none: ``JUPYTER_CONTAINERIZE_INDEX_CHECK=0``
    in the environment turns it off (offline), otherwise the configured pip index."""
    global _default
    if _default is None:
        _default = offline if os.environ.get("JUPYTER_CONTAINERIZE_INDEX_CHECK") == "0" else SimpleIndex()
    return _default


def set_default_index(check: IndexCheck | None) -> None:
    """Replace the default check (an app setting, or tests); None restores the default."""
    global _default
    _default = check
