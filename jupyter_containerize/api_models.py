"""The server's REST API beyond the pipeline's data (``models.py``): build and run jobs with
their events and pages, sharing, the images and cache, staleness, query parameters, the
server's info, and what an image holds. ``python -m jupyter_containerize.api_models``
prints the JSON schema of every public model, from which the frontend's TypeScript types
are generated.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator

from .errors import InvalidTag
from .models import Analysis, BuildError, BuildRequest, BuildResult, Lock, Model, PackageEdits
from .tags import validate_image_reference

# ---------------------------------------------------------------------------------------
# Builds: a job, its progress events


class BuildState(str, enum.Enum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"
    interrupted = "interrupted"

    @property
    def finished(self) -> bool:
        return self not in (BuildState.queued, BuildState.running)



class BuildJob(Model):
    id: str
    notebook: str
    request: BuildRequest
    tag: Optional[str] = None
    state: BuildState = BuildState.queued
    phase: Optional[str] = None
    created: datetime
    started: Optional[datetime] = None
    finished: Optional[datetime] = None
    result: Optional[BuildResult] = None
    error: Optional[BuildError] = None


EventKind = Literal["phase", "progress", "log", "state", "keepalive"]


class BuildEvent(Model):
    seq: int = Field(description="0-based position in the job's event stream")
    time: datetime
    kind: EventKind
    phase: Optional[str] = None
    message: str = ""
    step: Optional[int] = None
    steps: Optional[int] = None
    percent: Optional[float] = None
    state: Optional[BuildState] = None


class EventPage(Model):
    events: list[BuildEvent]
    next: int = Field(description="The `since` to ask for next")
    done: bool = Field(description="True when the job has finished and no event follows")


class BuildList(Model):
    builds: list[BuildJob] = Field(description="Newest first, at most `limit`")
    next: Optional[str] = Field(
        default=None, description="The `before` to ask for the next (older) page; null on the last page"
    )


# ---------------------------------------------------------------------------------------
# Runs: an image executing its notebook on the engine, as a job with events (like a build)

ParameterType = Literal["str", "int", "float", "bool", "list", "dict"]
RunPhase = Literal["pull", "run"]


class NotebookParameter(Model):
    """One assignment of the notebook's cell tagged ``parameters``, read as papermill reads it."""

    name: str
    type: Optional[ParameterType] = Field(
        default=None, description="From the annotation, else the literal default's type; null: any value "
        "(a default of None or an expression), typed as papermill types `-p` values")
    default: str = Field(description="The default as written in the cell, e.g. '\"all\"' or '0.5'")
    value: JsonValue = Field(default=None, description="The default's value when it is a literal (else null)")
    help: str = Field(default="", description="The comment at the end of the line")


class NotebookParameters(Model):
    notebook: str = Field(description="Notebook path relative to the server root")
    image: Optional[str] = Field(default=None, description="The image whose notebook was read (null: the file)")
    source: Literal["image", "notebook"] = Field(
        description="Where the parameters were read: the notebook inside the image (what runs), or the file "
        "in the server root when the image is not on the engine")
    cell: Optional[int] = Field(default=None, description="1-based index of the cell tagged `parameters`")
    parameters: list[NotebookParameter] = Field(default_factory=list)
    notebook_in_image: Optional[str] = Field(
        default=None, description="The notebook's path in the image's working folder (its label)")
    engine_problem: Optional[str] = Field(
        default=None, description="Why no container engine answers (null: one does): the image cannot run here")


class RunRequest(Model):
    path: str = Field(description="Notebook path relative to the server root (the run lands in its runs folder)")
    image: str = Field(max_length=512, description="The image to run: a tag or repository@sha256:...; an image "
                       "not on the engine is pulled first")
    parameters: dict[str, JsonValue] = Field(
        default_factory=dict, description="Parameter name -> typed value (string, number, boolean, null, list, "
        "object), checked against the notebook's parameters cell")
    runs_folder: Optional[str] = Field(
        default=None, max_length=1024,
        description="Folder under the server root for runs (null: the server's runs_folder); the run lands in "
        "FOLDER/NOTEBOOK/TIMESTAMP/")
    cell_timeout: Optional[float] = Field(default=None, gt=0, allow_inf_nan=False, description="Seconds per cell")
    timeout: Optional[float] = Field(default=None, gt=0, allow_inf_nan=False, description="Seconds for the whole run")

    @field_validator("image")
    @classmethod
    def _image(cls, reference: str) -> str:
        try:
            return validate_image_reference(reference)
        except InvalidTag as exc:
            raise ValueError(str(exc)) from None


