"""The job store: build and run jobs and their events in SQLite, so history survives a restart.

One file (by default ``{jupyter_data_dir}/containerize/builds.sqlite``), two tables: ``jobs``
(one row per job, its model as JSON plus the columns we query by; ``kind`` tells a build,
``BuildJob``, from a run, ``RunJob``) and ``events`` (one row per event, keyed by job and
``seq``). Every text reaching the store has already
been through :func:`redact.redact`; the store writes models, never raw engine output.
Thread-safe: one connection guarded by a lock (build threads write, the event loop reads).
History is kept within bounds (:meth:`JobStore.prune`, for builds and runs each): the oldest
finished jobs go with their events, and the file is vacuumed incrementally so it shrinks.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Optional, Union

from pydantic import ValidationError

from .api_models import BuildEvent, BuildJob, BuildState, RunJob

BUILD, RUN = "build", "run"
KINDS: dict[str, type] = {BUILD: BuildJob, RUN: RunJob}
Job = Union[BuildJob, RunJob]

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    notebook TEXT NOT NULL,
    state TEXT NOT NULL,
    created TEXT NOT NULL,
    body TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'build'
);
CREATE INDEX IF NOT EXISTS jobs_notebook ON jobs (notebook, created);
CREATE INDEX IF NOT EXISTS jobs_created ON jobs (created, id);
CREATE TABLE IF NOT EXISTS events (
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
);
"""

log = logging.getLogger(__name__)
UNFINISHED = (BuildState.queued.value, BuildState.running.value)
AUTO_VACUUM_INCREMENTAL = 2


def default_store_path() -> Path:
    from jupyter_core.paths import jupyter_data_dir

    return Path(jupyter_data_dir()) / "containerize" / "builds.sqlite"


