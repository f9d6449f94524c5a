/**
 * Typed client of the REST API (docs/rest-api.md). Every call goes through `requestAPI`.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import type {
  Analysis,
  BuildEvent,
  BuildJob,
  BuildList,
  BuildRequest,
  CacheUsage,
  EventPage,
  ImageList,
  NotebookParameters,
  PruneResult,
  RunJob,
  RunList,
  RunRequest,
  ServerInfo,
  Share,
  ShareRequest,
  Staleness
} from './_models';
import { requestAPI } from './request';

export type {
  Analysis,
  BuildEvent,
  BuildJob,
  BuildList,
  BuildRequest,
  BuildResult,
  BuildError,
  BuildState,
  CacheUsage,
  EventPage,
  ImageEntry,
  ImageList,
  NotebookParameter,
  NotebookParameters,
  PackageEdits,
  PruneResult,
  Requirement,
  RunJob,
  RunList,
  RunRequest,
  RunResult,
  SecretFinding,
  ServerInfo,
  Share,
  ShareRequest,
  StaleChange,
  Staleness
} from './_models';

/** The two kinds of jobs: their REST collections. */
export type JobKind = 'builds' | 'runs';

/**
 * What the client sends to start a build: the notebook path plus any overrides.
 */
export type StartBuildRequest = Partial<BuildRequest> & { path: string };

/**
 * Whether a build can still change (its events may still come).
 */
export function isActive(job: Pick<BuildJob, 'state'>): boolean {
  return job.state === 'queued' || job.state === 'running' || !job.state;
}

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') {
      search.set(key, String(value));
    }
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

const job = (id: string, kind: JobKind = 'builds') =>
  `${kind}/${encodeURIComponent(id)}`;

/** Where the browser downloads a build's OCI archive (the archive output). */
export function archiveUrl(
  id: string,
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): string {
  return URLExt.join(settings.baseUrl, 'containerize', job(id), 'archive');
}

export function getInfo(): Promise<ServerInfo> {
  return requestAPI<ServerInfo>('info');
}

export function analyze(path: string, kernel?: string): Promise<Analysis> {
  return requestAPI<Analysis>(`analysis${query({ path, kernel })}`);
}

export function startBuild(request: StartBuildRequest): Promise<BuildJob> {
  return requestAPI<BuildJob>('builds', {
    method: 'POST',
    body: JSON.stringify(request)
  });
}

export async function listBuilds(path?: string): Promise<BuildJob[]> {
  const list = await requestAPI<BuildList>(`builds${query({ path })}`);
  return list.builds;
}

export function getBuild(id: string): Promise<BuildJob> {
  return requestAPI<BuildJob>(job(id));
}

/**
 * One long poll: the events with `seq >= since`, waiting up to `timeout` s for the first.
 */
export function events(
  id: string,
  since: number,
  timeout?: number,
  signal?: AbortSignal,
  kind: JobKind = 'builds'
): Promise<EventPage> {
  return requestAPI<EventPage>(
    `${job(id, kind)}/events${query({ since, timeout })}`,
    {
      signal
    }
  );
}

export function cancelBuild(id: string): Promise<BuildJob> {
  return requestAPI<BuildJob>(`${job(id)}/cancel`, { method: 'POST' });
}

export async function deleteBuild(id: string): Promise<void> {
  await requestAPI<void>(job(id), { method: 'DELETE' });
}

export function pushBuild(id: string): Promise<BuildJob> {
  return requestAPI<BuildJob>(`${job(id)}/push`, { method: 'POST' });
}

export function shareBuild(id: string, request: ShareRequest): Promise<Share> {
  return requestAPI<Share>(`${job(id)}/share`, {
    method: 'POST',
    body: JSON.stringify(request)
  });
}

/** The parameters a run of `image` takes (read from the image when the engine has it). */
export function getParameters(
  path: string,
  image?: string
): Promise<NotebookParameters> {
  return requestAPI<NotebookParameters>(`parameters${query({ path, image })}`);
}

