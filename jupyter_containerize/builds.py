"""Build jobs: lifecycle, events and cancellation, independent of HTTP.

A job runs :func:`pipeline.containerize` on a worker thread (at most ``max_concurrent`` at
once; two builds of the same notebook run one after the other). Jobs and their typed events
live in the :class:`store.JobStore` (SQLite), so history survives a restart; jobs a stopped
server left queued or running are marked ``interrupted`` when the next one starts. Waiters on
the server's event loop are woken as events arrive (long polling), never by a timer.
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
from .pipeline import containerize, push_image
from .redact import redact_model
from .settings import Settings
from .store import JobStore

LOG_TAIL = 30


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class _Live:
    """What a running job needs beyond its stored record."""

    job: BuildJob
    notebook: Path
    next_seq: int = 0
    cancelled: threading.Event = field(default_factory=threading.Event)
    changed: Optional[asyncio.Event] = None
    log_tail: list[str] = field(default_factory=list)


class _JobReporter:
    """The pipeline's Reporter for one job: every call becomes an event."""

    def __init__(self, manager: "BuildManager", live: _Live):
        self.manager, self.live = manager, live

    def phase(self, name: str, message: str) -> None:
        self.live.job.phase = name
        self.manager._save(self.live)
        self.manager._emit(self.live, kind="phase", phase=name, message=message)

    def log(self, message: str) -> None:
        self.manager._emit(self.live, kind="log", phase=self.live.job.phase, message=message)

    def progress(self, step: int, steps: int, percent: float, message: str) -> None:
        self.manager._emit(self.live, kind="progress", phase=self.live.job.phase, message=message,
                           step=step, steps=steps, percent=round(percent, 1))


