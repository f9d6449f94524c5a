"""Thin HTTP handlers: parse -> call the core -> serialise. Errors are mapped once, here.

Every verb is behind Jupyter's authentication and authorization (``auth_resource``).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join
from pydantic import BaseModel, ValidationError
from tornado import web

from . import pipeline
from .builds import BuildManager
from .errors import ContainerizeError, InvalidRequest
from .models import PHASES, BuildList, BuildRequest, ServerInfo
from .paths import relative_to_root, resolve_notebook
from .redact import redact, redact_model

NAMESPACE = "containerize"
MAX_WAIT_S = 30.0


class ContainerizeHandler(APIHandler):
    auth_resource = NAMESPACE

    def initialize(self, manager: BuildManager, version: str) -> None:
        self.manager = manager
        self.version = version

    @property
    def root(self) -> Path:
        return self.manager.root

    def _handle_request_exception(self, e: BaseException) -> None:
        """Domain errors -> their status code with ``{"message", "reason"}``."""
        if isinstance(e, ContainerizeError):
            mapped = web.HTTPError(e.status, redact(str(e)).replace("%", "%%"), reason=e.reason)
        elif isinstance(e, ValidationError):
            message = "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors())
            mapped = web.HTTPError(400, redact(message).replace("%", "%%"), reason="Bad request")
        else:
            return super()._handle_request_exception(e)
        try:  # write_error reads sys.exc_info(): raise the mapped error so it is the one seen
            raise mapped from e
        except web.HTTPError as http_error:
            super()._handle_request_exception(http_error)

    def reply(self, model: BaseModel, status: int = 200) -> None:
        """Every reply leaves through here, its strings redacted (errors: above)."""
        self.set_status(status)
        self.finish(redact_model(model).model_dump_json())

    def body(self) -> dict:
        try:
            data = json.loads(self.request.body or b"{}")
        except ValueError as exc:
            raise InvalidRequest(f"The request body is not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise InvalidRequest("The request body must be a JSON object")
        return data


class InfoHandler(ContainerizeHandler):
    @web.authenticated
    @authorized
    def get(self) -> None:
        settings = self.manager.settings
        self.reply(ServerInfo(version=self.version, base_image_template=settings.base_image or settings.base_image_template,
                              tag_template=settings.tag_template, phases=list(PHASES), registry=settings.registry,
                              max_concurrent_builds=self.manager.max_concurrent))


class AnalysisHandler(ContainerizeHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        notebook = resolve_notebook(self.root, self.get_query_argument("path", ""))
        kernel = self.get_query_argument("kernel", None)

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
        path = self.get_query_argument("path", None)
        self.reply(BuildList(builds=self.manager.list(path)))

    @web.authenticated
    @authorized
    def post(self) -> None:
        request = BuildRequest.model_validate(self.body())
        if request.python:
            raise InvalidRequest("Choosing an interpreter by path is for the CLI; choose a kernel instead")
        notebook = resolve_notebook(self.root, request.path)
        display = relative_to_root(self.root, notebook)
        request = request.model_copy(update={"path": display})
        if request.tag or request.registry:
            from .tags import validate_template

            validate_template(request.tag or self.manager.settings.tag_template, registry=request.registry or "")
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


class EventsHandler(ContainerizeHandler):
    @web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        try:
            since = int(self.get_query_argument("since", "0"))
            timeout = min(float(self.get_query_argument("timeout", "15")), MAX_WAIT_S)
        except ValueError:
            raise InvalidRequest("since must be an integer and timeout a number") from None
        self.reply(await self.manager.events(job_id, since=since, timeout=max(0.0, timeout)))


def setup_route_handlers(web_app, settings: dict) -> None:
    base = url_path_join(web_app.settings["base_url"], NAMESPACE)
    kwargs = {"manager": settings["containerize"], "version": settings["containerize_version"]}
    job = r"(?P<job_id>[0-9a-f]{12})"
    handlers = [
        (url_path_join(base, "info"), InfoHandler, kwargs),
        (url_path_join(base, "analysis"), AnalysisHandler, kwargs),
        (url_path_join(base, "builds"), BuildsHandler, kwargs),
        (url_path_join(base, "builds", job), BuildHandler, kwargs),
        (url_path_join(base, "builds", job, "cancel"), CancelHandler, kwargs),
        (url_path_join(base, "builds", job, "push"), PushHandler, kwargs),
        (url_path_join(base, "builds", job, "events"), EventsHandler, kwargs),
    ]
    web_app.add_handlers(".*$", handlers)
