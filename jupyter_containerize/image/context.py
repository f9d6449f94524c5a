"""Lock + notebook + files -> a build context (a directory, and a deterministic tar of it).

Rendering is pure: the same inputs give a byte-identical context, so the engine's layer
cache hits. The Dockerfile comes from the template file ``Dockerfile.j2`` beside this one.
"""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import shutil
import tarfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Iterator, Optional

from .._version import __version__
from ..errors import ContainerizeError, NoSpace, NotebookNotFound
from . import dockerfile
from .files import copy_inside
from .layer import read_exactly, tar_header

LABEL_PREFIX = "io.jupyter.containerize"
VENV = "/opt/venv"
USER, UID = "jovyan", 1000
WORKDIR = "/home/jovyan/work"
# How the image runs: the Dockerfile and the environment image's config both say this.
RUNTIME_ENV = {
    "PATH": f"{VENV}/bin:$PATH",
    "PYTHONUNBUFFERED": "1",
    "HOME": f"/home/{USER}",
    "IPYTHONDIR": "/tmp/ipython",
    "JUPYTER_RUNTIME_DIR": "/tmp/jupyter-runtime",
    "MPLCONFIGDIR": "/tmp/matplotlib",
    # As ipykernel sets it in a notebook's kernel: plt.show() and a cell's last figure become
    # image/png outputs of the executed notebook (with "agg" every chart silently disappears).
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
}
ENTRYPOINT = ["python", "/opt/containerize/run.py", "--output", "/out"]
# One line a .pth runs at every interpreter start of the image's environment: load the server
# of the URLs fetched at build time (a ``.pth`` line that starts with ``import`` is executed).
OFFLINE_PTH = ("import importlib.util as u; s = u.spec_from_file_location('containerize_offline', "
               "'/opt/containerize/offline.py'); s.loader.exec_module(u.module_from_spec(s))\n")


def runtime_config() -> dict:
    """The runtime part of an image config (see ``layer.child_config``)."""
    return {"Env": RUNTIME_ENV, "User": str(UID), "WorkingDir": WORKDIR, "Entrypoint": ENTRYPOINT}


@dataclass(frozen=True)
class ContextSpec:
    """Everything a build context is made of; paths are absolute on the host."""

    notebook: Path
    base_image: str
    lock_text: str
    lock_digest: str
    python_version: str
    wheels: tuple[Path, ...]
    files: tuple[tuple[str, Path], ...] = ()  # (path in the image's working directory, host source)
    files_root: Optional[Path] = None  # every file copied must lie inside it (default: the notebook's folder)
    notebook_path: str = ""  # the notebook's path in the working directory (default: its name)
    system_packages: tuple[str, ...] = ()
    source: str = ""  # the notebook's git remote (credentials removed), when there is one
    revision: str = ""  # the git commit holding the notebook, when there is one
    uv: Optional[Path] = None  # the uv binary for the builder stage (else pip installs)
    env_image: str = ""  # a built environment image to copy /opt/venv from (no builder stage)
    sbom_json: str = ""  # CycloneDX JSON, copied to /opt/containerize/sbom.cdx.json when given
    notebook_digest: str = ""  # sha256 hex of the code cells (analysis/fingerprint.py), a label when given
    notebook_cells: tuple[str, ...] = ()  # one hash per cell (``-``: not code), a label when given
    fetched_urls: tuple[tuple[str, Path], ...] = ()  # (URL, host file) fetched at build time (fetch_data)
    nltk_data: Optional[Path] = None  # an nltk_data folder fetched at build time
    notebook_bytes: Optional[bytes] = None  # the notebook as read once for the build (else read from ``notebook``)


def notebook_path(spec: ContextSpec) -> str:
    return spec.notebook_path or spec.notebook.name


NOTEBOOK_DIGEST_LABEL = f"{LABEL_PREFIX}.notebook-digest"
NOTEBOOK_CELLS_LABEL = f"{LABEL_PREFIX}.notebook-cells"


