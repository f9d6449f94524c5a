/**
 * ContainerizeModel: all the panel's state for one notebook, and the only caller of the API.
 * Views render it and call its actions; it emits `changed` after every state change.
 *
 * It composes: the drafts of the user's edits (`drafts.ts`, edited by `edits.ts`), the
 * defaults (`defaults.ts`), the followed build (`follower.ts`), runs of the notebook's images
 * (`runs.ts`), the Share box (`share.ts`) and the Images view (`images.ts`).
 */
import { ISignal, Signal } from '@lumino/signaling';

import * as api from './api';
import type {
  Analysis,
  BuildJob,
  ServerInfo,
  Staleness,
  StartBuildRequest
} from './api';
import {
  DEFAULT_PHASES,
  IBuildDefaults,
  defaultBaseImage,
  draftDefaults
} from './defaults';
import {
  FieldProblem,
  IDraft,
  IDraftDefaults,
  IDraftProblems,
  IImageFields,
  ISecretRow,
  buildRequest,
  hasProblems,
  imageFields,
  pendingSecrets,
  secretRows,
  secretsAllowed
} from './draft';
import { DraftStore, IDraftState } from './drafts';
import * as edits from './edits';
import { errorMessage } from './errors';
import { BuildFollower } from './follower';
import { ImagesModel } from './images';
import { IProgress, IStep, overallPercent, stepper } from './progress';
import { RunModel } from './runs';
import { ShareModel } from './share';

export { MAX_LOG_LINES, stripAnsi } from './progress';
export { DEFAULT_PHASES } from './defaults';
export type { IBuildDefaults } from './defaults';
export { errorMessage } from './errors';

/** Options of one build, merged over the panel's choices. */
export type BuildOptions = Omit<Partial<StartBuildRequest>, 'path'>;

/** The image fields a user can set in the panel. */
export type ImageOption = keyof IImageFields;

export interface IModelOptions {
  /** Where the user's edits persist across page reloads (JupyterLab's `IStateDB`). */
  state?: IDraftState | null;
}

export class ContainerizeModel {
  constructor(options: IModelOptions = {}) {
    this._drafts = new DraftStore(options.state ?? null, () => this._emit());
  }

