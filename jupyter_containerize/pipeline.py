"""The whole flow, one plain function per phase:
notebook -> analysis -> lock -> build context -> image.

The CLI and the server's build jobs both call :func:`containerize`; a ``Reporter`` receives
phases, log lines and progress, and ``cancelled`` stops the work between and inside phases.
"""

from __future__ import annotations

import dataclasses
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Protocol

from packaging.utils import canonicalize_name

from .analysis import KernelEnvironment, analyze_notebook, inspect_interpreter, interpreter_for_kernel
from .analysis.fingerprint import MAX_LABELLED_CELLS, cell_hashes, code_digest
from .analysis.notebook import kernel_name as read_kernel_name
from .analysis.notebook import notebook_bytes, parse_notebook, read_notebook
from .analysis.secrets import check_secrets
from .engine import BuildProgress, ContainerEngine
from .engine.base import PartialLoadRefused
from .errors import Cancelled, EngineUnavailable, InvalidRequest, NotebookNotFound, VerifyFailed
from .image.context import ContextSpec, context_stream, labels_for, write_context
from .image.dockerfile import check_text
from .image.envbuild import ensure_environment
from .image.fetch import Fetched, fetch_data
from .image.files import Layout, expand, layout
from .image.installed import InstalledWheels, compiler_for
from .image.installer import uv_binary
from .image.notebook_image import load_notebook_image
from .image.provenance import git_provenance
from .lock import Target, lock_digest, make_lock, render_lock
from .lock.wheelhouse import Wheelhouse
from .models import Analysis, BuildRequest, BuildResult, Lock, PackageEdits
from .settings import Settings
from .share.sbom import render_sbom
from .tags import default_tag, validate_image_reference


class Reporter(Protocol):
    def phase(self, name: str, message: str) -> None: ...
    def log(self, message: str) -> None: ...
    def progress(self, step: int, steps: int, percent: float, message: str) -> None: ...


def notebook_kernel_name(notebook: Path) -> str:
    """The kernel a notebook names in its metadata (``python3`` when it names none)."""
    return read_kernel_name(read_notebook(notebook), notebook.name)


def kernel_environment(notebook: Path, *, python: Optional[str] = None, kernel: Optional[str] = None,
                       kernel_spec_manager=None, cancelled: Optional[threading.Event] = None) -> KernelEnvironment:
    """The environment of the interpreter that runs the notebook's kernel."""
    if not notebook.is_file():
        raise NotebookNotFound(f"No notebook at {notebook}")
    if not python:
        name = kernel or notebook_kernel_name(notebook)
        python = interpreter_for_kernel(name, kernel_spec_manager)
    return inspect_interpreter(python, cancelled=cancelled)


def kernel_name(notebook: Path, *, python: Optional[str] = None, kernel: Optional[str] = None) -> Optional[str]:
    """The kernel whose interpreter runs the notebook (None when an interpreter is given)."""
    return None if python else (kernel or notebook_kernel_name(notebook))


def analyse(notebook: Path, environment: KernelEnvironment, root: Optional[Path] = None, *,
            kernel: Optional[str] = None) -> Analysis:
    analysis = analyze_notebook(notebook, environment, root=root)
    return analysis.model_copy(update={"kernel": kernel}) if kernel else analysis


def with_optional_marks(analysis: Analysis, marks: dict[str, bool]) -> Analysis:
    """The analysis with the user's optional/required marks (``PackageEdits.optional``)."""
    if not marks:
        return analysis
    marks = {canonicalize_name(name): optional for name, optional in marks.items()}
    requirements = [r.model_copy(update={"optional": marks[canonicalize_name(r.name)]})
                    if canonicalize_name(r.name) in marks else r for r in analysis.requirements]
    return analysis.model_copy(update={"requirements": requirements})


def without_files(analysis: Analysis, excluded: list[str]) -> Analysis:
    """The analysis without the local modules and data files the user unchecked."""
    if not excluded:
        return analysis
    out = {Path(p).as_posix().strip("/") for p in excluded}
    return analysis.model_copy(update={
        "local_modules": [m for m in analysis.local_modules if Path(m).as_posix() not in out],
        "data_files": [d for d in analysis.data_files if Path(d.path).as_posix() not in out],
    })


