import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { isActive } from '../api';
import type { ContainerizeModel } from '../model';
import { humanDuration, jobSeconds } from './format';
import { LogView } from './log';
import { problemText } from './problems';
import { ErrorView, ResultView } from './result';
import { ShareSection } from './share';
import { Stepper, failureTitle, phaseLabel } from './stepper';

export { phaseLabel } from './stepper';

export interface IBuildProps {
  model: ContainerizeModel;
  trans: TranslationBundle;
  /** "Schedule…" of a built image. */
  onSchedule?: () => void;
}

/** The live progress and log of a build (its button is in the footer), then the result
 * (and how to share it) or the error. */
export function BuildSection({
  model,
  trans,
  onSchedule
}: IBuildProps): JSX.Element | null {
  const job = model.job;
  const active = model.building;
  const state = job?.state ?? (active ? 'queued' : null);
  const problems = model.request.problems;
  const secretsBlock = !!problems.secrets && !active;
  if (!job && !active && !secretsBlock && !model.buildError) {
    return null;
  }

  return (
    <section
      className="jp-containerize-section jp-containerize-build"
      data-state={state ?? 'idle'}
      aria-label={trans.__('Build')}
    >
      <h3 className="jp-containerize-heading">
        {trans.__('Build')}
        {job && <Elapsed model={model} trans={trans} />}
      </h3>

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
      {job && job.state === 'succeeded' && job.result && (
        <ShareSection model={model} job={job} trans={trans} />
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
