"""Where a notebook comes from, for the OCI labels ``source`` and ``revision``: the git
repository holding it, asked with argument lists (never a shell). Remote URLs lose any
credentials they carry before they become a label."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Optional

from .. import process
from ..errors import TimedOut
from ..redact import redact
from ..settings import Timeouts


def _git(directory: Path, *args: str, timeout: Optional[float], cancelled: Optional[threading.Event]) -> Optional[str]:
    """git's answer, or None when git is missing, fails or takes longer than ``timeout``. The
    repository may come from anyone, its configuration too: no ``core.fsmonitor`` command runs
    (``git status`` would start it), and no optional lock or index refresh is written into it."""
    try:
        proc = process.run(["git", "-C", str(directory), "-c", "core.fsmonitor=false", "--no-optional-locks", *args],
                           purpose=f"git {args[0]}", timeout=timeout, cancelled=cancelled)
    except (OSError, TimedOut):
        return None
    value = proc.stdout.strip()
    return value if proc.returncode == 0 and value else None


def git_provenance(notebook: Path, *, timeout: Optional[float] = Timeouts.git,
                   cancelled: Optional[threading.Event] = None) -> dict[str, str]:
    """``{"source": remote URL, "revision": commit}`` for what git knows, else ``{}``. The
    revision ends in ``-dirty`` when the notebook differs from that commit (edited, or not
    committed at all), as ``git describe --dirty`` says it: the commit alone would claim a
    notebook that is not the one in the image. git is not started for a notebook that no
    repository holds (no ``.git`` above it, no ``GIT_DIR``)."""
    directory = notebook.parent
    if not os.environ.get("GIT_DIR") and not any((folder / ".git").exists() for folder in (directory, *directory.parents)):
        return {}

    def git(*args: str) -> Optional[str]:
        return _git(directory, *args, timeout=timeout, cancelled=cancelled)

    # one call: the commit ("# branch.oid", "(initial)" before the first) and the notebook's changes
    status = git("status", "--porcelain=v2", "--branch", "--untracked-files=all", "--", notebook.name) or ""
    lines = status.splitlines()
    revision = next((line.split()[2] for line in lines if line.startswith("# branch.oid ")), "(initial)")
    if revision == "(initial)":
        return {}
    if any(not line.startswith("#") for line in lines):
        revision += "-dirty"
    found = {"revision": revision}
    remote = git("remote", "get-url", "origin")
    if remote:
        found["source"] = redact(remote)
    return found
