import { EventEmitter } from 'node:events';
import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { backoffDelay, DEFAULT_BACKOFF, sleep, type BackoffPolicy } from '../http/backoff.js';
import type { MaasApiClient } from '../http/api-client.js';
import {
  isTransient,
  MaasAbortError,
  MaasAuthError,
  MaasError,
  MaasNotFoundError,
  retryAfterOf,
  UploadConflictError,
  UploadIntegrityError,
  UploadRetryError,
} from '../errors/index.js';
import type { BootResources } from '../resources/boot-resources.js';
import type { BootResource, BootResourceFile } from '../resources/types.js';
import { classifyChunkOutcome, type ChunkOutcome } from './chunk-outcome.js';
import { chunkSizeFor, LinkEstimate } from './chunk-size.js';
import { ChunkSource } from './chunk-source.js';
import { HashCache } from './hash.js';
import { locateUpload, NO_EVENTS, type HashLookup, type Located, type UploadStateStorage } from './locate.js';
import { RateLimiter } from './rate-limit.js';
import { RateMeter } from './rate.js';
import { deriveServerOffset, findFileBySha256, matchServerOffset } from './server-offset.js';
import { defaultStateDir } from './state-dir.js';
import { UploadStateStore, type UploadState } from './state-store.js';
import type { UploadAction, UploadEvents, UploadOptions, UploadPlan, UploadResult } from './types.js';

export type { HashLookup, UploadStateStorage } from './locate.js';

/** What an upload talks to; the state store and the hash cache default to files under `stateDir`. */
export interface UploadDeps {
  api: MaasApiClient;
  resources: BootResources;
  store?: UploadStateStorage | undefined;
  hashCache?: HashLookup | undefined;
}

/** Server texts that mean the server's copy can no longer be trusted (BootResourceFileUploadHandler.update). */
const TOO_MUCH_DATA = 'Too much data received.';
const SHA_MISMATCH = 'Saved content does not match given SHA256 value.';
const NO_SPACE = 'No space left on device';
const COMPLETE_FILE = 'Cannot upload to a complete file.';

/** One chunk PUT as the client saw it. */
interface Attempt {
  offset: number;
  length: number;
  final: boolean;
  handedOver: number;
  elapsedMs: number;
  status: number | undefined;
  error: MaasError | undefined;
  timedOut: boolean;
}

/** Everything one run of the upload knows; the steps below read and advance it. */
interface Session {
  located: Located;
  size: number;
  resource: BootResource;
  file: BootResourceFile;
  action: UploadAction;
  state: UploadState | undefined;
  /** Bytes the server holds, as far as we know. */
  offset: number;
  resumedFrom: number;
  bytesSent: number;
  bytesResent: number;
  retries: number;
  /** Failed attempts since the offset last advanced. */
  attempts: number;
  recreated: boolean;
  repeatedFirstChunk: boolean;
}

/**
 * One resumable upload of an image file to a MAAS boot resource (docs/maas-upload-protocol.md). Starts as soon
 * as it is constructed; listen for events, then await `done()`. The steps, in order:
 * locate → create → send (→ settle after a chunk without an answer) → verify → ready.
 */
export class BootResourceUpload extends EventEmitter<UploadEvents> {
  readonly #deps: Required<UploadDeps>;
  readonly #opts: UploadOptions;
  readonly #backoff: BackoffPolicy;
  readonly #rate = new RateMeter();
  readonly #started = Date.now();
  readonly #promise: Promise<UploadResult>;
  readonly #link: LinkEstimate;
  readonly #limiter: RateLimiter | undefined;
  #chunks: ChunkSource | undefined;
  #unlock: (() => Promise<void>) | undefined;
  #lastProgressEmit = 0;
  #stateSaved = false;
  /** Fastest whole chunk so far (request to answer), bytes per ms. */
  #fastestBytesPerMs: number | undefined;

