/**
 * A build's progress as its events tell it: a pure reducer over `BuildEvent`s, and the
 * stepper (which phases are done, running, failed or still to come).
 */
import type { BuildEvent, BuildJob, BuildState } from './api';

/** Most log lines kept in memory (older ones are dropped from the view). */
export const MAX_LOG_LINES = 5000;

export interface IProgress {
  /** The phase running now (or last). */
  phase: string | null;
  /** The phases entered so far, in order. */
  phases: string[];
  /** Progress inside the phase (the engine's build steps), 0-100. */
  percent: number | null;
  /** The latest progress message (e.g. `Step 3/8 : RUN pip install`). */
  detail: string;
  /** The job's state as its events say. */
  state: BuildState | null;
  log: string[];
}

export function emptyProgress(): IProgress {
  return {
    phase: null,
    phases: [],
    percent: null,
    detail: '',
    state: null,
    log: []
  };
}

// eslint-disable-next-line no-control-regex -- ANSI escape sequences start with the ESC control character
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

function appendLog(progress: IProgress, message: string): void {
  for (const line of stripAnsi(message)
    .replace(/\r?\n$/, '')
    .split(/\r?\n/)) {
    progress.log.push(line);
  }
  if (progress.log.length > MAX_LOG_LINES) {
    progress.log.splice(0, progress.log.length - MAX_LOG_LINES);
  }
}

function enter(progress: IProgress, phase: string): void {
  if (progress.phase !== phase) {
    progress.percent = null;
    progress.detail = '';
  }
  progress.phase = phase;
  if (!progress.phases.includes(phase)) {
    progress.phases.push(phase);
  }
}

/**
 * Apply one event (in `seq` order) to the progress, in place. Returns false for events that
 * change nothing (keepalives).
 */
export function applyEvent(progress: IProgress, event: BuildEvent): boolean {
  switch (event.kind) {
    case 'phase':
      if (event.phase) {
        enter(progress, event.phase);
      }
      progress.state = 'running';
      appendLog(progress, `--- ${event.message || event.phase || ''} ---`);
      return true;
    case 'progress':
      if (event.phase) {
        enter(progress, event.phase);
      }
      if (typeof event.percent === 'number') {
        progress.percent = event.percent;
      } else if (event.step && event.steps) {
        progress.percent = (100 * event.step) / event.steps;
      }
      if (event.message) {
        progress.detail = stripAnsi(event.message).trim();
        appendLog(progress, event.message);
      }
      return true;
    case 'log':
      appendLog(progress, event.message ?? '');
      return true;
    case 'state':
      if (event.state) {
        progress.state = event.state;
      }
      if (event.state === 'succeeded') {
        progress.percent = 100;
      }
      if (event.message) {
        appendLog(progress, event.message);
      }
      return true;
    default:
      return false; // keepalive
  }
}

export type StepStatus = 'pending' | 'current' | 'done' | 'failed' | 'stopped';

export interface IStep {
  phase: string;
  status: StepStatus;
}

/**
 * The phases a job goes through (verify and push only when asked for) with their status.
 */
export function stepper(
  phases: readonly string[],
  job: Pick<BuildJob, 'state' | 'request' | 'phase'> | null,
  progress: IProgress
): IStep[] {
  const request = job?.request;
  const names = phases.filter(
    phase =>
      (phase !== 'verify' || !!request?.verify) &&
      (phase !== 'push' || !!request?.push || progress.phases.includes(phase))
  );
  const state = progress.state ?? job?.state ?? null;
  if (state === 'succeeded') {
    return names.map(phase => ({ phase, status: 'done' }));
  }
  const current = progress.phase ?? job?.phase ?? null;
  const index = current ? names.indexOf(current) : -1;
  const ended: StepStatus | null =
    state === 'failed' || state === 'interrupted'
      ? 'failed'
      : state === 'cancelled'
        ? 'stopped'
        : null;
  return names.map((phase, i) => ({
    phase,
    status:
      i < index
        ? 'done'
        : i === index
          ? (ended ?? 'current')
          : ended && index < 0 && i === 0
            ? ended
            : 'pending'
  }));
}

/** The whole build's progress, 0-100: phases done plus the share of the current one. */
export function overallPercent(steps: IStep[], progress: IProgress): number {
  if (steps.length === 0) {
    return 0;
  }
  if (steps.every(step => step.status === 'done')) {
    return 100;
  }
  const done = steps.filter(step => step.status === 'done').length;
  const current = steps.some(step => step.status === 'current')
    ? (progress.percent ?? 0) / 100
    : 0;
  return Math.min(100, (100 * (done + current)) / steps.length);
}
