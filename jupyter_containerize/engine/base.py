"""The interface every container engine implements (Docker today)."""

from __future__ import annotations

import abc
import io
import threading
from dataclasses import dataclass, field
from typing import Callable, Optional


@dataclass
class BuildProgress:
    """One parsed item of an engine's build output."""

    message: str = ""
    step: Optional[int] = None
    steps: Optional[int] = None
    is_log: bool = True


@dataclass(frozen=True)
class ImageInfo:
    id: str
    size: int
    tags: tuple[str, ...] = ()
    labels: dict = field(default_factory=dict)
    repo_digests: tuple[str, ...] = ()


class ContainerEngine(abc.ABC):
    """Build, inspect, push and run images. Implementations raise domain errors."""

    @abc.abstractmethod
    def ping(self) -> None:
        """Raise EngineUnavailable when the engine does not answer."""

    @abc.abstractmethod
    def build(
        self,
        context: io.BytesIO,
        tag: str,
        *,
        labels: dict[str, str],
        on_progress: Callable[[BuildProgress], None],
        cancelled: threading.Event,
    ) -> str:
        """Build the tar ``context``, tag it, return the image id."""

    @abc.abstractmethod
    def inspect(self, image: str) -> ImageInfo:
        """Raise NotFound when there is no such image."""

    @abc.abstractmethod
    def remove(self, image: str) -> None:
        """Remove an image (a failed or cancelled build's tag)."""
