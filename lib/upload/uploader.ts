import { EventEmitter } from 'node:events';
import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { Readable } from 'node:stream';
import { backoffDelay, DEFAULT_BACKOFF, sleep, type BackoffPolicy } from '../http/backoff.js';
import type { MaasApiClient } from '../http/api-client.js';
import {
  isTransient,
  MaasAbortError,
  MaasError,
  MaasNotFoundError,
  MaasTimeoutError,
  MaasValidationError,
  retryAfterOf,
  UploadConflictError,
  UploadInputError,
  UploadIntegrityError,
  UploadRetryError,
} from '../errors/index.js';
import type { BootResources } from '../resources/boot-resources.js';
import { deriveServerOffset, findFileBySha256, matchServerOffset } from '../resources/progress.js';
import { readVersion } from '../resources/server.js';
import type { BootResource, BootResourceFile, BootResourceFiletype, MaasEra } from '../resources/types.js';
import { assertChunkSize, assertFiletype, assertNameAndArchitecture, DEFAULT_CHUNK_SIZE } from './checks.js';
import { ChunkSource } from './chunk-source.js';
import { HashCache, sha256File } from './hash.js';
import { RateMeter } from './rate.js';
import { assertFiletypeMatches, sniffImageType } from './sniff.js';
import { defaultStateDir } from './state-dir.js';
import { fingerprintId, UploadStateStore, type UploadFingerprint, type UploadState } from './state-store.js';
import type { UploadAction, UploadEvents, UploadOptions, UploadPlan, UploadResult } from './types.js';

export interface UploadDeps {
  api: MaasApiClient;
  resources: BootResources;
}

/** Server texts that mean the server's copy can no longer be trusted (docs/maas-upload-protocol.md#checks-in-order, #integrity-errors). */
const TOO_MUCH_DATA = 'Too much data received.';
const SHA_MISMATCH = 'Saved content does not match given SHA256 value.';
const NO_SPACE = 'No space left on device';
const COMPLETE_FILE = 'Cannot upload to a complete file.';

/** One chunk PUT attempt, as far as the client can see it. */
interface Attempt {
  /** Bytes handed to the connection. */
  sent: number;
  length: number;
  final: boolean;
  /** From the start of the request to the failure. */
  elapsedMs: number;
  /** The attempt ended in a timeout (the server may still be processing it). */
  timedOut?: boolean;
}

interface Located {
  st: Stats;
  path: string;
  sha256: string;
  era: MaasEra;
  stateId: string;
  fingerprint: UploadFingerprint;
  filetype: BootResourceFiletype;
  chunkSize: number;
  state: UploadState | undefined;
  /** Existing server-side file to resume or report, when one was found. */
  found: { resource: BootResource; file: BootResourceFile } | undefined;
}

/**
 * One resumable upload of an image file to a MAAS boot resource (docs/architecture.md#data-flow-of-an-upload). Starts as soon
 * as it is constructed; listen for events, then await `done()`.
 */
export class BootResourceUpload extends EventEmitter<UploadEvents> {
  readonly #deps: UploadDeps;
  readonly #opts: UploadOptions;
  readonly #store: UploadStateStore;
  readonly #hashCache: HashCache;
  readonly #backoff: BackoffPolicy;
  readonly #rate = new RateMeter();
  readonly #started = Date.now();
  readonly #promise: Promise<UploadResult>;
  #lastProgressEmit = 0;
  /** Resume state exists on disk for this upload (for the interruption message). */
  #stateSaved = false;

