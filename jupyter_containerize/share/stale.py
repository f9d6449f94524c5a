"""Is the newest image of a notebook stale? What changed in the kernel and the notebook since.

The newest image is the result of the notebook's newest succeeded build. Its labels say what
it was made of: the lock digest (``lock-digest``), the Python version, and the notebook's
code (``notebook-digest``, ``notebook-cells``: see :mod:`..analysis.fingerprint`). Now:

- the notebook's cells are hashed again and aligned with the image's, so an edit names its
  cell ("cell 4 edited");
- the analysis and the lock are made again with the build's own choices (kernel, platform,
  package edits, files left out), without building, and their digest compared; when it
  differs, the image's lock (read once out of the image) and the new one are compared
  package by package ("pandas 2.2.3 -> 2.3.1 in the kernel").

Cheap enough to run on every save: the answer is cached by the notebook's size and mtime,
the kernel environment's fingerprint and the build; the lock by the analysis' requirements,
the environment and the build's choices; what is read out of an image by its id.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Callable, Optional

from .. import pipeline
from ..analysis.fingerprint import cell_changes, cell_hashes
from ..analysis.notebook import parse_notebook, read_notebook
from ..api_models import BuildJob, BuildState, StaleChange, Staleness
from ..builds import BuildManager
from ..engine import ContainerEngine
from ..errors import ContainerizeError, EngineUnavailable, NotFound
from ..image.context import LABEL_PREFIX, NOTEBOOK_CELLS_LABEL, WORKDIR
from ..lock import lock_digest
from .inspect import packages_from_lock
from .running import NOTEBOOK_LABEL
from .sbom import LOCK_PATH

LOCK_LABEL = f"{LABEL_PREFIX}.lock-digest"
PYTHON_LABEL = f"{LABEL_PREFIX}.python-version"
CACHE_SIZE = 64
SUMMARY_ITEMS = 6


class _Memo:
    """A small thread-safe LRU cache."""

    def __init__(self, size: int = CACHE_SIZE):
        self.size, self._items, self._lock = size, OrderedDict(), threading.Lock()

    def get(self, key, make: Callable):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


def describe(change: StaleChange) -> str:
    """One change in words."""
    if change.kind == "package":
        if change.change == "changed":
            return f"{change.name} {change.before} -> {change.after} in the kernel"
        if change.change == "added":
            return f"{change.name} {change.after} added"
        return f"{change.name} {change.before} no longer needed"
    if change.kind == "python":
        return f"Python {change.before} -> {change.after} in the kernel"
    if change.kind == "cell":
        return f"cell {change.cell} {change.change}"
    if change.kind == "image":
        return f"the image {change.before} is no longer on the engine"
    return "the lock changed (same versions, other files)"


def summary(changes: list[StaleChange]) -> str:
    words = [describe(c) for c in changes[:SUMMARY_ITEMS]]
    if len(changes) > SUMMARY_ITEMS:
        words.append(f"{len(changes) - SUMMARY_ITEMS} more")
    return "; ".join(words)


def package_changes(before: dict[str, str], after: dict[str, str]) -> list[StaleChange]:
    """Packages (name -> version) of the image's lock against the new lock."""
    changes = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        change = "changed" if old and new else "added" if new else "removed"
        changes.append(StaleChange(kind="package", change=change, name=name, before=old, after=new))
    return changes


