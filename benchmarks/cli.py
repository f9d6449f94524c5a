"""CLI start-up: how long `jupyter containerize --help` takes, and what it imports.

    python benchmarks/cli.py [--runs 20] [--top 15]

Prints the median wall time of ``jupyter containerize --help`` (this interpreter's ``jupyter``,
so no pyenv shim in between) and of ``python -m jupyter_containerize.cli --help``, with
``hyperfine`` when it is installed (Debian package ``hyperfine``), else a timing loop; then the
slowest imports of the latter from ``python -X importtime``. Run from the checkout: it measures
this checkout's code (``PYTHONPATH``). Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# as a user's command runs: an installed package has its bytecode (no PYTHONDONTWRITEBYTECODE)
ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, "PYTHONPATH": str(REPO)}
COMMANDS = {
    "jupyter containerize --help": [str(Path(sys.executable).parent / "jupyter"), "containerize", "--help"],
    "python -m jupyter_containerize.cli --help": [sys.executable, "-m", "jupyter_containerize.cli", "--help"],
}


def median_loop(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs + 2):
        started = time.perf_counter()
        subprocess.run(argv, env=ENV, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times[2:])


def median_hyperfine(argv: list[str], runs: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp, "result.json")
        subprocess.run(["hyperfine", "-N", "--warmup", "2", "--runs", str(runs), "--export-json", str(out),
                        " ".join(argv)], env=ENV, check=True, capture_output=True)
        return json.loads(out.read_text())["results"][0]["median"]


def slowest_imports(top: int) -> list[tuple[float, str]]:
    err = subprocess.run([sys.executable, "-X", "importtime", "-m", "jupyter_containerize.cli", "--help"],
                         env=ENV, capture_output=True, text=True, check=True).stderr
    found = []
    for line in err.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\s*)(\S+)", line)
        if match and not match.group(2):  # top-level imports: their cumulative time
            found.append((int(match.group(1)) / 1e6, match.group(3)))
    return sorted(found, reverse=True)[:top]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    tool = "hyperfine" if shutil.which("hyperfine") else "timing loop"
    measure = median_hyperfine if tool == "hyperfine" else median_loop
    print(f"median of {args.runs} ({tool}), load average {os.getloadavg()[0]:.2f}:")
    for name, argv in COMMANDS.items():
        print(f"  {name:45} {measure(argv, args.runs):.3f} s   (target for the first: <= 0.25 s)")
    print("\nslowest top-level imports of `python -X importtime -m jupyter_containerize.cli --help`:")
    for seconds, module in slowest_imports(args.top):
        print(f"  {seconds * 1000:7.1f} ms  {module}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
