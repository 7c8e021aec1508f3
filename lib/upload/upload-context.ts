import { sleep, type BackoffPolicy } from '../http/backoff.js';
import type { MaasApiClient } from '../http/api-client.js';
import { MaasAbortError, type MaasError } from '../errors/index.js';
import type { BootResources } from '../resources/boot-resources.js';
import type { BootResource, BootResourceFile } from '../resources/types.js';
import type { LinkEstimate } from './chunk-size.js';
import type { ChunkSource } from './chunk-source.js';
import type { HashLookup, Located, UploadStateStorage } from './locate.js';
import type { RateLimiter } from './rate-limit.js';
import type { UploadState } from './state-store.js';
import type { UploadAction, UploadOptions, UploadPhase, UploadRetry } from './types.js';

/** What an upload talks to; the state store and the hash cache default to files under `stateDir`. */
export interface UploadDeps {
  api: MaasApiClient;
  resources: BootResources;
  store?: UploadStateStorage | undefined;
  hashCache?: HashLookup | undefined;
}

/** One chunk PUT as the client saw it. */
export interface Attempt {
  offset: number;
  length: number;
  final: boolean;
  handedOver: number;
  elapsedMs: number;
  status: number | undefined;
  error: MaasError | undefined;
  timedOut: boolean;
}

/** Everything one run of the upload knows; the steps read and advance it. */
export interface Session {
  located: Located;
  size: number;
  resource: BootResource;
  file: BootResourceFile;
  action: UploadAction;
  state: UploadState | undefined;
  /** Bytes the server holds, as far as we know. */
  offset: number;
  resumedFrom: number;
  /** Bytes handed to the connection in this run. */
  bytesSent: number;
  /** Of those, bytes of the file handed over a second time (or below the offset this run started from). */
  bytesResent: number;
  /** The furthest byte of the file this run has handed over (for bytesResent). */
  sentUpTo: number;
  retries: number;
  /** Failed attempts since the offset last advanced. */
  attempts: number;
  recreated: boolean;
  repeatedFirstChunk: boolean;
}

/** What the steps of one upload share: its dependencies, options, link estimate, and the handle's events. */
export interface UploadContext {
  readonly deps: Required<UploadDeps>;
  readonly opts: UploadOptions;
  /** The caller's signal and the handle's `abort()`, combined. */
  readonly signal: AbortSignal;
  readonly backoff: BackoffPolicy;
  readonly link: LinkEstimate;
  readonly limiter: RateLimiter | undefined;
  chunkSource(path: string, chunkSize: number): ChunkSource;
  phase(phase: UploadPhase, detail?: string): void;
  warning(message: string): void;
  retry(retry: UploadRetry): void;
  progress(phase: 'hash' | 'upload' | 'sync', sent: number, acked: number, total: number, force?: boolean): void;
  /** The state was saved at least once (a rerun can resume). */
  stateSaved: boolean;
}

export function throwIfAborted(ctx: UploadContext, s: Session): void {
  if (!ctx.signal.aborted) return;
  throw new MaasAbortError(`Upload interrupted at ${s.offset} of ${s.size} bytes; its state is saved.`, {
    code: 'ABORTED',
    cause: ctx.signal.reason,
    hint: 'Call upload() again with the same options to resume.',
    fix: { rerun: true },
  });
}

/** Between chunks: on abort, record the acknowledged offset (nothing in flight), then stop. */
export async function stopIfAborted(ctx: UploadContext, s: Session): Promise<void> {
  if (!ctx.signal.aborted) return;
  await saveOffset(ctx, s);
  throwIfAborted(ctx, s);
}

/**
 * Count an attempt's bytes. A byte is re-sent when this run already handed it over (or it lay
 * below the offset the run started from): after a lost tail, a reset or a re-create alike, so the
 * count does not depend on how the failure was classified.
 */
export function countSent(s: Session, offset: number, handedOver: number): void {
  const end = offset + handedOver;
  s.bytesSent += handedOver;
  s.bytesResent += Math.max(0, Math.min(end, s.sentUpTo) - offset);
  s.sentUpTo = Math.max(s.sentUpTo, end);
}

/** Sleep; an abort ends it early (the caller checks the signal next). */
export async function pause(ctx: UploadContext, ms: number): Promise<void> {
  await sleep(ms, ctx.signal).catch(() => undefined);
}

/** Record the acknowledged offset (one small atomic write, not fsynced: the server's offset is the truth). */
export async function saveOffset(ctx: UploadContext, s: Session): Promise<void> {
  if (!s.state) return;
  s.state.offset = s.offset;
  s.state.updatedAt = new Date().toISOString();
  await ctx.deps.store.save(s.state, false);
}

/** Save the state durably (created, adopted, recreated). */
export async function saveState(ctx: UploadContext, s: Session): Promise<void> {
  const now = new Date().toISOString();
  const o = ctx.opts;
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
  await ctx.deps.store.save(s.state);
  ctx.stateSaved = true;
}