  constructor(deps: UploadDeps, opts: UploadOptions) {
    super();
    this.#deps = withDefaults(deps, opts);
    this.#opts = opts;
    // A dropped connection is worth retrying quickly; Retry-After still wins when a server asks.
    this.#backoff = { ...(opts.backoff ?? { ...DEFAULT_BACKOFF, baseMs: 250 }), retries: opts.retries ?? 8 };
    this.#link = new LinkEstimate(opts.limitRate);
    this.#limiter = opts.limitRate ? new RateLimiter(opts.limitRate) : undefined;
    // Start on the next microtask so that callers can attach listeners first.
    this.#promise = Promise.resolve()
      .then(() => this.#run())
      .finally(async () => {
        await this.#chunks?.close();
        await this.#unlock?.();
      })
      .catch((err: unknown) => {
        // Whatever was in progress, a cancelled upload is a MaasAbortError (exit 130).
        if (!this.#opts.signal?.aborted || (err instanceof MaasAbortError && err.message.startsWith('Upload interrupted'))) throw err;
        throw new MaasAbortError(
          this.#stateSaved ? 'Upload interrupted; its state is saved.' : 'Interrupted before any data was sent; nothing to resume yet.',
          { code: 'ABORTED', cause: err, hint: this.#stateSaved ? 'Rerun the same command to resume.' : 'Rerun the same command to start again.' },
        );
      });
    this.#promise.catch(() => undefined);
  }

  done(): Promise<UploadResult> {
    return this.#promise;
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
      chunks: Math.ceil((located.st.size - (action === 'already-present' ? located.st.size : resumeFrom)) / located.chunkSize),
      action,
      resumeFrom,
      resourceId: located.found?.resource.id,
      era: located.era,
    };
  }

  async #run(): Promise<UploadResult> {
    const located = await this.#locate();
    const s = located.found ? await this.#adopt(located) : await this.#create(located);
    if (!s.file.complete) {
      await this.#settleInFlight(s);
      await this.#refuseToJoin(s);
      s.resumedFrom = s.offset;
      this.emit('phase', 'upload', s.action === 'resume' ? `at byte ${s.offset} of ${s.size}` : undefined);
      while (!(await this.#retrying(s, () => this.#verify(s)))) await this.#send(s);
    }
    return this.#ready(s);
  }

  // ── locate ──────────────────────────────────────────────────────────────────────────────

  async #locate(): Promise<Located> {
    const located = await locateUpload(this.#deps, this.#opts, {
      phase: (phase, detail) => this.emit('phase', phase, detail),
      hash: (p) => this.#progress('hash', p.bytesHashed, 0, p.total),
      warning: (m) => this.emit('warning', m),
    });
    this.#unlock = await this.#deps.store.lock(located.stateId);
    return located;
  }

  /** Continue an upload found through our state or on the server. */
  async #adopt(located: Located): Promise<Session> {
    const { resource, file, via } = located.found!;
    const s = this.#session(located, resource, file, file.complete ? 'already-present' : 'resume');
    if (via === 'same-image') this.emit('warning', `MAAS already holds this image as ${resource.name} (boot resource ${resource.id}); reporting that resource.`);
    if (!file.complete) await this.#saveState(s);
    else if (located.state) await this.#deps.store.remove(located.stateId);
    return s;
  }

  // ── create ──────────────────────────────────────────────────────────────────────────────

