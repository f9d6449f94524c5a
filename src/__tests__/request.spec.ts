import { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from '../request';

const settings = ServerConnection.makeSettings({
  baseUrl: 'http://localhost:8888/base/'
});

function answer(status: number, body: string) {
  return jest
    .spyOn(ServerConnection, 'makeRequest')
    .mockResolvedValue(new Response(body || null, { status }));
}

async function failure(
  promise: Promise<unknown>
): Promise<ServerConnection.ResponseError> {
  try {
    await promise;
  } catch (error) {
    return error as ServerConnection.ResponseError;
  }
  throw new Error('the request did not fail');
}

describe('requestAPI', () => {
  afterEach(() => jest.restoreAllMocks());

  it('calls {baseUrl}containerize/{endPoint} and parses JSON', async () => {
    const spy = answer(200, '{"version": "0.1.0"}');
    const init = { method: 'GET' };
    expect(await requestAPI('info', init, settings)).toEqual({
      version: '0.1.0'
    });
    expect(spy).toHaveBeenCalledWith(
      'http://localhost:8888/base/containerize/info',
      init,
      settings
    );
  });

  it('returns undefined for an empty body (204)', async () => {
    answer(204, '');
    expect(
      await requestAPI('builds/abc', { method: 'DELETE' }, settings)
    ).toBeUndefined();
  });

  it("throws a ResponseError carrying the server's message", async () => {
    answer(404, '{"message": "No notebook x.ipynb", "reason": "Not Found"}');
    const error = await failure(
      requestAPI('analysis?path=x.ipynb', {}, settings)
    );
    expect(error).toBeInstanceOf(ServerConnection.ResponseError);
    expect(error.message).toBe('No notebook x.ipynb');
    expect(error.response.status).toBe(404);
  });

  it('keeps a default message for a non-JSON error page', async () => {
    answer(502, '<html>Bad gateway</html>');
    const error = await failure(requestAPI('info', {}, settings));
    expect(error).toBeInstanceOf(ServerConnection.ResponseError);
    expect(error.message).toMatch(/502/);
  });
});