class RunResult(Model):
    status: Literal["succeeded", "failed", "stopped"]
    exit_code: int
    folder: str = Field(description="The run's folder, relative to the server root")
    output: Optional[str] = Field(default=None, description="The executed notebook, relative to the server root")
    failed_cell: Optional[int] = Field(
        default=None, description="1-based index of the failing cell in the executed notebook")
    error: Optional[str] = None
    cells: Optional[int] = Field(default=None, description="Code cells of the notebook")
    duration_s: Optional[float] = None


class RunJob(Model):
    id: str
    notebook: str
    request: RunRequest
    image: str
    state: BuildState = BuildState.queued
    phase: Optional[RunPhase] = None
    created: datetime
    started: Optional[datetime] = None
    finished: Optional[datetime] = None
    folder: Optional[str] = Field(default=None, description="The run's folder (once it started)")
    result: Optional[RunResult] = None
    error: Optional[BuildError] = None


class RunList(Model):
    runs: list[RunJob] = Field(description="Newest first, at most `limit`")
    next: Optional[str] = Field(default=None, description="The `before` of the next (older) page; null on the last")


# ---------------------------------------------------------------------------------------
# Sharing a pushed image


class ShareRequest(Model):
    parameters: dict[str, JsonValue] = Field(default_factory=dict, description="Parameter values for the lines")
    cron: Optional[str] = Field(default=None, max_length=200, description="Schedule of the Kubernetes CronJob")
    name: Optional[str] = Field(default=None, max_length=63, description="CronJob name (default: the notebook's)")


class Share(Model):
    reference: str = Field(description="The digest-pinned reference, repository@sha256:...")
    pull: str
    docker_run: str
    containerize_run: str
    cronjob: Optional[str] = Field(default=None, description="Kubernetes CronJob YAML (null without a cron)")


# ---------------------------------------------------------------------------------------
# Images this server built, and the build cache


class ImageEntry(Model):
    build: str = Field(description="The id of the build that made the image")
    notebook: str
    notebook_exists: bool
    tag: str
    image_id: str
    size: int
    created: datetime = Field(description="When the build finished")
    digest: Optional[str] = Field(default=None, description="repository@sha256:... once pushed")
    present: bool = Field(description="The image is still on the engine")
    tagged: bool = Field(description="The tag still names this image (false: a newer build took it)")


class ImageList(Model):
    images: list[ImageEntry] = Field(description="Newest first, at most `limit`")
    next: Optional[str] = Field(default=None, description="The `before` of the next (older) page; null on the last")


class CacheUsage(Model):
    host_bytes: int = Field(description="Bytes of the host cache folders (wheels, installed packages, resolutions...)")
    host_folders: dict[str, int] = Field(default_factory=dict, description="Bytes per folder of the host cache")
    environment_images: int = Field(description="Environment images (and prepared bases) on the engine")
    environment_bytes: int = Field(description="Bytes of their own layers")


class PruneResult(Model):
    freed_bytes: int = Field(description="Engine and host bytes freed")
    engine_bytes: int
    host_bytes: int
    removed_images: list[str] = Field(default_factory=list, description="Tags or ids of the images removed")
    removed_files: int = Field(description="Host cache entries removed")


# ---------------------------------------------------------------------------------------
# Is the newest image of a notebook stale?

ChangeKind = Literal["package", "python", "cell", "image", "lock"]


class StaleChange(Model):
    kind: ChangeKind
    change: Literal["changed", "added", "removed", "edited", "missing", "unknown"]
    name: Optional[str] = Field(default=None, description="A package's name")
    before: Optional[str] = None
    after: Optional[str] = None
    cell: Optional[int] = Field(default=None, description="1-based cell index (in the notebook now; removed: in the image)")


class Staleness(Model):
    notebook: str
    build: Optional[str] = Field(default=None, description="The build of the newest image (null: none built)")
    image: Optional[str] = None
    built: Optional[datetime] = None
    stale: bool
    changes: list[StaleChange] = Field(default_factory=list)
    summary: str = Field(default="", description="The changes in words, e.g. 'pandas 2.2.3 -> 2.3.1 in the "
                         "kernel; cell 4 edited'")
    problem: Optional[str] = Field(default=None, description="Why the kernel side could not be compared")


