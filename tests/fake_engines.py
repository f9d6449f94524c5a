"""Engines for server tests that must never reach the real Docker engine (the fuzzer)."""

from __future__ import annotations

from jupyter_containerize.engine import ContainerEngine
from jupyter_containerize.errors import EngineUnavailable


class UnreachableEngine(ContainerEngine):
    """Every call fails at once as an unreachable engine does: builds and pushes end
    ``failed`` in milliseconds, and nothing is built, tagged or left behind."""

    def _refuse(self, *args, **kwargs):
        raise EngineUnavailable("The test engine is unreachable by design")

    ping = build = inspect = remove = untag = push = run_once = run = tag = load = _refuse