export function startRun(request: RunRequest): Promise<RunJob> {
  return requestAPI<RunJob>('runs', {
    method: 'POST',
    body: JSON.stringify(request)
  });
}

export async function listRuns(path?: string): Promise<RunJob[]> {
  const list = await requestAPI<RunList>(`runs${query({ path })}`);
  return list?.runs ?? [];
}

export function getRun(id: string): Promise<RunJob> {
  return requestAPI<RunJob>(job(id, 'runs'));
}

export function stopRun(id: string): Promise<RunJob> {
  return requestAPI<RunJob>(`${job(id, 'runs')}/stop`, { method: 'POST' });
}

/** One page of the images this server built, newest first. */
export function listImages(
  before?: string,
  limit?: number
): Promise<ImageList> {
  return requestAPI<ImageList>(`images${query({ before, limit })}`);
}

export async function removeImage(buildId: string): Promise<void> {
  await requestAPI<void>(`images/${encodeURIComponent(buildId)}`, {
    method: 'DELETE'
  });
}

export function getCache(): Promise<CacheUsage> {
  return requestAPI<CacheUsage>('images/cache');
}

export function pruneCache(): Promise<PruneResult> {
  return requestAPI<PruneResult>('images/prune', { method: 'POST' });
}

export function getStaleness(path: string): Promise<Staleness> {
  return requestAPI<Staleness>(`stale${query({ path })}`);
}

export interface IFollowOptions {
  /** Long-poll wait asked from the server, in seconds. */
  timeout?: number;
  /** First retry delay after a failure, in ms (doubles up to `maxDelay`). */
  minDelay?: number;
  /** Longest retry delay, in ms. */
  maxDelay?: number;
  /** Told about each failure before the retry (e.g. to show "reconnecting"). */
  onRetry?: (error: unknown, attempt: number, delay: number) => void;
  /** Whose events: a build's (default) or a run's. */
  kind?: JobKind;
}

export interface IFollowResult {
  /** The `since` to resume from. */
  next: number;
  /** True when the job finished and every event was delivered; false when aborted. */
  done: boolean;
}

/**
 * Whether a failed request is worth retrying: the server was unreachable (reload, restart,
 * network hiccup) or answered 5xx / 429. A 4xx (unknown build...) is final.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof ServerConnection.ResponseError) {
    const status = error.response.status;
    return status >= 500 || status === 429 || status === 408;
  }
  return true;
}

/**
 * Follow a build's events from `since` until the job is done, calling `onEvent` for each in
 * order. Resumes from each page's `next`, and after a failure retries with exponential
 * backoff from where it stopped, so no event is lost or repeated. Stops (resolving with
 * `done: false`) when `signal` aborts; rejects on a non-retryable error (e.g. 404).
 */
export async function followEvents(
  id: string,
  since: number,
  onEvent: (event: BuildEvent) => void,
  signal?: AbortSignal,
  options: IFollowOptions = {}
): Promise<IFollowResult> {
  const {
    timeout = 15,
    minDelay = 500,
    maxDelay = 15000,
    onRetry,
    kind = 'builds'
  } = options;
  let next = since;
  let attempt = 0;
  while (!signal?.aborted) {
    let page: EventPage;
    try {
      page = await events(id, next, timeout, signal, kind);
    } catch (error) {
      if (signal?.aborted) {
        break;
      }
      if (!isRetryable(error)) {
        throw error;
      }
      const delay = Math.min(maxDelay, minDelay * 2 ** attempt);
      attempt += 1;
      onRetry?.(error, attempt, delay);
      await sleep(delay, signal);
      continue;
    }
    attempt = 0;
    for (const event of page.events) {
      if (signal?.aborted) {
        return { next, done: false };
      }
      if (event.seq >= next) {
        onEvent(event);
        next = event.seq + 1;
      }
    }
    next = Math.max(next, page.next);
    if (page.done) {
      return { next, done: true };
    }
  }
  return { next, done: false };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise(resolve => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done);
  });
}