class BuildManager:
    def __init__(self, *, root: Path, settings: Settings, engine_factory: Callable[[], ContainerEngine],
                 max_concurrent: int = 1, kernel_spec_manager=None, store: Optional[JobStore] = None):
        self.root = root
        self.settings = settings
        self.max_concurrent = max(1, max_concurrent)
        self.engine_factory = engine_factory
        self.kernel_spec_manager = kernel_spec_manager
        self.store = store or JobStore(":memory:")
        self.interrupted = self.store.mark_interrupted()
        self._executor = ThreadPoolExecutor(max_workers=max(1, max_concurrent),
                                            thread_name_prefix="containerize-build")
        self._live: dict[str, _Live] = {}
        self._notebook_locks: dict[Path, threading.Lock] = {}
        self._lock = threading.Lock()
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    # -- lifecycle -------------------------------------------------------------------
    def start(self, request: BuildRequest, notebook: Path, display_path: str) -> BuildJob:
        job = BuildJob(id=uuid.uuid4().hex[:12], notebook=display_path, request=request,
                       tag=request.tag, created=_now())
        live = self._track(job, notebook)
        self._emit(live, kind="state", state=BuildState.queued, message="Waiting for a build slot")
        snapshot = job.model_copy(deep=True)  # as accepted: the worker may start it at once
        self._executor.submit(self._run, live, request)
        return snapshot

    def push(self, job_id: str) -> BuildJob:
        """Push the image of a finished, successful build (the REST ``push`` action)."""
        job = self._stored(job_id)
        if job_id in self._live or job.state != BuildState.succeeded or not job.result:
            raise Conflict(f"Build {job_id} is {job.state.value}: only a succeeded build can be pushed")
        job.state, job.error, job.finished = BuildState.queued, None, None
        live = self._track(job, Path(job.notebook))
        self._emit(live, kind="state", state=BuildState.queued, message=f"Waiting to push {job.result.tag}")
        snapshot = job.model_copy(deep=True)
        self._executor.submit(self._run_push, live)
        return snapshot

    def _track(self, job: BuildJob, notebook: Path) -> _Live:
        self._loop = self._loop or asyncio.get_running_loop()
        live = _Live(job=job, notebook=notebook, next_seq=self.store.event_count(job.id), changed=asyncio.Event())
        with self._lock:
            self._live[job.id] = live
        self._save(live)
        return live

    def _notebook_lock(self, notebook: Path) -> threading.Lock:
        with self._lock:
            return self._notebook_locks.setdefault(notebook.resolve(), threading.Lock())

    def _running(self, live: _Live, message: str) -> bool:
        if live.cancelled.is_set():
            return False
        live.job.state, live.job.started = BuildState.running, live.job.started or _now()
        self._save(live)
        self._emit(live, kind="state", state=BuildState.running, message=message)
        return True

    def _run(self, live: _Live, request: BuildRequest) -> None:
        notebook_lock = self._notebook_lock(live.notebook)
        if not notebook_lock.acquire(blocking=False):
            self._emit(live, kind="log", message="Waiting for the other build of this notebook to finish")
            while not notebook_lock.acquire(timeout=0.2):
                if live.cancelled.is_set():
                    return
        try:
            if not self._running(live, "Build started"):
                return
            settings = self.settings
            if request.base_image:
                settings = Settings(**{**settings.__dict__, "base_image": request.base_image})
            self._guard(live, lambda: self._succeeded(live, containerize(
                request, live.notebook, root=self.root, settings=settings, engine=self.engine_factory(),
                reporter=_JobReporter(self, live), cancelled=live.cancelled,
                kernel_spec_manager=self.kernel_spec_manager)))
        finally:
            notebook_lock.release()

    def _run_push(self, live: _Live) -> None:
        if not self._running(live, "Push started"):
            return
        result = live.job.result

        def push():
            digest = push_image(self.engine_factory(), result.tag, reporter=_JobReporter(self, live),
                                cancelled=live.cancelled)
            return self._succeeded(live, result.model_copy(update={"digest": digest}))

        self._guard(live, push)

    def _guard(self, live: _Live, work: Callable[[], None]) -> None:
        try:
            work()
        except Cancelled:
            self._finish(live, BuildState.cancelled, "Build cancelled")
        except ContainerizeError as exc:
            self._fail(live, str(exc))
        except Exception as exc:  # a bug must still end the job, never leave it "running"
            self._fail(live, f"Unexpected error: {type(exc).__name__}: {exc}")

    def _succeeded(self, live: _Live, result) -> None:
        live.job.result, live.job.tag = result, result.tag
        done = f"Pushed {result.digest}" if result.digest else f"Built {result.tag}"
        self._finish(live, BuildState.succeeded, done)

    def _fail(self, live: _Live, message: str) -> None:
        live.job.error = BuildError(phase=live.job.phase, message=message, log_tail=list(live.log_tail))
        self._finish(live, BuildState.failed, message)

    def _finish(self, live: _Live, state: BuildState, message: str) -> None:
        live.job.state, live.job.finished = state, _now()
        self._save(live)
        self._emit(live, kind="state", state=state, message=message)
        with self._lock:
            self._live.pop(live.job.id, None)

    def cancel(self, job_id: str) -> BuildJob:
        live = self._live.get(job_id)
        if live is None:
            job = self._stored(job_id)
            raise Conflict(f"Build {job_id} has already {job.state.value}")
        live.cancelled.set()
        if live.job.state == BuildState.queued:
            self._finish(live, BuildState.cancelled, "Build cancelled before it started")
        return live.job.model_copy(deep=True)

    def delete(self, job_id: str) -> None:
        job = self._stored(job_id)
        if job_id in self._live:
            raise Conflict(f"Build {job_id} is {job.state.value}: cancel it first")
        self.store.delete(job_id)

    def shutdown(self) -> None:
        for live in list(self._live.values()):
            live.cancelled.set()
        self._executor.shutdown(wait=False, cancel_futures=True)

    # -- queries ---------------------------------------------------------------------
    def _stored(self, job_id: str) -> BuildJob:
        job = self.store.get(job_id)
        if job is None:
            raise BuildNotFound(f"No build {job_id}")
        return job

    def get(self, job_id: str) -> BuildJob:
        live = self._live.get(job_id)
        return live.job.model_copy(deep=True) if live else self._stored(job_id)

    def list(self, notebook: Optional[str] = None) -> list[BuildJob]:
        return self.store.list(notebook)

    async def events(self, job_id: str, since: int = 0, timeout: float = 15.0) -> EventPage:
        """Events with ``seq >= since``; waits up to ``timeout`` seconds for the first one
        while the job runs, and answers an empty page then (the keepalive)."""
        self._stored(job_id)
        since = max(0, since)
        live = self._live.get(job_id)
        if live is not None and since >= live.next_seq:
            live.changed.clear()
            if since >= live.next_seq and job_id in self._live:
                try:
                    await asyncio.wait_for(live.changed.wait(), timeout)
                except asyncio.TimeoutError:
                    pass
        events = self.store.events(job_id, since)
        finished = job_id not in self._live
        return EventPage(events=events, next=since + len(events),
                         done=finished and since + len(events) >= self.store.event_count(job_id))

    # -- events ----------------------------------------------------------------------
    def _save(self, live: _Live) -> None:
        """Jobs and events leave the core for the store redacted (a spec like
        ``pkg @ https://user:token@host/...`` keeps its place without its credentials)."""
        self.store.save(redact_model(live.job))

    def _emit(self, live: _Live, **fields) -> None:
        with self._lock:
            event = redact_model(BuildEvent(seq=live.next_seq, time=_now(), **fields))
            live.next_seq += 1
            self.store.add_event(live.job.id, event)
            if event.kind in ("log", "progress") and event.message:
                live.log_tail = (live.log_tail + [event.message])[-LOG_TAIL:]
        if self._loop is not None and live.changed is not None:
            self._loop.call_soon_threadsafe(live.changed.set)
