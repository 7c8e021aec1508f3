import { sleep } from '../http/backoff.js';

/**
 * A token bucket for `--limit-rate`: `take(n)` resolves when `n` more bytes may go out. Like
 * curl's --limit-rate it holds the *average*: up to one second of idle time (the wait for MAAS's
 * answer between chunks) is made up afterwards, never more, so a pause never turns into a burst
 * of more than a second's worth.
 */
export class RateLimiter {
  /** When the next byte may go; starts with the first byte, so waiting to start earns no credit. */
  #nextDue: number | undefined;
  constructor(readonly bytesPerSecond: number) {
    if (!(bytesPerSecond > 0)) throw new RangeError('rate limit must be > 0 bytes/s');
  }

  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    const now = performance.now();
    let due = Math.max(this.#nextDue ?? now, now - 1000);
    due += (bytes / this.bytesPerSecond) * 1000;
    this.#nextDue = due;
    const wait = due - now;
    if (wait > 1) await sleep(wait, signal);
  }

  /** Bytes per read step: small enough for a smooth rate at low limits. */
  sliceBytes(max: number): number {
    return Math.max(4096, Math.min(max, Math.floor(this.bytesPerSecond / 20)));
  }
}
