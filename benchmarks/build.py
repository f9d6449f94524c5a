"""Build speed and size: our build vs a hand-written Dockerfile, side by side, same run.

    python benchmarks/build.py [--notebook examples/sales-report.ipynb] [--add tabulate==0.9.0]

The hand-written Dockerfile is what a user would write: a venv, ``pip install -r
requirements.txt`` inside the container (the same pinned versions as our lock; the host's CA
bundle copied in so pip gets through this machine's TLS-intercepting proxy), notebook last.
Both start from a fresh copy of the base image (a new image id, so the engine has no layer
for either), with the host's wheel cache warm. Measured: first build, rebuild after a
one-cell edit (median of 5), rebuild after adding one package, image size vs the floor
(base + installed environment). Each measurement starts after a sync, so that writing back
the previous one's layers does not slow it down. Not a test: it prints a table.

The issue's case (pandas + matplotlib + scikit-learn) is benchmarks/notebooks/sales-model.ipynb
with a kernel that has them: ``--notebook benchmarks/notebooks/sales-model.ipynb --python
~/.cache/jupyter-containerize/bench-kernel/bin/python`` (that venv is made by
benchmarks/lock.py).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docker

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from jupyter_containerize import pipeline  # noqa: E402
from jupyter_containerize.engine.docker import DockerEngine  # noqa: E402
from jupyter_containerize.models import BuildRequest, PackageEdits  # noqa: E402
from jupyter_containerize.settings import Settings  # noqa: E402

BASE = os.environ.get("CONTAINERIZE_BASE_IMAGE", "jupyter-containerize/python:3.11-bookworm")
CA = Path(os.environ.get("PIP_CERT") or "/etc/ssl/certs/ca-certificates.crt")

HAND_DOCKERFILE = """\
FROM {base}
COPY ca.crt /etc/ssl/host-ca.crt
ENV PIP_CERT=/etc/ssl/host-ca.crt PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python3 -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --no-cache-dir -r /tmp/requirements.txt
COPY run.py /opt/containerize/run.py
WORKDIR /work
COPY {notebook} ./
ENTRYPOINT ["/opt/venv/bin/python", "/opt/containerize/run.py", "--output", "/out"]
CMD ["{notebook}"]
"""


class Timer:
    """A Reporter that remembers when each phase started."""

    def __init__(self):
        self.phases: dict[str, float] = {}
        self.env_image = ""

    def phase(self, name, message):
        self.phases[name] = time.monotonic()

    def log(self, message):
        for prefix in ("Building the environment image ", "Reusing the environment image "):
            if message.startswith(prefix):
                self.env_image = message[len(prefix):]

    def progress(self, step, steps, percent, message):
        pass


KERNEL: str | None = None  # --python: the kernel's interpreter (None: the notebook's kernelspec)


def ours(notebook: Path, tag: str, base: str, add: tuple[str, ...] = ()) -> tuple[float, float, str]:
    """(whole pipeline s, build phase s, environment image tag)."""
    timer = Timer()
    os.sync()  # no dirty pages of the previous measurement in this one
    started = time.monotonic()
    pipeline.containerize(
        BuildRequest(path=str(notebook), tag=tag, edits=PackageEdits(add=list(add)), python=KERNEL), notebook,
        root=notebook.parent, settings=Settings(base_image=base), engine=DockerEngine(), reporter=timer)
    ended = time.monotonic()
    return ended - started, ended - timer.phases["build"], timer.env_image


def hand(context: Path, tag: str) -> float:
    os.sync()
    started = time.monotonic()
    subprocess.run(["docker", "build", "-q", "-t", tag, str(context)], check=True, capture_output=True)
    return time.monotonic() - started


def fresh_base(client, nonce: str) -> str:
    tag = f"containerize-bench/base:{nonce}"
    dockerfile = f"FROM {BASE}\nLABEL bench.nonce={nonce}\n".encode()
    client.images.build(fileobj=io.BytesIO(dockerfile), tag=tag, rm=True)
    return tag


def edit(notebook: Path, n: int) -> None:
    data = json.loads(notebook.read_text())
    cell = [c for c in data["cells"] if c["cell_type"] == "code"][-1]
    source = "".join(cell["source"]).split("\n# bench edit")[0]
    cell["source"] = f"{source}\n# bench edit {n}"
    notebook.write_text(json.dumps(data, indent=1))


def installed_size(image: str, path: str = "/opt/venv") -> int:
    out = subprocess.run(["docker", "run", "--rm", "--entrypoint", "du", image, "-sb", path],
                         capture_output=True, text=True, check=True).stdout
    return int(out.split()[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--notebook", type=Path, default=REPO / "examples" / "sales-report.ipynb")
    parser.add_argument("--add", default="tabulate==0.9.0", help="the one package added")
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--python", help="the kernel's interpreter (default: the notebook's kernelspec); "
                                         "benchmarks/lock.py makes one with pandas, scikit-learn and matplotlib")
    args = parser.parse_args()
    global KERNEL
    KERNEL = args.python
    client = docker.from_env()
    nonce = str(time.time_ns())
    work = Path(tempfile.mkdtemp(prefix="containerize-bench-"))
    nb = work / "ours" / args.notebook.name
    nb.parent.mkdir()
    shutil.copy(args.notebook, nb)
    rows = []
    try:
        print("warming the host cache (wheels, resolutions)...", file=sys.stderr)
        ours(nb, f"containerize-bench/warm:{nonce}", BASE)
        ours(nb, f"containerize-bench/warm:{nonce}", BASE, add=(args.add,))
        lock = pipeline.lock(*_analysed(nb), Settings())
        base = fresh_base(client, nonce)

        ctx = work / "hand"
        ctx.mkdir()
        shutil.copy(CA, ctx / "ca.crt")
        shutil.copy(REPO / "jupyter_containerize" / "runner" / "run.py", ctx / "run.py")
        (ctx / "requirements.txt").write_text("".join(f"{p.name}=={p.version}\n" for p in lock.packages))
        (ctx / "Dockerfile").write_text(HAND_DOCKERFILE.format(base=base, notebook=nb.name))
        shutil.copy(nb, ctx / nb.name)

        print("first builds...", file=sys.stderr)
        total, build_s, env_image = ours(nb, f"containerize-bench/ours:{nonce}", base)
        hand_first = hand(ctx, f"containerize-bench/hand:{nonce}")
        rows.append(("first build (warm host cache, new base image)", total, build_s, hand_first,
                     f"{total / hand_first:.2f}x (target <= 0.3x)"))
        # The same with a base image built on before (its prepared base is in the engine): the
        # notebook image and the environment image removed, layers and all.
        for name in (f"containerize-bench/ours:{nonce}", env_image):
            subprocess.run(["docker", "rmi", name], check=True, capture_output=True)
        total, build_s, _ = ours(nb, f"containerize-bench/ours:{nonce}", base)
        rows.append(("first build (warm host cache, known base image)", total, build_s, hand_first,
                     f"{total / hand_first:.2f}x (target <= 0.3x)"))

        print("one-cell edits...", file=sys.stderr)
        ours_edit, ours_edit_build, hand_edit = [], [], []
        for n in range(args.edits):
            edit(nb, n)
            shutil.copy(nb, ctx / nb.name)
            t, b, _ = ours(nb, f"containerize-bench/ours:{nonce}", base)
            ours_edit.append(t)
            ours_edit_build.append(b)
            hand_edit.append(hand(ctx, f"containerize-bench/hand:{nonce}"))
        rows.append((f"rebuild after a one-cell edit (median of {args.edits})", statistics.median(ours_edit),
                     statistics.median(ours_edit_build), statistics.median(hand_edit), "target <= 1 s"))

        print("adding one package...", file=sys.stderr)
        total, build_s, _ = ours(nb, f"containerize-bench/ours:{nonce}", base, add=(args.add,))
        with (ctx / "requirements.txt").open("a") as handle:
            handle.write(args.add + "\n")
        hand_add = hand(ctx, f"containerize-bench/hand:{nonce}")
        rows.append((f"rebuild after adding {args.add}", total, build_s, hand_add, "target <= 10 s"))

        ours_size = client.images.get(f"containerize-bench/ours:{nonce}").attrs["Size"]
        hand_size = client.images.get(f"containerize-bench/hand:{nonce}").attrs["Size"]
        base_size = client.images.get(base).attrs["Size"]
        floor = base_size + installed_size(f"containerize-bench/ours:{nonce}")
        driver = client.info().get("Driver")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        for name in ("warm", "ours", "hand", "base"):  # keep the layers cached, drop the tags
            subprocess.run(["docker", "rmi", "--no-prune", f"containerize-bench/{name}:{nonce}"], capture_output=True)

    print(f"\nstorage driver: {driver}    notebook: {args.notebook.name}    packages locked: {len(lock.packages)}\n")
    print(f"{'':50} {'ours (all)':>11} {'ours (build)':>13} {'hand-written':>13}  note")
    for name, a, b, h, note in rows:
        print(f"{name:50} {a:>10.2f}s {b:>12.2f}s {h:>12.2f}s  {note}")
    print(f"{'image size (MB)':50} {ours_size / 1e6:>11.0f} {'':>13} {hand_size / 1e6:>13.0f}  "
          f"floor {floor / 1e6:.0f} MB (base {base_size / 1e6:.0f} + env); ours/floor = {ours_size / floor:.2f} "
          "(target <= 1.1)")
    return 0


def _analysed(notebook: Path):
    environment = pipeline.kernel_environment(notebook, python=KERNEL)
    return pipeline.analyse(notebook, environment, notebook.parent), environment


if __name__ == "__main__":
    sys.exit(main())
