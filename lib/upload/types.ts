import type { BackoffPolicy } from '../http/backoff.js';
import type { MaasError } from '../errors/index.js';
import type { Architecture, BootResource, BootResourceFile, BootResourceFiletype } from '../resources/types.js';

export interface UploadOptions {
  /** e.g. `esxi/8.0` (docs/maas-upload-protocol.md#name-rules: needs no base_image). */
  name: string;
  /** e.g. `amd64/generic`. */
  architecture: Architecture;
  /** Always send one: an empty title shows as an empty release name in MAAS (docs/maas-upload-protocol.md#fields). */
  title?: string | undefined;
  /** Default `ddgz`, what packer builds for ESXi. */
  filetype?: BootResourceFiletype | undefined;
  base_image?: string | undefined;
  /**
   * Keep earlier uploads of this name. Without it MAAS deletes them when the new resource is
   * created, before its upload finishes (src/maasserver/forms/__init__.py BootResourceForm.save).
   */
  keep_old?: boolean | undefined;
  /** The image to upload. */
  path: string;
  /** Bytes per PUT: default 8 MiB, at most 10 MiB (docs/maas-upload-protocol.md#body-size-and-chunk-size). */
  chunkSize?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Use saved state and look for a matching incomplete upload on the server (default true). */
  resume?: boolean | undefined;
  /** A sha256 already known for this exact file (e.g. computed by the Packer build). */
  sha256?: string | undefined;
  /** Where resume state and the hash cache live; default `$XDG_STATE_HOME/maas-esxi`. */
  stateDir?: string | undefined;
  /** Recorded in the state so `uploads resume` can reconnect with the same profile. */
  profile?: string | undefined;
  /**
   * Failed attempts in a row before giving up (chunk PUTs and offset reads alike); the count
   * resets whenever the server's offset advances. Default `backoff.retries`, else 8.
   */
  retries?: number | undefined;
  backoff?: BackoffPolicy | undefined;
  /** Idle/answer timeout of an ordinary chunk (docs/dependencies.md#undici). Default 2 min. */
  chunkTimeoutMs?: number | undefined;
  /** Timeout of the final chunk, during which MAAS hashes the whole file (docs/maas-upload-protocol.md#the-final-chunk). Default 30 min. */
  finalChunkTimeoutMs?: number | undefined;
  /**
   * After a failure in which the whole chunk was sent, how long (from the failure) to watch the server's offset
   * before concluding the chunk was not applied (a slow server may still be writing it; docs/maas-upload-protocol.md#append-only-writes).
   * Defaults: 3 s for an ordinary chunk (MAAS appends a chunk in well under a second once its
   * proxy has the body), 5 min for the final one.
   */
  settleMs?: number | undefined;
  finalSettleMs?: number | undefined;
  pollIntervalMs?: number | undefined;
  /**
   * Region controllers behind the MAAS URL (default 1). MAAS's progress averages over regions
   * (docs/maas-upload-protocol.md#deriving-the-offset), so the resume offset needs the count.
   */
  regions?: number | undefined;
  /** Multi-region: how long to wait for the other regions to sync the file (docs/maas-upload-protocol.md#the-final-chunk). Default 30 min. */
  syncTimeoutMs?: number | undefined;
  /** Upload at most this many bytes per second (`--limit-rate`); chunks shrink to fit the signature window. */
  limitRate?: number | undefined;
  /**
   * After `signal` aborts while a chunk's whole body is on its way, how long to wait for MAAS's
   * answer before abandoning it (default 30 s); `forceSignal` ends the wait at once.
   */
  interruptGraceMs?: number | undefined;
  forceSignal?: AbortSignal | undefined;
  /**
   * MAAS 3.8 stores one file per sha256: uploading an image MAAS already holds under another name
   * would empty that copy until the new upload completes. 'refuse' (default) stops with an
   * explanation; 'reuse' reports the existing resource; 'rebuild' accepts the window.
   */
  sameImage?: 'refuse' | 'reuse' | 'rebuild' | undefined;
  /**
   * Before resuming an unfinished upload found on the server without our own state, watch its
   * offset this long: if it moves, another client is uploading it. Default 3 s.
   */
  joinCheckMs?: number | undefined;
}

/** Options found later (resuming a saved upload by id); the signal is known at once. */
export interface DeferredUploadOptions {
  signal?: AbortSignal | undefined;
  resolve: () => Promise<UploadOptions>;
}

export type UploadPhase =
  | 'check'
  | 'hash'
  | 'locate'
  | 'create'
  | 'upload'
  /** Waiting for the server's offset to show whether an unanswered chunk was applied. */
  | 'settle'
  /** Interrupted with a chunk on its way: waiting (bounded) for MAAS's answer. */
  | 'confirm'
  | 'verify'
  | 'sync'
  | 'done';

export interface UploadProgress {
  phase: UploadPhase;
  /** Bytes handed to the connection, including the chunk in flight; while hashing, bytes hashed. */
  bytesSent: number;
  /** Bytes the server has acknowledged (0 while hashing). */
  bytesAcked: number;
  total: number;
  /**
   * Bytes per second over the last few seconds: while uploading, of bytes MAAS acknowledged (0
   * until the first chunk is); while hashing, of bytes hashed.
   */
  rate: number;
  /** Seconds left at that rate for what MAAS has not acknowledged yet (or not hashed), when known. */
  eta: number | undefined;
}

export interface UploadRetry {
  attempt: number;
  delayMs: number;
  offset: number;
  error: MaasError;
}

export type UploadAction = 'create' | 'resume' | 'already-present';

export interface UploadPlan {
  stateId: string;
  sha256: string;
  size: number;
  chunkSize: number;
  chunks: number;
  action: UploadAction;
  resumeFrom: number;
  resourceId: number | undefined;
  era: string;
  /** Creating: the resource of the same name and architecture whose image this replaces. */
  replaces?: number | undefined;
}

export interface UploadResult {
  resource: BootResource;
  file: BootResourceFile;
  sha256: string;
  size: number;
  action: UploadAction;
  /** Offset the upload started from in this run (0 for a fresh upload). */
  resumedFrom: number;
  /** Bytes handed to the connection in this run (failed attempts included). */
  bytesSent: number;
  /**
   * Of those, bytes this run had already handed over once (or that lay below the offset it started
   * from): what failures cost, whether the server lost a tail, a connection reset or the resource
   * was re-created. `bytesSent - bytesResent` is the file's bytes sent for the first time.
   */
  bytesResent: number;
  retries: number;
  /** The resource was created again after an integrity failure (docs/maas-upload-protocol.md#integrity-errors). */
  recreated: boolean;
  elapsedMs: number;
  stateId: string;
}

export interface UploadEvents {
  phase: [phase: UploadPhase, detail?: string];
  progress: [progress: UploadProgress];
  retry: [retry: UploadRetry];
  warning: [message: string];
}
