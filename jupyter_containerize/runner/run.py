"""Execute a notebook headless inside a jupyter-containerize image.

    run.py NOTEBOOK [--output DIR] [-p NAME VALUE]... [-r NAME VALUE]... [--cell-timeout S] [--timeout S] [--html]

Parameters follow papermill's convention: values are injected in a new cell right after
the cell tagged ``parameters`` (at the top when there is none; an earlier injected cell is
replaced); ``-p`` values are typed as papermill types them (int, float, True/False, None,
JSON lists and objects, else text), ``-r`` values are kept as text (papermill's ``-r``), and
``NB_PARAM_<NAME>`` environment variables are read as ``-p`` values (``-p`` and ``-r`` win).
One line per cell is printed as it runs; a failing cell stops the run with exit status 1
and names the cell; ``--cell-timeout`` and ``--timeout`` (the
whole run) fail it the same way; SIGTERM interrupts the running cell and exits with 143.
The executed notebook is written to the output folder in every case, with what happened
in its ``metadata.containerize`` (status, parameters, failed cell, error). ``--html`` also
writes an HTML report when nbconvert is installed in the image.

The kernel talks to this process over IPC sockets in ``$JUPYTER_RUNTIME_DIR`` (no TCP
port, no plain-text warning), so the container runs with a read-only root filesystem as
long as ``/tmp`` and the output folder are writable.

This file is copied alone into the image: it imports nothing from jupyter_containerize.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import time
from pathlib import Path

PARAM_ENV_PREFIX = "NB_PARAM_"
EXIT_FAILED, EXIT_USAGE, EXIT_TERMINATED = 1, 2, 143


def typed(value: str):
    """Type a command-line value as papermill's ``-p`` does (plus JSON lists and objects)."""
    if value in ("True", "true"):
        return True
    if value in ("False", "false"):
        return False
    if value in ("None", "null"):
        return None
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    try:
        parsed = json.loads(value)
        if isinstance(parsed, (list, dict)):
            return parsed
    except ValueError:
        pass
    return value


def collect_parameters(pairs, environ, raw=None) -> dict:
    params = {k[len(PARAM_ENV_PREFIX):]: typed(v) for k, v in sorted(environ.items())
              if k.startswith(PARAM_ENV_PREFIX)}
    params.update({name: typed(value) for name, value in pairs or []})
    params.update({name: value for name, value in raw or []})
    return params


def inject_parameters(nb, params: dict) -> None:
    import nbformat

    if not params:
        return
    nb.cells = [c for c in nb.cells if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
    source = "# Parameters\n" + "".join(f"{name} = {value!r}\n" for name, value in params.items())
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    nb.cells.insert(tagged[0] + 1 if tagged else 0, cell)


def _first_line(cell) -> str:
    text = cell.source.strip().splitlines()
    return (text[0][:60] if text else "").replace("\n", " ")


class Terminated(Exception):
    """A second SIGTERM while the kernel does not give up its cell."""


class Stop:
    """SIGTERM: interrupt the kernel's running cell and stop after it; a second one aborts."""

    def __init__(self, client):
        self.client = client
        self.requested = False

    def __call__(self, signum, frame):
        if self.requested:
            raise Terminated()
        self.requested = True
        print("SIGTERM: interrupting the running cell and stopping", file=sys.stderr, flush=True)
        pid = getattr(getattr(self.client.km, "provisioner", None), "pid", None)
        if pid:
            try:
                os.kill(pid, signal.SIGINT)
            except OSError:
                pass


def _writable(out_dir: Path) -> str | None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".containerize-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        return (f"cannot write to {out_dir} ({exc.strerror}); create it first or run the "
                f"container with --user $(id -u):$(id -g)")
    return None


