/**
 * ImagesModel: the Images view's state. Every image this server built, one page at a time
 * (the server pages the history: hundreds of builds never arrive at once), the build cache's
 * size, removing an image and pruning the cache. Part of `ContainerizeModel`.
 */
import * as api from './api';
import type { CacheUsage, ImageEntry, PruneResult } from './api';
import { errorMessage } from './errors';

/** Images asked for at a time. */
export const IMAGES_PAGE = 50;

export class ImagesModel {
  constructor(private readonly _changed: () => void) {}

  get images(): readonly ImageEntry[] {
    return this._images;
  }
  /** True when older images are left to load. */
  get more(): boolean {
    return this._next !== null;
  }
  get loading(): boolean {
    return this._loading;
  }
  get error(): string | null {
    return this._error;
  }
  get cache(): CacheUsage | null {
    return this._cache;
  }
  get pruning(): boolean {
    return this._pruning;
  }
  /** What the last prune freed. */
  get pruned(): PruneResult | null {
    return this._pruned;
  }
  /** Builds whose image is being removed. */
  isRemoving(build: string): boolean {
    return this._removing.has(build);
  }

  /** The first page again, and the cache's size. */
  async refresh(): Promise<void> {
    this._images = [];
    this._next = null;
    await Promise.all([this._load(undefined), this.refreshCache()]);
  }

  /** The next (older) page. */
  async loadMore(): Promise<void> {
    if (this._next && !this._loading) {
      await this._load(this._next);
    }
  }

  async refreshCache(): Promise<void> {
    try {
      this._cache = await api.getCache();
    } catch (error) {
      this._cache = null;
      this._error = errorMessage(error);
    }
    this._changed();
  }

  /** Remove a build's image from the engine; the list shows it gone. */
  async remove(build: string): Promise<void> {
    this._removing.add(build);
    this._error = null;
    this._changed();
    try {
      await api.removeImage(build);
      this._images = this._images.map(entry =>
        entry.build === build
          ? { ...entry, present: false, tagged: false }
          : entry
      );
    } catch (error) {
      this._error = errorMessage(error);
    } finally {
      this._removing.delete(build);
      this._changed();
    }
  }

  /** Prune the cache; then the list and the cache again. */
  async prune(): Promise<PruneResult | null> {
    this._pruning = true;
    this._error = null;
    this._changed();
    try {
      this._pruned = await api.pruneCache();
      return this._pruned;
    } catch (error) {
      this._error = errorMessage(error);
      return null;
    } finally {
      this._pruning = false;
      this._changed();
      await this.refresh();
    }
  }

  private async _load(before: string | undefined): Promise<void> {
    const ticket = ++this._ticket;
    this._loading = true;
    this._error = null;
    this._changed();
    try {
      const page = await api.listImages(before, IMAGES_PAGE);
      if (ticket === this._ticket) {
        this._images = before ? [...this._images, ...page.images] : page.images;
        this._next = page.next ?? null;
      }
    } catch (error) {
      if (ticket === this._ticket) {
        this._error = errorMessage(error);
      }
    } finally {
      if (ticket === this._ticket) {
        this._loading = false;
        this._changed();
      }
    }
  }

  private _images: ImageEntry[] = [];
  private _next: string | null = null;
  private _loading = false;
  private _error: string | null = null;
  private _cache: CacheUsage | null = null;
  private _pruning = false;
  private _pruned: PruneResult | null = null;
  private _removing = new Set<string>();
  private _ticket = 0;
}
