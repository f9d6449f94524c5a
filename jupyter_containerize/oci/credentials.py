"""Registry credentials from the Docker configuration, as ``docker login`` stores them.

``$DOCKER_CONFIG/config.json`` (default ``~/.docker/config.json``): ``credHelpers`` (per
registry) and ``credsStore`` (all registries) name a ``docker-credential-NAME`` program asked
with ``get``; ``auths`` holds base64 ``user:secret``. Credentials are only ever held in
memory, sent in an ``Authorization`` header to the registry (or its token service), never
logged, stored or written anywhere else.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .. import process
from .reference import DOCKER_HUB, DOCKER_HUB_CREDENTIALS_KEY

HELPER_TIMEOUT = 30.0


@dataclass(frozen=True)
class Credentials:
    username: str
    secret: str

    def __repr__(self) -> str:  # never printed whole, even by accident
        return f"Credentials(username={self.username!r}, secret=***)"


def docker_config_path() -> Path:
    return Path(os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker") / "config.json"


def credentials_for(registry: str, config_path: Optional[Path] = None) -> Optional[Credentials]:
    """The credentials ``docker login`` stored for ``registry`` (``host[:port]``), if any."""
    path = config_path or docker_config_path()
    try:
        config = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(config, dict):
        return None
    keys = _keys(registry)
    helpers = config.get("credHelpers") or {}
    for key in keys:
        if isinstance(helpers, dict) and helpers.get(key):
            return _from_helper(str(helpers[key]), key)
    auths = config.get("auths") or {}
    for key in keys:
        entry = auths.get(key) if isinstance(auths, dict) else None
        if isinstance(entry, dict):
            found = _from_auth(entry)
            if found:
                return found
    if config.get("credsStore"):
        return _from_helper(str(config["credsStore"]), keys[0])
    return None


def _keys(registry: str) -> list[str]:
    """The names ``docker login`` may have stored ``registry`` under."""
    if registry == DOCKER_HUB:
        return [DOCKER_HUB_CREDENTIALS_KEY, "docker.io", "index.docker.io", "registry-1.docker.io"]
    return [registry, f"https://{registry}", f"http://{registry}", f"https://{registry}/v1/", f"https://{registry}/v2/"]


def _from_auth(entry: dict) -> Optional[Credentials]:
    if entry.get("identitytoken"):
        return Credentials("<token>", str(entry["identitytoken"]))
    if entry.get("username") and entry.get("password"):
        return Credentials(str(entry["username"]), str(entry["password"]))
    try:
        user, _, secret = base64.b64decode(str(entry.get("auth") or "")).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return Credentials(user, secret) if user and secret else None


def _from_helper(name: str, server: str) -> Optional[Credentials]:
    """Ask ``docker-credential-NAME get`` (the protocol of docker-credential-helpers)."""
    program = shutil.which(f"docker-credential-{name}")
    if program is None:
        return None
    done = process.run([program, "get"], purpose=f"Asking docker-credential-{name} for credentials",
                       timeout=HELPER_TIMEOUT, input=server)
    if done.returncode != 0:
        return None  # "credentials not found in native keychain": anonymous, as docker does
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        return None
    user, secret = answer.get("Username"), answer.get("Secret")
    return Credentials(str(user), str(secret)) if user and secret else None
