/**
 * Jittered exponential backoff, "full jitter" (a uniform delay between 0 and the exponential
 * ceiling, as the AWS SDKs use: https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
 * and https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/): it spreads
 * clients that failed together furthest apart. A server's Retry-After wins when it asks for longer.
 */
export interface BackoffPolicy {
  /** Delay before the first retry, ms. */
  baseMs: number;
  /** Cap for one delay, ms. */
  maxMs: number;
  /**
   * Retries allowed before giving up: per request in MaasApiClient; in an upload, failed attempts
   * in a row (chunk PUTs and offset reads alike), reset whenever the server's offset advances.
   */
  retries: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 30_000, retries: 5 };

export function backoffDelay(
  policy: BackoffPolicy,
  attempt: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt));
  const jittered = Math.round(random() * ceiling);
  return retryAfterMs === undefined ? jittered : Math.max(jittered, Math.min(retryAfterMs, 5 * 60_000));
}

/** Parse a Retry-After header (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const date = Date.parse(v);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Resolve after `ms`, or reject with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
