/**
 * Follows one job (a build or a run) through its event stream: the job as it changes, its
 * progress and log, a lost connection, and the end.
 */
import * as api from './api';
import type { BuildEvent, BuildJob, BuildState, JobKind, RunJob } from './api';
import { errorMessage } from './errors';
import { IProgress, applyEvent, emptyProgress } from './progress';

/** What a follower reads of a job. */
export interface IFollowedJob {
  id: string;
  state?: BuildState;
  phase?: string | null;
}

export interface IFollowerCallbacks<J extends IFollowedJob = BuildJob> {
  /** After any change. */
  changed(): void;
  /**
   * A followed job ended (`notify`: it was running when followed, not a finished job opened
   * from the history).
   */
  ended(job: J, notify: boolean): void;
}

export class JobFollower<J extends IFollowedJob> {
  constructor(
    private readonly _callbacks: IFollowerCallbacks<J>,
    private readonly _kind: JobKind
  ) {}

  /** The job shown: started here or re-attached after a reload. */
  get job(): J | null {
    return this._job;
  }
  get progress(): IProgress {
    return this._progress;
  }
  /** True while the event stream is retrying after a lost connection. */
  get reconnecting(): boolean {
    return this._reconnecting;
  }
  /** The error of the last failed start/cancel/follow request (not of the build itself). */
  get error(): string | null {
    return this._error;
  }
  set error(error: string | null) {
    this._error = error;
    this._callbacks.changed();
  }

  /** Stop following and forget the build. */
  clear(): void {
    this.detach();
    this._job = null;
    this.resetProgress();
  }

  resetProgress(): void {
    this._progress = emptyProgress();
    this._error = null;
    this._reconnecting = false;
  }

  /**
   * Follow a job's events from seq 0 (replays the whole log after a reload). `notify`: tell
   * `ended` with notify when it ends (not for a finished build of the history).
   */
  follow(job: J, notify = true): void {
    this.detach();
    this.resetProgress();
    this._job = job;
    const controller = new AbortController();
    this._controller = controller;
    const { signal } = controller;
    const wasActive = api.isActive(job);
    api
      .followEvents(job.id, 0, event => this._onEvent(event), signal, {
        kind: this._kind,
        timeout: wasActive ? 15 : 0,
        onRetry: () => {
          this._reconnecting = true;
          this._callbacks.changed();
        }
      })
      .then(async ({ done }) => {
        if (done && !signal.aborted) {
          const final = wasActive
            ? ((this._kind === 'runs'
                ? await api.getRun(job.id)
                : await api.getBuild(job.id)) as unknown as J)
            : job;
          if (signal.aborted) {
            return;
          }
          this.setJob(final);
          if (wasActive) {
            this._callbacks.ended(final, notify);
          }
        }
      })
      .catch(error => {
        if (!signal.aborted) {
          this.error = errorMessage(error);
        }
      })
      .finally(() => {
        if (this._controller === controller) {
          this._controller = null;
        }
      });
    this._callbacks.changed();
  }

  /** Replace the followed job by a newer copy of it (same id). */
  setJob(job: J): void {
    if (this._job && this._job.id === job.id) {
      this._job = job;
      if (job.phase && !this._progress.phase) {
        this._progress.phase = job.phase;
      }
      this._callbacks.changed();
    }
  }

  detach(): void {
    this._controller?.abort();
    this._controller = null;
  }

  private _onEvent(event: BuildEvent): void {
    this._reconnecting = false;
    if (!applyEvent(this._progress, event)) {
      return;
    }
    const job = this._job;
    if (job && api.isActive(job)) {
      const state = this._progress.state;
      this._job = {
        ...job,
        phase: this._progress.phase ?? job.phase,
        // the final state is taken from the job itself once the stream ends
        state: state === 'queued' || state === 'running' ? state : job.state
      } as J;
    }
    this._callbacks.changed();
  }

  private _job: J | null = null;
  private _progress: IProgress = emptyProgress();
  private _reconnecting = false;
  private _error: string | null = null;
  private _controller: AbortController | null = null;
}

/** Follows builds (`builds/{id}/events`). */
export class BuildFollower extends JobFollower<BuildJob> {
  constructor(callbacks: IFollowerCallbacks<BuildJob>) {
    super(callbacks, 'builds');
  }
}

/** Follows runs (`runs/{id}/events`). */
export class RunFollower extends JobFollower<RunJob> {
  constructor(callbacks: IFollowerCallbacks<RunJob>) {
    super(callbacks, 'runs');
  }
}
