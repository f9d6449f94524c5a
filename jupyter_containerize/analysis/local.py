"""Local code: modules and packages the notebook imports from its own directory (or the
server root, or a directory it adds to ``sys.path`` / ``chdir``s into)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..image.files import expand

MAX_PACKAGE_FILES = 300


@dataclass(frozen=True)
class LocalModule:
    name: str  # top-level module name
    path: Path  # the .py file, or the package directory
    package: bool
    namespace: bool = False  # a directory without __init__.py

    def files(self, root: Path) -> list[Path]:
        """The Python files to analyse: the module, or its package's ``.py`` files inside
        ``root`` (links out of it are not followed)."""
        if not self.package:
            return [self.path]
        base = self.path.parent
        shipped = expand(base, root, [self.path.name]).files
        return [f.source for f in shipped if f.rel.endswith(".py")][:MAX_PACKAGE_FILES]


class LocalResolver:
    def __init__(self, directories: list[Path], written: dict[str, Path] | None = None) -> None:
        seen: list[Path] = []
        for d in directories:
            if d not in seen and d.is_dir():
                seen.append(d)
        self.directories = seen
        self.written = written or {}  # modules the notebook writes itself (%%writefile x.py)
        self._cache: dict[tuple[str, bool], LocalModule | None] = {}

    def find(self, module: str, namespace_ok: bool = False) -> LocalModule | None:
        """The local module providing ``module`` (regular modules/packages; namespace
        directories only when ``namespace_ok``, i.e. nothing else provides it)."""
        key = (module, namespace_ok)
        if key not in self._cache:
            self._cache[key] = self._find(module, namespace_ok)
        return self._cache[key]

    def _find(self, module: str, namespace_ok: bool) -> LocalModule | None:
        parts = module.split(".")
        top = parts[0]
        if top in self.written:
            return LocalModule(top, self.written[top], package=False)
        for directory in self.directories:
            package = directory / top
            if (package / "__init__.py").is_file():
                return LocalModule(top, package, package=True)
            for suffix in (".py", ".pyx"):
                if (directory / f"{top}{suffix}").is_file():
                    return LocalModule(top, directory / f"{top}{suffix}", package=False)
        if namespace_ok:
            for directory in self.directories:
                package = directory / top
                if package.is_dir() and _has_python(package, parts[1:]):
                    return LocalModule(top, package, package=True, namespace=True)
        return None


def _has_python(package: Path, rest: list[str]) -> bool:
    if rest:
        target = package.joinpath(*rest)
        return target.with_suffix(".py").is_file() or (target / "__init__.py").is_file() or target.is_dir()
    try:
        return any(p.suffix == ".py" for p in package.iterdir())
    except OSError:
        return False


def relative(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` (with ``..`` when outside), POSIX separators."""
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return Path(os.path.relpath(path, base)).as_posix()