  /** Emitted after any state change. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }
  /** Emitted once when a followed build ends (succeeded, failed, cancelled...). */
  get finished(): ISignal<this, BuildJob> {
    return this._finished;
  }
  /** Resolves once the edits saved before a page reload are back. */
  get restored(): Promise<void> {
    return this._drafts.restored;
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
    return this._build.job;
  }
  /** True while a build is being started or followed. */
  get building(): boolean {
    const job = this._build.job;
    return this._starting || (!!job && api.isActive(job));
  }
  /** The error of the last failed start/cancel/follow request (not of the build itself). */
  get buildError(): string | null {
    return this._build.error;
  }
  /** True while the event stream is retrying after a lost connection. */
  get reconnecting(): boolean {
    return this._build.reconnecting;
  }
  get progress(): Readonly<IProgress> {
    return this._build.progress;
  }
  get log(): readonly string[] {
    return this._build.progress.log;
  }
  /** Progress inside the current phase (the engine's steps), 0-100. */
  get percent(): number | null {
    return this._build.progress.percent;
  }
  get phase(): string | null {
    return this._build.progress.phase;
  }
  /** The phases of the shown build with their status. */
  get steps(): IStep[] {
    return stepper(
      this._info?.phases ?? DEFAULT_PHASES,
      this._build.job,
      this._build.progress
    );
  }
  /** The whole build's progress, 0-100. */
  get overallPercent(): number {
    return overallPercent(this.steps, this._build.progress);
  }
  /** The notebook's earlier builds, newest first. */
  get history(): readonly BuildJob[] {
    return this._history;
  }
  /** The notebook's newest image: its build (null before one succeeded). */
  get newestImage(): BuildJob | null {
    return (
      this._history.find(job => job.state === 'succeeded' && job.result) ?? null
    );
  }
  /** The folder (under the server root) where runs land. */
  get runsFolder(): string {
    return (this.runs.runsFolder || this._info?.runs_folder || 'runs').replace(
      /^\/+|\/+$/g,
      ''
    );
  }
  /** True for a notebook a run wrote (in the runs folder): the panel does not follow it. */
  isRunOutput(path: string): boolean {
    const folder = this.runsFolder;
    return !!folder && path.startsWith(`${folder}/`);
  }
  /** Whether the newest image still matches the kernel and the notebook (null: unknown). */
  get stale(): Staleness | null {
    return this._stale;
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
    return draftDefaults(this._defaults, this._info);
  }
  /** The user's edits for the next build of the current notebook. */
  get draft(): Readonly<IDraft> {
    return this._drafts.get(this._path);
  }
  /** The image fields as shown: the user's values over the defaults. */
  get fields(): IImageFields {
    return imageFields(this._path ?? '', this.draft, this.draftDefaults);
  }
  /** Where the analysis found possible secrets, with their files' choices. */
  get secrets(): ISecretRow[] {
    return secretRows(this._analysis, this.draft);
  }
  /** True when the image would ship possible secrets (their files not left out). */
  get secretsPending(): boolean {
    return pendingSecrets(this._analysis, this.draft).length > 0;
  }
  /** True when the user chose to ship the possible secrets anyway. */
  get secretsAllowed(): boolean {
    return this.secretsPending && secretsAllowed(this._analysis, this.draft);
  }
  /** The base image the server uses when the field is left empty. */
  get defaultBaseImage(): string {
    return defaultBaseImage(this._info, this._analysis);
  }
  /** The request the Build button sends, and what stands in its way. */
  get request(): { request: StartBuildRequest; problems: IDraftProblems } {
    return buildRequest(
      this._path ?? '',
      this._analysis,
      this.draft,
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
    const shown = this._build.job;
    if (this._path && shown) {
      this._shown.set(this._path, shown.id);
    }
    this._build.clear();
    this._path = path;
    this._analysis = null;
    this._analysisError = null;
    this._history = [];
    this._stale = null;
    this._emit();
    const runs = this.runs.setNotebook(path);
    if (path) {
      await Promise.all([
        this.refreshInfo(),
        this.refreshAnalysis(),
        this.refreshHistory(true),
        this.refreshStale(),
        runs
      ]);
    }
  }

  /** Compare the newest image with the kernel and the notebook now (e.g. after a save). */
  async refreshStale(): Promise<void> {
    const path = this._path;
    const ticket = ++this._staleTicket;
    if (!path) {
      return;
    }
    try {
      const stale = await api.getStaleness(path);
      if (ticket === this._staleTicket && path === this._path) {
        this._stale = stale ?? null;
        this._emit();
      }
    } catch (error) {
      console.warn('jupyter-containerize: cannot check the image', error);
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
   * List the notebook's builds; with `attach`, follow the newest queued/running one, else
   * show again the build the panel showed for this notebook before it switched away.
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
      this.runs.setDefaultImage(this.newestImage?.result?.tag ?? null);
      if (attach && !this._build.job) {
        const shownBefore = this._shown.get(path);
        const toShow =
          builds.find(job => api.isActive(job)) ??
          builds.find(job => job.id === shownBefore);
        if (toShow) {
          this._build.follow(toShow, api.isActive(toShow));
        }
      }
      this._emit();
    } catch (error) {
      console.warn('jupyter-containerize: cannot list builds', error);
    }
  }

  // ----- the draft: package edits, files and image fields ------------------------------

  /**
   * Add a package (or pin an analysed one to `version`). Returns why it can't be added.
   */
  addPackage(name: string, version = ''): FieldProblem | null {
    const next = edits.addPackage(this.draft, this._analysis, name, version);
    if (typeof next === 'string') {
      return next;
    }
    this._setDraft(next);
    return null;
  }

  /** Change the version of a package ('' goes back to the kernel's). */
  setVersion(name: string, version: string): void {
    this._setDraft(edits.setVersion(this.draft, this._analysis, name, version));
  }

  /** Leave a package out of the image (an added one is forgotten). */
  removePackage(name: string): void {
    this._setDraft(edits.removePackage(this.draft, this._analysis, name));
  }

  /** Undo `removePackage` of an analysed package. */
  restorePackage(name: string): void {
    this._setDraft(edits.restorePackage(this.draft, name));
  }

  /** Mark an import optional (left out when the kernel lacks it) or required. */
  setOptional(name: string, optional: boolean): void {
    this._setDraft(
      edits.setOptional(this.draft, this._analysis, name, optional)
    );
  }

  /** Copy a local module or data file into the image, or leave it out. */
  setFileIncluded(path: string, included: boolean): void {
    this._setDraft(edits.setFileIncluded(this.draft, path, included));
  }

  /** Ship the possible secrets anyway ("Include anyway"), or not. */
  setSecretsAllowed(allowed: boolean): void {
    this._setDraft(
      edits.setSecretsAllowed(this.draft, this._analysis, allowed)
    );
  }

  /** Set an image field (platform, tag...); undefined goes back to the default. */
  setOption<K extends ImageOption>(
    key: K,
    value: IImageFields[K] | undefined
  ): void {
    this._setDraft(edits.setOption(this.draft, key, value));
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
    this._build.clear();
    this._emit();
    try {
      const job = await api.startBuild(request);
      if (path === this._path) {
        this._build.follow(job);
      }
      return job;
    } catch (error) {
      if (path === this._path) {
        this._build.error = errorMessage(error);
      }
      return null;
    } finally {
      this._starting = false;
      this._emit();
    }
  }

  /** Ask the server to cancel the current build (its events say when it stopped). */
  async cancel(): Promise<void> {
    const job = this._build.job;
    if (!job || !api.isActive(job)) {
      return;
    }
    try {
      this._build.setJob(await api.cancelBuild(job.id));
    } catch (error) {
      this._build.error = errorMessage(error);
    }
  }

  /** Show a build of the history; a finished one's log is replayed from its events. */
  show(job: BuildJob): void {
    this._build.follow(job, api.isActive(job));
  }

  /** Push the image of the build shown (sharing needs a pushed image), and follow the push. */
  async push(): Promise<void> {
    const job = this._build.job;
    if (!job || this.building || !job.result) {
      return;
    }
    const pushing = await this.sharing.push(job.id);
    if (pushing && this._build.job?.id === pushing.id) {
      this._build.follow(pushing);
    }
  }

  /** The runs of the current notebook's images. */
  readonly runs = new RunModel(() => this._emit());
  /** What sharing the pushed image takes. */
  readonly sharing = new ShareModel(() => this._emit());
  /** Every image this server built, and the build cache. */
  readonly images = new ImagesModel(() => this._emit());

  dispose(): void {
    this._build.detach();
    this.runs.dispose();
    Signal.clearData(this);
  }

  private _setDraft(draft: IDraft): void {
    if (this._path) {
      this._drafts.set(this._path, draft);
      this._emit();
    }
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
  private _drafts: DraftStore;
  private _build = new BuildFollower({
    changed: () => this._emit(),
    ended: (job, notify) => {
      void this.refreshHistory();
      void this.refreshStale();
      if (notify) {
        this._finished.emit(job);
      }
    }
  });
  private _starting = false;
  private _history: BuildJob[] = [];
  private _stale: Staleness | null = null;
  private _staleTicket = 0;
  /** The build shown for each notebook the panel switched away from (this page only). */
  private _shown = new Map<string, string>();
}
