import { ServerConnection } from '@jupyterlab/services';

import { followEvents, startBuild, listBuilds } from '../api';
import { requestAPI } from '../request';
import { event, page } from './fixtures';

jest.mock('../request');
const request = requestAPI as jest.MockedFunction<typeof requestAPI>;

function responseError(status: number, message: string) {
  return new ServerConnection.ResponseError(
    new Response('', { status }),
    message
  );
}

const fast = { minDelay: 1, maxDelay: 4 };

describe('followEvents', () => {
  beforeEach(() => request.mockReset());

  it('resumes from next and stops at done', async () => {
    request
      .mockResolvedValueOnce(
        page([event(0, 'phase', { phase: 'build' }), event(1, 'log')], 2)
      )
      .mockResolvedValueOnce(page([], 2)) // long poll timed out
      .mockResolvedValueOnce(
        page([event(2, 'state', { state: 'succeeded' })], 3, true)
      );
    const seen: number[] = [];
    const result = await followEvents(
      'b1',
      0,
      e => seen.push(e.seq),
      undefined,
      fast
    );

    expect(seen).toEqual([0, 1, 2]);
    expect(result).toEqual({ next: 3, done: true });
    expect(request.mock.calls.map(c => c[0])).toEqual([
      'builds/b1/events?since=0&timeout=15',
      'builds/b1/events?since=2&timeout=15',
      'builds/b1/events?since=2&timeout=15'
    ]);
  });

  it('retries after a network failure from where it stopped', async () => {
    const onRetry = jest.fn();
    request
      .mockResolvedValueOnce(page([event(5, 'log')], 6))
      .mockRejectedValueOnce(
        new ServerConnection.NetworkError(new TypeError('offline'))
      )
      .mockRejectedValueOnce(responseError(502, 'bad gateway'))
      .mockResolvedValueOnce(
        page([event(6, 'state', { state: 'failed' })], 7, true)
      );
    const seen: number[] = [];
    const result = await followEvents(
      'b1',
      5,
      e => seen.push(e.seq),
      undefined,
      {
        ...fast,
        onRetry
      }
    );

    expect(seen).toEqual([5, 6]);
    expect(result.done).toBe(true);
    expect(onRetry).toHaveBeenCalledTimes(2);
    expect(onRetry.mock.calls.map(c => c[2])).toEqual([1, 2]); // exponential backoff
    expect(request.mock.calls.map(c => c[0])).toEqual([
      'builds/b1/events?since=5&timeout=15',
      'builds/b1/events?since=6&timeout=15',
      'builds/b1/events?since=6&timeout=15',
      'builds/b1/events?since=6&timeout=15'
    ]);
  });

  it('does not deliver an event twice', async () => {
    request
      .mockResolvedValueOnce(page([event(0, 'log'), event(1, 'log')], 2))
      .mockResolvedValueOnce(page([event(1, 'log'), event(2, 'log')], 3, true));
    const seen: number[] = [];
    await followEvents('b1', 0, e => seen.push(e.seq), undefined, fast);
    expect(seen).toEqual([0, 1, 2]);
  });

  it('gives up on a client error', async () => {
    request.mockRejectedValueOnce(responseError(404, 'unknown build'));
    await expect(
      followEvents('b1', 0, () => undefined, undefined, fast)
    ).rejects.toThrow('unknown build');
    expect(request).toHaveBeenCalledTimes(1);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    request.mockImplementation(async () => {
      controller.abort();
      throw new ServerConnection.NetworkError(new TypeError('aborted'));
    });
    const result = await followEvents(
      'b1',
      3,
      () => undefined,
      controller.signal,
      fast
    );
    expect(result).toEqual({ next: 3, done: false });
    expect(request).toHaveBeenCalledTimes(1);
    expect(request.mock.calls[0][1]).toEqual({ signal: controller.signal });
  });
});

describe('client calls', () => {
  beforeEach(() => request.mockReset());

  it('posts the build request as JSON', async () => {
    request.mockResolvedValueOnce({ id: 'b1' });
    await startBuild({ path: 'examples/x.ipynb', push: false });
    expect(request).toHaveBeenCalledWith('builds', {
      method: 'POST',
      body: JSON.stringify({ path: 'examples/x.ipynb', push: false })
    });
  });

  it('lists the builds of a notebook', async () => {
    request.mockResolvedValueOnce({ builds: [{ id: 'b1' }] });
    expect(await listBuilds('a b/x.ipynb')).toEqual([{ id: 'b1' }]);
    expect(request).toHaveBeenCalledWith('builds?path=a+b%2Fx.ipynb');
  });
});
