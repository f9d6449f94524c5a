/**
 * ContainerizeModel: all the panel's state for one notebook, and the only caller of the API.
 * Views render it and call its actions; it emits `changed` after every state change.
 */
import { ServerConnection } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';

import * as api from './api';
import type {
  Analysis,
  BuildEvent,
  BuildJob,
  ServerInfo,
  StartBuildRequest
} from './api';
import {
  EMPTY_DEFAULTS,
  IDraft,
  IDraftDefaults,
  IDraftProblems,
  IImageFields,
  buildRequest,
  checkPackageName,
  checkVersion,
  emptyDraft,
  hasProblems,
  imageFields,
  normaliseName,
  FieldProblem
} from './draft';
import {
  IProgress,
  IStep,
  applyEvent,
  emptyProgress,
  overallPercent,
  stepper
} from './progress';

export { MAX_LOG_LINES, stripAnsi } from './progress';

/** Options of one build, merged over the panel's choices. */
export type BuildOptions = Omit<Partial<StartBuildRequest>, 'path'>;

/** Defaults applied to every build (from the settings). */
export interface IBuildDefaults {
  baseImage?: string;
  /** Tag of the image; `{notebook}` is replaced by the notebook's slug, `{lock}` by the server. */
  tagTemplate?: string;
  /** Prefixed to the tag. */
  registry?: string;
  push?: boolean;
  verify?: boolean;
  platform?: string;
}

/** The phases the server reports when it can't be asked (`ServerInfo.phases`). */
export const DEFAULT_PHASES = [
  'analyse',
  'lock',
  'context',
  'build',
  'verify',
  'push'
];

