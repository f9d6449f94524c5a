import type { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import type { IStep, StepStatus } from '../progress';

/** The phases of a build, each done, running, failed or still to come. */
export function Stepper({
  steps,
  trans
}: {
  steps: IStep[];
  trans: TranslationBundle;
}): JSX.Element {
  return (
    <ol
      className="jp-containerize-stepper"
      data-testid="jp-containerize-stepper"
      aria-label={trans.__('Build phases')}
    >
      {steps.map(step => (
        <li
          key={step.phase}
          className={`jp-containerize-step jp-mod-${step.status}`}
          data-phase={step.phase}
          data-status={step.status}
          aria-current={step.status === 'current' ? 'step' : undefined}
          title={phaseLabel(step.phase, trans)}
        >
          <span className="jp-containerize-step-dot" aria-hidden="true">
            {statusMark(step.status)}
          </span>
          <span className="jp-containerize-step-name">
            {shortPhase(step.phase, trans)}
          </span>
          <span className="jp-containerize-sr-only">
            {statusText(step.status, trans)}
          </span>
        </li>
      ))}
    </ol>
  );
}

function statusMark(status: StepStatus): string {
  switch (status) {
    case 'done':
      return '✓';
    case 'failed':
      return '✕';
    case 'current':
      return '●';
    case 'stopped':
      return '■';
    default:
      return '○';
  }
}

function statusText(status: StepStatus, trans: TranslationBundle): string {
  switch (status) {
    case 'done':
      return trans.__('(done)');
    case 'failed':
      return trans.__('(stopped here)');
    case 'current':
      return trans.__('(running)');
    case 'stopped':
      return trans.__('(cancelled here)');
    default:
      return trans.__('(to do)');
  }
}

function shortPhase(phase: string, trans: TranslationBundle): string {
  switch (phase) {
    case 'analyse':
      return trans.__('Analyse');
    case 'lock':
      return trans.__('Lock');
    case 'context':
      return trans.__('Context');
    case 'build':
      return trans.__('Build');
    case 'verify':
      return trans.__('Verify');
    case 'push':
      return trans.__('Push');
    default:
      return phase;
  }
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

export function failureTitle(state: string, trans: TranslationBundle): string {
  switch (state) {
    case 'cancelled':
      return trans.__('Build cancelled');
    case 'interrupted':
      return trans.__('Build interrupted (the server stopped)');
    default:
      return trans.__('Build failed');
  }
}