def image_tag(request: BuildRequest, settings: Settings, notebook: Path, digest: str) -> str:
    """The request's tag (``{notebook}``/``{lock}`` filled, its registry prefixed), else the
    server's template with the request's registry or the server's."""
    if request.tag:
        return default_tag(request.tag, notebook=notebook.stem, lock_digest=digest, registry=request.registry or "")
    registry = settings.registry if request.registry is None else request.registry
    return default_tag(settings.tag_template, notebook=notebook.stem, lock_digest=digest, registry=registry)


@dataclass(frozen=True)
class Output:
    name: str  # engine, registry or archive (see BuildRequest.output)
    reason: str


def check_request(request: BuildRequest, notebook: Path, settings: Settings, engine: ContainerEngine) -> Output:
    """What can be known wrong before a build starts, raised before it is accepted: a notebook
    name no Dockerfile can hold, a tag that cannot be made (a template, a registry, a name too
    long), and no way to make the image (EngineUnavailable, 503); else where it will go."""
    check_text(notebook.name, "The notebook's file name")
    template = request.tag or settings.tag_template
    registry = request.registry if request.tag or request.registry is not None else settings.registry
    sample = default_tag(template, notebook=notebook.stem, lock_digest="0" * 64, registry=registry or "")
    base = request.base_image or settings.base_image
    if base:
        validate_image_reference(base)
    return choose_output(request, sample, engine)


def _registry_of(tag: str) -> Optional[str]:
    """The registry a tag names explicitly (``host[:port]/...``), or None (Docker Hub by default)."""
    first, slash, _ = tag.partition("/")
    return first if slash and ("." in first or ":" in first or first == "localhost") else None


def choose_output(request: BuildRequest, tag: str, engine: ContainerEngine) -> Output:
    several = len(request.platforms) > 1
    if request.output == "engine" or (request.output is None and not several):
        try:
            engine.ping()
            return Output("engine", "a container engine answers")
        except EngineUnavailable as exc:
            if request.output == "engine":
                raise
            down = str(exc)
    else:
        down = ""
    if several and request.output == "engine":
        raise InvalidRequest("An engine builds one platform at a time: choose the registry or archive output "
                             "for several platforms")
    if request.output == "archive":
        if request.push:
            raise InvalidRequest("An archive is not pushed: choose the registry output to push")
        return Output("archive", "an OCI archive was asked for")
    registry = _registry_of(tag)
    if request.output == "registry" or registry:
        if not registry:
            raise InvalidRequest(f"The registry output needs a tag that names a registry (host[:port]/name), "
                                 f"not {tag}: set a registry")
        why = "asked for" if request.output == "registry" else (
            "several platforms" if several else "no container engine answers")
        return Output("registry", f"assembled here and pushed to {registry}: {why}")
    raise EngineUnavailable(f"{down or 'No container engine answers'}; without one, the image is assembled here "
                            "and pushed to a registry: set a registry (ContainerizeApp.registry, the sidebar's "
                            "Registry, --registry), or ask for an OCI archive (--output archive)")


def lock(analysis: Analysis, environment: KernelEnvironment, settings: Settings, *,
         platform: str = "linux/amd64", edits: Optional[PackageEdits] = None,
         cancelled: Optional[threading.Event] = None) -> Lock:
    analysis = with_optional_marks(analysis, edits.optional if edits else {})
    return make_lock(analysis, environment, platform=platform, edits=edits, cache_dir=settings.cache_dir,
                     cancelled=cancelled, timeouts=settings.timeouts, resolution_ttl=settings.resolution_ttl)


@dataclass
class PreparedContext:
    spec: ContextSpec
    directory: Optional[Path]  # where it was written, when it was
    digest: str


def image_files(notebook: Path, analysis: Analysis, root: Optional[Path]) -> Layout:
    """The local modules and data files the image takes (folders expanded, each file once),
    each inside ``root`` (default: the notebook's folder), laid out as on the host."""
    boundary = (root or notebook.parent).resolve()
    entries = [*analysis.local_modules, *(d.path for d in analysis.data_files)]
    return layout(notebook, expand(notebook.parent, boundary, entries).files)


