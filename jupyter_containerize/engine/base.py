"""The interface every container engine implements (Docker today)."""

from __future__ import annotations

import abc
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Optional, Sequence, Union


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
    layers: tuple[str, ...] = ()  # the diff ids of its layers, base first


@dataclass(frozen=True)
class LayerRow:
    """One entry of an image's history (newest first): the layer's bytes, the image it made
    (None when the engine does not know it) and that image's tags."""

    image: Optional[str]
    size: int
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class DiskUsage:
    """What the engine's images take on its disk."""

    layers: int  # bytes of all the image layers
    unique: dict = field(default_factory=dict)  # image id -> bytes no other image shares


@dataclass(frozen=True)
class RunOutcome:
    exit_code: int
    stdout: str
    stderr: str


class PartialLoadRefused(NotImplementedError):
    """The engine loads only whole archives (Podman's Docker-compatible API): an image made
    of a parent it has plus a new layer cannot be loaded; the build then installs the
    environment inside the engine's build instead."""


class ContainerEngine(abc.ABC):
    """Build, inspect, push and run images. Implementations raise domain errors."""

    @abc.abstractmethod
    def ping(self) -> None:
        """Raise EngineUnavailable when the engine does not answer."""

    @abc.abstractmethod
    def build(
        self,
        context: Union[Iterable[bytes], BinaryIO],
        tag: Optional[str],
        *,
        labels: dict[str, str],
        on_progress: Callable[[BuildProgress], None],
        cancelled: threading.Event,
    ) -> str:
        """Build the tar ``context`` (a file, or its bytes as they are made: a context is not held
        in memory whole), tag it (unless ``tag`` is None), return the image id."""

    @abc.abstractmethod
    def inspect(self, image: str) -> ImageInfo:
        """Raise NotFound when there is no such image."""

    @abc.abstractmethod
    def remove(self, image: str) -> None:
        """Remove an image (a failed or cancelled build's tag)."""

    def untag(self, tag: str, image_id: str) -> None:
        """Remove ``tag`` when it still names ``image_id``, keeping the cached layers."""
        raise NotImplementedError

    def discard(self, image_id: str) -> None:
        """Remove the image ``image_id`` when no tag names it (an unverified build); an image
        a tag names, or that is gone already, is left as it is."""
        raise NotImplementedError

    def push(self, tag: str, *, on_progress: Callable[[BuildProgress], None], cancelled: threading.Event,
             timeout: Optional[float] = None) -> str:
        """Push ``tag`` with the engine's registry credentials; return ``repository@sha256:...``.
        Raise PushFailed (unauthorised, forbidden, unreachable), Cancelled, or TimedOut after
        ``timeout`` seconds."""
        raise NotImplementedError

    def run_once(self, image: str, args: tuple[str, ...] = (), *, on_output: Callable[[str], None],
                 cancelled: threading.Event, timeout: float = 1800,
                 labels: Optional[dict[str, str]] = None) -> RunOutcome:
        """Run ``image`` with its entrypoint until it exits (a fresh tmpfs on /out), remove the
        container, return its exit code and output. Raise Cancelled (container killed).
        ``labels`` go on the container (see :meth:`remove_containers`)."""
        raise NotImplementedError

    # Running and reading images (not abstract: engines that only build still work).

    def run(
        self,
        image: str,
        args: Sequence[str] = (),
        *,
        output: Path,
        environment: Optional[dict[str, str]] = None,
        on_output: Callable[[str], None] = lambda line: None,
        stop: Optional[threading.Event] = None,
        read_only: bool = True,
        labels: Optional[dict[str, str]] = None,
    ) -> int:
        """Run ``image`` with ``args`` appended to its entrypoint, the root filesystem
        read-only apart from ``/tmp`` and ``/out``; stream its output lines to ``on_output``;
        copy ``/out`` into ``output`` when it exits; return its exit status. Setting ``stop``
        sends SIGTERM (the runner then writes its output and exits). ``labels`` go on the
        container, so another process can find it (see :meth:`remove_containers`)."""
        raise NotImplementedError(f"{type(self).__name__} cannot run images")

    def remove_containers(self, label: str) -> list[str]:
        """Kill and remove every container carrying ``label`` (``key=value`` or ``key``), with
        its anonymous volumes; return their ids. For runs whose own process is gone."""
        raise NotImplementedError(f"{type(self).__name__} cannot remove containers")

    def read_file(self, image: str, path: str) -> Optional[bytes]:
        """The content of ``path`` in ``image`` without running it (None when absent)."""
        raise NotImplementedError(f"{type(self).__name__} cannot read images")

    def tag(self, image: str, tag: str) -> None:
        """Give ``image`` the name ``tag`` too."""
        raise NotImplementedError(f"{type(self).__name__} cannot tag images")

    def image_config(self, image: str) -> bytes:
        """The image's config JSON, byte for byte (its sha256 is the image id)."""
        raise NotImplementedError(f"{type(self).__name__} cannot export images")

    def image_settings(self, image: str) -> dict:
        """What an image made on top of ``image`` takes from its config (``architecture``,
        ``os``, ``variant``, ``config``, ``rootfs``, ``history``), read without exporting
        it; NotImplementedError when the engine cannot tell them (then :meth:`image_config`)."""
        raise NotImplementedError(f"{type(self).__name__} cannot describe images")

    def load(self, archive: Iterable[bytes], *, cancelled: threading.Event) -> None:
        """Load a ``docker save`` archive (layers the engine has may be left out of it)."""
        raise NotImplementedError(f"{type(self).__name__} cannot load images")

    def images(self, label: str, *, untagged: bool = False, repository: Optional[str] = None) -> list[ImageInfo]:
        """The tagged images carrying ``label`` ("": any), of ``repository`` when given
        (``untagged``: the untagged ones too)."""
        raise NotImplementedError(f"{type(self).__name__} cannot list images")

    def delete_image(self, image: str) -> None:
        """Remove the tag or image ``image`` as ``docker rmi`` does (the image goes with its last
        tag). Raise NotFound when it is not there, Conflict when a container uses it or
        other tags name it (by id)."""
        raise NotImplementedError(f"{type(self).__name__} cannot remove images")

    def pull(self, reference: str, *, cancelled: threading.Event,
             on_progress: Callable[[BuildProgress], None] = lambda item: None,
             timeout: Optional[float] = None) -> str:
        """Pull ``reference`` (``repository:tag`` or ``repository@sha256:...``) with the engine's
        registry credentials; return the image id. Raise PullFailed (refused, unreachable,
        unknown), Cancelled, or TimedOut after ``timeout`` seconds."""
        raise NotImplementedError(f"{type(self).__name__} cannot pull images")

    def history(self, image: str) -> list[LayerRow]:
        """The layers of ``image``, newest first."""
        raise NotImplementedError(f"{type(self).__name__} cannot read image histories")

    def disk_usage(self) -> DiskUsage:
        """Bytes of the engine's image layers, and of each image's own (``docker system df``)."""
        raise NotImplementedError(f"{type(self).__name__} cannot measure its disk use")
