import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-file.js';

/** 4 MiB reads: large enough that hashing runs at the speed of the SHA-256 core, not of syscalls. */
const HASH_READ_BYTES = 4 * 1024 * 1024;

export interface HashProgress {
  bytesHashed: number;
  total: number;
}

/**
 * Streamed SHA-256 (lowercase hex, as MAAS compares it, docs/maas-upload-protocol.md#fields) of a whole file.
 * One 4 MiB buffer is reused for every read, so memory stays flat whatever the image size
 * (a read stream would allocate, and leave to the GC, a new buffer per read).
 */
export async function sha256File(
  path: string,
  opts: { signal?: AbortSignal | undefined; onProgress?: ((p: HashProgress) => void) | undefined; total?: number } = {},
): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(HASH_READ_BYTES);
  let bytesHashed = 0;
  const fh = await open(path, 'r');
  try {
    for (;;) {
      opts.signal?.throwIfAborted();
      const { bytesRead } = await fh.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      bytesHashed += bytesRead;
      opts.onProgress?.({ bytesHashed, total: opts.total ?? bytesHashed });
    }
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}

/**
 * sha256 values keyed by (dev, inode, size, mtime), so a resume or rerun of a multi-GB upload
 * never hashes again (docs/architecture.md#data-flow-of-an-upload step 2). Any change to the file changes the key.
 */
export class HashCache {
  readonly path: string;
  static readonly MAX_ENTRIES = 200;

  constructor(stateDir: string) {
    this.path = join(stateDir, 'hash-cache.json');
  }

  static key(st: Pick<Stats, 'dev' | 'ino' | 'size' | 'mtimeMs'>): string {
    return `${st.dev}:${st.ino}:${st.size}:${Math.round(st.mtimeMs * 1000)}`;
  }

  async get(st: Pick<Stats, 'dev' | 'ino' | 'size' | 'mtimeMs'>): Promise<string | undefined> {
    const entries = await this.#read();
    return entries[HashCache.key(st)]?.sha256;
  }

  async set(st: Pick<Stats, 'dev' | 'ino' | 'size' | 'mtimeMs'>, sha256: string, path: string): Promise<void> {
    const entries = await this.#read();
    entries[HashCache.key(st)] = { sha256, path, at: new Date().toISOString() };
    const kept = Object.entries(entries)
      .sort((a, b) => b[1].at.localeCompare(a[1].at))
      .slice(0, HashCache.MAX_ENTRIES);
    await writeFileAtomic(this.path, JSON.stringify(Object.fromEntries(kept), null, 2));
  }

  async #read(): Promise<Record<string, { sha256: string; path: string; at: string }>> {
    try {
      const parsed: unknown = JSON.parse(await readFile(this.path, 'utf8'));
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, { sha256: string; path: string; at: string }>) : {};
    } catch {
      return {};
    }
  }
}
