import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import {
  SCHEDULER_CONFIG,
  SCHEDULER_INSTALL,
  ScheduleOutcome
} from '../schedule';

/** Why "Schedule…" could not open the Create Job form, and how to enable it. */
export function SchedulerHelp({
  outcome,
  tag,
  trans
}: {
  outcome: ScheduleOutcome;
  tag: string;
  trans: TranslationBundle;
}): JSX.Element {
  const why =
    outcome === 'not-listed'
      ? trans.__(
          'jupyter-scheduler is running but does not offer the image %1 as an environment: it is not set up to run this extension’s images (or the image was removed).',
          tag
        )
      : outcome === 'no-server'
        ? trans.__(
            'jupyter-scheduler’s server extension does not answer: it is not installed or not enabled on this server.'
          )
        : trans.__(
            'Scheduling notebooks runs through jupyter-scheduler, which is not installed here.'
          );
  return (
    <div
      className="jp-containerize-scheduler-help"
      data-testid="jp-containerize-scheduler-help"
      data-outcome={outcome}
    >
      <p>{why}</p>
      {outcome !== 'not-listed' && (
        <>
          <p>{trans.__('Install it in the server’s environment:')}</p>
          <pre className="jp-containerize-mono">{SCHEDULER_INSTALL}</pre>
        </>
      )}
      <p>
        {outcome === 'not-listed'
          ? trans.__(
              'Add these lines to jupyter_server_config.py and restart JupyterLab:'
            )
          : trans.__(
              'Then add these lines to jupyter_server_config.py and restart JupyterLab:'
            )}
      </p>
      <pre
        className="jp-containerize-mono"
        data-testid="jp-containerize-scheduler-config"
      >
        {SCHEDULER_CONFIG.join('\n')}
      </pre>
      <p>
        {trans.__(
          'Create Job then offers the images built here as environments, and the job runs the notebook in the chosen image.'
        )}
      </p>
    </div>
  );
}
