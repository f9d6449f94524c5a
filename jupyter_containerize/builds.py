"""Build jobs: lifecycle, events and cancellation, independent of HTTP.

A job runs :func:`pipeline.build_image` (then :func:`pipeline.push_image` when asked) on a
worker thread: at most ``max_concurrent`` at once, and one at a time per notebook, in the
order they were asked for; a job waiting for its notebook holds no worker. Jobs and their
typed events live in the :class:`store.JobStore` (SQLite), so history survives a restart;
jobs a stopped server left queued or running are marked ``interrupted`` when the next one
starts, and their verify containers are removed. Waiters on the server's event loop are
woken as events arrive (long polling), never by a timer.

Limits: one job keeps at most ``max_events`` events (past that, one "log truncated" event and
no more log or progress events; phase and state events are always kept), one message at most
``max_message_chars`` characters; history is pruned to ``history_max_builds`` builds and
``history_max_days`` days at start-up and whenever a job finishes.

Other work that is a job too (a run of an image: :mod:`.runs`) goes through :meth:`BuildManager.submit`:
the same store, events, states, cancel, long poll and restart handling, on its own pool of
``max_concurrent_runs`` workers (it waits for no build slot and no build of its notebook).
"""

from __future__ import annotations

import asyncio
import errno
import logging
import shutil
import threading
import traceback
import uuid
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Optional

from . import cachedir, process
from .api_models import BuildEvent, BuildJob, BuildList, BuildState, EventPage
from .engine import ContainerEngine
from .errors import BuildNotFound, Cancelled, Conflict, ContainerizeError, NotFound, RunNotFound
from .models import BuildError, BuildRequest
from .pipeline import build_image, check_request, push_image
from .redact import redact, redact_model
from .settings import Settings
from .store import BUILD, Job, JobStore, kind_of

LOG_TAIL = 30
JOB_LABEL = "io.jupyter.containerize.build-job"  # on the containers a job starts (verify)
MAX_EVENTS_PER_JOB = 20_000
MAX_MESSAGE_CHARS = 8 * 1024
HISTORY_MAX_BUILDS = 500
HISTORY_MAX_DAYS = 90
UNEXPECTED_MESSAGE_CHARS = 300


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class _Live:
    """What a running job needs beyond its stored record."""

    job: Job
    notebook: Path
    work: Optional[Callable[[], None]] = None  # what the worker runs
    start_message: str = "Build started"
    noun: str = "Build"  # in the messages: "Build cancelled", "Run cancelled"
    queued: bool = True  # waits for a build slot and for the builds of its notebook before it
    next_seq: int = 0
    cancelled: threading.Event = field(default_factory=threading.Event)
    changed: Optional[asyncio.Event] = None
    log_tail: list[str] = field(default_factory=list)
    truncated: bool = False  # the event cap was reached: log and progress events are dropped


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


class JobContext:
    """What the work of a job given to :meth:`BuildManager.submit` reads and reports through."""

    def __init__(self, manager: "BuildManager", live: _Live):
        self._manager, self._live = manager, live
        self.reporter = _JobReporter(manager, live)

    @property
    def job(self) -> Job:
        """The job's record: change its fields, then :meth:`save`."""
        return self._live.job

    @property
    def cancelled(self) -> threading.Event:
        return self._live.cancelled

    def save(self) -> None:
        self._manager._save(self._live)


def _key(notebook: Path) -> Path:
    try:
        return notebook.resolve()
    except (OSError, RuntimeError):
        return notebook


