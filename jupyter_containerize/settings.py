"""Options that the server (traitlets) and the CLI (flags) both feed into the core."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_BASE_IMAGE_TEMPLATE = "python:{major}.{minor}-slim"
DEFAULT_TAG_TEMPLATE = "{notebook}:{lock}"


@dataclass(frozen=True)
class Timeouts:
    """Seconds each kind of outside work may take before the build fails with
    :class:`~.errors.TimedOut` (the command is killed with everything it started)."""

    pip: float = 900.0  # one pip resolve, or one download of the locked files
    wheel_build: float = 1800.0  # building one wheel on the host (an sdist, a folder, a VCS commit)
    compile: float = 600.0  # compileall over the packages of one environment layer
    index: float = 120.0  # one request to a package index, from connecting to the last byte
    git: float = 10.0  # one git command reading the notebook's provenance
    push: float = 3600.0  # pushing one image to its registry


RESOLUTION_TTL = 24 * 3600.0  # seconds a cached resolution is reused


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(os.environ.get("CONTAINERIZE_CACHE", Path(base) / "jupyter-containerize"))


@dataclass(frozen=True)
class Settings:
    base_image_template: str = DEFAULT_BASE_IMAGE_TEMPLATE
    base_image: str = ""  # overrides the template when set
    tag_template: str = DEFAULT_TAG_TEMPLATE
    registry: str = ""
    cache_dir: Path = field(default_factory=default_cache_dir)
    timeouts: Timeouts = field(default_factory=Timeouts)
    resolution_ttl: float = RESOLUTION_TTL  # 0: resolutions are not cached
    insecure_registries: tuple[str, ...] = ()  # spoken to over plain HTTP (loopback ones always are)
    # where a build with fetch_data gets nltk data ("" : nltk's own index)
    nltk_index_url: str = field(default_factory=lambda: os.environ.get("CONTAINERIZE_NLTK_INDEX_URL", ""))

    def base_image_for(self, python_version: str) -> str:
        if self.base_image:
            return self.base_image
        major, minor, *_ = python_version.split(".")
        return self.base_image_template.format(major=major, minor=minor, version=python_version)