class StaleChecker:
    def __init__(self, manager: BuildManager):
        self.manager = manager
        self._answers, self._locks, self._images = _Memo(), _Memo(), _Memo(256)

    def newest(self, display: str) -> Optional[BuildJob]:
        jobs, _ = self.manager.page(display, limit=20, states=(BuildState.succeeded,))
        return next((job for job in jobs if job.result), None)

    def check(self, notebook: Path, display: str) -> Staleness:
        build = self.newest(display)
        if build is None:
            return Staleness(notebook=display, stale=False)
        base = Staleness(notebook=display, build=build.id, image=build.result.tag, built=build.finished, stale=False)
        engine = self.manager.engine_factory()
        try:
            labels = engine.inspect(build.result.image_id).labels
        except NotFound:
            change = StaleChange(kind="image", change="missing", before=build.result.tag)
            return base.model_copy(update={"stale": True, "changes": [change], "summary": summary([change])})
        except EngineUnavailable as exc:
            return base.model_copy(update={"problem": str(exc)})
        stat = notebook.stat()
        content = read_notebook(notebook)
        problem, environment = None, None
        try:
            environment = pipeline.kernel_environment(notebook, python=build.request.python,
                                                      kernel=build.request.kernel,
                                                      kernel_spec_manager=self.manager.kernel_spec_manager)
        except ContainerizeError as exc:
            problem = f"The kernel could not be inspected: {exc}"
        key = (build.id, build.result.image_id, stat.st_size, stat.st_mtime_ns,
               environment.fingerprint if environment else None)
        return self._answers.get(key, lambda: self._compare(base, engine, labels, notebook, content, environment,
                                                            build, problem))

    def _compare(self, base: Staleness, engine: ContainerEngine, labels: dict, notebook: Path, content: dict,
                 environment, build: BuildJob, problem: Optional[str]) -> Staleness:
        changes = [StaleChange(kind="cell", change=c.change, cell=c.cell)
                   for c in cell_changes(self._image_cells(engine, build.result.image_id, labels), cell_hashes(content))]
        if environment is not None:
            if labels.get(PYTHON_LABEL) and labels[PYTHON_LABEL] != environment.python_version:
                changes.insert(0, StaleChange(kind="python", change="changed", before=labels[PYTHON_LABEL],
                                              after=environment.python_version))
            try:
                digest, packages = self._lock(notebook, environment, build)
            except ContainerizeError as exc:
                problem = f"The lock could not be made again: {exc}"
            else:
                if f"sha256:{digest}" != labels.get(LOCK_LABEL):
                    found = package_changes(self._image_packages(engine, build.result.image_id), packages)
                    changes[:0] = found or [StaleChange(kind="lock", change="changed")]
        return base.model_copy(update={"stale": bool(changes), "changes": changes, "summary": summary(changes),
                                       "problem": problem})

    def _image_cells(self, engine: ContainerEngine, image_id: str, labels: dict) -> list[str]:
        """The image's cell hashes: its label, else (an older image) its notebook read out of it."""
        if labels.get(NOTEBOOK_CELLS_LABEL):
            return labels[NOTEBOOK_CELLS_LABEL].split()

        def read() -> list[str]:
            path = labels.get(NOTEBOOK_LABEL, "")
            raw = engine.read_file(image_id, f"{WORKDIR}/{path}") if path else None
            return cell_hashes(parse_notebook(raw, path)) if raw else []

        return self._images.get(("cells", image_id), read)

    def _image_packages(self, engine: ContainerEngine, image_id: str) -> dict[str, str]:
        def read() -> dict[str, str]:
            raw = engine.read_file(image_id, LOCK_PATH)
            return {p.name: p.version for p in packages_from_lock(raw.decode())} if raw else {}

        return self._images.get(("lock", image_id), read)

    def _lock(self, notebook: Path, environment, build: BuildJob) -> tuple[str, dict[str, str]]:
        request = build.request
        analysis = pipeline.without_files(
            pipeline.analyse(notebook, environment, self.manager.root, kernel=build.request.kernel),
            request.exclude_files)
        needs = json.dumps([[r.name, r.version, r.optional, r.specifier] for r in analysis.requirements])
        key = (environment.fingerprint, hashlib.sha256(needs.encode()).hexdigest(), request.platform,
               request.edits.model_dump_json())

        def make() -> tuple[str, dict[str, str]]:
            the_lock = pipeline.lock(analysis, environment, self.manager.settings, platform=request.platform,
                                     edits=request.edits)
            return lock_digest(the_lock), {p.name: p.version for p in the_lock.packages}

        return self._locks.get(key, make)
