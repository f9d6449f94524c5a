"""``.pyc`` files for installed modules, made in memory by interpreters of the image's Python.

A few helper processes of an interpreter with the image's major.minor (bytecode is only valid
for its own version) each read requests on stdin: a module's path in the image, its source
and, when the kernel holds a compiled copy of the very same source, that copy. They answer
with the ``.pyc`` bytes: hash-checked (valid whatever the files' times, as ``compileall
--invalidation-mode checked-hash`` writes them), the code's file names those of the image.
The kernel's copy is read and renamed rather than compiled again (the environment was pinned
from the kernel, so most modules are there, compiled): its source is byte-identical, and
its code object is what compiling that source gives, apart from the file name, which is
replaced. A source that does not compile gets no ``.pyc``, as with compileall and pip.

Requests and answers are framed by 4-byte lengths; nothing is written to disk. The helpers
run in their own sessions (killed with everything they start) and are bounded like every
command (:mod:`..process`): a cancel or a time-out kills them.
"""

from __future__ import annotations

import os
import queue
import struct
import threading
import time
from concurrent.futures import Future, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .. import process
from ..errors import Cancelled, TimedOut

# The helper: stdlib only, isolated (-I -S), for any CPython 3.
WORKER = r"""
import importlib.util, marshal, struct, sys
inp, out = sys.stdin.buffer, sys.stdout.buffer
magic = importlib.util.MAGIC_NUMBER
out.write(struct.pack(">I", len(magic)) + magic + sys.implementation.cache_tag.encode() + b"\n")
out.flush()
def exact(n):
    data = inp.read(n)
    if len(data) != n:
        sys.exit(0)
    return data
def renamed(code, name):
    consts = tuple(renamed(c, name) if isinstance(c, type(code)) else c for c in code.co_consts)
    return code.replace(co_filename=name, co_consts=consts)
while True:
    sizes = struct.unpack(">III", exact(12))
    path, source, cached = exact(sizes[0]).decode("utf-8", "surrogateescape"), exact(sizes[1]), exact(sizes[2])
    digest = importlib.util.source_hash(source)
    try:
        code = None
        if cached[:4] == magic and (not int.from_bytes(cached[4:8], "little") & 1 or cached[8:16] == digest):
            try:
                code = renamed(marshal.loads(cached[16:]), path)
            except Exception:
                code = None
        if code is None:
            code = compile(source, path, "exec", dont_inherit=True)
        data = magic + struct.pack("<I", 0b11) + digest + marshal.dumps(code)
    except Exception:
        data = b""
    out.write(struct.pack(">I", len(data)) + data)
    out.flush()
"""


@dataclass(frozen=True)
class Job:
    path: str  # the module's path in the image
    source: bytes
    cached: bytes = b""  # the kernel's .pyc of this very source, when there is one


