"""`--verify` runs the notebook headless in the new image as its own phase: a notebook that
does not run fails the build with the failing cell, leaves no tag and is never pushed; a
cancel during verification leaves no tag either. OCI labels carry the git provenance."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from .conftest import BASE_IMAGE, server_config, write_notebook

pytestmark = pytest.mark.engine


def _cli(*args: str, cache_dir, cwd=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "CONTAINERIZE_CACHE": str(cache_dir)}
    return subprocess.run(["jupyter", "containerize", "build", *args, "--base", BASE_IMAGE], cwd=cwd,
                          capture_output=True, text=True, env=env, timeout=1200)


def _exists(tag: str) -> bool:
    return subprocess.run(["docker", "image", "inspect", tag], capture_output=True).returncode == 0


def test_verify_fails_the_build_with_the_failing_cell(engine, cache_dir, tmp_path):
    notebook = write_notebook(tmp_path / "broken.ipynb", "x = 1", "raise ValueError('boom in cell two')", "y = 2")
    tag = "containerize-test/verify-broken:1"
    proc = _cli(str(notebook), "--tag", tag, "--verify", "--push", cache_dir=cache_dir)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "==> [verify]" in proc.stderr and "==> [push]" not in proc.stderr  # never pushed
    assert "cell 2 failed: ValueError: boom in cell two" in proc.stderr
    assert not _exists(tag)  # a broken image is not left tagged


def test_verify_passes_and_labels_carry_git_provenance(engine, cache_dir, tmp_path):
    repo = tmp_path / "repo"
    notebook = write_notebook(repo / "ok.ipynb", "print(6 * 7)")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "remote", "add", "origin", "https://user:GitT0ken@example.org/team/ok.git"], check=True)
    subprocess.run([*git, "add", "ok.ipynb"], check=True)
    subprocess.run([*git, "commit", "-qm", "nb"], check=True)
    head = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    tag = "containerize-test/verify-ok:1"
    proc = _cli(str(notebook), "--tag", tag, "--verify", "--json", cache_dir=cache_dir)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "==> [verify]" in proc.stderr and "ran to the end" in proc.stderr
    labels = engine.inspect(json.loads(proc.stdout)["tag"]).labels
    assert labels["org.opencontainers.image.revision"] == head
    assert labels["org.opencontainers.image.source"] == "https://***@example.org/team/ok.git"
    assert labels["org.opencontainers.image.title"] == "ok"
    assert labels["org.opencontainers.image.version"]
    assert labels["org.opencontainers.image.created"].endswith("Z")


@pytest.fixture
def jp_server_config(jp_server_config, cache_dir):
    return server_config(base_image=BASE_IMAGE, cache_dir=str(cache_dir))


async def test_cancel_during_verify_leaves_no_tag(engine, jp_fetch, jp_root_dir):
    write_notebook(jp_root_dir / "slow.ipynb", "import time\ntime.sleep(120)")
    tag = "containerize-test/verify-cancel:1"
    response = await jp_fetch("containerize", "builds", method="POST",
                              body=json.dumps({"path": "slow.ipynb", "tag": tag, "verify": True}))
    job_id = json.loads(response.body)["id"]
    since, cancelled = 0, False
    for _ in range(400):
        page = json.loads((await jp_fetch("containerize", "builds", job_id, "events",
                                          params={"since": since, "timeout": 10})).body)
        since = page["next"]
        if not cancelled and any(e["kind"] == "phase" and e["phase"] == "verify" for e in page["events"]):
            await jp_fetch("containerize", "builds", job_id, "cancel", method="POST", body=b"")
            cancelled = True
        if page["done"]:
            break
    job = json.loads((await jp_fetch("containerize", "builds", job_id)).body)
    assert cancelled and job["state"] == "cancelled" and job["phase"] == "verify"
    assert not _exists(tag)
    left = subprocess.run(["docker", "ps", "-aq", "--filter", f"ancestor={tag}"], capture_output=True, text=True)
    assert left.stdout.strip() == ""


def test_a_failed_verify_on_a_rebuild_keeps_the_previous_good_image(engine, cache_dir, tmp_path):
    """Finding 10: the tag moves only once the new image is verified, so a rebuild that does
    not run leaves the tag on the image that did, and the unverified image is dropped."""
    notebook = write_notebook(tmp_path / "keep.ipynb", "print('good')")
    tag = "containerize-test/verify-keep:1"
    good = _cli(str(notebook), "--tag", tag, "--verify", "--json", cache_dir=cache_dir)
    assert good.returncode == 0, good.stderr[-2000:]
    good_id = json.loads(good.stdout)["image_id"]
    write_notebook(notebook, "raise RuntimeError('the edit broke it')")
    bad = _cli(str(notebook), "--tag", tag, "--verify", cache_dir=cache_dir)
    assert bad.returncode == 1 and "RuntimeError: the edit broke it" in bad.stderr
    assert engine.inspect(tag).id == good_id  # still the image that runs
    built = [line for line in bad.stderr.splitlines() if "Loaded the notebook image" in line]
    assert built, bad.stderr[-2000:]
    unverified = built[-1].split()[-1]
    assert not _exists(unverified)  # the image that does not run is not kept either
    engine.remove(tag)
