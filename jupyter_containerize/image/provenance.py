"""Where a notebook comes from, for the OCI labels ``source`` and ``revision``: the git
repository holding it, asked with argument lists (never a shell). Remote URLs lose any
credentials they carry before they become a label."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Optional

from ..redact import redact


def _git(directory: Path, *args: str) -> Optional[str]:
    try:
        proc = subprocess.run(["git", "-C", str(directory), *args], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    value = proc.stdout.strip()
    return value if proc.returncode == 0 and value else None


def git_provenance(notebook: Path) -> dict[str, str]:
    """``{"source": remote URL, "revision": commit}`` for what git knows, else ``{}``. The
    revision ends in ``-dirty`` when the notebook differs from that commit (edited, or not
    committed at all), as ``git describe --dirty`` says it: the commit alone would claim a
    notebook that is not the one in the image."""
    directory = notebook.parent
    revision = _git(directory, "rev-parse", "--verify", "HEAD")
    if not revision:
        return {}
    if _git(directory, "status", "--porcelain", "--untracked-files=all", "--", notebook.name):
        revision += "-dirty"
    found = {"revision": revision}
    remote = _git(directory, "remote", "get-url", "origin")
    if remote:
        found["source"] = redact(remote)
    return found
