"""The images this server built, and its build cache: list, remove, measure, prune.

The images are the results of the succeeded builds in the job store (paged like the build
history), joined with one listing of the engine's images: whether each is still there and
still named by its tag. The build cache is the host cache folder (wheels, installed
packages, resolutions, index files...) plus this server's environment images (those whose
config the host cache holds, see ``image/envbuild.py``) and prepared bases.

:meth:`ImageService.prune` removes, while no build of this server runs:

- images of this server's builds that a newer build took the tag from (untagged, unused);
- this server's environment images that no notebook image on the engine uses (same
  ``env-base`` and ``env-packages`` labels), and prepared bases no remaining environment
  image was built on; both only when made more than ``min_age`` seconds ago, so a build of
  another process (the CLI) that just made one keeps it;
- host cache entries not used (read or written) for ``cache_max_age`` seconds.

It reports the bytes freed: on the engine, the layer bytes before less after, or (when other
work on the engine blurs that) at least the removed images' own bytes; plus the host bytes.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from .api_models import BuildState, CacheUsage, ImageEntry, ImageList, PruneResult
from .builds import BuildManager
from .engine import ContainerEngine, DiskUsage, ImageInfo
from .errors import Conflict, ContainerizeError, EngineUnavailable, InvalidRequest, NotFound
from .image.envimage import ENV_LABEL, ENV_REPOSITORY, PACKAGES_LABEL
from .share.running import NOTEBOOK_LABEL
from .store import BUILD

SKIPPED_FOLDERS = ("scratch", "kernels")  # running jobs' files; the tiny kernel inspection cache
PRUNE_MIN_AGE = 15 * 60.0
CACHE_MAX_AGE = 30 * 24 * 3600.0


@dataclass(frozen=True)
class CacheEntry:
    paths: tuple[Path, ...]
    size: int
    used: float  # the latest access or change of its files (epoch seconds)


def _files(path: Path) -> Iterable[os.stat_result]:
    """The stat of every file under ``path`` (links not followed)."""
    try:
        info = path.lstat()
    except OSError:
        return
    if not path.is_dir() or path.is_symlink():
        yield info
        return
    for folder, _, names in os.walk(path):
        for name in names:
            try:
                yield os.lstat(os.path.join(folder, name))
            except OSError:
                continue


def cache_entries(folder: Path) -> list[CacheEntry]:
    """One cache folder's entries: its children (a ``pythonX.Y`` folder's children instead),
    a file and its ``.index.json`` together."""
    groups: dict[str, list[Path]] = {}
    try:
        children = sorted(folder.iterdir())
    except OSError:
        return []
    for child in children:
        if child.is_dir() and not child.is_symlink() and child.name.startswith("python"):
            try:
                inner = sorted(child.iterdir())
            except OSError:
                continue
            for path in inner:
                groups.setdefault(str(path).removesuffix(".index.json"), []).append(path)
        else:
            groups.setdefault(str(child).removesuffix(".index.json"), []).append(child)
    entries = []
    for paths in groups.values():
        stats = [stat for path in paths for stat in _files(path)]
        used = max((max(s.st_atime, s.st_mtime) for s in stats), default=0.0)
        entries.append(CacheEntry(tuple(paths), sum(s.st_size for s in stats), used))
    return entries


def own_bytes(rows) -> int:
    """The bytes an image adds on top of the image it was made from: its history's rows from
    the top down to (not including) the first row of another tagged or unknown image."""
    total = 0
    for index, row in enumerate(rows):
        if index > 0 and (row.image is None or row.tags):
            break
        total += row.size
    return total


class ImageService:
    def __init__(self, manager: BuildManager, *, min_age: float = PRUNE_MIN_AGE,
                 cache_max_age: float = CACHE_MAX_AGE):
        self.manager = manager
        self.min_age, self.cache_max_age = min_age, cache_max_age
        self._own: dict[str, int] = {}  # image id -> own bytes (an image never changes)

    @property
    def cache_dir(self) -> Path:
        return self.manager.settings.cache_dir

    def _engine(self) -> ContainerEngine:
        return self.manager.engine_factory()

    # -- the images ----------------------------------------------------------------------
    def list(self, *, limit: int = 50, before: Optional[str] = None) -> ImageList:
        jobs, following = self.manager.page(None, limit=limit, before=before, states=(BuildState.succeeded,))
        on_engine = {info.id: info for info in _listed(self._engine(), NOTEBOOK_LABEL)}
        entries = []
        for job in jobs:
            if not job.result:
                continue
            found = on_engine.get(job.result.image_id)
            entries.append(ImageEntry(
                build=job.id, notebook=job.notebook, notebook_exists=self._exists(job.notebook),
                tag=job.result.tag, image_id=job.result.image_id, size=job.result.size,
                created=job.finished or job.created, digest=job.result.digest, present=found is not None,
                tagged=found is not None and job.result.tag in found.tags))
        return ImageList(images=entries, next=following)

    def _exists(self, notebook: str) -> bool:
        try:
            return (self.manager.root / notebook).is_file()
        except (OSError, ValueError):
            return False

    def remove(self, build_id: str) -> None:
        """Remove the image of a build from the engine: its tag when the tag still names it
        (the image goes with its last tag), else the image itself."""
        job = self.manager.get(build_id)
        if not job.result:
            raise Conflict(f"Build {build_id} made no image ({job.state.value})")
        engine = self._engine()
        tag, image_id = job.result.tag, job.result.image_id
        try:
            named = engine.inspect(tag).id == image_id
        except NotFound:
            named = False
        try:
            engine.delete_image(tag if named else image_id)
        except NotFound:
            raise NotFound(f"The image of build {build_id} ({tag}) is no longer on the engine") from None

    # -- the build cache -----------------------------------------------------------------
    def _folders(self) -> list[Path]:
        try:
            return sorted(p for p in self.cache_dir.iterdir()
                          if p.is_dir() and not p.is_symlink() and p.name not in SKIPPED_FOLDERS)
        except OSError:
            return []

    def _ours(self, engine: ContainerEngine) -> tuple[list[ImageInfo], list[ImageInfo]]:
        """(environment images, prepared bases) this server's cache made."""
        configs = self.cache_dir / "image-configs"
        bases = self._prepared_bases()
        envs, prepared = [], []
        for info in _listed(engine, "", repository=ENV_REPOSITORY):
            hex_id = info.id.split(":")[-1]
            if info.id in bases:
                prepared.append(info)
            elif (configs / f"{hex_id}.json").is_file():
                envs.append(info)
        return envs, prepared

    def _prepared_bases(self) -> dict[str, float]:
        """Prepared base image id -> when this cache recorded it."""
        found = {}
        for memo in _children(self.cache_dir / "prepared-bases"):
            try:
                found[memo.read_text().strip()] = memo.stat().st_mtime
            except OSError:
                continue
        return found

    def _own_bytes(self, engine: ContainerEngine, image_id: str) -> int:
        if image_id not in self._own:
            try:
                self._own[image_id] = own_bytes(engine.history(image_id))
            except NotFound:
                return 0
        return self._own[image_id]

    def cache(self) -> CacheUsage:
        engine = self._engine()
        envs, prepared = self._ours(engine)
        folders = {folder.name: sum(entry.size for entry in cache_entries(folder)) for folder in self._folders()}
        images = {info.id: info for info in [*envs, *prepared]}
        return CacheUsage(host_bytes=sum(folders.values()), host_folders=folders, environment_images=len(images),
                          environment_bytes=sum(self._own_bytes(engine, image_id) for image_id in images))

    def prune(self) -> PruneResult:
        running = self.manager.running(BUILD)
        if running:
            raise Conflict(f"{len(running)} build(s) of this server are running: prune once they end")
        engine = self._engine()
        before = _measured(engine)
        removed = self._prune_replaced(engine) + self._prune_environments(engine)
        own = sum(before.unique.get(image_id, 0) for image_id in {image_id for _, image_id in removed})
        engine_bytes = max(own, before.layers - _measured(engine).layers)
        host_bytes, files = self._prune_host()
        return PruneResult(freed_bytes=engine_bytes + host_bytes, engine_bytes=engine_bytes, host_bytes=host_bytes,
                           removed_images=[name for name, _ in removed], removed_files=files)

    def _prune_replaced(self, engine: ContainerEngine) -> list[tuple[str, str]]:
        """This server's build images that lost their tag to a newer build: (id, id) each."""
        built = {job.result.image_id for job in self.manager.store.list(states=(BuildState.succeeded,))
                 if job.result}
        removed = []
        for info in _listed(engine, NOTEBOOK_LABEL):
            if not info.tags and info.id in built and _delete(engine, info.id):
                removed.append((info.id, info.id))
        return removed

    def _prune_environments(self, engine: ContainerEngine) -> list[tuple[str, str]]:
        """Unused environment images and prepared bases of this server: (tag, id) each."""
        envs, prepared = self._ours(engine)
        used = {(i.labels.get(ENV_LABEL), i.labels.get(PACKAGES_LABEL)) for i in _listed(engine, NOTEBOOK_LABEL)}
        configs, now = self.cache_dir / "image-configs", time.time()
        removed, kept_bases = [], set()
        for info in envs:
            key = (info.labels.get(ENV_LABEL), info.labels.get(PACKAGES_LABEL))
            config = configs / f"{info.id.split(':')[-1]}.json"
            if key in used or now - _mtime(config) < self.min_age:
                kept_bases.add(info.labels.get(ENV_LABEL))
                continue
            removed += [(tag, info.id) for tag in info.tags if _delete(engine, tag)]
        kept_bases |= {i.labels.get(ENV_LABEL) for i in _listed(engine, ENV_LABEL)}
        recorded = self._prepared_bases()
        for info in prepared:
            if info.id in kept_bases or now - recorded.get(info.id, now) < self.min_age:
                continue
            removed += [(tag, info.id) for tag in info.tags if _delete(engine, tag)]
        return removed

    def _prune_host(self) -> tuple[int, int]:
        cutoff = time.time() - self.cache_max_age
        freed = count = 0
        for folder in self._folders():
            for entry in cache_entries(folder):
                if entry.used >= cutoff:
                    continue
                for path in entry.paths:
                    if path.is_dir() and not path.is_symlink():
                        shutil.rmtree(path, ignore_errors=True)
                    else:
                        path.unlink(missing_ok=True)
                freed, count = freed + entry.size, count + 1
        return freed, count


def _listed(engine: ContainerEngine, label: str, *, repository: Optional[str] = None) -> list[ImageInfo]:
    try:
        return engine.images(label, untagged=True, repository=repository)
    except NotImplementedError:
        raise EngineUnavailable(f"{type(engine).__name__} cannot list images") from None


def _measured(engine: ContainerEngine) -> DiskUsage:
    try:
        return engine.disk_usage()
    except NotImplementedError:
        return DiskUsage(layers=0)


def _delete(engine: ContainerEngine, image: str) -> bool:
    """Remove ``image``; False when the engine refuses (a container uses it) or it is gone."""
    try:
        engine.delete_image(image)
        return True
    except (Conflict, NotFound, InvalidRequest):
        return False
    except ContainerizeError:
        raise


def _children(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if p.is_file()]
    except OSError:
        return []


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
