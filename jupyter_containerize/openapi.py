"""The OpenAPI 3.1 description of the REST API, made from the route table and the models.

The schemas come from the pydantic models (:mod:`.models`), the paths from
:data:`routes.ROUTES`, and each verb's parameters, body and answers from :data:`OPERATIONS`
below; a handler verb without an operation here (or the reverse) is an error, so the
description cannot drift from the server. Served at ``{base_url}containerize/openapi.json``
and kept in ``docs/openapi.json`` (``python -m jupyter_containerize.openapi``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Sequence

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from tornado import web

from .api_models import (
    JOB_ID_PATTERN,
    AnalysisQuery,
    BuildJob,
    BuildList,
    BuildListQuery,
    CacheUsage,
    EventPage,
    EventsQuery,
    ImageList,
    ImageListQuery,
    NotebookParameters,
    NotebookQuery,
    ParametersQuery,
    PruneResult,
    RunJob,
    RunList,
    RunListQuery,
    RunRequest,
    ServerInfo,
    Share,
    ShareRequest,
    Staleness,
)
from .models import Analysis, BuildRequest

API_VERSION = "1.0"
VERBS = ("get", "post", "put", "patch", "delete")
REF = "#/components/schemas/{model}"

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error answer: what went wrong, naming the cause, and the status's reason",
    "required": ["message", "reason"],
    "properties": {"message": {"type": "string"}, "reason": {"type": "string"}},
}
ERROR_MEANINGS = {
    400: "Bad input: a malformed notebook or request, a bad option or query parameter",
    403: "Not authenticated or not authorized, or a path outside the server root",
    404: "No such notebook, kernel, build, run, image or endpoint",
    409: "The build or run is in a state that does not allow this (or builds are running: prune)",
    413: "The request body is larger than ContainerizeApp.max_request_bytes",
    503: "The container engine is unreachable",
}


@dataclass(frozen=True)
class Operation:
    operation_id: str
    summary: str
    status: int
    answer: Optional[type[BaseModel]]
    errors: tuple[int, ...] = ()
    query: Optional[type[BaseModel]] = None
    body: Optional[type[BaseModel]] = None
    links: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (operationId, job_id expression)


def _job_links(expression: str) -> dict[str, tuple[str, str]]:
    return {name: (name, expression) for name in ("getBuild", "getBuildEvents", "cancelBuild", "pushBuild",
                                                  "deleteBuild")}


def _run_links(expression: str) -> dict[str, tuple[str, str]]:
    return {name: (name, expression) for name in ("getRun", "getRunEvents", "stopRun", "deleteRun")}


OPERATIONS: dict[tuple[str, str], Operation] = {
    ("info", "get"): Operation("getInfo", "The server's version and build settings", 200, ServerInfo),
    ("analysis", "get"): Operation(
        "analyseNotebook", "What a notebook needs: imports, requirements with the kernel's versions, files",
        200, Analysis, (400, 403, 404), query=AnalysisQuery),
    ("builds", "get"): Operation(
        "listBuilds", "Builds, newest first, one page at a time (`next` is the `before` of the next page)",
        200, BuildList, (400, 404), query=BuildListQuery, links=_job_links("$response.body#/builds/0/id")),
    ("builds", "post"): Operation(
        "startBuild", "Start building a notebook's image; the job is queued", 202, BuildJob,
        (400, 403, 404, 413, 503), body=BuildRequest, links=_job_links("$response.body#/id")),
    ("builds/{job_id}", "get"): Operation("getBuild", "One build", 200, BuildJob, (404,)),
    ("builds/{job_id}", "delete"): Operation(
        "deleteBuild", "Forget a finished build and its events", 204, None, (404, 409)),
    ("builds/{job_id}/cancel", "post"): Operation(
        "cancelBuild", "Cancel a queued or running build", 200, BuildJob, (404, 409)),
    ("builds/{job_id}/push", "post"): Operation(
        "pushBuild", "Push the image of a succeeded build; the same job runs again", 202, BuildJob, (404, 409)),
    ("builds/{job_id}/events", "get"): Operation(
        "getBuildEvents", "A build's events from `since`; waits up to `timeout` s for one (long poll)",
        200, EventPage, (400, 404), query=EventsQuery),
    ("builds/{job_id}/archive", "get"): Operation(
        "getBuildArchive", "The OCI archive a build with the archive output wrote (application/x-tar, a "
        "download that docker load, podman load and skopeo read)", 200, None, (404,)),
    ("builds/{job_id}/share", "post"): Operation(
        "shareBuild", "What a teammate needs to run a pushed image: its digest reference, docker run and "
        "`jupyter containerize run` lines with parameters, a Kubernetes CronJob for a cron", 200, Share,
        (400, 404, 409), body=ShareRequest),
    ("parameters", "get"): Operation(
        "getParameters", "The parameters a run takes: the cell tagged `parameters` of the notebook in the image "
        "(or of the file), as papermill reads it", 200, NotebookParameters, (400, 403, 404), query=ParametersQuery),
    ("runs", "get"): Operation(
        "listRuns", "Runs, newest first, one page at a time", 200, RunList, (400, 404), query=RunListQuery,
        links=_run_links("$response.body#/runs/0/id")),
    ("runs", "post"): Operation(
        "startRun", "Run an image's notebook with typed parameters; the executed notebook lands in "
        "RUNS_FOLDER/NOTEBOOK/TIMESTAMP/", 202, RunJob, (400, 403, 404, 413, 503), body=RunRequest,
        links=_run_links("$response.body#/id")),
    ("runs/{job_id}", "get"): Operation("getRun", "One run", 200, RunJob, (404,)),
    ("runs/{job_id}", "delete"): Operation("deleteRun", "Forget a finished run (its folder stays)", 204, None,
                                           (404, 409)),
    ("runs/{job_id}/stop", "post"): Operation(
        "stopRun", "Stop a queued or running run (the runner still writes the executed notebook)", 200, RunJob,
        (404, 409)),
    ("runs/{job_id}/events", "get"): Operation(
        "getRunEvents", "A run's events from `since` (one progress event per cell); long poll as for builds",
        200, EventPage, (400, 404), query=EventsQuery),
    ("images", "get"): Operation(
        "listImages", "The images of this server's succeeded builds, newest first, one page at a time", 200,
        ImageList, (400, 404, 503), query=ImageListQuery),
    ("images/{job_id}", "delete"): Operation(
        "removeImage", "Remove the image of a build from the engine", 204, None, (404, 409, 503)),
    ("images/cache", "get"): Operation("getCache", "The size of the build cache", 200, CacheUsage, (503,)),
    ("images/prune", "post"): Operation(
        "pruneCache", "Remove unused images and cache entries; what it freed", 200, PruneResult, (409, 503)),
    ("stale", "get"): Operation(
        "getStaleness", "Whether the notebook's newest image is stale: what changed in the kernel and the "
        "notebook since", 200, Staleness, (400, 403, 404), query=NotebookQuery),
    ("openapi.json", "get"): Operation("getOpenAPI", "This description", 200, None),
}


def handler_verbs(handler: type[web.RequestHandler]) -> list[str]:
    """The HTTP verbs a handler class implements (not tornado's 405 defaults)."""
    return [verb for verb in VERBS if getattr(handler, verb) is not getattr(web.RequestHandler, verb)]


def document(routes: Sequence[tuple[str, type]], server_url: str = "/containerize") -> dict:
    """The OpenAPI document of ``routes`` (path template -> handler class)."""
    implemented = {(path, verb) for path, handler in routes for verb in handler_verbs(handler)}
    if implemented != set(OPERATIONS):
        raise ValueError(f"Handler verbs without an operation: {sorted(implemented - set(OPERATIONS))}; "
                         f"operations without a handler: {sorted(set(OPERATIONS) - implemented)}")
    bodies = {op.body for op in OPERATIONS.values() if op.body}
    answers = {op.answer for op in OPERATIONS.values() if op.answer}
    keys, schemas = models_json_schema(
        [(model, "validation") for model in sorted(bodies, key=lambda m: m.__name__)]
        + [(model, "serialization") for model in sorted(answers, key=lambda m: m.__name__)],
        ref_template=REF,
    )
    components = {**schemas.get("$defs", {}), "Error": ERROR_SCHEMA}
    paths: dict[str, dict] = {}
    for path, handler in routes:
        for verb in handler_verbs(handler):
            paths.setdefault(f"/{path}", {})[verb] = _operation(OPERATIONS[(path, verb)], path, keys)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "jupyter-containerize REST API",
            "version": API_VERSION,
            "description": "Turn notebooks into container images. Every endpoint needs Jupyter's "
                           "authentication (a token header, or the cookie and XSRF token for writes); "
                           "errors are JSON `{message, reason}`.",
        },
        "servers": [{"url": server_url}],
        "security": [{"token": []}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization",
                                          "description": "`token <the server's token>`"}},
        },
    }


