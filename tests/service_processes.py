"""The processes of the CLI's build services (jupyter_containerize/cli/service.py)."""

from __future__ import annotations

from pathlib import Path

from jupyter_containerize.cli import service

from .processes import alive


def service_pids(*folders: Path) -> list[int]:
    """The live services whose sockets are in ``folders``."""
    return [pid for folder in folders if folder.is_dir() for pid in service.running(folder)]


def stop_services(*folders: Path) -> None:
    for folder in folders:
        if folder.is_dir():
            assert service.stop(folder), f"a service of {folder} did not end"


def children(pid: int) -> list[int]:
    """The live children of ``pid``."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return [child for child in found if alive(child)]