def notebook_labels(spec: ContextSpec) -> dict[str, str]:
    """What the image's notebook is made of (written after it, so an edit of it rebuilds no
    earlier layer)."""
    if not spec.notebook_digest:
        return {}
    labels = {NOTEBOOK_DIGEST_LABEL: f"sha256:{spec.notebook_digest}"}
    if spec.notebook_cells:
        labels[NOTEBOOK_CELLS_LABEL] = " ".join(spec.notebook_cells)
    return labels


def labels_for(spec: ContextSpec) -> dict[str, str]:
    return {**_image_labels(spec), **notebook_labels(spec)}


def _image_labels(spec: ContextSpec) -> dict[str, str]:
    return {
        "org.opencontainers.image.title": spec.notebook.stem,
        "org.opencontainers.image.base.name": spec.base_image,
        "org.opencontainers.image.version": spec.lock_digest[:12],
        **({"org.opencontainers.image.source": spec.source} if spec.source else {}),
        **({"org.opencontainers.image.revision": spec.revision} if spec.revision else {}),
        f"{LABEL_PREFIX}.notebook": notebook_path(spec),
        f"{LABEL_PREFIX}.lock-digest": f"sha256:{spec.lock_digest}",
        f"{LABEL_PREFIX}.python-version": spec.python_version,
        f"{LABEL_PREFIX}.version": __version__,
        **({f"{LABEL_PREFIX}.sbom": "/opt/containerize/sbom.cdx.json"} if spec.sbom_json else {}),
    }


def render_dockerfile(spec: ContextSpec) -> str:
    return dockerfile.render(
        "Dockerfile.j2",
        version=__version__,
        notebook_path=notebook_path(spec),
        base_image=spec.base_image,
        venv=VENV, user=USER, uid=UID, workdir=WORKDIR,
        runtime_env=list(RUNTIME_ENV.items()), entrypoint=ENTRYPOINT,
        system_packages=sorted(spec.system_packages),
        files=bool(spec.files),
        offline=bool(spec.fetched_urls), nltk_data=spec.nltk_data is not None,
        site_packages=site_packages(spec),
        uv=spec.uv is not None,
        env_image=spec.env_image,
        labels=sorted(_image_labels(spec).items()),
        notebook_labels=sorted(notebook_labels(spec).items()),
    )


def offline_index(spec: ContextSpec) -> str:
    """``/opt/containerize/urls/index.json``: each fetched URL and the file holding it."""
    return json.dumps({url: source.name for url, source in spec.fetched_urls}, indent=1, sort_keys=True)


def site_packages(spec: ContextSpec) -> str:
    return f"{VENV}/lib/python{'.'.join(spec.python_version.split('.')[:2])}/site-packages"


def runner_dir() -> Path:
    """The runner's files in this package (``run.py``, ``offline.py``)."""
    return Path(str(resources.files("jupyter_containerize.runner")))


def write_context(spec: ContextSpec, dest: Path) -> Path:
    """Write the context into ``dest`` (made empty first) and return it. A full disk is
    NoSpace naming where, a notebook gone meanwhile NotebookNotFound; a context not
    written whole is removed."""
    try:
        return _written(spec, dest)
    except BaseException:
        shutil.rmtree(dest, ignore_errors=True)
        raise


def _written(spec: ContextSpec, dest: Path) -> Path:
    try:
        return _write_context(spec, dest)
    except FileNotFoundError as exc:
        if not spec.notebook.exists():
            raise NotebookNotFound(f"{spec.notebook.name} was moved or deleted during the build") from None
        raise ContainerizeError(f"Cannot write the build context: {exc.filename} is gone") from None
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise NoSpace(f"No space left on the disk holding the build context ({dest.parent}): free some, or "
                          "point ContainerizeApp.cache_dir (--cache-dir) at a larger disk") from None
        raise


