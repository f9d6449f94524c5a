/** Pure formatting helpers of the views. */

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'];

/** Bytes as Docker shows them (decimal units): 812.4 MB. */
export function humanSize(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

/** Seconds as 4.2 s, 1 min 05 s, 1 h 02 min. */
export function humanDuration(seconds: number): string {
  if (seconds < 60) {
    return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  }
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h} h ${pad(m)} min` : `${m} min ${pad(s)} s`;
}

/** Short image id: sha256:0123456789ab... -> 0123456789ab. */
export function shortId(imageId: string): string {
  return imageId.replace(/^sha256:/, '').slice(0, 12);
}

/** The command that runs the built image, writing the notebook's outputs to ./out. */
export function runCommand(tag: string): string {
  return `docker run --rm -v "$PWD/out:/out" ${tag}`;
}

/** The command that fetches a pushed image on another machine. */
export function pullCommand(reference: string): string {
  return `docker pull ${reference}`;
}

/** How long a build took (or has been running), in seconds; null before it started. */
export function jobSeconds(
  job: { created: string; started?: string | null; finished?: string | null },
  now = Date.now()
): number | null {
  const start = Date.parse(job.started ?? job.created);
  const end = job.finished ? Date.parse(job.finished) : now;
  return isNaN(start) || isNaN(end) ? null : Math.max(0, (end - start) / 1000);
}

/** The local time of an ISO timestamp, short. */
export function shortTime(iso: string | null | undefined): string {
  if (!iso) {
    return '';
  }
  const date = new Date(iso);
  return isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** How long ago an ISO timestamp was: "just now", "5 min ago", "3 h ago", "2 days ago". */
export function humanAge(
  iso: string,
  now: number,
  trans: { __: (text: string, ...args: any[]) => string }
): string {
  const then = Date.parse(iso);
  if (isNaN(then)) {
    return iso;
  }
  const seconds = Math.max(0, (now - then) / 1000);
  if (seconds < 60) {
    return trans.__('just now');
  }
  if (seconds < 3600) {
    return trans.__('%1 min ago', Math.floor(seconds / 60));
  }
  if (seconds < 86400) {
    return trans.__('%1 h ago', Math.floor(seconds / 3600));
  }
  return trans.__('%1 days ago', Math.floor(seconds / 86400));
}
