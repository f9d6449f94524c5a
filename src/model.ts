/**
 * ContainerizeModel: all the panel's state for one notebook, and the only caller of the API.
 * Views render it and call its actions; it emits `changed` after every state change.
 */
import { ServerConnection } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';

import * as api from './api';
import type { Analysis, BuildEvent, BuildJob, StartBuildRequest } from './api';

/** Most log lines kept in memory (older ones are dropped from the view). */
export const MAX_LOG_LINES = 5000;

/** Options of one build, merged over the user's settings. */
export type BuildOptions = Omit<Partial<StartBuildRequest>, 'path'>;

/** Defaults applied to every build (from the settings). */
export interface IBuildDefaults {
  baseImage?: string;
  /** Tag of the image; `{notebook}` is replaced by the notebook's slug. */
  tagTemplate?: string;
  /** Prefixed to the tag. */
  registry?: string;
  push?: boolean;
}

/** A valid image path component made of a notebook's file name (as the server does). */
export function slug(path: string): string {
  const stem = (path.split('/').pop() ?? '').replace(/\.ipynb$/i, '');
  return (
    stem
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'notebook'
  );
}

/**
 * The request fields set by the settings. A tag template with placeholders only the server
 * knows (e.g. `{lock}`) is left to the server's own template.
 */
