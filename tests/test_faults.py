"""Faults, with real parts: a real server killed (SIGKILL) in every phase of a build and
started again on the same history, an engine connection cut mid-build, a registry that
answers 500 or never answers, a notebook deleted mid-build, a full disk under the build
context. Each ends with a clear outcome, the server keeps serving, and nothing is left
running, tagged or half-written."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from jupyter_containerize.builds import JOB_LABEL
from jupyter_containerize.process import JOB_ENV

from .conftest import BASE_IMAGE, write_notebook
from .registry import free_port
from .server_process import ServerProcess

pytestmark = pytest.mark.engine


# -- the parts we break --------------------------------------------------------------------

class SilentServer:
    """Accepts TCP connections and never answers (an index or a registry that hangs)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self):
        self.closed.set()
        for conn in [self.sock, *self.held]:
            with contextlib.suppress(OSError):
                conn.close()


class FailingRegistry(BaseHTTPRequestHandler):
    """A registry whose every answer is 500."""

    def _fail(self):
        self.send_response(500)
        self.send_header("Content-Type", "application/json")
        body = b'{"errors":[{"code":"UNKNOWN","message":"the storage backend is down"}]}'
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = _fail

    def log_message(self, *args):
        pass


class DockerProxy:
    """A unix socket forwarding to the Docker engine's, that a test can cut: for the server,
    the engine goes away mid-build (the real engine keeps running for the others)."""

    def __init__(self, path: Path, target: str = "/var/run/docker.sock"):
        self.path, self.target = path, target
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.bind(str(path))
        self.sock.listen(64)
        self.conns: list[socket.socket] = []
        self.cut_event = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.cut_event.is_set():
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            upstream = socket.socket(socket.AF_UNIX)
            upstream.connect(self.target)
            self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        with contextlib.suppress(OSError):
            while data := source.recv(1 << 16):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def cut(self):
        self.cut_event.set()
        for conn in [self.sock, *self.conns]:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                conn.close()


# -- helpers -------------------------------------------------------------------------------

def _docker(*args: str) -> str:
    return subprocess.run(["docker", *args], capture_output=True, text=True, check=True).stdout


def _tagged(tag: str) -> bool:
    return subprocess.run(["docker", "image", "inspect", tag], capture_output=True).returncode == 0


def _job_processes(job_id: str) -> list[int]:
    """Pids of processes marked as run for ``job_id`` (see process.JOB_ENV)."""
    mark = f"{JOB_ENV}={job_id}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if mark in (entry / "environ").read_bytes().split(b"\0"):
                    status = (entry / "status").read_text()
                    if "\nState:\tZ" not in status:  # a zombie is dead: its parent was killed
                        found.append(int(entry.name))
    return found


def _job_containers(job_id: str) -> list[str]:
    return _docker("ps", "-aq", "--filter", f"label={JOB_LABEL}={job_id}").split()


def _slow_kernel(tmp_path: Path, seconds: int) -> dict:
    """A kernel whose interpreter takes ``seconds`` to start (the analysis waits for it):
    environment for the server (JUPYTER_PATH) holding a kernelspec named ``slow``."""
    wrapper = tmp_path / "slow-python"
    wrapper.write_text(f"#!/bin/sh\nsleep {seconds}\nexec python3 \"$@\"\n")
    wrapper.chmod(0o755)
    spec = tmp_path / "jupyter-path" / "kernels" / "slow"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        '{"argv": ["%s", "-m", "ipykernel_launcher", "-f", "{connection_file}"], "display_name": "slow", '
        '"language": "python"}' % wrapper)
    return {"JUPYTER_PATH": str(tmp_path / "jupyter-path")}


@pytest.fixture
def server(tmp_path, cache_dir):
    """A server on ``tmp_path/root`` (not started: tests set options first)."""
    (tmp_path / "root").mkdir()
    made = ServerProcess(root=tmp_path / "root", store=tmp_path / "builds.sqlite", cache=cache_dir,
                         log=tmp_path / "server.log", options={"base_image": BASE_IMAGE})
    yield made
    made.stop()


# -- a server killed in every phase ---------------------------------------------------------

PHASES = ["analyse", "lock", "context", "build", "verify", "push"]


