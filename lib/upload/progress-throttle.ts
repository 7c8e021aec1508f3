/**
 * At most one event per `ms`; an event held back inside the window is not lost but sent when the
 * window ends, unless a newer one or a forced one came first (the trailing edge). Without it, a
 * slow link showed stale bytes for seconds: the kernel takes a chunk's slices in one burst, the
 * first passes and the rest fall inside the window, then nothing moves until the acknowledgement.
 */
export class ProgressThrottle<T> {
  #last = -Infinity;
  #held: T | undefined;
  #timer: NodeJS.Timeout | undefined;

  readonly #send: (event: T) => void;
  readonly #ms: number;

  constructor(send: (event: T) => void, ms = 100) {
    this.#send = send;
    this.#ms = ms;
  }

  /** Send now (forced, or the window has passed), or hold as the window's last event. */
  push(event: T, force = false): void {
    const wait = this.#ms - (Date.now() - this.#last);
    if (force || wait <= 0) {
      this.#cancel();
      this.#emit(event);
      return;
    }
    this.#held = event;
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      const held = this.#held;
      this.#held = undefined;
      if (held !== undefined) this.#emit(held);
    }, wait).unref();
  }

  /** Drop a held event: the operation has ended. */
  stop(): void {
    this.#cancel();
  }

  #emit(event: T): void {
    this.#last = Date.now();
    this.#send(event);
  }

  #cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#held = undefined;
  }
}
