"""Benchmark: dependency inference on a corpus of notebooks with a ground-truth manifest.

    python benchmarks/inference.py CORPUS_DIR [--pipreqs] [--python PATH] [--index]

Runs :func:`jupyter_containerize.analysis.analyze_notebook` on every notebook of
``CORPUS_DIR/manifest.json`` with a kernel that has none of the packages (by default the
interpreter of a fresh ``venv --without-pip``: the standard library only), and, with
``--pipreqs``, pipreqs on each notebook. Prints precision/recall of distribution names
per notebook and overall, the share of the manifest's implied needs found, and timings.

Scoring: the predicted set is every requirement with an import reason (``import X`` or
``%load_ext``-free imports), compared with ``truth.distributions``; a predicted
alternate (``truth.alternates``) counts as its distribution; names of the repository's
own helper modules (``truth.local_modules``, not shipped with the corpus) count neither
way. Implied: ``truth.implied`` found among all requirements. "All requirements" scores
every requirement against distributions + implied + conditional + pip-line packages.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jupyter_containerize.analysis import analyze_notebook, inspect_interpreter  # noqa: E402
from jupyter_containerize.analysis.index import SimpleIndex, offline  # noqa: E402
from jupyter_containerize.analysis.kernel import normalize  # noqa: E402


def bare_interpreter(workdir: Path) -> str:
    venv = workdir / "bare-kernel"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    return str(venv / "bin" / "python")


def score(predicted: set[str], truth: set[str]) -> tuple[int, int, int]:
    tp = len(predicted & truth)
    return tp, len(predicted - truth), len(truth - predicted)


def canonical(names: set[str], truth: dict) -> set[str]:
    """Map accepted alternates to their distribution; drop the repo's helper-module names."""
    alternates = {normalize(a): normalize(d) for d, alts in truth.get("alternates", {}).items() for a in alts}
    helpers = {normalize(m.split(".")[0]) for m in truth.get("local_modules", [])}
    return {alternates.get(n, n) for n in names if n not in helpers}


def pip_line_names(truth: dict) -> set[str]:
    names = set()
    for line in truth.get("pip_lines", []):
        if line.lstrip().startswith("#"):
            continue
        words = re.split(r"\s+", line.split("(")[0])
        if "install" in words:
            for w in words[words.index("install") + 1 :]:
                if w and not w.startswith("-"):
                    names.add(normalize(re.split(r"[\[<>=!~]", w)[0]))
    return names


PYPI_JSON = "https://pypi.org/pypi/"