def _operation(op: Operation, path: str, keys: dict) -> dict:
    parameters = []
    if "{job_id}" in path:
        whose = "A run's id" if path.startswith("runs/") else "A build's id"
        parameters.append({"name": "job_id", "in": "path", "required": True, "description": whose,
                           "schema": {"type": "string", "pattern": JOB_ID_PATTERN}})
    if op.query is not None:
        parameters += _query_parameters(op.query)
    ok: dict = {"description": op.summary}
    if op.answer is not None:
        ok["content"] = {"application/json": {"schema": keys[(op.answer, "serialization")]}}
    elif op.status != 204:
        ok["content"] = {"application/json": {"schema": {"type": "object"}}}
    if op.links:
        ok["links"] = {name: {"operationId": target, "parameters": {"job_id": expression}}
                       for name, (target, expression) in op.links.items()}
    responses = {str(op.status): ok}
    for status in sorted({*op.errors, 403, 413}):
        responses[str(status)] = _error(ERROR_MEANINGS[status])
    responses["default"] = _error("Any other error (500: an unexpected one, logged by the server)")
    operation = {"operationId": op.operation_id, "summary": op.summary, "responses": responses}
    if parameters:
        operation["parameters"] = parameters
    if op.body is not None:
        operation["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": keys[(op.body, "validation")]}}}
    return operation


def _query_parameters(model: type[BaseModel]) -> list[dict]:
    schema = model.model_json_schema(ref_template=REF)
    required = set(schema.get("required", []))
    parameters = []
    for name, prop in schema["properties"].items():
        prop = {k: v for k, v in prop.items() if k != "title"}
        parameter = {"name": name, "in": "query", "required": name in required, "schema": prop}
        if "description" in prop:
            parameter["description"] = prop.pop("description")
        parameters.append(parameter)
    return parameters


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}}}


def main() -> None:  # pragma: no cover - exercised by `jlpm build:openapi` and its staleness test
    import json

    from .routes import ROUTES

    print(json.dumps(document(ROUTES), indent=2, sort_keys=True))


if __name__ == "__main__":  # pragma: no cover
    main()
