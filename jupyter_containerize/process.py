"""The one way the build runs a command: :func:`run`.

A command is an argument list (never a shell string) started in its own session, so it
leads a process group holding everything it starts (pip's build backends, compileall's
workers). It gets a private temporary folder (``TMPDIR``), removed afterwards, so a killed
command leaves no files behind. ``cancelled`` is polled every :data:`POLL_S` seconds: when it
is set, or when ``timeout`` seconds have passed, the whole group is killed and
:class:`~.errors.Cancelled` or :class:`~.errors.TimedOut` (naming the command's purpose and
the limit) is raised. Otherwise the exit status and the captured output are returned; a
non-zero status is the caller's to judge.

A command run for a build job carries the job's id in its environment (:data:`JOB_ENV`, set
by :func:`for_job` on the worker thread), and so does everything it starts. A server that was
killed cannot kill its commands; the next one finds them by that mark
(:func:`kill_job_processes`) and kills them, so a killed build leaves nothing running.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping, Optional, Sequence

from .errors import Cancelled, TimedOut
from .redact import redact

POLL_S = 0.1  # how often a running command looks at the cancel event
JOB_ENV = "JUPYTER_CONTAINERIZE_JOB"  # the build job a command runs for, in its environment
_current = threading.local()


@contextlib.contextmanager
def for_job(job_id: str, scratch: Optional[Path] = None) -> Iterator[None]:
    """Mark the commands this thread runs meanwhile as run for the build job ``job_id``, and
    give them their temporary folders inside ``scratch`` (the job's, removed with it)."""
    previous = getattr(_current, "job", None), getattr(_current, "scratch", None)
    _current.job, _current.scratch = job_id, scratch
    try:
        yield
    finally:
        _current.job, _current.scratch = previous


def current_job() -> tuple[Optional[str], Optional[Path]]:
    """The build job (and its scratch folder) this thread runs commands for, to hand to
    :func:`for_job` on a helper thread: its commands then carry the same mark."""
    return getattr(_current, "job", None), getattr(_current, "scratch", None)


def kill_job_processes(job_ids: Sequence[str], proc: Path = Path("/proc")) -> list[int]:
    """Kill (SIGKILL) every process whose environment marks it as run for one of ``job_ids``:
    the commands, and what they started, of builds whose server was killed. Returns their
    pids. Linux only (elsewhere: nothing is found)."""
    wanted = {f"{JOB_ENV}={job_id}".encode() for job_id in job_ids}
    killed = []
    if not wanted or not proc.is_dir():
        return killed
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if wanted.intersection(environ):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(int(entry.name), signal.SIGKILL)
                killed.append(int(entry.name))
    return killed
_REAP_S = 5.0  # after the kill: how long to wait for the pipes to close


class CommandTimedOut(TimedOut):
    """:class:`~.errors.TimedOut` for a command, with what it wrote before it was killed."""

    def __init__(self, message: str, stdout: str, stderr: str):
        super().__init__(message)
        self.stdout, self.stderr = stdout, stderr


@dataclass(frozen=True)
class Finished:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def run(args: Sequence[str | os.PathLike], *, purpose: str, timeout: Optional[float],
        cancelled: Optional[threading.Event] = None, env: Optional[Mapping[str, str]] = None,
        cwd: Optional[str | os.PathLike] = None, input: Optional[str] = None) -> Finished:
    """Run ``args`` to its end (see the module doc). ``purpose`` names the command in errors
    ("Resolving for linux/amd64"); it must hold no secret. ``timeout`` None: no limit.
    ``env`` replaces the environment (default: this process's); ``input`` is written to the
    command's standard input. Raises ``OSError`` when the program cannot be started."""
    if isinstance(args, (str, bytes)):
        raise TypeError("run() takes an argument list, never a shell string")
    argv = tuple(os.fspath(a) for a in args)
    if cancelled is not None and cancelled.is_set():
        raise Cancelled(f"{purpose}: cancelled")
    scratch = getattr(_current, "scratch", None)
    with tempfile.TemporaryDirectory(prefix="containerize-run-", dir=scratch if scratch and scratch.is_dir() else None) as tmp:
        child_env = {**(os.environ if env is None else env), "TMPDIR": tmp, "TEMP": tmp, "TMP": tmp}
        if getattr(_current, "job", None):
            child_env[JOB_ENV] = _current.job
        stdin = subprocess.DEVNULL if input is None else subprocess.PIPE
        proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, errors="replace", start_new_session=True, env=child_env, cwd=cwd)
        try:
            stdout, stderr = _wait(proc, purpose, timeout, cancelled, input)
        except (Cancelled, CommandTimedOut):  # the group is already killed and reaped
            raise
        except BaseException:
            _kill(proc)  # an error in this thread (KeyboardInterrupt...) leaves nothing running
            raise
    return Finished(argv, proc.returncode, stdout, stderr)


def _wait(proc: subprocess.Popen, purpose: str, timeout: Optional[float],
          cancelled: Optional[threading.Event], input: Optional[str] = None) -> tuple[str, str]:
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        if cancelled is not None and cancelled.is_set():
            _kill(proc)
            raise Cancelled(f"{purpose}: cancelled")
        left = None if deadline is None else max(0.0, deadline - time.monotonic())
        step = left if cancelled is None else (POLL_S if left is None else min(POLL_S, left))
        try:
            # communicate() may be called again after a time-out without losing output (the
            # input is given once: a later call goes on writing it)
            return proc.communicate(input=input, timeout=step)
        except subprocess.TimeoutExpired:
            input = None
            if deadline is not None and time.monotonic() >= deadline:
                stdout, stderr = _kill(proc)
                tail = [ln.strip() for ln in stderr.splitlines() if ln.strip()][-2:]
                raise CommandTimedOut(f"{purpose} timed out after {timeout:g} s"
                                      + (f" (last output: {redact(' | '.join(tail))})" if tail else ""),
                                      stdout, stderr) from None


def _kill(proc: subprocess.Popen) -> tuple[str, str]:
    """Kill the command's whole process group, reap it, and return what it wrote. The
    group is only signalled while its leader is not reaped: until then its id cannot
    belong to anyone else."""
    if proc.returncode is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        return proc.communicate(timeout=_REAP_S)
    except (subprocess.TimeoutExpired, ValueError):  # a process outside the group holds the pipes
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
        proc.wait()
        return "", ""


def start(args: Sequence[str | os.PathLike]) -> subprocess.Popen:
    """Start a long-lived helper (binary pipes on stdin and stdout, stderr discarded) in its
    own session, marked with the current build job like :func:`run`'s commands. The caller
    talks to it and ends it with :func:`stop`; raises ``OSError`` when it cannot start."""
    if isinstance(args, (str, bytes)):
        raise TypeError("start() takes an argument list, never a shell string")
    env = dict(os.environ)
    if getattr(_current, "job", None):
        env[JOB_ENV] = _current.job
    return subprocess.Popen([os.fspath(a) for a in args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, start_new_session=True, env=env)


def stop(proc: subprocess.Popen) -> None:
    """Kill a helper from :func:`start` with its whole process group, and reap it."""
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    for pipe in (proc.stdin, proc.stdout):
        with contextlib.suppress(OSError):
            if pipe is not None:
                pipe.close()
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=_REAP_S)