def run_pipreqs(notebook: Path, workdir: Path) -> set[str] | None:
    exe = shutil.which("pipreqs")
    if not exe:
        return None
    project = workdir / "pipreqs" / notebook.stem
    project.mkdir(parents=True, exist_ok=True)
    shutil.copy(notebook, project / notebook.name)
    out = project / "requirements.out"
    done = subprocess.run(
        [exe, "--scan-notebooks", "--mode", "no-pin", "--force", "--pypi-server", PYPI_JSON,
         "--savepath", str(out), str(project)],
        capture_output=True, text=True, timeout=300,
    )
    if done.returncode != 0 or not out.exists():
        print(f"  pipreqs failed on {notebook.name}: {done.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
        return set()
    names = set()
    for line in out.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            names.add(normalize(re.split(r"[\[<>=!~ ;]", line)[0]))
    return names


def fmt(tp: int, fp: int, fn: int) -> str:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return f"P {p:.3f} R {r:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--pipreqs", action="store_true", help="also run pipreqs (must be installed)")
    parser.add_argument("--python", help="kernel interpreter (default: a fresh stdlib-only venv)")
    parser.add_argument("--index", action="store_true", help="check guessed names on the configured index")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every notebook's misses")
    args = parser.parse_args(argv)

    manifest = json.loads((args.corpus / "manifest.json").read_text())
    entries = manifest["notebooks"]
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        python = args.python or bare_interpreter(workdir)
        cache = workdir / "cache"
        t0 = time.perf_counter()
        environment = inspect_interpreter(python, cache_dir=cache)
        probe_cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        environment = inspect_interpreter(python, cache_dir=cache)
        probe_warm = time.perf_counter() - t0
        index = SimpleIndex() if args.index else offline
        print(f"kernel: {environment.executable} (Python {environment.python_version}, "
              f"{len(environment.distributions)} distributions)")

        totals = {"ours": [0, 0, 0], "ours_all": [0, 0, 0], "pipreqs": [0, 0, 0]}
        implied_total = implied_found = pipreqs_implied = 0
        timings: list[float] = []
        first_call = None
        header = f"{'notebook':60} {'ours':>17} {'pipreqs':>17}  implied"
        print(header)
        print("-" * len(header))
        for entry in entries:
            notebook = args.corpus / entry["file"]
            truth = entry["truth"]
            t0 = time.perf_counter()
            analysis = analyze_notebook(notebook, environment, index=index)
            elapsed = time.perf_counter() - t0
            if first_call is None:
                first_call = elapsed
            timings.append(elapsed)
            imported = {r.name for r in analysis.requirements if any(x.startswith("import ") for x in r.reasons)}
            every = {r.name for r in analysis.requirements}
            want = {normalize(d) for d in truth["distributions"]}
            ours = score(canonical(imported, truth), want)
            extra_truth = want | {normalize(d) for d in truth.get("implied", [])} | {
                normalize(d) for d in truth.get("conditional", {})} | pip_line_names(truth) | {
                normalize(d) for d in truth.get("local_module_distributions", [])}
            ours_all = score(canonical(every, truth), extra_truth)
            implied = {normalize(d) for d in truth.get("implied", [])}
            found = implied & canonical(every, truth)
            implied_total += len(implied)
            implied_found += len(found)
            for key, value in (("ours", ours), ("ours_all", ours_all)):
                totals[key] = [a + b for a, b in zip(totals[key], value)]
            theirs_text = "-"
            if args.pipreqs:
                theirs = run_pipreqs(notebook, workdir)
                if theirs is not None:
                    value = score(canonical(theirs, truth), want)
                    totals["pipreqs"] = [a + b for a, b in zip(totals["pipreqs"], value)]
                    theirs_text = fmt(*value)
                    pipreqs_implied += len(implied & canonical(theirs, truth))
            name = Path(entry["file"]).stem[:60]
            print(f"{name:60} {fmt(*ours):>17} {theirs_text:>17}  {len(found)}/{len(implied)}")
            if args.verbose:
                got = canonical(imported, truth)
                if got - want:
                    print(f"    extra:   {sorted(got - want)}")
                if want - got:
                    print(f"    missed:  {sorted(want - got)}")
                if implied - found:
                    print(f"    implied missed: {sorted(implied - found)}")
                extra_all = canonical(every, truth) - extra_truth
                if extra_all:
                    print(f"    other requirements: {sorted(extra_all)}")

        print()
        tp, fp, fn = totals['ours']
        print(f"overall (imports)      ours    {fmt(tp, fp, fn)}  (tp {tp}, fp {fp}, fn {fn})")
        if args.pipreqs:
            tp, fp, fn = totals['pipreqs']
            print(f"overall (imports)      pipreqs {fmt(tp, fp, fn)}  (tp {tp}, fp {fp}, fn {fn})")
        print(f"overall (all requirements vs distributions+implied+conditional+pip lines) ours {fmt(*totals['ours_all'])}")
        share = implied_found / implied_total if implied_total else 1.0
        print(f"implied needs found    ours    {implied_found}/{implied_total} = {share:.0%}")
        if args.pipreqs:
            print(f"implied needs found    pipreqs {pipreqs_implied}/{implied_total}")
        print(f"kernel probe: first (uncached) {probe_cold * 1000:.0f} ms, cached {probe_warm * 1000:.2f} ms")
        print(f"analysis per notebook: median {statistics.median(timings) * 1000:.1f} ms, "
              f"mean {statistics.mean(timings) * 1000:.1f} ms, max {max(timings) * 1000:.1f} ms, "
              f"first call {first_call * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
