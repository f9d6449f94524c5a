"""Each locked wheel installed once on the host, at its final place in the image.

A wheel is installed by PyPA ``installer`` (files, ``.data`` schemes, console scripts whose
shebang is the image's interpreter, ``RECORD``) into a *tar segment* directly: its files are
read from the zip and written as tar members under ``opt/venv/...``, with no unpacking to
disk; every file is checked against the wheel's ``RECORD`` on the way (a file whose hash or
size differs fails the install: the wheel is refused). Its modules get hash-checked ``.pyc``
files (valid whatever the files' timestamps), made in memory by interpreters of the image's
Python version (``bytecode.py``), appended to the segment. The segment has no end-of-archive
marker: an environment layer is the concatenation of its packages' segments (``layer.py``),
so no installer runs in a container and a package installed for one image is never
installed again.

Segments are keyed by the wheel's sha256, its Python version and :data:`FORMAT`, and are
deterministic for a given wheel and kernel: members in the wheel's order (each directory
before what it holds), owner root, time 0, mode 0755 for executables and directories, else
0644. Several wheels install at once (threads over the zip reading, hashing and writing;
compiler processes); :meth:`InstalledWheels.start` begins one in the background while the
others download. The cache may be shared by several servers (``..cachedir``): a wheel
version is installed under a file lock, so a second server waits and reuses the first's
segment, and a segment (then its index) appears by an atomic rename, whole or not at all.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import posixpath
import stat
import sys
import tarfile
import threading
import time
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Optional, Sequence, Union

from installer import install
from installer.destinations import WheelDestination
from installer.records import Hash, RecordEntry, parse_record_file
from installer.scripts import Script
from installer.sources import WheelFile
from installer.utils import construct_record_file, fix_shebang

from .. import cachedir, process
from ..errors import Cancelled, ContainerizeError, TimedOut
from ..lock.wheelhouse import known_sha256
from ..settings import Timeouts
from .bytecode import Compilers, Job, kernel_pyc
from .layer import tar_header

VENV = "/opt/venv"
FORMAT = "2"  # bump when the content of a segment changes for the same wheel
_BLOCK = 1 << 20


class InstallFailed(ContainerizeError):
    status = 500


Compiler = Union[str, Callable[[], Optional[str]], None]


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    running: dict = field(default_factory=dict)  # segment path -> Future
    pool: Optional[ThreadPoolExecutor] = None
    compilers: Optional[Compilers] = None
    compiler: Optional[str] = None
    compiler_known: bool = False
    closed: bool = False
    stop: threading.Event = field(default_factory=threading.Event)  # set: running installs give up
    job: tuple = field(default_factory=process.current_job)  # the build job of the thread that made it


STOP_WAIT = 30.0  # seconds a stopped install may take to clean up (it stops at its next module)


@dataclass(frozen=True)
class InstalledWheels:
    """The segment cache for one Python version (``"3.11"``) of the image."""

    root: Path  # the cache directory for installed wheels (all Python versions)
    python_version: str  # major.minor of the image's interpreter
    compiler: Compiler = None  # an interpreter of that version (or a function finding one); None: no .pyc
    timeout: Optional[float] = Timeouts.compile  # for compiling the packages of one call
    cancelled: Optional[threading.Event] = field(default=None, compare=False)
    bytecode_from: tuple[Path, ...] = ()  # the kernel's site-packages: compiled copies of identical sources
    workers: int = 0  # wheels installed at once (and compiler processes); 0: one per core
    log: Optional[Callable[[str], None]] = field(default=None, compare=False)  # told of each install
    _state: _State = field(default_factory=_State, compare=False, repr=False)

    @property
    def site_packages(self) -> str:
        return f"{VENV}/lib/python{self.python_version}/site-packages"

    def segment_path(self, wheel: Path) -> Path:
        digest = known_sha256(wheel)[:16]
        return self.root / f"python{self.python_version}" / f"{wheel.name}.{digest}.v{FORMAT}.tar"

    def segments(self, wheels: Iterable[Path]) -> list[Path]:
        """The segment of every wheel, in the given order, installing the missing ones (those
        begun by :meth:`start` are waited for). Compiling may take :attr:`timeout` seconds."""
        wheels = list(wheels)
        paths = [self.segment_path(w) for w in wheels]
        missing = [(w, p) for w, p in zip(wheels, paths) if not _done(p)]
        if missing:
            futures = [self._submit(w, p) for w, p in missing]
            self._wait(futures, len(missing))
            self._release_if_idle()
        return paths

    def start(self, wheel: Path) -> None:
        """Begin installing ``wheel`` in the background when its segment is missing."""
        path = self.segment_path(wheel)
        if not _done(path):
            self._submit(wheel, path)

    def close(self) -> None:
        """Stop the compiler processes and the installs still running (their segments are not
        written), and wait until those have removed their temporary files: the process may
        exit right after. Call when the build ends."""
        with self._state.lock:
            self._state.closed = True
            compilers, pool = self._state.compilers, self._state.pool
            running = [f for f in self._state.running.values() if not f.done()]
        self._state.stop.set()
        if compilers is not None:
            compilers.close()
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        wait_futures(running, timeout=STOP_WAIT)

    def _release_if_idle(self) -> None:
        """With nothing installing, stop the compiler processes and the threads (made again
        when needed): a caller that never calls :meth:`close` leaves nothing running."""
        state = self._state
        with state.lock:
            if any(not f.done() for f in state.running.values()):
                return
            compilers, pool = state.compilers, state.pool
            state.compilers, state.pool, state.running = None, None, {}
        if compilers is not None:
            compilers.close()
        if pool is not None:
            pool.shutdown(wait=False)

    # -- scheduling ---------------------------------------------------------------------

    def _submit(self, wheel: Path, segment: Path) -> Future:
        state = self._state
        with state.lock:
            if state.closed:
                raise Cancelled("Installing the packages on the host: stopped")
            future = state.running.get(segment)
            if future is None or (future.done() and future.exception() is not None):
                if state.pool is None:
                    state.pool = ThreadPoolExecutor(max_workers=self._size(), thread_name_prefix="containerize-install")
                # installs begun from a download thread still run (and mark) for the build's job
                job = process.current_job() if process.current_job()[0] else state.job
                future = state.pool.submit(self._install_for, job, wheel, segment)
                state.running[segment] = future
            return future

    def _size(self) -> int:
        return max(1, self.workers or os.cpu_count() or 2)

    def _wait(self, futures: Sequence[Future], count: int) -> None:
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        pending = set(futures)
        while pending:
            done, pending = wait_futures(pending, timeout=0.05)
            if any(f.exception() is not None for f in done):
                break
            if self.cancelled is not None and self.cancelled.is_set():
                self._abort()
                raise Cancelled("Installing the packages on the host: cancelled")
            if deadline is not None and time.monotonic() >= deadline and pending:
                self._abort()
                raise TimedOut(f"Compiling {count} packages for Python {self.python_version} timed out "
                               f"after {self.timeout:g} s")
        for future in futures:  # the first failure in the wheels' order
            if future.done() and future.exception() is not None:
                self._abort()
                raise future.exception()

    def _abort(self) -> None:
        """Stop the installs still running, once they have cleaned up (no temporary segment, no
        lock left), and make the cache usable again: a failed call leaves nothing running."""
        self.close()
        with self._state.lock:  # usable again, with new compiler processes
            self._state.closed, self._state.compilers, self._state.pool = False, None, None
            self._state.stop = threading.Event()

    def _compilers(self) -> Optional[Compilers]:
        state = self._state
        with state.lock:
            if not state.compiler_known:
                state.compiler = self.compiler() if callable(self.compiler) else self.compiler
                state.compiler_known = True
            if state.compiler and state.compilers is None:
                state.compilers = Compilers(state.compiler, self._size(),
                                            cancelled=_Either(self.cancelled, state.stop))
            return state.compilers

    # -- one wheel ----------------------------------------------------------------------

    def _install_for(self, job: tuple, wheel: Path, segment: Path) -> Path:
        with process.for_job(*job):  # the compilers it starts carry the build's mark
            return self._install(wheel, segment)

    def _install(self, wheel: Path, segment: Path) -> Path:
        stop = _Either(self.cancelled, self._state.stop)  # the stop of the time it started
        with cachedir.locked(segment, stop):
            if _done(segment):  # another server installed it while this one waited
                return segment
            if stop.is_set():
                raise Cancelled("Installing the packages on the host: cancelled")
            started = time.monotonic()
            with cachedir.temporary(segment) as (fd, _):
                with os.fdopen(os.dup(fd), "wb", buffering=_BLOCK) as out:
                    members = self._write(wheel, out)
                cachedir.write_atomic(index_of(segment), json.dumps(members, separators=(",", ":")))
        if self.log is not None:
            self.log(f"Installed {wheel.name} on the host ({len(members)} entries, "
                     f"{time.monotonic() - started:.1f} s)")
        return segment

    def _write(self, wheel: Path, out: BinaryIO) -> list[tuple[str, int, int]]:
        compilers = self._compilers()
        purpose = f"Compiling the modules of {wheel.name} for Python {self.python_version}"
        cache_tag = ""
        if compilers is not None:
            compilers.ready(None, purpose, None)
            cache_tag = compilers.cache_tag
        writer = _TarWriter(out)
        lib = self.site_packages
        scheme = {"purelib": lib, "platlib": lib, "scripts": f"{VENV}/bin", "data": VENV,
                  "headers": f"{VENV}/include/site/python{self.python_version}"}
        modules: list[tuple[str, Future]] = []

        def on_module(name: str, source: bytes) -> None:
            if compilers is None:
                return
            relative = name[len(lib):].lstrip("/")
            cached = b""
            for folder in self.bytecode_from:
                cached = kernel_pyc(folder, relative, source, cache_tag)
                if cached:
                    break
            modules.append((name, compilers.submit(Job("/" + name, source, cached))))

        destination = _TarDestination(writer, scheme, f"{VENV}/bin/python", lib, on_module)
        try:
            with zipfile.ZipFile(wheel) as archive:
                install(_CheckedWheel(archive, wheel.name), destination,
                        additional_metadata={"INSTALLER": b"jupyter-containerize\n"})
            for name, future in modules:
                data = compilers.result(future, None, purpose, None)
                if data is not None:
                    folder, base = posixpath.split(name)
                    writer.add(f"{folder}/__pycache__/{base[:-3]}.{cache_tag}.pyc", data, 0o644)
        except (Cancelled, TimedOut, InstallFailed):
            raise
        except Exception as exc:  # a broken wheel (installer's, zip's errors) or compiler: name it
            raise InstallFailed(f"Cannot install {wheel.name}: {exc}") from None
        finally:
            for _, future in modules:
                future.cancel()
        return writer.members


class _Either:
    def __init__(self, *events: Optional[threading.Event]):
        self.events = [e for e in events if e is not None]

    def is_set(self) -> bool:
        return any(e.is_set() for e in self.events)


def _done(segment: Path) -> bool:
    return segment.is_file() and index_of(segment).is_file()


PROBE_TIMEOUT = 30.0  # seconds an interpreter may take to say its version


def compiler_for(python_version: str, *candidates: Optional[str],
                 cancelled: Optional[threading.Event] = None) -> Optional[str]:
    """The first interpreter among ``candidates`` (then this one) whose major.minor is
    ``python_version``: .pyc files are only valid for that version. One that cannot run or
    does not answer within :data:`PROBE_TIMEOUT` is passed over."""
    for candidate in (*candidates, sys.executable):
        if not candidate or not os.path.exists(candidate):
            continue
        if candidate == sys.executable:
            version = "%d.%d" % sys.version_info[:2]
        else:
            try:
                version = process.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                      purpose=f"Asking {candidate} its version", timeout=PROBE_TIMEOUT,
                                      cancelled=cancelled).stdout.strip()
            except (OSError, TimedOut):
                continue
        if version == python_version:
            return candidate
    return None


def index_of(segment: Path) -> Path:
    return segment.with_name(segment.name + ".index.json")


def members_of(segment: Path) -> list[tuple[str, int, int]]:
    """(name, start, end) of each member of a segment, in order."""
    return [tuple(m) for m in json.loads(index_of(segment).read_text())]


# -- writing a segment ---------------------------------------------------------------------


class _TarWriter:
    """Tar members (no end-of-archive marker) written as they come, each directory before
    what it holds; ``members`` indexes them by byte range."""

    def __init__(self, out: BinaryIO):
        self.out, self.offset = out, 0
        self.members: list[tuple[str, int, int]] = []
        self._dirs: set[str] = set()
        self._files: set[str] = set()

    def _header(self, name: str, size: int, mode: int, kind: bytes) -> None:
        self._emit(tar_header(name, size, mode, kind))

    def _emit(self, data: bytes) -> None:
        self.out.write(data)
        self.offset += len(data)

    def _parents(self, name: str) -> None:
        parts = name.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            folder = "/".join(parts[:i])
            if folder not in self._dirs:
                if folder in self._files:
                    raise ValueError(f"{folder} is both a file and a folder")
                start = self.offset
                self._header(folder, 0, 0o755, tarfile.DIRTYPE)
                self._dirs.add(folder)
                self.members.append((folder, start, self.offset))

    def _claim(self, name: str) -> None:
        if name in self._files or name in self._dirs:
            raise ValueError(f"{name} would be written twice")
        self._parents(name)
        self._files.add(name)

    def add(self, name: str, data: bytes, mode: int) -> None:
        self.add_stream(name, len(data), [data], mode)

    def add_stream(self, name: str, size: int, chunks: Iterable[bytes], mode: int) -> None:
        self._claim(name)
        start = self.offset
        self._header(name, size, mode, tarfile.REGTYPE)
        written = 0
        for chunk in chunks:
            written += len(chunk)
            if written > size:
                break
            self._emit(chunk)
        if written != size:
            raise ValueError(f"{name} is not the size its wheel says")
        self._emit(b"\0" * (-size % tarfile.BLOCKSIZE))
        self.members.append((name, start, self.offset))


class _TarDestination(WheelDestination):
    """installer's destination for a tar segment: every scheme maps to a folder of the image
    (``scheme``), file names are checked to stay inside it, scripts get the image's shebang."""

    def __init__(self, writer: _TarWriter, scheme: dict[str, str], interpreter: str, site_packages: str,
                 on_module: Callable[[str, bytes], None]):
        self.writer, self.scheme, self.interpreter = writer, scheme, interpreter
        self.site_packages, self.on_module = site_packages.lstrip("/"), on_module

    def _name(self, scheme: str, path: str) -> str:
        folder = self.scheme[scheme]
        full = posixpath.normpath(posixpath.join(folder, path))
        if not full.startswith(folder.rstrip("/") + "/"):
            raise ValueError(f"Attempting to write {path} outside of the target directory")
        return full.lstrip("/")

    def _write(self, scheme: str, path: str, stream: BinaryIO, is_executable: bool) -> RecordEntry:
        name = self._name(scheme, path)
        mode = 0o755 if is_executable else 0o644
        size = getattr(stream, "size", None)
        digest = hashlib.sha256()
        module = name.endswith(".py") and name.startswith(self.site_packages + "/")
        if size is None or module:
            data = stream.read()
            digest.update(data)
            self.writer.add(name, data, mode)
            size = len(data)
            if module:
                self.on_module(name, data)
        else:
            def chunks():
                while block := stream.read(_BLOCK):
                    digest.update(block)
                    yield block
            self.writer.add_stream(name, size, chunks(), mode)
        encoded = base64.urlsafe_b64encode(digest.digest()).decode("ascii").rstrip("=")
        return RecordEntry(path, Hash("sha256", encoded), size)

    def write_file(self, scheme, path, stream, is_executable) -> RecordEntry:
        path = os.fspath(path)
        if scheme == "scripts":  # executable whatever the zip says, as pip makes them
            with fix_shebang(stream, self.interpreter) as fixed:
                return self._write(scheme, path, fixed, True)
        return self._write(scheme, path, stream, is_executable)

    def write_script(self, name, module, attr, section) -> RecordEntry:
        script_name, data = Script(name, module, attr, section).generate(self.interpreter, "posix")
        return self._write("scripts", script_name, io.BytesIO(data), True)

    def finalize_installation(self, scheme, record_file_path, records) -> None:
        def prefix_for_scheme(file_scheme: str) -> Optional[str]:
            if file_scheme == scheme:
                return None
            return posixpath.relpath(self.scheme[file_scheme], start=self.scheme[scheme]) + "/"

        with construct_record_file(list(records), prefix_for_scheme) as stream:
            self._write(scheme, record_file_path, stream, False)


