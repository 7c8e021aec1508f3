import type { Stats } from 'node:fs';
import { defaultStateDir } from '../upload/state-dir.js';
import { HashCache, sha256File } from '../upload/hash.js';

/** The file's sha256 through the upload's hash cache, so inspecting then uploading hashes once. */
export async function imageSha256(path: string, st: Stats, opts: { stateDir?: string; signal?: AbortSignal }): Promise<string> {
  const cache = new HashCache(opts.stateDir ?? defaultStateDir(process.env));
  const cached = await cache.get(st);
  if (cached) return cached;
  const sha256 = await sha256File(path, { signal: opts.signal, total: st.size });
  await cache.set(st, sha256, path);
  return sha256;
}
