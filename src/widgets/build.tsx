import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { isActive } from '../api';
import type { ContainerizeModel } from '../model';
import { LogView } from './log';
import { ErrorView, ResultView } from './result';

export interface IBuildProps {
  model: ContainerizeModel;
  trans: TranslationBundle;
}

/** The Build button, then the live progress and log, then the result or the error. */
export function BuildSection({ model, trans }: IBuildProps): JSX.Element {
  const job = model.job;
  const active = model.building;
  const state = job?.state ?? (active ? 'queued' : null);

  return (
    <section
      className="jp-containerize-section jp-containerize-build"
      data-state={state ?? 'idle'}
    >
      <div className="jp-containerize-actions">
        <button
          className="jp-mod-styled jp-mod-accept jp-containerize-build-button"
          data-testid="jp-containerize-build-button"
          disabled={!model.path || active}
          onClick={() => void model.build()}
        >
          {active
            ? trans.__('Building…')
            : job
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
      </div>

      {model.buildError && (
        <p
          className="jp-containerize-error-message"
          role="alert"
          data-testid="jp-containerize-build-error"
        >
          {model.buildError}
        </p>
      )}

      {active && <Progress model={model} trans={trans} />}

      {job && job.state === 'succeeded' && job.result && (
        <ResultView result={job.result} trans={trans} />
      )}

      {job && !isActive(job) && job.state !== 'succeeded' && (
        <ErrorView
          title={failureTitle(job.state ?? 'failed', trans)}
          error={
            job.error ?? {
              message: failureTitle(job.state ?? 'failed', trans),
              log_tail: model.log.slice(-20)
            }
          }
          trans={trans}
        />
      )}

      {(active || model.log.length > 0) && (
        <LogView
          lines={model.log}
          open={active}
          summary={trans.__('Build log (%1 lines)', model.log.length)}
        />
      )}
    </section>
  );
}

function Progress({ model, trans }: IBuildProps): JSX.Element {
  const percent = model.percent;
  const phase = model.phase;
  const width = percent === null ? 0 : Math.max(0, Math.min(100, percent));
  return (
    <div
      className="jp-containerize-progress"
      data-testid="jp-containerize-progress"
    >
      <div className="jp-containerize-progress-label">
        <span data-testid="jp-containerize-phase">
          {phase ? phaseLabel(phase, trans) : trans.__('Queued')}
        </span>
        {percent !== null && <span>{Math.round(width)}%</span>}
      </div>
      <div
        className={`jp-containerize-progress-bar${percent === null ? ' jp-mod-indeterminate' : ''}`}
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent === null ? undefined : Math.round(width)}
      >
        <div
          className="jp-containerize-progress-fill"
          style={{ width: `${width}%` }}
        />
      </div>
      {model.reconnecting && (
        <p className="jp-containerize-note">
          {trans.__('Connection lost, reconnecting…')}
        </p>
      )}
    </div>
  );
}

export function phaseLabel(phase: string, trans: TranslationBundle): string {
  switch (phase) {
    case 'analyse':
      return trans.__('Analysing the notebook');
    case 'lock':
      return trans.__('Pinning package versions');
    case 'context':
      return trans.__('Preparing the build context');
    case 'build':
      return trans.__('Building the image');
    case 'verify':
      return trans.__('Verifying the image');
    case 'push':
      return trans.__('Pushing the image');
    default:
      return phase;
  }
}

function failureTitle(state: string, trans: TranslationBundle): string {
  switch (state) {
    case 'cancelled':
      return trans.__('Build cancelled');
    case 'interrupted':
      return trans.__('Build interrupted (the server stopped)');
    default:
      return trans.__('Build failed');
  }
}