class _CheckedWheel(WheelFile):
    """The wheel's files as installer reads them, each checked against ``RECORD`` (sha256 and
    size) once read to its end."""

    def __init__(self, archive: zipfile.ZipFile, name: str):
        super().__init__(archive)
        self.archive, self.name = archive, name

    def get_contents(self):
        records = {row[0]: row for row in parse_record_file(self.read_dist_info("RECORD").splitlines())}
        for item in self.archive.infolist():
            if item.filename.endswith("/"):
                continue
            record = records.pop(item.filename, (item.filename, "", ""))
            mode = item.external_attr >> 16
            executable = bool(mode and stat.S_ISREG(mode) and mode & 0o111)
            with self.archive.open(item) as stream:
                yield record, _Checked(stream, item.file_size, record, self.name), executable


class _Checked(io.RawIOBase):
    """A file of the wheel, hashed as it is read; at its end, compared with its RECORD row."""

    def __init__(self, stream, size: int, record: tuple[str, str, str], wheel: str):
        super().__init__()
        self.stream, self.size, self.wheel = stream, size, wheel
        self.path, self.expected, self.expected_size = record[0], record[1], record[2]
        self._reset()

    def _reset(self) -> None:
        self._digest, self._read, self._checked = None, 0, False
        if self.expected:
            algorithm = self.expected.partition("=")[0]
            try:
                self._digest = hashlib.new(algorithm)
            except ValueError:
                raise InstallFailed(f"Cannot install {self.wheel}: RECORD names an unknown hash "
                                    f"{algorithm!r} for {self.path}") from None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        if (offset, whence) != (0, 0):
            raise io.UnsupportedOperation("only a rewind is supported")
        self.stream.seek(0)
        self._reset()
        return 0

    def tell(self) -> int:
        return self._read

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self._seen(data, at_end=not data or size is None or size < 0)
        return data

    def readline(self, size: int = -1) -> bytes:
        data = self.stream.readline(size)
        self._seen(data, at_end=not data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def _seen(self, data: bytes, at_end: bool) -> None:
        if self._digest is not None:
            self._digest.update(data)
        self._read += len(data)
        if (at_end or self._read >= self.size) and not self._checked:
            self._checked = True
            self._check()

    def _check(self) -> None:
        if self.expected_size and self.expected_size.isdigit() and int(self.expected_size) != self._read:
            raise InstallFailed(f"Cannot install {self.wheel}: {self.path} holds {self._read} bytes, its RECORD "
                                f"says {self.expected_size}: refused")
        if self._digest is not None:
            value = base64.urlsafe_b64encode(self._digest.digest()).decode("ascii").rstrip("=")
            if value != self.expected.partition("=")[2]:
                raise InstallFailed(f"Cannot install {self.wheel}: {self.path} does not match the hash its "
                                    "RECORD gives: refused")
