/** Transfer rate over a sliding window, for progress bars and ETA. */
export class RateMeter {
  readonly #samples: Array<{ t: number; bytes: number }> = [];
  readonly #windowMs: number;
  readonly #now: () => number;

  constructor(windowMs = 5_000, now: () => number = Date.now) {
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Record the running total of bytes moved. */
  record(totalBytes: number): void {
    const t = this.#now();
    // The total goes back when the upload restarts from 0 or resumes at the server's lower offset
    // (docs/architecture.md#data-flow-of-an-upload): start a new window rather than report a
    // negative rate.
    const last = this.#samples[this.#samples.length - 1];
    if (last && totalBytes < last.bytes) this.#samples.length = 0;
    this.#samples.push({ t, bytes: totalBytes });
    while (this.#samples.length > 2 && t - this.#samples[0]!.t > this.#windowMs) this.#samples.shift();
  }

  /** Bytes per second over the window (0 until two samples exist). */
  rate(): number {
    const first = this.#samples[0];
    const last = this.#samples[this.#samples.length - 1];
    if (!first || !last || last.t <= first.t) return 0;
    return ((last.bytes - first.bytes) * 1000) / (last.t - first.t);
  }

  /**
   * Seconds to move `remaining` bytes at the current rate, or undefined when unknown. `remaining`
   * counts from the last recorded total: the time since then is taken off (not below 0), so
   * between acknowledgements the ETA counts down instead of standing still.
   */
  eta(remaining: number): number | undefined {
    const r = this.rate();
    const last = this.#samples[this.#samples.length - 1];
    if (!(r > 0) || !last) return undefined;
    return Math.max(0, remaining / r - (this.#now() - last.t) / 1000);
  }
}

/**
 * The rate and ETA of a progress event. While uploading they count what crossed the link: bytes
 * MAAS acknowledged, sampled when that count moves, so the rate is the chunks' own over the
 * window and holds between acknowledgements. Not bytes handed to the socket: the kernel takes
 * megabytes at once and then nothing while they drain, and on a slow link a rate over those swung
 * from a tenth to ten times the link's, the ETA with it. Hashing counts bytes hashed.
 */
export class ProgressRate {
  readonly #meter: RateMeter;
  #last: number | undefined;

  constructor(meter: RateMeter = new RateMeter()) {
    this.#meter = meter;
  }

  observe(phase: 'hash' | 'upload' | 'sync', sent: number, acked: number, total: number): { rate: number; eta: number | undefined } {
    const done = phase === 'upload' ? acked : sent;
    if (done !== this.#last) {
      this.#meter.record(done);
      this.#last = done;
    }
    return { rate: this.#meter.rate(), eta: this.#meter.eta(total - done) };
  }
}
