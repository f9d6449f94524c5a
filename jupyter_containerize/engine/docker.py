"""The Docker engine, through the Docker SDK's low-level API client."""

from __future__ import annotations

import io
import re
import threading
from typing import Callable

import docker
from docker.errors import APIError, DockerException, ImageNotFound

from ..errors import Cancelled, EngineUnavailable, ImageBuildFailed, NotFound
from .base import BuildProgress, ContainerEngine, ImageInfo

_STEP = re.compile(r"^Step (\d+)/(\d+) :")
_FROM = re.compile(r"^FROM\s+(\S+)", re.IGNORECASE)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def parse_build_item(item: dict) -> BuildProgress | None:
    """Turn one item of the engine's JSON stream into progress (None for noise)."""
    if "stream" in item:
        text = _ANSI.sub("", item["stream"]).rstrip("\n")
        if not text.strip():
            return None
        match = _STEP.match(text)
        if match:
            return BuildProgress(text, int(match.group(1)), int(match.group(2)))
        return BuildProgress(text)
    if "status" in item:
        detail = item.get("progress") or ""
        return BuildProgress(f"{item['status']} {detail}".strip())
    return None


def _close_connection(response) -> None:
    sock = None
    try:
        sock = response.raw._fp.fp.raw._sock  # the socket under urllib3's response
    except AttributeError:
        pass
    try:
        if sock is not None:
            import socket

            sock.shutdown(socket.SHUT_RDWR)
        response.close()
    except OSError:
        pass


class DockerEngine(ContainerEngine):
    def __init__(self, base_url: str | None = None, timeout: int = 600):
        self.base_url = base_url
        self.timeout = timeout

    def _client(self) -> docker.APIClient:
        try:
            if self.base_url:
                return docker.APIClient(base_url=self.base_url, timeout=self.timeout)
            return docker.from_env(timeout=self.timeout).api
        except DockerException as exc:
            raise EngineUnavailable(f"Cannot reach the Docker engine: {exc}") from None

    def ping(self) -> None:
        client = self._client()
        try:
            client.ping()
        except (DockerException, OSError) as exc:
            raise EngineUnavailable(f"The Docker engine does not answer: {exc}") from None
        finally:
            client.close()

    def build(self, context: io.BytesIO, tag: str, *, labels, on_progress: Callable[[BuildProgress], None],
              cancelled: threading.Event) -> str:
        client = self._client()
        done = threading.Event()
        responses = []
        post = client._post

        def keep_response(*args, **kwargs):  # the SDK hides the streaming response; keep it
            response = post(*args, **kwargs)
            responses.append(response)
            return response

        client._post = keep_response

        def watch_cancel():
            while not done.wait(0.2):
                if cancelled.is_set():
                    # The engine stops a build whose request connection goes away.
                    for response in responses:
                        _close_connection(response)
                    return

        threading.Thread(target=watch_cancel, daemon=True, name="build-cancel-watch").start()
        image_id, tail, step = None, [], ""
        try:
            stream = client.build(fileobj=context, custom_context=True, tag=tag, labels=labels,
                                  rm=True, forcerm=True, pull=False, decode=True)
            for item in stream:
                if "errorDetail" in item or "error" in item:
                    message = _ANSI.sub("", item.get("errorDetail", {}).get("message") or item.get("error")).strip()
                    base = _FROM.match(step)
                    if base:  # the engine's message does not name the image it could not get
                        message = f"Cannot get the base image {base.group(1)}: {message}"
                    raise ImageBuildFailed(message)
                if "aux" in item and "ID" in item["aux"]:
                    image_id = item["aux"]["ID"]
                progress = parse_build_item(item)
                if progress and progress.step:
                    step = progress.message.split(" : ", 1)[-1]
                if progress:
                    tail = (tail + [progress.message])[-20:]
                    on_progress(progress)
        except APIError as exc:
            if cancelled.is_set():
                raise Cancelled("The build was cancelled") from None
            raise ImageBuildFailed(exc.explanation or str(exc)) from None
        except (DockerException, OSError, ValueError, AttributeError) as exc:
            if cancelled.is_set():
                raise Cancelled("The build was cancelled") from None
            raise EngineUnavailable(f"Lost the Docker engine during the build: {exc}") from None
        finally:
            done.set()
            client.close()
        if cancelled.is_set():
            raise Cancelled("The build was cancelled")
        if not image_id:
            raise ImageBuildFailed("The engine finished without an image id")
        return image_id

    def inspect(self, image: str) -> ImageInfo:
        client = self._client()
        try:
            data = client.inspect_image(image)
        except ImageNotFound:
            raise NotFound(f"No image {image}") from None
        except (DockerException, OSError) as exc:
            raise EngineUnavailable(f"The Docker engine does not answer: {exc}") from None
        finally:
            client.close()
        return ImageInfo(
            id=data["Id"], size=int(data.get("Size") or 0), tags=tuple(data.get("RepoTags") or ()),
            labels=dict((data.get("Config") or {}).get("Labels") or {}),
            repo_digests=tuple(data.get("RepoDigests") or ()),
        )

    def remove(self, image: str) -> None:
        client = self._client()
        try:
            client.remove_image(image, noprune=False)
        except ImageNotFound:
            pass
        except (DockerException, OSError) as exc:
            raise EngineUnavailable(f"The Docker engine does not answer: {exc}") from None
        finally:
            client.close()
