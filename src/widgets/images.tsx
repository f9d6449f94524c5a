import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { ImageEntry } from '../api';
import type { ImagesModel } from '../images';
import { humanAge, humanSize } from './format';
import { LongValue } from './long';

/**
 * Every image this server built (all notebooks), one page at a time, with Remove; the build
 * cache's size and Prune, with what it freed.
 */
export function ImagesView({
  images,
  trans
}: {
  images: ImagesModel;
  trans: TranslationBundle;
}): JSX.Element {
  const cache = images.cache;
  const pruned = images.pruned;
  const now = Date.now();
  return (
    <div
      className="jp-containerize-images"
      data-testid="jp-containerize-images"
    >
      <section
        className="jp-containerize-section"
        aria-labelledby="jp-containerize-cache-heading"
        data-testid="jp-containerize-cache"
      >
        <h3
          className="jp-containerize-heading"
          id="jp-containerize-cache-heading"
        >
          {trans.__('Build cache')}
        </h3>
        {cache ? (
          <dl className="jp-containerize-facts">
            <dt>{trans.__('On this machine')}</dt>
            <dd data-testid="jp-containerize-cache-host">
              {humanSize(cache.host_bytes)}
            </dd>
            <dt>{trans.__('Environment images')}</dt>
            <dd data-testid="jp-containerize-cache-env">
              {trans._n(
                '%1 image, %2',
                '%1 images, %2',
                cache.environment_images,
                humanSize(cache.environment_bytes)
              )}
            </dd>
          </dl>
        ) : (
          <p className="jp-containerize-loading">{trans.__('Measuring…')}</p>
        )}
        <p className="jp-containerize-help">
          {trans.__(
            'Prune removes images that newer builds replaced, environment images no image uses, and cached packages unused for a month.'
          )}
        </p>
        <div className="jp-containerize-actions">
          <button
            className="jp-mod-styled"
            data-testid="jp-containerize-prune"
            disabled={images.pruning}
            onClick={() => void images.prune()}
          >
            {images.pruning ? trans.__('Pruning…') : trans.__('Prune')}
          </button>
        </div>
        {pruned && (
          <p
            className="jp-containerize-note"
            role="status"
            data-testid="jp-containerize-pruned"
            data-freed={pruned.freed_bytes}
          >
            {trans.__(
              'Freed %1: %2 images and %3 cache files removed.',
              humanSize(pruned.freed_bytes),
              (pruned.removed_images ?? []).length,
              pruned.removed_files
            )}
          </p>
        )}
      </section>
      {images.error && (
        <p
          className="jp-containerize-error-message"
          role="alert"
          data-testid="jp-containerize-images-error"
        >
          {images.error}
        </p>
      )}
      <section
        className="jp-containerize-section"
        aria-labelledby="jp-containerize-images-heading"
      >
        <h3
          className="jp-containerize-heading"
          id="jp-containerize-images-heading"
        >
          {trans.__('Images built here')}
        </h3>
        {images.images.length === 0 && !images.loading && (
          <p className="jp-containerize-empty">
            {trans.__('No image built yet.')}
          </p>
        )}
        <ul
          className="jp-containerize-image-list"
          data-testid="jp-containerize-image-list"
        >
          {images.images.map(entry => (
            <ImageRow
              key={entry.build}
              entry={entry}
              now={now}
              removing={images.isRemoving(entry.build)}
              onRemove={() => void images.remove(entry.build)}
              trans={trans}
            />
          ))}
        </ul>
        {images.loading && (
          <p className="jp-containerize-loading" role="status">
            {trans.__('Loading…')}
          </p>
        )}
        {images.more && !images.loading && (
          <div className="jp-containerize-actions">
            <button
              className="jp-mod-styled"
              data-testid="jp-containerize-images-more"
              onClick={() => void images.loadMore()}
            >
              {trans.__('Older images')}
            </button>
          </div>
        )}
      </section>
    </div>
  );
}

function status(entry: ImageEntry, trans: TranslationBundle): string {
  if (!entry.present) {
    return trans.__('removed');
  }
  return entry.tagged
    ? trans.__('on the engine')
    : trans.__('replaced by a newer build');
}

function ImageRow({
  entry,
  now,
  removing,
  onRemove,
  trans
}: {
  entry: ImageEntry;
  now: number;
  removing: boolean;
  onRemove: () => void;
  trans: TranslationBundle;
}): JSX.Element {
  const state = !entry.present
    ? 'removed'
    : entry.tagged
      ? 'present'
      : 'replaced';
  return (
    <li
      className={`jp-containerize-image-item jp-mod-${state}`}
      data-testid="jp-containerize-image-item"
      data-notebook={entry.notebook}
      data-state={state}
    >
      <LongValue
        text={entry.tag}
        trans={trans}
        testid="jp-containerize-image-tag"
      />
      <div className="jp-containerize-image-facts">
        <span title={entry.notebook}>
          {entry.notebook}
          {!entry.notebook_exists && (
            <span
              className="jp-containerize-badge jp-mod-warn"
              data-testid="jp-containerize-image-orphan"
            >
              {trans.__('notebook deleted')}
            </span>
          )}
        </span>
        <span>{humanSize(entry.size)}</span>
        <span title={entry.created}>{humanAge(entry.created, now, trans)}</span>
        <span>{entry.digest ? trans.__('pushed') : trans.__('local')}</span>
        <span className="jp-containerize-time">{status(entry, trans)}</span>
      </div>
      {entry.digest && <LongValue text={entry.digest} trans={trans} />}
      {entry.present && (
        <button
          className="jp-containerize-icon-button jp-containerize-image-remove"
          data-testid="jp-containerize-image-remove"
          aria-label={trans.__('Remove the image %1', entry.tag)}
          disabled={removing}
          onClick={onRemove}
        >
          {removing ? trans.__('Removing…') : trans.__('Remove')}
        </button>
      )}
    </li>
  );
}
