"""What Prune removes and keeps, and how the cache is measured (a recording engine: a unit
test of the logic; tests/test_images_api.py prunes on the real engine)."""

from __future__ import annotations

import os
import time
from datetime import datetime, timezone

import pytest

from jupyter_containerize.api_models import BuildJob, BuildState
from jupyter_containerize.builds import BuildManager
from jupyter_containerize.engine import ContainerEngine, DiskUsage, ImageInfo, LayerRow
from jupyter_containerize.errors import Conflict, NotFound
from jupyter_containerize.image.envimage import ENV_LABEL, PACKAGES_LABEL
from jupyter_containerize.images import ImageService, cache_entries, own_bytes
from jupyter_containerize.models import BuildRequest, BuildResult
from jupyter_containerize.settings import Settings
from jupyter_containerize.store import JobStore

NOTEBOOK = "io.jupyter.containerize.notebook"
OLD = time.time() - 3600


class Engine(ContainerEngine):
    """Images in memory; ``delete_image`` as ``docker rmi`` (the image goes with its last tag)."""

    def __init__(self, images: list[ImageInfo], sizes: dict[str, int]):
        self.images_, self.sizes, self.deleted = {i.id: i for i in images}, sizes, []

    def ping(self):
        return None

    def build(self, *args, **kwargs):
        raise NotImplementedError

    def inspect(self, image):
        for info in self.images_.values():
            if image == info.id or image in info.tags:
                return info
        raise NotFound(image)

    def remove(self, image):
        raise NotImplementedError

    def images(self, label, *, untagged=False, repository=None):
        return [i for i in self.images_.values() if (not label or label.split("=")[0] in i.labels)
                and (untagged or i.tags) and (repository is None or any(t.startswith(f"{repository}:")
                                                                          for t in i.tags))]

    def delete_image(self, image):
        info = self.inspect(image)
        self.deleted.append(image)
        tags = tuple(t for t in info.tags if t != image)
        if tags:
            self.images_[info.id] = ImageInfo(id=info.id, size=info.size, tags=tags, labels=info.labels)
        else:
            del self.images_[info.id]

    def disk_usage(self):
        return DiskUsage(layers=sum(self.sizes[i] for i in self.images_), unique=dict(self.sizes))

    def history(self, image):
        return [LayerRow(image=self.inspect(image).id, size=self.sizes[self.inspect(image).id])]


def _env(image_id, tag, base, packages):
    return ImageInfo(id=image_id, size=1, tags=(f"jupyter-containerize-env:{tag}",),
                     labels={ENV_LABEL: base, PACKAGES_LABEL: packages})


def _notebook(image_id, tags, base, packages):
    return ImageInfo(id=image_id, size=1, tags=tags, labels={NOTEBOOK: "nb.ipynb", ENV_LABEL: base,
                                                             PACKAGES_LABEL: packages})


@pytest.fixture
def world(tmp_path):
    cache = tmp_path / "cache"
    images = [
        ImageInfo(id="sha256:p1", size=1, tags=("jupyter-containerize-env:base-1",)),  # ours, used by e1
        ImageInfo(id="sha256:p2", size=1, tags=("jupyter-containerize-env:base-2",)),  # ours, unused
        ImageInfo(id="sha256:p3", size=1, tags=("jupyter-containerize-env:base-3",)),  # not ours
        _env("sha256:e1", "e1", "sha256:p1", "a==1"),  # ours, used by n1
        _env("sha256:e2", "e2", "sha256:p1", "a==1 b==2"),  # ours, unused, old
        _env("sha256:e3", "e3", "sha256:p1", "c==3"),  # ours, unused, just made
        _env("sha256:e4", "e4", "sha256:p1", "d==4"),  # not ours (another cache made it)
        _notebook("sha256:n1", ("nb:2",), "sha256:p1", "a==1"),  # tagged
        _notebook("sha256:n0", (), "sha256:p1", "a==1"),  # untagged: replaced by n1 (in the history)
        _notebook("sha256:x0", (), "sha256:p1", "a==1"),  # untagged, built by someone else
    ]
    sizes = {"sha256:p1": 10, "sha256:p2": 20, "sha256:p3": 30, "sha256:e1": 100, "sha256:e2": 200,
             "sha256:e3": 300, "sha256:e4": 400, "sha256:n1": 5, "sha256:n0": 7, "sha256:x0": 9}
    for image_id in ("e1", "e2", "e3"):
        (cache / "image-configs").mkdir(parents=True, exist_ok=True)
        config = cache / "image-configs" / f"{image_id}.json"
        config.write_text("{}")
        os.utime(config, (OLD, OLD) if image_id != "e3" else None)
    (cache / "prepared-bases").mkdir()
    for n in (1, 2):
        memo = cache / "prepared-bases" / f"memo{n}"
        memo.write_text(f"sha256:p{n}\n")
        os.utime(memo, (OLD, OLD))
    store = JobStore(":memory:")
    for job_id, image_id, tag in (("aaaaaaaaaaa0", "sha256:n0", "nb:2"), ("aaaaaaaaaaa1", "sha256:n1", "nb:2")):
        store.save(BuildJob(id=job_id, notebook="nb.ipynb", request=BuildRequest(path="nb.ipynb"),
                            state=BuildState.succeeded, created=datetime.now(timezone.utc),
                            result=BuildResult(tag=tag, image_id=image_id, size=5, duration_s=1)))
    engine = Engine(images, sizes)
    manager = BuildManager(root=tmp_path, settings=Settings(cache_dir=cache), engine_factory=lambda: engine,
                           store=store)
    return ImageService(manager, min_age=600, cache_max_age=86400), engine, cache


