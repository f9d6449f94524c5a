"""Build speed, size and memory: our build vs a hand-written Dockerfile, side by side, one run.

    python benchmarks/build.py [--sales-python PATH] [--edits 5] [--add tabulate==0.9.0]

Two notebooks: the example (``examples/sales-report.ipynb``, its kernelspec's interpreter)
and ``benchmarks/notebooks/sales-model.ipynb`` (pandas + matplotlib + scikit-learn, with the
kernel ``benchmarks/lock.py`` makes, or ``--sales-python``). Every build of ours is the
whole ``jupyter containerize build`` process, as a user types it (interpreter start-up
included), run from this checkout. Measured for each notebook:

* **cold**: an empty host cache (a new ``--cache-dir``: no wheels, no installed segments, no
  index answers, no image configs, no prepared bases; and a new empty pip cache), on a new
  base image id (the base re-tagged with a fresh label), against the hand-written
  Dockerfile built with ``--no-cache`` on that new base (its pip downloads everything too);
* **warm**: the first build on another new base image id with the host cache the cold build
  filled, against the same hand-written figure (target <= 0.3x); measured twice: right after
  the hand-written build, and once the files that build's clean-up deleted are a minute old
  (on ext4 without a journal, which is slow to reuse freshly freed inodes; see ``settle``);
* **one-cell edit**: ``jupyter containerize build`` after editing one cell, whole process,
  median of ``--edits`` runs (target <= 0.6 s): served by the CLI's build service (which the
  earlier builds started, as a user's would: ``jupyter_containerize/cli/service.py``), and
  then each in its own process (``CONTAINERIZE_SERVICE=0``), for comparison;
* image size against the floor (base + installed environment);
* peak RSS (max resident set of the build process and its children, from ``wait4``) of the
  cold build, and of a build of ``sales-model`` with a 300 MB data file beside it (the build
  context must not be held in memory whole). Both run in their own process: the cold build
  finds no service (the benchmark stops its services first, as a new user has none), and the
  data-file build runs with ``CONTAINERIZE_SERVICE=0``.

The services live in a runtime folder of the benchmark's own (``XDG_RUNTIME_DIR``), stopped
at its end.

Then ``jupyter containerize --help`` (median of 20). Each measurement starts after a sync,
so that writing back the previous one's layers does not slow it down, and each first build
(cold, hand-written, warm) with no deletion of the benchmark's own under a minute old. The hand-written
Dockerfile is what a user would write: a venv, ``pip install -r requirements.txt`` inside
the container (the same pins as our lock; the host's CA bundle copied in so pip gets through
this machine's TLS-intercepting proxy), notebook last. Not a test: it prints a table.
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
from dataclasses import dataclass, field
from pathlib import Path

import docker

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from jupyter_containerize import pipeline  # noqa: E402
from jupyter_containerize.cli import service  # noqa: E402
from jupyter_containerize.settings import Settings  # noqa: E402

BASE = os.environ.get("CONTAINERIZE_BASE_IMAGE", "jupyter-containerize/python:3.11-bookworm")
CA = Path(os.environ.get("PIP_CERT") or "/etc/ssl/certs/ca-certificates.crt")
BIN = Path(sys.executable).parent  # `jupyter` of this interpreter (not a pyenv shim)
DATA_MB = 300

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


@dataclass
class Figures:
    name: str
    packages: int = 0
    cold: float = 0.0
    cold_rss: int = 0
    hand: float = 0.0
    warm: float = 0.0
    warm_after_clean_up: float = 0.0
    edits: list[float] = field(default_factory=list)  # served by the build service
    edits_served: list[float] = field(default_factory=list)  # the service's child, as its log says
    edits_own: list[float] = field(default_factory=list)  # each in its own process
    edits_own_cpu: list[float] = field(default_factory=list)
    edits_reference: float = 0.0  # the CPU reference right before the edits
    add: float = 0.0
    hand_add: float = 0.0
    size: int = 0
    hand_size: int = 0
    floor: int = 0
    data_build: float = 0.0
    data_rss: int = 0


class Ours:
    """``jupyter containerize build`` of this checkout, as a subprocess."""

    argv_head = (str(BIN / "jupyter"), "containerize", "build")

    def __init__(self, python: str | None):
        self.python = python

    def build(self, notebook: Path, tag: str, base: str, cache: Path, *, pip_cache: Path | None = None,
              add: tuple[str, ...] = (), label: str = "", served: bool = True) -> tuple[float, int]:
        env = as_installed({**os.environ, "PYTHONPATH": str(REPO), "XDG_RUNTIME_DIR": str(RUNTIME)})
        if not served:
            env["CONTAINERIZE_SERVICE"] = "0"
        if pip_cache is not None:
            env["PIP_CACHE_DIR"] = str(pip_cache)
        args = [*self.argv_head, str(notebook), "--tag", tag, "--base", base,
                "--cache-dir", str(cache), *(["--python", self.python] if self.python else []),
                *(a for spec in add for a in ("--add", spec))]
        return run_measured(args, env, label=label)


def as_installed(env: dict) -> dict:
    """The environment of a user's command: an installed package has its bytecode written
    (pip compiles it; an editable checkout writes it at the first import), so a
    ``PYTHONDONTWRITEBYTECODE`` of this shell must not make every run compile our modules."""
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


RUNTIME = Path(tempfile.mkdtemp(prefix="containerize-bench-run-"))  # the build services' sockets


def services() -> Path:
    return RUNTIME / "jupyter-containerize"


def stop_services() -> None:
    if services().is_dir() and not service.stop(services()):
        raise SystemExit("a build service did not stop")


def served_seconds() -> list[float]:
    """How long each build the services ran took in their children (from their logs)."""
    return [float(line.rsplit(" in ", 1)[1].split()[0]) for log in sorted(services().glob("*.log"))
            for line in log.read_text().splitlines() if " build: exit 0 in " in line]


CPU: dict[tuple, list[float]] = {}  # CPU seconds (user + system) of each measured command, by argv


LOGS: Path | None = None  # --logs: each measured command's stderr, every line with its time


def run_measured(args: list[str], env: dict, sync: bool = True, label: str = "") -> tuple[float, int]:
    """(wall seconds, peak RSS in bytes of the process and the children it waited for); the
    CPU seconds it used go to :data:`CPU` (a loaded machine stretches wall time, less CPU)."""
    if sync:
        os.sync()  # no dirty pages of the previous measurement in this one
    started = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        reader, writer = os.pipe() if LOGS and label else (None, err.fileno())
        pid = os.posix_spawn(args[0], args, env, file_actions=[(os.POSIX_SPAWN_DUP2, out.fileno(), 1),
                                                               (os.POSIX_SPAWN_DUP2, writer, 2)])
        if reader is not None:
            os.close(writer)
            timed_lines(reader, started, err, LOGS / f"{label}.log")
        _, status, usage = os.wait4(pid, 0)
        elapsed = time.monotonic() - started
        if os.waitstatus_to_exitcode(status):
            err.seek(0)
            raise SystemExit(f"{' '.join(args)} failed:\n{err.read().decode()[-3000:]}")
    CPU.setdefault(tuple(args[:3]), []).append(usage.ru_utime + usage.ru_stime)
    return elapsed, usage.ru_maxrss * 1024


def timed_lines(reader: int, started: float, copy, path: Path) -> None:
    """Each line from ``reader`` to ``path`` after the seconds since ``started`` (and to
    ``copy``, for the error message), until the writer closes."""
    with os.fdopen(reader, "rb") as lines, path.open("w") as log:
        for line in lines:
            copy.write(line)
            log.write(f"{time.monotonic() - started:7.2f} {line.decode(errors='replace')}")


def hand(context: Path, tag: str) -> float:
    os.sync()
    started = time.monotonic()
    subprocess.run(["docker", "build", "--no-cache", "-q", "-t", tag, str(context)], check=True, capture_output=True)
    elapsed = time.monotonic() - started
    deleted()  # the engine removed the build's containers: each one's files, the environment's too
    return elapsed


INODE_REUSE_DELAY = 61.0  # seconds (fs/ext4/ialloc.c: RECENTCY_MIN, for an inode table written back)
SETTLE = False  # the engine's file system is ext4 without a journal (see settle())
_DELETED_AT = 0.0


def deleted() -> None:
    """The benchmark itself just made the engine delete many files."""
    global _DELETED_AT
    _DELETED_AT = time.monotonic()


def settle() -> None:
    """Wait until the files the benchmark deleted last are a minute old (when the engine's
    file system is ext4 without a journal): ext4 then skips an inode freed less than 60 s ago
    (more while its block is dirty) by probing each one, so a build right after another's
    clean-up creates its files far slower. The hand-written build runs with no such
    clean-up before it; ours must too, or the comparison charges our build with the
    baseline's deletions. ``warm_after_clean_up`` keeps the figure without the wait."""
    left = INODE_REUSE_DELAY - (time.monotonic() - _DELETED_AT)
    if SETTLE and left > 0:
        print(f"  waiting {left:.0f} s for the last deletions to age (ext4 without a journal)", file=sys.stderr)
        time.sleep(left)


