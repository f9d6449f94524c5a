"""``jupyter containerize run IMAGE [-p NAME VALUE]... [--output DIR] [--html]
[--cell-timeout S] [--timeout S]``: run the notebook in its image on the engine."""

from __future__ import annotations

import sys
import threading
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser("run", help="run a built image's notebook on the engine")
    parser.add_argument("image")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                        help="papermill-style parameter (typed: int, float, True/False, None, JSON)")
    parser.add_argument("-o", "--output", type=Path, default=Path("out"), help="folder for the outputs (./out)")
    parser.add_argument("--html", action="store_true", help="also write an HTML report (nbconvert in the image)")
    parser.add_argument("--cell-timeout", type=float, metavar="S", help="seconds per cell")
    parser.add_argument("--timeout", type=float, metavar="S", help="seconds for the whole run")
    parser.set_defaults(run=run)


def run(args) -> int:
    from ..engine.docker import DockerEngine
    from ..share.running import run_image

    stop = threading.Event()
    result: dict = {}

    def work():
        try:
            result["status"] = run_image(
                DockerEngine(), args.image, args.output.resolve(), parameters=args.parameter, html=args.html,
                cell_timeout=args.cell_timeout, timeout=args.timeout,
                on_output=lambda line: print(line, flush=True), stop=stop)
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
    status = result["status"]
    print(f"outputs in {args.output}/ (exit status {status})", file=sys.stderr)
    return status
