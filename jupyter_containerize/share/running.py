"""Run an image built by this extension on the engine: parameters, output folder, stop.

:func:`run_notebook` is the whole run as the CLI (``jupyter containerize run``) and the
server's run jobs (:mod:`..runs`) do it: pull the image when the engine lacks it, run it,
turn the runner's ``[i/n] cell k: ...`` lines into progress, and read what happened from
the executed notebook's ``metadata.containerize``.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable, Optional, Protocol, Sequence

from ..engine import ContainerEngine
from ..errors import InvalidRequest, NotFound, PullFailed

NOTEBOOK_LABEL = "io.jupyter.containerize.notebook"
EXIT_STOPPED = 143
_CELL_LINE = re.compile(r"^\[(\d+)/(\d+)\] cell (\d+):")


class RunReporter(Protocol):
    def phase(self, name: str, message: str) -> None: ...
    def log(self, message: str) -> None: ...
    def progress(self, step: int, steps: int, percent: float, message: str) -> None: ...


@dataclass
class RunOutcome:
    exit_code: int
    notebook: str  # the notebook's path in the image
    executed: Optional[Path]  # the executed notebook in the output folder (None: the runner wrote none)
    report: dict = field(default_factory=dict)  # its metadata.containerize

    @property
    def status(self) -> str:
        if self.exit_code == 0:
            return "succeeded"
        return "stopped" if self.exit_code == EXIT_STOPPED or self.report.get("status") == "stopped" else "failed"


def cell_progress(line: str) -> Optional[tuple[int, int]]:
    """(step, steps) of a runner line ``[step/steps] cell N: ...``, else None."""
    match = _CELL_LINE.match(line)
    return (int(match.group(1)), int(match.group(2))) if match else None


def notebook_of(engine: ContainerEngine, image: str) -> str:
    """The notebook an image runs (its label); InvalidRequest for an image not built here."""
    notebook = engine.inspect(image).labels.get(NOTEBOOK_LABEL)
    if not notebook:
        raise InvalidRequest(f"{image} was not built by jupyter-containerize (no {NOTEBOOK_LABEL} label)")
    return notebook


def ensure_image(engine: ContainerEngine, image: str, *, reporter: RunReporter, cancelled: threading.Event,
                 timeout: Optional[float] = None) -> bool:
    """Pull ``image`` when the engine lacks it (phase ``pull``); True when it was pulled."""
    try:
        engine.inspect(image)
        return False
    except NotFound:
        pass
    reporter.phase("pull", f"Pulling {image}")
    try:
        engine.pull(image, on_progress=lambda item: reporter.log(item.message), cancelled=cancelled,
                    timeout=timeout)
    except PullFailed as exc:
        raise PullFailed(f"No image {image} on the engine, and pulling it failed: {exc}") from None
    reporter.log(f"Pulled {image}")
    return True


def run_notebook(engine: ContainerEngine, image: str, output: Path, *, reporter: RunReporter,
                 parameters: Sequence[tuple[str, str]] = (), raw: Sequence[tuple[str, str]] = (),
                 html: bool = False, cell_timeout: Optional[float] = None, timeout: Optional[float] = None,
                 stop: Optional[threading.Event] = None, labels: Optional[dict[str, str]] = None,
                 pull_timeout: Optional[float] = None) -> RunOutcome:
    """Pull (when missing), then run ``image``'s notebook into ``output``; each runner line
    reaches ``reporter`` (cell lines as progress). ``stop`` stops it: the runner still
    writes the executed notebook, and the outcome says ``stopped``."""
    stop = stop or threading.Event()
    engine.ping()
    ensure_image(engine, image, reporter=reporter, cancelled=stop, timeout=pull_timeout)
    notebook = notebook_of(engine, image)
    reporter.phase("run", f"Running {notebook} in {image}")

    def on_output(line: str) -> None:
        step = cell_progress(line)
        if step:
            reporter.progress(step[0], step[1], 100.0 * (step[0] - 1) / step[1], line)
        else:
            reporter.log(line)

    output.mkdir(parents=True, exist_ok=True)
    args = runner_args(notebook, parameters, html=html, cell_timeout=cell_timeout, timeout=timeout, raw=raw)
    status = engine.run(image, args, output=output, on_output=on_output, stop=stop, labels=labels)
    executed = output / PurePosixPath(notebook).name
    report: dict = {}
    if executed.is_file():
        try:
            report = json.loads(executed.read_text(encoding="utf-8")).get("metadata", {}).get("containerize") or {}
        except (OSError, ValueError, AttributeError):
            report = {}
    return RunOutcome(status, notebook, executed if executed.is_file() else None,
                      report if isinstance(report, dict) else {})


def runner_args(notebook: str, parameters: Sequence[tuple[str, str]] = (), *, html: bool = False,
                cell_timeout: Optional[float] = None, timeout: Optional[float] = None,
                raw: Sequence[tuple[str, str]] = ()) -> list[str]:
    """The arguments after the image's entrypoint (``run.py --output /out``): ``parameters``
    typed by the runner (``-p``), ``raw`` ones kept as text (``-r``)."""
    args = [notebook]
    for flag, pairs in (("-p", parameters), ("-r", raw)):
        for name, value in pairs:
            if not name.isidentifier():
                raise InvalidRequest(f"Parameter name {name!r} is not a Python identifier")
            args += [flag, name, str(value)]
    if cell_timeout:
        args += ["--cell-timeout", f"{cell_timeout:g}"]
    if timeout:
        args += ["--timeout", f"{timeout:g}"]
    if html:
        args.append("--html")
    return args


class _Silent:
    def phase(self, name: str, message: str) -> None:
        pass

    def log(self, message: str) -> None:
        pass

    def progress(self, step: int, steps: int, percent: float, message: str) -> None:
        pass


def local_image(engine: ContainerEngine, image: str, cancelled: Optional[threading.Event] = None):
    """The engine's image ``image`` (pulled first when the engine lacks it: an image built
    without the engine lives only in its registry)."""
    ensure_image(engine, image, reporter=_Silent(), cancelled=cancelled or threading.Event())
    return engine.inspect(image)


def run_image(engine: ContainerEngine, image: str, output: Path, *,
              parameters: Sequence[tuple[str, str]] = (), html: bool = False,
              cell_timeout: Optional[float] = None, timeout: Optional[float] = None,
              on_output: Callable[[str], None] = lambda line: None,
              stop: Optional[threading.Event] = None, labels: Optional[dict[str, str]] = None) -> int:
    engine.ping()
    info = local_image(engine, image)
    notebook = info.labels.get(NOTEBOOK_LABEL)
    if not notebook:
        raise InvalidRequest(f"{image} was not built by jupyter-containerize (no {NOTEBOOK_LABEL} label)")
    output.mkdir(parents=True, exist_ok=True)
    args = runner_args(notebook, parameters, html=html, cell_timeout=cell_timeout, timeout=timeout)
    return engine.run(image, args, output=output, on_output=on_output, stop=stop, labels=labels)
