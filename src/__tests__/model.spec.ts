import type { Analysis, BuildJob, EventPage } from '../api';
import { ContainerizeModel, requestDefaults, stripAnsi } from '../model';
import { requestAPI } from '../request';
import { event, job, page } from './fixtures';

jest.mock('../request');
const request = requestAPI as jest.MockedFunction<typeof requestAPI>;

const analysis: Analysis = {
  notebook: 'examples/x.ipynb',
  python: { version: '3.11.7', executable: '/usr/bin/python3' },
  requirements: [
    {
      name: 'pandas',
      version: '2.2.2',
      source: 'kernel',
      reasons: ['import pandas']
    }
  ]
};

/** A fake server: answers by endpoint; event pages are served in order. */
function serve(routes: {
  builds?: BuildJob[];
  pages?: EventPage[];
  final?: BuildJob;
  started?: BuildJob;
}) {
  const pages = [...(routes.pages ?? [])];
  request.mockImplementation(async (endPoint = '', init?: RequestInit) => {
    if (endPoint.startsWith('analysis')) {
      return analysis as any;
    }
    if (
      endPoint.startsWith('builds?') ||
      (endPoint === 'builds' && !init?.method)
    ) {
      return { builds: routes.builds ?? [] } as any;
    }
    if (endPoint === 'builds' && init?.method === 'POST') {
      return routes.started as any;
    }
    if (endPoint.includes('/events')) {
      const next = pages.shift();
      if (!next) {
        throw new Error('no more pages');
      }
      return next as any;
    }
    if (endPoint.endsWith('/cancel')) {
      return { ...routes.started, state: 'running' } as any;
    }
    return routes.final as any;
  });
}

async function settle(
  model: ContainerizeModel,
  test: () => boolean
): Promise<void> {
  for (let i = 0; i < 100 && !test(); i++) {
    await new Promise(resolve => setTimeout(resolve, 0));
  }
  expect(test()).toBe(true);
}

