"""jupyter-scheduler's Scheduler, with a stop that also removes the job's container.

A job runs in a process that jupyter-scheduler spawns (``ExecutionManager.process``), and that
process runs the image on the engine. Upstream's ``stop_job`` SIGKILLs the process: nothing
in it runs afterwards, so the container it started would go on running the notebook. Here the
process is killed first (so it can neither start a container nor write a status any more),
then every container labelled with the job id is killed and removed, then the job is marked
STOPPED. A create request the process sent just before it died can still complete in the
engine after that sweep (a container created, never started): a second sweep a few seconds
later removes it.
"""

from __future__ import annotations

import logging
import threading
import time

import psutil
from jupyter_scheduler.exceptions import SchedulerError
from jupyter_scheduler.models import Status
from jupyter_scheduler.orm import Job
from jupyter_scheduler.scheduler import Scheduler
from jupyter_scheduler.utils import get_utc_timestamp
from traitlets import Type as TType

from ..engine.docker import DockerEngine
from ..errors import ContainerizeError
from .execution import ImageExecutionManager, job_label

FINISHED = (Status.COMPLETED, Status.FAILED)
KILL_WAIT = 10.0  # seconds for the job's process to die after SIGKILL
log = logging.getLogger(__name__)


def kill_child(pid: int | None, wait: float = KILL_WAIT) -> bool:
    """SIGKILL ``pid`` when it is a child of this process (as upstream does); wait until it is
    dead (a zombie counts: multiprocessing reaps it). Return whether a process was killed."""
    if not pid:
        return False
    for proc in psutil.Process().children(recursive=True):
        if proc.pid != pid:
            continue
        try:
            proc.kill()
            deadline = time.monotonic() + wait
            while proc.status() != psutil.STATUS_ZOMBIE and time.monotonic() < deadline:
                time.sleep(0.05)
        except psutil.NoSuchProcess:
            pass
        return True
    return False


class ImageScheduler(Scheduler):
    """Enable with ``c.SchedulerApp.scheduler_class = "jupyter_containerize.scheduler.ImageScheduler"``."""

    execution_manager_class = TType(
        default_value=ImageExecutionManager,
        klass="jupyter_scheduler.executors.ExecutionManager",
        config=True,
        help="The execution manager (ImageExecutionManager runs the job in its image).",
    )

    late_sweep_delay = 3.0  # seconds after a stop: containers created by a create request in flight

    def _engine(self):
        return getattr(self.execution_manager_class, "engine_class", DockerEngine)()

    def stop_job(self, job_id: str):
        with self.db_session() as session:
            record = session.query(Job).filter(Job.job_id == job_id).one()
            status, pid = Status(record.status), record.pid
            if status in FINISHED:
                return
            session.query(Job).filter(Job.job_id == job_id).update({"status": Status.STOPPING})
            session.commit()
        # A new job reads STOPPED until its process starts: its process is killed all the same.
        killed = kill_child(pid)
        try:
            self._engine().remove_containers(job_label(job_id))
        except ContainerizeError as exc:
            self._mark_stopped(job_id, f"Stopped, but its container may still run: {exc}")
            raise SchedulerError(f"Could not remove the container of job {job_id}: {exc}") from exc
        self._mark_stopped(job_id, None)
        if killed:
            sweep = threading.Timer(self.late_sweep_delay, self._late_sweep, args=(job_id,))
            sweep.daemon = True
            sweep.start()

    def _late_sweep(self, job_id: str) -> None:
        try:
            removed = self._engine().remove_containers(job_label(job_id))
        except ContainerizeError as exc:
            log.warning("Could not check for a late container of stopped job %s: %s", job_id, exc)
            return
        if removed:
            log.info("Removed %d container(s) of stopped job %s created after it was stopped", len(removed), job_id)

    def _mark_stopped(self, job_id: str, message: str | None) -> None:
        with self.db_session() as session:
            session.query(Job).filter(Job.job_id == job_id).update(
                {"status": Status.STOPPED, "end_time": get_utc_timestamp(), "status_message": message})
            session.commit()
