import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import type { MaasApiClient } from '../http/api-client.js';
import { MaasError, MaasNotFoundError, UploadConflictError, UploadInputError } from '../errors/index.js';
import type { BootResources } from '../resources/boot-resources.js';
import { imageNameKey } from '../resources/image-name.js';
import { readVersion, whoami } from '../resources/server.js';
import type { BootResource, BootResourceFile, BootResourceFiletype, BootResourceSummary, MaasEra } from '../resources/types.js';
import { assertChunkSize, assertFiletype, assertNameAndArchitecture, DEFAULT_CHUNK_SIZE, serverNameRules } from './checks.js';
import { sha256File } from './hash.js';
import { findFileBySha256 } from './server-offset.js';
import { assertFiletypeMatches, sniffImageType } from './sniff.js';
import { fingerprintId, type UploadFingerprint, type UploadState } from './state-store.js';
import type { UploadOptions } from './types.js';

/** Where resume state lives (injectable: `UploadDeps.store`). */
export interface UploadStateStorage {
  get(id: string): Promise<UploadState | undefined>;
  save(state: UploadState, durable?: boolean): Promise<void>;
  remove(id: string): Promise<boolean>;
  lock(id: string): Promise<() => Promise<void>>;
  list(): Promise<UploadState[]>;
}

/** Where known sha256s live (injectable: `UploadDeps.hashCache`). */
export interface HashLookup {
  get(st: Pick<Stats, 'dev' | 'ino' | 'size' | 'mtimeMs'>): Promise<string | undefined>;
  set(st: Pick<Stats, 'dev' | 'ino' | 'size' | 'mtimeMs'>, sha256: string, path: string): Promise<void>;
}

interface LocateDeps {
  api: MaasApiClient;
  resources: BootResources;
  store: UploadStateStorage;
  hashCache: HashLookup;
}

/** Region controllers as MAAS counts them for `progress`. */
interface Regions {
  count: number;
  names: string[];
  /** Read from MAAS, or learnt from an acknowledged offset (lib/upload/server-offset.ts regionCountFor); else `count` is the configured guess. */
  known: boolean;
}

export interface Located {
  st: Stats;
  path: string;
  sha256: string;
  era: MaasEra;
  regions: Regions;
  stateId: string;
  fingerprint: UploadFingerprint;
  filetype: BootResourceFiletype;
  chunkSize: number;
  state: UploadState | undefined;
  /** Existing server-side file to resume or report, when one was found. */
  found: { resource: BootResource; file: BootResourceFile; via: 'state' | 'server' | 'same-image' } | undefined;
  /** With nothing found: the uploaded resource of this name and architecture the upload replaces. */
  replaces: number | undefined;
}

interface LocateEvents {
  phase: (phase: 'check' | 'hash' | 'locate', detail?: string) => void;
  hash: (p: { bytesHashed: number; total: number }) => void;
  warning: (message: string) => void;
}
export const NO_EVENTS: LocateEvents = { phase: () => undefined, hash: () => undefined, warning: () => undefined };

/**
 * Check, authenticate, hash and find any existing upload (docs/maas-upload-protocol.md); writes
 * nothing to MAAS. The credentials are checked before hashing: a wrong key must not cost the
 * minutes a multi-GB hash takes. `resumingSaved`: the options came from a saved upload
 * (`bootResources.resume`), not from a caller who named the file; such a run resumes onto its own
 * file only (below).
 */
