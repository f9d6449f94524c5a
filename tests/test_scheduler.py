"""jupyter-scheduler integration on the real engine: our images are its environments, a job
created through its REST API runs in the chosen image and its output notebook is where
jupyter-scheduler shows it, a failure names the cell, a job definition with a schedule
fires when its time comes (the clock is moved, not waited for), and stopping or deleting a
running job removes its container."""

from __future__ import annotations

import asyncio
import json
import shutil
import time

import pytest

from .required import import_or_fail

import_or_fail("jupyter_scheduler", 'pip install -e ".[test]"')

from .runner_notebooks import build_with_cli, outputs, write_jobs_notebook  # noqa: E402

pytestmark = pytest.mark.engine

ENV = "jupyter_containerize.scheduler.ImageEnvironmentManager"
EXEC = "jupyter_containerize.scheduler.ImageExecutionManager"
SCHED = "jupyter_containerize.scheduler.ImageScheduler"


@pytest.fixture(scope="module")
def jobs_notebook(tmp_path_factory):
    return write_jobs_notebook(tmp_path_factory.mktemp("sched") / "jobs.ipynb")


@pytest.fixture(scope="module")
def jobs_image(engine, cache_dir, jobs_notebook) -> str:
    return build_with_cli(jobs_notebook, cache_dir)["tag"]


@pytest.fixture
def jp_server_config(jp_server_config, tmp_path):
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_containerize": True, "jupyter_scheduler": True},
                      "allow_unauthenticated_access": False},
        "SchedulerApp": {"db_url": f"sqlite:///{tmp_path}/scheduler.sqlite", "environment_manager_class": ENV,
                         "scheduler_class": SCHED},
        "Scheduler": {"execution_manager_class": EXEC, "staging_path": str(tmp_path / "staging")},
        "BaseTaskRunner": {"poll_interval": 3600},
    }


async def _json(jp_fetch, *parts, **kw):
    response = await jp_fetch(*parts, **kw)
    return json.loads(response.body)


async def _finished(jp_fetch, job_id: str, limit: float = 240) -> dict:
    for _ in range(int(limit)):
        job = await _json(jp_fetch, "scheduler", "jobs", job_id)
        if job["status"] in ("COMPLETED", "FAILED"):  # a new job reads STOPPED until its process starts
            return job
        await asyncio.sleep(1)
    raise AssertionError(f"job {job_id} still {job['status']}")


async def test_images_are_environments(jp_fetch, jobs_image):
    envs = await _json(jp_fetch, "scheduler", "runtime_environments")
    ours = {e["name"]: e for e in envs}
    assert ours[jobs_image]["metadata"]["notebook"] == "jobs.ipynb"
    assert [f["name"] for f in ours[jobs_image]["output_formats"]] == ["ipynb", "html"]


async def test_the_create_job_form_gets_its_config(jp_fetch):
    # the form asks for it first; jupyter-scheduler calls `cls.supported_features(cls)`
    config = await _json(jp_fetch, "scheduler", "config")
    features = config["supported_features"]
    assert features["stop_job"] is True and features["job_definition"] is True
    assert features["tags"] is False
    assert config["manage_environments_command"] == "jupyter containerize build NOTEBOOK"


async def test_a_job_runs_in_the_image_and_its_notebook_is_shown(jp_fetch, jp_root_dir, jobs_image, jobs_notebook,
                                                                 monkeypatch):
    monkeypatch.chdir(jp_root_dir)
    shutil.copy(jobs_notebook, jp_root_dir / "jobs.ipynb")
    created = await _json(jp_fetch, "scheduler", "jobs", method="POST", body=json.dumps({
        "input_uri": "jobs.ipynb", "runtime_environment_name": jobs_image, "name": "nightly",
        "parameters": {"label": "from-scheduler"}, "output_formats": ["ipynb", "html"]}))
    job = await _finished(jp_fetch, created["job_id"])
    assert job["status"] == "COMPLETED", job.get("status_message")
    # jupyter-scheduler copies the staged outputs under the root (relative to the server's cwd,
    # which is the root when a user runs `jupyter lab`) when the job is opened, in a subprocess
    await jp_fetch("scheduler", "jobs", job["job_id"], "download_files", params={"redownload": "true"})
    for _ in range(60):
        job = await _json(jp_fetch, "scheduler", "jobs", job["job_id"])
        files = {f["file_format"]: f["file_path"] for f in job["job_files"] if f.get("file_path")}
        if {"ipynb", "html"} <= set(files):
            break
        await asyncio.sleep(0.5)
    executed = jp_root_dir / files["ipynb"]
    text = outputs(executed)
    assert "LABEL='from-scheduler'" in text and "ROOTFS=read-only" in text  # ran in the image
    assert "from-scheduler" in (jp_root_dir / files["html"]).read_text()


async def test_a_failing_job_names_the_cell(jp_fetch, jp_root_dir, jobs_image, jobs_notebook):
    shutil.copy(jobs_notebook, jp_root_dir / "jobs.ipynb")
    created = await _json(jp_fetch, "scheduler", "jobs", method="POST", body=json.dumps({
        "input_uri": "jobs.ipynb", "runtime_environment_name": jobs_image, "name": "broken",
        "parameters": {"fail": "True"}, "output_formats": ["ipynb"]}))
    job = await _finished(jp_fetch, created["job_id"])
    assert job["status"] == "FAILED"
    assert "cell 5 failed: ValueError: asked to fail" in job["status_message"]


