import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/**
 * The URL namespace of the server extension: `{base_url}containerize/...`.
 */
export const API_NAMESPACE = 'containerize';

/**
 * Call the server extension. The only place of the frontend that talks HTTP.
 *
 * @param endPoint REST end point under `containerize/` (may carry a query string)
 * @param init Initial values for the request (method, body, signal...)
 * @param settings Server settings; the page's own by default
 * @returns The response body parsed as JSON (`undefined` for an empty body, e.g. 204)
 * @throws ServerConnection.ResponseError carrying the server's `message` on a non-2xx answer,
 *   ServerConnection.NetworkError when the server cannot be reached (or the request aborted)
 */
export async function requestAPI<T>(
  endPoint = '',
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  return requestServer<T>(API_NAMESPACE, endPoint, init, settings);
}

/**
 * Call another server extension's REST API (e.g. jupyter-scheduler's `scheduler/...`), with
 * the same errors as `requestAPI`.
 */
export async function requestServer<T>(
  namespace: string,
  endPoint = '',
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, namespace, endPoint);
  const response = await ServerConnection.makeRequest(url, init, settings);

  const text = await response.text();
  let data: any = undefined;
  if (text.length > 0) {
    try {
      data = JSON.parse(text);
    } catch (error) {
      data = text; // not JSON (e.g. an HTML error page)
    }
  }
  if (!response.ok) {
    const message =
      data && typeof data === 'object' && data.message
        ? String(data.message)
        : undefined;
    throw new ServerConnection.ResponseError(response, message);
  }
  return data as T;
}