export async function locateUpload(deps: LocateDeps, o: UploadOptions, on: LocateEvents, resumingSaved = false): Promise<Located> {
  on.phase('check');
  const filetype = o.filetype ?? 'ddgz';
  assertFiletype(filetype);
  const chunkSize = o.chunkSize ?? DEFAULT_CHUNK_SIZE;
  assertChunkSize(chunkSize);
  if (o.limitRate !== undefined && !(o.limitRate >= 1024)) {
    throw new UploadInputError(`Rate limit ${o.limitRate} B/s is too low.`, { code: 'BAD_RATE', hint: 'Set limitRate to 1024 bytes per second or more.' });
  }
  const path = resolvePath(o.path);
  const st = await statImage(path);
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
  // Signed: a wrong or revoked key fails here, before the hash (users/?op=whoami needs auth).
  await whoami(deps.api, o.signal);
  // What the server's BootResourceForm would refuse only after the hash (docs/maas-upload-protocol.md#architecture-rules).
  assertNameAndArchitecture(o.name, o.architecture, era, serverNameRules(await deps.resources.list('all', o.signal)));
  const skewMs = deps.api.transport.clockSkewMs;
  if (skewMs !== undefined && Math.abs(skewMs) > 30_000 && deps.api.signer) {
    // MAAS rejects timestamps older than 300 s: sign with the server's clock.
    deps.api.signer.clockOffsetSeconds = Math.round(skewMs / 1000);
    on.warning(`This machine's clock differs from the MAAS server's by ${Math.round(skewMs / 1000)} s; signing requests with the server's time.`);
  }
  const regions = await readRegions(deps, o, on);

  const sha256 = await imageSha256(deps, o, st, path, on);

  on.phase('locate');
  const fingerprint: UploadFingerprint = { apiUrl: deps.api.apiUrl, name: o.name, architecture: o.architecture, path, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino };
  const stateId = fingerprintId(fingerprint);
  const resume = o.resume ?? true;
  const state = resume ? await deps.store.get(stateId) : undefined;
  const saved = state && state.sha256 === sha256 ? state : undefined;
  let found = saved ? await fromSavedState(deps, o, saved) : undefined;
  // The three lookups below share one `GET boot-resources/?type=uploaded` and one read per resource.
  const server = serverReads(deps, o.signal);
  if (!found && resume) found = await findOnServer(deps, o, sha256, st.size, server);
  if (!found && era === '3.8') found = await findSameImage(o, sha256, st.size, server);
  const replaces = found ? undefined : sameNameResource(await server.uploaded(), o);
  // A saved upload MAAS no longer holds (deleted, or replaced by a later upload of the name,
  // whose older files MAAS deletes) cannot resume: say why this run sends from byte 0. When the
  // name now holds another image, a resume by id would replace it, which its user may not know:
  // refused (a caller who names the file replaces on purpose).
  if (!found && saved) {
    if (resumingSaved && replaces !== undefined) throw resumeWouldReplace(saved, replaces);
    on.warning(`The saved upload of ${o.name} (boot resource ${saved.resourceId}) is no longer in MAAS (deleted, or replaced by a later upload); starting over.`);
  }
  if (replaces !== undefined) on.warning(replacementNote(o, replaces));
  return { st, path, sha256, era, regions, stateId, fingerprint, filetype, chunkSize, state, found, replaces };
}

/** The saved upload's resource and file, when MAAS still holds that file (complete, or at the saved upload URI). */
async function fromSavedState(deps: LocateDeps, o: UploadOptions, state: UploadState): Promise<Located['found']> {
  try {
    const resource = await deps.resources.read(state.resourceId, o.signal);
    const match = findFileBySha256(resource, state.sha256);
    return match && (match.file.complete || match.file.upload_uri === state.uploadUri) ? { resource, file: match.file, via: 'state' } : undefined;
  } catch (err) {
    if (!(err instanceof MaasNotFoundError)) throw err;
    return undefined;
  }
}