def test_prune_removes_only_what_this_server_made_and_nothing_uses(world):
    service, engine, cache = world
    wheel = cache / "wheels" / "old-1.0-py3-none-any.whl"
    wheel.parent.mkdir()
    wheel.write_bytes(b"x" * 1000)
    os.utime(wheel, (time.time() - 40 * 86400,) * 2)
    fresh = cache / "wheels" / "new-1.0-py3-none-any.whl"
    fresh.write_bytes(b"y" * 10)
    segment = cache / "installed" / "python3.11" / "old.whl.abc.v1.tar"
    segment.parent.mkdir(parents=True)
    segment.write_bytes(b"z" * 100)
    (cache / "installed" / "python3.11" / "old.whl.abc.v1.tar.index.json").write_bytes(b"{}")
    os.utime(segment, (time.time() - 40 * 86400,) * 2)  # its index was used lately: kept together

    result = service.prune()
    assert engine.deleted == ["sha256:n0", "jupyter-containerize-env:e2", "jupyter-containerize-env:base-2"]
    assert result.removed_images == engine.deleted
    assert result.engine_bytes == 7 + 200 + 20
    assert (result.host_bytes, result.removed_files) == (1000, 1)
    assert result.freed_bytes == 1227
    assert not wheel.exists() and fresh.exists() and segment.exists()
    assert service.prune().freed_bytes == 0  # nothing left to free


def test_cache_counts_this_servers_environment_images_and_folders(world):
    service, _, cache = world
    (cache / "wheels").mkdir()
    (cache / "wheels" / "a.whl").write_bytes(b"a" * 50)
    (cache / "scratch" / "job").mkdir(parents=True)
    (cache / "scratch" / "job" / "big").write_bytes(b"b" * 5000)  # a running build's: not the cache
    usage = service.cache()
    assert usage.environment_images == 5  # e1 e2 e3, p1 p2
    assert usage.environment_bytes == 100 + 200 + 300 + 10 + 20
    assert usage.host_folders["wheels"] == 50 and "scratch" not in usage.host_folders
    assert usage.host_bytes == sum(usage.host_folders.values())


def test_prune_waits_for_running_builds(world, monkeypatch):
    service, engine, _ = world
    monkeypatch.setattr(service.manager, "running", lambda kind=None: [object()])
    with pytest.raises(Conflict, match="1 build"):
        service.prune()
    assert engine.deleted == []


def test_own_bytes_stop_at_the_image_below(tmp_path):
    # a prepared base: its build steps, then the tagged base image it was built on
    rows = [LayerRow("sha256:top", 5, ("env:base-1",)), LayerRow("sha256:step", 7), LayerRow("sha256:b", 100, ("py",))]
    assert own_bytes(rows) == 12
    # a loaded environment image: one layer of ours, then layers the engine cannot name
    assert own_bytes([LayerRow("sha256:e", 50, ("env:1",)), LayerRow(None, 999)]) == 50
    (tmp_path / "x.tar").write_bytes(b"1234")
    (tmp_path / "x.tar.index.json").write_bytes(b"12")
    (entry,) = cache_entries(tmp_path)
    assert entry.size == 6 and len(entry.paths) == 2
