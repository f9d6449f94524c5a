"""Image references as registries understand them: ``[host/]path[:tag][@digest]``.

Docker's conventions apply: a first component with a dot, a colon or ``localhost`` is a
registry host, otherwise the image lives on Docker Hub (``docker.io``, API host
``registry-1.docker.io``) and a one-component path gets ``library/``. Loopback registries
are spoken to over plain HTTP, as the Docker engine does; others over HTTPS unless listed as
insecure.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Iterable, Optional

from ..tags import validate_image_reference

DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"
DOCKER_HUB_CREDENTIALS_KEY = "https://index.docker.io/v1/"


@dataclass(frozen=True)
class Reference:
    registry: str  # host[:port] as written (docker.io for Docker Hub)
    repository: str  # path in the registry, e.g. library/python, team/sales-report
    tag: Optional[str] = None
    digest: Optional[str] = None

    @property
    def api_host(self) -> str:
        return DOCKER_HUB_API if self.registry == DOCKER_HUB else self.registry

    @property
    def ref(self) -> str:
        """What to ask the manifests endpoint for: the digest when there is one."""
        return self.digest or self.tag or "latest"

    def with_digest(self, digest: str) -> "Reference":
        return Reference(self.registry, self.repository, None, digest)

    def __str__(self) -> str:
        name = f"{self.registry}/{self.repository}"
        if self.tag:
            name += f":{self.tag}"
        if self.digest:
            name += f"@{self.digest}"
        return name


def parse(reference: str) -> Reference:
    validate_image_reference(reference)
    name, _, digest = reference.partition("@")
    head, sep, tail = name.rpartition(":")
    tag = None
    if sep and "/" not in tail:
        name, tag = head, tail
    first, slash, rest = name.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        registry, repository = first, rest
    else:
        registry, repository = DOCKER_HUB, name
        if "/" not in repository:
            repository = f"library/{repository}"
    return Reference(registry, repository, tag if tag or digest else "latest", digest or None)


def is_insecure(registry: str, insecure: Iterable[str] = ()) -> bool:
    """Plain HTTP for loopback registries (as the Docker engine does) and listed ones."""
    if registry in set(insecure):
        return True
    host = registry.rsplit(":", 1)[0].strip("[]") if not registry.startswith("[") else registry[1:].split("]")[0]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