  async #create(located: Located, recreate?: Session): Promise<Session> {
    this.emit('phase', 'create');
    const o = this.#opts;
    const resource = await this.#deps.resources.create(
      { name: o.name, architecture: o.architecture, sha256: located.sha256, size: located.st.size, title: o.title, filetype: located.filetype, base_image: o.base_image, keep_old: o.keep_old },
      o.signal,
    );
    const found = findFileBySha256(resource, located.sha256);
    if (!found) {
      throw new UploadIntegrityError(`MAAS created resource ${resource.id} but it has no file with sha256 ${located.sha256}.`, {
        hint: 'This MAAS behaves unexpectedly; check its logs, then retry.',
      });
    }
    const s = recreate ?? this.#session(located, resource, found.file, 'create');
    Object.assign(s, { resource, file: found.file, offset: deriveServerOffset(found.file, located.era, located.regions.count) });
    if (s.file.complete) s.action = 'already-present';
    else await this.#saveState(s);
    return s;
  }

  #session(located: Located, resource: BootResource, file: BootResourceFile, action: UploadAction): Session {
    return {
      located,
      size: located.st.size,
      resource,
      file,
      action,
      state: undefined,
      offset: deriveServerOffset(file, located.era, located.regions.count),
      resumedFrom: 0,
      bytesSent: 0,
      bytesResent: 0,
      retries: 0,
      attempts: 0,
      recreated: false,
      repeatedFirstChunk: false,
    };
  }

  /**
   * A previous run left a chunk without an answer (Ctrl-C past the grace period, SIGKILL, a
   * crash): MAAS may still apply its body, so watch the offset before sending anything.
   */
  async #settleInFlight(s: Session): Promise<void> {
    const inFlight = s.located.state?.inFlight;
    if (!inFlight || s.located.found?.via !== 'state') return;
    await this.#settle(s, { ...inFlight, handedOver: inFlight.length, elapsedMs: 0, status: undefined, error: undefined, timedOut: false });
    if (s.state) s.state.inFlight = undefined;
  }

  /**
   * An unfinished upload found on the server without our own state may belong to a client that
   * is still sending: two clients appending the same chunks corrupt it. Watch its offset first.
   */
  async #refuseToJoin(s: Session): Promise<void> {
    if (s.located.found?.via !== 'server') return;
    const window = this.#opts.joinCheckMs ?? 3_000;
    if (window <= 0) return;
    const before = s.offset;
    this.emit('phase', 'settle', `checking that no other client is uploading boot resource ${s.resource.id}`);
    await this.#sleep(window);
    await this.#readOffset(s, undefined);
    if (s.offset !== before) {
      await this.#deps.store.remove(s.located.stateId);
      throw new UploadConflictError(
        `Another client is uploading this image to boot resource ${s.resource.id} right now (MAAS's copy grew from ${before} to ${s.offset} bytes in ${window / 1000} s).`,
        { code: 'UPLOAD_BUSY', hint: 'Let that upload finish (then rerun: it reports the image as present), or stop it first; two clients would corrupt the image.' },
      );
    }
  }

  // ── send ────────────────────────────────────────────────────────────────────────────────

  /** Send chunks from the server's offset to the end, handling each chunk's outcome. */
  async #send(s: Session): Promise<void> {
    while (s.offset < s.size) {
      this.#throwIfAborted(s);
      await this.#assertUnchanged(s);
      const length = Math.min(chunkSizeFor(s.located.chunkSize, this.#link.bytesPerSecond), s.size - s.offset);
      const final = s.offset + length === s.size;
      s.state!.inFlight = { offset: s.offset, length, final };
      await this.#deps.store.save(s.state!, false);
      const attempt = await this.#putChunk(s, s.offset, length, final);
      s.bytesSent += attempt.handedOver;
      const fastest = this.#fastestBytesPerMs;
      const outcome = classifyChunkOutcome({ ...attempt, couldHaveArrived: fastest === undefined ? undefined : fastest * attempt.elapsedMs * 1.25 >= length });
      if (outcome === 'applied') {
        this.#link.record(length, attempt.elapsedMs);
        this.#fastestBytesPerMs = Math.max(fastest ?? 0, length / Math.max(1, attempt.elapsedMs));
        s.offset += length;
        s.attempts = 0;
        s.state!.inFlight = undefined;
        s.state!.offset = s.offset;
        s.state!.updatedAt = new Date().toISOString();
        await this.#deps.store.save(s.state!, false);
        this.#progress('upload', s.offset, s.offset, s.size, true);
        continue;
      }
      await this.#afterFailure(s, attempt, outcome);
    }
  }

  /**
   * One chunk PUT, never retried here. Its own timeout (idle while sending, then the wait for the
   * answer) and Ctrl-C abandon it by resetting the connection, so that no body arrives late. A
   * Ctrl-C after the whole body was handed over first waits (bounded) for MAAS's answer.
   */
  async #putChunk(s: Session, offset: number, length: number, final: boolean): Promise<Attempt> {
    const attempt: Attempt = { offset, length, final, handedOver: 0, elapsedMs: 0, status: undefined, error: undefined, timedOut: false };
    const uploadUri = s.file.upload_uri;
    if (!uploadUri) throw new UploadIntegrityError('The server file has no upload_uri although it is incomplete.');
    this.#chunks ??= new ChunkSource(s.located.path, s.located.chunkSize);
    const ac = new AbortController();
    const abandon = (): void => {
      if (ac.signal.aborted) return;
      this.#deps.api.transport.resetConnections();
      ac.abort(new Error('abandoned'));
    };
    const answerTimeout = final ? (this.#opts.finalChunkTimeoutMs ?? 30 * 60_000) : (this.#opts.chunkTimeoutMs ?? 120_000);
    const idleTimeout = this.#opts.chunkTimeoutMs ?? 120_000;
    const timeOut = (): void => ((attempt.timedOut = true), abandon());
    let timerMs = idleTimeout;
    let timer = setTimeout(timeOut, timerMs);
    // Called for every slice handed to the socket: restart the same timer (refresh) rather than
    // allocating a new one each time; a new timer only when the span changes (idle → answer).
    const rearm = (ms: number): void => {
      if (ms === timerMs) {
        timer.refresh();
        return;
      }
      clearTimeout(timer);
      timerMs = ms;
      timer = setTimeout(timeOut, ms);
    };
    let grace: NodeJS.Timeout | undefined;
    const onInterrupt = (): void => {
      if (attempt.handedOver < length) return abandon();
      this.emit('phase', 'confirm', 'waiting for MAAS to confirm the last chunk');
      grace = setTimeout(abandon, this.#opts.interruptGraceMs ?? 30_000);
    };
    const signal = this.#opts.signal;
    const force = this.#opts.forceSignal;
    signal?.addEventListener('abort', onInterrupt, { once: true });
    force?.addEventListener('abort', abandon, { once: true });
    const started = Date.now();
    try {
      await this.#deps.resources.uploadChunk({
        uploadUri,
        body: Readable.from(
          this.#chunks.chunk(
            offset,
            length,
            (sent) => {
              attempt.handedOver = sent;
              rearm(sent >= length ? answerTimeout : idleTimeout);
              // MAAS now reads the whole file back to check its sha256: say what we wait for.
              if (final && sent >= length) this.emit('phase', 'verify', `MAAS is checking the image's sha256 (up to ${Math.round(answerTimeout / 60_000)} min)`);
              this.#progress('upload', offset + sent, offset, s.size);
            },
            this.#limiter,
          ),
          { objectMode: false },
        ),
        length,
        signal: ac.signal,
        // Ours fires first; undici's own would close without a reset.
        headersTimeoutMs: answerTimeout + 60_000,
      });
      attempt.status = 200;
    } catch (err) {
      const e = err instanceof MaasError ? err : new MaasError(err instanceof Error ? err.message : String(err), { cause: err });
      attempt.error = e;
      attempt.status = ac.signal.aborted ? undefined : e.status;
    } finally {
      clearTimeout(timer);
      clearTimeout(grace);
      signal?.removeEventListener('abort', onInterrupt);
      force?.removeEventListener('abort', abandon);
      attempt.elapsedMs = Date.now() - started;
    }
    return attempt;
  }

  /** A chunk that was not (or not certainly) applied: decide what to send next. */
  async #afterFailure(s: Session, attempt: Attempt, outcome: Exclude<ChunkOutcome, 'applied'>): Promise<void> {
    const e = attempt.error!;
    const text = (e.body ?? '').trim();
    if (outcome === 'not-applied') s.state!.inFlight = undefined;
    if (this.#opts.signal?.aborted) {
      await this.#deps.store.save({ ...s.state!, offset: s.offset, updatedAt: new Date().toISOString() });
      this.#throwIfAborted(s);
    }
    if (outcome === 'not-applied' && e.status === 400 && text === COMPLETE_FILE) {
      // This region holds every byte (an earlier answer was lost): verify decides.
      s.offset = s.size;
      return;
    }
    if (outcome === 'not-applied' && e.status === 400 && (text === TOO_MUCH_DATA || text === SHA_MISMATCH || text === NO_SPACE)) {
      s.bytesResent += attempt.handedOver;
      return this.#recover(s, text, e);
    }
    if (e instanceof MaasNotFoundError) return this.#replaced(s, e);
    if (e instanceof MaasAuthError && e.code === 'EXPIRED_TIMESTAMP') {
      // The body crossed too slowly for MAAS's 300 s window (the client now signs with the
      // server's clock): measure the link from this attempt so the next chunk fits, then resend.
      this.#link.record(attempt.handedOver, attempt.elapsedMs);
      this.emit('warning', `MAAS refused a chunk as signed too long ago; sending ${chunkSizeFor(s.located.chunkSize, this.#link.bytesPerSecond)}-byte chunks from now on.`);
      s.bytesResent += attempt.handedOver;
      await this.#failed(s, e, 0);
      await this.#retrying(s, () => this.#readOffset(s, attempt));
      return;
    }
    if (!isTransient(e) && outcome === 'not-applied' && attempt.status !== undefined) {
      await this.#deps.store.save({ ...s.state!, offset: s.offset, updatedAt: new Date().toISOString() });
      throw e;
    }
    await this.#failed(s, e);
    const before = s.offset;
    await this.#retrying(s, () => (outcome === 'not-applied' ? this.#readOffset(s, attempt) : this.#settle(s, attempt)));
    if (s.offset <= before) s.bytesResent += attempt.handedOver;
    else s.attempts = 0;
  }

  /** Count a failed attempt, give up when the budget is spent, else back off. */
  async #failed(s: Session, e: MaasError, fixedDelayMs?: number): Promise<void> {
    s.attempts += 1;
    s.retries += 1;
    if (s.attempts > this.#backoff.retries) {
      await this.#deps.store.save({ ...s.state!, offset: s.offset, updatedAt: new Date().toISOString() });
      throw new UploadRetryError(`Upload paused at ${s.offset} of ${s.size} bytes after ${s.attempts} failed attempts in a row: ${e.message}`, {
        code: 'RETRIES_EXHAUSTED',
        cause: e,
        status: e.status,
        url: e.url,
        method: e.method,
        hint: 'Rerun the same command to resume from the server\'s offset.',
      });
    }
    // A lost connection's first retry needs no pause: the offset read that follows is the check.
    // MAAS's own answers (503 …) and repeated failures back off, Retry-After first.
    const lostConnection = e.status === undefined && s.attempts === 1;
    const delayMs = fixedDelayMs ?? (lostConnection ? 0 : backoffDelay(this.#backoff, s.attempts - 1, retryAfterOf(e)));
    this.emit('retry', { attempt: s.attempts, delayMs, offset: s.offset, error: e });
    await this.#sleep(delayMs);
    this.#throwIfAborted(s);
  }

  /** Run a read-only step, counting transient failures (MAAS restarting, …) against the budget. */
  async #retrying<T>(s: Session, step: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await step();
      } catch (err) {
        if (!(err instanceof MaasError) || !isTransient(err) || this.#opts.signal?.aborted) throw err;
        await this.#failed(s, err);
      }
    }
  }

  // ── settle ──────────────────────────────────────────────────────────────────────────────

  /**
   * After a chunk without an answer, the server may still be applying it (the final one hashes
   * the whole file first), so watch its offset for a bounded while before concluding it was
   * not applied: resending an applied chunk corrupts the upload.
   */
  async #settle(s: Session, attempt: Attempt): Promise<void> {
    const before = s.offset;
    await this.#readOffset(s, attempt);
    if (s.offset !== before) return;
    const base = attempt.final ? (this.#opts.finalSettleMs ?? 5 * 60_000) : (this.#opts.settleMs ?? 3_000);
    // A server slow enough to time out may still be working: wait as long as the attempt ran (≤ 1 min).
    const window = Math.max(base, attempt.timedOut ? Math.min(attempt.elapsedMs, 60_000) : 0);
    const poll = this.#opts.pollIntervalMs ?? (attempt.final ? 2_000 : 250);
    const deadline = Date.now() + window;
    this.emit('phase', 'settle', `checking whether MAAS applied the chunk at byte ${before} (up to ${Math.ceil(window / 1000)} s)`);
    while (Date.now() < deadline) {
      await this.#sleep(Math.min(poll, Math.max(0, deadline - Date.now())));
      this.#throwIfAborted(s);
      await this.#readOffset(s, attempt);
      if (s.offset !== before) return;
    }
  }

  /**
   * Re-read the server's offset: the truth in both directions. Below ours means MAAS lost bytes
   * it had acknowledged: send again from there. Beyond what we sent means someone else sends.
   */
  async #readOffset(s: Session, attempt: Attempt | undefined): Promise<void> {
    const { resource, file } = await this.#confirm(s);
    s.resource = resource;
    s.file = file;
    const { era, regions } = s.located;
    const candidates = attempt ? [attempt.offset, attempt.offset + attempt.length] : [s.offset];
    const held = regions.names.length > 0 ? deriveServerOffset(file, era, regions.count) : matchServerOffset(file, era, candidates, regions.count);
    const limit = attempt ? attempt.offset + attempt.length : s.offset;
    if (!file.complete && held > Math.max(limit, s.offset)) {
      await this.#deps.store.remove(s.located.stateId);
      throw new UploadConflictError(`Boot resource ${s.resource.id} grew to ${held} bytes, beyond the ${limit} this upload sent: another client is uploading it.`, {
        code: 'UPLOAD_BUSY',
        hint: 'Let the other upload finish, or stop it and rerun.',
      });
    }
    if (held < s.offset) this.emit('warning', `MAAS holds ${held} bytes, fewer than the ${s.offset} it acknowledged; sending again from there.`);
    s.offset = held;
    if (s.state) {
      s.state.offset = held;
      await this.#deps.store.save(s.state, false);
    }
  }

  // ── verify ──────────────────────────────────────────────────────────────────────────────

  /**
   * Every byte is sent: true when MAAS reports the file complete with our sha256. If it holds
   * less (it lost a tail), the offset goes back and sending resumes; multi-region waits for the
   * other regions, bounded.
   */
  async #verify(s: Session): Promise<boolean> {
    if (s.offset < s.size) return false;
    this.emit('phase', 'verify');
    const { resource, file } = await this.#confirm(s);
    s.resource = resource;
    s.file = file;
    if (file.complete) return true;
    const held = deriveServerOffset(file, s.located.era, s.located.regions.count);
    if (held >= s.size && s.located.regions.count > 1) {
      await this.#waitForSync(s);
      return true;
    }
    this.emit('warning', `MAAS holds ${held} of ${s.size} bytes after the last chunk; sending again from byte ${held}.`);
    await this.#failed(s, new MaasError(`MAAS holds ${held} of ${s.size} bytes after the last chunk.`), 0);
    s.offset = held;
    return false;
  }

  async #waitForSync(s: Session): Promise<void> {
    this.emit('phase', 'sync', 'waiting for the other region controllers to copy the image');
    const timeoutMs = this.#opts.syncTimeoutMs ?? 30 * 60_000;
    const deadline = Date.now() + timeoutMs;
    const poll = this.#opts.pollIntervalMs ?? 2_000;
    for (;;) {
      const got = await this.#confirm(s);
      s.resource = got.resource;
      s.file = got.file;
      if (got.file.complete) return;
      if (Date.now() >= deadline) {
        const { count, names } = s.located.regions;
        const holding = Math.round(((got.file.progress ?? 0) * count) / 100);
        await this.#deps.store.remove(s.located.stateId);
        throw new UploadRetryError(
          `MAAS has the image on ${holding} of ${count} region controllers (${names.join(', ')}) after ${Math.round(timeoutMs / 1000)} s; the others are still copying it.`,
          { code: 'SYNC_TIMEOUT', hint: 'MAAS finishes the copy on its own; rerun the same command later to confirm (nothing is sent again).' },
        );
      }
      this.#progress('sync', s.size, s.size, s.size);
      await this.#sleep(poll);
      this.#throwIfAborted(s);
    }
  }

  // ── ready ───────────────────────────────────────────────────────────────────────────────

  async #ready(s: Session): Promise<UploadResult> {
    await this.#deps.store.remove(s.located.stateId);
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

  // ── recovery and helpers ────────────────────────────────────────────────────────────────

  /** MAAS's copy can no longer be trusted: create the resource again once, else give up. */
  async #recover(s: Session, text: string, e: MaasError): Promise<void> {
    // 3.8: a stale copy of the same sha256 makes the very first PUT fail once and deletes that
    // copy (SyncLocalBootResourceFile.append_chunk); repeating that PUT then works.
    if (s.located.era === '3.8' && text === TOO_MUCH_DATA && s.offset === 0 && !s.repeatedFirstChunk) {
      s.repeatedFirstChunk = true;
      this.emit('warning', 'MAAS discarded a stale copy of this image; sending the first chunk again.');
      return;
    }
    if (s.recreated || text === NO_SPACE) await this.#giveUp(s, text, e);
    this.emit('warning', `MAAS reported "${text}"; its partial copy is unusable, creating the resource again and restarting from 0.`);
    await this.#create(s.located, s);
    s.recreated = true;
    s.repeatedFirstChunk = false;
  }

  async #replaced(s: Session, cause: MaasError): Promise<never> {
    await this.#deps.store.remove(s.located.stateId);
    throw new UploadConflictError(`Boot resource ${s.resource.id} no longer has this upload's file: another upload replaced it.`, {
      code: 'REPLACED',
      cause,
      hint: 'Check that no other client uploads the same name, then rerun to upload again.',
    });
  }

  async #confirm(s: Session): Promise<{ resource: BootResource; file: BootResourceFile }> {
    let resource: BootResource;
    try {
      resource = await this.#deps.resources.read(s.resource.id, this.#opts.signal);
    } catch (err) {
      if (err instanceof MaasNotFoundError) {
        await this.#deps.store.remove(s.located.stateId);
        throw new UploadConflictError(`Boot resource ${s.resource.id} was deleted on the server during the upload.`, {
          cause: err,
          hint: 'Rerun the command to start a new upload.',
        });
      }
      throw err;
    }
    const found = findFileBySha256(resource, s.located.sha256);
    if (!found) return this.#replaced(s, new MaasError('file not found'));
    return { resource, file: found.file };
  }

  /** An unrecoverable integrity failure: remove the broken resource so nothing half-made remains. */
  async #giveUp(s: Session, text: string, cause: MaasError): Promise<never> {
    await this.#deps.store.remove(s.located.stateId);
    const id = s.resource.id;
    let cleanup = `deleted the incomplete boot resource ${id}`;
    try {
      await this.#deps.resources.delete(id);
    } catch (err) {
      cleanup = `could not delete boot resource ${id} (${err instanceof Error ? err.message : String(err)}); delete it with \`maas-esxi PROFILE boot-resource delete ${id}\``;
    }
    throw new UploadIntegrityError(`MAAS reported "${text}" and the upload cannot be recovered; ${cleanup}.`, {
      cause,
      status: cause.status,
      body: cause.body,
      url: cause.url,
      method: cause.method,
      hint: text === NO_SPACE ? 'Free disk space on the region controller (image storage), then rerun.' : 'Check that nothing else uploads the same image at the same time, then rerun.',
    });
  }

  #throwIfAborted(s: Session): void {
    if (!this.#opts.signal?.aborted) return;
    throw new MaasAbortError(`Upload interrupted at ${s.offset} of ${s.size} bytes; its state is saved.`, {
      code: 'ABORTED',
      cause: this.#opts.signal.reason,
      hint: 'Rerun the same command to resume.',
    });
  }

  async #sleep(ms: number): Promise<void> {
    await sleep(ms, this.#opts.signal).catch(() => undefined);
  }

  async #assertUnchanged(s: Session): Promise<void> {
    const { located } = s;
    let now: Stats;
    try {
      now = await stat(located.path);
    } catch (cause) {
      throw new UploadConflictError(`${located.path} disappeared during the upload.`, { cause, hint: 'Restore the file and rerun to resume.' });
    }
    if (now.size !== located.st.size || now.mtimeMs !== located.st.mtimeMs || now.ino !== located.st.ino) {
      await this.#deps.store.remove(located.stateId);
      throw new UploadConflictError(`${located.path} changed during the upload (size or modification time differs).`, {
        code: 'FILE_CHANGED',
        hint: 'Wait until whatever writes the file has finished, then rerun to upload the new content.',
      });
    }
  }

  async #saveState(s: Session): Promise<void> {
    const now = new Date().toISOString();
    const o = this.#opts;
    const { located } = s;
    s.state ??= {
      version: 1,
      id: located.stateId,
      fingerprint: located.fingerprint,
      params: { name: o.name, architecture: o.architecture, title: o.title, filetype: located.filetype, base_image: o.base_image, keep_old: o.keep_old },
      profile: o.profile,
      sha256: located.sha256,
      chunkSize: located.chunkSize,
      era: located.era,
      resourceId: s.resource.id,
      uploadUri: s.file.upload_uri ?? '',
      offset: s.offset,
      inFlight: located.state?.inFlight,
      createdAt: located.state?.createdAt ?? now,
      updatedAt: now,
    };
    Object.assign(s.state, { resourceId: s.resource.id, uploadUri: s.file.upload_uri ?? s.state.uploadUri, offset: s.offset, updatedAt: now });
    await this.#deps.store.save(s.state);
    this.#stateSaved = true;
  }

  #progress(phase: 'hash' | 'upload' | 'sync', sent: number, acked: number, total: number, force = false): void {
    const now = Date.now();
    this.#rate.record(sent);
    if (!force && now - this.#lastProgressEmit < 100) return;
    this.#lastProgressEmit = now;
    this.emit('progress', { phase, bytesSent: sent, bytesAcked: acked, total, rate: this.#rate.rate(), eta: this.#rate.eta(total - sent) });
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
