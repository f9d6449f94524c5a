"""The CLI's build service: the pipeline imported once, each command forked from it.

Most of a rebuild after a one-cell edit is imports: pydantic and the models, the docker SDK
and requests, the pipeline (0.25 s of a 0.45 s ``jupyter containerize build`` here). So a
command that imports them (``analyze``, ``lock``, ``build``, ``export``), once done, starts
this service in the background when none runs. It imports all that once and waits on a Unix
socket. The next such commands hand it their arguments, working folder, environment, umask
and standard streams (the file descriptors themselves), and it forks a child that runs the
command as the caller's own process would: the same ``main``, writing straight to the
caller's terminal or pipes. The caller forwards the signals it gets (Ctrl-C) and exits with
the child's status. Each child starts from the service's freshly imported state, never from
another command's.

- **Which service**: one per interpreter, ``sys.path`` and code. The key holds the
  interpreter, its version and flags, ``sys.path`` with each folder's change time, and the
  change times of this package's modules: a ``pip install`` or an edited module makes a new
  key (a new service), and the old one ends once idle.
- **Lifetime**: it ends after ``CONTAINERIZE_SERVICE_IDLE`` seconds (default 600) with no
  command running, or on SIGTERM once its commands are cancelled. ``CONTAINERIZE_SERVICE=0``
  turns it off: every command then runs in its own process, and starts none.
- **Cancelling**: a command whose caller goes away (killed, its terminal closed) is
  cancelled as Ctrl-C cancels it, so it stops its pip and removes its temporary files; one
  that has not ended 10 s later is killed.
- **Safety**: the socket lives in a folder only its user may enter (``$XDG_RUNTIME_DIR/
  jupyter-containerize``, else ``/tmp/jupyter-containerize-UID``; checked to be the user's,
  mode 0700, not a link, or no service is used) and the service serves only its own user
  (the peer's uid, ``SO_PEERCRED``). The caller's environment (which may hold credentials)
  goes over that socket only, and is never written anywhere: the service's log holds the
  command's name, its exit status and its time.
- **Fallback**: anything amiss (no service yet, another key, an interpreter run with
  ``-X``, ``-O`` and the like, a closed standard stream) runs the command in the caller's
  process, as without a service. A service that cannot load the pipeline leaves a
  ``NAME.failed`` mark, and no command starts another for that key for 10 minutes.

Protocol: the caller sends a 4-byte length, then a JSON request, with its descriptors 0, 1
and 2 attached (``SCM_RIGHTS``). The service answers JSON lines: ``{"pid": N}`` once the
child runs, then ``{"exit": status}`` (negative: killed by that signal); or ``{"refused":
why}``. The caller may send ``{"signal": N}`` lines, forwarded to the child's process group.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import struct
import sys
import time
import zlib
from pathlib import Path
from typing import Optional

SERVED = frozenset({"analyze", "lock", "build", "export"})
IDLE = 600.0  # seconds without a command before the service ends
ANSWER_TIMEOUT = 10.0  # seconds for the service to start the child
CANCEL_GRACE = 10.0  # seconds a command whose caller went away has to clean up before SIGKILL
FAILED_PAUSE = 600.0  # seconds no service is started for a key whose last one could not load
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
PACKAGE = Path(__file__).resolve().parents[1]
# interpreter flags a service (started with -P only, in the caller's environment) would not share
_UNSHARED_FLAGS = ("debug", "inspect", "interactive", "optimize", "no_site", "ignore_environment", "verbose",
                   "bytes_warning", "isolated", "dev_mode")


def enabled(environ=os.environ) -> bool:
    return environ.get("CONTAINERIZE_SERVICE", "1").strip().lower() not in ("0", "false", "no", "off")


def idle_seconds(environ=os.environ) -> float:
    try:
        value = float(environ.get("CONTAINERIZE_SERVICE_IDLE", IDLE))
    except ValueError:
        return IDLE
    return value if 0 < value < float("inf") else IDLE


def folder(environ=os.environ) -> Optional[Path]:
    """The folder of the sockets, made when missing; None unless only this user may enter it."""
    runtime = environ.get("XDG_RUNTIME_DIR")
    path = Path(runtime, "jupyter-containerize") if runtime else Path("/tmp", f"jupyter-containerize-{os.getuid()}")
    try:
        with contextlib.suppress(FileExistsError):
            path.mkdir(mode=0o700)
        info = path.lstat()
    except OSError:
        return None
    import stat

    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None
    return path


def code_stamp() -> list:
    """How many modules this package has, and their latest change (an edit restarts the service)."""
    count, latest = 0, 0
    folders = [str(PACKAGE)]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.name.endswith(".py"):
                    count, latest = count + 1, max(latest, entry.stat().st_mtime_ns)
                elif entry.is_dir(follow_symlinks=False) and entry.name not in ("__pycache__", "labextension"):
                    folders.append(entry.path)
    return [count, latest]


def key() -> str:
    """What a service must share with its callers, as text."""
    folders = []
    for entry in sys.path:
        try:
            folders.append([entry, os.stat(entry or ".").st_mtime_ns])
        except OSError:
            folders.append([entry, 0])
    flags = {name: getattr(sys.flags, name) for name in ("dont_write_bytecode", "no_user_site", "utf8_mode")}
    # the service builds the models' validators once, with the plugins this setting allows
    plugins = os.environ.get("PYDANTIC_DISABLE_PLUGINS")
    return json.dumps([sys.executable, sys.version, flags, folders, code_stamp(), plugins])


def _plain_interpreter() -> bool:
    return not sys._xoptions and not sys.warnoptions and not any(getattr(sys.flags, f) for f in _UNSHARED_FLAGS)


class Client:
    """A command's way to the service (:meth:`run`), or to start one (:meth:`start`)."""

    def __init__(self, place: Path, service_key: str):
        self.key = service_key
        name = f"{zlib.crc32(service_key.encode()):08x}"
        self.socket_path = place / f"{name}.sock"
        self.lock_path = place / f"{name}.lock"
        self.log_path = place / f"{name}.log"
        self.failed_path = place / f"{name}.failed"

    @classmethod
    def for_command(cls, argv: list[str]) -> Optional["Client"]:
        """A client when ``argv`` is a command the service runs and one may be used here."""
        if not argv or argv[0] not in SERVED or not enabled() or not _plain_interpreter():
            return None
        place = folder()
        return cls(place, key()) if place is not None else None

    def run(self, argv: list[str]) -> Optional[int]:
        """``argv``'s exit status, run by the service; None when it did not run it."""
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            connection.settimeout(ANSWER_TIMEOUT)
            connection.connect(str(self.socket_path))
            request = json.dumps({
                "key": self.key, "argv": argv, "cwd": os.getcwd(), "env": dict(os.environ),
                "umask": _umask(), "streams": [[s.encoding, s.errors] if s else None
                                               for s in (sys.stdin, sys.stdout, sys.stderr)],
            }).encode()
            header = struct.pack(">I", len(request))
            socket.send_fds(connection, [header + request[:4096]], [0, 1, 2])
            connection.sendall(request[4096:])
            answers = connection.makefile("rb")
            started = json.loads(answers.readline() or b"{}")
        except (OSError, ValueError):
            connection.close()
            return None
        if "pid" not in started:
            connection.close()
            return None
        return _wait(connection, answers, int(started["pid"]))

    def start(self) -> None:
        """Start the service in the background, unless one holds the key's lock (runs or starts)."""
        import fcntl
        import subprocess

        with contextlib.suppress(OSError):
            if time.time() - self.failed_path.stat().st_mtime < FAILED_PAUSE:
                return  # the last service of this key could not load the pipeline: it would fail again
        try:
            lock = _open_lock(self.lock_path)
        except OSError:
            return
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return
        finally:
            os.close(lock)

        boot = ("import json, sys; sys.path[:] = json.loads(sys.argv[1]); "
                "from jupyter_containerize.cli.service import serve; serve(sys.argv[2])")
        with contextlib.suppress(OSError):
            with open(self.log_path, "ab") as log:
                subprocess.Popen([sys.executable, "-P", "-c", boot, json.dumps(sys.path), self.key],
                                 stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd="/", env=_service_environment(),
                                 start_new_session=True, close_fds=True)