@pytest.mark.parametrize("phase", PHASES)
def test_a_server_killed_in_any_phase_leaves_nothing_behind(phase, server, silent, tmp_path, engine):
    """Kill the server (SIGKILL) while a build is in ``phase``, start it again: the build is
    ``interrupted`` (in that phase), nothing it started is still running (commands, verify
    container), its scratch folder is gone, no unverified tag was set, and the server serves."""
    tag = f"containerize-test/killed-{phase}:1"
    body = {"path": f"{phase}.ipynb", "tag": tag}
    cells = ["print('hello')"]
    kernel = "python3"
    if phase == "analyse":
        server.env.update(_slow_kernel(tmp_path, 300))
        kernel = "slow"
    elif phase == "lock":  # a cold cache and an index that never answers
        server.cache = tmp_path / "cold-cache"
        server.env["PIP_INDEX_URL"] = f"http://127.0.0.1:{silent.port}/simple"
        server.env.pop("PIP_EXTRA_INDEX_URL", None)
    elif phase == "context":  # a cold cache (wheels download and install: compilers run) and a git
        server.cache = tmp_path / "cold-cache"  # that never answers the provenance question
        hanging = tmp_path / "bin" / "git"
        hanging.parent.mkdir()
        hanging.write_text(f'#!/bin/sh\ncase "$2" in {server.root}*) sleep 300;; esac\nexec {shutil.which("git")} "$@"\n')
        hanging.chmod(0o755)
        server.env["PATH"] = f"{hanging.parent}:{os.environ['PATH']}"
        subprocess.run(["git", "init", "-q", str(server.root)], check=True)  # git runs only in a repository
    elif phase == "build":  # a large data file makes the build phase last
        cells = ["open('data/big.bin', 'rb').close()"]
        (server.root / "data").mkdir()
        with (server.root / "data" / "big.bin").open("wb") as big:
            big.write(os.urandom(256 * 1024 * 1024))
    elif phase == "verify":
        cells = ["import time\ntime.sleep(300)"]
        body["verify"] = True
    elif phase == "push":  # a registry that never answers
        tag = f"127.0.0.1:{silent.port}/team/killed-push:1"
        body.update(tag=tag, push=True)
        server.options["push_timeout"] = 5
    write_notebook(server.root / f"{phase}.ipynb", *cells, kernel=kernel)

    server.start()
    started = time.time()
    job = server.build(**body)
    server.wait_for_phase(job["id"], phase)
    if phase in ("analyse", "context"):  # the commands the phase runs have started (the context's
        deadline = time.time() + 30  # compilers as the first wheels arrive, then its git)
        while not _job_processes(job["id"]) and time.time() < deadline:
            time.sleep(0.1)
        assert _job_processes(job["id"]), "the phase runs no marked command: the test proves nothing"
        assert server.job(job["id"])["phase"] == phase
    if phase == "verify":
        time.sleep(1)
        assert _job_containers(job["id"]), "no verify container: the test proves nothing"
    server.kill()

    server.start()
    after = server.job(job["id"])
    assert after["state"] == "interrupted", after
    assert after["phase"] == phase or (phase == "build" and after["phase"] in ("build", "verify"))
    assert _job_processes(job["id"]) == []
    assert _job_containers(job["id"]) == []
    assert not (server.cache / "scratch" / job["id"]).exists()
    if phase == "push":  # built before the push: the image is good and can be pushed again
        assert _tagged(tag) and after["result"]["tag"] == tag
        assert server.post(f"containerize/builds/{job['id']}/push").status_code == 202
        again = server.wait_until_done(job["id"], within=120)
        assert again["state"] == "failed" and "timed out after 5 s" in again["error"]["message"]
        _docker("rmi", tag)
    else:
        assert not _tagged(tag)
    time.sleep(2)  # the engine finishes tearing down a build whose client went away
    # the engine's step containers of this build: made from the images its log names (---> ID)
    events = server.get(f"containerize/builds/{job['id']}/events", since=0, timeout=0).json()["events"]
    parents = {m.group(1) for e in events for m in [re.search(r"---> ([0-9a-f]{12})", e["message"])] if m}
    made = _docker("events", "--since", str(int(started)), "--until", str(int(time.time()) + 1), "--filter",
                   "type=container", "--filter", "event=create", "--format", "{{.ID}} {{.Actor.Attributes.image}}")
    steps = {line.split()[0][:12] for line in made.splitlines()
             if line.split()[-1].replace("sha256:", "")[:12] in parents}
    left = {c[:12] for c in _docker("ps", "-aq", "--no-trunc").split()} & steps
    assert not left, f"the build's step containers {left} are still there"
    assert server.get("containerize/info").status_code == 200


# -- other faults --------------------------------------------------------------------------

def test_the_engine_gone_mid_build_fails_the_build_and_the_server_serves(server, tmp_path, engine):
    proxy = DockerProxy(tmp_path / "docker.sock")
    server.env["DOCKER_HOST"] = f"unix://{tmp_path / 'docker.sock'}"
    (server.root / "data").mkdir()
    with (server.root / "data" / "big.bin").open("wb") as big:
        big.write(os.urandom(128 * 1024 * 1024))
    write_notebook(server.root / "gone.ipynb", "open('data/big.bin', 'rb').close()")
    tag = "containerize-test/engine-gone:1"
    server.start()
    job = server.build(path="gone.ipynb", tag=tag)
    server.wait_for_phase(job["id"], "build")
    proxy.cut()
    done = server.wait_until_done(job["id"], within=120)
    assert done["state"] == "failed" and done["error"]["phase"] == "build"
    assert "Docker engine" in done["error"]["message"]
    assert not _tagged(tag)
    assert server.get("containerize/info").status_code == 200
    refused = server.post("containerize/builds", {"path": "gone.ipynb"})  # and says so up front now
    assert refused.status_code == 503 and refused.json()["reason"] == "Container engine unavailable"


