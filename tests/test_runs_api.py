"""Runs through the REST API on the real engine: the parameters form, typed values checked
(unknown name, wrong type: 400), live per-cell progress, the executed notebook in the runs
folder, a failing cell named, Stop, a registry image pulled first, and the Share lines of a
pushed build (`docker pull` accepts its reference)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from tornado.httpclient import HTTPClientError

from .conftest import BASE_IMAGE, EXAMPLE, follow_events, server_config, start_build
from .registry import login, registry  # noqa: F401 - the fixture
from .runner_notebooks import outputs, write_jobs_notebook

pytestmark = pytest.mark.engine


@pytest.fixture
def jp_server_config(jp_server_config, cache_dir):
    return server_config(base_image=BASE_IMAGE, cache_dir=str(cache_dir))


async def _built(jp_fetch, path: str, **options) -> dict:
    job = await start_build(jp_fetch, path=path, **options)
    await follow_events(jp_fetch, job["id"])
    done = json.loads((await jp_fetch("containerize", "builds", job["id"])).body)
    assert done["state"] == "succeeded", done["error"]
    return done


async def _run(jp_fetch, **body) -> dict:
    response = await jp_fetch("containerize", "runs", method="POST", body=json.dumps(body))
    assert response.code == 202
    return json.loads(response.body)


async def _run_events(jp_fetch, job_id: str) -> list[dict]:
    events, since = [], 0
    for _ in range(200):
        page = json.loads((await jp_fetch("containerize", "runs", job_id, "events",
                                          params={"since": since, "timeout": 10})).body)
        events += page["events"]
        since = page["next"]
        if page["done"]:
            return events
    raise AssertionError(f"run {job_id} never finished")


async def _error(call) -> tuple[int, str]:
    with pytest.raises(HTTPClientError) as info:
        await call
    return info.value.code, json.loads(info.value.response.body)["message"]


async def test_run_with_parameters_lands_in_the_runs_folder(engine, jp_fetch, jp_root_dir):
    shutil.copy(EXAMPLE, jp_root_dir / "report.ipynb")
    tag = (await _built(jp_fetch, "report.ipynb"))["result"]["tag"]

    form = json.loads((await jp_fetch("containerize", "parameters",
                                      params={"path": "report.ipynb", "image": tag})).body)
    assert form["source"] == "image" and form["cell"] == 3 and form["notebook_in_image"] == "report.ipynb"
    assert form["parameters"] == [{"name": "region", "type": "str", "default": '"all"', "value": "all", "help": ""}]

    job = await _run(jp_fetch, path="report.ipynb", image=tag, parameters={"region": "North"})
    assert job["state"] == "queued" and job["image"] == tag
    events = await _run_events(jp_fetch, job["id"])
    assert [e["phase"] for e in events if e["kind"] == "phase"] == ["run"]  # on the engine: no pull
    cells = [(e["step"], e["steps"]) for e in events if e["kind"] == "progress"]
    assert cells == [(n, 6) for n in range(1, 7)]  # one event per code cell (the injected one too) as it starts
    assert events[-1]["state"] == "succeeded"

    done = json.loads((await jp_fetch("containerize", "runs", job["id"])).body)
    result = done["result"]
    assert result["status"] == "succeeded" and result["exit_code"] == 0 and result["failed_cell"] is None
    assert result["folder"].startswith("runs/report/") and result["output"] == f"{result['folder']}/report.ipynb"
    assert "TOTAL_SALES=263.75" in outputs(jp_root_dir / result["output"])
    listed = json.loads((await jp_fetch("containerize", "runs", params={"path": "report.ipynb"})).body)
    assert [r["id"] for r in listed["runs"]] == [job["id"]]
    # runs are not builds, nor the reverse
    assert (await _error(jp_fetch("containerize", "builds", job["id"])))[0] == 404
    builds = json.loads((await jp_fetch("containerize", "builds")).body)["builds"]
    assert job["id"] not in [b["id"] for b in builds]

    # a second run in another runs folder (the sidebar's setting)
    other = await _run(jp_fetch, path="report.ipynb", image=tag, runs_folder="out/nightly")
    await _run_events(jp_fetch, other["id"])
    again = json.loads((await jp_fetch("containerize", "runs", other["id"])).body)
    assert again["result"]["output"].startswith("out/nightly/report/")
    assert "TOTAL_SALES=613.50" in outputs(jp_root_dir / again["result"]["output"])


@pytest.mark.parametrize("body,status,words", [
    ({"parameters": {"regoin": "North"}}, 400, "Unknown parameter 'regoin': the parameters of report.ipynb are region"),
    ({"parameters": {"region": 5}}, 400, "Parameter 'region' takes text (its default is \"all\"), not an integer: 5"),
    ({"parameters": {"region": ["North"]}}, 400, "not a list"),
    ({"runs_folder": "../elsewhere"}, 403, "outside the server root"),
    ({"runs_folder": "/tmp/x"}, 400, "must be relative to the server root"),
    ({"image": "Not An Image"}, 400, "is not a valid image reference"),
    ({"path": "missing.ipynb"}, 404, "No notebook at missing.ipynb"),
    ({"timeout": -1}, 400, "timeout"),
])
async def test_bad_run_requests_are_refused_before_they_start(engine, jp_fetch, jp_root_dir, body, status, words):
    shutil.copy(EXAMPLE, jp_root_dir / "report.ipynb")
    request = {"path": "report.ipynb", "image": "containerize-test/not-built:1", **body}
    code, message = await _error(jp_fetch("containerize", "runs", method="POST", body=json.dumps(request)))
    assert (code, words in message) == (status, True), message
    assert not (jp_root_dir / "runs").exists()  # nothing started


async def test_a_failing_run_names_its_cell_and_stop_stops_a_run(engine, jp_fetch, jp_root_dir):
    write_jobs_notebook(jp_root_dir / "jobs.ipynb")
    tag = (await _built(jp_fetch, "jobs.ipynb"))["result"]["tag"]

    failing = await _run(jp_fetch, path="jobs.ipynb", image=tag, parameters={"fail": True, "label": "123"})
    events = await _run_events(jp_fetch, failing["id"])
    assert events[-1]["state"] == "failed"
    done = json.loads((await jp_fetch("containerize", "runs", failing["id"])).body)
    assert done["result"]["status"] == "failed" and done["result"]["exit_code"] == 1
    assert done["result"]["failed_cell"] == 5  # the injected parameters cell comes second
    assert done["error"]["message"] == "cell 5 failed: ValueError: asked to fail"
    executed = nbformat.read(jp_root_dir / done["result"]["output"], as_version=4)
    assert "ValueError" in json.dumps(executed.cells[4].outputs)
    # "123" for a text parameter arrives as text, not as the number -p would make of it
    assert "LABEL='123'" in outputs(jp_root_dir / done["result"]["output"])

    sleeping = await _run(jp_fetch, path="jobs.ipynb", image=tag, parameters={"sleep": 120})
    since = 0
    for _ in range(100):  # until the sleeping cell (6 of 7 code cells, with the injected one) starts
        page = json.loads((await jp_fetch("containerize", "runs", sleeping["id"], "events",
                                          params={"since": since, "timeout": 10})).body)
        since = page["next"]
        if any(e["kind"] == "progress" and e["step"] == 6 for e in page["events"]):
            break
    stopped = json.loads((await jp_fetch("containerize", "runs", sleeping["id"], "stop", method="POST",
                                         body=b"")).body)
    assert stopped["id"] == sleeping["id"]
    events = await _run_events(jp_fetch, sleeping["id"])
    assert events[-1]["state"] == "cancelled"
    done = json.loads((await jp_fetch("containerize", "runs", sleeping["id"])).body)
    assert done["state"] == "cancelled" and done["result"]["status"] == "stopped"
    assert done["result"]["exit_code"] == 143 and (jp_root_dir / done["result"]["output"]).is_file()
    import docker

    client = docker.APIClient(version="auto")
    assert client.containers(all=True, filters={"label": f"io.jupyter.containerize.build-job={sleeping['id']}"}) == []
    client.close()
    code, _ = await _error(jp_fetch("containerize", "runs", sleeping["id"], "stop", method="POST", body=b""))
    assert code == 409


async def test_a_registry_image_is_pulled_then_run_and_shared(engine, registry, jp_fetch, jp_root_dir,  # noqa: F811
                                                              monkeypatch):
    monkeypatch.setenv("DOCKER_CONFIG", str(registry.docker_config))
    login(registry)
    write_jobs_notebook(jp_root_dir / "jobs.ipynb")  # a small image: the push is quick
    local = await _built(jp_fetch, "jobs.ipynb")
    code, message = await _error(jp_fetch("containerize", "builds", local["id"], "share", method="POST",
                                          body=b"{}"))
    assert code == 409 and "sharing needs a registry" in message

    pushed = await _built(jp_fetch, "jobs.ipynb", tag=f"{registry.host}/team/jobs:run", push=True)
    digest = pushed["result"]["digest"]
    share = json.loads((await jp_fetch("containerize", "builds", pushed["id"], "share", method="POST",
                                       body=json.dumps({"parameters": {"label": "North East", "sleep": 1},
                                                        "cron": "0 6 * * 1-5"}))).body)
    assert share["reference"] == digest and share["pull"] == f"docker pull {digest}"
    args = "-p label 'North East' -p sleep 1"
    assert share["docker_run"] == f"docker run --rm -v \"$PWD/out:/out\" {digest} jobs.ipynb {args}"
    assert share["containerize_run"] == f"jupyter containerize run {digest} {args}"
    import yaml

    cronjob = yaml.safe_load(share["cronjob"])
    assert cronjob["kind"] == "CronJob" and cronjob["spec"]["schedule"] == "0 6 * * 1-5"
    container = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == digest
    assert container["args"] == ["jobs.ipynb", "-p", "label", "North East", "-p", "sleep", "1"]
    pulled = subprocess.run(["docker", "pull", digest], capture_output=True, text=True,
                            env={"DOCKER_CONFIG": str(registry.docker_config), "PATH": "/usr/bin:/bin"})
    assert pulled.returncode == 0, pulled.stderr
    code, message = await _error(jp_fetch("containerize", "builds", pushed["id"], "share", method="POST",
                                          body=json.dumps({"cron": "every day"})))
    assert code == 400 and "cron" in message.lower()
    code, message = await _error(jp_fetch("containerize", "builds", pushed["id"], "share", method="POST",
                                          body=json.dumps({"parameters": {"label": 1}})))
    assert code == 400 and "'label' takes text" in message

    # the registry reference is not on the engine any more: the run pulls it first
    engine.delete_image(f"{registry.host}/team/jobs:run")
    job = await _run(jp_fetch, path="jobs.ipynb", image=digest, parameters={"label": "True"})
    events = await _run_events(jp_fetch, job["id"])
    assert [e["phase"] for e in events if e["kind"] == "phase"] == ["pull", "run"]
    done = json.loads((await jp_fetch("containerize", "runs", job["id"])).body)
    assert done["state"] == "succeeded", done["error"]
    assert "LABEL='True'" in outputs(Path(jp_root_dir) / done["result"]["output"])
