"""Schema-driven fuzzing (schemathesis) of a live jupyter_server with the extension and
authentication required: no answer is a 5xx (but the 503 "engine unavailable" of the
endpoints that ask the engine while answering: its refusal, by design), and every error has
a JSON ``message``.

The server runs as a real process on a free port with a token. Its engine is
:class:`tests.fake_engines.RefusingEngine` (nothing is built or left behind), its root
holds only hostile notebooks, and its store is seeded with finished builds so the job
endpoints are reached with ids that exist too, not only with random ones.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis.generation import GenerationMode

from jupyter_containerize import openapi
from jupyter_containerize.api_models import BuildJob, BuildState
from jupyter_containerize.models import BuildRequest, BuildResult
from jupyter_containerize.store import JobStore

from .conftest import REPO
from .registry import free_port, wait_for_port

TOKEN = "fuzz-token-0123456789"
ENGINE_REFUSAL = "The test engine refuses every call by design"
EXAMPLES = int(os.environ.get("CONTAINERIZE_FUZZ_EXAMPLES", "40"))  # per operation and mode
SEEDED = {"0000000000a1": BuildState.succeeded, "0000000000a2": BuildState.failed,
          "0000000000a3": BuildState.cancelled, "0000000000a4": BuildState.running}
HOSTILE_PATHS = ["loop.ipynb", "kernelspec.ipynb", "metadata.ipynb", "deep.ipynb", "../x.ipynb", "a" * 300 + ".ipynb"]


def _seed(store_path: Path) -> None:
    store = JobStore(store_path)
    now = datetime.now(timezone.utc)
    for n, (job_id, state) in enumerate(SEEDED.items()):
        job = BuildJob(id=job_id, notebook="nb.ipynb", request=BuildRequest(path="nb.ipynb"), state=state,
                       created=now - timedelta(minutes=n), phase="build")
        if state == BuildState.succeeded:
            job.result = BuildResult(tag="nb:0123456789ab", image_id="sha256:0", size=1, duration_s=1.0)
        store.save(job)
    store.close()


def _hostile_root(root: Path) -> None:
    os.symlink("loop.ipynb", root / "loop.ipynb")
    (root / "kernelspec.ipynb").write_text(json.dumps({"cells": [], "metadata": {"kernelspec": "python3"}}))
    (root / "metadata.ipynb").write_text(json.dumps({"cells": [], "metadata": [1]}))
    (root / "deep.ipynb").write_text("[" * 100_000 + "]" * 100_000)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    home = tmp_path_factory.mktemp("fuzz")
    root, config = home / "root", home / "config"
    root.mkdir()
    config.mkdir()
    _hostile_root(root)
    _seed(home / "builds.sqlite")
    (config / "jupyter_server_config.json").write_text(json.dumps({
        "ServerApp": {"jpserver_extensions": {"jupyter_containerize": True}, "allow_unauthenticated_access": False,
                      "open_browser": False, "allow_root": True, "root_dir": str(root)},
        "IdentityProvider": {"token": TOKEN},
        "ContainerizeApp": {"engine_class": "tests.fake_engines.RefusingEngine",
                            "store_path": str(home / "builds.sqlite"), "cache_dir": str(home / "cache")},
    }))
    port = free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(config), "JUPYTER_DATA_DIR": str(home / "data"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    log = (home / "server.log").open("wb")
    server = subprocess.Popen([sys.executable, "-m", "jupyter_server", f"--port={port}", "--ip=127.0.0.1"],
                              cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        assert wait_for_port(port, tries=300), (home / "server.log").read_text()[-3000:]
        yield f"http://127.0.0.1:{port}", home / "server.log"
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _settings(examples: int):
    return hypothesis.settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                               phases=[Phase.explicit, Phase.generate], print_blob=False,
                               suppress_health_check=list(HealthCheck))


def _run(strategy, examples: int, check) -> None:
    @_settings(examples)
    @hypothesis.given(case=strategy)
    def fuzz(case):
        check(case)

    fuzz()


def test_fuzz_the_rest_api(live_server):
    base, server_log = live_server
    auth = {"Authorization": f"token {TOKEN}"}
    served = requests.get(f"{base}/containerize/openapi.json", headers=auth, timeout=10)
    assert served.status_code == 200
    schema = schemathesis.openapi.from_dict(served.json())
    session = requests.Session()
    tried, problems = 0, []
    started = time.monotonic()
    timings = {}

    def check(case) -> None:
        nonlocal tried
        response = case.call(base_url=f"{base}/containerize", session=session, headers=auth, timeout=40)
        tried += 1
        label = f"{case.method} {case.formatted_path} query={case.query} body={str(case.body)[:120]}"
        refused = response.status_code == 503 and ENGINE_REFUSAL in response.text
        if response.status_code >= 500 and not refused:
            problems.append(f"{response.status_code} {label}: {response.text[:300]}")
        elif response.status_code >= 300 and response.status_code != 304:
            try:
                message = json.loads(response.content).get("message")
            except (ValueError, AttributeError):
                message = None
            content_type = (response.headers.get("content-type") or [""])[0]  # lowercase keys, list values
            if not content_type.startswith("application/json") or not message:
                problems.append(f"{response.status_code} without a JSON message: {label}: {response.text[:200]}")

    operations = sorted((result.ok() for result in schema.get_all_operations()),
                        key=lambda operation: operation.method == "delete")  # the seeded builds go last
    assert len(operations) == len(openapi.OPERATIONS)  # every operation the server has is fuzzed
    for operation in operations:
        strategies = [operation.as_strategy(generation_mode=mode) for mode in GenerationMode]
        if "{job_id}" in operation.path:  # the seeded builds too, not only random ids
            strategies += [operation.as_strategy(generation_mode=mode, path_parameters={"job_id": job_id})
                           for job_id in SEEDED for mode in GenerationMode]
        if operation.path in ("/analysis", "/parameters", "/stale"):
            strategies += [operation.as_strategy(query={"path": path}) for path in HOSTILE_PATHS]
        if operation.path == "/builds" and operation.method == "post":
            strategies += [operation.as_strategy(body={"path": path}) for path in HOSTILE_PATHS]
        if operation.path == "/runs" and operation.method == "post":
            strategies += [operation.as_strategy(body={"path": path, "image": "nb:1"}) for path in HOSTILE_PATHS]
        clock = time.monotonic()
        for strategy in strategies:
            examples = EXAMPLES if strategy in strategies[:2] else 4  # generic ones; then targeted ones
            _run(strategy, examples, check)
        timings[f"{operation.method.upper()} {operation.path}"] = round(time.monotonic() - clock, 1)
    elapsed = time.monotonic() - started
    print(f"\nfuzzing: {tried} requests in {elapsed:.1f} s, {len(problems)} problem(s); seconds per operation: {timings}")
    assert tried > 10 * EXAMPLES
    assert not problems, "\n".join(problems[:20]) + f"\n(server log: {server_log})"
    log = server_log.read_text(errors="replace")
    assert "Traceback" not in log and "Unexpected error" not in log, log[-3000:]
