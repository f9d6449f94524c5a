"""The Images view's endpoints and the stale check on the real engine: images of two
notebooks, a replaced image, a notebook deleted, remove, the cache and Prune freeing space;
an edited cell marks the newest image stale and a rebuild clears it; hundreds of builds
page."""

from __future__ import annotations

import json
import os
import subprocess
import time
from datetime import datetime, timedelta, timezone

import nbformat
import pytest
from tornado.httpclient import HTTPClientError

from jupyter_containerize.api_models import BuildJob, BuildState
from jupyter_containerize.models import BuildRequest, BuildResult

from .conftest import BASE_IMAGE, follow_events, server_config, start_build
from .runner_notebooks import write_jobs_notebook

pytestmark = pytest.mark.engine
WARM = ("wheels", "installed", "resolutions", "index-files")  # linked from the shared cache: no download


@pytest.fixture
def private_cache(tmp_path, cache_dir):
    """A cache of this server's own (Prune removes what it made, never what another
    developer's cache made), warm: the shared cache's files linked in."""
    cache = tmp_path / "private-cache"
    cache.mkdir()
    for folder in WARM:
        if (cache_dir / folder).is_dir():
            subprocess.run(["cp", "-al", str(cache_dir / folder), str(cache / folder)], check=True)
    return cache


@pytest.fixture
def jp_server_config(jp_server_config, private_cache, tmp_path):
    return server_config(base_image=BASE_IMAGE, cache_dir=str(private_cache), store_path=str(tmp_path / "s.sqlite"))


def _report_notebook(path, total: str):
    """A notebook whose saved output is large (300 kB): its image layer is too."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    output = nbformat.v4.new_output("stream", name="stdout", text="x" * 300_000)
    nb.cells = [nbformat.v4.new_markdown_cell("# Report"), nbformat.v4.new_code_cell("print('x' * 300_000)",
                                                                                     outputs=[output]),
                nbformat.v4.new_code_cell(f"total = {total}\nprint(total)")]
    nbformat.write(nb, path)


async def _built(jp_fetch, path: str, **options) -> dict:
    job = await start_build(jp_fetch, path=path, **options)
    await follow_events(jp_fetch, job["id"])
    done = json.loads((await jp_fetch("containerize", "builds", job["id"])).body)
    assert done["state"] == "succeeded", done["error"]
    return done


async def _get(jp_fetch, *parts, **params) -> dict:
    return json.loads((await jp_fetch("containerize", *parts, params=params)).body)


async def test_images_of_two_notebooks_stale_remove_and_prune(engine, jp_fetch, jp_root_dir, private_cache):
    _report_notebook(jp_root_dir / "report.ipynb", "1")
    write_jobs_notebook(jp_root_dir / "jobs.ipynb")
    tag = f"containerize-test/report:{time.time_ns()}"
    first = await _built(jp_fetch, "report.ipynb", tag=tag)
    jobs = await _built(jp_fetch, "jobs.ipynb")
    assert (await _get(jp_fetch, "stale", path="report.ipynb"))["stale"] is False

    # an edited cell makes the newest image stale, naming the cell
    nb = nbformat.read(jp_root_dir / "report.ipynb", as_version=4)
    nb.cells[2].source = "total = 2\nprint(total)"
    nbformat.write(nb, jp_root_dir / "report.ipynb")
    stale = await _get(jp_fetch, "stale", path="report.ipynb")
    assert stale["stale"] is True and stale["build"] == first["id"] and stale["image"] == tag
    assert stale["changes"] == [{"kind": "cell", "change": "edited", "cell": 3, "name": None, "before": None,
                                 "after": None}]
    assert stale["summary"] == "cell 3 edited" and stale["problem"] is None
    second = await _built(jp_fetch, "report.ipynb", tag=tag)  # Rebuild: the tag moves to the new image
    assert (await _get(jp_fetch, "stale", path="report.ipynb"))["stale"] is False

    listed = (await _get(jp_fetch, "images"))["images"]
    assert [(i["build"], i["notebook"], i["present"], i["tagged"]) for i in listed] == [
        (second["id"], "report.ipynb", True, True), (jobs["id"], "jobs.ipynb", True, True),
        (first["id"], "report.ipynb", True, False)]  # the first image lost its tag to the rebuild
    assert listed[0]["size"] == second["result"]["size"] and listed[0]["digest"] is None
    page = await _get(jp_fetch, "images", limit=2)
    assert len(page["images"]) == 2 and page["next"] == jobs["id"]
    assert [i["build"] for i in (await _get(jp_fetch, "images", limit=2, before=page["next"]))["images"]] == [
        first["id"]]

    # a deleted notebook is said so; its image can be removed
    (jp_root_dir / "jobs.ipynb").unlink()
    assert [i["notebook_exists"] for i in (await _get(jp_fetch, "images"))["images"]] == [True, False, True]
    response = await jp_fetch("containerize", "images", jobs["id"], method="DELETE")
    assert response.code == 204
    assert [i["present"] for i in (await _get(jp_fetch, "images"))["images"]] == [True, False, True]
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("containerize", "images", jobs["id"], method="DELETE")
    assert info.value.code == 404

    # the cache, and Prune: the replaced image and a cache entry unused for months go
    stale_entry = private_cache / "resolutions" / "unused-for-months.json"
    stale_entry.parent.mkdir(exist_ok=True)
    stale_entry.write_bytes(b"{}" + b" " * 4096)
    os.utime(stale_entry, (time.time() - 90 * 86400,) * 2)
    cache = await _get(jp_fetch, "images", "cache")
    assert cache["host_bytes"] > 0 and cache["host_folders"]["resolutions"] > 4096
    pruned = json.loads((await jp_fetch("containerize", "images", "prune", method="POST", body=b"")).body)
    assert first["result"]["image_id"] in pruned["removed_images"]
    assert pruned["engine_bytes"] >= 300_000 and pruned["host_bytes"] == 4098 and pruned["removed_files"] == 1
    assert pruned["freed_bytes"] == pruned["engine_bytes"] + pruned["host_bytes"]
    assert not stale_entry.exists()
    assert [i["present"] for i in (await _get(jp_fetch, "images"))["images"]] == [True, False, False]
    assert engine.inspect(tag).id == second["result"]["image_id"]  # the image in use is kept


async def test_hundreds_of_images_page(engine, jp_fetch, jp_serverapp):
    store = jp_serverapp.web_app.settings["containerize"].store  # the live server's history
    start = datetime.now(timezone.utc) - timedelta(hours=1)
    for n in range(300):
        store.save(BuildJob(id=f"{n:012x}", notebook=f"nb{n % 7}.ipynb", request=BuildRequest(path="nb.ipynb"),
                            state=BuildState.succeeded if n % 3 else BuildState.failed,
                            created=start + timedelta(seconds=n),
                            result=BuildResult(tag=f"nb:{n}", image_id=f"sha256:{n:064x}", size=n, duration_s=1)
                            if n % 3 else None))
    seen, before = [], None
    for _ in range(10):
        page = await _get(jp_fetch, "images", limit=100, **({"before": before} if before else {}))
        assert len(page["images"]) <= 100
        seen += [i["build"] for i in page["images"]]
        before = page["next"]
        if not before:
            break
    assert seen == [f"{n:012x}" for n in reversed(range(300)) if n % 3]  # the 200 succeeded ones, newest first
    assert not any(i["present"] for i in page["images"])
