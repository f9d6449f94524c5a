import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { isActive } from '../api';
import type { ContainerizeModel } from '../model';
import { humanDuration, jobSeconds, shortTime } from './format';

/** The notebook's builds, newest first; opening one shows its log and result or error. */
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
        {builds.map(job => {
          const seconds = isActive(job)
            ? null
            : (job.result?.duration_s ?? jobSeconds(job));
          const tag = job.result?.tag ?? job.tag ?? job.request.tag ?? job.id;
          return (
            <li
              key={job.id}
              className={`jp-containerize-history-item${model.job?.id === job.id ? ' jp-mod-selected' : ''}`}
              data-state={job.state}
              data-testid="jp-containerize-history-item"
            >
              <button
                className="jp-containerize-link"
                aria-current={model.job?.id === job.id ? 'true' : undefined}
                aria-label={trans.__(
                  'Open the build of %1 (%2, %3)',
                  shortTime(job.created),
                  stateLabel(job.state ?? 'queued', trans),
                  tag
                )}
                onClick={() => model.show(job)}
              >
                <span
                  className={`jp-containerize-state jp-containerize-state-${job.state}`}
                >
                  {stateLabel(job.state ?? 'queued', trans)}
                </span>
                <span
                  className="jp-containerize-mono jp-containerize-ellipsis"
                  title={tag}
                >
                  {tag}
                </span>
                <span className="jp-containerize-time">
                  {shortTime(job.created)}
                  {seconds !== null && ` · ${humanDuration(seconds)}`}
                </span>
              </button>
              {job.state === 'succeeded' && job.result && (
                <button
                  className="jp-mod-styled jp-containerize-history-run"
                  data-testid="jp-containerize-history-run"
                  aria-label={trans.__('Run the image %1', job.result.tag)}
                  onClick={() => model.runs.chooseImage(job.result!.tag)}
                >
                  {trans.__('Run…')}
                </button>
              )}
            </li>
          );
        })}
      </ul>
    </details>
  );
}

export function stateLabel(state: string, trans: TranslationBundle): string {
  switch (state) {
    case 'queued':
      return trans.__('queued');
    case 'running':
      return trans.__('running');
    case 'succeeded':
      return trans.__('built');
    case 'failed':
      return trans.__('failed');
    case 'cancelled':
      return trans.__('cancelled');
    case 'interrupted':
      return trans.__('interrupted');
    default:
      return state;
  }
}
