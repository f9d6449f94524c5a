/**
 * The drafts of every notebook the panel showed, by notebook path, kept across page reloads
 * in JupyterLab's state database when one is given.
 */
import { IDraft, editCount, emptyDraft } from './draft';

/** The part of `IStateDB` the drafts use. */
export interface IDraftState {
  fetch(id: string): Promise<unknown>;
  save(id: string, value: any): Promise<any>;
}

/** The state database key of the drafts. */
export const DRAFTS_STATE_KEY = 'jupyter-containerize:drafts';

const EMPTY_DRAFT: IDraft = Object.freeze(emptyDraft()) as IDraft;

export class DraftStore {
  /**
   * @param state Where drafts persist (none: they live as long as the page).
   * @param onRestored Called once the saved drafts are read.
   */
  constructor(
    private readonly _state: IDraftState | null = null,
    onRestored: () => void = () => undefined
  ) {
    this.restored = this._restore().then(onRestored);
  }

  /** Resolves once the saved drafts are read (at once without a state database). */
  readonly restored: Promise<void>;

  /** The draft of a notebook (an empty one when it has none). */
  get(path: string | null): IDraft {
    return (path && this._drafts.get(path)) || EMPTY_DRAFT;
  }

  set(path: string, draft: IDraft): void {
    this._drafts.set(path, draft);
    this._save();
  }

  delete(path: string): void {
    this._drafts.delete(path);
    this._save();
  }

  private async _restore(): Promise<void> {
    if (!this._state) {
      return;
    }
    try {
      const saved = (await this._state.fetch(DRAFTS_STATE_KEY)) as
        Record<string, Partial<IDraft>> | undefined;
      for (const [path, draft] of Object.entries(saved ?? {})) {
        if (!this._drafts.has(path) && draft && typeof draft === 'object') {
          this._drafts.set(path, { ...emptyDraft(), ...draft });
        }
      }
    } catch (reason) {
      console.warn('jupyter-containerize: cannot restore the edits', reason);
    }
  }

  private _save(): void {
    if (!this._state) {
      return;
    }
    const value: Record<string, IDraft> = {};
    for (const [path, draft] of this._drafts) {
      if (editCount(draft) > 0 || hasImageChoices(draft)) {
        value[path] = draft;
      }
    }
    this._state.save(DRAFTS_STATE_KEY, value).catch(reason => {
      console.warn('jupyter-containerize: cannot save the edits', reason);
    });
  }

  private _drafts = new Map<string, IDraft>();
}

function hasImageChoices(draft: IDraft): boolean {
  return (
    [
      'platform',
      'baseImage',
      'tag',
      'registry',
      'push',
      'verify',
      'output'
    ] as const
  ).some(key => draft[key] !== undefined);
}
