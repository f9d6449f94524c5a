"""The installer used in the builder stage: uv when the host has its binary for the image's
architecture (offline installs of the locked wheels take seconds), else pip from a throw-away
virtual environment. The binary goes into the builder stage only, never the final image."""

from __future__ import annotations

import platform as host
from pathlib import Path
from typing import Optional

_MACHINES = {"linux/amd64": ("x86_64", "amd64"), "linux/arm64": ("aarch64", "arm64")}


def uv_binary(target_platform: str) -> Optional[Path]:
    """The host's uv binary when it runs on ``target_platform`` (linux/amd64, linux/arm64)."""
    if host.system() != "Linux" or host.machine().lower() not in _MACHINES.get(target_platform, ()):
        return None
    try:
        from uv import find_uv_bin
    except ImportError:
        return None
    try:
        path = Path(find_uv_bin())
    except FileNotFoundError:
        return None
    return path if path.is_file() else None
