"""Real notebooks, real repositories: does the image run each notebook as its kernel does?

    nice -n 10 python benchmarks/corpus.py --mirror /work/.mirror [--only TEXT]... [--limit N]
        [--cell-timeout 120] [--budget 600] [--core PATH] [--results FILE] [--table]

For each entry of ``benchmarks/corpus/manifest.json`` (repository, commit, path, licence):

1. lays out the repository at that commit (``git ls-tree`` + ``cat-file`` from the bare mirror
   ``MIRROR/owner+name/repo``; files the mirror lacks, e.g. over 4 MiB, are listed as missing)
   in a fresh folder under the cache (``~/.cache/jupyter-containerize-corpus``, never in this
   repository), so the notebook sits among its own files;
2. makes a kernel venv (uv, shared cache; one venv per requirement set, reused) with what the
   notebook needs: the names in its repository's requirements/environment files plus what our
   analysis finds it imports (heavy deep-learning stacks are left out and said so);
3. runs it in that kernel inside its tree (nbclient, per-cell time-out, a budget per notebook);
4. builds its image with our CLI (``jupyter containerize build --python KERNEL``: analysis,
   lock, context, engine) from a fresh copy of the tree and runs it (``jupyter containerize run``,
   which goes through ``share/running.py``);
5. compares: both clean or both failing at the same code cell with the same exception, and cell
   by cell the same kinds of output (stdout, image/png, text/html, widget fallbacks...).

Results are kept in a JSON file (default in the cache folder) keyed by what each stage depends
on, so a later run only redoes what changed (a stage whose inputs are unchanged is reused; the
image stage depends on the digest of the core's source, ``--core``, default this checkout).
``--table`` prints the table of the last results without running anything.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path, PurePosixPath

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
MANIFEST = HERE / "corpus" / "manifest.json"
CACHE = Path(os.environ.get("CONTAINERIZE_CORPUS_CACHE", Path.home() / ".cache" / "jupyter-containerize-corpus"))
BASE_IMAGE = os.environ.get("CONTAINERIZE_BASE_IMAGE", "jupyter-containerize/python:3.11-bookworm")
KERNEL_PYTHON = os.environ.get("CORPUS_KERNEL_PYTHON", sys.executable)
# Left out of kernel venvs: gigabytes of wheels each (CUDA), too much for this harness's machine.
HEAVY = re.compile(r"^(torch|torchvision|torchaudio|tensorflow.*|tf-.*|jax|jaxlib|keras.*|lightning|pytorch-lightning|"
                   r"transformers|mxnet|cupy.*|nvidia-.*|paddlepaddle|onnxruntime-gpu|tensorboard)$")
NOT_PYPI = re.compile(r"^(python|pip|conda|nodejs|r-.*|jupyter|jupyterlab|notebook|nb_conda.*|mkl.*|libgdal|"
                      r"gdal|proj|geos|graphviz|python-graphviz|cudatoolkit|ffmpeg|nomkl|_.*)$")
KERNEL_BASE = ["ipykernel", "matplotlib-inline"]
RESULTS_VERSION = 1


# ----------------------------------------------------------------------------- trees

def git(gitdir: Path, *args: str, input: bytes | None = None) -> bytes:
    return subprocess.run(["git", "--git-dir", str(gitdir), *args], check=True, capture_output=True,
                          input=input).stdout


def layout(mirror: Path, repo: str, commit: str, dest: Path) -> list[str]:
    """Write the repository's tree at ``commit`` into ``dest``; return the paths the mirror lacks."""
    gitdir = mirror / repo.replace("/", "+") / "repo"
    entries = []
    for raw in git(gitdir, "ls-tree", "-r", "-z", commit).split(b"\0"):
        if not raw:
            continue
        meta, path = raw.split(b"\t", 1)
        mode, kind, sha = meta.decode().split()
        if kind == "blob":
            entries.append((mode, sha, path.decode("utf-8", "replace")))
    missing = []
    proc = subprocess.Popen(["git", "--git-dir", str(gitdir), "cat-file", "--batch"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)

    def feed():  # in a thread: cat-file blocks on a full stdout pipe while we would block on stdin
        proc.stdin.write("".join(f"{sha}\n" for _, sha, _ in entries).encode())
        proc.stdin.close()

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    for mode, _sha, path in entries:
        header = proc.stdout.readline().decode().split()
        if len(header) < 3 or header[1] == "missing":
            missing.append(path)
            continue
        data = proc.stdout.read(int(header[2]))
        proc.stdout.read(1)
        target = dest / path
        if ".." in PurePosixPath(path).parts:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if mode == "120000":
            try:
                target.symlink_to(data.decode())
            except OSError:
                pass
            continue
        target.write_bytes(data)
        if mode == "100755":
            target.chmod(0o755)
    feeder.join()
    proc.wait()
    return missing


# ----------------------------------------------------------------------------- kernel venvs

_REQ_FILES = ("requirements.txt", "requirements.in", "binder/requirements.txt", "environment.yml",
              "environment.yaml", "binder/environment.yml")


def requirement_files(tree: Path, notebook: Path) -> list[Path]:
    """The nearest requirements/environment files: the notebook's folder, then each parent."""
    folder = notebook.parent
    while True:
        found = [folder / name for name in _REQ_FILES if (folder / name).is_file()]
        if found:
            return found
        if folder == tree:
            return []
        folder = folder.parent


def names_in(path: Path) -> list[str]:
    """Distribution names in a requirements file or a conda environment file (pins dropped:
    old pins rarely install on today's Python; the kernel gets today's releases)."""
    text = path.read_text(errors="replace")
    if path.suffix in (".yml", ".yaml"):
        import yaml

        try:
            deps = (yaml.safe_load(text) or {}).get("dependencies") or []
        except (yaml.YAMLError, AttributeError):
            return []
        lines = []
        for dep in deps:
            if isinstance(dep, dict):
                lines += [str(d) for d in dep.get("pip", []) or []]
            else:
                lines.append(str(dep).split("::")[-1])
    else:
        lines = [ln.split("#")[0].strip() for ln in text.splitlines()]
    names = []
    for line in lines:
        if not line or line.startswith(("-", "git+", "http", ".", "/")):
            continue
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)", line)
        if match:
            names.append(match.group(1).lower().replace("_", "-"))
    return names


