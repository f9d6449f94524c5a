import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { isActive } from '../api';
import { hasProblems } from '../draft';
import type { ContainerizeModel } from '../model';
import { problemText } from './problems';
import { blockerText } from './run';

/**
 * The primary actions, kept in view at the bottom of the panel however far it is scrolled:
 * Build (Rebuild when the image is stale) or Cancel, and Run or Stop.
 */
export function ActionsFooter({
  model,
  trans
}: {
  model: ContainerizeModel;
  trans: TranslationBundle;
}): JSX.Element {
  const job = model.job;
  const active = model.building;
  const problems = model.request.problems;
  const runs = model.runs;
  const run = runs.job;
  const stale = !!model.stale?.stale;
  const blocker = runs.blocker;
  return (
    <footer
      className="jp-containerize-footer"
      aria-label={trans.__('Actions')}
      data-testid="jp-containerize-footer"
    >
      <button
        className="jp-mod-styled jp-mod-accept jp-containerize-build-button"
        data-testid="jp-containerize-build-button"
        disabled={!model.canBuild}
        title={
          problems.secrets
            ? problemText(problems.secrets, trans)
            : hasProblems(problems)
              ? trans.__('Fix the fields marked in red first')
              : trans.__('Build the image with the choices above')
        }
        onClick={() => void model.build()}
      >
        {active
          ? trans.__('Building…')
          : stale
            ? trans.__('Rebuild')
            : job || model.newestImage
              ? trans.__('Build again')
              : trans.__('Build image')}
      </button>
      {job && isActive(job) && (
        <button
          className="jp-mod-styled jp-mod-reject jp-containerize-cancel-button"
          data-testid="jp-containerize-cancel-button"
          onClick={() => void model.cancel()}
        >
          {trans.__('Cancel')}
        </button>
      )}
      {run && isActive(run) ? (
        <button
          className="jp-mod-styled jp-mod-reject"
          data-testid="jp-containerize-stop-button"
          onClick={() => void runs.stop()}
        >
          {trans.__('Stop')}
        </button>
      ) : (
        <button
          className="jp-mod-styled jp-containerize-run-button"
          data-testid="jp-containerize-run-button"
          disabled={blocker !== null}
          title={blockerText(blocker, trans)}
          onClick={() => void runs.run()}
        >
          {trans.__('Run')}
        </button>
      )}
    </footer>
  );
}
