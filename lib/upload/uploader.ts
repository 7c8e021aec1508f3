import { EventEmitter } from 'node:events';
import { statSync, type Stats } from 'node:fs';
import { DEFAULT_BACKOFF, type BackoffPolicy } from '../http/backoff.js';
import { MaasAbortError, UploadConflictError } from '../errors/index.js';
import { classifyChunkOutcome, FastestChunk } from './chunk-outcome.js';
import { putChunk } from './chunk-put.js';
import { LinkEstimate } from './chunk-size.js';
import { ChunkSource } from './chunk-source.js';
import { afterIoPoll } from './event-loop.js';
import { createResource, newSession } from './create-resource.js';
import { afterPutFailure, afterShortFile, retrying } from './failure-handling.js';
import { HashCache } from './hash.js';
import { locateUpload, NO_EVENTS, type Located } from './locate.js';
import { RateLimiter } from './rate-limit.js';
import { ProgressRate } from './rate.js';
import { ProgressThrottle } from './progress-throttle.js';
import { deriveServerOffset } from './server-offset.js';
import { learnRegionCount, refuseToJoin, settle, verify } from './server-watch.js';
import { defaultStateDir } from './state-dir.js';
import { UploadStateStore } from './state-store.js';
import type { DeferredUploadOptions, UploadAction, UploadEvents, UploadOptions, UploadPhase, UploadPlan, UploadProgress, UploadResult, UploadRetry } from './types.js';
import { countSent, saveState, stopIfAborted, type Session, type UploadContext, type UploadDeps } from './upload-context.js';

export type { HashLookup, UploadStateStorage } from './locate.js';
export type { UploadDeps } from './upload-context.js';

/**
 * One resumable upload of an image file to a MAAS boot resource (docs/maas-upload-protocol.md).
 * Starts as soon as it is constructed; listen for events (or iterate its progress), then await
 * `done()`; `abort()` stops it with its state saved. The steps, in order:
 * locate → create or adopt → send (each failure decided by lib/upload/retry-decision.ts) → verify → ready.
 */
export class BootResourceUpload extends EventEmitter<UploadEvents> implements AsyncIterable<UploadProgress> {
  #ctx: UploadContext | undefined;
  readonly #abort = new AbortController();
  /** The caller's signal and `abort()`, combined. */
  readonly #signal: AbortSignal;
  readonly #rate = new ProgressRate();
  readonly #started = Date.now();
  readonly #promise: Promise<UploadResult>;
  #chunks: ChunkSource | undefined;
  #unlock: (() => Promise<void>) | undefined;
  readonly #throttle = new ProgressThrottle<UploadProgress>((p) => this.emit('progress', p));
  /** Options from a saved upload (`resume(id)`): it resumes onto its own file only (lib/upload/locate.ts). */
  readonly #resumingSaved: boolean;

  /**
   * `opts`, or (to resume a saved upload by id) a lookup that yields them: the handle exists at
   * once either way, and a failed lookup rejects `done()` like any other failure.
   */
  constructor(deps: UploadDeps, opts: UploadOptions | DeferredUploadOptions) {
    super();
    this.#resumingSaved = 'resolve' in opts;
    this.#signal = opts.signal ? AbortSignal.any([opts.signal, this.#abort.signal]) : this.#abort.signal;
    // Start on the next microtask so that callers can attach listeners first.
    this.#promise = Promise.resolve()
      .then(async () => {
        this.#ctx = this.#context(deps, 'resolve' in opts ? await opts.resolve() : opts);
        return this.#run(this.#ctx);
      })
      .finally(async () => {
        this.#throttle.stop();
        await this.#chunks?.close();
        await this.#unlock?.();
      })
      .catch((err: unknown) => {
        throw this.#asAbort(err);
      });
    this.#promise.catch(() => undefined);
  }

  /** The complete resource, or the error that stopped the upload (a `MaasAbortError` after `abort()`). */
  done(): Promise<UploadResult> {
    return this.#promise;
  }

  /** Stop the upload as Ctrl-C does: a chunk whose body is all on its way gets its answer first (bounded); the state is saved. */
  abort(reason?: unknown): void {
    this.#abort.abort(reason ?? new Error('abort() was called'));
  }

