"""Running an image and reading files out of one, on the Docker engine.

A run's ``/out`` is an anonymous volume (initialised from the image, so owned by the image's
user), copied out with ``get_archive`` once the container exits: no bind mount, so no
host-permission games and it works with a remote engine too. The root filesystem is
read-only; ``/tmp`` is a tmpfs.
"""

from __future__ import annotations

import http.client
import io
import tarfile
import threading
from pathlib import Path, PurePosixPath
from typing import Callable, Optional

import urllib3.exceptions
from docker.errors import APIError, DockerException, ImageNotFound
from docker.errors import NotFound as DockerNotFound

from ..errors import ContainerizeError, EngineUnavailable, NotFound

OUT = "/out"
STOP_TIMEOUT = 10  # seconds between SIGTERM and SIGKILL

# What a call to the engine raises when the engine is gone or its connection broke: the SDK's
# errors, socket errors, and, from a streaming response read after the connection closed,
# urllib3's and http.client's own (``ProtocolError: IncompleteRead``), which are not OSErrors.
ENGINE_ERRORS = (DockerException, OSError, http.client.HTTPException, urllib3.exceptions.HTTPError)


def _engine_error(exc: Exception) -> ContainerizeError:
    if isinstance(exc, ImageNotFound):
        return NotFound(f"No image {getattr(exc, '_image', '') or ''}".strip())
    if isinstance(exc, APIError):
        return ContainerizeError(f"The Docker engine refused: {exc.explanation or exc}")
    return EngineUnavailable(f"The Docker engine does not answer: {exc}")


def _extract(stream, dest: Path, strip: str) -> None:
    """Extract a ``get_archive`` tar into ``dest``, dropping the leading ``strip`` folder."""
    data = io.BytesIO(b"".join(stream))
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=data) as tar:
        for member in tar.getmembers():
            parts = PurePosixPath(member.name).parts
            if parts and parts[0] == strip:
                parts = parts[1:]
            if not parts or ".." in parts or not (member.isfile() or member.isdir()):
                continue
            target = dest.joinpath(*parts)
            if member.isdir():
                target.mkdir(parents=True, exist_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(tar.extractfile(member).read())


def writable_dirs(config: dict) -> list[str]:
    """The image's home and working directory (one folder when one holds the other), which a
    run with a read-only root gets as anonymous volumes: the engine fills each with the image's
    files there, so the notebook reads its files and writes beside them (``to_csv("out.csv")``,
    ``savefig``, ``%%writefile``, caches under ``~/.cache``) as in its kernel, and the volumes go
    with the container."""
    env = dict(item.partition("=")[::2] for item in config.get("Env") or [])
    found: list[str] = []
    for folder in sorted({env.get("HOME", ""), config.get("WorkingDir") or ""}, key=len):
        path = PurePosixPath(folder)
        if folder and path.is_absolute() and path != PurePosixPath("/") \
                and not any(PurePosixPath(f) in path.parents or PurePosixPath(f) == path for f in found):
            found.append(path.as_posix())
    return found


def run_container(client_factory: Callable, image: str, args: list[str], *, output: Path,
                  environment: dict[str, str], on_output: Callable[[str], None],
                  stop: Optional[threading.Event], read_only: bool,
                  labels: Optional[dict[str, str]] = None) -> int:
    client = client_factory()
    container = None
    finished = threading.Event()
    try:
        try:
            info = client.inspect_image(image)
        except ImageNotFound:
            raise NotFound(f"No image {image}; build it first or pull it") from None
        host_config = client.create_host_config(read_only=read_only, tmpfs={"/tmp": "rw,exec,mode=1777"})
        volumes = [OUT, *(writable_dirs(info.get("Config") or {}) if read_only else [])]
        container = client.create_container(image, command=args or None, environment=environment,
                                            volumes=volumes, host_config=host_config, labels=labels or None)["Id"]
        client.start(container)

        def watch_stop():
            while not finished.wait(0.2):
                if stop is not None and stop.is_set():
                    stopper = client_factory()
                    try:
                        stopper.stop(container, timeout=STOP_TIMEOUT)
                    except ENGINE_ERRORS:
                        pass
                    finally:
                        stopper.close()
                    return

        threading.Thread(target=watch_stop, daemon=True, name="run-stop-watch").start()
        pending = ""
        for chunk in client.logs(container, stream=True, follow=True, stdout=True, stderr=True):
            pending += chunk.decode("utf-8", "replace")
            *lines, pending = pending.split("\n")
            for line in lines:
                on_output(line)
        if pending:
            on_output(pending)
        status = int(client.wait(container).get("StatusCode", 1))
        try:
            stream, _ = client.get_archive(container, OUT + "/.")
            _extract(stream, output, ".")
        except DockerNotFound:
            pass
        return status
    except ContainerizeError:
        raise
    except ENGINE_ERRORS as exc:
        raise _engine_error(exc) from None
    finally:
        finished.set()
        if container is not None:
            try:
                client.remove_container(container, v=True, force=True)
            except ENGINE_ERRORS:
                pass
        client.close()


def remove_containers(client_factory: Callable, label: str) -> list[str]:
    """Kill and remove (``docker rm -fv``) the containers, running or not, carrying ``label``."""
    client = client_factory()
    removed = []
    try:
        for found in client.containers(all=True, filters={"label": label}):
            try:
                client.remove_container(found["Id"], v=True, force=True)
            except DockerNotFound:
                continue  # its own run removed it meanwhile
            removed.append(found["Id"])
        return removed
    except ENGINE_ERRORS as exc:
        raise _engine_error(exc) from None
    finally:
        client.close()


def read_image_file(client_factory: Callable, image: str, path: str) -> Optional[bytes]:
    """``docker create`` + ``get_archive`` + remove: read a file without running the image."""
    client = client_factory()
    container = None
    try:
        try:
            container = client.create_container(image, command=["true"], entrypoint=[])["Id"]
        except ImageNotFound:
            raise NotFound(f"No image {image}") from None
        try:
            stream, _ = client.get_archive(container, path)
        except DockerNotFound:
            return None
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as tar:
            member = tar.next()
            if member is None or not member.isfile():
                return None
            return tar.extractfile(member).read()
    except ContainerizeError:
        raise
    except ENGINE_ERRORS as exc:
        raise _engine_error(exc) from None
    finally:
        if container is not None:
            try:
                client.remove_container(container, force=True)
            except ENGINE_ERRORS:
                pass
        client.close()
