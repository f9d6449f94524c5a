"""Packages made on the spot for lock and build tests: a source folder (pyproject.toml with
setuptools), a git repository holding one, and a hand-made sdist (no wheel of it exists)."""

from __future__ import annotations

import io
import subprocess
import tarfile
import textwrap
from pathlib import Path


def _pyproject(name: str, version: str, requires: str) -> str:
    return textwrap.dedent(f"""\
        [build-system]
        requires = ["setuptools>=61"]
        build-backend = "setuptools.build_meta"
        [project]
        name = "{name}"
        version = "{version}"
        dependencies = [{requires}]
        """)


def tiny_package(root: Path, name: str, requires: str = "", version: str = "0.1.0") -> Path:
    """``root/name``: a project whose module ``name`` has ``VALUE = 1`` and ``VERSION``."""
    folder = root / name
    (folder / name).mkdir(parents=True)
    (folder / name / "__init__.py").write_text(f"VALUE = 1\nVERSION = {version!r}\n")
    (folder / "pyproject.toml").write_text(_pyproject(name, version, requires))
    return folder


def git_commit_all(repo: Path) -> str:
    """``git init`` + commit everything in ``repo``; the commit id."""
    git = ["git", "-C", str(repo), "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "tiny"], check=True)
    return subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()


def sdist(folder: Path, name: str, version: str, requires: str = "", broken: bool = False) -> Path:
    """``folder/name-version.tar.gz`` made by hand: PKG-INFO, pyproject.toml (setuptools), the
    module; ``broken`` adds a setup.py that fails the build with a message."""
    base = f"{name}-{version}"
    files = {
        "PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        "pyproject.toml": _pyproject(name, version, requires),
        f"{name}/__init__.py": f"VERSION = {version!r}\n",
    }
    if broken:
        files["setup.py"] = f"raise SystemExit('{name} does not build here: missing libfoo')\n"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{base}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for rel, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{base}/{rel}")
            info.size, info.mtime = len(data), 1700000000
            tar.addfile(info, io.BytesIO(data))
    return path
