"""Accumulating requirements, system packages and warnings with their reasons."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..models import Requirement, SystemPackage
from .kernel import KernelEnvironment, normalize

# When one distribution is found by several routes, the strongest source names it.
SOURCE_RANK = {"kernel": 0, "alias": 1, "magic": 2, "implied": 3, "guess": 4}
_CELL = re.compile(r"^(.*) \(cell (\d+)\)(.*)$", re.S)
_CELL_PREFIX = re.compile(r"^Cell (\d+): (.*)$", re.S)
MAX_CELLS_SHOWN = 6


@dataclass
class _Need:
    name: str
    source: str
    reasons: dict[str, list[int]] = field(default_factory=dict)  # reason without cell -> cells
    optional: bool = True
    specifier: str | None = None


def _group(reasons: dict[str, list[int]]) -> list[str]:
    shown = []
    for text, cells in reasons.items():
        head, _, tail = text.partition("\0")
        if not cells:
            shown.append(head + tail)
            continue
        listed = ", ".join(str(c) for c in cells[:MAX_CELLS_SHOWN])
        more = f" +{len(cells) - MAX_CELLS_SHOWN} more" if len(cells) > MAX_CELLS_SHOWN else ""
        label = "cell" if len(cells) == 1 else "cells"
        shown.append(f"{head} ({label} {listed}{more}){tail}")
    return shown


class Needs:
    def __init__(self, environment: KernelEnvironment) -> None:
        self.environment = environment
        self._needs: dict[str, _Need] = {}
        self._system: dict[str, dict[str, list[int]]] = {}
        self._warnings: dict[str, list[int]] = {}

    @staticmethod
    def _key(reason: str) -> tuple[str, int | None]:
        match = _CELL.match(reason)
        if match:
            return match.group(1) + "\0" + match.group(3), int(match.group(2))
        return reason, None

    @staticmethod
    def _note(bucket: dict[str, list[int]], reason: str) -> None:
        key, cell = Needs._key(reason)
        cells = bucket.setdefault(key, [])
        if cell is not None and cell not in cells:
            cells.append(cell)

    def add(self, name: str, source: str, reason: str, optional: bool = False, specifier: str | None = None):
        key = normalize(name)
        need = self._needs.get(key)
        if need is None:
            need = self._needs[key] = _Need(key, source)
        elif SOURCE_RANK.get(source, 9) < SOURCE_RANK.get(need.source, 9):
            need.source = source
        self._note(need.reasons, reason)
        need.optional = need.optional and optional
        if specifier and not need.specifier:
            need.specifier = specifier

    def __contains__(self, name: str) -> bool:
        return normalize(name) in self._needs

    def names(self) -> set[str]:
        return set(self._needs)

    def guessed(self) -> list[str]:
        return [n.name for n in self._needs.values() if n.source == "guess"]

    def drop_guess(self, name: str) -> None:
        self._needs.pop(normalize(name), None)

    def add_system(self, package: str, reason: str) -> None:
        self._note(self._system.setdefault(package, {}), reason)

    def warn(self, message: str) -> None:
        """Add a warning once; the same warning about several cells is shown once, listing them."""
        match = _CELL_PREFIX.match(message)
        if match:
            key, cell = "\0prefix" + match.group(2), int(match.group(1))
        else:
            key, cell = self._key(message)
        cells = self._warnings.setdefault(key, [])
        if cell is not None and cell not in cells:
            cells.append(cell)

    @property
    def warnings(self) -> list[str]:
        shown = []
        for key, cells in self._warnings.items():
            if key.startswith("\0prefix"):
                label = "Cell" if len(cells) == 1 else "Cells"
                shown.append(f"{label} {', '.join(map(str, cells))}: {key[len(chr(0) + 'prefix'):]}")
            else:
                shown += _group({key: cells})
        return shown

    def requirements(self) -> list[Requirement]:
        found = []
        for need in sorted(self._needs.values(), key=lambda n: n.name):
            installed = self.environment.distributions.get(need.name)
            source = "kernel" if installed and need.source in ("alias", "guess") else need.source
            found.append(
                Requirement(
                    name=need.name,
                    version=installed.version if installed else None,
                    source=source,
                    reasons=_group(need.reasons),
                    optional=need.optional,
                    specifier=need.specifier,
                )
            )
        return found

    def system_packages(self) -> list[SystemPackage]:
        return [SystemPackage(name=n, reasons=_group(r)) for n, r in sorted(self._system.items())]
