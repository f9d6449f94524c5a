"""The Docker engine, through the Docker SDK's low-level API client."""

from __future__ import annotations

import contextlib
import re
import threading
import time
from typing import Callable

import docker
from docker.errors import APIError, DockerException, ImageNotFound

from ..errors import Cancelled, Conflict, ContainerizeError, EngineUnavailable, ImageBuildFailed, NotFound, PushFailed, TimedOut
from .base import BuildProgress, ContainerEngine, DiskUsage, ImageInfo, LayerRow, PartialLoadRefused, RunOutcome
from .docker_run import ENGINE_ERRORS
from .registry import pull_error, push_error, repository_of

_STEP = re.compile(r"^Step (\d+)/(\d+) :")
_FROM = re.compile(r"^FROM\s+(\S+)", re.IGNORECASE)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# a history row that changed no file: the classic builder's "#(nop)", BuildKit's instruction names
_METADATA = re.compile(r"#\(nop\)|^(ENV|LABEL|CMD|ENTRYPOINT|WORKDIR|USER|EXPOSE|VOLUME|ARG|STOPSIGNAL|HEALTHCHECK|"
                       r"SHELL|ONBUILD|MAINTAINER)\b")
# Podman: a docker-archive whose parent layers are not in it
_PARTIAL = re.compile(r"layer tarfiles are missing|does not match any of the supported image formats")


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


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _close_connection(response) -> None:
    """Shut the socket under a streaming response down, so a read blocked on it returns at once
    (urllib3's ``HTTPResponse.connection`` and http.client's ``sock``; closing the response
    alone would not wake the reading thread)."""
    connection = getattr(response.raw, "connection", None)
    sock = getattr(connection, "sock", None)
    try:
        if sock is not None:
            import socket

            sock.shutdown(socket.SHUT_RDWR)
        response.close()
    except OSError:
        pass


def _cancel_on(client: docker.APIClient, cancelled: threading.Event) -> threading.Event:
    """Close the client's streaming responses when ``cancelled`` is set: the engine stops a
    build or a push whose request connection goes away. Set the returned event when done."""
    done = threading.Event()
    responses = []

    def keep_response(response, *args, **kwargs):  # a requests response hook (the SDK hides the response)
        responses.append(response)

    client.hooks["response"].append(keep_response)

    def watch_cancel():
        while not done.wait(0.2):
            if cancelled.is_set():
                for response in responses:
                    _close_connection(response)
                return

    threading.Thread(target=watch_cancel, daemon=True, name="engine-cancel-watch").start()
    return done


@contextlib.contextmanager
def _cancellable_stream(client: docker.APIClient, cancelled: threading.Event, action: str,
                        api_error: Callable[[str], Exception]):
    """Run one streaming call (a build, a push): cancel it by closing its connection, and
    turn the SDK's errors into domain errors, ``Cancelled`` when the user asked for it."""
    done = _cancel_on(client, cancelled)
    try:
        yield
    except APIError as exc:
        if cancelled.is_set():
            raise Cancelled(f"The {action} was cancelled") from None
        raise api_error(exc.explanation or str(exc)) from None
    except (*ENGINE_ERRORS, ValueError, AttributeError) as exc:
        if cancelled.is_set():
            raise Cancelled(f"The {action} was cancelled") from None
        raise EngineUnavailable(f"Lost the Docker engine during the {action}: {exc}") from None
    finally:
        done.set()
        client.close()
    if cancelled.is_set():
        raise Cancelled(f"The {action} was cancelled")


def _deadline(cancelled: threading.Event, timeout: float | None) -> tuple[threading.Event, threading.Event]:
    """An event set when ``cancelled`` is, or when ``timeout`` seconds have passed (then the
    second event is set too). Set the first one when done, to end the watcher."""
    stop, expired = threading.Event(), threading.Event()

    def watch():
        deadline = None if timeout is None else time.monotonic() + timeout
        while not stop.wait(0.2):
            if cancelled.is_set():
                stop.set()
            elif deadline is not None and time.monotonic() >= deadline:
                expired.set()
                stop.set()

    threading.Thread(target=watch, daemon=True, name="engine-deadline").start()
    return stop, expired


