import { ServerConnection } from '@jupyterlab/services';

import type { EventPage, NotebookParameters, RunJob } from '../api';
import { ImagesModel } from '../images';
import { requestAPI } from '../request';
import { RunModel, cellProgress } from '../runs';
import { event, page } from './fixtures';

jest.mock('../request');
const request = requestAPI as jest.MockedFunction<typeof requestAPI>;

const form: NotebookParameters = {
  notebook: 'nb.ipynb',
  source: 'image',
  cell: 2,
  parameters: [
    { name: 'region', type: 'str', default: '"all"', value: 'all' } as any,
    { name: 'limit', type: 'int', default: '10', value: 10 } as any
  ]
};

function run(extra: Partial<RunJob> = {}): RunJob {
  return {
    id: 'r1',
    notebook: 'nb.ipynb',
    image: 'nb:1',
    request: { path: 'nb.ipynb', image: 'nb:1' },
    state: 'queued',
    created: '2026-01-01T00:00:00Z',
    ...extra
  };
}

function answer(status: number, message: string) {
  const response = new Response(JSON.stringify({ message }), { status });
  return new ServerConnection.ResponseError(response, message);
}

/** A fake server for runs: answers by endpoint; event pages in order. */
function serve(routes: {
  runs?: RunJob[];
  pages?: EventPage[];
  started?: RunJob | Error;
  final?: RunJob;
}) {
  const pages = [...(routes.pages ?? [])];
  request.mockImplementation(async (endPoint = '', init?: RequestInit) => {
    if (endPoint.startsWith('parameters')) {
      return form as any;
    }
    if (endPoint.startsWith('runs?')) {
      return { runs: routes.runs ?? [] } as any;
    }
    if (endPoint === 'runs' && init?.method === 'POST') {
      if (routes.started instanceof Error) {
        throw routes.started;
      }
      return routes.started as any;
    }
    if (endPoint.includes('/events')) {
      const next = pages.shift();
      if (!next) {
        throw new Error('no more pages');
      }
      return next as any;
    }
    if (endPoint.endsWith('/stop')) {
      return { ...routes.final, state: 'running' } as any;
    }
    return routes.final as any;
  });
}

async function until(test: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !test(); i++) {
    await new Promise(resolve => setTimeout(resolve, 0));
  }
  expect(test()).toBe(true);
}

describe('RunModel', () => {
  beforeEach(() => request.mockReset());

  it('reads the cell lines of the runner', () => {
    expect(cellProgress('[3/6] cell 4: sales = 1')).toEqual({
      step: 3,
      steps: 6
    });
    expect(cellProgress('wrote /out/nb.ipynb')).toBeNull();
  });

  it('runs the newest image with the typed form, follows it and says when it ended', async () => {
    const done = run({
      state: 'succeeded',
      result: {
        status: 'succeeded',
        exit_code: 0,
        folder: 'runs/nb/1',
        output: 'runs/nb/1/nb.ipynb'
      }
    });
    serve({
      started: run(),
      final: done,
      pages: [
        page(
          [
            event(0, 'state', { state: 'running' }),
            event(1, 'phase', { phase: 'run' }),
            event(2, 'progress', { phase: 'run', message: '[1/2] cell 2: x' })
          ],
          3
        ),
        page([event(3, 'state', { state: 'succeeded' })], 4, true)
      ]
    });
    const model = new RunModel(() => undefined);
    const finished = jest.fn();
    model.finished.connect((_, job) => finished(job.id));
    await model.setNotebook('nb.ipynb');
    expect(model.blocker).toBe('no-image');
    model.setDefaultImage('nb:1');
    await until(() => !model.loading);
    expect(model.fields.map(f => f.text)).toEqual(['all', '10']);
    model.setText('limit', 'ten');
    expect(model.blocker).toBe('problems');
    model.setText('limit', '3');
    model.setText('region', 'North');
    model.runsFolder = 'out';
    expect(model.blocker).toBeNull();

    await model.run();
    const post = request.mock.calls.find(c => c[1]?.method === 'POST')!;
    expect(JSON.parse(post[1]!.body as string)).toEqual({
      path: 'nb.ipynb',
      image: 'nb:1',
      parameters: { region: 'North', limit: 3 },
      runs_folder: 'out'
    });
    await until(() => finished.mock.calls.length === 1);
    expect(model.job?.state).toBe('succeeded');
    expect(model.progress.log).toContain('[1/2] cell 2: x');
    expect(finished.mock.calls).toEqual([['r1']]);
  });

  it('re-attaches to a run going on when it shows the notebook again', async () => {
    serve({
      runs: [run({ id: 'r2', state: 'running', phase: 'run' })],
      pages: [
        page([event(0, 'progress', { message: '[4/5] cell 5: sleep' })], 1)
      ]
    });
    const model = new RunModel(() => undefined);
    await model.setNotebook('nb.ipynb');
    await until(() => model.cell?.step === 4);
    expect(model.job?.id).toBe('r2');
    expect(model.running).toBe(true);
    expect(model.blocker).toBe('no-image'); // (no build listed in this test)
    model.dispose();
  });

  it('says where the image can run when no engine answers', async () => {
    serve({ started: answer(503, 'The Docker engine does not answer') });
    const model = new RunModel(() => undefined);
    await model.setNotebook('nb.ipynb');
    model.setDefaultImage('nb:1');
    await until(() => !model.loading);
    expect(await model.run()).toBeNull();
    expect(model.engineProblem).toBe('The Docker engine does not answer');
    expect(model.blocker).toBe('no-engine');
    expect(model.error).toBeNull();

    serve({ started: answer(400, "Unknown parameter 'x'") });
    const other = new RunModel(() => undefined);
    await other.setNotebook('nb.ipynb');
    other.setDefaultImage('nb:1');
    await until(() => !other.loading);
    await other.run();
    expect(other.error).toBe("Unknown parameter 'x'");
    expect(other.engineProblem).toBeNull();
  });
});

