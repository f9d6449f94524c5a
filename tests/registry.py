"""A real registry for push tests: Debian's ``docker-registry`` on 127.0.0.1 (a free port)
with htpasswd auth, and a temporary DOCKER_CONFIG holding the login, so that no credential
touches ~/.docker. dockerd treats a loopback registry as insecure (plain HTTP) by default."""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from .required import missing

USER = "pusher"
PASSWORD = "Reg1stryS3cret-d4b1e7"  # planted: must never appear in images, logs or the store


@dataclass
class Registry:
    host: str  # 127.0.0.1:PORT
    docker_config: Path
    log: Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, tries: int = 100) -> bool:
    """True once something listens on 127.0.0.1:``port`` (within ``tries`` x 0.1 s)."""
    for _ in range(tries):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    absent = [tool for tool in ("docker-registry", "htpasswd") if not shutil.which(tool)]
    if absent:
        missing(f"{' and '.join(absent)} not installed (apt-get install docker-registry apache2-utils, "
                "as scripts/setup.sh does)")
    tmp = tmp_path_factory.mktemp("registry")
    htpasswd = subprocess.run(["htpasswd", "-Bbn", USER, PASSWORD], capture_output=True, text=True, check=True)
    (tmp / "htpasswd").write_text(htpasswd.stdout)
    host = f"127.0.0.1:{free_port()}"
    (tmp / "config.yml").write_text(
        "version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n"
        f"    rootdirectory: {tmp / 'data'}\n  delete:\n    enabled: true\n"
        f"http:\n  addr: {host}\nauth:\n  htpasswd:\n    realm: test\n    path: {tmp / 'htpasswd'}\n")
    log = tmp / "registry.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(["docker-registry", "serve", str(tmp / "config.yml")], stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        if not wait_for_port(int(host.split(":")[1])):
            pytest.fail(f"the registry did not start: {log.read_text()[-2000:]}")
        docker_config = tmp / "docker-config"
        docker_config.mkdir()
        yield Registry(host=host, docker_config=docker_config, log=log)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


def login(registry: Registry, password: str = PASSWORD) -> None:
    """Check the credentials with the SDK's ``login()`` and store them as ``docker login``
    does (``auths`` in DOCKER_CONFIG/config.json)."""
    import docker

    client = docker.DockerClient(version="auto")
    try:
        client.login(username=USER, password=password, registry=f"http://{registry.host}", reauth=True)
    finally:
        client.close()
    auth = base64.b64encode(f"{USER}:{password}".encode()).decode()
    (registry.docker_config / "config.json").write_text(json.dumps({"auths": {registry.host: {"auth": auth}}}))


def logout(registry: Registry) -> None:
    (registry.docker_config / "config.json").write_text("{}")
