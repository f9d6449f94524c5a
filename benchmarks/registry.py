"""Building without an engine, side by side with the engine, same run, same local registry.

    python benchmarks/registry.py [--notebook examples/sales-report.ipynb] [--python PATH] [--runs 5]

A local registry (Debian's docker-registry, no auth, 127.0.0.1) holds the base image. For
the notebook, with the host's wheel cache warm:

- cold: each side pushes into a new registry of its own that holds only the base image; ours:
  the compressed-layer cache emptied too, so the layers are compressed again (``registry``) vs
  the engine building (its environment image present) and ``docker push`` (``engine + docker push``);
- one-cell edit to pushed image, median of ``--runs``: the whole pipeline, and what it sent;
- first push of a new notebook whose environment the registry has already;
- the archive output: its write speed from the blob cache.

Not a test: it prints a table. The targets of issue 12: edit <= 0.5 s sending only the
notebook layer and the config (and the manifest); a new notebook <= 2 s; cold <= 0.5x the
engine path; archive >= 200 MB/s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from jupyter_containerize import pipeline  # noqa: E402
from jupyter_containerize.engine.docker import DockerEngine  # noqa: E402
from jupyter_containerize.models import BuildRequest  # noqa: E402
from jupyter_containerize.settings import Settings, default_cache_dir  # noqa: E402

BASE = os.environ.get("CONTAINERIZE_BASE_IMAGE", "jupyter-containerize/python:3.11-bookworm")


class Quiet:
    def __init__(self):
        self.phases: dict[str, float] = {}
        self.lines: list[str] = []

    def phase(self, name, message):
        self.phases[name] = time.monotonic()

    def log(self, message):
        self.lines.append(message)

    def progress(self, *args):
        pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_registry(folder: Path) -> tuple[subprocess.Popen, str]:
    host = f"127.0.0.1:{free_port()}"
    (folder / "config.yml").write_text(f"version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n"
                                       f"    rootdirectory: {folder / 'data'}\nhttp:\n  addr: {host}\n")
    proc = subprocess.Popen(["docker-registry", "serve", str(folder / "config.yml")], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(tuple(host.split(":")), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    return proc, host


def build(notebook: Path, tag: str, base: str, python: str, cache: Path, output: str):
    settings = Settings(cache_dir=cache, base_image=base)
    request = BuildRequest(path=str(notebook), tag=tag, python=python, output=output, push=output == "engine")
    started = time.monotonic()
    result = pipeline.containerize(request, notebook, root=notebook.parent, settings=settings, engine=DockerEngine(),
                                   reporter=Quiet())
    return time.monotonic() - started, result


def docker(*args) -> float:
    started = time.monotonic()
    subprocess.run(["docker", *args], check=True, capture_output=True)
    return time.monotonic() - started


def edit(notebook: Path, value: int) -> None:
    data = json.loads(notebook.read_text())
    data["cells"].append({"cell_type": "code", "execution_count": None, "id": f"bench{value}", "metadata": {},
                          "outputs": [], "source": f"benchmark_edit = {value}"})
    notebook.write_text(json.dumps(data))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notebook", type=Path, default=REPO / "examples" / "sales-report.ipynb")
    parser.add_argument("--python", default=sys.executable, help="the kernel's interpreter")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    cache = default_cache_dir()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-registry-") as tmp:
        tmp = Path(tmp)
        work = tmp / "nb"
        shutil.copytree(args.notebook.parent, work)
        notebook = work / args.notebook.name
        registries = []

        def fresh_registry(name: str) -> tuple[str, str]:
            """A new empty registry holding only the base image: (host, base reference)."""
            (tmp / name).mkdir()
            proc, host = start_registry(tmp / name)
            registries.append(proc)
            base = f"{host}/base/python:3.11"
            docker("tag", BASE, base)
            docker("push", base)
            return host, base

        try:
            host, base = fresh_registry("warm")
            # warm everything once (wheels, segments, the engine's environment image)
            build(notebook, f"{host}/warm/ours:1", base, args.python, cache, "registry")
            build(notebook, f"{host}/warm/engine:1", BASE, args.python, cache, "engine")

            # cold: each side pushes into a registry of its own that holds only the base image
            ours_host, base = fresh_registry("ours")
            engine_host, _ = fresh_registry("engine")
            shutil.rmtree(cache / "oci-layers", ignore_errors=True)  # compress again, as a cold cache would
            ours, result = build(notebook, f"{ours_host}/cold/ours:1", base, args.python, cache, "registry")
            engine_s, engine_result = build(notebook, f"{engine_host}/cold/engine:1", BASE, args.python, cache,
                                            "engine")
            rows.append(("cold registry: build + push", ours, engine_s, f"{ours / engine_s:.2f}x",
                         f"{len(result.uploaded)} blobs sent"))

            edits, sent, engine_edits = [], [], []
            for run in range(args.runs):
                edit(notebook, run)
                took, res = build(notebook, f"{ours_host}/cold/ours:1", base, args.python, cache, "registry")
                edits.append(took)
                sent.append(len(res.uploaded))
                took, _ = build(notebook, f"{engine_host}/cold/engine:1", BASE, args.python, cache, "engine")
                engine_edits.append(took)
            rows.append(("one-cell edit (median)", statistics.median(edits), statistics.median(engine_edits),
                         f"{statistics.median(edits) / statistics.median(engine_edits):.2f}x",
                         f"{max(sent)} blobs sent (notebook layer + config)"))

            other = work / f"other-{args.notebook.name}"
            shutil.copy(notebook, other)
            took, res = build(other, f"{ours_host}/other/ours:1", base, args.python, cache, "registry")
            rows.append(("new notebook, environment in the registry", took, None, "", f"{len(res.uploaded)} blobs sent"))

            archive = tmp / "image.tar"
            reporter = Quiet()
            request = BuildRequest(path=str(notebook), tag="bench/archive:1", python=args.python, output="archive")
            res = pipeline.containerize(request, notebook, root=notebook.parent,
                                        settings=Settings(cache_dir=cache, base_image=base), engine=DockerEngine(),
                                        reporter=reporter, archive=archive)
            wrote = next(line for line in reporter.lines if line.startswith("Wrote "))
            rows.append(("archive output (whole build)", res.duration_s, None, "", wrote.split("(", 1)[1].rstrip(")")))
        finally:
            for proc in registries:
                os.killpg(proc.pid, signal.SIGTERM)
    print(f"\n{args.notebook.name} (seconds)")
    print(f"{'':45} {'ours':>8} {'engine':>8} {'ratio':>7}  notes")
    for name, ours, engine_s, ratio, note in rows:
        engine_text = f"{engine_s:8.2f}" if engine_s is not None else " " * 8
        print(f"{name:45} {ours:8.2f} {engine_text} {ratio:>7}  {note}")


if __name__ == "__main__":
    main()
