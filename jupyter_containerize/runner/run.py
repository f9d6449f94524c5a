"""Execute a notebook headless inside a jupyter-containerize image.

    run.py NOTEBOOK [--output DIR] [-p NAME VALUE]... [--cell-timeout S] [--timeout S]

Parameters follow papermill's convention: values are injected in a new cell right after
the cell tagged ``parameters`` (at the top when there is none); ``-p`` values are typed as
papermill types them (int, float, True/False, None, else text) and ``NB_PARAM_<NAME>``
environment variables are read the same way. One line per cell is printed as it runs; a
failing cell stops the run with exit status 1 and names the cell. The executed notebook is
written to the output folder even when a cell fails.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

PARAM_ENV_PREFIX = "NB_PARAM_"


def typed(value: str):
    """Type a command-line value as papermill's ``-p`` does."""
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


def collect_parameters(pairs, environ) -> dict:
    params = {k[len(PARAM_ENV_PREFIX):]: typed(v) for k, v in sorted(environ.items())
              if k.startswith(PARAM_ENV_PREFIX)}
    params.update({name: typed(value) for name, value in pairs or []})
    return params


def inject_parameters(nb, params: dict) -> None:
    import nbformat

    if not params:
        return
    source = "# Parameters\n" + "".join(f"{name} = {value!r}\n" for name, value in params.items())
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    nb.cells.insert(tagged[0] + 1 if tagged else 0, cell)


def _first_line(cell) -> str:
    text = cell.source.strip().splitlines()
    return (text[0][:60] if text else "").replace("\n", " ")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    parser.add_argument("notebook")
    parser.add_argument("--output", default="/out")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"))
    parser.add_argument("--cell-timeout", type=int, default=None)
    parser.add_argument("--timeout", type=int, default=None, help="total seconds")
    parser.add_argument("--kernel", default="python3")
    args = parser.parse_args(argv)

    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    source = Path(args.notebook)
    out_dir = Path(args.output)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        probe = out_dir / ".containerize-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        print(f"cannot write to {out_dir} ({exc.strerror}); create it first or run the "
              f"container with --user $(id -u):$(id -g)", file=sys.stderr)
        return 2
    nb = nbformat.read(source, as_version=4)
    inject_parameters(nb, collect_parameters(args.parameter, os.environ))
    target = out_dir / source.name

    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    client = NotebookClient(nb, kernel_name=args.kernel, timeout=args.cell_timeout,
                            resources={"metadata": {"path": str(source.parent.resolve())}})
    deadline = time.monotonic() + args.timeout if args.timeout else None

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    status, started, index = 0, time.monotonic(), 0
    try:
        with client.setup_kernel():
            for number, cell in enumerate(code_cells, start=1):
                index = nb.cells.index(cell)
                if deadline and time.monotonic() > deadline:
                    print(f"timeout: the notebook ran past {args.timeout}s before cell {index + 1}",
                          file=sys.stderr)
                    status = 1
                    break
                print(f"[{number}/{len(code_cells)}] cell {index + 1}: {_first_line(cell)}", flush=True)
                client.execute_cell(cell, index)
    except CellExecutionError as exc:
        print(f"cell {index + 1} failed: {exc.ename}: {exc.evalue}", file=sys.stderr)
        status = 1
    except (CellTimeoutError, DeadKernelError) as exc:
        print(f"cell {index + 1} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        status = 1
    except KeyboardInterrupt:
        print("stopped by a signal", file=sys.stderr)
        status = 143
    finally:
        nbformat.write(nb, target)
    print(f"wrote {target} in {time.monotonic() - started:.1f}s", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
