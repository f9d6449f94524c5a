"""Build jobs: lifecycle, events and cancellation, independent of HTTP.

A job runs :func:`pipeline.containerize` on a worker thread. Its progress is a typed event
stream (phases, steps, log lines, a final ``state`` event) kept with the job, so that a
client that reconnects asks for the events after the last one it saw. Waiters on the
server's event loop are woken as events arrive (long polling), never by a timer.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Optional

from .engine import ContainerEngine
from .errors import BuildNotFound, Cancelled, Conflict, ContainerizeError
from .models import BuildError, BuildEvent, BuildJob, BuildRequest, BuildState, EventPage
from .pipeline import containerize
from .redact import redact
from .settings import Settings

LOG_TAIL = 30


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class _Record:
    job: BuildJob
    notebook: Path
    events: list[BuildEvent] = field(default_factory=list)
    cancelled: threading.Event = field(default_factory=threading.Event)
    changed: Optional[asyncio.Event] = None
    log_tail: list[str] = field(default_factory=list)


class _JobReporter:
    """The pipeline's Reporter for one job: every call becomes an event."""

    def __init__(self, manager: "BuildManager", record: _Record):
        self.manager, self.record = manager, record

    def phase(self, name: str, message: str) -> None:
        self.record.job.phase = name
        self.manager._emit(self.record, kind="phase", phase=name, message=message)

    def log(self, message: str) -> None:
        self.manager._emit(self.record, kind="log", phase=self.record.job.phase, message=message)

    def progress(self, step: int, steps: int, percent: float, message: str) -> None:
        self.manager._emit(self.record, kind="progress", phase=self.record.job.phase, message=message,
                           step=step, steps=steps, percent=round(percent, 1))


class BuildManager:
    def __init__(self, *, root: Path, settings: Settings, engine_factory: Callable[[], ContainerEngine],
                 max_concurrent: int = 1, kernel_spec_manager=None):
        self.root = root
        self.settings = settings
        self.engine_factory = engine_factory
        self.kernel_spec_manager = kernel_spec_manager
        self._executor = ThreadPoolExecutor(max_workers=max_concurrent, thread_name_prefix="containerize-build")
        self._records: dict[str, _Record] = {}
        self._lock = threading.Lock()
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    # -- lifecycle -------------------------------------------------------------------
    def start(self, request: BuildRequest, notebook: Path, display_path: str) -> BuildJob:
        self._loop = self._loop or asyncio.get_running_loop()
        job = BuildJob(id=uuid.uuid4().hex[:12], notebook=display_path, request=request,
                       tag=request.tag, created=_now())
        record = _Record(job=job, notebook=notebook, changed=asyncio.Event())
        with self._lock:
            self._records[job.id] = record
        self._emit(record, kind="state", state=BuildState.queued, message="Waiting for a build slot")
        snapshot = job.model_copy(deep=True)
        self._executor.submit(self._run, record)
        return snapshot

    def _run(self, record: _Record) -> None:
        job = record.job
        if record.cancelled.is_set():
            return
        job.state, job.started = BuildState.running, _now()
        self._emit(record, kind="state", state=BuildState.running, message="Build started")
        settings = self.settings
        if job.request.base_image:
            settings = Settings(**{**settings.__dict__, "base_image": job.request.base_image})
        try:
            result = containerize(job.request, record.notebook, root=self.root, settings=settings,
                                  engine=self.engine_factory(), reporter=_JobReporter(self, record),
                                  cancelled=record.cancelled, kernel_spec_manager=self.kernel_spec_manager)
        except Cancelled:
            self._finish(record, BuildState.cancelled, "Build cancelled")
        except ContainerizeError as exc:
            self._fail(record, str(exc))
        except Exception as exc:  # a bug must still end the job, never leave it "running"
            self._fail(record, f"Unexpected error: {type(exc).__name__}: {exc}")
        else:
            job.result, job.tag = result, result.tag
            self._finish(record, BuildState.succeeded, f"Built {result.tag}")

    def _fail(self, record: _Record, message: str) -> None:
        record.job.error = BuildError(phase=record.job.phase, message=redact(message),
                                      log_tail=list(record.log_tail))
        self._finish(record, BuildState.failed, redact(message))

    def _finish(self, record: _Record, state: BuildState, message: str) -> None:
        record.job.state, record.job.finished = state, _now()
        self._emit(record, kind="state", state=state, message=message)

    def cancel(self, job_id: str) -> BuildJob:
        record = self._get(job_id)
        if record.job.state.finished:
            raise Conflict(f"Build {job_id} has already {record.job.state.value}")
        record.cancelled.set()
        if record.job.state == BuildState.queued:
            self._finish(record, BuildState.cancelled, "Build cancelled before it started")
        return record.job.model_copy(deep=True)

    def delete(self, job_id: str) -> None:
        record = self._get(job_id)
        if not record.job.state.finished:
            raise Conflict(f"Build {job_id} is {record.job.state.value}: cancel it first")
        with self._lock:
            del self._records[job_id]

    def shutdown(self) -> None:
        for record in list(self._records.values()):
            record.cancelled.set()
        self._executor.shutdown(wait=False, cancel_futures=True)

    # -- queries ---------------------------------------------------------------------
    def _get(self, job_id: str) -> _Record:
        record = self._records.get(job_id)
        if record is None:
            raise BuildNotFound(f"No build {job_id}")
        return record

    def get(self, job_id: str) -> BuildJob:
        return self._get(job_id).job.model_copy(deep=True)

    def list(self, notebook: Optional[str] = None) -> list[BuildJob]:
        jobs = [r.job for r in self._records.values() if notebook is None or r.job.notebook == notebook]
        return [j.model_copy(deep=True) for j in sorted(jobs, key=lambda j: j.created, reverse=True)]

    async def events(self, job_id: str, since: int = 0, timeout: float = 15.0) -> EventPage:
        record = self._get(job_id)
        since = max(0, since)
        if since >= len(record.events) and not record.job.state.finished:
            record.changed.clear()
            if since >= len(record.events):
                try:
                    await asyncio.wait_for(record.changed.wait(), timeout)
                except asyncio.TimeoutError:
                    pass
        events = record.events[since:]
        return EventPage(events=events, next=since + len(events),
                         done=record.job.state.finished and since + len(events) >= len(record.events))

    # -- events ----------------------------------------------------------------------
    def _emit(self, record: _Record, **fields) -> None:
        if "message" in fields:
            fields["message"] = redact(fields["message"])
        with self._lock:
            event = BuildEvent(seq=len(record.events), time=_now(), **fields)
            record.events.append(event)
            if event.kind in ("log", "progress") and event.message:
                record.log_tail = (record.log_tail + [event.message])[-LOG_TAIL:]
        if self._loop is not None and record.changed is not None:
            self._loop.call_soon_threadsafe(record.changed.set)