ALIASES = {"sklearn": "scikit-learn", "cv2": "opencv-python-headless", "PIL": "pillow", "bs4": "beautifulsoup4",
           "skimage": "scikit-image", "mpl_toolkits": "matplotlib", "yaml": "pyyaml", "dateutil": "python-dateutil",
           "IPython": "ipython", "Bio": "biopython", "pkg_resources": "setuptools", "sqlalchemy": "sqlalchemy"}


def imported_names(notebook: Path, tree: Path) -> list[str]:
    """A plain scan of the notebook's imports (used when our analysis fails, so that a bug of
    ours does not also starve the kernel)."""
    nb = json.loads(notebook.read_text(errors="replace"))
    cells = nb.get("cells") or [c for ws in nb.get("worksheets", []) for c in ws.get("cells", [])]
    code = "\n".join("".join(c.get("source", c.get("input", ""))) for c in cells if c.get("cell_type") == "code")
    found = set()
    for module in re.findall(r"^\s*(?:from|import)\s+([A-Za-z_]\w*)", code, re.M):
        if module in sys.stdlib_module_names or (notebook.parent / f"{module}.py").exists() \
                or (notebook.parent / module).is_dir() or (tree / f"{module}.py").exists():
            continue
        found.add(ALIASES.get(module, module).lower().replace("_", "-"))
    return sorted(found)


def analysed_names(notebook: Path, tree: Path, python: Path) -> tuple[list[str], str]:
    proc = subprocess.run([sys.executable, "-m", "jupyter_containerize.cli", "analyze", str(notebook), "--python",
                           str(python), "--json"], capture_output=True, text=True, cwd=tree,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=300)
    if proc.returncode != 0:
        return [], (proc.stderr.strip().splitlines() or ["analysis failed"])[-1]
    data = json.loads(proc.stdout)
    return [r["name"].lower() for r in data.get("requirements", [])], ""


