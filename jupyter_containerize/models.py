"""The one source of truth for the data that crosses a boundary.

Every step of the flow (notebook -> analysis -> lock -> build context -> image -> run)
returns one of these models; the REST API and the CLI serialise them as they are, and the
frontend's TypeScript types are generated from their JSON schema
(``python -m jupyter_containerize.models``).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator

from .errors import InvalidTag
from .specs import check_name, check_spec
from .tags import validate_image_reference


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)


# ---------------------------------------------------------------------------------------
# Analysis: what a notebook needs


class PythonInfo(Model):
    version: str = Field(description="The kernel interpreter's version, e.g. 3.11.7")
    executable: str = Field(description="Path of the kernel's interpreter")


ImportKind = Literal["third-party", "stdlib", "local"]
ImportSource = Literal["kernel", "alias", "magic", "implied", "guess"]


class ImportRecord(Model):
    module: str
    cell: int = Field(description="1-based index among the notebook's cells")
    line: int = Field(description="1-based line in the cell")
    optional: bool = False
    kind: ImportKind
    distribution: Optional[str] = None
    source: Optional[ImportSource] = None


class Requirement(Model):
    name: str = Field(description="PEP 503 normalised distribution name")
    version: Optional[str] = Field(
        default=None, description="The kernel's installed version, null when it lacks it"
    )
    source: str = Field(description="kernel, alias, magic, implied, guess or user")
    reasons: list[str] = Field(default_factory=list)
    optional: bool = False
    specifier: Optional[str] = Field(
        default=None,
        description="PEP 508 requirement as a %pip line wrote it (e.g. 'pandas<2', 'transformers[torch]')",
    )


class SystemPackage(Model):
    name: str = Field(description="Debian package name")
    reasons: list[str] = Field(default_factory=list)


class DataFile(Model):
    path: str = Field(description="Path relative to the notebook's directory")
    size: int
    large: bool = False


class NetworkUse(Model):
    """Something the notebook fetches from the network when it runs (the image may have none)."""

    cell: int = Field(description="1-based among all the notebook's cells")
    line: int = Field(description="Line within the cell")
    call: str = Field(description="What fetches: 'pandas.read_csv', 'nltk.download', '!wget'...")
    kind: Literal["url", "download", "dataset", "nltk", "shell"] = Field(
        description="url: a read of a literal URL; download: an HTTP client with a URL known only at run time; "
        "dataset: a loader that downloads (sklearn.datasets.fetch_*, seaborn.load_dataset...); nltk: "
        "nltk.download(...) data; shell: !wget/!curl")
    url: Optional[str] = Field(default=None, description="The URL, when it is written in the code")
    resource: Optional[str] = Field(default=None, description="What a loader fetches (a dataset or nltk package)")
    fetchable: bool = Field(default=False, description="It can be fetched at build time into the image "
                            "(a build with fetch_data), so the image runs without the network")


class SecretFinding(Model):
    """A possible credential in what the image ships (never its value nor its line's text)."""

    path: str = Field(description="The notebook (as `Analysis.notebook`) or a file as the analysis lists it")
    cell: Optional[int] = Field(default=None, description="1-based index among the notebook's cells (null: a file)")
    output: bool = Field(default=False, description="Found in the cell's output, not in its source")
    line: int = Field(description="1-based line in the cell's source or output, or in the file")
    kind: str = Field(description="The detector's name for it, e.g. 'AWS Access Key', 'Secret Keyword'")


class Analysis(Model):
    notebook: str
    python: PythonInfo
    imports: list[ImportRecord] = Field(default_factory=list)
    requirements: list[Requirement] = Field(default_factory=list)
    system_packages: list[SystemPackage] = Field(default_factory=list)
    local_modules: list[str] = Field(default_factory=list)
    local_module_sizes: dict[str, int] = Field(
        default_factory=dict,
        description="Bytes copied into the image for each local module (a package: all its files)",
    )
    data_files: list[DataFile] = Field(default_factory=list)
    network: list[NetworkUse] = Field(
        default_factory=list,
        description="What the notebook needs the network for at run time (URL reads, downloads, dataset loaders)",
    )
    warnings: list[str] = Field(default_factory=list)
    secrets: list[SecretFinding] = Field(
        default_factory=list,
        description="Possible credentials in the notebook, its local modules and data files: a build refuses "
        "them unless the request allows them or leaves their files out",
    )
    kernel: Optional[str] = Field(
        default=None, description="Name of the kernel whose interpreter was inspected (null: one given by path)"
    )


# ---------------------------------------------------------------------------------------
# User edits applied before locking


class PackageEdits(Model):
    add: list[str] = Field(default_factory=list, max_length=200,
                           description="Requirement specs by name, e.g. 'rich==13.7.1' (no pip options, no URLs)")
    remove: list[str] = Field(default_factory=list, max_length=500, description="Distribution names")
    optional: dict[str, bool] = Field(
        default_factory=dict,
        description="Distribution name -> optional (left out when the kernel lacks it) or required, over the analysis",
    )

    @field_validator("add")
    @classmethod
    def _specs(cls, specs: list[str]) -> list[str]:
        return [check_spec(spec) for spec in specs]

    @field_validator("remove")
    @classmethod
    def _names(cls, names: list[str]) -> list[str]:
        return [check_name(name) for name in names]

    @field_validator("optional")
    @classmethod
    def _marks(cls, marks: dict[str, bool]) -> dict[str, bool]:
        return {check_name(name): value for name, value in marks.items()}


# ---------------------------------------------------------------------------------------
# Lock: the pinned environment for a target platform

PackageGroup = Literal["notebook", "runner"]


class LockedPackage(Model):
    name: str
    version: str
    group: PackageGroup = "notebook"
    source: str = Field(description="kernel (its installed version), resolver or user")
    reasons: list[str] = Field(default_factory=list)
    hashes: list[str] = Field(default_factory=list, description="sha256:... of the locked artifacts")
    wheel: Optional[str] = Field(
        default=None, description="File name of a wheel built on the host and shipped in the build context"
    )
    origin: Optional[str] = Field(
        default=None,
        description="Where a non-index package comes from: 'name @ git+URL@COMMIT', 'editable', 'directory', "
        "'wheel file', 'sdist', 'conda'",
    )


class Lock(Model):
    notebook: str
    python_version: str = Field(description="major.minor of the target interpreter")
    platform: str = Field(description="e.g. linux/amd64")
    packages: list[LockedPackage] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)


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