/** The given sha256 (trusted for this run only), the cached one, or a fresh hash that is then cached. */
async function imageSha256(deps: LocateDeps, o: UploadOptions, st: Stats, path: string, on: LocateEvents): Promise<string> {
  const cached = await deps.hashCache.get(st);
  on.phase('hash', o.sha256 ? 'given' : cached ? 'cached' : undefined);
  if (o.sha256) {
    if (!/^[0-9a-fA-F]{64}$/.test(o.sha256)) throw new UploadInputError(`'${o.sha256}' is not a sha256.`, { code: 'BAD_SHA256', hint: 'Pass 64 hexadecimal digits, or leave it out to let maas-esxi hash the file.' });
    // A mistyped hash must not poison the cache.
    return o.sha256.toLowerCase();
  }
  if (cached) return cached;
  const sha256 = await sha256File(path, { signal: o.signal, total: st.size, onProgress: on.hash });
  await deps.hashCache.set(st, sha256, path);
  return sha256;
}

async function statImage(path: string): Promise<Stats> {
  let st: Stats;
  try {
    st = await stat(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    throw new UploadInputError(code === 'ENOENT' ? `No such file: ${path}` : `Cannot read ${path}: ${(cause as Error).message}`, {
      code: code ?? 'UNREADABLE',
      cause,
      hint: 'Check the path option.',
    });
  }
  if (!st.isFile()) throw new UploadInputError(`${path} is not a regular file.`, { code: 'NOT_A_FILE', hint: 'Point content@= at the image file (e.g. vmware-esxi.dd.gz).' });
  if (st.size === 0) throw new UploadInputError(`${path} is empty.`, { code: 'EMPTY_FILE', hint: 'Rebuild the image; an empty file can never be uploaded to MAAS.' });
  return st;
}

/**
 * MAAS divides a file's progress by the number of region controllers
 * (src/maasserver/models/bootresourcefile.py BootResourceFile.progress), so read that number from
 * `regioncontrollers/` rather than trust `--regions`: a wrong count would skip or resend bytes.
 */
async function readRegions(deps: LocateDeps, o: UploadOptions, on: LocateEvents): Promise<Regions> {
  const configured = o.regions ?? 1;
  let listed: Array<{ hostname?: string; system_id?: string }>;
  try {
    listed = await deps.api.json('GET', 'regioncontrollers/', { signal: o.signal });
  } catch (err) {
    if (!(err instanceof MaasError) || o.signal?.aborted) throw err;
    return { count: configured, names: [], known: false };
  }
  if (!Array.isArray(listed) || listed.length === 0) return { count: configured, names: [], known: false };
  const names = listed.map((r) => r.hostname ?? r.system_id ?? '?');
  if (o.regions !== undefined && o.regions !== names.length) {
    on.warning(`--regions ${o.regions} given, but MAAS has ${names.length} region controller${names.length === 1 ? '' : 's'} (${names.join(', ')}); using MAAS's count.`);
  }
  return { count: names.length, names, known: true };
}

/**
 * Without saved state, look for an uploaded resource with the same name and architecture whose
 * file has the same sha256 and size. ≤3.7 stores `custom/x` as `x`.
 */
export async function findOnServer(
  deps: LocateDeps,
  o: UploadOptions,
  sha256: string,
  size: number,
  server: ServerReads = serverReads(deps, o.signal),
): Promise<Located['found']> {
  const candidates = (await server.uploaded()).filter((r) => sameNameAndArchitecture(r, o));
  for (const summary of candidates) {
    const resource = await server.read(summary.id);
    const match = findFileBySha256(resource, sha256);
    if (match && match.file.size === size && (match.file.complete || match.file.upload_uri)) return { resource, file: match.file, via: 'server' };
  }
  return undefined;
}

/**
 * MAAS 3.8 names a new file after the existing one with the same sha256
 * (src/maasserver/models/bootresourcefile.py BootResourceFileManager.calculate_filename_on_disk)
 * but gives it no sync row, so the upload handler sees an empty file while the disk copy is full:
 * the first chunk overflows it and SyncLocalBootResourceFile.append_chunk
 * (src/maasservicelayer/utils/image_local_files.py) deletes the copy the other resource serves.
 * Nothing in MAAS's API avoids that, so the choice is the user's (UploadOptions.sameImage).
 */
async function findSameImage(o: UploadOptions, sha256: string, size: number, server: ServerReads): Promise<Located['found']> {
  const choice = o.sameImage ?? 'refuse';
  if (choice === 'rebuild') return undefined;
  for (const summary of await server.uploaded()) {
    const resource = await server.read(summary.id);
    const match = findFileBySha256(resource, sha256);
    if (!match?.file.complete || match.file.size !== size) continue;
    if (choice === 'reuse') return { resource, file: match.file, via: 'same-image' };
    throw new UploadConflictError(
      `MAAS already holds this image as boot resource ${resource.id} (${resource.name}, ${resource.architecture}); MAAS 3.8 keeps one file per sha256, so uploading it as ${o.name} would empty that copy until the new upload completes (for good if it is interrupted).`,
      {
        code: 'SAME_IMAGE',
        hint: `Deploy ${resource.name} (${resource.architecture}) instead, or upload again with sameImage: 'reuse' (report the existing resource) or sameImage: 'rebuild' (upload again at once, accepting that ${resource.name} cannot deploy until it completes).`,
      },
    );
  }
  return undefined;
}

/**
 * An uploaded resource with this name and architecture (another image, or nothing would be sent):
 * MAAS's BootResourceForm.save reuses it, adds a set, and deletes the older sets' files unless
 * keep_old (docs/maas-upload-protocol.md#same-name-and-architecture-twice).
 */
function sameNameResource(uploaded: BootResourceSummary[], o: UploadOptions): number | undefined {
  return uploaded.find((r) => sameNameAndArchitecture(r, o))?.id;
}

/** The uploaded resources and each one's details, each read from MAAS at its first use and then reused. */
interface ServerReads {
  uploaded(): Promise<BootResourceSummary[]>;
  read(id: number): Promise<BootResource>;
}

function serverReads(deps: LocateDeps, signal: AbortSignal | undefined): ServerReads {
  let uploaded: Promise<BootResourceSummary[]> | undefined;
  const reads = new Map<number, Promise<BootResource>>();
  return {
    uploaded: () => (uploaded ??= deps.resources.list('uploaded', signal)),
    read(id) {
      let reading = reads.get(id);
      if (!reading) reads.set(id, (reading = deps.resources.read(id, signal)));
      return reading;
    },
  };
}

function resumeWouldReplace(state: UploadState, holder: number): UploadConflictError {
  const { name, architecture } = state.params;
  return new UploadConflictError(
    `Upload ${state.id} of ${name} cannot resume: MAAS no longer holds its file, and ${name} (${architecture}) now holds another image (boot resource ${holder}); resuming would replace that image.`,
    // No structured fix: the two ways out are commands with this upload's own id and file.
    {
      code: 'RESUME_REPLACED',
      hint: `To keep that image, drop this saved upload with bootResources.forget('${state.id}'); to replace it with ${state.fingerprint.path} on purpose, upload that file with bootResources.upload (which drops the saved upload itself).`,
    },
  );
}

/** The resource of this upload's name (as given, or as ≤3.7 stores a custom name) and architecture. */
function sameNameAndArchitecture(r: { name: string; architecture: string }, o: Pick<UploadOptions, 'name' | 'architecture'>): boolean {
  return (r.name === o.name || r.name === imageNameKey(o.name)) && r.architecture === o.architecture;
}

/** What replacing means, said before anything is sent (and by a dry run). */
export function replacementNote(o: Pick<UploadOptions, 'name' | 'architecture' | 'keep_old'>, resourceId: number): string {
  return o.keep_old
    ? `${o.name} (${o.architecture}) already exists in MAAS as boot resource ${resourceId}: this image becomes its newest version, and keep_old=true keeps the older files.`
    : `${o.name} (${o.architecture}) already exists in MAAS as boot resource ${resourceId}: this image replaces it, and MAAS deletes the older image's file (keep_old=true keeps it).`;
}