export function requestDefaults(
  path: string,
  defaults: IBuildDefaults
): Partial<StartBuildRequest> {
  const { baseImage, tagTemplate, registry, push } = defaults;
  const request: Partial<StartBuildRequest> = {};
  if (baseImage) {
    request.base_image = baseImage;
  }
  const tag = (tagTemplate ?? '').replace(/\{notebook\}/g, slug(path));
  if (tag && !/[{}]/.test(tag)) {
    request.tag = registry ? `${registry.replace(/\/+$/, '')}/${tag}` : tag;
  }
  if (push) {
    request.push = true;
  }
  return request;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

export function errorMessage(error: unknown): string {
  if (error instanceof ServerConnection.ResponseError) {
    return error.message;
  }
  if (error instanceof ServerConnection.NetworkError) {
    return 'The server cannot be reached.';
  }
  return error instanceof Error ? error.message : String(error);
}

export class ContainerizeModel {
  /** Emitted after any state change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /** Notebook path (relative to the server root) the panel shows, or null. */
  get path(): string | null {
    return this._path;
  }
  get analysis(): Analysis | null {
    return this._analysis;
  }
  get analysisLoading(): boolean {
    return this._analysisLoading;
  }
  get analysisError(): string | null {
    return this._analysisError;
  }
  /** The build shown: started here or re-attached after a reload. */
  get job(): BuildJob | null {
    return this._job;
  }
  /** True while a build is being started or followed. */
  get building(): boolean {
    return this._starting || (!!this._job && api.isActive(this._job));
  }
  /** The error of the last failed start/cancel/follow request (not of the build itself). */
  get buildError(): string | null {
    return this._buildError;
  }
  /** True while the event stream is retrying after a lost connection. */
  get reconnecting(): boolean {
    return this._reconnecting;
  }
  get log(): readonly string[] {
    return this._log;
  }
  get percent(): number | null {
    return this._percent;
  }
  get phase(): string | null {
    return this._phase;
  }
  /** The notebook's earlier builds, newest first. */
  get history(): readonly BuildJob[] {
    return this._history;
  }

  defaults: IBuildDefaults = {};

  /**
   * Show a notebook: analyse it, list its builds and re-attach to a running one.
   */
  async setNotebook(path: string | null): Promise<void> {
    if (path === this._path) {
      return;
    }
    this._detach();
    this._path = path;
    this._analysis = null;
    this._analysisError = null;
    this._job = null;
    this._history = [];
    this._resetProgress();
    this._emit();
    if (path) {
      await Promise.all([this.refreshAnalysis(), this.refreshHistory(true)]);
    }
  }

  /** Analyse the current notebook again (e.g. after it was edited). */
  async refreshAnalysis(): Promise<void> {
    const path = this._path;
    if (!path) {
      return;
    }
    this._analysisLoading = true;
    this._analysisError = null;
    this._emit();
    try {
      const analysis = await api.analyze(path);
      if (path === this._path) {
        this._analysis = analysis;
      }
    } catch (error) {
      if (path === this._path) {
        this._analysis = null;
        this._analysisError = errorMessage(error);
      }
    } finally {
      if (path === this._path) {
        this._analysisLoading = false;
        this._emit();
      }
    }
  }

  /**
   * List the notebook's builds; with `attach`, follow the newest queued/running one.
   */
  async refreshHistory(attach = false): Promise<void> {
    const path = this._path;
    if (!path) {
      return;
    }
    try {
      const builds = await api.listBuilds(path);
      if (path !== this._path) {
        return;
      }
      this._history = builds;
      const active = builds.find(job => api.isActive(job));
      if (attach && active && !this._job) {
        this._follow(active);
      }
      this._emit();
    } catch (error) {
      console.warn('jupyter-containerize: cannot list builds', error);
    }
  }

  /** Start a build of the current notebook and follow it. */
  async build(options: BuildOptions = {}): Promise<BuildJob | null> {
    const path = this._path;
    if (!path || this.building) {
      return null;
    }
    const request: StartBuildRequest = {
      ...requestDefaults(path, this.defaults),
      ...options,
      path
    };
    this._starting = true;
    this._buildError = null;
    this._job = null;
    this._resetProgress();
    this._emit();
    try {
      const job = await api.startBuild(request);
      if (path === this._path) {
        this._follow(job);
      }
      return job;
    } catch (error) {
      if (path === this._path) {
        this._buildError = errorMessage(error);
      }
      return null;
    } finally {
      this._starting = false;
      this._emit();
    }
  }

  /** Ask the server to cancel the current build (its events say when it stopped). */
  async cancel(): Promise<void> {
    const job = this._job;
    if (!job || !api.isActive(job)) {
      return;
    }
    try {
      this._setJob(await api.cancelBuild(job.id));
    } catch (error) {
      this._buildError = errorMessage(error);
      this._emit();
    }
  }

  /** Show a build of the history (its log is not replayed). */
  show(job: BuildJob): void {
    if (api.isActive(job)) {
      this._follow(job);
      return;
    }
    this._detach();
    this._resetProgress();
    this._job = job;
    this._emit();
  }

  dispose(): void {
    this._detach();
    Signal.clearData(this);
  }

  /** Follow a job's events from seq 0 (replays the whole log after a reload). */
  private _follow(job: BuildJob): void {
    this._detach();
    this._resetProgress();
    this._job = job;
    const controller = new AbortController();
    this._controller = controller;
    const { signal } = controller;
    api
      .followEvents(job.id, 0, event => this._onEvent(event), signal, {
        onRetry: () => {
          this._reconnecting = true;
          this._emit();
        }
      })
      .then(async ({ done }) => {
        if (done && !signal.aborted) {
          this._setJob(await api.getBuild(job.id));
          void this.refreshHistory();
        }
      })
      .catch(error => {
        if (!signal.aborted) {
          this._buildError = errorMessage(error);
          this._emit();
        }
      })
      .finally(() => {
        if (this._controller === controller) {
          this._controller = null;
        }
      });
    this._emit();
  }

  private _onEvent(event: BuildEvent): void {
    if (this._reconnecting) {
      this._reconnecting = false;
    }
    const job = this._job;
    switch (event.kind) {
      case 'phase':
        this._phase = event.phase ?? this._phase;
        if (job) {
          this._job = { ...job, phase: this._phase, state: 'running' };
        }
        this._appendLog(`--- ${event.message || this._phase} ---`);
        break;
      case 'progress':
        if (typeof event.percent === 'number') {
          this._percent = event.percent;
        } else if (event.step && event.steps) {
          this._percent = (100 * event.step) / event.steps;
        }
        if (event.phase) {
          this._phase = event.phase;
        }
        break;
      case 'log':
        this._appendLog(event.message ?? '');
        break;
      case 'state':
        if (job && event.state) {
          this._job = { ...job, state: event.state };
        }
        if (event.state === 'succeeded') {
          this._percent = 100;
        }
        if (event.message) {
          this._appendLog(event.message);
        }
        break;
      default:
        return; // keepalive
    }
    this._emit();
  }

  private _appendLog(message: string): void {
    for (const line of stripAnsi(message)
      .replace(/\r?\n$/, '')
      .split(/\r?\n/)) {
      this._log.push(line);
    }
    if (this._log.length > MAX_LOG_LINES) {
      this._log.splice(0, this._log.length - MAX_LOG_LINES);
    }
  }

  private _setJob(job: BuildJob): void {
    if (this._job && this._job.id === job.id) {
      this._job = job;
      this._phase = job.phase ?? this._phase;
      this._emit();
    }
  }

  private _resetProgress(): void {
    this._log = [];
    this._percent = null;
    this._phase = null;
    this._buildError = null;
    this._reconnecting = false;
  }

  private _detach(): void {
    this._controller?.abort();
    this._controller = null;
  }

  private _emit(): void {
    this._changed.emit();
  }

  private _changed = new Signal<this, void>(this);
  private _path: string | null = null;
  private _analysis: Analysis | null = null;
  private _analysisLoading = false;
  private _analysisError: string | null = null;
  private _job: BuildJob | null = null;
  private _starting = false;
  private _buildError: string | null = null;
  private _reconnecting = false;
  private _log: string[] = [];
  private _percent: number | null = null;
  private _phase: string | null = null;
  private _history: BuildJob[] = [];
  private _controller: AbortController | null = null;
}
