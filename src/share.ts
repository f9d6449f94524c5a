/**
 * ShareModel: what a teammate needs to run a pushed image (the server renders the lines:
 * digest reference, `docker run`, `jupyter containerize run`, a Kubernetes CronJob for the
 * cron the user types). Asked again when the build, the run form's values or the cron change.
 */
import * as api from './api';
import type { Share } from './api';
import { errorMessage } from './errors';
import type { ParameterValue } from './parameters';

export class ShareModel {
  constructor(private readonly _changed: () => void) {}

  get share(): Share | null {
    return this._share;
  }
  get cron(): string {
    return this._cron;
  }
  /** Why the lines could not be made (a bad cron expression...). */
  get error(): string | null {
    return this._error;
  }
  get pushing(): boolean {
    return this._pushing;
  }

  /** Ask for the lines of `build` with `values` (nothing when it was not pushed). */
  async update(
    build: string | null,
    pushed: boolean,
    values: Record<string, ParameterValue> | null
  ): Promise<void> {
    const key = JSON.stringify([build, pushed, values, this._cron]);
    if (key === this._key) {
      return;
    }
    this._key = key;
    const ticket = ++this._ticket;
    if (!build || !pushed || values === null) {
      this._share = null;
      this._error = null;
      this._changed();
      return;
    }
    try {
      const share = await api.shareBuild(build, {
        parameters: values,
        cron: this._cron.trim() || null
      });
      if (ticket === this._ticket) {
        this._share = share;
        this._error = null;
      }
    } catch (error) {
      if (ticket === this._ticket) {
        this._error = errorMessage(error);
      }
    }
    if (ticket === this._ticket) {
      this._changed();
    }
  }

  /** The schedule of the CronJob, e.g. `0 6 * * 1-5` ('' : no CronJob). */
  setCron(cron: string): void {
    this._cron = cron;
    this._changed();
  }

  /** Push a built image (sharing needs it pushed). */
  async push(build: string): Promise<api.BuildJob | null> {
    this._pushing = true;
    this._error = null;
    this._changed();
    try {
      return await api.pushBuild(build);
    } catch (error) {
      this._error = errorMessage(error);
      return null;
    } finally {
      this._pushing = false;
      this._changed();
    }
  }

  private _share: Share | null = null;
  private _cron = '';
  private _error: string | null = null;
  private _pushing = false;
  private _key = '';
  private _ticket = 0;
}
