"""``jupyter containerize run IMAGE [-p NAME VALUE]... [-r NAME VALUE]... [--output DIR] [--html]
[--cell-timeout S] [--timeout S]``: run the notebook in its image on the engine (pulled first
when the engine lacks it)."""

from __future__ import annotations

import sys
import threading
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser("run", help="run a built image's notebook on the engine")
    parser.add_argument("image")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                        help="papermill-style parameter (typed: int, float, True/False, None, JSON)")
    parser.add_argument("-r", "--parameter-raw", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                        help="a parameter kept as text (not typed)")
    parser.add_argument("-o", "--output", type=Path, default=Path("out"), help="folder for the outputs (./out)")
    parser.add_argument("--html", action="store_true", help="also write an HTML report (nbconvert in the image)")
    parser.add_argument("--cell-timeout", type=float, metavar="S", help="seconds per cell")
    parser.add_argument("--timeout", type=float, metavar="S", help="seconds for the whole run")
    parser.set_defaults(run=run)


class _Lines:
    """The run's lines as they come: the runner's on stdout, the pull's on stderr."""

    def phase(self, name: str, message: str) -> None:
        if name == "pull":
            print(message, file=sys.stderr, flush=True)

    def log(self, message: str) -> None:
        print(message, flush=True)

    def progress(self, step: int, steps: int, percent: float, message: str) -> None:
        print(message, flush=True)


def run(args) -> int:
    from ..engine.docker import DockerEngine
    from ..share.running import run_notebook

    stop = threading.Event()
    result: dict = {}

    def work():
        try:
            result["outcome"] = run_notebook(
                DockerEngine(), args.image, args.output.resolve(), reporter=_Lines(), parameters=args.parameter,
                raw=args.parameter_raw, html=args.html, cell_timeout=args.cell_timeout, timeout=args.timeout,
                stop=stop)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
            result["error"] = exc

    worker = threading.Thread(target=work, name="containerize-run")
    worker.start()
    try:
        while worker.is_alive():
            worker.join(0.2)
    except KeyboardInterrupt:  # Ctrl-C: SIGTERM the container, still collect its outputs
        print("stopping the container (the runner writes what it has)...", file=sys.stderr, flush=True)
        stop.set()
        worker.join()
    if "error" in result:
        raise result["error"]
    status = result["outcome"].exit_code
    print(f"outputs in {args.output}/ (exit status {status})", file=sys.stderr)
    return status
