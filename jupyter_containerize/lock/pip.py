"""The one seam to pip on the host: resolving and fetching for the target platform.

pip runs as a subprocess of the server's interpreter with an argument list (never a shell
string) and the host's own pip configuration (pip.conf, PIP_* variables: index URLs, CA
bundle, proxies), so corporate set-ups work as they do for the user. Nothing of that
configuration is written anywhere: we keep names, versions and hashes, never URLs.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import sys
import tempfile
import threading
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from packaging.utils import canonicalize_name

from .. import process
from ..errors import LockError, TimedOut
from ..redact import redact
from ..settings import Timeouts
from .target import Target


@dataclass(frozen=True)
class ResolvedArtifact:
    name: str
    version: str
    sha256: str | None
    requested: bool
    requires: tuple[str, ...]


class NoDistribution(LockError):
    """The resolver found no file it may install for ``requirement`` (e.g. only an sdist)."""

    def __init__(self, message: str, requirement: str):
        super().__init__(message)
        self.requirement = requirement


class ResolutionConflict(LockError):
    """The requirements cannot all be installed together (pip's ResolutionImpossible)."""


_NO_DISTRIBUTION = re.compile(r"^ERROR: No matching distribution found for (\S+)", re.MULTILINE)


def _run_pip(args: list[str], what: str, *, timeout: Optional[float] = Timeouts.pip,
             cancelled: Optional[threading.Event] = None) -> process.Finished:
    """pip with ``args`` (see :func:`..process.run`: killed on cancel or past ``timeout``,
    and then the time-out names the indexes pip was waiting for)."""
    cmd = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", *args]
    try:
        proc = process.run(cmd, purpose=what, timeout=timeout, cancelled=cancelled)
    except process.CommandTimedOut as exc:
        said = [ln.strip() for ln in exc.stderr.splitlines() if ln.strip() and not _NOISE.match(ln)][-2:]
        raise TimedOut(f"{what} timed out after {timeout:g} s; pip's package indexes: {_describe_indexes()}"
                       + (f"; pip's last words: {redact(' | '.join(said))}" if said else "")) from None
    if proc.returncode != 0:
        message = f"{what} failed: {_explain(proc.stderr)}"
        missing = _NO_DISTRIBUTION.search(proc.stderr)
        if missing:
            raise NoDistribution(message, missing.group(1))
        if "ResolutionImpossible" in proc.stderr:
            raise ResolutionConflict(f"{what} failed: {_conflict(proc.stdout + chr(10) + proc.stderr)}")
        raise LockError(message)
    return proc


_NOISE = re.compile(r"^WARNING: (Location .* is ignored|Running pip as the 'root' user|You are using pip)")


def _explain(stderr: str) -> str:
    """The lines of pip's error output that name the cause, secrets removed."""
    lines = [ln for ln in stderr.splitlines() if ln.strip() and not _NOISE.match(ln)]
    errors = [ln for ln in lines if ln.startswith("ERROR")]
    return redact("\n".join(errors or lines[-8:]) or "pip exited with an error")


def _conflict(stderr: str) -> str:
    """What pip names as the cause of a ResolutionImpossible ("six==1.16.0 (constraint); x 1.0
    depends on six<1.10"), else its error lines."""
    lines = stderr.splitlines()
    try:
        start = next(i for i, ln in enumerate(lines) if ln.strip() == "The conflict is caused by:") + 1
    except StopIteration:
        return _explain(stderr)
    causes = []
    for line in lines[start:]:
        if not line.strip():
            break
        causes.append(line.strip())
    return redact("conflicting requirements: " + "; ".join(causes)) if causes else _explain(stderr)


def _describe_indexes() -> str:
    try:
        config = host_index_config()
    except Exception:  # noqa: BLE001 - only for a message
        return "unknown"
    return ", ".join(describe_location(u) for u in (*config.index_urls, *config.find_links)) or "none"


def resolve(specs: list[str], target: Target, constraints: list[str] = (), *,
            find_links: tuple[Path, ...] = (), extra_platforms: tuple[str, ...] = (),
            timeout: Optional[float] = Timeouts.pip, cancelled: Optional[threading.Event] = None,
            ) -> list[ResolvedArtifact]:
    """Resolve ``specs`` (pins and open specs) for the target; nothing is installed.
    ``constraints`` (the kernel's pins) bound every package the resolution touches; pip adds
    them to the host's own constraint files (pip.conf), it does not replace them.
    ``find_links`` are folders of wheels built on the host (from sdists), in addition to the
    host's indexes, and ``extra_platforms`` more wheel platform tags pip may take from them.
    Raises :class:`NoDistribution` when pip finds no wheel for a requirement, ``TimedOut``
    past ``timeout`` seconds and ``Cancelled`` soon after ``cancelled`` is set."""
    with tempfile.TemporaryDirectory(prefix="containerize-resolve-") as tmp:
        report = Path(tmp, "report.json")
        requirements = Path(tmp, "requirements.in")
        requirements.write_text("\n".join(specs) + "\n")
        constraint_args = []
        if constraints:
            Path(tmp, "constraints.txt").write_text("\n".join(constraints) + "\n")
            constraint_args = ["-c", str(Path(tmp, "constraints.txt"))]
        _run_pip(
            [
                # not --quiet: pip names the cause of a conflict on its standard output
                "install", "--dry-run", "--ignore-installed",
                "--report", str(report), "--target", str(Path(tmp, "target")),
                *target.pip_platform_args(), *(a for p in extra_platforms for a in ("--platform", p)),
                *(a for f in find_links for a in ("--find-links", str(f))),
                *constraint_args, "-r", str(requirements),
            ],
            f"Resolving for {target.platform} / Python {target.python_version}",
            timeout=timeout, cancelled=cancelled,
        )
        data = json.loads(report.read_text())
    artifacts = []
    for item in data.get("install", []):
        meta = item["metadata"]
        hashes = item.get("download_info", {}).get("archive_info", {}).get("hashes", {})
        artifacts.append(
            ResolvedArtifact(
                name=canonicalize_name(meta["name"]),
                version=meta["version"],
                sha256=hashes.get("sha256"),
                requested=bool(item.get("requested")),
                requires=tuple(meta.get("requires_dist", []) or ()),
            )
        )
    return artifacts


def download(lock_file: Path, target: Target, wheelhouse: Path, *, timeout: Optional[float] = Timeouts.pip,
             cancelled: Optional[threading.Event] = None) -> None:
    """Fetch exactly the locked files (hash-checked) into ``wheelhouse`` (a persistent cache)."""
    wheelhouse.mkdir(parents=True, exist_ok=True)
    _run_pip(
        [
            "download", "--no-deps", "--require-hashes", "--quiet",
            "--dest", str(wheelhouse), *target.pip_platform_args(), "-r", str(lock_file),
        ],
        "Downloading the locked packages", timeout=timeout, cancelled=cancelled,
    )


def build_wheel(source: str, dest: Path, *, timeout: Optional[float] = Timeouts.wheel_build,
                cancelled: Optional[threading.Event] = None) -> Path:
    """``pip wheel --no-deps`` of ``source`` (a directory, a ``name==version`` on the index
    whose sdist is built, or a VCS URL) into ``dest``; returns the one wheel built."""
    dest.mkdir(parents=True, exist_ok=True)
    before = set(dest.glob("*.whl"))
    args = ["wheel", "--no-deps", "--quiet", "--wheel-dir", str(dest)]
    if "==" in source and not Path(source).exists():
        args += ["--no-binary", source.split("==")[0]]
    _run_pip([*args, source], f"Building a wheel of {redact(source)}", timeout=timeout, cancelled=cancelled)
    built = sorted(set(dest.glob("*.whl")) - before) or sorted(dest.glob("*.whl"))
    if not built:
        raise LockError(f"Building a wheel of {redact(source)} produced no wheel")
    return built[-1]


@dataclass(frozen=True)
class IndexConfig:
    """What the host's pip reads from its configuration (pip.conf files and PIP_* variables)
    to reach the index. Held in memory only; never written to the lock or any cache."""

    index_urls: tuple[str, ...]
    find_links: tuple[str, ...] = ()
    cert: str | None = None
    client_cert: str | None = None
    proxy: str | None = None
    timeout: float = 15.0
    constraints: tuple[str, ...] = ()  # the host's constraint files (pip's ``constraint`` option)
    options: tuple[tuple[str, str], ...] = ()  # other settings that change what pip resolves

    @functools.cached_property
    def fingerprint(self) -> str:
        """A digest of everything here that changes what pip's resolver picks: the indexes
        and find-links, the content of the constraint files and of local find-links folders
        (each file's name, size and time: an sdist rebuilt under the same version is another
        file), the options. A digest only: URLs and their credentials are never kept. Computed
        once per configuration read (a lock asks for it in its memo, index cache and resolutions)."""
        def folder(location: str) -> list:
            if "://" in location and not location.startswith("file:"):
                return []  # a page on a server: its answers change with time (the TTL's job)
            path = (urllib.request.url2pathname(urllib.parse.urlsplit(location).path)
                    if location.startswith("file:") else location)
            try:
                with os.scandir(path) as entries:
                    return sorted([e.name, *((e.stat().st_size, e.stat().st_mtime_ns) if e.is_file() else ())]
                                  for e in entries)
            except OSError:
                return []

        def content(path: str) -> str:
            try:
                return hashlib.sha256(Path(path).read_bytes()).hexdigest()
            except OSError as exc:
                return f"unreadable: {exc.errno}"

        body = [self.index_urls, [[f, folder(f)] for f in self.find_links],
                [[c, content(c)] for c in self.constraints], self.options]
        return hashlib.sha256(json.dumps(body).encode()).hexdigest()


# pip settings besides the indexes that change a resolution (``install --dry-run``)
_RESOLUTION_OPTIONS = ("pre", "prefer-binary", "only-binary", "no-binary", "no-build-isolation", "use-feature",
                       "use-deprecated")


def describe_location(url: str) -> str:
    """An index or find-links location for messages: ``scheme://host[:port]`` of a URL
    (never its path or credentials, which may hold a token), a local path as it is."""
    parts = urllib.parse.urlsplit(url)
    if "://" not in url or parts.scheme == "file":
        return parts.path or url
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return redact(f"{parts.scheme}://{parts.hostname or ''}{port}")


def _config_files() -> list[str]:
    """pip's configuration files in the order it reads them, later ones winning (pip's
    documented "Configuration" locations on Linux: global, user, site, PIP_CONFIG_FILE)."""
    env_file = os.environ.get("PIP_CONFIG_FILE")
    xdg_dirs = os.environ.get("XDG_CONFIG_DIRS", "")
    global_dirs = [os.path.join(d, "pip") for d in (xdg_dirs if xdg_dirs.strip() else "/etc/xdg").split(os.pathsep)]
    files = [os.path.join(d, "pip.conf") for d in [*global_dirs, "/etc"]]
    if not (env_file and os.path.exists(env_file)):
        home = os.path.expanduser("~")
        xdg_home = os.environ.get("XDG_CONFIG_HOME", "")
        files += [os.path.join(home, ".pip", "pip.conf"),
                  os.path.join(xdg_home if xdg_home.strip() else os.path.join(home, ".config"), "pip", "pip.conf")]
    files.append(os.path.join(sys.prefix, "pip.conf"))
    if env_file is not None:
        files.append(env_file)
    return files


def _read_config_items() -> dict[str, str]:
    """What pip's own loader gives (``section.option`` -> value, PIP_* variables as
    ``:env:.option``), read without importing pip: importing it costs a warm rebuild a
    quarter of its time."""
    import configparser
    import locale

    items: dict[str, str] = {}

    def normal(name: str) -> str:
        name = name.lower().replace("_", "-")
        return name[2:] if name.startswith("--") else name

    if os.environ.get("PIP_CONFIG_FILE") != os.devnull:
        for path in _config_files():
            if not os.path.exists(path):
                continue
            parser = configparser.RawConfigParser()
            parser.read(path, encoding=locale.getpreferredencoding(False))
            for section in parser.sections():
                items.update({f"{section}.{normal(k)}": v for k, v in parser.items(section)})
    for key, value in os.environ.items():
        if key.startswith("PIP_") and key[4:].lower() not in ("version", "help"):
            items[f":env:.{normal(key[4:])}"] = value
    return items


def _config_items() -> dict[str, str]:
    try:
        return _read_config_items()
    except Exception:  # noqa: BLE001 - an unreadable file: pip itself says what it makes of it
        # (``pip config list``: pip has no public Python API for its configuration)
        proc = process.run([sys.executable, "-m", "pip", "config", "list"], purpose="Reading pip's configuration",
                           timeout=60)
        items = {}
        for line in proc.stdout.splitlines():
            key, _, value = line.partition("=")
            items[key.strip()] = value.strip().strip("'\"")
        return items


def host_index_config() -> IndexConfig:
    items = _config_items()

    def get(option: str) -> str | None:
        for section in (":env:", "download", "install", "global"):
            value = items.get(f"{section}.{option}")
            if value not in (None, ""):
                return value
        return None

    def many(option: str) -> tuple[str, ...]:
        return tuple((get(option) or "").split())

    if (get("no-index") or "").lower() in ("1", "true", "yes", "on"):
        index_urls: tuple[str, ...] = ()
    else:
        index_urls = ((get("index-url") or "https://pypi.org/simple"), *many("extra-index-url"))
    try:
        timeout = float(get("timeout") or get("default-timeout") or 15)
    except ValueError:
        timeout = 15.0
    return IndexConfig(
        index_urls=index_urls, find_links=many("find-links"),
        cert=get("cert") or os.environ.get("REQUESTS_CA_BUNDLE"),
        client_cert=get("client-cert"), proxy=get("proxy"), timeout=min(timeout, 60.0),
        constraints=many("constraint"),
        options=tuple((option, get(option)) for option in _RESOLUTION_OPTIONS if get(option) is not None),
    )