Phase = Literal["analyse", "lock", "context", "build", "verify", "push"]
Platform = Literal["linux/amd64", "linux/arm64"]
Output = Literal["engine", "registry", "archive"]
PLATFORMS: tuple[str, ...] = ("linux/amd64", "linux/arm64")
PHASES: tuple[str, ...] = ("analyse", "lock", "context", "build", "verify", "push")


class BuildRequest(Model):
    path: str = Field(description="Notebook path relative to the server root (or absolute in the CLI)")
    tag: Optional[str] = Field(
        default=None, description="Image reference; {notebook} and {lock} (the lock's hash) are filled in"
    )
    base_image: Optional[str] = Field(default=None, max_length=512,
                                      description="Image reference [registry/]name[:tag][@sha256:...]")
    python: Optional[str] = Field(default=None, description="Interpreter overriding the kernel's")
    kernel: Optional[str] = Field(default=None, pattern=r"^[A-Za-z0-9._-]{1,255}$",
                                  description="Kernel name overriding the notebook's")
    platform: Platform = "linux/amd64"
    platforms: list[Platform] = Field(
        default_factory=list, max_length=2,
        description="Several platforms at once (an image index; registry and archive outputs); overrides platform",
    )
    output: Optional[Output] = Field(
        default=None,
        description="engine: built by the container engine; registry: assembled here and pushed (no engine "
                    "needed); archive: assembled here and written as an OCI archive; null: the engine when one "
                    "answers, else the registry when the tag names one",
    )
    created: Optional[str] = Field(
        default=None, pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$",
        description="The image's creation time (a build input: the same inputs give the same digest); "
                    "default: SOURCE_DATE_EPOCH, else 1970-01-01T00:00:00Z (registry and archive outputs)",
    )
    push: bool = False
    verify: bool = False
    edits: PackageEdits = Field(default_factory=PackageEdits)
    registry: Optional[str] = Field(
        default=None, max_length=255,
        description="Registry prefixed to the tag (null: the server's, for its own template only)",
    )
    exclude_files: list[str] = Field(
        default_factory=list, max_length=10000,
        description="Local modules and data files (paths as the analysis lists them) left out of the build context",
    )
    allow_secrets: bool = Field(
        default=False,
        description="Build even when the analysis finds possible credentials in what the image ships",
    )
    fetch_data: bool = Field(
        default=False,
        description="Fetch what the notebook downloads from URLs written in its code (and its nltk data) at "
        "build time into the image, which then serves them without the network",
    )

    @field_validator("base_image")
    @classmethod
    def _base_image(cls, reference: Optional[str]) -> Optional[str]:
        try:
            return validate_image_reference(reference) if reference else None
        except InvalidTag as exc:
            raise ValueError(str(exc)) from None


class BuildError(Model):
    phase: Optional[str] = None
    message: str
    log_tail: list[str] = Field(default_factory=list)


class BuildResult(Model):
    tag: str
    image_id: str
    size: int = Field(description="Image size in bytes")
    duration_s: float
    digest: Optional[str] = Field(default=None, description="repository@sha256:... once pushed")
    output: Output = Field(default="engine", description="What made the image (see BuildRequest.output)")
    output_reason: str = Field(default="", description="Why that output was used")
    platforms: list[str] = Field(default_factory=lambda: ["linux/amd64"])
    verified: Optional[bool] = Field(
        default=None, description="True: the notebook ran in the image; false: verify was asked but could not run "
                                  "here (no engine); null: not asked")
    archive: Optional[str] = Field(default=None, description="The OCI archive written (archive output)")
    uploaded: list[str] = Field(default_factory=list,
                                description="Digests of the blobs a registry push sent (others were there already)")


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
