import { stat } from 'node:fs/promises';
import { asMaasError, type MaasError } from '../errors/index.js';
import { HashCache, sha256File, type HashProgress } from '../upload/hash.js';
import { defaultStateDir } from '../upload/state-dir.js';
import type { UploadOptions, UploadResult } from '../upload/types.js';
import type { BootResourceUpload } from '../upload/uploader.js';
import type { MaasClient } from './maas-client.js';
import { startOperation, type Operation } from './operation.js';

/** One MAAS site (a profile) of a fan-out. */
export interface Site {
  name: string;
  client: MaasClient;
}

/** How one site went: `ok` narrows to its `value` or to its `error`, always a MaasError. */
export type SiteOutcome<T> =
  | { site: string; ok: true; value: T; elapsedMs: number }
  | { site: string; ok: false; error: MaasError; elapsedMs: number };

/**
 * Run `work` once per site, at most `parallel` at a time (default 1: one site after the other,
 * so a shared WAN link is not split), in the given order. A failing site never stops the others.
 */
export async function forEachSite<T>(sites: readonly Site[], parallel: number, work: (site: Site) => Promise<T>): Promise<SiteOutcome<T>[]> {
  const outcomes: SiteOutcome<T>[] = new Array(sites.length);
  let next = 0;
  const worker = async () => {
    while (next < sites.length) {
      const i = next++;
      const site = sites[i]!;
      const started = Date.now();
      try {
        outcomes[i] = { site: site.name, ok: true, value: await work(site), elapsedMs: Date.now() - started };
      } catch (error) {
        outcomes[i] = { site: site.name, ok: false, error: asMaasError(error), elapsedMs: Date.now() - started };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, sites.length)) }, worker));
  return outcomes;
}

/** Progress of a fan-out: the one hash, each site's upload as it starts, each site's outcome. */
export type MultiSiteProgress<A = undefined> =
  | ({ kind: 'hash' } & HashProgress)
  | { kind: 'upload'; site: string; upload: BootResourceUpload }
  | { kind: 'site'; outcome: SiteOutcome<SiteUpload<A>> };

/** A site's upload result, and what `afterUpload` returned for it. */
export interface SiteUpload<A = undefined> {
  upload: UploadResult;
  after: A | undefined;
}

export interface MultiSiteUploadOptions<A = undefined> extends UploadOptions {
  /** Sites uploading at once; default 1. */
  parallel?: number | undefined;
  /** @deprecated Listen to the operation's `progress` events of kind `hash`. */
  onHashProgress?: ((p: HashProgress) => void) | undefined;
  /** @deprecated Listen to the operation's `progress` events of kind `upload`. */
  onUpload?: ((site: string, upload: BootResourceUpload) => void) | undefined;
  /** Runs after a site's upload succeeded (e.g. wait until it is ready there); its value is kept. */
  afterUpload?: ((site: Site, result: UploadResult) => Promise<A>) | undefined;
}

type Sha256Source = 'given' | 'cache' | 'hashed';

export interface MultiSiteUpload<A = undefined> {
  sha256: string;
  /** How many times the image was read for its sha256: 0 when the caller gave it or the hash cache knew it, else 1. */
  hashes: number;
  /** Where the sha256 came from: the caller's `sha256`, the hash cache, or one read of the image. */
  sha256From: Sha256Source;
  sites: SiteOutcome<SiteUpload<A>>[];
}

/**
 * Upload one image to several MAAS sites: hash it once (or take the sha256 from the hash cache),
 * then one resumable upload per site (each with its own state, keyed by its MAAS URL),
 * sequential by default or `parallel` at a time. A long operation (lib/client/operation.ts).
 */
export function uploadToSites<A = undefined>(sites: readonly Site[], opts: MultiSiteUploadOptions<A>): Operation<MultiSiteUpload<A>, MultiSiteProgress<A>> {
  const { parallel = 1, onHashProgress, onUpload, afterUpload, ...upload } = opts;
  const op = startOperation<MultiSiteUpload<A>, MultiSiteProgress<A>>('uploading to the sites', { signal: upload.signal }, async ({ signal, progress }) => {
    const { sha256, hashes, sha256From } = await siteSha256({ ...upload, signal }, (p) => progress({ kind: 'hash', ...p }));
    const outcomes = await forEachSite(sites, parallel, async (site) => {
      const up = site.client.bootResources.upload({ ...upload, sha256, signal });
      progress({ kind: 'upload', site: site.name, upload: up });
      const result = await up.done();
      return { upload: result, after: afterUpload ? await afterUpload(site, result) : undefined };
    });
    for (const outcome of outcomes) progress({ kind: 'site', outcome });
    return { sha256, hashes, sha256From, sites: outcomes };
  });
  op.on('progress', (p) => {
    if (p.kind === 'hash') onHashProgress?.({ bytesHashed: p.bytesHashed, total: p.total });
    else if (p.kind === 'upload') onUpload?.(p.site, p.upload);
  });
  return op;
}

/** The given sha256, else the hash cache's (a single upload uses the same), else one read of the file. */
async function siteSha256(upload: UploadOptions, onProgress: (p: HashProgress) => void): Promise<{ sha256: string; hashes: number; sha256From: Sha256Source }> {
  if (upload.sha256) return { sha256: upload.sha256, hashes: 0, sha256From: 'given' };
  // A rerun after every site finished reads no byte of a multi-GB image again.
  const st = await stat(upload.path);
  const cache = new HashCache(upload.stateDir ?? defaultStateDir());
  const cached = await cache.get(st);
  if (cached) return { sha256: cached, hashes: 0, sha256From: 'cache' };
  const sha256 = await sha256File(upload.path, { signal: upload.signal, onProgress, total: st.size });
  await cache.set(st, sha256, upload.path);
  return { sha256, hashes: 1, sha256From: 'hashed' };
}

/** The error of a failed site, as JSON (MaasError's own, secrets never included). */
export function siteErrorJson(error: MaasError): Record<string, unknown> {
  return error.toJSON();
}