async def test_a_scheduled_definition_fires(jp_fetch, jp_root_dir, jp_serverapp, jobs_image, jobs_notebook):
    from jupyter_scheduler.task_runner import JobDefinitionTask, UpdateJobDefinitionCache
    from jupyter_scheduler.utils import get_utc_timestamp

    shutil.copy(jobs_notebook, jp_root_dir / "jobs.ipynb")
    created = await _json(jp_fetch, "scheduler", "job_definitions", method="POST", body=json.dumps({
        "input_uri": "jobs.ipynb", "runtime_environment_name": jobs_image, "name": "hourly",
        "schedule": "0 * * * *", "parameters": {"label": "scheduled"},
        "output_formats": ["ipynb"]}))
    definition_id = created["job_definition_id"]
    runner = jp_serverapp.web_app.settings["scheduler"].task_runner
    next_run = runner.cache.get(definition_id).next_run_time
    assert next_run > get_utc_timestamp()  # queued for the next full hour
    # Make it due: the queue entry and the cache say "a minute ago", as when the hour strikes.
    due = get_utc_timestamp() - 60_000
    runner.cache.update(definition_id, UpdateJobDefinitionCache(next_run_time=due))
    runner.queue.push(JobDefinitionTask(job_definition_id=definition_id, next_run_time=due))
    runner.process_queue()
    jobs = await _json(jp_fetch, "scheduler", "jobs", params={"job_definition_id": definition_id})
    assert len(jobs["jobs"]) == 1
    job = await _finished(jp_fetch, jobs["jobs"][0]["job_id"])
    assert job["status"] == "COMPLETED", job.get("status_message")
    assert runner.cache.get(definition_id).next_run_time == next_run  # and the next run is queued again


@pytest.mark.parametrize("how", ["stop", "delete"])
async def test_stopping_or_deleting_a_job_removes_its_container(how, jp_fetch, jp_root_dir, jp_serverapp, jobs_image,
                                                                 jobs_notebook):
    import docker
    import psutil
    from jupyter_scheduler.orm import Job

    from jupyter_containerize.scheduler.execution import JOB_LABEL, job_label

    shutil.copy(jobs_notebook, jp_root_dir / "jobs.ipynb")
    created = await _json(jp_fetch, "scheduler", "jobs", method="POST", body=json.dumps({
        "input_uri": "jobs.ipynb", "runtime_environment_name": jobs_image, "name": "sleepy",
        "parameters": {"sleep": "600"}, "output_formats": ["ipynb"]}))
    job_id = created["job_id"]
    client = docker.APIClient()
    try:
        for _ in range(240):  # the job's process starts, then its container
            running = client.containers(filters={"label": job_label(job_id), "status": "running"})
            job = await _json(jp_fetch, "scheduler", "jobs", job_id)
            if running and job["status"] == "IN_PROGRESS":
                break
            await asyncio.sleep(0.5)
        else:
            raise AssertionError(f"no running container for job {job_id} ({job['status']})")
        with jp_serverapp.web_app.settings["scheduler"].db_session() as session:
            pid = session.query(Job).filter(Job.job_id == job_id).one().pid
        assert psutil.Process(pid).is_running()
        since = int(time.time()) - 1
        if how == "stop":
            await jp_fetch("scheduler", "jobs", job_id, method="PATCH", body=json.dumps({"status": "STOPPED"}))
        else:  # upstream's delete stops an IN_PROGRESS job first, through our stop_job
            await jp_fetch("scheduler", "jobs", job_id, method="DELETE")
        # the call returns once the container is gone, running or not
        assert client.containers(all=True, filters={"label": job_label(job_id)}) == []
        # killed with SIGKILL (`docker rm -f`), not stopped with SIGTERM and a 10 s grace period
        events = [(e["Action"], e["Actor"]["Attributes"].get("signal")) for e in client.events(
            since=since, until=int(time.time()) + 1, decode=True,
            filters={"type": "container", "label": job_label(job_id), "event": ["kill", "stop"]})]
        assert events and set(events) == {("kill", "9")}, events
        # a create the dead process had in flight completes late: the second sweep removes it
        late = client.create_container(jobs_image, command=["true"], labels={JOB_LABEL: job_id})["Id"]
        if how == "stop":
            job = await _json(jp_fetch, "scheduler", "jobs", job_id)
            assert job["status"] == "STOPPED" and job["end_time"], job
        else:  # (jupyter-scheduler 2.12 answers a GET of a deleted job with 500, so ask its database)
            with jp_serverapp.web_app.settings["scheduler"].db_session() as session:
                assert session.query(Job).filter(Job.job_id == job_id).count() == 0
            listed = await _json(jp_fetch, "scheduler", "jobs")
            assert job_id not in {j["job_id"] for j in listed["jobs"]}
        # the job's process is dead (nothing left to write FAILED or start another container)
        children = {p.pid: p for p in psutil.Process().children(recursive=True)}
        assert pid not in children or children[pid].status() == psutil.STATUS_ZOMBIE
        await asyncio.sleep(2)
        if how == "stop":
            assert (await _json(jp_fetch, "scheduler", "jobs", job_id))["status"] == "STOPPED"
        delay = jp_serverapp.web_app.settings["scheduler"].late_sweep_delay
        for _ in range(int(delay * 4) + 40):
            if not client.containers(all=True, filters={"id": late}):
                break
            await asyncio.sleep(0.25)
        else:
            raise AssertionError(f"the container created after the {how} is still there")
        assert client.containers(all=True, filters={"label": job_label(job_id)}) == []
    finally:
        for leftover in client.containers(all=True, filters={"label": job_label(job_id)}):
            client.remove_container(leftover["Id"], v=True, force=True)
        client.close()