def test_a_registry_answering_500_fails_the_push_naming_it(server, engine):
    port = free_port()
    registry = ThreadingHTTPServer(("127.0.0.1", port), FailingRegistry)
    threading.Thread(target=registry.serve_forever, daemon=True).start()
    try:
        write_notebook(server.root / "five.ipynb", "print(500)")
        tag = f"127.0.0.1:{port}/team/five:1"
        server.start()
        done = server.wait_until_done(server.build(path="five.ipynb", tag=tag, push=True)["id"], within=300)
        assert done["state"] == "failed" and done["error"]["phase"] == "push"
        assert f"127.0.0.1:{port}" in done["error"]["message"] and "500" in done["error"]["message"]
        assert done["result"]["tag"] == tag  # the image is built: push it again later
    finally:
        registry.shutdown()
        with contextlib.suppress(subprocess.CalledProcessError):
            _docker("rmi", f"127.0.0.1:{port}/team/five:1")


def test_a_notebook_deleted_mid_build_fails_it_clearly(server, tmp_path, engine):
    server.env.update(_slow_kernel(tmp_path, 3))
    notebook = write_notebook(server.root / "vanishing.ipynb", "print(1)", kernel="slow")
    server.start()
    job = server.build(path="vanishing.ipynb")
    server.wait_for_phase(job["id"], "analyse")
    notebook.unlink()
    done = server.wait_until_done(job["id"], within=120)
    assert done["state"] == "failed" and done["error"]["phase"] == "analyse"
    assert "vanishing.ipynb" in done["error"]["message"] and "Unexpected" not in done["error"]["message"]
    assert server.get("containerize/info").status_code == 200


@contextlib.contextmanager
def _small_disk(folder: Path, size: str = "4m"):
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
    assert mounted.returncode == 0, f"cannot mount a tmpfs here: {mounted.stderr!r}"
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_a_build_copies_no_data_file_into_its_scratch_folder(server, tmp_path, cache_dir, engine):
    """The build's scratch folder on a 4 MB tmpfs, a 16 MB data file beside the notebook: the
    engine path streams the file into its layer from where it is, so the build succeeds (it
    once failed here for a full disk, copying the file into a build context first)."""
    cache = tmp_path / "cache"
    cache.mkdir()
    for part in ("wheels", "installed", "index-files", "hashes", "resolutions", "image-configs", "prepared-bases",
                 "locks", "layer-diffs"):
        if (cache_dir / part).exists():
            (cache / part).symlink_to(cache_dir / part)  # warm, as the other tests left it
    with _small_disk(cache / "scratch") as scratch:
        try:
            server.cache = cache
            (server.root / "blob.bin").write_bytes(os.urandom(16 * 1024 * 1024))
            write_notebook(server.root / "full.ipynb", "print(len(open('blob.bin', 'rb').read()))")
            server.start()
            done = server.wait_until_done(server.build(path="full.ipynb", tag="containerize-test/full:1")["id"],
                                          within=300)
            assert done["state"] == "succeeded", done.get("error")
            assert list(scratch.iterdir()) == []
            size = subprocess.run(["docker", "run", "--rm", "--entrypoint", "stat", "containerize-test/full:1", "-c",
                                   "%s", "blob.bin"], capture_output=True, text=True, check=True).stdout.strip()
            assert size == str(16 * 1024 * 1024)
        finally:
            server.stop()
            subprocess.run(["docker", "rmi", "containerize-test/full:1"], capture_output=True)
    shutil.rmtree(cache, ignore_errors=True)


def test_a_full_disk_under_an_exported_context_fails_clearly_and_leaves_nothing(tmp_path, cache_dir):
    """``jupyter containerize export`` into a 4 MB tmpfs, a 16 MB data file to copy there."""
    (tmp_path / "blob.bin").write_bytes(os.urandom(16 * 1024 * 1024))
    notebook = write_notebook(tmp_path / "full.ipynb", "open('blob.bin', 'rb').close()")
    with _small_disk(tmp_path / "small") as small:
        env = {**os.environ, "CONTAINERIZE_CACHE": str(cache_dir)}
        proc = subprocess.run(["jupyter", "containerize", "export", str(notebook), "-o", str(small / "ctx"),
                               "--base", BASE_IMAGE], capture_output=True, text=True, env=env, timeout=600)
        assert proc.returncode == 1
        assert "No space left on the disk holding the build context" in proc.stderr, proc.stderr[-2000:]
        assert "Traceback" not in proc.stderr
        assert not (small / "ctx").exists()  # nothing half-written is left
