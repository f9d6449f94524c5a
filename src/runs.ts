/**
 * RunModel: running an image of the current notebook from the panel. The image to run, its
 * parameters form, the run followed through its events (re-attached after a reload, like a
 * build) and its end. Part of `ContainerizeModel`, which owns it.
 */
import { ISignal, Signal } from '@lumino/signaling';

import * as api from './api';
import type { NotebookParameters, RunJob } from './api';
import { errorMessage } from './errors';
import { RunFollower } from './follower';
import {
  IParameterField,
  ParameterValue,
  parameterFields,
  parameterValues
} from './parameters';
import type { IProgress } from './progress';

/** The phases of a run. */
export const RUN_PHASES = ['pull', 'run'] as const;

/** Progress of a run: the cell running and how many there are. */
export interface ICellProgress {
  step: number;
  steps: number;
}

/** `[3/6] cell 4: ...` -> {step: 3, steps: 6}: the runner's line for a cell. */
export function cellProgress(detail: string): ICellProgress | null {
  const match = /^\[(\d+)\/(\d+)\] cell \d+/.exec(detail);
  return match ? { step: Number(match[1]), steps: Number(match[2]) } : null;
}

/** Why a run cannot start now (null: it can). */
export type RunBlocker =
  | 'no-notebook'
  | 'no-image'
  | 'loading'
  | 'running'
  | 'problems'
  | 'no-engine'
  | null;

export class RunModel {
  constructor(private readonly _changed: () => void) {}

  /** Emitted once when a followed run ends (it was running when followed). */
  get finished(): ISignal<this, RunJob> {
    return this._finished;
  }
  /** The image runs use: the one chosen, else the notebook's newest image. */
  get image(): string | null {
    return this._chosen ?? this._default;
  }
  /** True when the user picked the image (in the history), not the newest build. */
  get imageChosen(): boolean {
    return this._chosen !== null;
  }
  get parameters(): NotebookParameters | null {
    return this._parameters;
  }
  get loading(): boolean {
    return this._loading;
  }
  /** Why the parameters could not be read. */
  get parametersError(): string | null {
    return this._parametersError;
  }
  /** Why no engine runs images here (the image can run elsewhere). */
  get engineProblem(): string | null {
    return this._engineProblem ?? this._parameters?.engine_problem ?? null;
  }
  get fields(): IParameterField[] {
    return parameterFields(
      this._parameters?.parameters ?? [],
      this._texts.get(this._path ?? '') ?? {}
    );
  }
  /** The typed values of the form; null while a field has a problem. */
  get values(): Record<string, ParameterValue> | null {
    return parameterValues(this.fields);
  }
  /** The run shown: started here, re-attached after a reload or the last one. */
  get job(): RunJob | null {
    return this._follower.job;
  }
  get running(): boolean {
    const job = this._follower.job;
    return this._starting || (!!job && api.isActive(job));
  }
  get progress(): Readonly<IProgress> {
    return this._follower.progress;
  }
  /** The cell running now, from the latest progress event. */
  get cell(): ICellProgress | null {
    return cellProgress(this._follower.progress.detail);
  }
  /** The error of the last failed start/stop request (not of the run itself). */
  get error(): string | null {
    return this._follower.error;
  }
  get reconnecting(): boolean {
    return this._follower.reconnecting;
  }
  /** Why Run is disabled (null: it is not). */
  get blocker(): RunBlocker {
    if (!this._path) {
      return 'no-notebook';
    }
    if (!this.image) {
      return 'no-image';
    }
    if (this.running) {
      return 'running';
    }
    if (this._loading) {
      return 'loading';
    }
    if (this.engineProblem) {
      return 'no-engine';
    }
    return this.values === null ? 'problems' : null;
  }
  /** Folder under the server root where runs land ('' : the server's). */
  get runsFolder(): string {
    return this._runsFolder;
  }
  set runsFolder(folder: string) {
    this._runsFolder = folder;
    this._changed();
  }