def _open_lock(path: Path) -> int:
    """A service's lock file (its pid inside), made when missing, never through a link."""
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)


def _service_environment() -> dict[str, str]:
    """The variables the service starts with: what the interpreter and its imports read. A
    command's own environment (index URLs, tokens) reaches only that command's child."""
    return {name: value for name, value in os.environ.items()
            if name in _KEPT or name.startswith(("PYTHON", "LC_"))}


_KEPT = frozenset({"PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "XDG_RUNTIME_DIR",
                   "PYDANTIC_DISABLE_PLUGINS", "CONTAINERIZE_SERVICE_IDLE"})


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _wait(connection: socket.socket, answers, pid: int) -> int:
    """The child's exit status; the signals this process gets meanwhile go to it."""

    def forward(number, _frame):
        with contextlib.suppress(OSError):
            connection.sendall(json.dumps({"signal": number}).encode() + b"\n")

    previous = {number: signal.signal(number, forward) for number in FORWARDED}
    try:
        connection.settimeout(None)
        while True:
            line = answers.readline()
            if not line:  # the service was killed: its orphaned child is cancelled from here
                with contextlib.suppress(OSError):
                    os.killpg(pid, signal.SIGINT)
                print("error: the build service ended before the command (cancelled)", file=sys.stderr)
                return 1
            answer = json.loads(line)
            if "exit" in answer:
                status = int(answer["exit"])
                return 128 - status if status < 0 else status
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        connection.close()


