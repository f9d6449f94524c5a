"""The kernel's environment: what its interpreter has installed, and which kernel runs what.

The one seam to the kernel's interpreter is :func:`inspect_interpreter`: it runs
``probe.py`` there (isolated, argument list, no shell) and caches the answer in memory and
on disk, keyed by a fingerprint of the interpreter's site directories, so a repeated call
costs a few ``stat`` calls and a changed environment is probed again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from .. import process
from ..errors import InterpreterError, KernelNotFound, TimedOut
from .notebook import is_python

PROBE = Path(__file__).with_name("probe.py")
PROBE_TIMEOUT = 120
CACHE_VERSION = 1


def normalize(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class InstalledDistribution:
    name: str  # PEP 503 normalised
    version: str
    requires: tuple[str, ...]  # raw Requires-Dist strings as installed
    top_level: tuple[str, ...]  # importable modules, incl. namespace sub-packages ("google.cloud.storage")
    installer: str | None
    direct_url: dict | None  # PEP 610 direct_url.json, parsed
    import_names: tuple[str, ...] = ()  # PEP 794 Import-Name metadata when declared

    def __hash__(self) -> int:
        return hash((self.name, self.version))

    @property
    def editable(self) -> bool:
        return bool((self.direct_url or {}).get("dir_info", {}).get("editable"))


@dataclass(frozen=True)
class KernelEnvironment:
    executable: str
    python_version: str  # "3.11.7"
    platform: str  # sys.platform of the kernel
    machine: str  # platform.machine()
    stdlib: frozenset[str]  # the kernel's sys.stdlib_module_names
    distributions: Mapping[str, InstalledDistribution]  # by normalised name
    fingerprint: str  # changes when the environment changes
    prefix: str
    conda: bool
    _index: Mapping[str, tuple[str, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        index: dict[str, list[str]] = {}
        for dist in self.distributions.values():
            for module in (*dist.import_names, *dist.top_level):
                names = index.setdefault(module, [])
                if dist.name not in names:
                    names.append(dist.name)
        object.__setattr__(self, "_index", MappingProxyType({k: tuple(v) for k, v in index.items()}))

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def module_providers(self, module: str) -> list[str]:
        """Distributions providing the dotted ``module``, most specific first.

        ``google.cloud.storage`` -> ``["google-cloud-storage"]`` even though other
        distributions share the ``google`` namespace; ``google`` alone -> every
        distribution below that namespace."""
        return list(self.module_match(module)[1])

    def module_match(self, module: str) -> tuple[str | None, tuple[str, ...]]:
        """(the provided module that matched, providers); the module is None when only
        distributions *below* ``module`` (a namespace package) provide it."""
        parts = module.split(".")
        for i in range(len(parts), 0, -1):
            prefix = ".".join(parts[:i])
            found = self._index.get(prefix)
            if found:
                return prefix, found
        prefix = module + "."
        below: list[str] = []
        for key in sorted(self._index):
            if key.startswith(prefix):
                below.extend(n for n in self._index[key] if n not in below)
        return None, tuple(below)

    def is_stdlib(self, module: str) -> bool:
        return module.split(".", 1)[0] in self.stdlib

    @property
    def version_info(self) -> tuple[int, ...]:
        return tuple(int(p) for p in re.findall(r"\d+", self.python_version)[:3])


# ---------------------------------------------------------------------------------------
# Fingerprint: cheap to compute in-process from the site directories the probe reported


def fingerprint(executable: str, paths: list[str]) -> str:
    digest = hashlib.sha256()
    try:
        st = os.stat(executable)
        digest.update(f"{os.path.realpath(executable)}:{st.st_mtime_ns}:{st.st_size}\n".encode())
    except OSError:
        digest.update(b"missing-executable\n")
    for path in paths:
        digest.update(f"P {path}\n".encode())
        try:
            st = os.stat(path)
            entries = os.scandir(path) if os.path.isdir(path) else ()
        except OSError:
            continue
        digest.update(f"{st.st_mtime_ns}\n".encode())
        with_meta = []
        for entry in entries:
            if entry.name.endswith((".dist-info", ".egg-info", ".pth", ".egg-link")):
                try:
                    with_meta.append(f"{entry.name}:{entry.stat().st_mtime_ns}")
                except OSError:
                    continue
        if hasattr(entries, "close"):
            entries.close()
        for line in sorted(with_meta):
            digest.update(line.encode() + b"\n")
    return digest.hexdigest()[:32]


# ---------------------------------------------------------------------------------------
# Probe + caches


def default_cache_dir() -> Path:
    try:
        from platformdirs import user_cache_dir

        return Path(user_cache_dir("jupyter-containerize"))
    except ImportError:  # pragma: no cover
        return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "jupyter-containerize"


_memory: dict[str, tuple[dict, str]] = {}  # executable -> (probe payload, fingerprint)
_environments: dict[str, KernelEnvironment] = {}  # fingerprint -> environment
_lock = threading.Lock()


def run_probe(executable: str, cancelled: threading.Event | None = None) -> dict:
    """Run the probe in ``executable``; the only place that starts the kernel's interpreter
    (killed, with what it started, past :data:`PROBE_TIMEOUT` or on ``cancelled``)."""
    try:
        done = process.run([executable, "-I", str(PROBE)], purpose=f"Inspecting the interpreter {executable}",
                           timeout=PROBE_TIMEOUT, cancelled=cancelled)
    except OSError as exc:
        raise InterpreterError(f"Cannot run {executable}: {exc.strerror or exc}") from exc
    except TimedOut as exc:
        raise InterpreterError(f"{executable} did not answer within {PROBE_TIMEOUT} s") from exc
    if done.returncode != 0:
        if "Unknown option: -I" in done.stderr:
            raise InterpreterError(f"{executable} is Python 2 (or older than 3.4); kernels need Python 3")
        tail = done.stderr.strip().splitlines()[-3:]
        raise InterpreterError(
            f"{executable} is not a usable Python interpreter (exit {done.returncode}): " + " | ".join(tail)
        )
    try:
        payload = json.loads(done.stdout)
        payload["distributions"], payload["stdlib"], payload["path"]  # noqa: B018 - shape check
    except (ValueError, KeyError, TypeError) as exc:
        raise InterpreterError(f"{executable} is not a Python interpreter (unexpected probe output)") from exc
    return payload


def _build(executable: str, payload: dict, fp: str) -> KernelEnvironment:
    dists = {}
    for d in payload["distributions"]:
        dist = InstalledDistribution(
            name=normalize(d["name"]),
            version=d["version"],
            requires=tuple(d.get("requires") or ()),
            top_level=tuple(d.get("top_level") or ()),
            installer=d.get("installer"),
            direct_url=d.get("direct_url"),
            import_names=tuple(d.get("import_names") or ()),
        )
        dists.setdefault(dist.name, dist)
    return KernelEnvironment(
        executable=executable,
        python_version=payload["python_version"],
        platform=payload["platform"],
        machine=payload["machine"],
        stdlib=frozenset(payload["stdlib"]),
        distributions=MappingProxyType(dists),
        fingerprint=fp,
        prefix=payload["prefix"],
        conda=bool(payload.get("conda")),
    )


def _resolve_executable(executable: str | os.PathLike) -> str:
    text = os.fspath(executable)
    if not text:
        raise InterpreterError("No interpreter given")
    if os.sep not in text and not os.path.exists(text):
        found = shutil.which(text)
        if found:
            text = found
    path = os.path.abspath(os.path.expanduser(text))  # not realpath: a venv's python is a symlink
    if not os.path.exists(path):
        raise InterpreterError(f"Interpreter {path} does not exist")
    if os.path.isdir(path) or not os.access(path, os.X_OK):
        raise InterpreterError(f"{path} is not an executable Python interpreter")
    return path


def _cache_file(cache_dir: Path, executable: str) -> Path:
    key = hashlib.sha256(executable.encode()).hexdigest()[:24]
    return cache_dir / "kernels" / f"{key}.json"


def inspect_interpreter(
    executable: str | os.PathLike, cache_dir: str | os.PathLike | None = None, refresh: bool = False,
    cancelled: threading.Event | None = None,
) -> KernelEnvironment:
    """What the interpreter at ``executable`` has installed (cached, see module doc); a
    probe stops soon after ``cancelled`` is set."""
    path = _resolve_executable(executable)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    with _lock:
        payload = fp = None
        if not refresh and path in _memory:
            payload, old = _memory[path]
            fp = fingerprint(path, payload["path"])
            if fp != old:
                payload = None
        if payload is None and not refresh:
            payload, fp = _read_disk(cache, path)
        if payload is None:
            payload = run_probe(path, cancelled)
            fp = fingerprint(path, payload["path"])
            _write_disk(cache, path, payload, fp)
        _memory[path] = (payload, fp)
        env = _environments.get(fp)
        if env is None or env.executable != path:
            env = _environments[fp] = _build(path, payload, fp)
        return env


def _read_disk(cache: Path, path: str) -> tuple[dict | None, str | None]:
    try:
        stored = json.loads(_cache_file(cache, path).read_text())
    except (OSError, ValueError):
        return None, None
    if stored.get("version") != CACHE_VERSION or stored.get("executable") != path:
        return None, None
    payload = stored.get("payload") or {}
    fp = fingerprint(path, payload.get("path", []))
    if fp != stored.get("fingerprint"):
        return None, None
    return payload, fp


def _write_disk(cache: Path, path: str, payload: dict, fp: str) -> None:
    target = _cache_file(cache, path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"version": CACHE_VERSION, "executable": path, "fingerprint": fp, "payload": payload}))
        os.replace(tmp, target)
    except OSError:
        pass  # a read-only cache only costs speed


def clear_memory_cache() -> None:
    with _lock:
        _memory.clear()
        _environments.clear()


# ---------------------------------------------------------------------------------------
# Kernel name -> interpreter


def _python_names() -> set[str]:
    major, minor = sys.version_info[:2]
    return {"python", f"python{major}", f"python{major}.{minor}"}


def _spec_on_disk(kernel_name: str):
    """The kernelspec ``kernel_name`` in the first kernels folder holding it, the folders
    searched in jupyter_client's order; None when there is none (jupyter_client is asked).
    Without a server, this spares importing jupyter_client, which imports IPython for the
    ``python3`` kernel: longer than a whole warm rebuild."""
    from types import SimpleNamespace

    from jupyter_core.paths import jupyter_path

    if not kernel_name or "/" in kernel_name or kernel_name.startswith("."):
        return None
    for folder in jupyter_path("kernels"):
        path = os.path.join(folder, kernel_name.lower(), "kernel.json")
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except FileNotFoundError:
            continue
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict):
            return None
        return SimpleNamespace(argv=data.get("argv"), language=data.get("language", ""), env=data.get("env"),
                               resource_dir=os.path.dirname(path))
    return None


def interpreter_for_kernel(kernel_name: str, kernel_spec_manager=None) -> str:
    """The interpreter a kernelspec starts: its ``argv[0]`` resolved the way jupyter_client
    resolves it (a bare ``python`` is the server's own ``sys.executable``)."""
    spec = _spec_on_disk(kernel_name) if kernel_spec_manager is None else None
    if spec is None and kernel_spec_manager is None:
        from jupyter_client.kernelspec import KernelSpecManager

        kernel_spec_manager = KernelSpecManager()
    try:
        spec = spec or kernel_spec_manager.get_kernel_spec(kernel_name)
    except Exception as exc:  # jupyter_client raises NoSuchKernel (a KeyError)
        if kernel_name in ("python3", "python"):
            return sys.executable
        raise KernelNotFound(f"No kernel named {kernel_name!r}") from exc
    argv = list(getattr(spec, "argv", None) or [])
    if not argv:
        raise KernelNotFound(f"Kernel {kernel_name!r} has no command line")
    language = (getattr(spec, "language", "") or "").lower()
    if language and not is_python(language):
        raise KernelNotFound(f"Kernel {kernel_name!r} runs {language}, not Python")
    candidates = [argv[0]] + [a for a in argv[1:] if os.path.basename(a).startswith("python")]
    for arg in candidates:
        if arg in _python_names() or arg == "{python}":
            return sys.executable
        if os.path.isabs(arg) and os.path.exists(arg):
            return arg
        resource_dir = getattr(spec, "resource_dir", None)
        if resource_dir and os.path.exists(os.path.join(resource_dir, arg)):
            return os.path.join(resource_dir, arg)
        env_path = (getattr(spec, "env", None) or {}).get("PATH")
        found = shutil.which(arg, path=env_path) if env_path else shutil.which(arg)
        if found and os.path.basename(found).startswith("python"):
            return found
    raise KernelNotFound(f"Cannot find the interpreter of kernel {kernel_name!r} ({argv[0]})")