describe('ContainerizeModel', () => {
  beforeEach(() => request.mockReset());

  it('analyses the notebook it is set to', async () => {
    serve({});
    const model = new ContainerizeModel();
    const changes = jest.fn();
    model.changed.connect(changes);
    await model.setNotebook('examples/x.ipynb');
    expect(model.path).toBe('examples/x.ipynb');
    expect(model.analysis?.requirements?.[0].name).toBe('pandas');
    expect(model.analysisLoading).toBe(false);
    expect(model.job).toBeNull();
    expect(changes).toHaveBeenCalled();
    expect(request).toHaveBeenCalledWith('analysis?path=examples%2Fx.ipynb');
  });

  it('reports an analysis error', async () => {
    request.mockRejectedValue(new Error('No such notebook'));
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const model = new ContainerizeModel();
    await model.setNotebook('missing.ipynb');
    expect(model.analysis).toBeNull();
    expect(model.analysisError).toBe('No such notebook');
  });

  it('follows a build it starts through its events to the result', async () => {
    const result = {
      tag: 'x:abc',
      image_id: 'sha256:1234',
      size: 1e8,
      duration_s: 12
    };
    serve({
      started: job(),
      pages: [
        page(
          [
            event(0, 'phase', { phase: 'analyse' }),
            event(1, 'phase', { phase: 'build' }),
            event(2, 'progress', {
              phase: 'build',
              step: 2,
              steps: 8,
              percent: 25
            }),
            event(3, 'log', {
              message: '\u001b[91mStep 2/8 : RUN pip install\u001b[0m\n'
            })
          ],
          4
        ),
        page([event(4, 'state', { state: 'succeeded' })], 5, true)
      ],
      final: job({ state: 'succeeded', result, tag: 'x:abc' })
    });
    const model = new ContainerizeModel();
    await model.setNotebook('examples/x.ipynb');

    const started = model.build({ tag: 'x:abc' });
    expect(model.building).toBe(true);
    await started;
    expect(request).toHaveBeenCalledWith('builds', {
      method: 'POST',
      body: JSON.stringify({ tag: 'x:abc', path: 'examples/x.ipynb' })
    });

    await settle(model, () => !!model.job?.result);
    expect(model.job?.state).toBe('succeeded');
    expect(model.job?.result?.tag).toBe('x:abc');
    expect(model.building).toBe(false);
    expect(model.percent).toBe(100);
    expect(model.phase).toBe('build');
    expect(model.log).toContain('Step 2/8 : RUN pip install');
  });

  it('tracks phase and percent while running', async () => {
    serve({
      started: job(),
      pages: [
        page([event(0, 'phase', { phase: 'lock' })], 1),
        page([event(1, 'progress', { step: 3, steps: 4 })], 2)
      ]
    });
    const model = new ContainerizeModel();
    await model.setNotebook('examples/x.ipynb');
    await model.build();
    await settle(model, () => model.percent === 75);
    expect(model.phase).toBe('lock');
    expect(model.job?.state).toBe('running');
    expect(model.building).toBe(true);
    model.dispose();
  });

  it('shows a failed build with its error', async () => {
    const error = {
      phase: 'build',
      message: 'pip failed',
      log_tail: ['ERROR: x']
    };
    serve({
      started: job(),
      pages: [
        page(
          [
            event(0, 'log', { message: 'ERROR: x' }),
            event(1, 'state', { state: 'failed' })
          ],
          2,
          true
        )
      ],
      final: job({ state: 'failed', error })
    });
    const model = new ContainerizeModel();
    await model.setNotebook('examples/x.ipynb');
    await model.build();
    await settle(model, () => !!model.job?.error);
    expect(model.job?.state).toBe('failed');
    expect(model.job?.error?.message).toBe('pip failed');
    expect(model.building).toBe(false);
  });

  it('re-attaches to a running build of the notebook (page reload)', async () => {
    const running = job({ id: 'b7', state: 'running', phase: 'build' });
    serve({
      builds: [running, job({ id: 'b6', state: 'succeeded' })],
      pages: [
        page(
          [
            event(0, 'phase', { phase: 'build' }),
            event(1, 'log', { message: 'Step 1/8' })
          ],
          2
        )
      ]
    });
    const model = new ContainerizeModel();
    await model.setNotebook('examples/x.ipynb');
    expect(model.job?.id).toBe('b7');
    expect(model.history).toHaveLength(2);
    await settle(model, () => model.log.includes('Step 1/8'));
    const eventCalls = request.mock.calls.filter(c =>
      String(c[0]).includes('/events')
    );
    expect(eventCalls[0][0]).toBe('builds/b7/events?since=0&timeout=15');
    model.dispose();
  });

  it('does not attach to finished builds', async () => {
    serve({ builds: [job({ id: 'b6', state: 'succeeded' })] });
    const model = new ContainerizeModel();
    await model.setNotebook('examples/x.ipynb');
    expect(model.job).toBeNull();
    expect(model.history).toHaveLength(1);
  });

  it('stops following when the notebook changes', async () => {
    serve({
      builds: [job({ id: 'b7', state: 'running' })],
      pages: [page([], 0)]
    });
    const model = new ContainerizeModel();
    await model.setNotebook('examples/x.ipynb');
    serve({ builds: [] });
    await model.setNotebook('other.ipynb');
    expect(model.job).toBeNull();
    expect(model.log).toEqual([]);
    model.dispose();
  });
});

describe('helpers', () => {
  it('strips ANSI colour codes', () => {
    expect(stripAnsi('\u001b[91mERROR\u001b[0m: x')).toBe('ERROR: x');
  });

  it('turns settings into request fields', () => {
    expect(
      requestDefaults('dir/Sales Report.ipynb', {
        baseImage: 'py:3.11',
        tagTemplate: '{notebook}:v1',
        registry: 'localhost:5000/team/',
        push: true
      })
    ).toEqual({
      base_image: 'py:3.11',
      tag: 'localhost:5000/team/sales-report:v1',
      push: true
    });
    expect(
      requestDefaults('x.ipynb', { tagTemplate: '{notebook}:{lock}' })
    ).toEqual({});
  });
});