/** The image fields a user can set in the panel. */
export type ImageOption = keyof IImageFields;

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
  /** Emitted once when a followed build ends (succeeded, failed, cancelled...). */
  get finished(): ISignal<this, BuildJob> {
    return this._finished;
  }

  /** Notebook path (relative to the server root) the panel shows, or null. */
  get path(): string | null {
    return this._path;
  }
  get info(): ServerInfo | null {
    return this._info;
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
  get progress(): Readonly<IProgress> {
    return this._progress;
  }
  get log(): readonly string[] {
    return this._progress.log;
  }
  /** Progress inside the current phase (the engine's steps), 0-100. */
  get percent(): number | null {
    return this._progress.percent;
  }
  get phase(): string | null {
    return this._progress.phase;
  }
  /** The phases of the shown build with their status. */
  get steps(): IStep[] {
    return stepper(
      this._info?.phases ?? DEFAULT_PHASES,
      this._job,
      this._progress
    );
  }
  /** The whole build's progress, 0-100. */
  get overallPercent(): number {
    return overallPercent(this.steps, this._progress);
  }
  /** The notebook's earlier builds, newest first. */
  get history(): readonly BuildJob[] {
    return this._history;
  }

  /** The settings; the image fields the user did not touch follow them. */
  get defaults(): IBuildDefaults {
    return this._defaults;
  }
  set defaults(defaults: IBuildDefaults) {
    this._defaults = defaults;
    this._emit();
  }

  /** The defaults of the image fields: the settings over the server's. */
  get draftDefaults(): IDraftDefaults {
    const d = this._defaults;
    const serverTemplate =
      this._info?.tag_template || EMPTY_DEFAULTS.serverTagTemplate;
    return {
      platform: d.platform || EMPTY_DEFAULTS.platform,
      baseImage: d.baseImage ?? '',
      tagTemplate: d.tagTemplate || serverTemplate,
      serverTagTemplate: serverTemplate,
      registry: d.registry ?? '',
      push: !!d.push,
      verify: !!d.verify
    };
  }
  /** The user's edits for the next build of the current notebook. */
  get draft(): Readonly<IDraft> {
    return this._draft();
  }
  /** The image fields as shown: the user's values over the defaults. */
  get fields(): IImageFields {
    return imageFields(this._path ?? '', this._draft(), this.draftDefaults);
  }
  /** The base image the server uses when the field is left empty. */
  get defaultBaseImage(): string {
    const template = this._info?.base_image_template ?? '';
    const version = this._analysis?.python.version ?? '';
    const [major, minor] = version.split('.');
    return major && minor
      ? template
          .replace(/\{major\}/g, major)
          .replace(/\{minor\}/g, minor)
          .replace(/\{version\}/g, version)
      : template;
  }
  /** The request the Build button sends, and what stands in its way. */
  get request(): { request: StartBuildRequest; problems: IDraftProblems } {
    return buildRequest(
      this._path ?? '',
      this._analysis,
      this._draft(),
      this.draftDefaults
    );
  }
  /** True when a build can start now. */
  get canBuild(): boolean {
    return (
      !!this._path && !this.building && !hasProblems(this.request.problems)
    );
  }

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
      await Promise.all([
        this.refreshInfo(),
        this.refreshAnalysis(),
        this.refreshHistory(true)
      ]);
    }
  }

  /** Ask the server for its version, templates and phases (once). */
  async refreshInfo(): Promise<void> {
    if (this._info) {
      return;
    }
    try {
      this._info = await api.getInfo();
      this._emit();
    } catch (error) {
      console.warn('jupyter-containerize: cannot get the server info', error);
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

  // ----- the draft: package edits and image fields -----------------------------------

  /**
   * Add a package (or pin an analysed one to `version`). Returns why it can't be added.
   */
  addPackage(name: string, version = ''): FieldProblem | null {
    const problem = checkPackageName(name) ?? checkVersion(version);
    if (problem) {
      return problem;
    }
    const key = normaliseName(name);
    this._editDraft(draft => {
      if (this._analysed(key)) {
        draft.removed = draft.removed.filter(n => n !== key);
        if (version.trim()) {
          draft.versions = { ...draft.versions, [key]: version.trim() };
        }
        return;
      }
      draft.added = [
        ...draft.added.filter(p => normaliseName(p.name) !== key),
        { name: key, version: version.trim() }
      ];
    });
    return null;
  }

  /** Change the version of a package ('' goes back to the kernel's). */
  setVersion(name: string, version: string): void {
    const key = normaliseName(name);
    this._editDraft(draft => {
      if (this._analysed(key)) {
        const versions = { ...draft.versions };
        if (version.trim()) {
          versions[key] = version;
        } else {
          delete versions[key];
        }
        draft.versions = versions;
      } else {
        draft.added = draft.added.map(p =>
          normaliseName(p.name) === key ? { ...p, version } : p
        );
      }
    });
  }

  /** Leave a package out of the image (an added one is forgotten). */
  removePackage(name: string): void {
    const key = normaliseName(name);
    this._editDraft(draft => {
      if (this._analysed(key)) {
        draft.removed = [...draft.removed.filter(n => n !== key), key];
      } else {
        draft.added = draft.added.filter(p => normaliseName(p.name) !== key);
      }
    });
  }

  /** Undo `removePackage` of an analysed package. */
  restorePackage(name: string): void {
    const key = normaliseName(name);
    this._editDraft(draft => {
      draft.removed = draft.removed.filter(n => n !== key);
    });
  }

  /** Mark an import optional (left out when the kernel lacks it) or required. */
  setOptional(name: string, optional: boolean): void {
    const key = normaliseName(name);
    const analysed = this._analysed(key);
    this._editDraft(draft => {
      const marks = { ...draft.optional };
      if (analysed && !!analysed.optional === optional) {
        delete marks[key];
      } else {
        marks[key] = optional;
      }
      draft.optional = marks;
    });
  }

  /** Set an image field (platform, tag...); undefined goes back to the default. */
  setOption<K extends ImageOption>(
    key: K,
    value: IImageFields[K] | undefined
  ): void {
    this._editDraft(draft => {
      if (value === undefined) {
        delete draft[key];
      } else {
        (draft as any)[key] = value;
      }
    });
  }

  /** Forget every edit of the current notebook. */
  resetDraft(): void {
    if (this._path) {
      this._drafts.delete(this._path);
      this._emit();
    }
  }

  // ----- builds ------------------------------------------------------------------------

  /** Start a build of the current notebook with the panel's choices and follow it. */
  async build(options: BuildOptions = {}): Promise<BuildJob | null> {
    const path = this._path;
    if (!path || this.building) {
      return null;
    }
    const { request: drafted, problems } = this.request;
    if (hasProblems(problems) && Object.keys(options).length === 0) {
      return null;
    }
    const request: StartBuildRequest = { ...drafted, ...options, path };
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

  /** Show a build of the history; a finished one's log is replayed from its events. */
  show(job: BuildJob): void {
    this._follow(job, api.isActive(job));
  }

  dispose(): void {
    this._detach();
    Signal.clearData(this);
  }

  /**
   * Follow a job's events from seq 0 (replays the whole log after a reload). `notify`: tell
   * `finished` when it ends (not for a finished build of the history).
   */
  private _follow(job: BuildJob, notify = true): void {
    this._detach();
    this._resetProgress();
    this._job = job;
    const controller = new AbortController();
    this._controller = controller;
    const { signal } = controller;
    const wasActive = api.isActive(job);
    api
      .followEvents(job.id, 0, event => this._onEvent(event), signal, {
        timeout: wasActive ? 15 : 0,
        onRetry: () => {
          this._reconnecting = true;
          this._emit();
        }
      })
      .then(async ({ done }) => {
        if (done && !signal.aborted) {
          const final = wasActive ? await api.getBuild(job.id) : job;
          if (signal.aborted) {
            return;
          }
          this._setJob(final);
          if (wasActive) {
            void this.refreshHistory();
            if (notify) {
              this._finished.emit(final);
            }
          }
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
      };
    }
    this._emit();
  }

  private _setJob(job: BuildJob): void {
    if (this._job && this._job.id === job.id) {
      this._job = job;
      if (job.phase && !this._progress.phase) {
        this._progress.phase = job.phase;
      }
      this._emit();
    }
  }

  private _resetProgress(): void {
    this._progress = emptyProgress();
    this._buildError = null;
    this._reconnecting = false;
  }

  private _detach(): void {
    this._controller?.abort();
    this._controller = null;
  }

  private _analysed(name: string) {
    return (this._analysis?.requirements ?? []).find(
      r => normaliseName(r.name) === name
    );
  }

  private _draft(): IDraft {
    return (this._path && this._drafts.get(this._path)) || EMPTY_DRAFT;
  }

  private _editDraft(edit: (draft: IDraft) => void): void {
    if (!this._path) {
      return;
    }
    const draft = { ...this._draft() };
    edit(draft);
    this._drafts.set(this._path, draft);
    this._emit();
  }

  private _emit(): void {
    this._changed.emit();
  }

  private _changed = new Signal<this, void>(this);
  private _finished = new Signal<this, BuildJob>(this);
  private _defaults: IBuildDefaults = {};
  private _info: ServerInfo | null = null;
  private _path: string | null = null;
  private _analysis: Analysis | null = null;
  private _analysisLoading = false;
  private _analysisError: string | null = null;
  private _drafts = new Map<string, IDraft>();
  private _job: BuildJob | null = null;
  private _starting = false;
  private _buildError: string | null = null;
  private _reconnecting = false;
  private _progress: IProgress = emptyProgress();
  private _history: BuildJob[] = [];
  private _controller: AbortController | null = null;
}

const EMPTY_DRAFT: IDraft = Object.freeze(emptyDraft()) as IDraft;