def running(place: Path) -> list[int]:
    """The pids of the services whose sockets are in ``place`` (each holds its lock file's lock)."""
    import fcntl

    pids = []
    for lock_path in sorted(place.glob("*.lock")):
        try:
            lock = _open_lock(lock_path)
        except OSError:
            continue
        try:
            fcntl.flock(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except OSError:  # held: a service runs
            with contextlib.suppress(ValueError, IndexError):
                pids.append(int(os.read(lock, 32).split()[0]))
        finally:
            os.close(lock)
    return pids


def stop(place: Path, timeout: float = 15.0) -> bool:
    """Stop the services of ``place`` (SIGTERM: their commands are cancelled first); whether
    they all ended within ``timeout`` seconds."""
    for pid in running(place):
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
    ends = time.monotonic() + timeout
    while running(place):
        if time.monotonic() > ends:
            return False
        time.sleep(0.05)
    return True


# -- the service ----------------------------------------------------------------------------

def serve(service_key: str) -> None:
    """Run the service for ``service_key`` until it is idle for :func:`idle_seconds` (or SIGTERM)."""
    import fcntl

    place = folder()
    if place is None:
        return
    client = Client(place, service_key)
    lock = _open_lock(client.lock_path)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # another service holds this key
        return
    os.ftruncate(lock, 0)
    os.write(lock, f"{os.getpid()}\n".encode())
    with contextlib.suppress(OSError):  # the log (its stderr) holds this service's lines only
        os.ftruncate(sys.stderr.fileno(), 0)
    started = time.monotonic()
    try:
        _preload()
    except Exception:  # noqa: BLE001 - a broken install: its commands run in their own processes
        import traceback

        traceback.print_exc()
        _log(f"could not load the pipeline: no service for this key for {FAILED_PAUSE:.0f} s")
        with contextlib.suppress(OSError):
            client.failed_path.touch()
        return
    _log(f"ready in {time.monotonic() - started:.2f} s (pid {os.getpid()})")
    with contextlib.suppress(FileNotFoundError):
        client.socket_path.unlink()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    mask = os.umask(0o177)
    try:
        listener.bind(str(client.socket_path))
    finally:
        os.umask(mask)
    bound = os.stat(client.socket_path).st_ino
    listener.listen(16)
    try:
        _Service(listener, service_key, lock).loop(idle_seconds())
    finally:
        with contextlib.suppress(OSError):
            if os.stat(client.socket_path).st_ino == bound:  # not a newer service's
                client.socket_path.unlink()
        listener.close()
        _log("ended")


def _log(message: str) -> None:
    print(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def _preload() -> None:
    """What the served commands import, imported once here; the models' validators built
    (deferred otherwise); detect-secrets set up."""
    import tempfile

    from pydantic import BaseModel

    from .. import models, pipeline  # noqa: F401
    from ..analysis import detector, scan_helper
    from ..engine.docker import DockerEngine  # noqa: F401 - the docker SDK and requests
    from . import common  # noqa: F401

    for model in vars(models).values():
        if (isinstance(model, type) and issubclass(model, BaseModel) and model.__module__ == models.__name__
                and not model.__pydantic_complete__):
            model.model_rebuild()

    with tempfile.TemporaryDirectory(prefix="containerize-service-") as tmp:
        sample = Path(tmp, "warm.py")
        sample.write_text("token = 'not a secret'\n")
        with detector.Detector() as warm:  # detect-secrets' detectors and transformers
            warm.file(sample)
    scan_helper.set_up_here()


class _Service:
    def __init__(self, listener: socket.socket, service_key: str, lock: int):
        import selectors

        self.listener, self.key, self.lock = listener, service_key, lock
        self.selector = selectors.DefaultSelector()
        self.selector.register(listener, selectors.EVENT_READ, None)
        self.children: dict[int, tuple[socket.socket, int, str, float]] = {}  # pid: connection, pidfd...
        self.stopping = False
        self.deadlines: dict[int, float] = {}  # pid: when a cancelled command gets SIGKILL

    def loop(self, idle: float) -> None:
        import selectors

        # a signal wakes the select below (which Python otherwise resumes after the handler)
        self.wakeup, self.wakeup_write = socket.socketpair()
        for end in (self.wakeup, self.wakeup_write):
            end.setblocking(False)
        signal.set_wakeup_fd(self.wakeup_write.fileno(), warn_on_full_buffer=False)
        self.selector.register(self.wakeup, selectors.EVENT_READ, ("wakeup", 0))
        signal.signal(signal.SIGTERM, self._stop)
        last = time.monotonic()
        while not self.stopping or self.children:
            self._kill_overdue()
            if self.children:
                timeout = min(self.deadlines.values(), default=time.monotonic() + 3600) - time.monotonic()
            else:
                timeout = idle - (time.monotonic() - last)
                if timeout <= 0:
                    break
            for selected, _ in self.selector.select(timeout):
                if selected.data is None:
                    self._accept()
                elif selected.data[0] == "wakeup":
                    with contextlib.suppress(OSError):
                        self.wakeup.recv(512)
                elif selected.data[0] == "exit":
                    self._ended(selected.data[1])
                    last = time.monotonic()
                else:
                    self._heard(selected.data[1])

    def _stop(self, _number, _frame) -> None:
        if self.stopping:
            return
        self.stopping = True
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(self.listener)
        for pid in self.children:
            self._cancel(pid)

    def _cancel(self, pid: int) -> None:
        """Cancel a command as Ctrl-C does (it cleans up: its pip, its temporary files), and
        kill it if it has not ended within :data:`CANCEL_GRACE` seconds."""
        if pid not in self.deadlines:
            self.deadlines[pid] = time.monotonic() + CANCEL_GRACE
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGINT)

    def _kill_overdue(self) -> None:
        for pid, deadline in list(self.deadlines.items()):
            if time.monotonic() >= deadline:
                del self.deadlines[pid]
                with contextlib.suppress(OSError):
                    os.killpg(pid, signal.SIGKILL)

    def _accept(self) -> None:
        import selectors

        connection, _ = self.listener.accept()
        fds: list[int] = []
        try:
            _, uid, _ = struct.unpack("3i", connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                                  struct.calcsize("3i")))
            if uid != os.getuid():
                raise PermissionError(f"uid {uid}")
            connection.settimeout(5)
            request, fds = _receive(connection)
            if request.get("key") != self.key or len(fds) != 3:
                with contextlib.suppress(OSError):
                    connection.sendall(b'{"refused": "another interpreter or code"}\n')
                connection.close()
                return
            command = str(request["argv"][0])
            pid = os.fork()
            if pid == 0:
                self._child(request, fds, connection)
            pidfd = os.pidfd_open(pid)
        except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
            _log(f"refused a caller: {type(exc).__name__}")
            connection.close()
            return
        finally:
            for fd in fds:
                os.close(fd)
        self.children[pid] = (connection, pidfd, command, time.monotonic())
        self.selector.register(pidfd, selectors.EVENT_READ, ("exit", pid))
        try:
            connection.settimeout(None)
            connection.sendall(json.dumps({"pid": pid}).encode() + b"\n")
            self.selector.register(connection, selectors.EVENT_READ, ("heard", pid))
        except OSError:  # the caller went away: its command is cancelled
            self._cancel(pid)

    def _heard(self, pid: int) -> None:
        connection = self.children[pid][0]
        try:
            data = connection.recv(4096)
        except OSError:
            data = b""
        if not data:  # the caller ended (killed): its command is cancelled
            self.selector.unregister(connection)
            self._cancel(pid)
            return
        for line in data.splitlines():
            with contextlib.suppress(ValueError, KeyError, TypeError, OSError):
                number = int(json.loads(line)["signal"])
                if number in FORWARDED:
                    os.killpg(pid, number)

    def _ended(self, pid: int) -> None:
        connection, pidfd, command, began = self.children.pop(pid)
        self.deadlines.pop(pid, None)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        self.selector.unregister(pidfd)
        os.close(pidfd)
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(connection)
        with contextlib.suppress(OSError):
            connection.sendall(json.dumps({"exit": code}).encode() + b"\n")
        connection.close()
        _log(f"{command}: exit {code} in {time.monotonic() - began:.2f} s")

    def _child(self, request: dict, fds: list[int], connection: socket.socket) -> None:
        """In the forked child: become the caller's command, run it, exit with its status."""
        import tempfile

        code = 1
        try:
            os.setpgid(0, 0)
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGCHLD):
                signal.signal(number, signal.SIG_DFL)
            for registered in list(self.selector.get_map().values()):
                if isinstance(registered.fileobj, int):
                    os.close(registered.fileobj)
                else:
                    registered.fileobj.close()
            self.selector.close()
            self.wakeup_write.close()
            connection.close()
            os.close(self.lock)
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
                os.close(fd)
            fds.clear()
            os.chdir(request["cwd"])
            os.umask(int(request["umask"]))
            os.environ.clear()
            os.environ.update(request["env"])
            tempfile.tempdir = None  # the caller's TMPDIR, not the service's
            _reopen_streams(request["streams"])
            argv = [str(arg) for arg in request["argv"]]
            sys.argv = [sys.argv[0], *argv]
            from . import finish, main

            try:
                code = main(argv)
            except SystemExit as exc:
                code = _exit_status(exc)
            finish(code)
        except BaseException:  # noqa: BLE001 - a child never returns into the service's loop
            with contextlib.suppress(BaseException):
                import traceback

                traceback.print_exc()
        finally:
            os._exit(code if isinstance(code, int) else 1)


