"""The pipeline's data: what a notebook needs (analysis), the user's edits, the lock, and a
build's request and result.

Every step of the flow (notebook -> analysis -> lock -> build context -> image) returns one
of these models; the REST API and the CLI serialise them as they are. What only the server
speaks of (jobs, events, pages, runs, sharing, images, query parameters) is in
``api_models.py``, so that a CLI build does not create those classes. The frontend's
TypeScript types are generated from the JSON schema of both
(``python -m jupyter_containerize.api_models``).
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

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
# Builds: what is asked, what comes out


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