  /** Progress snapshots until the upload ends (the latest one when the reader falls behind); throws what `done()` rejects with. */
  async *[Symbol.asyncIterator](): AsyncGenerator<UploadProgress, void> {
    let latest: UploadProgress | undefined;
    let wake: (() => void) | undefined;
    let finished = false;
    const onProgress = (p: UploadProgress): void => {
      latest = p;
      wake?.();
    };
    const onEnd = (): void => {
      finished = true;
      wake?.();
    };
    this.on('progress', onProgress);
    this.#promise.then(onEnd, onEnd);
    try {
      for (;;) {
        if (latest) {
          const p = latest;
          latest = undefined;
          yield p;
          continue;
        }
        if (finished) break;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
      await this.#promise;
    } finally {
      this.off('progress', onProgress);
    }
  }

  /** Everything up to (not including) the first write: used by `--dry-run`. */
  static async plan(deps: UploadDeps, opts: UploadOptions): Promise<UploadPlan> {
    const located = await locateUpload(withDefaults(deps, opts), opts, NO_EVENTS);
    const action: UploadAction = !located.found ? 'create' : located.found.file.complete ? 'already-present' : 'resume';
    const resumeFrom = located.found ? deriveServerOffset(located.found.file, located.era, located.regions.count) : 0;
    return {
      stateId: located.stateId,
      sha256: located.sha256,
      size: located.st.size,
      chunkSize: located.chunkSize,
      // A complete file's offset is its size (deriveServerOffset): nothing left to send.
      chunks: Math.ceil((located.st.size - resumeFrom) / located.chunkSize),
      action,
      resumeFrom,
      resourceId: located.found?.resource.id,
      era: located.era,
      replaces: located.replaces,
    };
  }

  async #run(ctx: UploadContext): Promise<UploadResult> {
    const located = await this.#locate(ctx);
    const s = located.found ? await this.#adopt(ctx, located) : await createResource(ctx, located);
    if (!s.file.complete) {
      await this.#settleInFlight(ctx, s);
      await retrying(ctx, s, () => refuseToJoin(ctx, s));
      s.resumedFrom = s.offset;
      s.sentUpTo = s.offset;
      this.emit('phase', 'upload', s.action === 'resume' ? `at byte ${s.offset} of ${s.size}` : undefined);
      while (!(await this.#verified(ctx, s))) await this.#send(ctx, s);
    }
    return this.#ready(ctx, s);
  }

  async #locate(ctx: UploadContext): Promise<Located> {
    const located = await locateUpload(ctx.deps, { ...ctx.opts, signal: ctx.signal }, {
      phase: (phase, detail) => this.emit('phase', phase, detail),
      // The last sample always goes out: a log must not end on "hashing … 99.5 %".
      hash: (p) => this.#progress('hash', p.bytesHashed, 0, p.total, p.bytesHashed === p.total),
      warning: (m) => this.emit('warning', m),
    }, this.#resumingSaved);
    this.#unlock = await ctx.deps.store.lock(located.stateId);
    return located;
  }

  /** Continue an upload found through our state or on the server. */
  async #adopt(ctx: UploadContext, located: Located): Promise<Session> {
    const { resource, file, via } = located.found!;
    const s = newSession(located, resource, file, file.complete ? 'already-present' : 'resume');
    if (via === 'same-image') this.emit('warning', `MAAS already holds this image as ${resource.name} (boot resource ${resource.id}); reporting that resource.`);
    // A complete file keeps no state: #ready removes any left from an earlier run.
    if (!file.complete) await saveState(ctx, s);
    return s;
  }

  /**
   * A previous run left a chunk without an answer (Ctrl-C past the grace period, SIGKILL, a
   * crash): MAAS may still apply its body, so watch the offset before sending anything.
   */
  async #settleInFlight(ctx: UploadContext, s: Session): Promise<void> {
    const inFlight = s.located.state?.inFlight;
    if (!inFlight || s.located.found?.via !== 'state') return;
    const attempt = { ...inFlight, handedOver: inFlight.length, elapsedMs: 0, status: undefined, error: undefined, timedOut: false };
    await retrying(ctx, s, () => settle(ctx, s, attempt));
    if (s.state) s.state.inFlight = undefined;
  }

