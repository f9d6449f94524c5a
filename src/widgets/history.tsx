import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { ContainerizeModel } from '../model';
import { shortTime } from './format';

/** The notebook's earlier builds; clicking one shows its result or error. */
export function HistorySection({
  model,
  trans
}: {
  model: ContainerizeModel;
  trans: TranslationBundle;
}): JSX.Element | null {
  const builds = model.history;
  if (builds.length === 0) {
    return null;
  }
  return (
    <details className="jp-containerize-section jp-containerize-history">
      <summary className="jp-containerize-heading">
        {trans.__('Builds of this notebook (%1)', builds.length)}
      </summary>
      <ul data-testid="jp-containerize-history">
        {builds.map(job => (
          <li
            key={job.id}
            className={`jp-containerize-history-item${model.job?.id === job.id ? ' jp-mod-selected' : ''}`}
            data-state={job.state}
          >
            <button
              className="jp-containerize-link"
              onClick={() => model.show(job)}
            >
              <span
                className={`jp-containerize-state jp-containerize-state-${job.state}`}
              >
                {job.state}
              </span>{' '}
              <span className="jp-containerize-mono">
                {job.result?.tag ?? job.tag ?? job.id}
              </span>{' '}
              <span className="jp-containerize-time">
                {shortTime(job.created)}
              </span>
            </button>
          </li>
        ))}
      </ul>
    </details>
  );
}
