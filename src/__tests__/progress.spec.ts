import {
  applyEvent,
  emptyProgress,
  overallPercent,
  stepper,
  MAX_LOG_LINES
} from '../progress';
import { event, job } from './fixtures';

const PHASES = ['analyse', 'lock', 'context', 'build', 'verify', 'push'];

describe('progress reducer', () => {
  it('follows phases, steps and the final state', () => {
    const p = emptyProgress();
    applyEvent(
      p,
      event(0, 'state', { state: 'running', message: 'Build started' })
    );
    applyEvent(
      p,
      event(1, 'phase', { phase: 'analyse', message: 'Analysing' })
    );
    applyEvent(p, event(2, 'phase', { phase: 'lock' }));
    applyEvent(p, event(3, 'phase', { phase: 'build' }));
    applyEvent(
      p,
      event(4, 'progress', {
        phase: 'build',
        step: 3,
        steps: 8,
        percent: 25,
        message: 'Step 3/8 : RUN pip'
      })
    );
    expect(p.phase).toBe('build');
    expect(p.phases).toEqual(['analyse', 'lock', 'build']);
    expect(p.percent).toBe(25);
    expect(p.detail).toBe('Step 3/8 : RUN pip');
    expect(p.state).toBe('running');
    expect(applyEvent(p, event(5, 'keepalive'))).toBe(false);
    applyEvent(
      p,
      event(6, 'state', { state: 'succeeded', message: 'Built x:1' })
    );
    expect(p.state).toBe('succeeded');
    expect(p.percent).toBe(100);
    expect(p.log).toEqual([
      'Build started',
      '--- Analysing ---',
      '--- lock ---',
      '--- build ---',
      'Step 3/8 : RUN pip',
      'Built x:1'
    ]);
  });

  it('resets the step percent on a new phase and caps the log', () => {
    const p = emptyProgress();
    applyEvent(p, event(0, 'progress', { phase: 'build', step: 1, steps: 2 }));
    expect(p.percent).toBe(50);
    applyEvent(p, event(1, 'phase', { phase: 'push' }));
    expect(p.percent).toBeNull();
    for (let i = 0; i < MAX_LOG_LINES + 10; i++) {
      applyEvent(p, event(2 + i, 'log', { message: `line ${i}` }));
    }
    expect(p.log).toHaveLength(MAX_LOG_LINES);
    expect(p.log[p.log.length - 1]).toBe(`line ${MAX_LOG_LINES + 9}`);
  });
});

describe('stepper', () => {
  it('shows verify and push only when asked for', () => {
    const p = emptyProgress();
    expect(stepper(PHASES, job(), p).map(s => s.phase)).toEqual([
      'analyse',
      'lock',
      'context',
      'build'
    ]);
    const both = job({ request: { path: 'x', verify: true, push: true } });
    expect(stepper(PHASES, both, p).map(s => s.phase)).toEqual(PHASES);
  });

  it('marks done, current, pending and the failed phase', () => {
    const p = emptyProgress();
    applyEvent(p, event(0, 'phase', { phase: 'lock' }));
    const running = job({ state: 'running' });
    expect(stepper(PHASES, running, p).map(s => s.status)).toEqual([
      'done',
      'current',
      'pending',
      'pending'
    ]);
    applyEvent(p, event(1, 'progress', { phase: 'lock', percent: 50 }));
    expect(overallPercent(stepper(PHASES, running, p), p)).toBeCloseTo(37.5);

    applyEvent(p, event(2, 'state', { state: 'failed' }));
    expect(
      stepper(PHASES, job({ state: 'failed' }), p).map(s => s.status)
    ).toEqual(['done', 'failed', 'pending', 'pending']);
  });

  it('marks where a cancelled build stopped', () => {
    const p = emptyProgress();
    applyEvent(p, event(0, 'phase', { phase: 'build' }));
    applyEvent(p, event(1, 'state', { state: 'cancelled' }));
    expect(
      stepper(PHASES, job({ state: 'cancelled' }), p).map(s => s.status)
    ).toEqual(
      ['pending', 'pending', 'pending', 'stopped'].map((s, i) =>
        i < 3 ? 'done' : s
      )
    );
  });

  it('is all done when the build succeeded (a build of the history: no events yet)', () => {
    const steps = stepper(PHASES, job({ state: 'succeeded' }), emptyProgress());
    expect(steps.every(s => s.status === 'done')).toBe(true);
    expect(overallPercent(steps, emptyProgress())).toBe(100);
  });
});
