"""Real parts for registry builder tests: the test base image in the test registry (as a
team's registry holds its base images), a fault-injecting proxy in front of the registry,
and the registry's view of a repository (tags, manifests) through its own HTTP API."""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import subprocess
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Optional

import requests

from .conftest import BASE_IMAGE
from .registry import PASSWORD, USER, Registry, free_port


def push_base(registry: Registry, name: str = "base/python:3.11", image: str = BASE_IMAGE) -> str:
    """Push ``image`` (from the engine) into the registry as ``name``; its reference there."""
    target = f"{registry.host}/{name}"
    subprocess.run(["docker", "tag", image, target], check=True)
    env = {"DOCKER_CONFIG": str(registry.docker_config), "PATH": "/usr/bin:/bin"}
    pushed = subprocess.run(["docker", "push", target], capture_output=True, text=True, env=env)
    assert pushed.returncode == 0, pushed.stderr
    subprocess.run(["docker", "rmi", target], capture_output=True)
    return target


def registry_api(registry: Registry, path: str, **kwargs) -> requests.Response:
    return requests.request(kwargs.pop("method", "GET"), f"http://{registry.host}{path}", auth=(USER, PASSWORD),
                            timeout=30, **kwargs)


def tags_of(registry: Registry, repository: str) -> list[str]:
    response = registry_api(registry, f"/v2/{repository}/tags/list")
    return [] if response.status_code == 404 else sorted(response.json().get("tags") or [])


@dataclass
class FaultProxy:
    """An HTTP proxy in front of the registry that can answer a status of its own, or drop the
    connection halfway through an upload, for requests a rule picks (``rule(method, path)``
    returns None to forward, an int status, or ``"drop"``)."""

    upstream: str  # host:port
    rule: Callable[[str, str], object] = lambda method, path: None
    port: int = field(default_factory=free_port)
    seen: list[tuple[str, str, object]] = field(default_factory=list)

    def __post_init__(self) -> None:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                verdict = proxy.rule(self.command, self.path)
                proxy.seen.append((self.command, self.path, verdict))
                if verdict == "drop":
                    if length:
                        self.rfile.read(min(length, 4096))  # take a little, then hang up
                    self.close_connection = True
                    with contextlib.suppress(OSError):
                        self.connection.shutdown(2)
                    return
                body = self.rfile.read(length) if length else b""
                if isinstance(verdict, int):
                    payload = json.dumps({"errors": [{"code": "INJECTED", "message": f"injected {verdict}"}]}).encode()
                    self.send_response(verdict)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                conn = http.client.HTTPConnection(proxy.upstream, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn.request(self.command, self.path, body=body, headers=headers)
                answer = conn.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() in ("transfer-encoding", "connection", "content-length"):
                        continue
                    if key.lower() == "location":  # keep the client on the proxy
                        value = value.replace(proxy.upstream, f"127.0.0.1:{proxy.port}")
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                conn.close()

            do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def docker_config_for(registry: Registry, hosts: list[str], path) -> None:
    """A Docker config holding the registry's login for each of ``hosts`` (a proxy too)."""
    auth = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    path.mkdir(parents=True, exist_ok=True)
    (path / "config.json").write_text(json.dumps({"auths": {host: {"auth": auth} for host in hosts}}))


def count(seen, method: str, fragment: str, verdict: Optional[object] = None) -> int:
    return sum(1 for m, p, v in seen if m == method and fragment in p and (verdict is None or v == verdict))


def push_rootfs(registry: Registry, tarball, platform: str, name: str, cache_dir) -> dict:
    """A root filesystem tarball as a one-layer image for ``platform`` in the registry (how a
    base image for another architecture gets there without that architecture's engine);
    its manifest's descriptor."""
    from jupyter_containerize.oci.assemble import CONFIG, MANIFEST, canonical, sha256
    from jupyter_containerize.oci.base import platform_of
    from jupyter_containerize.oci.blobs import BlobCache
    from jupyter_containerize.oci.credentials import Credentials
    from jupyter_containerize.oci.registry import RegistryClient
    from jupyter_containerize.oci.tarlayer import make_layer

    blobs = BlobCache(cache_dir / "blobs")
    stat = tarball.stat()

    def chunks():
        with open(tarball, "rb") as handle:
            while block := handle.read(1 << 20):
                yield block

    layer = make_layer(chunks, f"rootfs\0{tarball}\0{stat.st_size}\0{stat.st_mtime_ns}", blobs)
    config = canonical({**platform_of(platform), "config": {"Cmd": ["python3"]},
                        "rootfs": {"type": "layers", "diff_ids": [layer.diff_id]},
                        "history": [{"created_by": f"debootstrap bookworm ({platform})"}]})
    manifest = canonical({"schemaVersion": 2, "mediaType": MANIFEST,
                          "config": {"mediaType": CONFIG, "digest": sha256(config), "size": len(config)},
                          "layers": [layer.descriptor()]})
    client = RegistryClient(registry.host, registry.host, Credentials(USER, PASSWORD))
    repository, _, tag = name.rpartition(":")
    for digest, size, path in ((layer.digest, layer.size, blobs.path(layer.digest)),):
        if not client.blob_exists(repository, digest):
            client.upload_blob(repository, digest, size, lambda p=path: iter([p.read_bytes()]))
    client.upload_blob(repository, sha256(config), len(config), lambda: iter([config]))
    client.put_manifest(repository, tag, manifest, MANIFEST)
    return {"mediaType": MANIFEST, "digest": sha256(manifest), "size": len(manifest), "platform": platform_of(platform)}


def push_index(registry: Registry, name: str, manifests: list[dict]) -> str:
    from jupyter_containerize.oci.assemble import INDEX, canonical
    from jupyter_containerize.oci.credentials import Credentials
    from jupyter_containerize.oci.registry import RegistryClient

    client = RegistryClient(registry.host, registry.host, Credentials(USER, PASSWORD))
    repository, _, tag = name.rpartition(":")
    client.put_manifest(repository, tag, canonical({"schemaVersion": 2, "mediaType": INDEX, "manifests": manifests}),
                        INDEX)
    return f"{registry.host}/{name}"
