"""Runs of built images from the server, and what sharing a pushed one takes.

A run is a job of the build manager (:meth:`.builds.BuildManager.submit`): stored, followed
through its events (phases ``pull`` and ``run``, one progress event per cell), stopped with
``cancel``, marked interrupted (and its container removed) when the server restarts. Its
work is :func:`.share.running.run_notebook`, the core of ``jupyter containerize run``. The
executed notebook lands in ``RUNS_FOLDER/NOTEBOOK/TIMESTAMP/`` under the server root.

Parameters are read from the notebook inside the image (what runs), or from the notebook
file when the image is not on the engine (a registry image is pulled when the run starts),
and the request's typed values are checked against them before the run is accepted.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Any, Optional

from .analysis.notebook import parse_notebook, read_notebook
from .api_models import BuildState, NotebookParameters, RunJob, RunList, RunRequest, RunResult, Share, ShareRequest
from .builds import JOB_LABEL, BuildManager, JobContext
from .errors import (
    Cancelled,
    Conflict,
    ContainerizeError,
    EngineUnavailable,
    InvalidRequest,
    NotFound,
    PathOutsideRoot,
    RunFailed,
)
from .image.context import WORKDIR
from .paths import relative_to_root
from .share.parameters import check_values, read_parameters, runner_parameters
from .share.running import NOTEBOOK_LABEL, run_notebook
from .share.sharing import share_lines
from .store import RUN

RUNS_FOLDER = "runs"
_IMAGE_CACHE = 128


def runs_root(root: Path, folder: str) -> Path:
    """The runs folder ``folder`` (relative to ``root``) as an absolute path inside it."""
    text = (folder or "").strip()
    if not text or "\x00" in text:
        raise InvalidRequest("The runs folder is empty: give a folder relative to the server root, e.g. runs")
    if Path(text).is_absolute():
        raise InvalidRequest(f"The runs folder {text[:200]} must be relative to the server root")
    try:
        base = root.resolve()
        target = (base / text).resolve()
    except (OSError, RuntimeError, ValueError):
        raise InvalidRequest(f"The runs folder {text[:200]} cannot be used") from None
    if target != base and base not in target.parents:
        raise PathOutsideRoot(f"The runs folder {text[:200]} is outside the server root")
    if target.exists() and not target.is_dir():
        raise InvalidRequest(f"The runs folder {text[:200]} is a file")
    return target


def new_run_folder(base: Path, notebook: str, now: Optional[float] = None) -> Path:
    """``base/NOTEBOOK/TIMESTAMP/`` (local time, ``-2``... when taken), made empty."""
    parent = base / (PurePosixPath(notebook).stem or "notebook")
    parent.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y-%m-%d_%H-%M-%S", time.localtime(now))
    for n in range(1, 1000):
        folder = parent / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            continue
    raise Conflict(f"Too many runs of {notebook} in one second")


def _int(value: Any) -> Optional[int]:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _float(value: Any) -> Optional[float]:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


class RunService:
    def __init__(self, manager: BuildManager, *, runs_folder: str = RUNS_FOLDER):
        self.manager = manager
        self.runs_folder = runs_folder
        self._images: OrderedDict[str, tuple] = OrderedDict()  # image id -> (notebook label, cell, parameters)

    @property
    def root(self) -> Path:
        return self.manager.root

    # -- parameters ----------------------------------------------------------------------
    def _from_image(self, engine, image: str) -> tuple[str, Optional[int], list]:
        info = engine.inspect(image)
        if info.id in self._images:
            self._images.move_to_end(info.id)
            return self._images[info.id]
        label = info.labels.get(NOTEBOOK_LABEL)
        if not label:
            raise InvalidRequest(f"{image} was not built by jupyter-containerize (no {NOTEBOOK_LABEL} label)")
        raw = engine.read_file(image, f"{WORKDIR}/{label}")
        if raw is None:
            raise InvalidRequest(f"{image} does not hold its notebook {label}")
        found = (label, *read_parameters(parse_notebook(raw, PurePosixPath(label).name)))
        self._images[info.id] = found
        while len(self._images) > _IMAGE_CACHE:
            self._images.popitem(last=False)
        return found

    def parameters(self, notebook: Optional[Path], display: str, image: Optional[str]) -> NotebookParameters:
        """The parameters a run of ``image`` takes: from the notebook in the image when the
        engine has it, else from the notebook file; ``engine_problem`` when no engine answers."""
        engine, problem = self.manager.engine_factory(), None
        try:
            engine.ping()
        except EngineUnavailable as exc:
            problem = str(exc)
        if image and problem is None:
            try:
                label, cell, found = self._from_image(engine, image)
                return NotebookParameters(notebook=display, image=image, source="image", cell=cell,
                                          parameters=found, notebook_in_image=label)
            except NotFound:
                pass  # not pulled yet: the notebook file tells
            except EngineUnavailable as exc:
                problem = str(exc)
            except NotImplementedError:
                problem = f"{type(engine).__name__} cannot read images"
        if notebook is None:
            raise NotFound(f"No image {image} on the engine, and no notebook {display} to read its parameters from")
        cell, found = read_parameters(read_notebook(notebook))
        return NotebookParameters(notebook=display, image=image, source="notebook", cell=cell, parameters=found,
                                  engine_problem=problem)

    # -- runs ----------------------------------------------------------------------------
    def check(self, request: RunRequest, notebook: Path, display: str) -> Path:
        """Refuse a run that cannot start (a bad runs folder, no engine, parameters the
        notebook does not take); the runs folder to use. Blocking: call it off the loop."""
        base = runs_root(self.root, request.runs_folder or self.runs_folder)
        read_notebook(notebook)  # a malformed one is refused first, whatever the engine says
        form = self.parameters(notebook, display, request.image)
        if form.engine_problem:
            raise EngineUnavailable(f"{form.engine_problem}. The image can run where Docker runs: docker run --rm "
                                    f'-v "$PWD/out:/out" {request.image}, or on Kubernetes (see Share)')
        check_values(form.parameters, request.parameters, display)
        return base

    def start(self, request: RunRequest, notebook: Path, display: str, base: Path) -> RunJob:
        """Queue a checked run (on the server's event loop); the job as accepted."""
        job = RunJob(id=uuid.uuid4().hex[:12], notebook=display, request=request, image=request.image,
                     created=datetime.now(timezone.utc))
        return self.manager.submit(job, notebook, lambda context: self._run(context, base, notebook),
                                   waiting="Waiting for a run slot", started="Run started", noun="Run")

    def _run(self, context: JobContext, base: Path, notebook: Path) -> str:
        job: RunJob = context.job
        request = job.request
        folder = new_run_folder(base, notebook.name)
        job.folder = relative_to_root(self.root, folder)
        context.save()
        typed, raw = runner_parameters(request.parameters)
        try:
            outcome = run_notebook(self.manager.engine_factory(), request.image, folder, reporter=context.reporter,
                                   parameters=typed, raw=raw, cell_timeout=request.cell_timeout,
                                   timeout=request.timeout, stop=context.cancelled, labels={JOB_LABEL: job.id},
                                   pull_timeout=self.manager.settings.timeouts.push)
        except ContainerizeError:
            _remove_if_empty(folder)
            raise
        report = outcome.report
        job.result = RunResult(
            status=outcome.status, exit_code=outcome.exit_code, folder=job.folder,
            output=relative_to_root(self.root, outcome.executed) if outcome.executed else None,
            failed_cell=_int(report.get("failed_cell")), error=str(report.get("error") or "")[:2000] or None,
            cells=_int(report.get("cells")), duration_s=_float(report.get("duration_s")))
        context.save()
        if outcome.status == "succeeded":
            return f"Ran {outcome.notebook}: {job.result.output}"
        if outcome.status == "stopped" or context.cancelled.is_set():
            raise Cancelled("Run stopped")
        raise RunFailed(job.result.error or f"The run ended with exit status {outcome.exit_code}")

    def list(self, notebook: Optional[str], *, limit: int = 50, before: Optional[str] = None) -> RunList:
        runs, following = self.manager.page(notebook, limit=limit, before=before, kind=RUN)
        return RunList(runs=runs, next=following)

    # -- sharing -------------------------------------------------------------------------
    def share(self, build_id: str, request: ShareRequest) -> Share:
        """The lines that run a build's pushed image elsewhere, with ``request``'s values."""
        job = self.manager.get(build_id)
        if job.state != BuildState.succeeded or not job.result:
            raise Conflict(f"Build {build_id} is {job.state.value}: only a built and pushed image can be shared")
        if not job.result.digest:
            raise Conflict(f"The image of build {build_id} ({job.result.tag}) was not pushed: sharing needs a "
                           "registry (Settings > Containerize > Registry, e.g. ghcr.io/you) and a push")
        try:
            notebook: Optional[Path] = self.root / job.notebook
            if not notebook.is_file():
                notebook = None
        except (OSError, ValueError):
            notebook = None
        try:
            form = self.parameters(notebook, job.notebook, job.result.image_id)
        except NotFound:  # neither the image nor the notebook is here any more: no parameters to check
            form = NotebookParameters(notebook=job.notebook, source="notebook")
        check_values(form.parameters, request.parameters, job.notebook)
        in_image = form.notebook_in_image or PurePosixPath(job.notebook).name
        return share_lines(job.result.digest, in_image, request.parameters, cron=request.cron, name=request.name)


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass
