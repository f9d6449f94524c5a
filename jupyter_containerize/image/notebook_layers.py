"""The notebook image's own layers, above its environment, and the config over them.

1. the runner, the lock and the SBOM (``/opt/containerize``; with ``--fetch-data`` the
   fetched URLs and the ``.pth`` that serves them, and nltk data);
2. the local modules and data files (owned by the image's user), when there are any;
3. the notebook, last: an edit of it makes only this layer again.

Both ways of making a notebook image without a Dockerfile use them: the engine path puts
them on the environment image (``notebook_image.py``), the registry builder on the base it
assembles (``oci/assemble.py``). Pure apart from reading the files it is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..errors import PathOutsideRoot
from .context import (
    ENTRYPOINT,
    OFFLINE_PTH,
    RUNTIME_ENV,
    UID,
    USER,
    WORKDIR,
    ContextSpec,
    labels_for,
    notebook_path,
    offline_index,
    runner_dir,
    site_packages,
)
from .files import within
from .layer import canonical
from .tarentries import Entry, folders


@dataclass(frozen=True)
class NotebookLayer:
    entries: tuple[Entry, ...]
    created_by: str  # its line in the image's history


def notebook_layers(spec: ContextSpec) -> list[NotebookLayer]:
    layers = [NotebookLayer(runner_entries(spec), "jupyter-containerize: the runner, the lock and the SBOM")]
    if spec.files:
        layers.append(NotebookLayer(files_entries(spec),
                                    f"jupyter-containerize: {len(spec.files)} local module and data file(s)"))
    layers.append(NotebookLayer(notebook_entries(spec), f"jupyter-containerize: {notebook_path(spec)}"))
    return layers


def runner_entries(spec: ContextSpec) -> tuple[Entry, ...]:
    runner = runner_dir()
    entries = [Entry("opt/containerize/run.py", source=runner / "run.py"),
               Entry("opt/containerize/requirements.lock", data=spec.lock_text.encode())]
    if spec.sbom_json:
        entries.append(Entry("opt/containerize/sbom.cdx.json", data=spec.sbom_json.encode()))
    if spec.fetched_urls:  # served by offline.py, which a .pth in the environment loads
        entries += [Entry("opt/containerize/offline.py", source=runner / "offline.py"),
                    Entry("opt/containerize/urls/index.json", data=offline_index(spec).encode()),
                    Entry(f"{site_packages(spec).lstrip('/')}/containerize-offline.pth", data=OFFLINE_PTH.encode())]
        entries += [Entry(f"opt/containerize/urls/{source.name}", source=source) for _url, source in spec.fetched_urls]
    if spec.nltk_data is not None:
        entries += [Entry(f"usr/local/share/nltk_data/{path.relative_to(spec.nltk_data).as_posix()}", source=path)
                    for path in sorted(spec.nltk_data.rglob("*")) if path.is_file()]
    return _with_folders(entries)


def _work(rel: str) -> str:
    return f"{WORKDIR.lstrip('/')}/{rel}"


def _with_folders(entries: list[Entry]) -> tuple[Entry, ...]:
    """``entries`` and every folder above them, each with the owner it has in the image below
    (the user's home and working directory are the user's, the rest root's). A layer must
    carry them: an engine applying a layer makes a folder it lacks with root as the owner,
    and that folder then hides the one below (the working directory would turn read-only
    for the notebook)."""
    home = f"home/{USER}"
    named = {e.name for e in entries}
    found = [f for f in folders([e.name for e in entries]) if f.name not in named]
    return (*entries, *(Entry(f.name, "dir", 0o755, UID if f.name == home or f.name.startswith(f"{home}/") else 0)
                        for f in found))


def files_entries(spec: ContextSpec) -> tuple[Entry, ...]:
    """The local modules and data files, each checked inside the root when it is listed and
    again when it is opened (a link placed meanwhile cannot bring an outside file in)."""
    root = (spec.files_root or spec.notebook.parent).resolve()
    entries = []
    for rel, source in spec.files:
        inside = within(source, root)
        if inside is None:
            raise PathOutsideRoot(f"{rel} leads outside the root; it is not put into the image")
        entries.append(Entry(_work(rel), source=inside, uid=UID, root=root))
    return _with_folders(entries)


def notebook_entries(spec: ContextSpec) -> tuple[Entry, ...]:
    if spec.notebook_bytes is not None:  # the very notebook the labels describe, saved since or not
        entry = Entry(_work(notebook_path(spec)), data=spec.notebook_bytes, uid=UID)
    else:
        entry = Entry(_work(notebook_path(spec)), source=spec.notebook, uid=UID)
    return _with_folders([entry])


def notebook_config(parent: dict, spec: ContextSpec, layers: Sequence[tuple[str, str]], created: str, *,
                    runtime: bool) -> bytes:
    """The config of ``parent`` plus ``layers`` (diff id, history line): its labels, the
    notebook as the command and, when ``runtime`` (a base image's config; an environment
    image has them already), the runtime settings."""
    settings = dict(parent.get("config") or {})
    if runtime:
        env = dict(item.split("=", 1) for item in settings.get("Env") or [] if "=" in item)
        env.update({name: value.replace("$PATH", env.get("PATH", "")) for name, value in RUNTIME_ENV.items()})
        settings.update({"Env": [f"{name}={value}" for name, value in env.items()], "User": str(UID),
                         "WorkingDir": WORKDIR, "Entrypoint": list(ENTRYPOINT)})
        settings.pop("Shell", None)
        settings.pop("Healthcheck", None)
    settings["Cmd"] = [notebook_path(spec)]
    settings["Labels"] = {**(settings.get("Labels") or {}), **labels_for(spec), "org.opencontainers.image.created": created}
    rootfs = parent.get("rootfs") or {"type": "layers", "diff_ids": []}
    return canonical({
        **{key: parent[key] for key in ("architecture", "os", "variant", "os.version") if key in parent},
        "created": created,
        "config": settings,
        "rootfs": {"type": "layers", "diff_ids": [*rootfs.get("diff_ids", []), *[diff_id for diff_id, _ in layers]]},
        "history": [*parent.get("history", []), *[{"created": created, "created_by": line} for _, line in layers]],
    })
