"""Run an image built by this extension on the engine: parameters, output folder, stop."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable, Optional, Sequence

from ..engine import ContainerEngine
from ..errors import InvalidRequest, NotFound

NOTEBOOK_LABEL = "io.jupyter.containerize.notebook"


def runner_args(notebook: str, parameters: Sequence[tuple[str, str]] = (), *, html: bool = False,
                cell_timeout: Optional[float] = None, timeout: Optional[float] = None) -> list[str]:
    """The arguments after the image's entrypoint (``run.py --output /out``)."""
    args = [notebook]
    for name, value in parameters:
        if not name.isidentifier():
            raise InvalidRequest(f"Parameter name {name!r} is not a Python identifier")
        args += ["-p", name, str(value)]
    if cell_timeout:
        args += ["--cell-timeout", f"{cell_timeout:g}"]
    if timeout:
        args += ["--timeout", f"{timeout:g}"]
    if html:
        args.append("--html")
    return args


def local_image(engine: ContainerEngine, image: str, cancelled: Optional[threading.Event] = None):
    """The engine's image ``image``, pulled first when the engine lacks it and it names a
    registry (an image built without the engine lives only there)."""
    try:
        return engine.inspect(image)
    except NotFound:
        host = image.split("/", 1)[0] if "/" in image else ""
        if not ("." in host or ":" in host or host == "localhost"):
            raise
        engine.pull(image, cancelled=cancelled or threading.Event())
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
