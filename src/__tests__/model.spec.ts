import type { Analysis, BuildJob, EventPage } from '../api';
import { ServerConnection } from '@jupyterlab/services';

import { ContainerizeModel, stripAnsi } from '../model';
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

const info = {
  version: '0.1.0',
  base_image_template: 'python:{major}.{minor}-slim',
  tag_template: '{notebook}:{lock}',
  phases: ['analyse', 'lock', 'context', 'build', 'verify', 'push']
};

/** A fake server: answers by endpoint; event pages are served in order. */
function serve(routes: {
  builds?: BuildJob[];
  pages?: EventPage[];
  final?: BuildJob;
  started?: BuildJob;
  analysis?: Analysis;
}) {
  const pages = [...(routes.pages ?? [])];
  request.mockImplementation(async (endPoint = '', init?: RequestInit) => {
    if (endPoint === 'info') {
      return info as any;
    }
    if (endPoint.startsWith('analysis')) {
      return (routes.analysis ?? analysis) as any;
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
  test: () => boolean,
  ms = 0
): Promise<void> {
  for (let i = 0; i < 100 && !test(); i++) {
    await new Promise(resolve => setTimeout(resolve, ms ? 10 : 0));
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
      body: JSON.stringify({
        path: 'examples/x.ipynb',
        platform: 'linux/amd64',
        push: false,
        verify: false,
        edits: { add: [], remove: [] },
        tag: 'x:abc'
      })
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

  it('shows again the build it showed for a notebook after switching away and back', async () => {
    const built = job({ id: 'b8', state: 'succeeded' });
    serve({
      started: job({ id: 'b8' }),
      pages: [
        page(
          [
            event(0, 'log', { message: 'Step 1/8' }),
            event(1, 'state', { state: 'succeeded' })
          ],
          2,
          true
        )
      ],
      final: built
    });
    const model = new ContainerizeModel();
    const finished = jest.fn();
    model.finished.connect((_, j) => finished(j.id));
    await model.setNotebook('examples/x.ipynb');
    await model.build();
    await settle(model, () => model.job?.state === 'succeeded');

    serve({ builds: [] });
    await model.setNotebook('other.ipynb');
    expect(model.job).toBeNull();
    // back: the finished build is shown again, its log replayed, without a second toast
    serve({
      builds: [built],
      pages: [
        page(
          [
            event(0, 'log', { message: 'Step 1/8' }),
            event(1, 'state', { state: 'succeeded' })
          ],
          2,
          true
        )
      ]
    });
    await model.setNotebook('examples/x.ipynb');
    expect(model.job?.id).toBe('b8');
    await settle(model, () => model.log.includes('Step 1/8'));
    expect(finished.mock.calls).toEqual([['b8']]);
    // a notebook the panel showed no build for still opens without one
    serve({
      builds: [job({ id: 'b9', state: 'succeeded', notebook: 'other.ipynb' })]
    });
    await model.setNotebook('other.ipynb');
    expect(model.job).toBeNull();
    model.dispose();
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
});

describe('ContainerizeModel edits and image fields', () => {
  beforeEach(() => request.mockReset());

  function posted(): any {
    const call = request.mock.calls.find(
      c => c[0] === 'builds' && c[1]?.method === 'POST'
    );
    return JSON.parse(String(call?.[1]?.body));
  }

  it('sends the package edits and image choices with the next build', async () => {
    serve({ started: job(), pages: [] });
    const model = new ContainerizeModel();
    await model.setNotebook('examples/x.ipynb');
    expect(model.defaultBaseImage).toBe('python:3.11-slim');
    expect(model.fields.tag).toBe('x:{lock}');

    expect(model.addPackage('Tabulate', '0.9.0')).toBeNull();
    expect(model.addPackage('not a name')).toBe('name-invalid');
    model.setVersion('pandas', '2.1.4');
    model.setOption('platform', 'linux/arm64');
    model.setOption('verify', true);
    model.setOption('tag', 'x:v1');
    expect(model.canBuild).toBe(true);

    await model.build();
    expect(posted()).toEqual({
      path: 'examples/x.ipynb',
      platform: 'linux/arm64',
      push: false,
      verify: true,
      edits: { add: ['pandas==2.1.4', 'tabulate==0.9.0'], remove: [] },
      tag: 'x:v1',
      registry: ''
    });
    model.dispose();
  });

  it('removes a package and undoes it', async () => {
    serve({});
    const model = new ContainerizeModel();
    await model.setNotebook('examples/x.ipynb');
    model.removePackage('Pandas');
    expect(model.request.request.edits).toEqual({
      add: [],
      remove: ['pandas']
    });
    model.restorePackage('pandas');
    expect(model.request.request.edits).toEqual({ add: [], remove: [] });
    // re-adding a removed analysed package restores it with the new pin
    model.removePackage('pandas');
    model.addPackage('pandas', '2.0.0');
    expect(model.request.request.edits).toEqual({
      add: ['pandas==2.0.0'],
      remove: []
    });
  });

  it('blocks a build while a field is invalid', async () => {
    serve({});
    const model = new ContainerizeModel();
    await model.setNotebook('examples/x.ipynb');
    model.setOption('tag', 'Not Valid');
    expect(model.canBuild).toBe(false);
    expect(await model.build()).toBeNull();
    expect(request.mock.calls.some(c => c[1]?.method === 'POST')).toBe(false);
    model.setOption('tag', undefined); // back to the default
    expect(model.canBuild).toBe(true);
  });

  describe('possible secrets', () => {
    const leaky: Analysis = {
      ...analysis,
      local_modules: ['helpers.py'],
      data_files: [{ path: 'conf', size: 120 }],
      secrets: [
        { path: 'x.ipynb', cell: 3, line: 2, kind: 'AWS Access Key' },
        { path: 'x.ipynb', cell: 3, line: 2, kind: 'Secret Keyword' },
        { path: 'conf/settings.ini', line: 3, kind: 'Secret Keyword' }
      ]
    };

    it('refuses a build until "Include anyway", then sends allow_secrets', async () => {
      serve({ started: job(), pages: [], analysis: leaky });
      const model = new ContainerizeModel();
      await model.setNotebook('examples/x.ipynb');
      expect(model.secrets.map(row => [row.cell, row.line, row.kinds])).toEqual(
        [
          [3, 2, ['AWS Access Key', 'Secret Keyword']],
          [null, 3, ['Secret Keyword']]
        ]
      );
      expect(model.secrets[1].file).toBe('conf');
      expect(model.secretsPending).toBe(true);
      expect(model.request.problems.secrets).toBe('secrets-unconfirmed');
      expect(model.canBuild).toBe(false);
      expect(await model.build()).toBeNull();
      expect(request.mock.calls.some(c => c[1]?.method === 'POST')).toBe(false);

      model.setSecretsAllowed(true);
      expect(model.secretsAllowed).toBe(true);
      expect(model.canBuild).toBe(true);
      await model.build();
      expect(posted().allow_secrets).toBe(true);
      model.dispose();
    });

    it("leaving the file out clears its findings, not the notebook's", async () => {
      serve({ analysis: leaky });
      const model = new ContainerizeModel();
      await model.setNotebook('examples/x.ipynb');
      model.setFileIncluded('conf', false);
      expect(model.secrets[1].excluded).toBe(true);
      expect(model.canBuild).toBe(false); // cell 3 still ships its key

      serve({ analysis: { ...leaky, secrets: leaky.secrets!.slice(2) } });
      await model.setNotebook('other.ipynb');
      model.setFileIncluded('conf', false);
      expect(model.secretsPending).toBe(false);
      expect(model.canBuild).toBe(true);
      expect(model.request.request.allow_secrets).toBeUndefined();
      expect(model.request.request.exclude_files).toEqual(['conf']);
    });

    it('asks again when the analysis finds a new secret', async () => {
      serve({ analysis: { ...leaky, secrets: leaky.secrets!.slice(0, 1) } });
      const model = new ContainerizeModel();
      await model.setNotebook('examples/x.ipynb');
      model.setSecretsAllowed(true);
      expect(model.canBuild).toBe(true);
      serve({ analysis: leaky });
      await model.refreshAnalysis();
      expect(model.secretsAllowed).toBe(false);
      expect(model.canBuild).toBe(false);
      model.setSecretsAllowed(false);
      expect(model.draft.allowedSecrets).toBeUndefined();
    });
  });

  it('keeps each notebook its own edits, settings as defaults', async () => {
    serve({});
    const model = new ContainerizeModel();
    model.defaults = {
      registry: 'localhost:5000',
      tagTemplate: '{notebook}:v1',
      push: true
    };
    await model.setNotebook('examples/x.ipynb');
    model.addPackage('tabulate');
    expect(model.fields.registry).toBe('localhost:5000');
    expect(model.request.request).toMatchObject({
      tag: 'x:v1',
      registry: 'localhost:5000',
      push: true
    });
    await model.setNotebook('other.ipynb');
    expect(model.draft.added).toEqual([]);
    await model.setNotebook('examples/x.ipynb');
    expect(model.draft.added).toEqual([{ name: 'tabulate', version: '' }]);
    model.resetDraft();
    expect(model.draft.added).toEqual([]);
  });

  it('tells `finished` once when a followed build ends', async () => {
    serve({
      started: job(),
      pages: [page([event(0, 'state', { state: 'failed' })], 1, true)],
      final: job({ state: 'failed', error: { message: 'boom', log_tail: [] } })
    });
    const model = new ContainerizeModel();
    const finished = jest.fn();
    model.finished.connect((_, j) => finished(j.state));
    await model.setNotebook('examples/x.ipynb');
    await model.build();
    await settle(model, () => finished.mock.calls.length > 0);
    expect(finished.mock.calls).toEqual([['failed']]);
    expect(model.steps[0].status).toBe('failed');
  });

  it('shows "reconnecting" while the stream is down, and resumes where it stopped', async () => {
    let calls = 0;
    serve({ started: job(), final: job({ state: 'succeeded' }) });
    const base = request.getMockImplementation()!;
    request.mockImplementation(async (endPoint = '', init?: RequestInit) => {
      if (String(endPoint).includes('/events')) {
        calls += 1;
        if (calls === 1) {
          return page([event(0, 'phase', { phase: 'lock' })], 1) as any;
        }
        if (calls === 2) {
          throw new ServerConnection.NetworkError(new TypeError('offline'));
        }
        return page(
          [event(1, 'state', { state: 'succeeded' })],
          2,
          true
        ) as any;
      }
      return base(endPoint, init);
    });
    const model = new ContainerizeModel();
    const seen: boolean[] = [];
    model.changed.connect(() => seen.push(model.reconnecting));
    await model.setNotebook('examples/x.ipynb');
    await model.build();
    await settle(model, () => model.job?.state === 'succeeded', 400);
    expect(seen).toContain(true);
    expect(model.reconnecting).toBe(false);
    const since = request.mock.calls
      .map(c => String(c[0]))
      .filter(u => u.includes('/events'));
    expect(since).toEqual([
      'builds/b1/events?since=0&timeout=15',
      'builds/b1/events?since=1&timeout=15',
      'builds/b1/events?since=1&timeout=15'
    ]);
  });

  it('replays the log of a finished build opened from the history', async () => {
    const done = job({ id: 'b6', state: 'succeeded' });
    serve({
      builds: [done],
      pages: [page([event(0, 'log', { message: 'Step 1/8' })], 1, true)]
    });
    const model = new ContainerizeModel();
    const finished = jest.fn();
    model.finished.connect(finished);
    await model.setNotebook('examples/x.ipynb');
    model.show(done);
    await settle(model, () => model.log.includes('Step 1/8'));
    expect(request.mock.calls.map(c => c[0])).toContain(
      'builds/b6/events?since=0&timeout=0'
    );
    expect(model.job?.state).toBe('succeeded');
    expect(finished).not.toHaveBeenCalled();
  });

  it('cancels the running build', async () => {
    serve({ started: job({ state: 'running' }), pages: [page([], 0)] });
    const model = new ContainerizeModel();
    await model.setNotebook('examples/x.ipynb');
    await model.build();
    await model.cancel();
    expect(request).toHaveBeenCalledWith('builds/b1/cancel', {
      method: 'POST'
    });
    model.dispose();
  });
});

describe('ContainerizeModel: runs folder and stale check', () => {
  it('does not follow the notebooks runs write, and checks the image again after a build', async () => {
    serve({ builds: [], final: job({ id: 'b9', state: 'succeeded' }) });
    const model = new ContainerizeModel();
    await model.setNotebook('examples/x.ipynb');
    expect(model.isRunOutput('runs/x/2026-01-01_00-00-00/x.ipynb')).toBe(true);
    expect(model.isRunOutput('examples/x.ipynb')).toBe(false);
    model.runs.runsFolder = '/out/nightly/';
    expect(model.isRunOutput('out/nightly/x/1/x.ipynb')).toBe(true);
    expect(model.isRunOutput('runs/x/1/x.ipynb')).toBe(false);
    expect(request).toHaveBeenCalledWith('stale?path=examples%2Fx.ipynb');
  });
});