describe('ImagesModel', () => {
  beforeEach(() => request.mockReset());

  const entry = (build: string) => ({
    build,
    notebook: 'nb.ipynb',
    notebook_exists: true,
    tag: `nb:${build}`,
    image_id: `sha256:${build}`,
    size: 1,
    created: '2026-01-01T00:00:00Z',
    present: true,
    tagged: true
  });

  it('pages the images, removes one and prunes', async () => {
    request.mockImplementation(async (endPoint = '', init?: RequestInit) => {
      if (endPoint === 'images/cache') {
        return {
          host_bytes: 10,
          environment_images: 1,
          environment_bytes: 5
        } as any;
      }
      if (endPoint === 'images/prune') {
        return {
          freed_bytes: 7,
          engine_bytes: 7,
          host_bytes: 0,
          removed_images: ['x'],
          removed_files: 0
        } as any;
      }
      if (endPoint.startsWith('images?before=a2')) {
        return { images: [entry('a3')], next: null } as any;
      }
      if (endPoint.startsWith('images?')) {
        return { images: [entry('a1'), entry('a2')], next: 'a2' } as any;
      }
      if (init?.method === 'DELETE') {
        return undefined as any;
      }
      throw new Error(`unexpected ${endPoint}`);
    });
    const images = new ImagesModel(() => undefined);
    await images.refresh();
    expect(images.images.map(i => i.build)).toEqual(['a1', 'a2']);
    expect(images.more).toBe(true);
    expect(images.cache?.host_bytes).toBe(10);
    await images.loadMore();
    expect(images.images.map(i => i.build)).toEqual(['a1', 'a2', 'a3']);
    expect(images.more).toBe(false);
    expect(request).toHaveBeenCalledWith('images?before=a2&limit=50');

    await images.remove('a2');
    expect(request).toHaveBeenCalledWith('images/a2', { method: 'DELETE' });
    expect(images.images[1].present).toBe(false);

    const pruned = await images.prune();
    expect(pruned?.freed_bytes).toBe(7);
    expect(images.pruned?.freed_bytes).toBe(7);
    expect(images.images.map(i => i.build)).toEqual(['a1', 'a2']); // the list again
  });
});

describe('ShareModel', () => {
  beforeEach(() => request.mockReset());

  it('asks for the lines of a pushed build only, again when the values or the cron change', async () => {
    const { ShareModel } = await import('../share');
    request.mockImplementation(async (endPoint = '', init?: RequestInit) => {
      const body = JSON.parse(init!.body as string);
      if (body.cron === 'often') {
        throw answer(400, 'Invalid cron expression');
      }
      return {
        reference: 'r@sha256:1',
        pull: 'docker pull r@sha256:1',
        docker_run: `docker run ${JSON.stringify(body.parameters)}`,
        containerize_run: 'jupyter containerize run r@sha256:1',
        cronjob: body.cron ? `schedule: ${body.cron}` : null
      } as any;
    });
    const sharing = new ShareModel(() => undefined);
    await sharing.update('b1', false, {});
    expect(request).not.toHaveBeenCalled();
    expect(sharing.share).toBeNull();

    await sharing.update('b1', true, { region: 'North' });
    expect(request).toHaveBeenCalledWith('builds/b1/share', {
      method: 'POST',
      body: JSON.stringify({ parameters: { region: 'North' }, cron: null })
    });
    await sharing.update('b1', true, { region: 'North' });
    expect(request).toHaveBeenCalledTimes(1); // nothing changed
    sharing.setCron('often');
    await sharing.update('b1', true, { region: 'North' });
    expect(sharing.error).toBe('Invalid cron expression');
    sharing.setCron('@daily');
    await sharing.update('b1', true, { region: 'North' });
    expect(sharing.error).toBeNull();
    expect(sharing.share?.cronjob).toBe('schedule: @daily');
  });
});