def _write_context(spec: ContextSpec, dest: Path) -> Path:
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    (dest / "Dockerfile").write_text(render_dockerfile(spec))
    if not spec.env_image:  # else the environment comes from an image: no wheels to send
        write_environment_files(spec, dest, spec.wheels)
    (dest / "runner").mkdir()
    shutil.copyfile(runner_dir() / "run.py", dest / "runner" / "run.py")
    # runner/ becomes /opt/containerize/: the lock and the SBOM travel with the image.
    (dest / "runner" / "requirements.lock").write_text(spec.lock_text)
    if spec.sbom_json:
        (dest / "runner" / "sbom.cdx.json").write_text(spec.sbom_json)
    if spec.fetched_urls:  # served by runner/offline.py, loaded by a .pth in the environment
        (dest / "runner" / "urls").mkdir()
        for _url, source in spec.fetched_urls:
            _link_or_copy(source, dest / "runner" / "urls" / source.name)
        (dest / "runner" / "urls" / "index.json").write_text(offline_index(spec))
        shutil.copyfile(runner_dir() / "offline.py", dest / "runner" / "offline.py")
        (dest / "offline.pth").write_text(OFFLINE_PTH)
    if spec.nltk_data is not None:
        shutil.copytree(spec.nltk_data, dest / "nltk_data")
    root = (spec.files_root or spec.notebook.parent).resolve()
    for rel, source in spec.files:
        target = _inside(dest / "files", rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not source.is_file():
            raise ContainerizeError(f"{rel} is listed for the image but is not a file")
        copy_inside(source, target, root)
    target = _inside(dest / "notebook", notebook_path(spec))
    target.parent.mkdir(parents=True, exist_ok=True)
    if spec.notebook_bytes is not None:
        target.write_bytes(spec.notebook_bytes)
    else:
        shutil.copyfile(spec.notebook, target)
    return dest


def _inside(folder: Path, rel: str) -> Path:
    """``folder / rel``, refusing a ``rel`` that would climb out of ``folder``."""
    target = Path(os.path.normpath(folder / rel))
    if folder not in target.parents:
        raise ContainerizeError(f"{rel} would be written outside the build context")
    return target


def write_environment_files(spec: ContextSpec, dest: Path, wheels) -> None:
    """What the builder stage installs: the lock, the wheels and (when used) uv."""
    (dest / "wheels").mkdir(parents=True, exist_ok=True)
    (dest / "requirements.lock").write_text(spec.lock_text)
    for wheel in wheels:
        _link_or_copy(wheel, dest / "wheels" / wheel.name)
    if spec.uv is not None:
        (dest / "tools").mkdir(exist_ok=True)
        _link_or_copy(spec.uv, dest / "tools" / "uv")


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def context_stream(directory: Path) -> Iterator[bytes]:
    """A tar of ``directory`` with sorted entries and fixed owner, mode and time, made as it
    is read (a megabyte at a time: data files of any size are never held in memory)."""
    offset = 0
    for path in sorted(directory.rglob("*")):
        rel = path.relative_to(directory).as_posix()
        if path.is_dir():
            header = tar_header(rel, 0, 0o755, tarfile.DIRTYPE)
            offset += len(header)
            yield header
            continue
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            header = tar_header(rel, size, 0o755 if rel.startswith("tools/") else 0o644)
            yield header
            yield from read_exactly(handle, size,
                                    ContainerizeError(f"{rel} changed while it was sent to the engine"))
        padding = b"\0" * (-size % tarfile.BLOCKSIZE)
        yield padding
        offset += len(header) + size + len(padding)
    end = b"\0" * (2 * tarfile.BLOCKSIZE)
    offset += len(end)
    yield end + b"\0" * (-offset % tarfile.RECORDSIZE)


def context_tar(directory: Path) -> io.BytesIO:
    """:func:`context_stream` in memory (small contexts, tests)."""
    return io.BytesIO(b"".join(context_stream(directory)))


def context_digest(directory: Path) -> str:
    digest = hashlib.sha256()
    for block in context_stream(directory):
        digest.update(block)
    return digest.hexdigest()