  constructor(deps: UploadDeps, opts: UploadOptions) {
    super();
    this.#deps = deps;
    this.#opts = opts;
    const stateDir = opts.stateDir ?? defaultStateDir();
    this.#store = new UploadStateStore(stateDir);
    this.#hashCache = new HashCache(stateDir);
    // A dropped connection is worth retrying quickly; Retry-After still wins when a server asks.
    this.#backoff = { ...(opts.backoff ?? { ...DEFAULT_BACKOFF, baseMs: 250 }), retries: opts.retries ?? 8 };
    // Start on the next microtask so that callers can attach listeners first.
    this.#promise = Promise.resolve()
      .then(() => this.#run())
      .finally(async () => {
        await this.#chunks?.close();
        await this.#unlock?.();
      })
      .catch((err: unknown) => {
        // Whatever was in progress (hashing, a retry wait, a request), a cancelled upload is a
        // MaasAbortError, so callers and the CLI (exit 130) need only one check.
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

  /** Everything up to (not including) the first write: used by `done()` and by `--dry-run`. */
  static async plan(deps: UploadDeps, opts: UploadOptions): Promise<UploadPlan> {
    const stateDir = opts.stateDir ?? defaultStateDir();
    const located = await locateUpload(deps, opts, new UploadStateStore(stateDir), new HashCache(stateDir), NO_EVENTS);
    const action: UploadAction = !located.found ? 'create' : located.found.file.complete ? 'already-present' : 'resume';
    const resumeFrom = located.found ? deriveServerOffset(located.found.file, located.era, opts.regions) : 0;
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
    const located = await locateUpload(this.#deps, this.#opts, this.#store, this.#hashCache, {
      phase: (phase, detail) => this.emit('phase', phase, detail),
      hash: (p) => this.#progress('hash', p.bytesHashed, 0, p.total),
      warning: (m) => this.emit('warning', m),
    });
    this.#locatedCache = located;
    this.#unlock = await this.#store.lock(located.stateId);
    const { st, sha256, era } = located;
    const size = st.size;
    const signal = this.#opts.signal;
    let recreated = false;

    let resource: BootResource;
    let file: BootResourceFile;
    let action: UploadAction;
    if (located.found) {
      ({ resource, file } = located.found);
      action = file.complete ? 'already-present' : 'resume';
    } else {
      ({ resource, file } = await this.#create(located));
      action = file.complete ? 'already-present' : 'create';
    }
    if (file.complete) {
      if (located.state) await this.#store.remove(located.stateId);
      return this.#finish(located, resource, file, action, size, 0, 0, 0, false);
    }

    let offset = deriveServerOffset(file, era, this.#opts.regions);
    const state = await this.#saveState(located, resource, file, offset);
    const resumedFrom = offset;
    if (action === 'resume') this.emit('phase', 'upload', `at byte ${offset} of ${size}`);
    else this.emit('phase', 'upload');

    let attempts = 0;
    let retries = 0;
    let bytesSent = 0;
    let bytesResent = 0;
    let repeatedFirstChunk = false;
    /** Set after any ambiguous failure: the server's offset must be re-read before sending. */
    let mustResync = false;
    let lastAttempt: Attempt = { sent: 0, length: 0, final: false, elapsedMs: 0 };
    /** Fastest whole-chunk transfer seen, bytes per ms (request and answer included). */
    let fastest: number | undefined;

    const failedAttempt = async (err: MaasError): Promise<void> => {
      attempts += 1;
      retries += 1;
      if (attempts > this.#backoff.retries) {
        await this.#store.save({ ...state, offset, updatedAt: new Date().toISOString() });
        throw new UploadRetryError(
          `Upload paused at ${offset} of ${size} bytes after ${attempts} failed attempts in a row: ${err.message}`,
          { code: 'RETRIES_EXHAUSTED', cause: err, status: err.status, url: err.url, method: err.method, hint: 'Rerun the same command to resume from the server\'s offset.' },
        );
      }
      const delayMs = backoffDelay(this.#backoff, attempts - 1, retryAfterOf(err));
      this.emit('retry', { attempt: attempts, delayMs, offset, error: err });
      await sleep(delayMs, signal).catch(() => undefined);
      this.#throwIfAborted(offset, size);
    };

    for (;;) {
      while (offset < size || mustResync) {
        this.#throwIfAborted(offset, size);
        if (mustResync) {
          try {
            const before = offset;
            const settled = await this.#settle(resource.id, sha256, era, offset, lastAttempt, fastest);
            file = settled.file;
            offset = settled.offset;
            // Bytes of the failed attempt that the server did not keep will be sent again.
            if (offset <= before) bytesResent += lastAttempt.sent;
            else if (offset > before) attempts = 0;
            mustResync = false;
            await this.#saveState(located, resource, file, offset, state);
            continue;
          } catch (err) {
            const e = this.#typed(err, offset, size);
            if (!isTransient(e)) throw e;
            await failedAttempt(e);
            continue;
          }
        }
        await this.#assertUnchanged(located, state.id);
        const length = Math.min(located.chunkSize, size - offset);
        const final = offset + length === size;
        lastAttempt = { sent: 0, length, final, elapsedMs: 0 };
        const attemptStarted = Date.now();
        try {
          await this.#sendChunk(file, offset, length, final, (sent) => {
            lastAttempt.sent = sent;
            this.#progress('upload', offset + sent, offset, size);
          });
          const took = Math.max(1, Date.now() - attemptStarted);
          fastest = Math.max(fastest ?? 0, length / took);
          offset += length;
          bytesSent += length;
          attempts = 0;
          state.offset = offset;
          state.updatedAt = new Date().toISOString();
          await this.#store.save(state, false);
          this.#progress('upload', offset, offset, size, true);
        } catch (err) {
          lastAttempt.elapsedMs = Date.now() - attemptStarted;
          lastAttempt.timedOut = err instanceof MaasTimeoutError;
          bytesSent += lastAttempt.sent;
          const e = this.#typed(err, offset, size);
          const text = (e.body ?? '').trim();
          if (e instanceof MaasValidationError && text === COMPLETE_FILE) {
            // This region holds every byte (an earlier attempt's answer was lost, or other
            // regions are still syncing, docs/maas-upload-protocol.md#the-final-chunk): nothing more to send.
            offset = size;
            mustResync = false;
            break;
          }
          if (e instanceof MaasValidationError && (text === TOO_MUCH_DATA || text === SHA_MISMATCH || text === NO_SPACE)) {
            bytesResent += lastAttempt.sent;
            // 3.8: a stale shared copy of the same sha256 makes the very first PUT fail once and
            // deletes that copy; repeating that PUT then works (docs/maas-upload-protocol.md#integrity-errors).
            if (era === '3.8' && text === TOO_MUCH_DATA && offset === 0 && !repeatedFirstChunk) {
              repeatedFirstChunk = true;
              this.emit('warning', 'MAAS discarded a stale copy of this image; sending the first chunk again.');
              continue;
            }
            if (recreated || text === NO_SPACE) await this.#giveUp(located, resource, text, e);
            this.emit('warning', `MAAS reported "${text}"; its partial copy is unusable, creating the resource again and restarting from 0.`);
            ({ resource, file } = await this.#create(located));
            recreated = true;
            repeatedFirstChunk = false;
            offset = deriveServerOffset(file, era, this.#opts.regions);
            Object.assign(state, { resourceId: resource.id, uploadUri: file.upload_uri ?? state.uploadUri, offset });
            await this.#store.save(state);
            if (file.complete) break;
            continue;
          }
          if (!isTransient(e)) {
            await this.#store.save({ ...state, offset, updatedAt: new Date().toISOString() });
            throw e;
          }
          mustResync = true;
          await failedAttempt(e);
        }
      }

      this.emit('phase', 'verify');
      const verified = await this.#confirm(resource.id, sha256);
      resource = verified.resource;
      file = verified.file;
      if (file.complete) break;
      const held = deriveServerOffset(file, era, this.#opts.regions);
      if (held >= size || (era !== '3.4' && file.progress !== undefined && file.progress > 0 && held < size && offset >= size)) {
        // Multi-region: the receiving region has it all; the others copy it (docs/maas-upload-protocol.md#the-final-chunk).
        const synced = await this.#waitForSync(resource.id, sha256, size);
        resource = synced.resource;
        file = synced.file;
        break;
      }
      // The server holds less than we sent (e.g. it restarted and lost the tail): go on from there.
      offset = held;
    }

    await this.#store.remove(state.id);
    return this.#finish(located, resource, file, action, size, resumedFrom, bytesSent, bytesResent, recreated, retries);
  }

  async #create(located: Located): Promise<{ resource: BootResource; file: BootResourceFile }> {
    this.emit('phase', 'create');
    const o = this.#opts;
    const resource = await this.#deps.resources.create(
      {
        name: o.name,
        architecture: o.architecture,
        sha256: located.sha256,
        size: located.st.size,
        title: o.title,
        filetype: located.filetype,
        base_image: o.base_image,
        keep_old: o.keep_old,
      },
      o.signal,
    );
    const found = findFileBySha256(resource, located.sha256);
    if (!found) {
      throw new UploadIntegrityError(`MAAS created resource ${resource.id} but it has no file with sha256 ${located.sha256}.`, {
        hint: 'This MAAS behaves unexpectedly; check its logs, then retry.',
      });
    }
    return { resource, file: found.file };
  }

  async #sendChunk(file: BootResourceFile, offset: number, length: number, final: boolean, onSent: (n: number) => void): Promise<void> {
    const uploadUri = file.upload_uri;
    if (!uploadUri) throw new UploadIntegrityError('The server file has no upload_uri although it is incomplete.');
    // A fresh body per attempt, read from disk: undici never retries a stream body (docs/dependencies.md#undici).
    this.#chunks ??= new ChunkSource(this.#located().path, this.#located().chunkSize);
    await this.#deps.resources.uploadChunk({
      uploadUri,
      body: Readable.from(this.#chunks.chunk(offset, length, onSent), { objectMode: false }),
      length,
      signal: this.#opts.signal,
      headersTimeoutMs: final ? (this.#opts.finalChunkTimeoutMs ?? 30 * 60_000) : (this.#opts.chunkTimeoutMs ?? 120_000),
    });
  }

  #chunks: ChunkSource | undefined;
  #unlock: (() => Promise<void>) | undefined;
  #locatedCache: Located | undefined;
  #located(): Located {
    if (!this.#locatedCache) throw new Error('upload not located yet');
    return this.#locatedCache;
  }

  /**
   * After an ambiguous failure, find out what the server holds. If the whole chunk went out, the
   * server may still be applying it (the final one hashes the whole file, docs/maas-upload-protocol.md#the-final-chunk), so watch the
   * offset for a while before deciding it was not applied: resending an applied chunk corrupts
   * the upload (docs/maas-upload-protocol.md#append-only-writes). "Sent" only means handed to the kernel, whose buffers hold megabytes; so
   * when the failure came sooner than the fastest whole chunk so far could have crossed the link
   * (with 25 % margin), the server cannot hold the complete body, and nothing is waited for.
   */
  async #settle(
    resourceId: number,
    sha256: string,
    era: MaasEra,
    offset: number,
    last: Attempt,
    fastestBytesPerMs: number | undefined,
  ): Promise<{ file: BootResourceFile; offset: number }> {
    const read = async (): Promise<{ file: BootResourceFile; offset: number }> => {
      const { file } = await this.#confirm(resourceId, sha256);
      // Before the failed attempt the server held exactly `offset` (every earlier chunk was
      // answered 200); now it holds that or the chunk more.
      const held = matchServerOffset(file, era, [offset, offset + last.length], this.#opts.regions);
      return { file, offset: Math.max(held, offset) };
    };
    let current = await read();
    const fullySent = last.length > 0 && last.sent >= last.length;
    const couldHaveArrived = fastestBytesPerMs === undefined || fastestBytesPerMs * last.elapsedMs * 1.25 >= last.length;
    if (!fullySent || !couldHaveArrived || current.offset !== offset) return current;
    // A server slow enough to time out may still be working on the request: wait at least as
    // long as the attempt ran (up to a minute) before concluding it was not applied.
    const base = last.final ? (this.#opts.finalSettleMs ?? 5 * 60_000) : (this.#opts.settleMs ?? 3_000);
    const window = Math.max(base, Math.min(last.elapsedMs, 60_000) * (last.timedOut ? 1 : 0));
    const poll = this.#opts.pollIntervalMs ?? (last.final ? 2_000 : 250);
    const deadline = Date.now() + window;
    while (Date.now() < deadline) {
      await sleep(Math.min(poll, Math.max(0, deadline - Date.now())), this.#opts.signal).catch(() => undefined);
      this.#throwIfAborted(offset, this.#located().st.size);
      current = await read();
      if (current.offset !== offset) return current;
    }
    return current;
  }

  async #confirm(resourceId: number, sha256: string): Promise<{ resource: BootResource; file: BootResourceFile }> {
    let resource: BootResource;
    try {
      resource = await this.#deps.resources.read(resourceId, this.#opts.signal);
    } catch (err) {
      if (err instanceof MaasNotFoundError) {
        await this.#store.remove(this.#located().stateId);
        throw new UploadConflictError(`Boot resource ${resourceId} was deleted on the server during the upload.`, {
          cause: err,
          hint: 'Rerun the command to start a new upload.',
        });
      }
      throw err;
    }
    const found = findFileBySha256(resource, sha256);
    if (!found) {
      await this.#store.remove(this.#located().stateId);
      throw new UploadConflictError(`Boot resource ${resourceId} no longer has a file with this image's sha256 (another upload replaced it).`, {
        hint: 'Rerun the command to upload again.',
      });
    }
    return { resource, file: found.file };
  }

  async #waitForSync(resourceId: number, sha256: string, size: number): Promise<{ resource: BootResource; file: BootResourceFile }> {
    this.emit('phase', 'sync', 'waiting for the other region controllers to copy the image');
    const deadline = Date.now() + (this.#opts.syncTimeoutMs ?? 30 * 60_000);
    const poll = this.#opts.pollIntervalMs ?? 2_000;
    for (;;) {
      const got = await this.#confirm(resourceId, sha256);
      if (got.file.complete) return got;
      if (Date.now() >= deadline) {
        this.emit('warning', 'The upload is complete on one region; the others are still copying it (MAAS finishes this on its own).');
        return got;
      }
      this.#progress('sync', size, size, size);
      await sleep(poll, this.#opts.signal).catch(() => undefined);
      this.#throwIfAborted(size, size);
    }
  }

  /** An unrecoverable integrity failure: remove the broken resource so nothing half-made remains. */
  async #giveUp(located: Located, resource: BootResource, text: string, cause: MaasError): Promise<never> {
    await this.#store.remove(located.stateId);
    let cleanup = `deleted the incomplete boot resource ${resource.id}`;
    try {
      await this.#deps.resources.delete(resource.id);
    } catch (err) {
      cleanup = `could not delete boot resource ${resource.id} (${err instanceof Error ? err.message : String(err)}); delete it with \`maas-esxi PROFILE boot-resource delete ${resource.id}\``;
    }
    throw new UploadIntegrityError(`MAAS reported "${text}" and the upload cannot be recovered; ${cleanup}.`, {
      cause,
      status: cause.status,
      body: cause.body,
      url: cause.url,
      method: cause.method,
      hint:
        text === NO_SPACE
          ? 'Free disk space on the region controller (image storage), then rerun.'
          : 'Check that nothing else uploads the same image at the same time, then rerun.',
    });
  }

  #typed(err: unknown, offset: number, size: number): MaasError {
    this.#throwIfAborted(offset, size);
    if (err instanceof MaasError) return err;
    return new MaasError(err instanceof Error ? err.message : String(err), { cause: err });
  }

  #throwIfAborted(offset: number, size: number): void {
    if (!this.#opts.signal?.aborted) return;
    throw new MaasAbortError(`Upload interrupted at ${offset} of ${size} bytes; its state is saved.`, {
      code: 'ABORTED',
      cause: this.#opts.signal.reason,
      hint: 'Rerun the same command to resume.',
    });
  }

  async #assertUnchanged(located: Located, stateId: string): Promise<void> {
    let now: Stats;
    try {
      now = await stat(located.path);
    } catch (cause) {
      throw new UploadConflictError(`${located.path} disappeared during the upload.`, { cause, hint: 'Restore the file and rerun to resume.' });
    }
    if (now.size !== located.st.size || now.mtimeMs !== located.st.mtimeMs || now.ino !== located.st.ino) {
      await this.#store.remove(stateId);
      throw new UploadConflictError(`${located.path} changed during the upload (size or modification time differs).`, {
        code: 'FILE_CHANGED',
        hint: 'Wait until whatever writes the file has finished, then rerun to upload the new content.',
      });
    }
  }

  async #saveState(located: Located, resource: BootResource, file: BootResourceFile, offset: number, existing?: UploadState): Promise<UploadState> {
    const now = new Date().toISOString();
    const o = this.#opts;
    const state: UploadState = existing ?? {
      version: 1,
      id: located.stateId,
      fingerprint: located.fingerprint,
      params: { name: o.name, architecture: o.architecture, title: o.title, filetype: located.filetype, base_image: o.base_image, keep_old: o.keep_old },
      profile: o.profile,
      sha256: located.sha256,
      chunkSize: located.chunkSize,
      era: located.era,
      resourceId: resource.id,
      uploadUri: file.upload_uri ?? '',
      offset,
      createdAt: located.state?.createdAt ?? now,
      updatedAt: now,
    };
    Object.assign(state, { resourceId: resource.id, uploadUri: file.upload_uri ?? state.uploadUri, offset, updatedAt: now });
    await this.#store.save(state);
    this.#stateSaved = true;
    return state;
  }

  #progress(phase: 'hash' | 'upload' | 'sync', sent: number, acked: number, total: number, force = false): void {
    const now = Date.now();
    this.#rate.record(sent);
    if (!force && now - this.#lastProgressEmit < 100) return;
    this.#lastProgressEmit = now;
    this.emit('progress', { phase, bytesSent: sent, bytesAcked: acked, total, rate: this.#rate.rate(), eta: this.#rate.eta(total - sent) });
  }

  #finish(
    located: Located,
    resource: BootResource,
    file: BootResourceFile,
    action: UploadAction,
    size: number,
    resumedFrom: number,
    bytesSent: number,
    bytesResent: number,
    recreated: boolean,
    retries = 0,
  ): UploadResult {
    this.emit('phase', 'done', action === 'already-present' ? 'an identical image is already in MAAS' : undefined);
    return {
      resource,
      file,
      sha256: located.sha256,
      size,
      action,
      resumedFrom,
      bytesSent,
      bytesResent,
      retries,
      recreated,
      elapsedMs: Date.now() - this.#started,
      stateId: located.stateId,
    };
  }

}

interface LocateEvents {
  phase: (phase: 'check' | 'hash' | 'locate', detail?: string) => void;
  hash: (p: { bytesHashed: number; total: number }) => void;
  warning: (message: string) => void;
}
const NO_EVENTS: LocateEvents = { phase: () => undefined, hash: () => undefined, warning: () => undefined };

/** Check, hash and find any existing upload (docs/architecture.md#data-flow-of-an-upload steps 1–3); writes nothing to MAAS. */
async function locateUpload(deps: UploadDeps, o: UploadOptions, store: UploadStateStore, hashCache: HashCache, on: LocateEvents): Promise<Located> {
  on.phase('check');
  const filetype = o.filetype ?? 'ddgz';
  assertFiletype(filetype);
  const chunkSize = o.chunkSize ?? DEFAULT_CHUNK_SIZE;
  assertChunkSize(chunkSize);
  const path = resolvePath(o.path);
  let st: Stats;
  try {
    st = await stat(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new UploadInputError(code === 'ENOENT' ? `No such file: ${path}` : `Cannot read ${path}: ${(cause as Error).message}`, {
      code: code ?? 'UNREADABLE',
      cause,
      hint: 'Check the path given in content@=FILE.',
    });
  }
  if (!st.isFile()) throw new UploadInputError(`${path} is not a regular file.`, { code: 'NOT_A_FILE', hint: 'Point content@= at the image file (e.g. vmware-esxi.dd.gz).' });
  if (st.size === 0) throw new UploadInputError(`${path} is empty.`, { code: 'EMPTY_FILE', hint: 'Rebuild the image; an empty file can never be uploaded to MAAS.' });
  let sniffed;
  try {
    sniffed = await sniffImageType(path);
  } catch (cause) {
    throw new UploadInputError(`Cannot read ${path}: ${(cause as Error).message}`, { code: 'UNREADABLE', cause, hint: 'Check the file\'s permissions.' });
  }
  assertFiletypeMatches(filetype, sniffed, path);

  const version = await readVersion(deps.api, o.signal);
  const era = version.era;
  assertNameAndArchitecture(o.name, o.architecture, era);
  const skewMs = deps.api.transport.clockSkewMs;
  if (skewMs !== undefined && Math.abs(skewMs) > 30_000 && deps.api.signer) {
    // MAAS rejects timestamps older than 300 s (docs/maas-api.md#the-300-s-window): sign with the server's clock.
    deps.api.signer.clockOffsetSeconds = Math.round(skewMs / 1000);
    on.warning(`This machine's clock differs from the MAAS server's by ${Math.round(skewMs / 1000)} s; signing requests with the server's time.`);
  }

  let sha256 = await hashCache.get(st);
  on.phase('hash', o.sha256 ? 'given' : sha256 ? 'cached' : undefined);
  if (o.sha256) {
    if (!/^[0-9a-fA-F]{64}$/.test(o.sha256)) throw new UploadInputError(`'${o.sha256}' is not a sha256.`, { code: 'BAD_SHA256', hint: 'Pass 64 hexadecimal digits, or leave it out to let maas-esxi hash the file.' });
    // Trusted for this run only: a mistyped or stale hash must not poison the cache, where it
    // would fail every later upload of this file.
    sha256 = o.sha256.toLowerCase();
  } else if (!sha256) {
    sha256 = await sha256File(path, { signal: o.signal, total: st.size, onProgress: on.hash });
    await hashCache.set(st, sha256, path);
  }

  on.phase('locate');
  const fingerprint: UploadFingerprint = { apiUrl: deps.api.apiUrl, name: o.name, architecture: o.architecture, path, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino };
  const stateId = fingerprintId(fingerprint);
  const resume = o.resume ?? true;
  const state = resume ? await store.get(stateId) : undefined;
  let found: Located['found'];
  if (state && state.sha256 === sha256) {
    try {
      const resource = await deps.resources.read(state.resourceId, o.signal);
      const match = findFileBySha256(resource, sha256);
      if (match && (match.file.complete || match.file.upload_uri === state.uploadUri)) found = { resource, file: match.file };
    } catch (err) {
      if (!(err instanceof MaasNotFoundError)) throw err;
    }
  }
  if (!found && resume) found = await findOnServer(deps, o, sha256, st.size);
  return { st, path, sha256, era, stateId, fingerprint, filetype, chunkSize, state, found };
}

/**
 * Without saved state, look for an uploaded resource with the same name and architecture whose
 * file has the same sha256 and size (docs/architecture.md#data-flow-of-an-upload step 3). ≤3.7 stores `custom/x` as `x`.
 */
async function findOnServer(deps: UploadDeps, o: UploadOptions, sha256: string, size: number): Promise<Located['found']> {
  const names = new Set([o.name, o.name.replace(/^custom\//, '')]);
  const candidates = (await deps.resources.list('uploaded', o.signal)).filter((r) => names.has(r.name) && r.architecture === o.architecture);
  for (const summary of candidates) {
    const resource = await deps.resources.read(summary.id, o.signal);
    const match = findFileBySha256(resource, sha256);
    if (match && match.file.size === size && (match.file.complete || match.file.upload_uri)) return { resource, file: match.file };
  }
  return undefined;
}