def venv_for(names: list[str], log) -> tuple[Path, list[str]]:
    """A kernel venv holding ``names`` (made once per set); returns it and what did not install."""
    key = hashlib.sha256(json.dumps(sorted(set(names))).encode()).hexdigest()[:12]
    venv = CACHE / "venvs" / key
    marker = venv / "corpus-ready.json"
    if marker.is_file():
        return venv, json.loads(marker.read_text())["failed"]
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run(["uv", "venv", "-q", "--python", KERNEL_PYTHON, str(venv)], check=True)
    python = str(venv / "bin" / "python")
    wanted = sorted(set(KERNEL_BASE) | set(names))
    failed = []
    for _attempt in range(40):  # drop what the index does not have (conda-only names...), then retry at once
        proc = subprocess.run(["uv", "pip", "install", "-q", "--python", python, *wanted], capture_output=True,
                              text=True, timeout=1800)
        absent = set(re.findall(r"Because (\S+) was not found in the package registry", proc.stderr))
        absent |= set(re.findall(r"Because there are no versions of (\S+) and", proc.stderr))
        absent = {a.split("[")[0] for a in absent} & set(wanted)
        if proc.returncode == 0 or not absent:
            break
        failed += sorted(absent)
        wanted = [w for w in wanted if w not in absent]
    if proc.returncode != 0:  # one at a time: keep what installs
        log(f"  venv: all at once failed ({_last(proc.stderr)}); installing one by one")
        for name in wanted:
            one = subprocess.run(["uv", "pip", "install", "-q", "--python", python, name], capture_output=True,
                                 text=True, timeout=1800)
            if one.returncode != 0:
                failed.append(name)
    kernels = venv / "share" / "jupyter" / "kernels" / f"corpus-{key}"
    kernels.mkdir(parents=True, exist_ok=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"corpus {key}", "language": "python"}))
    marker.write_text(json.dumps({"names": wanted, "failed": failed}))
    return venv, failed


def _last(text: str, n: int = 1) -> str:
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    return " | ".join(lines[-n:])[:300]


# ----------------------------------------------------------------------------- running in the kernel