def prepare_context(notebook: Path, analysis: Analysis, the_lock: Lock, settings: Settings,
                    directory: Optional[Path], *, python_version: str, root: Optional[Path] = None,
                    cancelled: Optional[threading.Event] = None,
                    on_download: Optional[Callable[[Path], None]] = None,
                    fetched: Optional[Fetched] = None) -> PreparedContext:
    """The build context, written in ``directory`` when given; ``on_download`` is told of each wheel
    downloaded, as soon as it is in the host cache (downloads run several at once); ``fetched``:
    what the notebook downloads, fetched at build time to ship in the image."""
    target = Target(the_lock.platform, python_version)
    wheels = Wheelhouse(settings.cache_dir / "wheels", index_cache=settings.cache_dir).wheels_for(
        the_lock, target, timeout=settings.timeouts.pip, cancelled=cancelled, on_download=on_download)
    placed = image_files(notebook, analysis, root)
    digest = lock_digest(the_lock)
    raw = notebook_bytes(notebook)  # read once: the image holds the notebook its labels describe
    content = parse_notebook(raw, notebook.name)
    cells = cell_hashes(content)
    spec = ContextSpec(
        notebook=notebook, base_image=settings.base_image_for(python_version),
        lock_text=render_lock(the_lock), lock_digest=digest, python_version=python_version,
        wheels=tuple(wheels), files=placed.files, files_root=(root or notebook.parent).resolve(),
        notebook_path=placed.notebook,
        system_packages=tuple(p.name for p in analysis.system_packages),
        sbom_json=render_sbom(the_lock, lock_digest=digest),
        uv=uv_binary(the_lock.platform),
        notebook_digest=code_digest(content),
        notebook_cells=tuple(cells) if len(cells) <= MAX_LABELLED_CELLS else (),
        fetched_urls=fetched.urls if fetched else (), nltk_data=fetched.nltk_data if fetched else None,
        notebook_bytes=raw,
        **git_provenance(notebook, timeout=settings.timeouts.git, cancelled=cancelled),
    )
    if directory is not None:
        write_context(spec, directory)
    return PreparedContext(spec, directory, digest)


def installed_wheels(settings: Settings, environment: KernelEnvironment, cancelled: threading.Event,
                     log: Optional[Callable[[str], None]] = None) -> InstalledWheels:
    """The host's installed-wheel cache for the kernel's Python: compiled by the kernel's
    interpreter (else one of its version, found when first needed), reusing the kernel's own
    compiled copies of identical sources."""
    minor = ".".join(environment.python_version.split(".")[:2])
    site = Path(environment.prefix, "lib", f"python{minor}", "site-packages")
    return InstalledWheels(settings.cache_dir / "installed", minor,
                           lambda: compiler_for(minor, environment.executable, cancelled=cancelled),
                           settings.timeouts.compile, cancelled, bytecode_from=(site,) if site.is_dir() else (),
                           log=log)


def _environment_image(engine: ContainerEngine, spec: ContextSpec, settings: Settings,
                       installed: InstalledWheels, reporter: Reporter, cancelled: threading.Event):
    """The tag of the lock's environment image (made when missing), or None when the engine
    can't load images: the self-contained context (as ``export`` writes) is built instead."""
    try:
        return ensure_environment(engine, spec, cache_dir=settings.cache_dir, compiler=None,
                                  on_progress=lambda item: reporter.log(item.message), log=reporter.log,
                                  cancelled=cancelled, compile_timeout=settings.timeouts.compile,
                                  installed=installed)
    except NotImplementedError as exc:  # PartialLoadRefused (Podman) too
        reporter.log(f"{exc}: the environment is installed inside the engine's build instead")
        return None


def _check(cancelled: threading.Event) -> None:
    if cancelled.is_set():
        raise Cancelled("The build was cancelled")


def containerize(
    request: BuildRequest,
    notebook: Path,
    *,
    root: Optional[Path],
    settings: Settings,
    engine: ContainerEngine,
    reporter: Reporter,
    cancelled: Optional[threading.Event] = None,
    kernel_spec_manager=None,
    archive: Optional[Path] = None,
) -> BuildResult:
    """The whole flow for the CLI: :func:`build_image`, then :func:`push_image` when asked."""
    cancelled = cancelled or threading.Event()
    result = build_image(request, notebook, root=root, settings=settings, engine=engine, reporter=reporter,
                         cancelled=cancelled, kernel_spec_manager=kernel_spec_manager, archive=archive)
    if request.push and result.output == "engine":  # the registry output is pushed already
        result = result.model_copy(update={"digest": push_image(engine, result.tag, reporter=reporter,
                                                                  cancelled=cancelled, timeout=settings.timeouts.push)})
    return result


