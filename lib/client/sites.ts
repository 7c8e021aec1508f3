import { stat } from 'node:fs/promises';
import { MaasError } from '../errors/index.js';
import { HashCache, sha256File, type HashProgress } from '../upload/hash.js';
import { defaultStateDir } from '../upload/state-dir.js';
import type { UploadOptions, UploadResult } from '../upload/types.js';
import type { BootResourceUpload } from '../upload/uploader.js';
import type { MaasClient } from './maas-client.js';

/** One MAAS site (a profile) of a fan-out. */
export interface Site {
  name: string;
  client: MaasClient;
}

export interface SiteOutcome<T> {
  site: string;
  ok: boolean;
  value?: T | undefined;
  error?: unknown;
  elapsedMs: number;
}

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
        outcomes[i] = { site: site.name, ok: false, error, elapsedMs: Date.now() - started };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, sites.length)) }, worker));
  return outcomes;
}

export interface MultiSiteUploadOptions extends UploadOptions {
  /** Sites uploading at once; default 1. */
  parallel?: number | undefined;
  onHashProgress?: ((p: HashProgress) => void) | undefined;
  /** Each site's upload object as it starts, to follow its events. */
  onUpload?: ((site: string, upload: BootResourceUpload) => void) | undefined;
  /** Runs after a site's upload succeeded (e.g. wait until it is ready there). */
  afterUpload?: ((site: Site, result: UploadResult) => Promise<unknown>) | undefined;
}

export interface MultiSiteUpload {
  sha256: string;
  /** How many times the image was read for its sha256: 0 when the caller gave it or the hash cache knew it, else 1. */
  hashes: number;
  sites: SiteOutcome<{ upload: UploadResult; after?: unknown }>[];
}

/**
 * Upload one image to several MAAS sites: hash it once, then one resumable upload per site
 * (each with its own state, keyed by its MAAS URL), sequential by default or `parallel` at a time.
 */
export async function uploadToSites(sites: readonly Site[], opts: MultiSiteUploadOptions): Promise<MultiSiteUpload> {
  const { parallel = 1, onHashProgress, onUpload, afterUpload, ...upload } = opts;
  let sha256 = upload.sha256;
  let hashes = 0;
  if (!sha256) {
    // The same cache a single upload uses: a rerun after every site finished reads no byte again.
    const st = await stat(upload.path);
    const cache = new HashCache(upload.stateDir ?? defaultStateDir());
    sha256 = await cache.get(st);
    if (!sha256) {
      sha256 = await sha256File(upload.path, { signal: upload.signal, onProgress: onHashProgress, total: st.size });
      await cache.set(st, sha256, upload.path);
      hashes = 1;
    }
  }
  const outcomes = await forEachSite(sites, parallel, async (site) => {
    const up = site.client.bootResources.upload({ ...upload, sha256 });
    onUpload?.(site.name, up);
    const result = await up.done();
    return { upload: result, after: afterUpload ? await afterUpload(site, result) : undefined };
  });
  return { sha256, hashes, sites: outcomes };
}

/** The error of a failed site, as a MaasError-like JSON object. */
export function siteErrorJson(error: unknown): Record<string, unknown> {
  if (error instanceof MaasError) return error.toJSON();
  return { name: error instanceof Error ? error.name : 'Error', message: error instanceof Error ? error.message : String(error) };
}
