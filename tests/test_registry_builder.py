"""The registry output: images assembled here and pushed to a real registry (Debian's
docker-registry with htpasswd auth) with no engine for the builder, then pulled and run by
the test engine; reproducible digests; only what changed is uploaded; archives that docker,
podman and skopeo read; a base without a shell; registry faults."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import EXAMPLE, write_notebook
from .registry import PASSWORD, login, registry  # noqa: F401 - the fixture
from .registry_parts import (
    FaultProxy,
    count,
    docker_config_for,
    push_base,
    push_index,
    push_rootfs,
    registry_api,
    tags_of,
)
from .server_process import ServerProcess

pytestmark = pytest.mark.engine
NO_ENGINE = "unix:///nonexistent/docker.sock"


@pytest.fixture(scope="module")
def base(registry):  # noqa: F811
    login(registry)
    return push_base(registry)


def cli(*args: str, registry, cache: Path, engine: bool = False, config: Path = None, cwd: Path = None):  # noqa: F811
    """``jupyter containerize build ... --json`` as a user runs it; no engine unless asked."""
    env = {**os.environ, "DOCKER_CONFIG": str(config or registry.docker_config), "CONTAINERIZE_CACHE": str(cache)}
    if not engine:
        env["DOCKER_HOST"] = NO_ENGINE
    proc = subprocess.run([sys.executable, "-m", "jupyter_containerize.cli", "build", *args, "--json"],
                          capture_output=True, text=True, env=env, timeout=900, cwd=cwd)
    return proc, (json.loads(proc.stdout) if proc.returncode == 0 else None)


def pull_and_run(registry, reference: str, out: Path) -> subprocess.CompletedProcess:  # noqa: F811
    env = {"DOCKER_CONFIG": str(registry.docker_config), "PATH": "/usr/bin:/bin"}
    pulled = subprocess.run(["docker", "pull", reference], capture_output=True, text=True, env=env)
    assert pulled.returncode == 0, pulled.stderr
    out.mkdir(parents=True, exist_ok=True)
    out.chmod(0o777)
    return subprocess.run(["docker", "run", "--rm", "-v", f"{out}:/out", reference], capture_output=True, text=True,
                          timeout=300)


def fresh_cache(tmp_path: Path, shared: Path, name: str) -> Path:
    """An empty host cache but for the downloaded wheels and the index's hashes (this
    machine reaches PyPI only through a slow proxy; what is measured here is the rest)."""
    cache = tmp_path / name
    cache.mkdir()
    for part in ("wheels", "index-files"):
        if (shared / part).is_dir():
            shutil.copytree(shared / part, cache / part)
    return cache


# -- the main path: no engine for the server -------------------------------------------------

def test_without_an_engine_the_server_assembles_pushes_and_the_image_runs(registry, base, tmp_path,  # noqa: F811
                                                                          cache_dir, engine):
    root = tmp_path / "root"
    (root / "files").mkdir(parents=True)
    shutil.copy(EXAMPLE, root / "sales-report.ipynb")
    (root / "files" / "helper.py").write_text("def total(rows):\n    return sum(int(r[1]) for r in rows)\n")
    (root / "files" / "data").mkdir()
    (root / "files" / "data" / "prices.csv").write_text("item,price\na,3\nb,4\n")
    write_notebook(root / "files" / "with-files.ipynb",
                   "import csv\nimport helper\nrows = list(csv.reader(open('data/prices.csv')))[1:]",
                   "open('note.txt', 'w').write('the working directory is the user\\'s')",
                   "print('TOTAL', helper.total(rows))")
    server = ServerProcess(root=root, store=tmp_path / "builds.sqlite", cache=cache_dir, log=tmp_path / "server.log",
                           options={"base_image": base, "registry": f"{registry.host}/team"},
                           env={"DOCKER_HOST": NO_ENGINE, "DOCKER_CONFIG": str(registry.docker_config)})
    server.start()
    try:
        for path, expected in (("sales-report.ipynb", "TOTAL_SALES="), ("files/with-files.ipynb", "TOTAL 7")):
            job = server.build(path=path)  # no output asked: the engine is down, the tag names a registry
            done = server.wait_until_done(job["id"], within=600)
            assert done["state"] == "succeeded", done["error"]
            result = done["result"]
            assert result["output"] == "registry" and "no container engine answers" in result["output_reason"]
            assert result["digest"].startswith(f"{registry.host}/team/") and result["tag"] in tags_of_ref(registry, result)
            ran = pull_and_run(registry, result["digest"], tmp_path / "out" / job["id"])
            assert ran.returncode == 0, ran.stderr[-2000:]
            written = json.loads(next((tmp_path / "out" / job["id"]).glob("*.ipynb")).read_text())
            assert expected in json.dumps(written["cells"])
            saved = subprocess.run(["docker", "save", result["digest"]], capture_output=True, check=True).stdout
            assert PASSWORD.encode() not in saved  # the registry's password is in no layer, config or label
    finally:
        server.stop()
    for place in (tmp_path / "server.log", tmp_path / "builds.sqlite", *tmp_path.glob("builds.sqlite-*")):
        if place.exists():
            assert PASSWORD.encode() not in place.read_bytes(), f"the registry password is in {place.name}"


def tags_of_ref(registry, result) -> list[str]:  # noqa: F811
    repository = result["tag"].split("/", 1)[1].rsplit(":", 1)[0]
    return [f"{registry.host}/{repository}:{tag}" for tag in tags_of(registry, repository)]


# -- reproducible, and only what changed is sent ----------------------------------------------

def test_two_empty_caches_give_the_same_digest_and_an_edit_sends_only_the_notebook(registry, base, tmp_path,  # noqa: F811
                                                                                  cache_dir):
    notebook = write_notebook(tmp_path / "repro" / "repro.ipynb", "import json\nprint(json.dumps({'a': 1}))")
    tag = f"{registry.host}/team/repro:1"
    first, one = cli(str(notebook), "--base", base, "--tag", tag, "--output", "registry", registry=registry,
                     cache=fresh_cache(tmp_path, cache_dir, "cache-a"))
    assert first.returncode == 0, first.stderr[-3000:]
    second, two = cli(str(notebook), "--base", base, "--tag", tag, "--output", "registry", registry=registry,
                      cache=fresh_cache(tmp_path, cache_dir, "cache-b"))
    assert second.returncode == 0, second.stderr[-3000:]
    assert one["digest"] == two["digest"] and one["image_id"] == two["image_id"]
    assert two["uploaded"] == []  # the registry had every blob already
    base_manifest = registry_api(registry, "/v2/base/python/manifests/3.11", headers={
        "Accept": "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json"})
    base_layers = {layer["digest"] for layer in base_manifest.json()["layers"]}
    assert base_layers and not base_layers & set(one["uploaded"])  # linked from base/python, not sent
    assert len(one["uploaded"]) == 5  # the prepared base, the environment, the runner, the notebook, the config

    write_notebook(notebook, "import json\nprint(json.dumps({'a': 2}))")  # a one-cell edit
    third, three = cli(str(notebook), "--base", base, "--tag", tag, "--output", "registry", registry=registry,
                       cache=tmp_path / "cache-b")
    assert third.returncode == 0, third.stderr[-3000:]
    assert three["digest"] != two["digest"]
    assert len(three["uploaded"]) == 2 and three["image_id"] in three["uploaded"]  # the notebook layer and the config


# -- an archive docker, podman and skopeo read -------------------------------------------------

def test_the_archive_is_read_by_docker_podman_and_skopeo(registry, base, tmp_path, cache_dir, engine):  # noqa: F811
    notebook = write_notebook(tmp_path / "arch" / "arch.ipynb", "print('from the archive')")
    archive = tmp_path / "arch.tar"
    tag = "containerize-test/archived:1"
    proc, result = cli(str(notebook), "--base", base, "--tag", tag, "--output", "archive", "-o", str(archive),
                       registry=registry, cache=cache_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert result["archive"] == str(archive) and archive.is_file()
    loaded = subprocess.run(["docker", "load", "-i", str(archive)], capture_output=True, text=True)
    assert loaded.returncode == 0 and tag in loaded.stdout, loaded.stderr
    try:
        out = tmp_path / "out"
        out.mkdir()
        out.chmod(0o777)
        ran = subprocess.run(["docker", "run", "--rm", "-v", f"{out}:/out", tag], capture_output=True, text=True)
        assert ran.returncode == 0 and "from the archive" in (out / "arch.ipynb").read_text(), ran.stderr
    finally:
        subprocess.run(["docker", "rmi", tag], capture_output=True)
    inspected = subprocess.run(["skopeo", "inspect", f"oci-archive:{archive}"], capture_output=True, text=True)
    assert inspected.returncode == 0, inspected.stderr
    assert json.loads(inspected.stdout)["Labels"]["io.jupyter.containerize.notebook"] == "arch.ipynb"
    podman = subprocess.run(["podman", "load", "-i", str(archive)], capture_output=True, text=True, timeout=300)
    assert podman.returncode == 0 and "archived:1" in podman.stdout + podman.stderr, podman.stderr
    subprocess.run(["podman", "rmi", "-f", f"docker.io/{tag}"], capture_output=True)


def test_data_fetched_at_build_time_is_in_the_assembled_image(registry, base, tmp_path, cache_dir, engine):  # noqa: F811
    """``--fetch-data`` without an engine: the URL the notebook reads is fetched into the
    assembled image (its offline server loaded by a .pth), so the loaded image runs without
    the network (the host's 127.0.0.1 is out of the container's reach, and stopped)."""
    from .test_fetch_data import Site

    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "sales.csv").write_text("region,amount\nNorth,3\n")
    site = Site(tmp_path / "www")
    try:
        notebook = write_notebook(tmp_path / "fetch" / "fetch.ipynb",
                                  f"import urllib.request\ntext = urllib.request.urlopen('{site.url}/sales.csv')"
                                  ".read().decode()\nprint('GOT', text.splitlines()[1])")
        archive, tag = tmp_path / "fetch.tar", "containerize-test/fetched-archive:1"
        proc, result = cli(str(notebook), "--base", base, "--tag", tag, "--output", "archive", "-o", str(archive),
                           "--fetch-data", registry=registry, cache=cache_dir)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert f"fetched {site.url}/sales.csv" in proc.stderr
    finally:
        site.stop()
    loaded = subprocess.run(["docker", "load", "-i", str(archive)], capture_output=True, text=True)
    assert loaded.returncode == 0, loaded.stderr
    try:
        out = tmp_path / "out"
        out.mkdir()
        out.chmod(0o777)
        ran = subprocess.run(["docker", "run", "--rm", "--network", "none", "-v", f"{out}:/out", tag],
                             capture_output=True, text=True, timeout=300)
        assert ran.returncode == 0, ran.stderr[-3000:]
        assert "GOT North,3" in (out / "fetch.ipynb").read_text()
    finally:
        subprocess.run(["docker", "rmi", tag], capture_output=True)


# -- a base image without a shell ---------------------------------------------------------------

def test_a_base_without_a_shell_or_useradd_builds_and_runs(registry, base, tmp_path, cache_dir, engine):  # noqa: F811
    shellless = shell_less_base(registry, tmp_path)
    notebook = write_notebook(tmp_path / "noshell" / "noshell.ipynb", "import os\nprint('SHELL', os.path.exists('/bin/sh'))")
    tag = f"{registry.host}/team/noshell:1"
    proc, result = cli(str(notebook), "--base", shellless, "--tag", tag, "--output", "registry", registry=registry,
                       cache=cache_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "(no shell)" in proc.stderr
    ran = pull_and_run(registry, result["digest"], tmp_path / "out")
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert "SHELL False" in (tmp_path / "out" / "noshell.ipynb").read_text()


def shell_less_base(registry, tmp_path: Path) -> str:  # noqa: F811
    """The test base without /bin/sh, dash, bash, useradd, groupadd or passwd, in the registry."""
    import tarfile

    gone = {"bin/sh", "usr/bin/sh", "bin/dash", "usr/bin/dash", "bin/bash", "usr/bin/bash", "usr/sbin/useradd",
            "usr/sbin/groupadd", "usr/bin/passwd", "sbin/useradd", "usr/sbin/adduser"}
    container = subprocess.run(["docker", "create", "jupyter-containerize/python:3.11-bookworm", "true"],
                               capture_output=True, text=True, check=True).stdout.strip()
    try:
        exported = subprocess.Popen(["docker", "export", container], stdout=subprocess.PIPE)
        filtered = tmp_path / "noshell-rootfs.tar"
        with tarfile.open(fileobj=exported.stdout, mode="r|") as src, tarfile.open(filtered, "w") as dst:
            for member in src:
                if member.name.lstrip("./") in gone:
                    continue
                dst.addfile(member, src.extractfile(member) if member.isfile() else None)
        exported.wait()
    finally:
        subprocess.run(["docker", "rm", container], capture_output=True)
    local = "containerize-test/python-noshell:3.11"
    subprocess.run(["docker", "import", str(filtered), local], check=True, capture_output=True)
    pushed = push_base(registry, "base/python-noshell:3.11", image=local)
    subprocess.run(["docker", "rmi", local], capture_output=True)
    return pushed


# -- registry faults -------------------------------------------------------------------------------

@pytest.fixture
def tiny(tmp_path):
    return write_notebook(tmp_path / "tiny" / "tiny.ipynb", "print(6 * 7)")


def test_a_registry_without_our_login_refuses_with_401_and_no_tag(registry, base, tiny, tmp_path, cache_dir):  # noqa: F811
    empty = tmp_path / "no-login"
    empty.mkdir()
    (empty / "config.json").write_text("{}")
    tag = f"{registry.host}/team/refused:1"
    proc, _ = cli(str(tiny), "--base", base, "--tag", tag, "--output", "registry", registry=registry, cache=cache_dir,
                  config=empty)
    assert proc.returncode == 1 and f"401 Unauthorized: {registry.host}" in proc.stderr
    assert f"docker login {registry.host}" in proc.stderr
    assert tags_of(registry, "team/refused") == []


@pytest.mark.parametrize("fault", ["403", "500-then-ok", "refused", "drop-then-ok", "drop-always"])
def test_registry_faults(fault, registry, base, tiny, tmp_path, cache_dir):  # noqa: F811
    state = {"failed": 0}

    def rule(method, path):
        uploading = "/blobs/uploads/" in path
        if fault == "403" and uploading and method == "POST":
            return 403
        if fault == "500-then-ok" and uploading and method == "POST" and state["failed"] < 2:
            state["failed"] += 1
            return 500
        if fault.startswith("drop") and method == "PUT" and "digest=" in path:
            if fault == "drop-always" or state["failed"] < 1:
                state["failed"] += 1
                return "drop"
        return None

    proxy = None if fault == "refused" else FaultProxy(registry.host, rule)
    host = proxy.host if proxy else "127.0.0.1:1"
    config = tmp_path / "docker-config"
    docker_config_for(registry, [registry.host, host], config)
    tag = f"{host}/team/faults-{fault}:1"
    try:
        proc, result = cli(str(tiny), "--base", base, "--tag", tag, "--output", "registry", registry=registry,
                           cache=cache_dir, config=config)
        if fault in ("500-then-ok", "drop-then-ok"):
            assert proc.returncode == 0, proc.stderr[-3000:]
            assert "trying again" in proc.stderr and state["failed"] >= 1
            assert tags_of(registry, f"team/faults-{fault}") == ["1"]
        else:
            assert proc.returncode == 1, proc.stdout
            expected = {"403": "403 Forbidden", "refused": "127.0.0.1:1 is unreachable",
                        "drop-always": "unreachable"}[fault]
            assert expected in proc.stderr, proc.stderr[-2000:]
            assert tags_of(registry, f"team/faults-{fault}") == []  # no partial tag
            if fault == "drop-always":
                assert count(proxy.seen, "PUT", "digest=", "drop") == 5  # 1 + 4 retries
    finally:
        if proxy:
            proxy.close()


# -- several platforms -------------------------------------------------------------------------------

def test_an_index_for_amd64_and_arm64_and_the_arm64_image_runs_under_qemu(registry, base, tmp_path, cache_dir,  # noqa: F811
                                                                            engine):
    """Both images are made on this amd64 machine; the arm64 one runs here under qemu."""
    rootfs = Path(os.environ.get("CONTAINERIZE_CACHE") or Path.home() / ".cache" / "jupyter-containerize")
    arm64 = rootfs / "bookworm-python3-rootfs-arm64.tar"
    if not arm64.is_file():
        from .required import missing

        missing(f"{arm64} is missing: bash scripts/make-base-image.sh --arm64")
    amd64 = rootfs / "bookworm-python3-rootfs.tar"
    multi = push_index(registry, "base/python-multi:3.11", [
        push_rootfs(registry, amd64, "linux/amd64", "base/python-multi:amd64", cache_dir),
        push_rootfs(registry, arm64, "linux/arm64", "base/python-multi:arm64", cache_dir)])
    notebook = write_notebook(tmp_path / "multi" / "multi.ipynb", "import platform\nprint('MACHINE', platform.machine())")
    tag = f"{registry.host}/team/multi:1"
    proc, result = cli(str(notebook), "--base", multi, "--tag", tag, "--platform", "linux/amd64,linux/arm64",
                       registry=registry, cache=cache_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert result["platforms"] == ["linux/amd64", "linux/arm64"] and result["output"] == "registry"
    env = {"DOCKER_CONFIG": str(registry.docker_config), "PATH": "/usr/bin:/bin"}
    for platform, machine in (("linux/arm64", "aarch64"), ("linux/amd64", "x86_64")):
        subprocess.run(["docker", "rmi", "-f", result["digest"]], capture_output=True)
        pulled = subprocess.run(["docker", "pull", "--platform", platform, result["digest"]], capture_output=True,
                                text=True, env=env)
        assert pulled.returncode == 0, pulled.stderr
        out = tmp_path / "out" / machine
        out.mkdir(parents=True)
        out.chmod(0o777)
        ran = subprocess.run(["docker", "run", "--rm", "-v", f"{out}:/out", result["digest"]], capture_output=True,
                             text=True, timeout=600)
        assert ran.returncode == 0, ran.stderr[-2000:]
        assert f"MACHINE {machine}" in (out / "multi.ipynb").read_text()


# -- images in the registry are scheduler environments, and run after a pull ---------------------

def test_pushed_images_are_scheduler_environments_and_run_after_a_pull(registry, base, tiny, tmp_path, cache_dir,  # noqa: F811
                                                                        engine, monkeypatch):
    from datetime import datetime, timezone

    from jupyter_containerize.api_models import BuildJob, BuildState
    from jupyter_containerize.builds import BuildManager
    from jupyter_containerize.engine.docker import DockerEngine
    from jupyter_containerize.models import BuildRequest, BuildResult
    from jupyter_containerize.scheduler.environments import registry_environments
    from jupyter_containerize.settings import Settings
    from jupyter_containerize.share.running import run_image
    from jupyter_containerize.store import JobStore

    tag = f"{registry.host}/team/scheduled:1"
    proc, result = cli(str(tiny), "--base", base, "--tag", tag, "--output", "registry", registry=registry,
                       cache=cache_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    monkeypatch.setenv("DOCKER_CONFIG", str(registry.docker_config))
    store = JobStore(tmp_path / "builds.sqlite")
    store.save(BuildJob(id="0123456789ab", notebook="tiny.ipynb", request=BuildRequest(path="tiny.ipynb"),
                        created=datetime.now(timezone.utc), state=BuildState.succeeded, result=BuildResult(**result)))
    manager = BuildManager(root=tmp_path, settings=Settings(cache_dir=cache_dir), engine_factory=DockerEngine,
                           store=store)
    try:
        environments = {env.name: env for env in registry_environments(manager)}
        assert tag in environments and environments[tag].metadata["notebook"] == "tiny.ipynb"
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)  # not on the engine: only in the registry
        out = tmp_path / "run-out"
        assert run_image(DockerEngine(), tag, out) == 0
        assert "42" in (out / "tiny.ipynb").read_text()
    finally:
        manager.shutdown()
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True)


def test_a_pushed_image_that_does_not_run_gets_no_tag(registry, base, tmp_path, cache_dir, engine):  # noqa: F811
    """Verify pulls what was pushed (untagged) and runs it; the tag is put only when it ran."""
    notebook = write_notebook(tmp_path / "failing" / "failing.ipynb", "raise ValueError('not today')")
    tag = f"{registry.host}/team/failing:1"
    proc, _ = cli(str(notebook), "--base", base, "--tag", tag, "--output", "registry", "--verify", registry=registry,
                  cache=cache_dir, engine=True)
    assert proc.returncode == 1 and "ValueError: not today" in proc.stderr
    assert "==> [push]" in proc.stderr and "==> [verify]" in proc.stderr
    assert tags_of(registry, "team/failing") == []