def build_image(
    request: BuildRequest,
    notebook: Path,
    *,
    root: Optional[Path],
    settings: Settings,
    engine: ContainerEngine,
    reporter: Reporter,
    cancelled: Optional[threading.Event] = None,
    kernel_spec_manager=None,
    container_labels: Optional[dict[str, str]] = None,
    scratch: Optional[Path] = None,
    archive: Optional[Path] = None,
) -> BuildResult:
    """notebook -> analysis -> lock -> context -> image, verified when asked, made by the engine
    or, without one, assembled here and pushed to a registry (or written to ``archive``). The
    image is tagged only once it is built (and verified): a failed, cancelled or killed build
    never leaves its tag on an image that does not run, nor takes it from the previous good
    one. ``container_labels`` go on the verify container, so a server that restarts after
    being killed can find and remove it; the build context is written inside ``scratch``
    (default: the system's temporary folder) and removed at the end."""
    cancelled = cancelled or threading.Event()
    started = time.monotonic()
    output = check_request(request, notebook, settings, engine)

    reporter.phase("analyse", f"Analysing {notebook.name} with its kernel's environment")
    environment = kernel_environment(notebook, python=request.python, kernel=request.kernel,
                                     kernel_spec_manager=kernel_spec_manager, cancelled=cancelled)
    analysis = without_files(analyse(notebook, environment, root), request.exclude_files)
    for path in request.exclude_files:
        reporter.log(f"left out of the image: {path}")
    for warning in analysis.warnings:
        reporter.log(f"warning: {warning}")
    check_secrets(analysis, request.exclude_files, allow=request.allow_secrets, log=reporter.log)
    reporter.log(f"Python {environment.python_version}: "
                 + ", ".join(f"{r.name}=={r.version}" for r in analysis.requirements if r.version))
    _check(cancelled)

    platforms = request.platforms or [request.platform]
    reporter.phase("lock", f"Pinning the environment for {', '.join(platforms)}")
    locks = []
    for platform in platforms:
        locks.append(lock(analysis, environment, settings, platform=platform, edits=request.edits,
                          cancelled=cancelled))
        reporter.log(f"{len(locks[-1].packages)} packages locked for {platform}")
        _check(cancelled)

    tag = image_tag(request, settings, notebook, lock_digest(locks[0]))
    reporter.log(f"Output: {output.name}, {output.reason}")

    reporter.phase("context", "Fetching wheels and writing the build context")
    installed = installed_wheels(settings, environment, cancelled, reporter.log)
    with tempfile.TemporaryDirectory(prefix="containerize-context-", dir=scratch) as tmp:
        fetched = None
        if request.fetch_data:  # what the notebook downloads, into the image: it then runs offline
            fetched = fetch_data(analysis, environment.executable, Path(tmp) / "fetched",
                                 timeout=settings.timeouts.index, nltk_index=settings.nltk_index_url,
                                 cancelled=cancelled, log=reporter.log)
        # A wheel downloaded now installs as it arrives, while the others download; one the
        # cache had waits until the environment image needs it (the engine often has that image).
        try:
            prepared = [prepare_context(notebook, analysis, the_lock, settings, None,
                                        python_version=environment.python_version, root=root, cancelled=cancelled,
                                        on_download=installed.start, fetched=fetched)
                        for the_lock in locks]
            _check(cancelled)
            if output.name != "engine":
                from .oci.build import Target, build_on_host

                target = Target(output.name, output.reason, tag, archive or Path(tmp) / "image.tar")
                if output.name == "archive" and archive is None:
                    raise InvalidRequest("The archive output needs a file to write (-o FILE.tar)")
                result = build_on_host(list(zip(platforms, (p.spec for p in prepared))), target, settings=settings,
                                       reporter=reporter, cancelled=cancelled, engine=engine, verify=request.verify,
                                       installed=installed, created=request.created,
                                       container_labels=container_labels)
                return result.model_copy(update={"duration_s": round(time.monotonic() - started, 3)})
            image_id, spec = _engine_image(engine, prepared[0], tag, settings, installed, reporter, cancelled, tmp,
                                           created=request.created)
        finally:
            installed.close()
    if request.verify:
        try:
            verify_image(engine, image_id, spec, tag, reporter=reporter, cancelled=cancelled,
                         labels=container_labels)
        except (Cancelled, VerifyFailed):  # nothing names the image that does not run: drop it
            engine.discard(image_id)
            raise
    engine.tag(image_id, tag)
    reporter.log(f"Tagged {tag}")
    info = engine.inspect(image_id)
    return BuildResult(tag=tag, image_id=image_id, size=info.size, duration_s=round(time.monotonic() - started, 3),
                       output="engine", output_reason=output.reason, platforms=platforms,
                       verified=True if request.verify else None)


