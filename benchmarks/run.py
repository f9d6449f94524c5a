"""Runner overhead: the same notebook executed with nbclient on the host versus in its image.

    python benchmarks/run.py IMAGE [--notebook examples/sales-report.ipynb] [--repeat 3]

Prints the median wall time of (1) nbclient on the host, (2) `docker run` of the image
(read-only root, the runner with its IPC kernel), (3) `jupyter containerize run` (adds the
engine API calls and copying /out back), and the overheads over (1).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _time(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def host_nbclient(notebook: Path) -> None:
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(notebook, as_version=4)
    NotebookClient(nb, kernel_name="python3", resources={"metadata": {"path": str(notebook.parent)}}).execute()


def docker_run(image: str) -> None:
    with tempfile.TemporaryDirectory() as out:
        Path(out).chmod(0o777)
        subprocess.run(["docker", "run", "--rm", "--read-only", "--tmpfs", "/tmp", "-v", f"{out}:/out", image],
                       check=True, capture_output=True)


def containerize_run(image: str) -> None:
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(["jupyter", "containerize", "run", image, "--output", out], check=True, capture_output=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("image")
    parser.add_argument("--notebook", type=Path, default=REPO / "examples" / "sales-report.ipynb")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    rows = {
        "nbclient on the host": lambda: host_nbclient(args.notebook.resolve()),
        "docker run IMAGE": lambda: docker_run(args.image),
        "jupyter containerize run IMAGE": lambda: containerize_run(args.image),
    }
    results = {}
    for name, fn in rows.items():
        fn()  # warm up (page cache, imports)
        results[name] = statistics.median(_time(fn) for _ in range(args.repeat))
    base = results["nbclient on the host"]
    for name, seconds in results.items():
        extra = "" if name == "nbclient on the host" else f"  (+{seconds - base:.2f}s, x{seconds / base:.2f})"
        print(f"{name:34s} {seconds:6.2f}s{extra}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