class BuildManager:
    def __init__(self, *, root: Path, settings: Settings, engine_factory: Callable[[], ContainerEngine],
                 max_concurrent: int = 1, kernel_spec_manager=None, store: Optional[JobStore] = None,
                 log: Optional[logging.Logger] = None, history_max_builds: int = HISTORY_MAX_BUILDS,
                 history_max_days: float = HISTORY_MAX_DAYS, max_events: int = MAX_EVENTS_PER_JOB,
                 max_message_chars: int = MAX_MESSAGE_CHARS, max_concurrent_runs: int = 2):
        self.root = root
        self.log = log or logging.getLogger(__name__)
        self.history_max_builds, self.history_max_days = history_max_builds, history_max_days
        self.max_events, self.max_message_chars = max(2, max_events), max(1, max_message_chars)
        self.settings = settings
        self.max_concurrent = max(1, max_concurrent)
        self.engine_factory = engine_factory
        self.kernel_spec_manager = kernel_spec_manager
        self.store = store or JobStore(":memory:")
        self.interrupted = self.store.mark_interrupted()
        self.swept = self._sweep(self.interrupted)
        self.pruned = self.prune()
        self._executor = ThreadPoolExecutor(max_workers=max(1, max_concurrent),
                                            thread_name_prefix="containerize-build")
        self.max_concurrent_runs = max(1, max_concurrent_runs)
        self._side_executor = ThreadPoolExecutor(max_workers=self.max_concurrent_runs,
                                                 thread_name_prefix="containerize-run")
        self._live: dict[str, _Live] = {}
        self._waiting: dict[Path, deque[_Live]] = {}  # per notebook, in request order; the head runs
        self._lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    def archive_path(self, job_id: str) -> Path:
        """Where a build with the archive output writes its OCI archive (``GET builds/ID/archive``)."""
        return self.settings.cache_dir / "archives" / f"{job_id}.tar"

    def archive_file(self, job_id: str) -> tuple[Path, str]:
        """The archive of a finished build with the archive output, and a file name for it."""
        job = self._stored(job_id)
        path = self.archive_path(job_id)
        if not job.result or job.result.output != "archive" or not path.is_file():
            raise NotFound(f"Build {job_id} has no archive (it is written by builds with the archive output)")
        slug = job.result.tag.rsplit("/", 1)[-1].replace(":", "-")
        return path, f"{slug}.tar"

    def _scratch(self, job_id: str) -> Path:
        """The job's own folder for temporary files (its build context, its commands' temp)."""
        return self.settings.cache_dir / "scratch" / job_id

    def _sweep(self, job_ids: list[str]) -> list[str]:
        """Undo what interrupted jobs (of a server that was killed) left: their commands still
        running (pip, a wheel build, the kernel probe: found by their mark), their scratch
        folders, their verify containers (their images were never tagged). Returns the ids
        of the containers removed."""
        if not job_ids:
            return []
        killed = process.kill_job_processes(job_ids)
        if killed:
            self.log.warning("Killed %d command(s) that interrupted builds left running", len(killed))
        for job_id in job_ids:
            shutil.rmtree(self._scratch(job_id), ignore_errors=True)
        removed = []
        try:
            engine = self.engine_factory()
            for job_id in job_ids:
                removed += engine.remove_containers(f"{JOB_LABEL}={job_id}")
        except (ContainerizeError, NotImplementedError) as exc:
            self.log.warning("Could not remove the containers of interrupted builds: %s", exc)
        return removed

    # -- lifecycle -------------------------------------------------------------------
    def check(self, request: BuildRequest, notebook: Path) -> None:
        """Refuse a request that cannot build before accepting it (see ``pipeline.check_request``)."""
        check_request(request, notebook, self._settings_for(request), self.engine_factory())

    def _settings_for(self, request: BuildRequest) -> Settings:
        if request.base_image:
            return Settings(**{**self.settings.__dict__, "base_image": request.base_image})
        return self.settings

    def start(self, request: BuildRequest, notebook: Path, display_path: str) -> BuildJob:
        job = BuildJob(id=uuid.uuid4().hex[:12], notebook=display_path, request=request,
                       tag=request.tag, created=_now())
        live = self._track(job, notebook)
        live.work = lambda: self._run(live, request)
        self._emit(live, kind="state", state=BuildState.queued, message="Waiting for a build slot")
        snapshot = job.model_copy(deep=True)  # as accepted: the worker may start it at once
        self._enqueue(live)
        return snapshot

    def push(self, job_id: str) -> BuildJob:
        """Push the image of a build (the REST ``push`` action): a succeeded one, or one whose
        push failed (the image is there; try again)."""
        job = self._stored(job_id)
        pushable = job.state == BuildState.succeeded or (
            job.state in (BuildState.failed, BuildState.interrupted) and job.phase == "push")
        if job.result and job.result.output != "engine":
            raise Conflict(f"Build {job_id} was made without the engine ({job.result.output} output): its image is "
                           "pushed by the build itself; build again to push again")
        if job_id in self._live or not pushable or not job.result:
            raise Conflict(f"Build {job_id} is {job.state.value}: only a built image can be pushed "
                           "(a succeeded build, or one whose push failed)")
        job.state, job.error, job.finished = BuildState.queued, None, None
        live = self._track(job, self.root / job.notebook)
        live.work, live.start_message = (lambda: self._run_push(live)), "Push started"
        self._emit(live, kind="state", state=BuildState.queued, message=f"Waiting to push {job.result.tag}")
        snapshot = job.model_copy(deep=True)
        self._enqueue(live)
        return snapshot

    def submit(self, job: Job, notebook: Path, work: Callable[[JobContext], str], *, waiting: str,
               started: str, noun: str) -> Job:
        """Run ``work`` as a job, on the pool of ``max_concurrent_runs`` workers: recorded,
        followed (events, long poll), cancelled and marked interrupted like a build. ``work``
        returns the message of its success; it fails by raising a domain error (the job's
        ``error``) and stops soon after ``context.cancelled`` is set (raising ``Cancelled``).
        Returns the job as accepted."""
        live = self._track(job, notebook)
        live.noun, live.queued, live.start_message = noun, False, started
        context = JobContext(self, live)
        live.work = lambda: self._guard(live, lambda: self._finish(live, BuildState.succeeded, work(context)))
        self._emit(live, kind="state", state=BuildState.queued, message=waiting)
        snapshot = job.model_copy(deep=True)
        self._side_executor.submit(self._work, live)
        return snapshot

    def _enqueue(self, live: _Live) -> None:
        """Run ``live`` now when its notebook has no job running, else after the ones before it."""
        key = _key(live.notebook)
        with self._lock:
            queue = self._waiting.setdefault(key, deque())
            queue.append(live)
            first = len(queue) == 1
        if first:
            self._executor.submit(self._work, live)
        else:
            self._emit(live, kind="log", message="Waiting for the other build of this notebook to finish")

    def _work(self, live: _Live) -> None:
        scratch = self._scratch(live.job.id)
        try:
            if self._running(live, live.start_message):
                cachedir.make_dirs(scratch)
                with process.for_job(live.job.id, scratch):
                    live.work()
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
            if live.queued:
                self._next(live)

    def _next(self, done: _Live) -> None:
        """Start the next job of ``done``'s notebook that was not cancelled while it waited."""
        key = _key(done.notebook)
        with self._lock:
            queue = self._waiting.get(key, deque())
            if queue and queue[0] is done:
                queue.popleft()
            while queue and queue[0].cancelled.is_set():
                queue.popleft()
            following = queue[0] if queue else None
            if not queue:
                self._waiting.pop(key, None)
        if following is not None:
            self._executor.submit(self._work, following)

    def _track(self, job: BuildJob, notebook: Path) -> _Live:
        self._loop = self._loop or asyncio.get_running_loop()
        live = _Live(job=job, notebook=notebook, next_seq=self.store.event_count(job.id), changed=asyncio.Event())
        with self._lock:
            self._live[job.id] = live
        self._save(live)
        return live

    def _running(self, live: _Live, message: str) -> bool:
        with self._state_lock:  # against a cancel that finishes the job as queued
            if live.cancelled.is_set():
                return False
            live.job.state, live.job.started = BuildState.running, live.job.started or _now()
        self._save(live)
        self._emit(live, kind="state", state=BuildState.running, message=message)
        return True

    def _run(self, live: _Live, request: BuildRequest) -> None:
        def build():
            engine = self.engine_factory()
            result = build_image(request, live.notebook, root=self.root, settings=self._settings_for(request),
                                 engine=engine, reporter=_JobReporter(self, live), cancelled=live.cancelled,
                                 kernel_spec_manager=self.kernel_spec_manager,
                                 container_labels={JOB_LABEL: live.job.id}, scratch=self._scratch(live.job.id),
                                 archive=self.archive_path(live.job.id))
            live.job.result, live.job.tag = result, result.tag  # kept if the push fails: push again
            self._save(live)
            if request.push and result.output == "engine":  # the registry output is pushed already
                result = result.model_copy(update={"digest": push_image(
                    engine, result.tag, reporter=_JobReporter(self, live), cancelled=live.cancelled,
                    timeout=self.settings.timeouts.push)})
            self._succeeded(live, result)

        self._guard(live, build)

    def _run_push(self, live: _Live) -> None:
        result = live.job.result

        def push():
            digest = push_image(self.engine_factory(), result.tag, reporter=_JobReporter(self, live),
                                cancelled=live.cancelled, timeout=self.settings.timeouts.push)
            return self._succeeded(live, result.model_copy(update={"digest": digest}))

        self._guard(live, push)

    def _guard(self, live: _Live, work: Callable[[], None]) -> None:
        try:
            work()
        except Cancelled:
            self._finish(live, BuildState.cancelled, f"{live.noun} cancelled")
        except ContainerizeError as exc:
            self._fail(live, str(exc))
        except Exception as exc:  # a bug must still end the job, never leave it "running"
            if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
                where = f" ({exc.filename})" if exc.filename else ""
                self._fail(live, f"No space left on the device{where}: free some, or point "
                                 "ContainerizeApp.cache_dir at a larger disk")
                return
            trace = "".join(traceback.format_exception(exc))
            self.log.error("%s %s (%s) ended with an unexpected error:\n%s", live.noun, live.job.id,
                           live.job.notebook, redact(trace))
            summary = f"{type(exc).__name__}: {exc}"
            if len(summary) > UNEXPECTED_MESSAGE_CHARS:
                summary = summary[:UNEXPECTED_MESSAGE_CHARS] + "..."
            self._fail(live, f"Unexpected error: {summary} (the server log has the traceback)")

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
        self.prune()

    def prune(self) -> list[str]:
        """Apply the history limits (finished builds only); the ids deleted."""
        try:
            deleted = self.store.prune(max_builds=self.history_max_builds, max_days=self.history_max_days)
        except Exception:  # a store problem must not fail the build that just finished
            self.log.exception("Could not prune the build history")
            return []
        for job_id in deleted:  # an archive lives as long as its build's record
            self.archive_path(job_id).unlink(missing_ok=True)
        if deleted:
            self.log.info("Removed %d old build(s) from the history", len(deleted))
        return deleted

    def cancel(self, job_id: str, kind: str = BUILD) -> Job:
        live = self._live.get(job_id)
        if live is None or kind_of(live.job) != kind:
            job = self._stored(job_id, kind)
            raise Conflict(f"{_noun(kind)} {job_id} has already {job.state.value}")
        with self._state_lock:
            live.cancelled.set()
            queued = live.job.state == BuildState.queued
        if queued:
            self._finish(live, BuildState.cancelled, f"{live.noun} cancelled before it started")
        return live.job.model_copy(deep=True)

    def delete(self, job_id: str, kind: str = BUILD) -> None:
        job = self._stored(job_id, kind)
        if job_id in self._live:
            raise Conflict(f"{_noun(kind)} {job_id} is {job.state.value}: cancel it first")
        self.store.delete(job_id)
        self.archive_path(job_id).unlink(missing_ok=True)

    def shutdown(self) -> None:
        for live in list(self._live.values()):
            live.cancelled.set()
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._side_executor.shutdown(wait=False, cancel_futures=True)

    # -- queries ---------------------------------------------------------------------
    def _stored(self, job_id: str, kind: str = BUILD) -> Job:
        job = self.store.get(job_id, kind)
        if job is None:
            raise (BuildNotFound if kind == BUILD else RunNotFound)(f"No {kind} {job_id}")
        return job

    def get(self, job_id: str, kind: str = BUILD) -> Job:
        live = self._live.get(job_id)
        if live and kind_of(live.job) == kind:
            return live.job.model_copy(deep=True)
        return self._stored(job_id, kind)

    def list(self, notebook: Optional[str] = None, *, limit: int = 50, before: Optional[str] = None) -> BuildList:
        """One page of builds, newest first; ``next`` is the ``before`` of the next page."""
        jobs, following = self.page(notebook, limit=limit, before=before)
        return BuildList(builds=jobs, next=following)

    def page(self, notebook: Optional[str] = None, *, limit: int = 50, before: Optional[str] = None,
             kind: str = BUILD, states: tuple[BuildState, ...] = ()) -> tuple[list[Job], Optional[str]]:
        """One page of jobs of ``kind`` (in ``states``), newest first, and the ``before`` of
        the next page (None on the last)."""
        if before is not None:
            self._stored(before, kind)
        jobs = self.store.list(notebook, limit=limit + 1, before=before, kind=kind, states=states)
        more = len(jobs) > limit
        jobs = jobs[:limit]
        return jobs, jobs[-1].id if more else None

    def running(self, kind: Optional[str] = None) -> list[Job]:
        """The queued and running jobs (of ``kind``)."""
        with self._lock:
            return [live.job.model_copy(deep=True) for live in self._live.values()
                    if kind is None or kind_of(live.job) == kind]

    async def events(self, job_id: str, since: int = 0, timeout: float = 15.0, kind: str = BUILD) -> EventPage:
        """Events with ``seq >= since``; waits up to ``timeout`` seconds for the first one
        while the job runs, and answers an empty page then (the keepalive)."""
        self._stored(job_id, kind)
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
    def _shortened(self, message: str, length: int) -> str:
        """``message`` (the redacted start of one ``length`` long) within ``max_message_chars``."""
        if len(message) <= self.max_message_chars and length <= 2 * self.max_message_chars:
            return message
        cut = length - self.max_message_chars
        return f"{message[:self.max_message_chars]}... [{cut} more characters cut]"

    def _save(self, live: _Live) -> None:
        """Jobs and events leave the core for the store redacted (a spec like
        ``pkg @ https://user:token@host/...`` keeps its place without its credentials)."""
        self.store.save(redact_model(live.job))

    def _emit(self, live: _Live, **fields) -> None:
        if "message" in fields:  # cut before redacting too: redacting a huge line takes long
            fields["message"] = self._shortened(redact(fields["message"][:2 * self.max_message_chars]),
                                                len(fields["message"]))
        with self._lock:
            chatter = fields.get("kind") in ("log", "progress")
            if chatter and fields.get("message"):
                live.log_tail = (live.log_tail + [fields["message"]])[-LOG_TAIL:]
            if chatter and live.truncated:
                return
            if chatter and live.next_seq >= self.max_events - 1:
                live.truncated = True
                fields = {"kind": "log", "phase": fields.get("phase"),
                          "message": f"Log truncated: a build keeps at most {self.max_events} events; "
                                     "later log lines are dropped (phase and state changes are kept)"}
            event = BuildEvent(seq=live.next_seq, time=_now(), **fields)
            live.next_seq += 1
            self.store.add_event(live.job.id, event)
        if self._loop is not None and live.changed is not None:
            self._loop.call_soon_threadsafe(live.changed.set)


def _noun(kind: str) -> str:
    return "Build" if kind == BUILD else kind.capitalize()
