"""The CLI's build services (jupyter_containerize/cli/service.py) found by their lock files."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from .processes import alive, wait_until


def service_pids(*folders: Path) -> list[int]:
    """The live services whose lock files are in ``folders`` (each writes its pid there)."""
    found = []
    for folder in folders:
        for lock in sorted(folder.glob("*.lock")) if folder.is_dir() else ():
            try:
                pid = int(lock.read_text().split()[0])
                command = Path(f"/proc/{pid}/cmdline").read_bytes()
            except (OSError, ValueError, IndexError):
                continue
            if b"jupyter_containerize.cli.service" in command and alive(pid):
                found.append(pid)
    return found


def stop_services(*folders: Path) -> None:
    """SIGTERM to each service (by its pid), then wait for it to end."""
    pids = service_pids(*folders)
    for pid in pids:
        os.kill(pid, signal.SIGTERM)
    wait_until(lambda: not any(alive(pid) for pid in pids), 15)


def children(pid: int) -> list[int]:
    """The live children of ``pid``."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return [child for child in found if alive(child)]
