"""The platform an image runs on: marker environment and wheel tags for pip."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

from packaging import tags
from packaging.utils import InvalidWheelFilename, parse_wheel_filename

from ..errors import InvalidRequest

_MACHINES = {"amd64": "x86_64", "arm64": "aarch64"}
# glibc versions from manylinux2014 (2.17) up to Debian 12's 2.36.
_GLIBC_MINORS = range(17, 37)


@lru_cache(maxsize=16)
def _wheel_tags(machine: str, python_version: str, cp_tag: str) -> frozenset[tags.Tag]:
    version = tuple(int(p) for p in python_version.split("."))
    platforms = [f"manylinux_2_{m}_{machine}" for m in reversed(range(5, _GLIBC_MINORS.stop))]
    platforms += [f"manylinux{n}_{machine}" for n in ("2014", "2010", "1")]
    found = set(tags.cpython_tags(version, abis=[cp_tag, "abi3", "none"], platforms=platforms))
    found.update(tags.compatible_tags(version, cp_tag, platforms))
    return frozenset(found)


@lru_cache(maxsize=65536)
def _accepts(filename: str, machine: str, python_version: str, cp_tag: str) -> bool:
    try:
        wheel_tags = parse_wheel_filename(filename)[3]
    except InvalidWheelFilename:
        return False
    return not wheel_tags.isdisjoint(_wheel_tags(machine, python_version, cp_tag))


@dataclass(frozen=True)
class Target:
    """A Linux platform (``linux/amd64``, ``linux/arm64``) and a CPython version."""

    platform: str
    python_full_version: str

    def __post_init__(self) -> None:
        os_name, _, arch = self.platform.partition("/")
        if os_name != "linux" or arch not in _MACHINES:
            raise InvalidRequest(
                f"Unsupported platform {self.platform!r}: use one of "
                + ", ".join(f"linux/{a}" for a in _MACHINES)
            )

    @property
    def machine(self) -> str:
        return _MACHINES[self.platform.partition("/")[2]]

    @property
    def python_version(self) -> str:
        return ".".join(self.python_full_version.split(".")[:2])

    @property
    def pip_python_version(self) -> str:
        """The full version as pip's ``--python-version`` takes it (up to three numbers): pip
        checks each package's Requires-Python against it, so ``>=3.11.5`` needs ``3.11.7``,
        not ``3.11`` (which pip reads as 3.11.0)."""
        found = re.match(r"\d+(\.\d+){0,2}", self.python_full_version)
        return found.group(0) if found else self.python_version

    @property
    def cp_tag(self) -> str:
        return "cp" + self.python_version.replace(".", "")

    def marker_environment(self, extra: str = "") -> dict[str, str]:
        """PEP 508 marker values as they are inside the target image."""
        return {
            "implementation_name": "cpython",
            "implementation_version": self.python_full_version,
            "os_name": "posix",
            "platform_machine": self.machine,
            "platform_python_implementation": "CPython",
            "platform_release": "",
            "platform_system": "Linux",
            "platform_version": "",
            "python_full_version": self.python_full_version,
            "python_version": self.python_version,
            "sys_platform": "linux",
            "extra": extra,
        }

    @property
    def wheel_tags(self) -> frozenset[tags.Tag]:
        """The wheel tags pip accepts in the target (the same set ``pip_platform_args`` asks for,
        with the legacy manylinux1/2010 names pip derives from manylinux2014)."""
        return _wheel_tags(self.machine, self.python_version, self.cp_tag)

    def accepts_wheel(self, filename: str) -> bool:
        return _accepts(filename, self.machine, self.python_version, self.cp_tag)

    @cached_property
    def _pip_order(self) -> dict[tags.Tag, int]:
        """The wheel tags in the order pip prefers them when downloading with
        :meth:`pip_platform_args` (its platforms in the given order, manylinux2014 with its
        manylinux2010/1 aliases first)."""
        version = tuple(int(p) for p in self.python_version.split("."))
        platforms = [f"manylinux{n}_{self.machine}" for n in ("2014", "2010", "1")]
        platforms += [f"manylinux_2_{minor}_{self.machine}" for minor in _GLIBC_MINORS]
        ordered = [*tags.cpython_tags(version, abis=[self.cp_tag, "abi3", "none"], platforms=platforms),
                   *tags.compatible_tags(version, self.cp_tag, platforms)]
        rank: dict[tags.Tag, int] = {}
        for tag in ordered:
            rank.setdefault(tag, len(rank))
        return rank

    def preference(self, filename: str) -> int:
        """Lower is better: which of several installable wheels pip would download."""
        try:
            wheel_tags = parse_wheel_filename(filename)[3]
        except InvalidWheelFilename:
            return len(self._pip_order)
        return min((self._pip_order.get(t, len(self._pip_order)) for t in wheel_tags), default=len(self._pip_order))

    def pip_platform_args(self) -> list[str]:
        """Arguments that make pip resolve and download for the target, not the host."""
        args = ["--only-binary=:all:", "--implementation", "cp", "--python-version", self.pip_python_version]
        for abi in (self.cp_tag, "abi3", "none"):
            args += ["--abi", abi]
        args += ["--platform", f"manylinux2014_{self.machine}"]
        for minor in _GLIBC_MINORS:
            args += ["--platform", f"manylinux_2_{minor}_{self.machine}"]
        return args

