"""What runs on this machine, read from /proc (Linux), and servers that never answer.

A killed process whose parent died may stay a zombie when PID 1 does not reap: a zombie
runs nothing and counts as gone here."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, process group) of ``pid``, None when there is no such process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields = text[text.rindex(")") + 2:].split()  # after "pid (comm) "
    return fields[0], int(fields[2])


def alive(pid: int) -> bool:
    found = _stat(pid)
    return found is not None and found[0] not in ("Z", "X")


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def group_members(pgid: int) -> list[int]:
    """Live processes of the process group ``pgid``."""
    return [pid for pid in _pids() if (_stat(pid) or ("Z", -1))[1] == pgid and alive(pid)]


def with_environment(text: str) -> list[int]:
    """Live processes whose environment holds ``text`` (e.g. a planted index URL)."""
    found = []
    for pid in _pids():
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue
        if text.encode() in environ and alive(pid):
            found.append(pid)
    return found


def wait_until(condition, timeout: float, step: float = 0.05) -> bool:
    ends = time.monotonic() + timeout
    while time.monotonic() < ends:
        if condition():
            return True
        time.sleep(step)
    return bool(condition())


class SilentServer:
    """Accepts TCP connections on 127.0.0.1 and never answers (a hung package index).
    ``trickle`` instead answers HTTP headers and then one body byte every ``trickle`` seconds,
    for at most ``limit`` seconds (so a test of old code ends eventually)."""

    def __init__(self, trickle: float | None = None, limit: float = 30.0):
        self.trickle, self.limit = trickle, limit
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._open: list[socket.socket] = []
        self._stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self._open.append(conn)
            if self.trickle:
                threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        try:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000000\r\n\r\n")
            ends = time.monotonic() + self.limit
            while not self._stop.is_set() and time.monotonic() < ends:
                conn.sendall(b" ")
                time.sleep(self.trickle)
        except OSError:
            pass

    def close(self) -> None:
        self._stop.set()
        self.sock.close()
        for conn in self._open:
            conn.close()