def _receive(connection: socket.socket) -> tuple[dict, list[int]]:
    data, fds, _, _ = socket.recv_fds(connection, 4096 + 4, 3)
    fds = list(fds)
    try:
        while len(data) < 4:
            more = connection.recv(4 - len(data))
            if not more:
                raise ValueError("short request")
            data += more
        size = struct.unpack(">I", data[:4])[0]
        if size > 16 << 20:
            raise ValueError("request too large")
        body = bytearray(data[4:])
        while len(body) < size:
            more = connection.recv(min(1 << 16, size - len(body)))
            if not more:
                raise ValueError("short request")
            body += more
        request = json.loads(bytes(body))
        if not isinstance(request, dict):
            raise ValueError("not an object")
        return request, fds
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise


def _reopen_streams(streams: list) -> None:
    """sys.stdin/stdout/stderr over descriptors 0-2, as the interpreter opens them."""
    opened = []
    for fd, (mode, spec) in enumerate(zip(("r", "w", "w"), streams)):
        encoding, errors = spec or (None, None)
        line_buffered = fd == 2 or (fd == 1 and os.isatty(fd))
        opened.append(open(fd, mode, buffering=1 if line_buffered else -1, encoding=encoding, errors=errors,
                           closefd=False))
    sys.stdin, sys.stdout, sys.stderr = opened
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = opened


def _exit_status(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return 1
