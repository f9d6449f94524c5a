"""Thin HTTP handlers: parse -> call the core -> serialise. Errors are mapped once, here.

Every verb is behind Jupyter's authentication and authorization (``auth_resource``). Every
error is a JSON ``{"message", "reason"}`` body: domain errors with their status, bad input
400, a body over ``max_request_bytes`` 413 (before it is parsed), an unknown path under the
namespace 404, and anything unexpected 500 with its traceback in the server's log.
:data:`ROUTES` is the route table the OpenAPI description (:mod:`.openapi`) is made from.
"""

from __future__ import annotations

import asyncio
import json
import traceback
from functools import lru_cache
from http.client import responses
from pathlib import Path

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from pydantic import BaseModel, ValidationError
from tornado import web

from . import openapi, pipeline
from .api_models import (
    AnalysisQuery,
    BuildListQuery,
    EventsQuery,
    ImageListQuery,
    NotebookQuery,
    ParametersQuery,
    RunListQuery,
    RunRequest,
    ServerInfo,
    ShareRequest,
)
from .builds import BuildManager
from .errors import ContainerizeError, InvalidRequest, NotFound, RequestTooLarge
from .images import ImageService
from .models import PHASES, BuildRequest
from .paths import relative_to_root, resolve_notebook
from .redact import redact, redact_model
from .runs import RunService
from .share.stale import StaleChecker
from .store import RUN

NAMESPACE = "containerize"
MAX_WAIT_S = 30.0
MAX_REQUEST_BYTES = 1024 * 1024
JOB_ID = r"[0-9a-f]{12}"