  /** Send chunks from the server's offset to the end, handing each failure to the decision. */
  async #send(ctx: UploadContext, s: Session): Promise<void> {
    const fastest = new FastestChunk();
    while (s.offset < s.size) {
      // The event loop polls for I/O once between chunks, now that nothing else here waits on it
      // (the state save and the stat are synchronous): a connection the server closed after its
      // answer (a restart, a proxy's keep-alive limit) is seen closed, and the next chunk opens a
      // new one instead of going into the dead socket (test/upload/failure-modes.test.ts, 2a).
      await afterIoPoll();
      await stopIfAborted(ctx, s);
      await this.#assertUnchanged(ctx, s);
      const length = Math.min(ctx.link.chunkSize(s.located.chunkSize), s.size - s.offset);
      const final = s.offset + length === s.size;
      // One small write per chunk: the acknowledged offset and the chunk about to go (a crash
      // mid-chunk leaves the record a rerun settles first).
      s.state!.inFlight = { offset: s.offset, length, final };
      s.state!.offset = s.offset;
      await ctx.deps.store.save(s.state!, false);
      const attempt = await putChunk(ctx, s, s.offset, length, final, fastest.bytesPerMs);
      countSent(s, attempt.offset, attempt.handedOver);
      const outcome = classifyChunkOutcome({ ...attempt, couldHaveArrived: fastest.couldHaveArrived(length, attempt.elapsedMs) });
      if (outcome !== 'applied') {
        await afterPutFailure(ctx, s, attempt, outcome);
        continue;
      }
      ctx.link.record(length, attempt.elapsedMs);
      fastest.record(length, attempt.elapsedMs);
      s.offset += length;
      s.attempts = 0;
      s.state!.inFlight = undefined;
      if (!s.located.regions.known) await retrying(ctx, s, () => learnRegionCount(ctx, s));
      this.#progress('upload', s.offset, s.offset, s.size, true);
    }
  }

  /** True when MAAS holds the complete file; a short file sends again from what it holds. */
  async #verified(ctx: UploadContext, s: Session): Promise<boolean> {
    if (s.offset < s.size) return false;
    if ((await retrying(ctx, s, () => verify(ctx, s))) === 'complete') return true;
    await afterShortFile(ctx, s, s.offset);
    return false;
  }

  async #ready(ctx: UploadContext, s: Session): Promise<UploadResult> {
    await ctx.deps.store.remove(s.located.stateId);
    this.emit('phase', 'done', s.action === 'already-present' ? 'an identical image is already in MAAS' : undefined);
    return {
      resource: s.resource,
      file: s.file,
      sha256: s.located.sha256,
      size: s.size,
      action: s.action,
      resumedFrom: s.recreated ? 0 : s.resumedFrom,
      bytesSent: s.bytesSent,
      bytesResent: s.bytesResent,
      retries: s.retries,
      recreated: s.recreated,
      elapsedMs: Date.now() - this.#started,
      stateId: s.located.stateId,
    };
  }

  async #assertUnchanged(ctx: UploadContext, s: Session): Promise<void> {
    const { located } = s;
    let now: Stats;
    try {
      // Synchronous: a stat takes microseconds, a thread-pool hand-over per chunk costs more (see writeFileAtomic).
      now = statSync(located.path);
    } catch (cause) {
      throw new UploadConflictError(`${located.path} disappeared during the upload.`, { cause, hint: 'Restore the file and rerun to resume.' });
    }
    if (now.size !== located.st.size || now.mtimeMs !== located.st.mtimeMs || now.ino !== located.st.ino) {
      await ctx.deps.store.remove(located.stateId);
      throw new UploadConflictError(`${located.path} changed during the upload (size or modification time differs).`, {
        code: 'FILE_CHANGED',
        hint: 'Wait until whatever writes the file has finished, then rerun to upload the new content.',
      });
    }
  }

  #context(deps: UploadDeps, opts: UploadOptions): UploadContext {
    // One budget: `retries` when given, else the policy's own (docs/architecture.md#where-the-retry-decision-lives).
    // A dropped connection is worth retrying quickly; Retry-After still wins when a server asks.
    const policy: BackoffPolicy = opts.backoff ?? { ...DEFAULT_BACKOFF, baseMs: 250, retries: 8 };
    return {
      deps: withDefaults(deps, opts),
      opts,
      signal: this.#signal,
      backoff: { ...policy, retries: opts.retries ?? policy.retries },
      link: new LinkEstimate(opts.limitRate),
      limiter: opts.limitRate ? new RateLimiter(opts.limitRate) : undefined,
      chunkSource: (path, chunkSize) => (this.#chunks ??= new ChunkSource(path, chunkSize)),
      phase: (phase: UploadPhase, detail?: string) => this.emit('phase', phase, detail),
      warning: (message: string) => this.emit('warning', message),
      retry: (retry: UploadRetry) => this.emit('retry', retry),
      progress: (phase, sent, acked, total, force) => this.#progress(phase, sent, acked, total, force),
      stateSaved: false,
    };
  }

  /** Whatever was in progress, a cancelled upload is a MaasAbortError (exit 130). */
  #asAbort(err: unknown): unknown {
    if (!this.#signal.aborted || (err instanceof MaasAbortError && err.message.startsWith('Upload interrupted'))) return err;
    const saved = this.#ctx?.stateSaved === true;
    return new MaasAbortError(saved ? 'Upload interrupted; its state is saved.' : 'Interrupted before any data was sent; nothing to resume yet.', {
      code: 'ABORTED',
      cause: err,
      hint: saved ? 'Call upload() again with the same options to resume.' : 'Call upload() again with the same options to start again.',
    });
  }

  /** At most ten progress events a second (the last of a burst at the window's end), and no work at all when nobody listens. */
  #progress(phase: 'hash' | 'upload' | 'sync', sent: number, acked: number, total: number, force = false): void {
    if (this.listenerCount('progress') === 0) return;
    // Observed before the throttle below, so that an acknowledgement is sampled when it happens.
    const { rate, eta } = this.#rate.observe(phase, sent, acked, total);
    this.#throttle.push({ phase, bytesSent: sent, bytesAcked: acked, total, rate, eta }, force);
  }
}

function withDefaults(deps: UploadDeps, opts: UploadOptions): Required<UploadDeps> {
  const stateDir = opts.stateDir ?? defaultStateDir();
  return {
    api: deps.api,
    resources: deps.resources,
    store: deps.store ?? new UploadStateStore(stateDir),
    hashCache: deps.hashCache ?? new HashCache(stateDir),
  };
}