def write_html(nb, target: Path) -> str:
    """Write ``target`` as HTML; return a message saying what happened."""
    try:
        from nbconvert import HTMLExporter
    except ImportError:
        return ("warning: --html needs nbconvert in the image; rebuild it with "
                "`jupyter containerize build NOTEBOOK --add nbconvert`")
    body, _ = HTMLExporter().from_notebook_node(nb)
    target.write_text(body, encoding="utf-8")
    return f"wrote {target}"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("notebook")
    parser.add_argument("--output", default="/out")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"))
    parser.add_argument("-r", "--parameter-raw", nargs=2, action="append", metavar=("NAME", "VALUE"),
                        help="a parameter kept as text (not typed)")
    parser.add_argument("--cell-timeout", type=float, default=None, help="seconds per cell")
    parser.add_argument("--timeout", type=float, default=None, help="seconds for the whole run")
    parser.add_argument("--html", action="store_true", help="also write an HTML report")
    parser.add_argument("--kernel", default="python3")
    parser.add_argument("--transport", default="ipc", choices=("ipc", "tcp"),
                        help="kernel sockets (default ipc: no TCP port)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)

    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    from traitlets.config import Config

    source = Path(args.notebook)
    out_dir = Path(args.output)
    problem = _writable(out_dir)
    if problem:
        print(problem, file=sys.stderr)
        return EXIT_USAGE
    if not source.is_file():
        print(f"no notebook {source}", file=sys.stderr)
        return EXIT_USAGE
    nb = nbformat.read(source, as_version=4)
    params = collect_parameters(args.parameter, os.environ, args.parameter_raw)
    inject_parameters(nb, params)
    target = out_dir / source.name

    runtime = Path(os.environ.get("JUPYTER_RUNTIME_DIR") or "/tmp/jupyter-runtime")
    runtime.mkdir(parents=True, exist_ok=True)
    kernel = {"transport": args.transport}
    if args.transport == "ipc":  # socket files next to the connection file, not in the (read-only) cwd
        kernel["ip"] = str(runtime / f"kernel-{os.getpid()}-ipc")
    config = Config({"KernelManager": kernel})
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    client = NotebookClient(nb, kernel_name=args.kernel, timeout=args.cell_timeout, config=config,
                            resources={"metadata": {"path": str(source.parent.resolve())}},
                            interrupt_on_timeout=True)
    started = time.monotonic()
    deadline = started + args.timeout if args.timeout else None
    stop = Stop(client)
    previous = signal.signal(signal.SIGTERM, stop)
    report = {"status": "succeeded", "parameters": params, "cells": len(code_cells)}
    status, index, cell_timeout = 0, None, args.cell_timeout

    def fail(message: str, code: int, **extra) -> int:
        print(message, file=sys.stderr, flush=True)
        report.update(status="failed" if code == EXIT_FAILED else "stopped", error=message, **extra)
        return code

    try:
        with client.setup_kernel():
            for number, cell in enumerate(code_cells, start=1):
                index = nb.cells.index(cell)
                if stop.requested:
                    status = fail(f"stopped by SIGTERM before cell {index + 1}", EXIT_TERMINATED)
                    break
                if deadline:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        status = fail(f"timeout: the run took longer than {args.timeout:g}s "
                                      f"(before cell {index + 1})", EXIT_FAILED, failed_cell=index + 1)
                        break
                    cell_timeout = min(args.cell_timeout or math.inf, remaining)
                    client.timeout = max(1, math.ceil(cell_timeout))
                if cell_timeout:
                    whole = cell_timeout != args.cell_timeout
                    what = f"the run took longer than {args.timeout:g}s" if whole else f"over {cell_timeout:g}s"
                    client.error_on_timeout = {"ename": "CellTimeoutError", "evalue": what, "traceback": [what]}
                print(f"[{number}/{len(code_cells)}] cell {index + 1}: {_first_line(cell)}", flush=True)
                client.execute_cell(cell, index)
    except CellExecutionError as exc:
        if exc.ename == "CellTimeoutError":
            status = fail(f"cell {index + 1} failed: timeout: {exc.evalue}", EXIT_FAILED,
                          failed_cell=index + 1, ename=exc.ename)
        elif stop.requested:
            status = fail(f"stopped by SIGTERM during cell {index + 1}", EXIT_TERMINATED, failed_cell=index + 1)
        else:
            status = fail(f"cell {index + 1} failed: {exc.ename}: {exc.evalue}", EXIT_FAILED,
                          failed_cell=index + 1, ename=exc.ename)
    except CellTimeoutError:
        whole = deadline is not None and cell_timeout != args.cell_timeout
        what = f"the run took longer than {args.timeout:g}s" if whole else f"over {args.cell_timeout:g}s"
        status = fail(f"cell {index + 1} failed: timeout: {what}", EXIT_FAILED, failed_cell=index + 1,
                      ename="CellTimeoutError")
    except DeadKernelError as exc:
        status = fail(f"cell {index + 1} failed: the kernel died: {exc}", EXIT_FAILED,
                      failed_cell=index + 1, ename="DeadKernelError")
    except RuntimeError as exc:  # the kernel did not start (nbclient/jupyter_client raise RuntimeError)
        status = fail(f"the kernel did not start: {exc}", EXIT_FAILED)
    except (Terminated, KeyboardInterrupt):
        where = f" during cell {index + 1}" if index is not None else ""
        status = fail(f"stopped by a signal{where}", EXIT_TERMINATED)
    finally:
        signal.signal(signal.SIGTERM, previous)
        report["duration_s"] = round(time.monotonic() - started, 3)
        nb.metadata["containerize"] = report
        nbformat.write(nb, target)
    print(f"wrote {target} in {time.monotonic() - started:.1f}s", flush=True)
    if args.html:
        print(write_html(nb, target.with_suffix(".html")), flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