def fresh_base(client, nonce: str) -> str:
    """The base image under a new id (a label only): the engine has no layer built on it."""
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


def add_data_file(notebook: Path, megabytes: int) -> None:
    """A large data file beside the notebook, named by a cell (so the image takes it)."""
    with (notebook.parent / "sales-history.bin").open("wb") as handle:
        for _ in range(megabytes):
            handle.write(os.urandom(1 << 20))
    data = json.loads(notebook.read_text())
    data["cells"].append({"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                          "source": 'history = open("sales-history.bin", "rb").read(16)'})
    notebook.write_text(json.dumps(data, indent=1))


def installed_size(image: str, path: str = "/opt/venv") -> int:
    out = subprocess.run(["docker", "run", "--rm", "--entrypoint", "du", image, "-sb", path],
                         capture_output=True, text=True, check=True).stdout
    deleted()
    return int(out.split()[0])


def measure(client, source: Path, python: str | None, work: Path, nonce: str, args) -> Figures:
    key = source.stem
    figures = Figures(key)
    nb = work / key / "ours" / source.name
    nb.parent.mkdir(parents=True)
    shutil.copy(source, nb)
    ours = Ours(python)
    tag = f"containerize-bench/{key}:{nonce}"
    cache = work / key / "cache"

    environment = pipeline.kernel_environment(nb, python=python)
    lock = pipeline.lock(pipeline.analyse(nb, environment, nb.parent), environment, Settings(cache_dir=cache))
    figures.packages = len(lock.packages)
    shutil.rmtree(cache)  # only the lock's pins were wanted: the cold build starts empty

    ctx = work / key / "hand"
    ctx.mkdir()
    shutil.copy(CA, ctx / "ca.crt")
    shutil.copy(REPO / "jupyter_containerize" / "runner" / "run.py", ctx / "run.py")
    (ctx / "requirements.txt").write_text("".join(f"{p.name}=={p.version}\n" for p in lock.packages))
    shutil.copy(nb, ctx / nb.name)

    print(f"[{key}] cold builds...", file=sys.stderr)
    cold_base = fresh_base(client, f"{nonce}-{key}-cold")
    stop_services()  # a new user has no build service running
    settle()
    figures.cold, figures.cold_rss = ours.build(nb, tag, cold_base, cache, pip_cache=work / key / "pip-cache",
                                                label=f"{key}-cold")
    (ctx / "Dockerfile").write_text(HAND_DOCKERFILE.format(base=cold_base, notebook=nb.name))
    figures.hand = hand(ctx, f"{tag}-hand")

    print(f"[{key}] warm first builds...", file=sys.stderr)
    stop_services()  # the first build of a user whose host cache is warm: no service of theirs yet
    figures.warm_after_clean_up, _ = ours.build(nb, tag, fresh_base(client, f"{nonce}-{key}-warm-now"), cache,
                                                label=f"{key}-warm-after-clean-up")
    warm_base = fresh_base(client, f"{nonce}-{key}-warm")
    settle()
    stop_services()
    figures.warm, _ = ours.build(nb, tag, warm_base, cache, label=f"{key}-warm")

    print(f"[{key}] one-cell edits...", file=sys.stderr)
    figures.edits_reference = cpu_reference()  # the machine's speed may have moved since the start
    ready = time.monotonic() + 60
    while not list(services().glob("*.sock")):  # the warm build started one: ready once it listens
        if time.monotonic() > ready:
            raise SystemExit("no build service runs after the warm builds")
        time.sleep(0.1)
    for n in range(args.edits):
        edit(nb, n)
        served = len(served_seconds())
        figures.edits.append(ours.build(nb, tag, warm_base, cache, label=f"{key}-edit-{n}")[0])
        if len(served_seconds()) != served + 1:
            raise SystemExit("a one-cell edit's build was not served by the build service")
        figures.edits_served.append(served_seconds()[-1])
    for n in range(args.edits):
        edit(nb, args.edits + n)
        figures.edits_own.append(ours.build(nb, tag, warm_base, cache, label=f"{key}-edit-own-{n}", served=False)[0])
        figures.edits_own_cpu.append(CPU[tuple(ours.argv_head)][-1])

    figures.size = client.images.get(tag).attrs["Size"]
    figures.hand_size = client.images.get(f"{tag}-hand").attrs["Size"]
    figures.floor = client.images.get(BASE).attrs["Size"] + installed_size(tag)

    if args.add:
        print(f"[{key}] adding {args.add}...", file=sys.stderr)
        settle()
        figures.add, _ = ours.build(nb, tag, warm_base, cache, add=(args.add,))
        with (ctx / "requirements.txt").open("a") as handle:
            handle.write(args.add + "\n")
        figures.hand_add = hand(ctx, f"{tag}-hand")

    if key == "sales-model":
        print(f"[{key}] a build with a {DATA_MB} MB data file...", file=sys.stderr)
        add_data_file(nb, DATA_MB)
        settle()
        figures.data_build, figures.data_rss = ours.build(nb, tag, warm_base, cache, label=f"{key}-data",
                                                          served=False)
    return figures


def remove_images(client, nonce: str) -> None:
    """This run's tags, and the prepared bases and environment images made on its bases
    (found by walking up parents and environment-base labels); other images are left."""
    ours = {i.id for i in client.images.list() if any(t.startswith("containerize-bench/") and nonce in t
                                                       for t in i.tags)}

    def descends(image_id: str) -> bool:
        for _ in range(30):
            if image_id in ours:
                return True
            try:
                data = client.api.inspect_image(image_id)
            except docker.errors.APIError:
                return False
            label = ((data.get("Config") or {}).get("Labels") or {}).get("io.jupyter.containerize.env-base")
            image_id = data.get("Parent") or (label if label != image_id else "")
            if not image_id:
                return False
        return False

    names = [t for i in client.images.list() for t in i.tags
             if (i.id in ours or (t.startswith("jupyter-containerize-env:") and descends(i.id)))]
    if names:
        subprocess.run(["docker", "rmi", *names], capture_output=True)


def cpu_reference() -> float:
    """Seconds of a fixed pure-Python loop in a new interpreter: the machine's speed at the
    time, beside the figures (on a shared virtual machine it moves by a third within an hour,
    and a one-cell edit's 0.5 s moves with it)."""
    code = "import time\nt = time.perf_counter()\nsum(range(20_000_000))\nprint(time.perf_counter() - t)"
    runs = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
            for _ in range(3)]
    return statistics.median(runs)


def engine_filesystem(root: str) -> str:
    """The file system under the engine's data root (when the engine runs on this machine),
    and for ext4 whether it has a journal. Without one, ext4 probes each free inode of a
    block it is writing before reusing it (``recently_deleted`` in ``fs/ext4/ialloc.c``): after
    many deletions, unpacking a layer's ~16,000 files spends most of its time there. Loading
    the example's environment layer measured 13.7-14.1 s on this machine's root file system
    (no journal) and 3.5-3.7 s on a journaled ext4 (what ``mkfs.ext4`` makes)."""
    mounts = [line.split()[:3] for line in Path("/proc/mounts").read_text().splitlines()]
    under = [(point, device, kind) for device, point, kind in mounts
             if root == point or root.startswith(point.rstrip("/") + "/")]
    if not under:
        return f"{root} (not on this machine)"
    point, device, kind = max(under, key=lambda mount: len(mount[0]))
    journal = Path("/sys/fs/ext4") / Path(device).name / "journal_task"
    if kind == "ext4" and journal.is_file() and journal.read_text().strip() == "<none>":
        kind = "ext4 without a journal"
    return f"{root} on {device} ({kind})"


def cli_help(runs: int = 20) -> tuple[float, float, float]:
    """Median seconds of ``jupyter containerize --help`` (this interpreter's ``jupyter``, no
    pyenv shim), its median CPU seconds, and the median through the ``jupyter`` first on PATH."""
    env = as_installed({**os.environ, "PYTHONPATH": str(REPO)})
    medians, cpu = [], 0.0
    for jupyter in (str(BIN / "jupyter"), shutil.which("jupyter") or str(BIN / "jupyter")):
        argv = [jupyter, "containerize", "--help"]
        times = [run_measured(argv, env, sync=False)[0] for _ in range(runs + 2)][2:]
        medians.append(statistics.median(times))
        cpu = cpu or statistics.median(CPU[tuple(argv[:3])][2:])
    return medians[0], cpu, medians[1]


def ratio(a: float, b: float) -> str:
    return f"{a:.2f} / {b:.2f} s = {a / b:.2f}x" if b else f"{a:.2f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sales-python", help="the sales-model kernel's interpreter (default: the venv "
                                               "benchmarks/lock.py makes, with pandas, scikit-learn, matplotlib)")
    parser.add_argument("--only", choices=["example", "sales-model"], help="measure one notebook")
    parser.add_argument("--add", help="also measure adding one package (e.g. tabulate==0.9.0)")
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the images (default: removed at the end)")
    parser.add_argument("--logs", type=Path, help="write each build's output here, every line with its "
                                                  "seconds since the start (where the time goes)")
    args = parser.parse_args()
    if args.logs:
        global LOGS
        LOGS = args.logs
        LOGS.mkdir(parents=True, exist_ok=True)
    sales_python = args.sales_python
    if not sales_python and args.only != "example":
        sys.path.insert(0, str(REPO / "benchmarks"))
        from lock import bench_kernel

        sales_python = bench_kernel()
    client = docker.from_env()
    info = client.info()
    filesystem = engine_filesystem(info.get("DockerRootDir", ""))
    driver = f"{info.get('Driver')}, data root {filesystem}"
    global SETTLE
    SETTLE = filesystem.endswith("(ext4 without a journal)")
    load_at_start, cpu_at_start = os.getloadavg()[0], cpu_reference()
    nonce = str(time.time_ns())
    work = Path(tempfile.mkdtemp(prefix="containerize-bench-", dir=os.environ.get("BENCH_TMP")))
    cases = [("example", REPO / "examples" / "sales-report.ipynb", None),
             ("sales-model", REPO / "benchmarks" / "notebooks" / "sales-model.ipynb", sales_python)]
    results = []
    try:
        for key, source, python in cases:
            if args.only in (None, key):
                results.append(measure(client, source, python, work, nonce, args))
        help_own, help_cpu, help_path = cli_help()
    finally:
        stop_services()
        shutil.rmtree(RUNTIME, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
        if not args.keep:
            remove_images(client, nonce)

    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    print(f"\nstorage driver: {driver}    machine: {os.cpu_count()} cores    commit: {commit}    "
          f"load average at the start: {load_at_start:.2f}\n")
    head = "| | " + " | ".join(f"{f.name} ({f.packages} pkgs): ours / hand-written" for f in results) + " | target |"
    print(head)
    print("|" + " --- |" * (len(results) + 2))

    def row(label, cells, target):
        print(f"| {label} | " + " | ".join(cells) + f" | {target} |")

    row("cold host cache, new base id", [ratio(f.cold, f.hand) for f in results], "<= 0.7x")
    row("warm host cache first build, new base id", [ratio(f.warm, f.hand) for f in results], "<= 0.3x")
    row("the same, right after the hand-written build (its clean-up's deletions under 60 s old)",
        [ratio(f.warm_after_clean_up, f.hand) for f in results], "report")
    row(f"`jupyter containerize build` after a one-cell edit, median of {args.edits} (build service)",
        [f"{statistics.median(f.edits):.2f} s, of which the service's child {statistics.median(f.edits_served):.2f} s "
         f"(runs {', '.join(f'{t:.2f}' for t in f.edits)}; CPU reference right before: {f.edits_reference:.3f} s)"
         for f in results],
        "<= 0.6 s")
    row(f"the same, each in its own process (`CONTAINERIZE_SERVICE=0`), median of {args.edits}",
        [f"{statistics.median(f.edits_own):.2f} s, CPU {statistics.median(f.edits_own_cpu):.2f} s (runs "
         f"{', '.join(f'{t:.2f}' for t in f.edits_own)})" for f in results], "report")
    if args.add:
        row(f"rebuild after adding {args.add}", [ratio(f.add, f.hand_add) for f in results], "<= 10 s")
    row("image size (MB): ours / hand-written (floor)",
        [f"{f.size / 1e6:.0f} / {f.hand_size / 1e6:.0f} ({f.floor / 1e6:.0f}; {f.size / f.floor:.2f}x floor)"
         for f in results], "<= 1.1x floor")
    row("peak RSS of the cold build", [f"{f.cold_rss / 1e6:.0f} MB" for f in results], "report")
    for f in results:
        if f.data_build:
            row(f"{f.name} with a {DATA_MB} MB data file: build, peak RSS",
                [f"{f.data_build:.2f} s, {f.data_rss / 1e6:.0f} MB" if g is f else "" for g in results],
                "context never whole in memory")
    print(f"\n`jupyter containerize --help`, median of 20: {help_own:.3f} s, CPU {help_cpu:.3f} s ({BIN / 'jupyter'}); "
          f"{help_path:.3f} s (`jupyter` first on PATH: {shutil.which('jupyter')}). Target <= 0.25 s.")
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"CPU reference (sum(range(20_000_000)) in a new interpreter, median of 3): {cpu_at_start:.3f} s at the "
          f"start, {cpu_reference():.3f} s at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
