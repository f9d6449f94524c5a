import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { isActive } from '../api';
import { hasProblems } from '../draft';
import type { ContainerizeModel } from '../model';
import { humanDuration, jobSeconds } from './format';
import { LogView } from './log';
import { problemText } from './problems';
import { ErrorView, ResultView } from './result';
import { Stepper, failureTitle, phaseLabel } from './stepper';

export { phaseLabel } from './stepper';

export interface IBuildProps {
  model: ContainerizeModel;
  trans: TranslationBundle;
  /** "Schedule…" of a built image. */
  onSchedule?: () => void;
}

/** The Build button, then the live progress and log, then the result or the error. */
export function BuildSection({
  model,
  trans,
  onSchedule
}: IBuildProps): JSX.Element {
  const job = model.job;
  const active = model.building;
  const state = job?.state ?? (active ? 'queued' : null);
  const problems = model.request.problems;
  const blocked = hasProblems(problems);
  const secretsBlock = !!problems.secrets && !active;

  return (
    <section
      className="jp-containerize-section jp-containerize-build"
      data-state={state ?? 'idle'}
      aria-label={trans.__('Build')}
    >
      <div className="jp-containerize-actions">
        <button
          className="jp-mod-styled jp-mod-accept jp-containerize-build-button"
          data-testid="jp-containerize-build-button"
          disabled={!model.canBuild}
          title={
            problems.secrets
              ? problemText(problems.secrets, trans)
              : blocked
                ? trans.__('Fix the fields marked in red first')
                : trans.__('Build the image with the choices above')
          }
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
        {job && <Elapsed model={model} trans={trans} />}
      </div>

      {secretsBlock && (
        <p
          className="jp-containerize-note jp-mod-warn"
          data-testid="jp-containerize-build-blocked"
        >
          {problemText(problems.secrets!, trans)}
        </p>
      )}

      {model.buildError && (
        <p
          className="jp-containerize-error-message"
          role="alert"
          data-testid="jp-containerize-build-error"
        >
          {model.buildError}
        </p>
      )}

      {job && <Stepper steps={model.steps} trans={trans} />}
      {active && <Progress model={model} trans={trans} />}

      {job && job.state === 'succeeded' && job.result && (
        <ResultView
          result={job.result}
          jobId={job.id}
          trans={trans}
          onSchedule={onSchedule}
        />
      )}

      {job && !isActive(job) && job.state !== 'succeeded' && (
        <ErrorView
          state={job.state ?? 'failed'}
          error={
            job.error ?? {
              phase: job.phase,
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

/** Time since the build started, ticking while it runs. */
function Elapsed({ model, trans }: IBuildProps): JSX.Element | null {
  const job = model.job;
  const [now, setNow] = React.useState(() => Date.now());
  const running = !!job && isActive(job);
  React.useEffect(() => {
    if (!running) {
      return;
    }
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [running, job?.id]);
  const seconds = job ? jobSeconds(job, now) : null;
  if (seconds === null) {
    return null;
  }
  return (
    <span
      className="jp-containerize-elapsed"
      data-testid="jp-containerize-elapsed"
      aria-label={trans.__('Elapsed time')}
      role="timer"
    >
      {humanDuration(seconds)}
    </span>
  );
}

function Progress({ model, trans }: IBuildProps): JSX.Element {
  const percent = model.overallPercent;
  const phase = model.phase;
  const width = Math.max(0, Math.min(100, percent));
  const indeterminate = !phase;
  const detail = model.progress.detail;
  return (
    <div
      className="jp-containerize-progress"
      data-testid="jp-containerize-progress"
    >
      <div className="jp-containerize-progress-label">
        <span data-testid="jp-containerize-phase" data-phase={phase ?? ''}>
          {phase ? phaseLabel(phase, trans) : trans.__('Queued')}
        </span>
        <span data-testid="jp-containerize-percent">{Math.round(width)}%</span>
      </div>
      <div
        className={`jp-containerize-progress-bar${indeterminate ? ' jp-mod-indeterminate' : ''}`}
        role="progressbar"
        aria-label={trans.__('Build progress')}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={indeterminate ? undefined : Math.round(width)}
      >
        <div
          className="jp-containerize-progress-fill"
          style={{ width: `${width}%` }}
        />
      </div>
      {detail && (
        <p
          className="jp-containerize-progress-detail jp-containerize-mono jp-containerize-ellipsis"
          title={detail}
        >
          {detail}
        </p>
      )}
      {model.reconnecting && (
        <p className="jp-containerize-note" role="status">
          {trans.__('Connection lost, reconnecting…')}
        </p>
      )}
    </div>
  );
}