class ContainerizeHandler(APIHandler):
    auth_resource = NAMESPACE

    def initialize(self, manager: BuildManager, version: str, max_request_bytes: int = MAX_REQUEST_BYTES,
                   runs: RunService | None = None, images: ImageService | None = None,
                   stale: StaleChecker | None = None) -> None:
        self.manager = manager
        self.version = version
        self.max_request_bytes = max_request_bytes
        self.runs = runs or RunService(manager)
        self.images = images or ImageService(manager)
        self.stale = stale or StaleChecker(manager)

    @property
    def root(self) -> Path:
        return self.manager.root

    async def prepare(self) -> None:
        await super().prepare()  # authentication first: a stranger learns nothing about sizes
        declared = self.request.headers.get("Content-Length", "0")
        size = max(len(self.request.body or b""), int(declared) if declared.isdigit() else 0)
        if size > self.max_request_bytes:
            raise RequestTooLarge(f"The request body has {size} bytes; the server accepts at most "
                                  f"{_size(self.max_request_bytes)} (ContainerizeApp.max_request_bytes)")

    def _handle_request_exception(self, e: BaseException) -> None:
        """Domain errors -> their status code; pydantic's -> 400; anything unexpected -> 500
        (logged with its traceback); each with a JSON ``{"message", "reason"}`` body."""
        if isinstance(e, (web.HTTPError, web.Finish)):
            return super()._handle_request_exception(e)
        if isinstance(e, ContainerizeError):
            mapped = web.HTTPError(e.status, "%s", redact(str(e)), reason=e.reason)
        elif isinstance(e, ValidationError):
            message = "; ".join(f"{'.'.join(map(str, err['loc'])) or 'body'}: {err['msg']}" for err in e.errors())
            mapped = web.HTTPError(400, "%s", redact(message), reason="Bad request")
        else:
            trace = redact("".join(traceback.format_exception(e)))  # no credential in the log either
            self.log.error("Unexpected error in %s %s\n%s", self.request.method, self.request.path, trace)
            mapped = web.HTTPError(500, "%s", f"Unexpected error: {type(e).__name__} (the server log has the "
                                   "traceback)", reason="Internal Server Error")
        try:  # write_error reads sys.exc_info(): raise the mapped error so it is the one seen
            raise mapped from e
        except web.HTTPError as http_error:
            super()._handle_request_exception(http_error)

    def write_error(self, status_code: int, **kwargs) -> None:
        """``{"message", "reason"}``, whatever the error (tornado's own too: 405...)."""
        error = (kwargs.get("exc_info") or (None, None, None))[1]
        message = reason = responses.get(status_code, "Unknown HTTP Error")
        if isinstance(error, web.HTTPError):
            reason = error.reason or reason
            if error.log_message:
                message = error.log_message % error.args if error.args else error.log_message
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"message": message, "reason": reason}))

    def query(self, model: type[BaseModel]) -> BaseModel:
        """The query string validated by ``model`` (the last value of a repeated name)."""
        return model.model_validate({name: self.get_query_argument(name) for name in self.request.query_arguments})

    def reply(self, model: BaseModel, status: int = 200) -> None:
        """Every reply leaves through here, its strings redacted (errors: above)."""
        self.set_status(status)
        self.finish(redact_model(model).model_dump_json())

    def body(self) -> dict:
        try:
            data = json.loads(self.request.body or b"{}")
        except RecursionError:
            raise InvalidRequest("The request body is not usable JSON: it is nested too deeply") from None
        except ValueError as exc:
            raise InvalidRequest(f"The request body is not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise InvalidRequest("The request body must be a JSON object")
        return data

    def notebook(self, path: str) -> tuple[Path, str]:
        """The notebook ``path`` names (inside the root) and its path as the browser shows it."""
        notebook = resolve_notebook(self.root, path)
        return notebook, relative_to_root(self.root, notebook)

    async def blocking(self, work, *args):
        """``work(*args)`` on a worker thread (it talks to the engine, reads files...)."""
        return await asyncio.get_running_loop().run_in_executor(None, work, *args)


class InfoHandler(ContainerizeHandler):
    @web.authenticated
    @authorized
    def get(self) -> None:
        settings = self.manager.settings
        self.reply(ServerInfo(version=self.version, base_image_template=settings.base_image or settings.base_image_template,
                              tag_template=settings.tag_template, phases=list(PHASES), registry=settings.registry,
                              max_concurrent_builds=self.manager.max_concurrent, runs_folder=self.runs.runs_folder))


class AnalysisHandler(ContainerizeHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        query = self.query(AnalysisQuery)
        notebook, kernel = resolve_notebook(self.root, query.path), query.kernel

        def analyse():
            environment = pipeline.kernel_environment(
                notebook, kernel=kernel, kernel_spec_manager=self.manager.kernel_spec_manager)
            analysis = pipeline.analyse(notebook, environment, self.root,
                                        kernel=pipeline.kernel_name(notebook, kernel=kernel))
            return analysis.model_copy(update={"notebook": relative_to_root(self.root, notebook)})

        self.reply(await asyncio.get_running_loop().run_in_executor(None, analyse))


class BuildsHandler(ContainerizeHandler):
    @web.authenticated
    @authorized
    def get(self) -> None:
        query = self.query(BuildListQuery)
        self.reply(self.manager.list(query.path, limit=query.limit, before=query.before))

    @web.authenticated
    @authorized
    async def post(self) -> None:
        request = BuildRequest.model_validate(self.body())
        if request.python:
            raise InvalidRequest("Choosing an interpreter by path is for the CLI; choose a kernel instead")
        notebook = resolve_notebook(self.root, request.path)
        display = relative_to_root(self.root, notebook)
        request = request.model_copy(update={"path": display})
        await asyncio.get_running_loop().run_in_executor(None, self.manager.check, request, notebook)
        self.reply(self.manager.start(request, notebook, display), status=202)


class BuildHandler(ContainerizeHandler):
    @web.authenticated
    @authorized
    def get(self, job_id: str) -> None:
        self.reply(self.manager.get(job_id))

    @web.authenticated
    @authorized
    def delete(self, job_id: str) -> None:
        self.manager.delete(job_id)
        self.set_status(204)
        self.finish()


class CancelHandler(ContainerizeHandler):
    @web.authenticated
    @authorized
    def post(self, job_id: str) -> None:
        self.reply(self.manager.cancel(job_id))


class PushHandler(ContainerizeHandler):
    @web.authenticated
    @authorized
    def post(self, job_id: str) -> None:
        self.reply(self.manager.push(job_id), status=202)


class ArchiveHandler(ContainerizeHandler):
    @web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        path, name = self.manager.archive_file(job_id)
        self.set_header("Content-Type", "application/x-tar")
        self.set_header("Content-Disposition", f'attachment; filename="{name}"')
        self.set_header("Content-Length", str(path.stat().st_size))
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                self.write(chunk)
                await self.flush()
        self.finish()


class EventsHandler(ContainerizeHandler):
    @web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        query = self.query(EventsQuery)
        timeout = min(max(0.0, query.timeout), MAX_WAIT_S)
        self.reply(await self.manager.events(job_id, since=query.since, timeout=timeout))


class ShareHandler(ContainerizeHandler):
    @web.authenticated
    @authorized
    async def post(self, job_id: str) -> None:
        self.reply(await self.blocking(self.runs.share, job_id, ShareRequest.model_validate(self.body())))


class ParametersHandler(ContainerizeHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        query = self.query(ParametersQuery)
        notebook, display = self.notebook(query.path)
        self.reply(await self.blocking(self.runs.parameters, notebook, display, query.image))


class RunsHandler(ContainerizeHandler):
    @web.authenticated
    @authorized
    def get(self) -> None:
        query = self.query(RunListQuery)
        self.reply(self.runs.list(query.path, limit=query.limit, before=query.before))

    @web.authenticated
    @authorized
    async def post(self) -> None:
        request = RunRequest.model_validate(self.body())
        notebook, display = self.notebook(request.path)
        request = request.model_copy(update={"path": display})
        base = await self.blocking(self.runs.check, request, notebook, display)
        self.reply(self.runs.start(request, notebook, display, base), status=202)


class RunHandler(ContainerizeHandler):
    @web.authenticated
    @authorized
    def get(self, job_id: str) -> None:
        self.reply(self.manager.get(job_id, RUN))

    @web.authenticated
    @authorized
    def delete(self, job_id: str) -> None:
        self.manager.delete(job_id, RUN)
        self.set_status(204)
        self.finish()


class RunStopHandler(ContainerizeHandler):
    @web.authenticated
    @authorized
    def post(self, job_id: str) -> None:
        self.reply(self.manager.cancel(job_id, RUN))


class RunEventsHandler(ContainerizeHandler):
    @web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        query = self.query(EventsQuery)
        timeout = min(max(0.0, query.timeout), MAX_WAIT_S)
        self.reply(await self.manager.events(job_id, since=query.since, timeout=timeout, kind=RUN))


class ImagesHandler(ContainerizeHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        query = self.query(ImageListQuery)
        self.reply(await self.blocking(lambda: self.images.list(limit=query.limit, before=query.before)))


class ImageHandler(ContainerizeHandler):
    @web.authenticated
    @authorized
    async def delete(self, job_id: str) -> None:
        await self.blocking(self.images.remove, job_id)
        self.set_status(204)
        self.finish()


class CacheHandler(ContainerizeHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.reply(await self.blocking(self.images.cache))


class PruneHandler(ContainerizeHandler):
    @web.authenticated
    @authorized
    async def post(self) -> None:
        self.reply(await self.blocking(self.images.prune))


class StaleHandler(ContainerizeHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        notebook, display = self.notebook(self.query(NotebookQuery).path)
        self.reply(await self.blocking(self.stale.check, notebook, display))


class OpenAPIHandler(ContainerizeHandler):
    @web.authenticated
    @authorized
    def get(self) -> None:
        self.finish(_openapi_json(url_path_join(self.base_url, NAMESPACE)))


class MissingHandler(ContainerizeHandler):
    """Any other path under the namespace: a JSON 404, not the server's HTML page."""

    @web.authenticated
    @authorized
    def get(self, rest: str) -> None:
        raise NotFound(f"No endpoint {NAMESPACE}/{rest[:200]} (see {NAMESPACE}/openapi.json)")

    post = put = patch = delete = get


# The route table: path under the namespace ({job_id} is a build's or a run's id) -> handler.
ROUTES: tuple[tuple[str, type[ContainerizeHandler]], ...] = (
    ("info", InfoHandler),
    ("analysis", AnalysisHandler),
    ("builds", BuildsHandler),
    ("builds/{job_id}", BuildHandler),
    ("builds/{job_id}/cancel", CancelHandler),
    ("builds/{job_id}/push", PushHandler),
    ("builds/{job_id}/events", EventsHandler),
    ("builds/{job_id}/archive", ArchiveHandler),
    ("builds/{job_id}/share", ShareHandler),
    ("parameters", ParametersHandler),
    ("runs", RunsHandler),
    ("runs/{job_id}", RunHandler),
    ("runs/{job_id}/stop", RunStopHandler),
    ("runs/{job_id}/events", RunEventsHandler),
    ("images", ImagesHandler),
    ("images/cache", CacheHandler),
    ("images/prune", PruneHandler),
    ("images/{job_id}", ImageHandler),
    ("stale", StaleHandler),
    ("openapi.json", OpenAPIHandler),
)


def setup_route_handlers(web_app, settings: dict) -> None:
    base = url_path_join(web_app.settings["base_url"], NAMESPACE)
    kwargs = {"manager": settings["containerize"], "version": settings["containerize_version"],
              "max_request_bytes": settings.get("containerize_max_request_bytes", MAX_REQUEST_BYTES),
              "runs": settings.get("containerize_runs"), "images": settings.get("containerize_images"),
              "stale": settings.get("containerize_stale")}
    handlers = [(url_path_join(base, path.replace("{job_id}", f"(?P<job_id>{JOB_ID})")), handler, kwargs)
                for path, handler in ROUTES]
    handlers.append((url_path_join(base, "(?P<rest>.*)"), MissingHandler, kwargs))
    web_app.add_handlers(".*$", handlers)


@lru_cache(maxsize=4)
def _openapi_json(server_url: str) -> str:
    return json.dumps(openapi.document(ROUTES, server_url=server_url))


def _size(count: int) -> str:
    for unit, scale in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if count >= scale and count % scale == 0:
            return f"{count // scale} {unit}"
    return f"{count} bytes"