  /** Show a notebook: forget the last one's run; attach to a running run of this one. */
  async setNotebook(path: string | null): Promise<void> {
    this._follower.clear();
    this._path = path;
    this._chosen = null;
    this._default = null;
    this._parameters = null;
    this._parametersError = null;
    this._engineProblem = null;
    this._changed();
    if (!path) {
      return;
    }
    try {
      const runs = await api.listRuns(path);
      const active = runs.find(run => api.isActive(run));
      if (path === this._path && active && !this._follower.job) {
        this._follower.follow(active);
      }
    } catch (error) {
      console.warn('jupyter-containerize: cannot list runs', error);
    }
  }

  /** The notebook's newest image (from its builds). */
  setDefaultImage(image: string | null): void {
    if (image === this._default) {
      return;
    }
    this._default = image;
    if (!this._chosen) {
      void this._loadParameters();
    }
    this._changed();
  }

  /** Run another image of the notebook (from the history); null: the newest again. */
  chooseImage(image: string | null): void {
    this._chosen = image;
    void this._loadParameters();
    this._changed();
  }

  /** Set a field's text; undefined: back to the default. */
  setText(name: string, text: string | undefined): void {
    const path = this._path ?? '';
    const texts = { ...(this._texts.get(path) ?? {}) };
    if (text === undefined) {
      delete texts[name];
    } else {
      texts[name] = text;
    }
    this._texts.set(path, texts);
    this._changed();
  }

  /** Forget the form's edits. */
  resetTexts(): void {
    this._texts.delete(this._path ?? '');
    this._changed();
  }

  /** Read the parameters of the image's notebook again. */
  async refreshParameters(): Promise<void> {
    await this._loadParameters();
  }

  /** Start a run of the image with the form's values and follow it. */
  async run(): Promise<RunJob | null> {
    const path = this._path;
    const image = this.image;
    const values = this.values;
    if (this.blocker || !path || !image || values === null) {
      return null;
    }
    this._starting = true;
    this._follower.clear();
    this._engineProblem = null;
    this._changed();
    try {
      const job = await api.startRun({
        path,
        image,
        parameters: values,
        runs_folder: this._runsFolder || null
      });
      if (path === this._path) {
        this._follower.follow(job);
      }
      return job;
    } catch (error) {
      if (path === this._path) {
        if (isEngineDown(error)) {
          this._engineProblem = errorMessage(error);
        } else {
          this._follower.error = errorMessage(error);
        }
      }
      return null;
    } finally {
      this._starting = false;
      this._changed();
    }
  }

  /** Stop the run shown (its events say when it stopped). */
  async stop(): Promise<void> {
    const job = this._follower.job;
    if (!job || !api.isActive(job)) {
      return;
    }
    try {
      this._follower.setJob(await api.stopRun(job.id));
    } catch (error) {
      this._follower.error = errorMessage(error);
    }
  }

  dispose(): void {
    this._follower.detach();
    Signal.clearData(this);
  }

  private async _loadParameters(): Promise<void> {
    const path = this._path;
    const image = this.image;
    const ticket = ++this._ticket;
    if (!path) {
      return;
    }
    this._loading = true;
    this._parametersError = null;
    this._changed();
    try {
      const found = await api.getParameters(path, image ?? undefined);
      if (ticket === this._ticket) {
        this._parameters = found;
      }
    } catch (error) {
      if (ticket === this._ticket) {
        this._parameters = null;
        this._parametersError = errorMessage(error);
      }
    } finally {
      if (ticket === this._ticket) {
        this._loading = false;
        this._changed();
      }
    }
  }

  private _path: string | null = null;
  private _chosen: string | null = null;
  private _default: string | null = null;
  private _parameters: NotebookParameters | null = null;
  private _parametersError: string | null = null;
  private _engineProblem: string | null = null;
  private _loading = false;
  private _starting = false;
  private _ticket = 0;
  private _runsFolder = '';
  private _texts = new Map<string, Record<string, string>>();
  private _finished = new Signal<this, RunJob>(this);
  private _follower = new RunFollower({
    changed: () => this._changed(),
    ended: (job, notify) => {
      if (notify) {
        this._finished.emit(job);
      }
    }
  });
}

function isEngineDown(error: unknown): boolean {
  const status = (error as { response?: { status?: number } })?.response
    ?.status;
  return status === 503;
}
