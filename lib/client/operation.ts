import { EventEmitter } from 'node:events';
import { MaasAbortError } from '../errors/index.js';

/** The events every long operation emits. */
export interface OperationEvents<P> {
  progress: [progress: P];
}

/** What the work of an operation gets: the one signal to honour, and where progress goes. */
export interface OperationContext<P> {
  signal: AbortSignal;
  progress(p: P): void;
}

/**
 * The one shape of every long SDK call (waitReady, deploy, uploadToSites, events.follow), after
 * lib-storage's `Upload` (aws-sdk-js-v3's lib-storage package, `Upload.ts`): it starts at once (on
 * the next tick, so listeners attached right away see every event); `on('progress', …)` or
 * `for await (const p of op)` follow it; `done()` gives the result; `abort()` (or the caller's
 * `signal`) stops it, and then `done()` and the iteration reject with MaasAbortError, whatever
 * the operation. Leaving a `for await` loop early aborts the operation too: the loop owned it.
 */
export class Operation<R, P> extends EventEmitter<OperationEvents<P>> implements AsyncIterable<P> {
  readonly #controller = new AbortController();
  readonly #result: Promise<R>;
  #settled = false;
  /** Aborts when `abort()` is called or the caller's signal fires. */
  readonly signal: AbortSignal;

  constructor(what: string, run: (ctx: OperationContext<P>) => Promise<R>, signal?: AbortSignal | undefined) {
    super();
    this.signal = signal ? AbortSignal.any([signal, this.#controller.signal]) : this.#controller.signal;
    const ctx: OperationContext<P> = { signal: this.signal, progress: (p) => this.emit('progress', p) };
    this.#result = Promise.resolve()
      .then(() => {
        if (this.signal.aborted) throw this.signal.reason;
        return run(ctx);
      })
      .catch((err: unknown) => {
        throw this.signal.aborted ? asAbort(err, what) : err;
      })
      .finally(() => {
        this.#settled = true;
      });
    // A caller who only iterates, or only listens, must not get an unhandled rejection.
    this.#result.catch(() => undefined);
  }

  /** The result; rejects with the operation's error, or MaasAbortError once aborted. */
  done(): Promise<R> {
    return this.#result;
  }

  /** Stop the operation; `done()` then rejects with MaasAbortError. Idempotent. */
  abort(reason?: unknown): void {
    this.#controller.abort(reason);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<P, void, undefined> {
    const queue: P[] = [];
    let wake: (() => void) | undefined;
    const onProgress = (p: P): void => {
      queue.push(p);
      wake?.();
    };
    this.on('progress', onProgress);
    const ended = this.#result.then(
      () => ({ failed: false, error: undefined as unknown }),
      (error: unknown) => ({ failed: true, error }),
    );
    let end: { failed: boolean; error: unknown } | undefined;
    void ended.then((e) => {
      end = e;
      wake?.();
    });
    try {
      for (;;) {
        while (queue.length > 0) yield queue.shift() as P;
        if (end) {
          if (end.failed) throw end.error;
          return;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      this.off('progress', onProgress);
      if (!this.#settled) this.abort();
    }
  }
}

function asAbort(err: unknown, what: string): MaasAbortError {
  if (err instanceof MaasAbortError) return err;
  return new MaasAbortError(`Cancelled while ${what}.`, { code: 'ABORTED', cause: err });
}

/**
 * Start an operation from options that may carry the caller's `signal` and a deprecated
 * `onProgress` callback (kept working: it simply listens to `progress`).
 */
export function startOperation<R, P>(
  what: string,
  opts: { signal?: AbortSignal | undefined; onProgress?: ((p: P) => void) | undefined },
  run: (ctx: OperationContext<P>) => Promise<R>,
): Operation<R, P> {
  const op = new Operation<R, P>(what, run, opts.signal);
  if (opts.onProgress) op.on('progress', opts.onProgress);
  return op;
}
