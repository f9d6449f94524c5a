"""A real ``jupyter server`` in its own process, for tests that kill it (SIGKILL) and start
it again on the same build history, or that cut what it talks to. Token authentication is
required, as everywhere; the extension is the installed one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import requests

from .registry import free_port, wait_for_port

TOKEN = "faults-test-token"


@dataclass
class ServerProcess:
    root: Path
    store: Path
    cache: Path
    log: Path
    options: dict = field(default_factory=dict)  # more ContainerizeApp options
    env: dict = field(default_factory=dict)  # more environment variables
    port: int = field(default_factory=free_port)
    proc: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "ServerProcess":
        args = [sys.executable, "-m", "jupyter_server", "--no-browser", "--allow-root", f"--port={self.port}",
                "--ServerApp.port_retries=0", f"--ServerApp.root_dir={self.root}",
                f"--IdentityProvider.token={TOKEN}", f"--ContainerizeApp.store_path={self.store}",
                f"--ContainerizeApp.cache_dir={self.cache}"]
        args += [f"--ContainerizeApp.{name}={value}" for name, value in self.options.items()]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                         env={**os.environ, **self.env})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"the server exited: {self.log.read_text()[-3000:]}"
            if wait_for_port(self.port, tries=1):
                try:
                    if self.get("api/status").status_code == 200:
                        return self
                except requests.ConnectionError:
                    pass
            time.sleep(0.2)
        raise AssertionError(f"the server did not start: {self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, as when the machine or the pod dies."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)

    def _call(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(method, f"{self.url}/{path}", headers={"Authorization": f"token {TOKEN}"},
                                timeout=60, **kwargs)

    def get(self, path: str, **params) -> requests.Response:
        return self._call("GET", path, params=params)

    def post(self, path: str, body: Optional[dict] = None) -> requests.Response:
        return self._call("POST", path, data=json.dumps(body or {}))

    def build(self, **body) -> dict:
        response = self.post("containerize/builds", body)
        assert response.status_code == 202, response.text
        return response.json()

    def job(self, job_id: str) -> dict:
        return self.get(f"containerize/builds/{job_id}").json()

    def wait_for_phase(self, job_id: str, phase: str, within: float = 600) -> None:
        """Return as soon as the job has entered ``phase`` (fail if it ends before)."""
        since, deadline = 0, time.monotonic() + within
        while time.monotonic() < deadline:
            page = self.get(f"containerize/builds/{job_id}/events", since=since, timeout=2).json()
            since = page["next"]
            if any(e["kind"] == "phase" and e["phase"] == phase for e in page["events"]):
                return
            assert not page["done"], f"{job_id} ended before {phase}: {self.job(job_id)}"
        raise AssertionError(f"{job_id} did not reach {phase} within {within} s")

    def wait_until_done(self, job_id: str, within: float = 600) -> dict:
        since, deadline = 0, time.monotonic() + within
        while time.monotonic() < deadline:
            page = self.get(f"containerize/builds/{job_id}/events", since=since, timeout=5).json()
            since = page["next"]
            if page["done"]:
                return self.job(job_id)
        raise AssertionError(f"{job_id} did not end within {within} s: {self.job(job_id)}")