class DockerEngine(ContainerEngine):
    PING_TIMEOUT = 10  # seconds: an engine that accepts and never answers is down for a ping

    def __init__(self, base_url: str | None = None, timeout: int = 600):
        self.base_url = base_url
        self.timeout = timeout

    def _client(self, timeout: int | None = None) -> docker.APIClient:
        """A new client per call (calls come from several threads); the API version is asked
        once, not by every client."""
        version = getattr(self, "_api_version", None) or "auto"
        timeout = timeout or self.timeout
        try:
            if self.base_url:
                client = docker.APIClient(base_url=self.base_url, timeout=timeout, version=version)
            else:
                client = docker.from_env(timeout=timeout, version=version).api
        except DockerException as exc:
            raise EngineUnavailable(f"Cannot reach the Docker engine: {exc}") from None
        self._api_version = client.api_version
        return client

    @contextlib.contextmanager
    def _session(self, image: str | None = None, timeout: int | None = None):
        """A client for one short call: an absent image becomes NotFound, an engine that
        does not answer EngineUnavailable, and the client is closed."""
        client = self._client(timeout)
        try:
            yield client
        except ImageNotFound as exc:
            raise NotFound(f"No image {image}" if image else str(exc)) from None
        except ENGINE_ERRORS as exc:
            raise EngineUnavailable(f"The Docker engine does not answer: {exc}") from None
        finally:
            client.close()

    def ping(self) -> None:
        with self._session(timeout=self.PING_TIMEOUT) as client:
            client.ping()

    def build(self, context, tag: str, *, labels, on_progress: Callable[[BuildProgress], None],
              cancelled: threading.Event) -> str:
        client = self._client()
        image_id, step, output = None, "", []
        with _cancellable_stream(client, cancelled, "build", ImageBuildFailed):
            stream = client.build(fileobj=context, custom_context=True, tag=tag or None, labels=labels,
                                  rm=True, forcerm=True, pull=False, decode=True)
            for item in stream:
                if "errorDetail" in item or "error" in item:
                    message = _ANSI.sub("", item.get("errorDetail", {}).get("message") or item.get("error")).strip()
                    base = _FROM.match(step)
                    if base:  # the engine's message does not name the image it could not get
                        message = f"Cannot get the base image {base.group(1)}: {message}"
                    elif output:  # the step's own last words say why; the engine's only that it failed
                        code = (item.get("errorDetail") or {}).get("code")
                        message = f"{output[-1]} (the step `{_shorten(step)}` exited with status {code})"
                    raise ImageBuildFailed(message)
                if "aux" in item and "ID" in item["aux"]:
                    image_id = item["aux"]["ID"]
                progress = parse_build_item(item)
                if progress and progress.step:
                    step, output = progress.message.split(" : ", 1)[-1], []
                elif progress and not progress.message.startswith((" ---> ", "Removing intermediate")):
                    output.append(progress.message.strip())
                if progress:
                    on_progress(progress)
        if not image_id:
            raise ImageBuildFailed("The engine finished without an image id")
        return image_id

    def inspect(self, image: str) -> ImageInfo:
        with self._session(image) as client:
            data = client.inspect_image(image)
        return ImageInfo(
            id=data["Id"], size=int(data.get("Size") or 0), tags=tuple(data.get("RepoTags") or ()),
            labels=dict((data.get("Config") or {}).get("Labels") or {}),
            repo_digests=tuple(data.get("RepoDigests") or ()),
            layers=tuple((data.get("RootFS") or {}).get("Layers") or ()),
        )

    def remove(self, image: str) -> None:
        with contextlib.suppress(NotFound), self._session(image) as client:
            client.remove_image(image, noprune=False)

    # Running and reading images: see ContainerEngine.run / read_file / images.

    def run(self, image, args=(), *, output, environment=None, on_output=lambda line: None,
            stop=None, read_only=True, labels=None) -> int:
        from .docker_run import run_container

        return run_container(self._client, image, list(args), output=output, environment=environment or {},
                             on_output=on_output, stop=stop, read_only=read_only, labels=labels)

    def remove_containers(self, label: str) -> list[str]:
        from .docker_run import remove_containers

        return remove_containers(self._client, label)

    def read_file(self, image: str, path: str):
        from .docker_run import read_image_file

        return read_image_file(self._client, image, path)

    def tag(self, image: str, tag: str) -> None:
        repository, _, name = tag.rpartition(":") if ":" in tag.rsplit("/", 1)[-1] else (tag, "", "latest")
        with self._session(image) as client:
            client.tag(image, repository, name)

    def image_config(self, image: str) -> bytes:
        from ..image.layer import config_from_save

        with self._session(image) as client:
            return config_from_save(client.get_image(image, chunk_size=1 << 20))

    def image_settings(self, image: str) -> dict:
        """From the engine's inspect and history (a ``docker save`` of a 170 MB base to read
        its config takes 1.5 s). A history row is a layer when it has bytes; when that does
        not account for every layer (a layer of no bytes), when it is not metadata only.
        Rows that account for the layers neither way: NotImplementedError."""
        with self._session(image) as client:
            data = client.inspect_image(image)
            rows = list(reversed(client.history(image)))  # the engine lists them newest first
        layers = list((data.get("RootFS") or {}).get("Layers") or [])
        sized = [bool(int(row.get("Size") or 0)) for row in rows]
        if sum(sized) != len(layers):
            sized = [has or not _METADATA.search(row.get("CreatedBy") or "") for has, row in zip(sized, rows)]
        if sum(sized) != len(layers):
            raise NotImplementedError(f"The history of {image} does not tell its {len(layers)} layers apart")
        history = []
        for row, layer in zip(rows, sized):
            entry = {"created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(row.get("Created") or 0))),
                     "created_by": row.get("CreatedBy") or ""}
            if row.get("Comment"):
                entry["comment"] = row["Comment"]
            if not layer:
                entry["empty_layer"] = True
            history.append(entry)
        settings = {"architecture": data.get("Architecture") or "", "os": data.get("Os") or "",
                    "config": data.get("Config") or {}, "rootfs": {"type": "layers", "diff_ids": layers},
                    "history": history}
        if data.get("Variant"):
            settings["variant"] = data["Variant"]
        return settings

    def load(self, archive, *, cancelled: threading.Event) -> None:
        def until_cancelled():
            for chunk in archive:
                if cancelled.is_set():
                    raise Cancelled("The build was cancelled")
                yield chunk

        client = self._client()

        def refused(message: str) -> Exception:
            if _PARTIAL.search(message or ""):
                return PartialLoadRefused(f"The engine loads whole archives only: {message}")
            return ImageBuildFailed(f"The engine refused the environment image: {message}")

        with _cancellable_stream(client, cancelled, "build", refused):
            for item in client.load_image(until_cancelled()) or ():
                if "errorDetail" in item or "error" in item:
                    raise refused((item.get("errorDetail") or {}).get("message") or item.get("error"))

    def images(self, label: str, *, untagged: bool = False, repository: str | None = None):
        filters = {"label": label} if label else {}
        if not untagged:
            filters["dangling"] = False
        with self._session() as client:
            found = client.images(name=repository, filters=filters)
        return [ImageInfo(id=i["Id"], size=int(i.get("Size") or 0),
                          tags=tuple(t for t in i.get("RepoTags") or () if t != "<none>:<none>"),
                          labels=dict(i.get("Labels") or {}), repo_digests=tuple(i.get("RepoDigests") or ()))
                for i in found if untagged or [t for t in i.get("RepoTags") or () if t != "<none>:<none>"]]

    def delete_image(self, image: str) -> None:
        with self._session(image) as client:
            try:
                client.remove_image(image, noprune=False)
            except ImageNotFound:
                raise NotFound(f"No image {image}") from None
            except APIError as exc:
                if exc.status_code == 409:
                    raise Conflict(f"The engine keeps {image}: {exc.explanation or exc}") from None
                raise ContainerizeError(f"The Docker engine refused to remove {image}: {exc.explanation or exc}") from None

    def history(self, image: str) -> list[LayerRow]:
        with self._session(image) as client:
            rows = client.history(image)
        return [LayerRow(image=None if row.get("Id") in (None, "", "<missing>") else row["Id"],
                         size=int(row.get("Size") or 0), tags=tuple(row.get("Tags") or ())) for row in rows]

    def disk_usage(self) -> DiskUsage:
        with self._session() as client:
            data = client.df()
        unique = {i["Id"]: max(0, int(i.get("Size") or 0) - max(0, int(i.get("SharedSize") or 0)))
                  for i in data.get("Images") or []}
        return DiskUsage(layers=int(data.get("LayersSize") or 0), unique=unique)

    def pull(self, reference: str, *, cancelled: threading.Event,
             on_progress: Callable[[BuildProgress], None] = lambda item: None, timeout: float | None = None) -> str:
        client = self._client()  # reads the Docker configuration's credentials (DOCKER_CONFIG)
        stop, expired = _deadline(cancelled, timeout)
        try:
            with _cancellable_stream(client, stop, "pull", lambda message: pull_error(reference, message)):
                for item in client.pull(reference, stream=True, decode=True):
                    if "errorDetail" in item or "error" in item:
                        raise pull_error(reference, (item.get("errorDetail") or {}).get("message") or item.get("error"))
                    if item.get("status") and not item.get("progressDetail"):
                        layer = f"{item['id']}: " if item.get("id") else ""
                        on_progress(BuildProgress(f"{layer}{item['status']}"))
        except Cancelled:
            if expired.is_set() and not cancelled.is_set():
                raise TimedOut(f"Pulling {reference} timed out after {timeout:g} s") from None
            raise
        finally:
            stop.set()
        return self.inspect(reference).id

    def discard(self, image_id: str) -> None:
        with contextlib.suppress(NotFound), self._session(image_id) as client:
            tags = [t for t in client.inspect_image(image_id).get("RepoTags") or () if t != "<none>:<none>"]
            if not tags:
                with contextlib.suppress(APIError):  # in use by a container: left to `docker image prune`
                    client.remove_image(image_id, noprune=False)

    def untag(self, tag: str, image_id: str) -> None:
        with self._session(tag) as client:
            try:
                if client.inspect_image(tag)["Id"] == image_id:
                    client.remove_image(tag, noprune=True)
            except APIError:  # gone already (ImageNotFound is one), or in use: keep it
                pass

    def push(self, tag: str, *, on_progress: Callable[[BuildProgress], None], cancelled: threading.Event,
             timeout: float | None = None) -> str:
        repository = repository_of(tag)
        name_tag = tag[len(repository) + 1:] or "latest"
        client = self._client()  # reads the Docker configuration's credentials (DOCKER_CONFIG)
        digest = None
        stop, expired = _deadline(cancelled, timeout)
        try:
            with _cancellable_stream(client, stop, "push", lambda message: push_error(tag, message)):
                for item in client.push(repository, tag=name_tag, stream=True, decode=True):
                    if "errorDetail" in item or "error" in item:
                        raise push_error(tag, (item.get("errorDetail") or {}).get("message") or item.get("error"))
                    digest = (item.get("aux") or {}).get("Digest") or digest
                    if item.get("status") and not item.get("progressDetail"):
                        layer = f"{item['id']}: " if item.get("id") else ""
                        on_progress(BuildProgress(f"{layer}{item['status']}"))
        except Cancelled:
            if expired.is_set() and not cancelled.is_set():
                raise TimedOut(f"Pushing {tag} timed out after {timeout:g} s: the registry "
                               f"{repository.split('/')[0]} did not finish in time") from None
            raise
        finally:
            stop.set()  # ends the deadline's watcher
        if not digest:
            raise PushFailed(f"The registry did not report a digest for {tag}")
        return f"{repository_of(tag)}@{digest}"

    def run_once(self, image: str, args: tuple[str, ...] = (), *, on_output: Callable[[str], None],
                 cancelled: threading.Event, timeout: float = 1800, labels=None) -> RunOutcome:
        client = self._client()
        container = None
        try:
            def create(tmpfs: str) -> str:
                return client.create_container(image, command=list(args) or None, labels=dict(labels or {}),
                                               host_config=client.create_host_config(tmpfs={"/out": tmpfs}))["Id"]

            try:
                container = create("rw,uid=1000,gid=1000,mode=1777")  # the image's user owns /out
            except APIError as exc:
                if "mount option" not in str(exc):
                    raise
                container = create("rw,mode=1777")  # Podman takes no uid: anyone may write
            client.start(container)
            deadline = time.monotonic() + timeout
            while True:
                if cancelled.is_set():
                    client.kill(container)
                    raise Cancelled("The verification was cancelled")
                state = client.inspect_container(container)["State"]
                if not state["Running"]:
                    break
                if time.monotonic() > deadline:
                    client.kill(container)
                    break
                time.sleep(0.25)
            code = int(client.inspect_container(container)["State"]["ExitCode"])
            stdout = client.logs(container, stdout=True, stderr=False).decode(errors="replace")
            stderr = client.logs(container, stdout=False, stderr=True).decode(errors="replace")
            for line in (stdout + stderr).splitlines():
                on_output(line)
            return RunOutcome(code, stdout, stderr)
        except APIError as exc:
            raise ImageBuildFailed(f"Cannot run {image}: {exc.explanation or exc}") from None
        except ENGINE_ERRORS as exc:
            raise EngineUnavailable(f"Lost the Docker engine while running {image}: {exc}") from None
        finally:
            if container:
                try:
                    client.remove_container(container, force=True)
                except ENGINE_ERRORS:
                    pass
            client.close()
