"""Benchmark: lock time for a pandas + scikit-learn + matplotlib notebook.

    python benchmarks/lock.py [--python PATH] [--runs N]

The kernel is PATH, or a venv made once under the cache folder with pandas, scikit-learn,
matplotlib, ipykernel and nbclient. Prints, in seconds: a cold lock (empty hash cache: the
index is read), warm locks when every pin comes from the kernel (no resolver), and locks
with the resolver involved (``--add`` of a package the kernel lacks; the resolution cache
disabled, hash cache warm).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jupyter_containerize import pipeline  # noqa: E402
from jupyter_containerize.analysis.kernel import default_cache_dir  # noqa: E402
from jupyter_containerize.lock import make_lock, pip  # noqa: E402
from jupyter_containerize.models import PackageEdits  # noqa: E402

SOURCE = "import pandas as pd\nimport matplotlib.pyplot as plt\nfrom sklearn.linear_model import LinearRegression\n"


def bench_kernel() -> str:
    venv = default_cache_dir() / "bench-kernel"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "pandas", "scikit-learn", "matplotlib",
                        "ipykernel", "nbclient"], check=True)
    return str(python)


def timed(fn) -> tuple[float, object]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--python")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    import nbformat

    with tempfile.TemporaryDirectory() as tmp:
        notebook = Path(tmp, "nb.ipynb")
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(SOURCE)]
        nbformat.write(nb, notebook)
        env = pipeline.kernel_environment(notebook, python=args.python or bench_kernel())
        analysis = pipeline.analyse(notebook, env)
        cache = Path(tmp, "cache")

        cold, lock = timed(lambda: make_lock(analysis, env, cache_dir=cache))
        print(f"{len(lock.packages)} packages, {sum(len(p.hashes) for p in lock.packages)} hashes")
        print(f"cold (empty hash cache):            {cold:.3f} s")
        warm = [timed(lambda: make_lock(analysis, env, cache_dir=cache))[0] for _ in range(args.runs)]
        print(f"kernel only, warm (no resolver):    median {statistics.median(warm):.3f} s, "
              f"min {min(warm):.3f} s over {args.runs}")
        real_resolve = pip.resolve
        calls = []
        pip.resolve = lambda *a, **k: calls.append(1) or real_resolve(*a, **k)
        edits = PackageEdits(add=["rich"])
        resolved = []
        for run in range(max(1, args.runs // 2)):
            resolved.append(timed(lambda run=run: make_lock(analysis, env, edits=edits, cache_dir=Path(tmp, f"c{run}")))[0])
        print(f"with the resolver (--add rich, cold): median {statistics.median(resolved):.3f} s "
              f"({len(calls)} resolver calls)")
        import shutil
        shutil.copytree(cache / "index-files", Path(tmp, "w", "index-files"))
        shutil.copytree(Path(tmp, "c0", "index-files"), Path(tmp, "w", "index-files"), dirs_exist_ok=True)
        warm_resolver = []
        for _ in range(max(1, args.runs // 2)):
            shutil.rmtree(Path(tmp, "w", "resolutions"), ignore_errors=True)
            warm_resolver.append(timed(lambda: make_lock(analysis, env, edits=edits, cache_dir=Path(tmp, "w")))[0])
        print(f"with the resolver, hash cache warm:  median {statistics.median(warm_resolver):.3f} s")


if __name__ == "__main__":
    main()
