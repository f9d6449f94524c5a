import { ServerConnection } from '@jupyterlab/services';

/** What to tell the user about a failed request. */
export function errorMessage(error: unknown): string {
  if (error instanceof ServerConnection.ResponseError) {
    return error.message;
  }
  if (error instanceof ServerConnection.NetworkError) {
    return 'The server cannot be reached.';
  }
  return error instanceof Error ? error.message : String(error);
}
