"""Engines for server tests that must never reach the real Docker engine (the fuzzer)."""

from __future__ import annotations

from jupyter_containerize.engine import ContainerEngine
from jupyter_containerize.errors import EngineUnavailable


class RefusingEngine(ContainerEngine):
    """Answers a ping (so requests are accepted, 202), then fails every real call at once
    as an engine that went away does: builds and pushes end ``failed`` in milliseconds, and
    nothing is built, tagged or left behind."""

    def ping(self) -> None:
        return None

    def _refuse(self, *args, **kwargs):
        raise EngineUnavailable("The test engine refuses every call by design")

    build = inspect = remove = untag = discard = push = run_once = run = tag = load = _refuse
    pull = images = history = disk_usage = read_file = delete_image = _refuse

    def remove_containers(self, label: str) -> list[str]:
        return []


class UnreachableEngine(RefusingEngine):
    """Does not even answer a ping: build requests are refused with 503."""

    ping = RefusingEngine._refuse