class Compilers:
    """``size`` helpers of ``executable`` sharing a queue of jobs, started at the first one.
    Waits are bounded by a deadline and stop soon after ``cancelled`` is set; either kills
    the helpers."""

    def __init__(self, executable: str, size: int, *, cancelled: Optional[threading.Event] = None):
        self.executable, self.size, self.cancelled = executable, max(1, size), cancelled
        self.magic, self.cache_tag = b"", ""
        self._jobs: queue.Queue = queue.Queue()
        self._lock = threading.Lock()
        self._procs: list = []
        self._started = self._closed = False
        self._greeted = threading.Event()
        self._failed: Optional[BaseException] = None

    def _start(self) -> None:
        with self._lock:
            if self._closed:
                raise Cancelled("Compiling the packages: stopped")
            if not self._started:
                self._started = True
                for _ in range(self.size):
                    threading.Thread(target=self._serve, daemon=True, name="containerize-compile").start()

    def ready(self, deadline: Optional[float], purpose: str, timeout: Optional[float]) -> None:
        """Start the helpers and wait for one's greeting (its magic number and cache tag)."""
        self._start()
        self._wait(lambda: self._greeted.wait(0.05) or self._failed is not None, deadline, purpose, timeout)
        if not self._greeted.is_set():
            raise self._failed  # type: ignore[misc]

    def submit(self, job: Job) -> Future:
        self._start()
        if self._failed is not None:
            raise self._failed
        future: Future = Future()
        self._jobs.put((job, future))
        return future

    def result(self, future: Future, deadline: Optional[float], purpose: str, timeout: Optional[float]):
        """The ``.pyc`` bytes of a job (None: its source does not compile)."""
        self._wait(lambda: bool(wait([future], 0.05).done), deadline, purpose, timeout)
        return future.result()

    def _wait(self, done, deadline: Optional[float], purpose: str, timeout: Optional[float]) -> None:
        while not done():
            if self.cancelled is not None and self.cancelled.is_set():
                self.close()
                raise Cancelled(f"{purpose}: cancelled")
            if deadline is not None and time.monotonic() >= deadline:
                self.close()
                raise TimedOut(f"{purpose} timed out after {timeout:g} s")

    def _serve(self) -> None:
        try:
            proc = process.start([self.executable, "-I", "-S", "-c", WORKER])
        except OSError as exc:
            self._fail(OSError(f"Cannot start {self.executable} to compile the packages: {exc}"))
            return
        with self._lock:
            if self._closed:
                process.stop(proc)
                return
            self._procs.append(proc)
        try:
            size = struct.unpack(">I", _read(proc.stdout, 4))[0]
            self.magic = _read(proc.stdout, size)
            self.cache_tag = proc.stdout.readline().strip().decode()
            self._greeted.set()
            while (item := self._jobs.get()) is not None:
                job, future = item
                if not future.set_running_or_notify_cancel():
                    continue
                path = job.path.encode("utf-8", "surrogateescape")
                try:
                    proc.stdin.write(struct.pack(">III", len(path), len(job.source), len(job.cached))
                                     + path + job.source + job.cached)
                    proc.stdin.flush()
                    size = struct.unpack(">I", _read(proc.stdout, 4))[0]
                    future.set_result(_read(proc.stdout, size) if size else None)
                except (OSError, EOFError, ValueError, struct.error) as exc:
                    future.set_exception(OSError(f"The compiler {self.executable} stopped: {exc}"))
                    return
        except (OSError, EOFError, ValueError, struct.error) as exc:
            self._fail(OSError(f"The compiler {self.executable} did not answer: {exc}"))
        finally:
            process.stop(proc)

    def _fail(self, error: BaseException) -> None:
        self._failed = self._failed or error
        while True:
            try:
                item = self._jobs.get_nowait()
            except queue.Empty:
                return
            if item is not None and item[1].set_running_or_notify_cancel():
                item[1].set_exception(error)

    def close(self) -> None:
        """Stop the helpers (killed with their groups); pending jobs fail."""
        with self._lock:
            self._closed = True
            procs, self._procs = self._procs, []
        for proc in procs:
            process.stop(proc)
        self._fail(Cancelled("Compiling the packages: stopped"))
        for _ in range(self.size):
            self._jobs.put(None)


def _read(stream, size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError("the compiler ended its answer early")
    return data


def kernel_pyc(site_packages: Path, relative: str, source: bytes, cache_tag: str) -> bytes:
    """The kernel's compiled copy of ``relative`` (a module path below ``site_packages``) when
    the kernel's source is byte-identical to ``source`` and its ``.pyc`` is current for it
    (a timestamp ``.pyc`` whose time and size are the source's, as the import system checks;
    a hash-based one is checked by the helper). Else ``b""``: the helper compiles."""
    if not cache_tag:
        return b""
    module = site_packages / relative
    cached = module.parent / "__pycache__" / f"{module.stem}.{cache_tag}.pyc"
    try:
        stat = os.stat(module)
        if stat.st_size != len(source):
            return b""
        with open(module, "rb") as handle:
            if handle.read() != source:
                return b""
        with open(cached, "rb") as handle:
            data = handle.read()
    except OSError:
        return b""
    if len(data) < 16:
        return b""
    flags = int.from_bytes(data[4:8], "little")
    if flags & 1:
        return data  # hash-based: the helper compares the hash
    if flags == 0 and int.from_bytes(data[8:12], "little") == int(stat.st_mtime) & 0xFFFFFFFF \
            and int.from_bytes(data[12:16], "little") == stat.st_size & 0xFFFFFFFF:
        return data
    return b""
