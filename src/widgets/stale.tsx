import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { StaleChange } from '../api';
import type { ContainerizeModel } from '../model';

/** One change since the image was built, in words. */
export function changeText(
  change: StaleChange,
  trans: TranslationBundle
): string {
  switch (change.kind) {
    case 'package':
      if (change.change === 'changed') {
        return trans.__(
          '%1 %2 → %3 in the kernel',
          change.name ?? '',
          change.before ?? '',
          change.after ?? ''
        );
      }
      return change.change === 'added'
        ? trans.__('%1 %2 added', change.name ?? '', change.after ?? '')
        : trans.__(
            '%1 %2 no longer needed',
            change.name ?? '',
            change.before ?? ''
          );
    case 'python':
      return trans.__(
        'Python %1 → %2 in the kernel',
        change.before ?? '',
        change.after ?? ''
      );
    case 'cell':
      return change.change === 'added'
        ? trans.__('cell %1 added', change.cell ?? '')
        : change.change === 'removed'
          ? trans.__('cell %1 removed', change.cell ?? '')
          : trans.__('cell %1 edited', change.cell ?? '');
    case 'image':
      return trans.__('the image %1 is gone', change.before ?? '');
    default:
      return trans.__('the lock changed (same versions, other files)');
  }
}

/** Says when the newest image no longer matches the kernel and the notebook, and what changed. */
export function StaleNotice({
  model,
  trans
}: {
  model: ContainerizeModel;
  trans: TranslationBundle;
}): JSX.Element | null {
  const stale = model.stale;
  if (!stale || !stale.stale || model.building) {
    return null;
  }
  const changes = stale.changes ?? [];
  return (
    <section
      className="jp-containerize-stale"
      role="status"
      aria-labelledby="jp-containerize-stale-heading"
      data-testid="jp-containerize-stale"
    >
      <h3
        className="jp-containerize-heading"
        id="jp-containerize-stale-heading"
      >
        {trans.__('The image is out of date')}
      </h3>
      <p className="jp-containerize-help">
        {trans.__(
          'Since %1 was built:',
          stale.image ?? trans.__('the newest image')
        )}
      </p>
      <ul data-testid="jp-containerize-stale-changes">
        {changes.map((change, i) => (
          <li key={i} data-kind={change.kind} data-change={change.change}>
            {changeText(change, trans)}
          </li>
        ))}
      </ul>
      <div className="jp-containerize-actions">
        <button
          className="jp-mod-styled jp-mod-accept"
          data-testid="jp-containerize-rebuild"
          disabled={!model.canBuild}
          onClick={() => void model.build()}
        >
          {trans.__('Rebuild')}
        </button>
      </div>
    </section>
  );
}