def execute(notebook: Path, output: Path, kernel: str, cell_timeout: float) -> int:
    """(subprocess) Run ``notebook`` in ``kernel`` from its folder; stop at the first failing cell
    as the image's runner does; write the executed notebook and what happened to ``output``."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = nbformat.read(notebook, as_version=4)
    client = NotebookClient(nb, kernel_name=kernel, timeout=cell_timeout, interrupt_on_timeout=True,
                            resources={"metadata": {"path": str(notebook.parent)}})
    report = {"status": "clean"}
    index = None
    started = time.monotonic()
    try:
        with client.setup_kernel():
            for index, cell in enumerate(nb.cells):
                if cell.cell_type == "code":
                    client.execute_cell(cell, index)
    except CellExecutionError as exc:
        report = {"status": "failed", "cell": index + 1, "ename": exc.ename, "evalue": str(exc.evalue)[:500]}
    except CellTimeoutError:
        report = {"status": "failed", "cell": index + 1, "ename": "CellTimeoutError", "evalue": f"over {cell_timeout}s"}
    except DeadKernelError as exc:
        report = {"status": "failed", "cell": (index or 0) + 1, "ename": "DeadKernelError", "evalue": str(exc)[:300]}
    except RuntimeError as exc:
        report = {"status": "failed", "cell": None, "ename": "KernelStart", "evalue": str(exc)[:300]}
    report["duration_s"] = round(time.monotonic() - started, 1)
    nb.metadata["corpus"] = report
    nbformat.write(nb, output)
    return 0


def run_in_kernel(notebook: Path, venv: Path, out: Path, cell_timeout: float, budget: float) -> dict:
    kernel = f"corpus-{venv.name}"  # (ipykernel also ships a "python3" spec there, running ``python`` from PATH)
    env = {k: v for k, v in os.environ.items() if k not in ("MPLBACKEND", "PYTHONPATH")}
    env["JUPYTER_PATH"] = str(venv / "share" / "jupyter")
    started = time.monotonic()
    try:
        proc = subprocess.run([sys.executable, __file__, "_execute", str(notebook), str(out), kernel,
                               str(cell_timeout)], capture_output=True, text=True, env=env, timeout=budget,
                              cwd=notebook.parent)
    except subprocess.TimeoutExpired:
        return {"status": "failed", "cell": None, "ename": "BudgetExceeded", "evalue": f"over {budget:g}s",
                "duration_s": budget}
    if proc.returncode != 0 or not out.is_file():
        return {"status": "failed", "cell": None, "ename": "HarnessError", "evalue": _last(proc.stderr, 2)}
    import nbformat

    report = dict(nbformat.read(out, as_version=4).metadata.get("corpus", {}))
    report["wall_s"] = round(time.monotonic() - started, 1)
    return report


# ----------------------------------------------------------------------------- the image

def core_digest(core: Path) -> str:
    h = hashlib.sha256()
    for path in sorted((core / "jupyter_containerize").rglob("*")):
        if path.is_file() and path.suffix in (".py", ".j2", ".json") and "__pycache__" not in path.parts:
            h.update(path.relative_to(core).as_posix().encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def remove_images(tag: str) -> None:
    """The notebook image and the environment image it was built on (about 1 GB a notebook:
    a whole run that kept them filled a 100 GB disk). Another notebook with the same lock
    builds its environment again."""
    from jupyter_containerize.image.envimage import env_tag

    labels = '{{index .Config.Labels "io.jupyter.containerize.lock-digest"}} ' \
             '{{index .Config.Labels "io.jupyter.containerize.env-base"}}'
    found = subprocess.run(["docker", "image", "inspect", tag, "--format", labels],
                           capture_output=True, text=True).stdout.split()
    names = [tag]
    if len(found) == 2 and found[0].startswith("sha256:"):
        names.append(env_tag(found[0].split(":", 1)[1], found[1]))
    subprocess.run(["docker", "rmi", *names], capture_output=True)


def build_and_run(notebook: Path, tree: Path, venv: Path, core: Path, out_dir: Path, tag: str,
                  cell_timeout: float, budget: float) -> dict:
    env = {**os.environ, "PYTHONPATH": str(core)}
    env.pop("MPLBACKEND", None)
    cli = [sys.executable, "-m", "jupyter_containerize.cli"]
    started = time.monotonic()
    confirmed = ""
    try:
        build = [*cli, "build", str(notebook), "--python", str(venv / "bin" / "python"), "--base", BASE_IMAGE,
                 "--tag", tag, "--json"]
        proc = subprocess.run(build, capture_output=True, text=True, cwd=tree, env=env, timeout=1800)
        if proc.returncode != 0 and "Possible secrets would be copied" in proc.stderr:
            # what a user does with a teaching notebook's example password: look, then confirm
            confirmed = _cause(proc.stderr)
            proc = subprocess.run([*build, "--allow-secrets"], capture_output=True, text=True, cwd=tree, env=env,
                                  timeout=1800)
    except subprocess.TimeoutExpired:
        return {"build": "failed", "cause": "build took over 1800s"}
    build_s = round(time.monotonic() - started, 1)
    if proc.returncode != 0:
        return {"build": "failed", "cause": _cause(proc.stderr), "build_s": build_s,
                "log_tail": proc.stderr.splitlines()[-15:]}
    built = json.loads(proc.stdout.strip().splitlines()[-1])
    labels = subprocess.run(["docker", "image", "inspect", tag, "--format",
                             '{{index .Config.Labels "io.jupyter.containerize.env-packages"}}'],
                            capture_output=True, text=True).stdout.split()
    packages = [label.split("#")[0] for label in labels if "==" in label]
    out_dir.mkdir(parents=True, exist_ok=True)
    out_dir.chmod(0o777)
    started = time.monotonic()
    try:
        run = subprocess.run([*cli, "run", tag, "--output", str(out_dir), "--cell-timeout", f"{cell_timeout:g}",
                              "--timeout", f"{budget:g}"], capture_output=True, text=True, env=env,
                             timeout=budget + 120)
        run_out, run_err, code = run.stdout, run.stderr, run.returncode
    except subprocess.TimeoutExpired:
        run_out, run_err, code = "", "the run took over its budget", -1
    return {"build": "ok", "build_s": build_s, "run_s": round(time.monotonic() - started, 1), "size": built["size"],
            **({"confirmed_secrets": confirmed} if confirmed else {}),
            "packages": packages,
            "tag": tag, "exit": code, "run_tail": (run_out + run_err).splitlines()[-6:]}


def _cause(stderr: str) -> str:
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    for ln in reversed(lines):
        if ln.lower().startswith(("error", "jupyter containerize:")) or "Error" in ln.split(":")[0]:
            return ln[:300]
    return (lines[-1] if lines else "no output")[:300]


# ----------------------------------------------------------------------------- comparing

def output_kinds(cell) -> list[str]:
    kinds = set()
    for out in cell.get("outputs", []):
        kind = out.get("output_type")
        if kind == "stream":
            if out.get("name") == "stdout":
                kinds.add("stdout")
        elif kind in ("display_data", "execute_result"):
            data = out.get("data", {})
            if "application/vnd.jupyter.widget-view+json" in data:
                kinds.add("widget")
            for mime in ("image/png", "image/svg+xml", "image/jpeg", "text/html", "text/latex", "text/markdown",
                         "application/javascript", "application/vnd.vegalite.v5+json",
                         "application/vnd.vegalite.v4+json", "application/vnd.bokehjs_exec.v0+json"):
                if mime in data:
                    kinds.add(mime)
            if set(data) <= {"text/plain"}:
                kinds.add("text/plain")
        elif kind == "error":
            kinds.add("error")
    return sorted(kinds)


def compare(kernel_nb: Path, image_nb: Path) -> tuple[bool, str]:
    import nbformat

    a = nbformat.read(kernel_nb, as_version=4)
    b = nbformat.read(image_nb, as_version=4)
    ka, kb = a.metadata.get("corpus", {}), b.metadata.get("containerize", {})
    a_failed = ka.get("status") == "failed"
    b_failed = kb.get("status") != "succeeded"
    if a_failed != b_failed:
        if b_failed:
            return False, f"image failed: {kb.get('error', '?')}"
        return False, f"image ran clean where the kernel failed at cell {ka.get('cell')} ({ka.get('ename')})"
    if a_failed and (ka.get("cell"), ka.get("ename")) != (kb.get("failed_cell"), kb.get("ename")):
        return False, (f"kernel failed at cell {ka.get('cell')} ({ka.get('ename')}), image at cell "
                       f"{kb.get('failed_cell')} ({kb.get('ename')}: {str(kb.get('error', ''))[:120]})")
    stop = ka.get("cell") or len(a.cells)
    for index, (ca, cb) in enumerate(zip(a.cells[:stop], b.cells[:stop]), start=1):
        if ca.cell_type != "code":
            continue
        oa, ob = output_kinds(ca), output_kinds(cb)
        if oa != ob:
            return False, f"cell {index}: kernel shows {','.join(oa) or 'nothing'}, image {','.join(ob) or 'nothing'}"
    return True, ""


# ----------------------------------------------------------------------------- classifying

NETWORK = re.compile(r"URLError|ConnectionError|ConnectTimeout|ProxyError|gaierror|Name or service not known|"
                     r"Temporary failure in name resolution|Max retries exceeded|HTTPError|HTTP Error 40[34]|"
                     r"Network is unreachable|Connection refused|RemoteDisconnected|SSLError|"
                     r"CERTIFICATE_VERIFY_FAILED|getaddrinfo|Errno -[23]|No route to host|403 Forbidden", re.I)
MISSING_DATA = re.compile(r"FileNotFoundError|No such file|does not exist|DatasetNotFound|LookupError|"
                          r"Resource .* not found|IsADirectoryError|not a valid (zip|file)|EmptyDataError", re.I)
REMOVED_API = re.compile(r"AttributeError|ImportError: cannot import name|TypeError: .*(unexpected keyword|"
                         r"got an unexpected|positional argument)|FutureWarning|DeprecationWarning|removed|"
                         r"no attribute|KeyError|ValueError: .*(deprecated|no longer)|NotImplementedError|"
                         r"SyntaxError|NameError: name 'print'|IndentationError|TabError", re.I)


def difference_owner(difference: str) -> str:
    """Whose a difference is. The image running further than the harness's kernel means the
    kernel lacked a package or program the image has (a venv made from requirement files, a
    host without ffmpeg): the outside world. A write into the image's read-only root (a run's
    root filesystem is read-only apart from home, the working directory, /tmp and /out) is by
    design. Anything else is ours."""
    if difference.startswith("image ran clean where the kernel failed"):
        return "outside world: the image has what the kernel lacked"
    further = re.match(r"kernel failed at cell (\d+) .*, image at cell (\d+)", difference)
    if further and int(further.group(2)) > int(further.group(1)):
        return "outside world: the image has what the kernel lacked"
    if "Read-only file system" in difference:
        return "by design: the image's root filesystem is read-only"
    return "ours"


def kernel_cause(report: dict, missing_files: list[str], heavy: list[str]) -> str:
    if report.get("status") == "clean":
        return ""
    text = f"{report.get('ename')}: {report.get('evalue')}"
    if report.get("ename") in ("CellTimeoutError", "BudgetExceeded"):
        return "time-out"
    if NETWORK.search(text):
        return "network"
    if report.get("ename") in ("ModuleNotFoundError",) or "No module named" in text:
        module = re.search(r"No module named '([^'.]+)", text)
        if module and any(module.group(1).replace("_", "-").startswith(h.split("-")[0]) for h in heavy):
            return "heavy package left out"
        return "missing package"
    if MISSING_DATA.search(text):
        if any(Path(m).name in text for m in missing_files):
            return "missing data (over the mirror's size limit)"
        return "missing data"
    if report.get("ename") in ("SyntaxError", "IndentationError", "TabError") or "print " in text:
        return "removed API (Python 2)"
    if REMOVED_API.search(text):
        return "removed API"
    return f"other ({report.get('ename')})"


# ----------------------------------------------------------------------------- the loop

def load_results(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
        if data.get("version") == RESULTS_VERSION:
            return data
    except (OSError, ValueError):
        pass
    return {"version": RESULTS_VERSION, "kernel": {}, "image": {}, "entries": {}}


def save_results(path: Path, results: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(results, indent=1, sort_keys=True))
    tmp.replace(path)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "nb"


def process(entry: dict, args, results: dict, digest: str, log) -> None:
    eid = entry["id"]
    work = CACHE / "work" / hashlib.sha256(eid.encode()).hexdigest()[:12]
    shutil.rmtree(work, ignore_errors=True)
    tree = work / "kernel-tree"
    tree.mkdir(parents=True)
    missing = layout(args.mirror, entry["repo"], entry["commit"], tree)
    notebook = tree / entry["path"]

    base, _ = venv_for([], log)
    declared = [n for f in requirement_files(tree, notebook) for n in names_in(f)]
    analysed, problem = analysed_names(notebook, tree, base / "bin" / "python")
    analysed += imported_names(notebook, tree)  # also when our analysis fails: a bug of ours must not starve the kernel
    if len(set(declared)) > 40:  # a whole distribution's dump (anaconda): only what the notebook uses
        declared = [n for n in declared if n in set(analysed)]
    names = sorted({n for n in declared + analysed if not NOT_PYPI.match(n)})
    heavy = [n for n in names if HEAVY.match(n)]
    names = [n for n in names if n not in heavy]
    venv, failed = venv_for(names, log)

    kernel_key = hashlib.sha256(json.dumps([entry["repo"], entry["commit"], entry["path"], str(venv),
                                            args.cell_timeout, args.budget]).encode()).hexdigest()[:16]
    kernel_nb = CACHE / "outputs" / kernel_key / "kernel.ipynb"
    k = results["kernel"].get(kernel_key)
    if k is None or not kernel_nb.is_file() or args.redo_kernel:
        kernel_nb.parent.mkdir(parents=True, exist_ok=True)
        log(f"  kernel: {len(names)} packages ({', '.join(names[:8])}{'...' if len(names) > 8 else ''})")
        report = run_in_kernel(notebook, venv, kernel_nb, args.cell_timeout, args.budget)
        k = {"report": report, "cause": kernel_cause(report, missing, heavy), "venv": venv.name,
             "names": names, "heavy": heavy, "not_installed": failed, "missing_files": len(missing),
             "analysis_problem": problem}
        results["kernel"][kernel_key] = k
    log(f"  kernel: {k['report'].get('status')} {k['cause']} "
        f"{k['report'].get('ename') or ''} {str(k['report'].get('evalue') or '')[:100]}")

    image_key = hashlib.sha256(f"{kernel_key}:{digest}:{BASE_IMAGE}".encode()).hexdigest()[:16]
    im = results["image"].get(image_key)
    if im is None or args.redo_image:
        image_tree = work / "image-tree"
        image_tree.mkdir()
        layout(args.mirror, entry["repo"], entry["commit"], image_tree)
        out_dir = CACHE / "outputs" / kernel_key / f"image-{digest}"
        shutil.rmtree(out_dir, ignore_errors=True)
        tag = f"corpus/{slug(Path(entry['path']).stem)}:{image_key[:12]}"
        im = build_and_run(image_tree / entry["path"], image_tree, venv, args.core, out_dir, tag,
                           args.cell_timeout, args.budget)
        if im["build"] == "ok":
            image_nb = out_dir / Path(entry["path"]).name
            if image_nb.is_file():
                same, why = compare(kernel_nb, image_nb)
            else:
                same, why = False, f"the image wrote no notebook: {' | '.join(im.get('run_tail', []))[-300:]}"
            im.update(same=same, difference=why)
            if not args.keep_images:
                remove_images(tag)
            subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)
        results["image"][image_key] = im
    log(f"  image: {im['build']} {im.get('cause', '')} same={im.get('same')} {im.get('difference', '')[:160]}")
    results["entries"][eid] = {"kernel": kernel_key, "image": image_key, "core": digest}
    shutil.rmtree(work, ignore_errors=True)


def _dist_sizes(venv: str) -> dict[str, int]:
    """Installed bytes of each distribution of a kernel venv (from its RECORD files)."""
    sizes = {}
    for site in (CACHE / "venvs" / venv / "lib").glob("python*/site-packages"):
        for record in site.glob("*.dist-info/RECORD"):
            name = record.parent.name.removesuffix(".dist-info").rsplit("-", 1)[0].lower().replace("_", "-")
            total = 0
            for line in record.read_text(errors="replace").splitlines():
                path = site / line.split(",")[0]
                if path.is_file():
                    total += path.stat().st_size
            sizes[name] = total
    return sizes


def _floor(venv: str, packages: list[str], cache: dict) -> int | None:
    """The least the image can weigh: the base image plus its locked packages as installed in
    the kernel (sizes from the kernel venv)."""
    if not packages:
        return None
    if "base" not in cache:
        proc = subprocess.run(["docker", "image", "inspect", BASE_IMAGE, "--format", "{{.Size}}"],
                              capture_output=True, text=True)
        cache["base"] = int(proc.stdout.strip() or 0)
    if venv not in cache:
        cache[venv] = _dist_sizes(venv)
    sizes = cache[venv]
    return cache["base"] + sum(sizes.get(p.split("==")[0].lower().replace("_", "-"), 0) for p in packages)


def table(manifest: dict, results: dict, digest: str, only: set | None = None) -> str:
    rows, floors, floor_cache = [], [], {}
    kernel_counts, image_counts, build_causes, diffs = Counter(), Counter(), Counter(), Counter()
    build_times, run_times, sizes, done, confirmed = [], [], [], 0, 0
    for entry in manifest["notebooks"]:
        ref = results["entries"].get(entry["id"])
        if not ref or ref.get("core") != digest or (only is not None and entry["id"] not in only):
            continue
        k, im = results["kernel"].get(ref["kernel"]), results["image"].get(ref["image"])
        if not k or not im:
            continue
        done += 1
        kernel_counts["clean" if not k["cause"] else f"failed: {k['cause']}"] += 1
        if im["build"] != "ok":
            image_counts["build failed"] += 1
            build_causes[im.get("cause", "?")[:110]] += 1
            rows.append((entry["id"], "build failed", im.get("cause", "")[:110]))
            continue
        if im.get("confirmed_secrets"):
            confirmed += 1
        build_times.append(im["build_s"])
        run_times.append(im["run_s"])
        sizes.append(im["size"])
        floor = _floor(k["venv"], im.get("packages", []), floor_cache)
        if floor:
            floors.append(im["size"] / floor)
        if im.get("same"):
            image_counts["matches the kernel"] += 1
        else:
            image_counts["differs"] += 1
            diffs[im.get("difference", "")[:110]] += 1
            rows.append((entry["id"], f"differs, {difference_owner(im.get('difference', ''))}",
                         im.get("difference", "")[:110]))
    lines = [f"corpus: {done} of {manifest['count']} notebooks done with core {digest}", "",
             "ran in the kernel:"]
    lines += [f"  {n:4d}  {what}" for what, n in kernel_counts.most_common()]
    lines += ["", "image:"]
    lines += [f"  {n:4d}  {what}" for what, n in image_counts.most_common()]
    built = image_counts["matches the kernel"] + image_counts["differs"]
    if built:
        lines.append(f"  image matches kernel: {100 * image_counts['matches the kernel'] / built:.0f} % of {built} built")
    if confirmed:
        lines.append(f"  ({confirmed} built once the possible secrets the gate named were confirmed, as a user does)")
    if build_causes:
        lines += ["", "build failures by cause:"] + [f"  {n:4d}  {c}" for c, n in build_causes.most_common()]
    if diffs:
        owners = Counter()
        for difference, n in diffs.items():
            owners[difference_owner(difference)] += n
        lines += ["", "differences by owner:"] + [f"  {n:4d}  {c}" for c, n in owners.most_common()]
        lines += ["", "differences (first line):"] + [f"  {n:4d}  {c}" for c, n in diffs.most_common()]
    if build_times:
        lines += ["", f"median build {statistics.median(build_times):.0f} s, median run {statistics.median(run_times):.0f} s,"
                      f" median image {statistics.median(sizes) / 1e6:.0f} MB"]
        if floors:
            lines.append(f"image size / floor (base image + its locked packages as installed in the kernel): median "
                         f"{statistics.median(floors):.2f}, max {max(floors):.2f}")
    if rows:
        lines += ["", "per notebook (not matching):"] + [f"  {a}  [{b}] {c}" for a, b, c in rows]
    return "\n".join(lines)


def round_robin(entries: list[dict]) -> list[dict]:
    """One notebook of each repository in turn: any prefix of a run is a varied sample."""
    by_repo: dict[str, list[dict]] = {}
    for entry in entries:
        by_repo.setdefault(entry["repo"], []).append(entry)
    ordered, queues = [], list(by_repo.values())
    while queues:
        ordered += [q.pop(0) for q in queues]
        queues = [q for q in queues if q]
    return ordered


def main(argv=None) -> int:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "_execute":
        return execute(Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4], float(sys.argv[5]))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mirror", type=Path, default=Path("/work/.mirror"), help="folder of bare git mirrors")
    parser.add_argument("--manifest", type=Path, default=MANIFEST)
    parser.add_argument("--only", action="append", default=[], help="run entries whose id contains this")
    parser.add_argument("--limit", type=int, default=0, help="stop after N notebooks")
    parser.add_argument("--cell-timeout", type=float, default=120.0)
    parser.add_argument("--budget", type=float, default=600.0, help="seconds per notebook run (kernel, image)")
    parser.add_argument("--core", type=Path, default=REPO, help="the jupyter_containerize source tree to test")
    parser.add_argument("--results", type=Path, default=CACHE / "results.json")
    parser.add_argument("--redo-kernel", action="store_true")
    parser.add_argument("--redo-image", action="store_true")
    parser.add_argument("--keep-images", action="store_true", help="keep each notebook's image and its environment "
                                                                    "image (about 1 GB a notebook)")
    parser.add_argument("--table", action="store_true", help="print the table of the kept results only")
    parser.add_argument("--kernel-results", type=Path, help="reuse the kernel runs kept in this results file")
    parser.add_argument("--done-in", type=Path, help="only the notebooks this results file has (a before/after pair)")
    args = parser.parse_args(argv)
    args.core = args.core.resolve()
    manifest = json.loads(args.manifest.read_text())
    results = load_results(args.results)
    digest = core_digest(args.core)
    if not args.table:
        entries = round_robin([e for e in manifest["notebooks"] if not args.only or any(o in e["id"] for o in args.only)])
        if args.done_in:
            done = load_results(args.done_in)["entries"]
            entries = [e for e in entries if e["id"] in done]
        count = 0
        for entry in entries:
            ref = results["entries"].get(entry["id"])
            if (ref and ref.get("core") == digest and ref["kernel"] in results["kernel"]
                    and ref["image"] in results["image"] and not (args.redo_kernel or args.redo_image)):
                continue
            if args.limit and count >= args.limit:
                break
            count += 1
            if args.kernel_results:
                for key, value in load_results(args.kernel_results)["kernel"].items():
                    results["kernel"].setdefault(key, value)
            print(f"[{count}] {entry['id']}", flush=True)
            started = time.monotonic()
            try:
                process(entry, args, results, digest, lambda m: print(m, flush=True))
            except Exception as exc:  # noqa: BLE001 - one broken entry does not stop the corpus
                print(f"  harness error: {type(exc).__name__}: {exc}", flush=True)
            print(f"  ({time.monotonic() - started:.0f} s)", flush=True)
            save_results(args.results, results)
    only = None
    if args.done_in:  # the table of the notebooks both files hold with their own core
        other = load_results(args.done_in)["entries"]
        current = core_digest(REPO)  # the other file's notebooks done with this checkout, when it has some
        other = {e for e, ref in other.items() if ref.get("core") == current} or set(other)
        only = {e for e, ref in results["entries"].items() if ref.get("core") == digest} & other
    print(table(manifest, results, digest, only))
    return 0


if __name__ == "__main__":
    sys.exit(main())
