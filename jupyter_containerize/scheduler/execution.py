"""Run a jupyter-scheduler job inside the chosen image (its runtime environment) on the engine.

jupyter-scheduler starts :meth:`ImageExecutionManager.process` in a separate process; the
template method there keeps the job's status writes (in progress, completed, failed). We run
the image with the job's parameters, put the executed notebook (and the other formats, made
with nbconvert on the host) at the job's staging paths, where jupyter-scheduler shows them,
and fail with the runner's message naming the failing cell. The container carries the job id
(``JOB_LABEL``), so :class:`~.jobs.ImageScheduler` can remove it when the job is stopped.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Dict

import fsspec
import nbconvert
import nbformat
from jupyter_scheduler.executors import ExecutionManager
from jupyter_scheduler.models import JobFeature

from ..engine.docker import DockerEngine
from ..share.running import NOTEBOOK_LABEL, local_image, run_image

JOB_LABEL = "io.jupyter.containerize.scheduler-job"


def job_label(job_id: str) -> str:
    """The label filter that finds the container of a job (see :class:`ImageScheduler`)."""
    return f"{JOB_LABEL}={job_id}"


class JobFailed(Exception):
    """The notebook failed in its image; the message names the cell and the error."""


class ImageExecutionManager(ExecutionManager):
    engine_class = DockerEngine

    def execute(self):
        job = self.model
        image = job.runtime_environment_name
        engine = self.engine_class()
        notebook = local_image(engine, image).labels.get(NOTEBOOK_LABEL)
        if notebook and job.input_filename and job.input_filename != notebook:
            raise JobFailed(f"The image {image} runs {notebook}, not {job.input_filename}: "
                            f"pick the image built for {job.input_filename}")
        with tempfile.TemporaryDirectory(prefix="containerize-job-") as tmp:
            out = Path(tmp)
            status = run_image(engine, image, out, parameters=sorted((job.parameters or {}).items()),
                               on_output=lambda line: print(f"[{self.job_id[:8]}] {line}", flush=True),
                               labels={JOB_LABEL: self.job_id})
            executed = out / notebook
            if not executed.is_file():
                raise JobFailed(f"The image {image} exited with status {status} and wrote no notebook")
            nb = nbformat.read(executed, as_version=4)
            self.create_output_files(job, nb, out)
        if status != 0:
            report = nb.metadata.get("containerize", {})
            raise JobFailed(report.get("error") or f"The image {image} exited with status {status}")

    def create_output_files(self, job, nb, out: Path) -> None:
        for output_format in job.output_formats or []:
            if output_format == "ipynb":
                body = nbformat.writes(nb)
            else:
                body, _ = nbconvert.get_exporter(output_format)().from_notebook_node(nb)
            target = self.staging_paths[output_format]
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with fsspec.open(target, "w", encoding="utf-8") as handle:
                handle.write(body)

    def supported_features(cls) -> Dict[JobFeature, bool]:
        # Not a classmethod: jupyter-scheduler's handlers call ``cls.supported_features(cls)``
        # (as its DefaultExecutionManager is written), which a classmethod answers with a TypeError.
        return {
            JobFeature.job_name: True,
            JobFeature.output_formats: True,
            JobFeature.job_definition: True,
            JobFeature.idempotency_token: False,
            JobFeature.tags: False,
            JobFeature.email_notifications: False,
            JobFeature.timeout_seconds: False,
            JobFeature.retry_on_timeout: False,
            JobFeature.max_retries: False,
            JobFeature.min_retry_interval_millis: False,
            JobFeature.output_filename_template: False,
            JobFeature.stop_job: True,  # with ImageScheduler, which removes the job's container
            JobFeature.delete_job: True,
        }

    def validate(self, input_path: str) -> bool:
        return True  # the image, not the notebook's kernelspec, says how it runs