def _engine_image(engine: ContainerEngine, prepared: PreparedContext, tag: str, settings: Settings,
                  installed: InstalledWheels, reporter: Reporter, cancelled: threading.Event,
                  tmp: str, created: Optional[str] = None) -> tuple[str, ContextSpec]:
    """The notebook image made on the engine (untagged): the environment image, then the
    notebook's layers loaded onto it; a Dockerfile build where the engine loads only whole
    images (Podman). ``created``: the image's creation time (default: now)."""
    reporter.phase("build", f"Building {tag} from {prepared.spec.base_image}")
    created = created or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    reporter.progress(1, 2, 0.0, "Step 1/2: the environment image")
    env_tag = _environment_image(engine, prepared.spec, settings, installed, reporter, cancelled)
    if env_tag is not None:
        reporter.progress(2, 2, 50.0, f"Step 2/2: the notebook's layers onto {env_tag}")
        try:
            return load_notebook_image(engine, prepared.spec, env_tag, cache_dir=settings.cache_dir, previous=tag,
                                       created=created, cancelled=cancelled, log=reporter.log), prepared.spec
        except PartialLoadRefused as exc:
            reporter.log(f"{exc}: the notebook image is built from a Dockerfile instead")

    def on_progress(item: BuildProgress) -> None:
        if item.step and item.steps:
            reporter.progress(item.step, item.steps, 100.0 * (item.step - 1) / item.steps, item.message)
        else:
            reporter.log(item.message)

    spec = prepared.spec if env_tag is None else dataclasses.replace(prepared.spec, env_image=env_tag)
    directory = write_context(spec, Path(tmp) / "notebook-image")
    image_id = engine.build(context_stream(directory), None, labels={"org.opencontainers.image.created": created},
                            on_progress=on_progress, cancelled=cancelled)
    return image_id, prepared.spec


def verify_image(engine: ContainerEngine, image_id: str, spec: ContextSpec, tag: str, *, reporter: Reporter,
                 cancelled: threading.Event, labels: Optional[dict[str, str]] = None) -> None:
    """Run the notebook headless in the new image (its own entrypoint, a fresh /out); a
    notebook that does not run fails the build with the failing cell and its error."""
    name = spec.notebook.name
    reporter.phase("verify", f"Running {name} headless in the new image ({tag})")
    outcome = engine.run_once(image_id, on_output=reporter.log, cancelled=cancelled, labels=labels)
    if outcome.exit_code != 0:
        lines = [ln for ln in outcome.stderr.splitlines() if ln.strip()]
        cause = next((ln for ln in reversed(lines) if " failed: " in ln), lines[-1] if lines else "")
        raise VerifyFailed(f"The new image of {name} does not run it (exit status {outcome.exit_code}): "
                           f"{cause or 'no output'}; {tag} is left as it was")
    reporter.log(f"{name} ran to the end in the new image")


def push_image(engine: ContainerEngine, tag: str, *, reporter: Reporter, cancelled: threading.Event,
               timeout: Optional[float] = None) -> str:
    """Push ``tag`` with the Docker configuration's credentials; return its digest reference.
    A push that takes longer than ``timeout`` seconds is stopped (TimedOut)."""
    reporter.phase("push", f"Pushing {tag}")
    digest = engine.push(tag, on_progress=lambda item: reporter.log(item.message), cancelled=cancelled,
                         timeout=timeout)
    reporter.log(f"Pushed {digest}")
    return digest


__all__ = ["Reporter", "containerize", "build_image", "verify_image", "push_image", "kernel_environment", "analyse",
           "lock", "prepare_context",
           "notebook_kernel_name", "labels_for"]