# ---------------------------------------------------------------------------------------
# Query parameters of the REST API (unknown ones, like a token, are ignored)

JOB_ID_PATTERN = r"^[0-9a-f]{12}$"
SQLITE_INTEGER_MAX = 2**63 - 1
MAX_PAGE_SIZE = 500


class Query(BaseModel):
    model_config = ConfigDict(extra="ignore")


class AnalysisQuery(Query):
    path: str = Field(default="", description="Notebook path relative to the server root")
    kernel: Optional[str] = Field(default=None, description="Kernel name overriding the notebook's")


class BuildListQuery(Query):
    path: Optional[str] = Field(default=None, description="Only the builds of this notebook")
    limit: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE, description="Builds in one page")
    before: Optional[str] = Field(
        default=None, pattern=JOB_ID_PATTERN, description="A job id: the page of builds older than it (`next`)"
    )


class EventsQuery(Query):
    since: int = Field(default=0, ge=0, le=SQLITE_INTEGER_MAX, description="The first `seq` to return")
    timeout: float = Field(
        default=15.0, allow_inf_nan=False, description="Seconds to wait for an event (clamped to 0..30)"
    )


class RunListQuery(Query):
    path: Optional[str] = Field(default=None, description="Only the runs of this notebook")
    limit: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE, description="Runs in one page")
    before: Optional[str] = Field(
        default=None, pattern=JOB_ID_PATTERN, description="A job id: the page of runs older than it (`next`)"
    )


class ImageListQuery(Query):
    limit: int = Field(default=50, ge=1, le=MAX_PAGE_SIZE, description="Images in one page")
    before: Optional[str] = Field(
        default=None, pattern=JOB_ID_PATTERN, description="A build id: the page of images older than it (`next`)"
    )


class ParametersQuery(Query):
    path: str = Field(default="", description="Notebook path relative to the server root")
    image: Optional[str] = Field(default=None, max_length=512,
                                 description="Read the notebook inside this image when it is on the engine")


class NotebookQuery(Query):
    path: str = Field(default="", description="Notebook path relative to the server root")


class ServerInfo(Model):
    version: str
    base_image_template: str
    tag_template: str
    phases: list[str]
    registry: str = Field(default="", description="Registry prefixed to the server's default tags")
    max_concurrent_builds: int = Field(default=1, description="Builds that run at once; the rest queue")
    runs_folder: str = Field(default="runs", description="Folder under the server root where runs land")


# ---------------------------------------------------------------------------------------
# Sharing: what an image holds (``jupyter containerize inspect``)


class ImagePackage(Model):
    name: str
    version: str
    group: Optional[str] = Field(default=None, description="notebook or runner")


class ImageDescription(Model):
    image: str
    id: str
    tags: list[str] = Field(default_factory=list)
    size: int
    notebook: str
    python_version: Optional[str] = None
    created: Optional[str] = None
    lock_digest: Optional[str] = None
    built_with: Optional[str] = Field(default=None, description="jupyter-containerize version")
    base_image: Optional[str] = None
    sbom_path: Optional[str] = Field(default=None, description="CycloneDX JSON inside the image")
    lock_path: Optional[str] = None
    packages: list[ImagePackage] = Field(default_factory=list)
    labels: dict[str, str] = Field(default_factory=dict)


SCHEMA_MODELS = (
    Analysis,
    Lock,
    BuildRequest,
    BuildJob,
    BuildEvent,
    EventPage,
    BuildList,
    ServerInfo,
    PackageEdits,
    NotebookParameters,
    RunRequest,
    RunJob,
    RunList,
    ShareRequest,
    Share,
    ImageList,
    CacheUsage,
    PruneResult,
    Staleness,
)


def json_schema() -> dict:
    """One JSON schema document holding every public model under ``$defs``."""
    from pydantic.json_schema import models_json_schema

    _, schema = models_json_schema(
        [(model, "serialization") for model in SCHEMA_MODELS],
        title="jupyter-containerize API",
    )
    return schema


if __name__ == "__main__":  # pragma: no cover - exercised by `jlpm build:schema`
    import json

    print(json.dumps(json_schema(), indent=2, sort_keys=True))
