import type { BuildEvent, BuildJob, EventPage } from '../api';

export function event(
  seq: number,
  kind: BuildEvent['kind'],
  extra: Partial<BuildEvent> = {}
): BuildEvent {
  return { seq, kind, time: '2026-01-01T00:00:00Z', message: '', ...extra };
}

export function page(
  events: BuildEvent[],
  next: number,
  done = false
): EventPage {
  return { events, next, done };
}

export function job(extra: Partial<BuildJob> = {}): BuildJob {
  return {
    id: 'b1',
    notebook: 'examples/x.ipynb',
    request: { path: 'examples/x.ipynb' },
    state: 'queued',
    created: '2026-01-01T00:00:00Z',
    ...extra
  };
}