class JobStore:
    def __init__(self, path: Path | str):
        self.path = Path(path) if str(path) != ":memory:" else path
        if isinstance(self.path, Path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            (auto_vacuum,) = self._db.execute("PRAGMA auto_vacuum").fetchone()
            if auto_vacuum != AUTO_VACUUM_INCREMENTAL:  # a file made before retention: convert it once
                self._db.execute("PRAGMA auto_vacuum = INCREMENTAL")
                self._db.execute("VACUUM")
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(jobs)")}
            if "kind" not in columns:  # a file made before runs: every job in it is a build
                self._db.execute(f"ALTER TABLE jobs ADD COLUMN kind TEXT NOT NULL DEFAULT '{BUILD}'")
            self._db.execute("CREATE INDEX IF NOT EXISTS jobs_kind ON jobs (kind, created, id)")

    # -- writes ----------------------------------------------------------------------
    def save(self, job: Job) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO jobs (id, notebook, state, created, body, kind) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (id) DO UPDATE SET state = excluded.state, body = excluded.body",
                (job.id, job.notebook, job.state.value, job.created.isoformat(), job.model_dump_json(),
                 kind_of(job)),
            )

    def add_event(self, job_id: str, event: BuildEvent) -> None:
        with self._lock:
            self._db.execute("INSERT INTO events (job_id, seq, body) VALUES (?, ?, ?)",
                             (job_id, event.seq, event.model_dump_json()))

    def delete(self, job_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    def prune(self, *, max_builds: int = 0, max_days: float = 0, now: Optional[datetime] = None) -> list[str]:
        """Delete the finished jobs (and their events) beyond the newest ``max_builds`` of their
        kind (builds, runs) and those created more than ``max_days`` ago (0: no such limit),
        then give the freed pages back to the file system. Queued and running jobs are kept.
        Returns the deleted ids."""
        ids = []
        for kind in KINDS:
            ids += self._prune_kind(kind, max_builds, max_days, now)
        return ids

    def _prune_kind(self, kind: str, max_builds: int, max_days: float, now: Optional[datetime]) -> list[str]:
        conditions, params = [], []
        if max_days > 0:
            cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=max_days)
            conditions.append("created < ?")
            params.append(cutoff.isoformat())
        if max_builds > 0:
            conditions.append("id NOT IN (SELECT id FROM jobs WHERE kind = ? ORDER BY created DESC, id DESC LIMIT ?)")
            params += [kind, max_builds]
        if not conditions:
            return []
        sql = f"SELECT id FROM jobs WHERE kind = ? AND state NOT IN (?, ?) AND ({' OR '.join(conditions)})"
        with self._lock:
            ids = [job_id for (job_id,) in self._db.execute(sql, (kind, *UNFINISHED, *params)).fetchall()]
            if ids:
                self._db.execute("BEGIN")
                self._db.executemany("DELETE FROM jobs WHERE id = ?", [(job_id,) for job_id in ids])
                self._db.execute("COMMIT")
                # it frees one page per step, and only executescript steps a row-less statement to its end
                self._db.executescript("PRAGMA incremental_vacuum;")
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the file shrinks only here
        return ids

    def mark_interrupted(self) -> list[str]:
        """Jobs left queued or running by a server that stopped: ``interrupted``, with a
        final state event, so no job stays "running" forever. Returns their ids."""
        now = datetime.now(timezone.utc)
        marked = []
        for job in self._query("SELECT kind, body FROM jobs WHERE state IN (?, ?)", UNFINISHED):
            job.state, job.finished = BuildState.interrupted, now
            seq = self.event_count(job.id)
            self.add_event(job.id, BuildEvent(seq=seq, time=now, kind="state", state=BuildState.interrupted,
                                              phase=job.phase,
                                              message=f"The server stopped during this {kind_of(job)}"))
            self.save(job)
            marked.append(job.id)
        return marked

    # -- reads -----------------------------------------------------------------------
    def _query(self, sql: str, params: tuple = ()) -> list[Job]:
        """``sql`` selects (kind, body) rows; a record this version cannot read (written by
        another version of the extension sharing the file) is left out with a warning, never
        an error for the whole listing."""
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        jobs = []
        for kind, body in rows:
            try:
                jobs.append(KINDS[kind].model_validate_json(body))
            except (ValidationError, KeyError) as exc:
                log.warning("A %s record this version cannot read is left out: %s", kind, str(exc).splitlines()[0])
        return jobs

    def get(self, job_id: str, kind: Optional[str] = BUILD) -> Optional[Job]:
        """The job ``job_id`` when it is of ``kind`` (None: any kind)."""
        found = self._query("SELECT kind, body FROM jobs WHERE id = ?", (job_id,))
        return found[0] if found and (kind is None or kind_of(found[0]) == kind) else None

    def list(self, notebook: Optional[str] = None, *, limit: int = -1, before: Optional[str] = None,
             kind: str = BUILD, states: tuple[BuildState, ...] = ()) -> list[Job]:
        """Jobs of ``kind`` newest first (of one notebook, in one of ``states``), at most
        ``limit`` (-1: all), older than the job ``before`` (an id)."""
        where, params = ["kind = ?"], [kind]
        if states:
            where.append(f"state IN ({', '.join('?' * len(states))})")
            params += [state.value for state in states]
        if notebook is not None:
            where.append("notebook = ?")
            params.append(notebook)
        if before is not None:
            where.append("(created, id) < (SELECT created, id FROM jobs WHERE id = ?)")
            params.append(before)
        sql = f"SELECT kind, body FROM jobs WHERE {' AND '.join(where)}"
        return self._query(f"{sql} ORDER BY created DESC, id DESC LIMIT ?", (*params, limit))

    def events(self, job_id: str, since: int = 0) -> list[BuildEvent]:
        with self._lock:
            rows = self._db.execute("SELECT body FROM events WHERE job_id = ? AND seq >= ? ORDER BY seq",
                                    (job_id, since)).fetchall()
        return [BuildEvent.model_validate_json(body) for (body,) in rows]

    def event_count(self, job_id: str) -> int:
        with self._lock:
            (count,) = self._db.execute("SELECT COUNT(*) FROM events WHERE job_id = ?", (job_id,)).fetchone()
        return count

    def close(self) -> None:
        with self._lock:
            self._db.close()


def kind_of(job: Job) -> str:
    return RUN if isinstance(job, RunJob) else BUILD
