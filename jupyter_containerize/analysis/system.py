"""System (Debian) packages: what Python distributions, stdlib modules and shell commands
need that no wheel carries, from ``data/system_packages.json``."""

from __future__ import annotations

import re
from functools import cached_property

from .kernel import KernelEnvironment, normalize
from .magics import ShellCommand, apt_packages
from .requirements import Needs
from .tables import load

_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


class SystemRules:
    @cached_property
    def table(self) -> dict:
        return load("system_packages.json")

    def module(self, module: str, cell: int, via: str | None, needs: Needs) -> None:
        modules = self.table["modules"]
        for key in (module, module.split(".")[0]):
            if key in modules:
                entry = modules[key]
                where = via or f"cell {cell}"
                for package in entry["apt"]:
                    needs.add_system(package, f"import {key} ({where}): {entry['why']}")
                return

    def command(self, cmd: ShellCommand, cell: int, needs: Needs, guarded: bool) -> None:
        entry = self.table["commands"].get(cmd.program)
        if entry is None:
            return
        if entry.get("apt-install"):
            for package in apt_packages(cmd.args):
                needs.add_system(package.split("=")[0], f"{cmd.program} install line (cell {cell})")
        for package in entry.get("apt", ()):
            needs.add_system(package, f"!{cmd.program} (cell {cell})")
        if entry.get("pip"):
            needs.add(entry["pip"], "magic", f"!{cmd.program} command (cell {cell})", optional=guarded)
        if entry.get("warn"):
            needs.warn(f"{entry['warn']} (cell {cell})")

    def distributions(self, needs: Needs, environment: KernelEnvironment) -> None:
        """Packages for every required distribution and, where the kernel has it installed,
        for its installed dependencies too (``face-recognition`` -> ``dlib`` -> cmake)."""
        table = self.table["distributions"]
        for name in sorted(needs.names()):
            for dist, chain in self._closure(name, environment):
                entry = table.get(dist)
                if entry is None:
                    continue
                via = f", required by {chain}," if chain else ""
                for package in entry["apt"]:
                    needs.add_system(package, f"{dist}{via} {entry['why']}")

    @staticmethod
    def _closure(name: str, environment: KernelEnvironment) -> list[tuple[str, str | None]]:
        found = [(name, None)]
        seen = {name}
        queue = [name]
        while queue:
            current = queue.pop(0)
            installed = environment.distributions.get(current)
            if installed is None:
                continue
            for requirement in installed.requires:
                if ";" in requirement and "extra" in requirement.split(";", 1)[1]:
                    continue
                match = _REQ_NAME.match(requirement)
                if not match:
                    continue
                dep = normalize(match.group(1))
                if dep not in seen:
                    seen.add(dep)
                    found.append((dep, name))
                    queue.append(dep)
        return found

    @cached_property
    def _cell_magics(self) -> set[str]:
        from .rules import implied_rules

        return {m for r in implied_rules() for m in r["when"].get("cell_magics", ())}

    def known_cell_magic(self, name: str) -> bool:
        return name in self._cell_magics
