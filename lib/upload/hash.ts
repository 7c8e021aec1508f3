import { createHash } from 'node:crypto';
import { readSync, type Stats } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { writeFileAtomic } from './atomic-file.js';
import { readBuffer } from './read-buffer.js';

/**
 * 1 MiB synchronous reads into one reused buffer, each hashed at once, then progress, an abort
 * check and a turn of the event loop (timers, signals, Ctrl-C). Synchronous because a read of
 * 1 MiB from the page cache takes microseconds, while libuv's thread pool costs a hand-over (futex,
 * epoll wake) per read. The buffer is not page-aligned (lib/upload/read-buffer.ts): that, not the
 * read size, decided the cost. SHA-256 of 1 GiB from the page cache, 64 bytes past a page: 0.78 s
 * of CPU with 128 KiB reads, 0.76 s with 1 MiB reads (`BENCH_ONLY=align`, docs/performance.md).
 */
const HASH_READ_BYTES = 1024 * 1024;

export interface HashProgress {
  bytesHashed: number;
  total: number;
}

/**
 * Streamed SHA-256 (lowercase hex, as MAAS compares it, docs/maas-upload-protocol.md#fields) of a
 * whole file. One 1 MiB buffer is reused for every read, so memory stays flat whatever the image size.
 */
export async function sha256File(
  path: string,
  opts: { signal?: AbortSignal | undefined; onProgress?: ((p: HashProgress) => void) | undefined; total?: number } = {},
): Promise<string> {
  opts.signal?.throwIfAborted();
  const hash = createHash('sha256');
  const buffer = readBuffer(HASH_READ_BYTES);
  let bytesHashed = 0;
  const fh = await open(path, 'r');
  try {
    for (;;) {
      const bytesRead = readSync(fh.fd, buffer, 0, HASH_READ_BYTES, bytesHashed);
      if (bytesRead === 0) break;
      hash.update(bytesRead === HASH_READ_BYTES ? buffer : buffer.subarray(0, bytesRead));
      bytesHashed += bytesRead;
      opts.onProgress?.({ bytesHashed, total: opts.total ?? bytesHashed });
      await nextTurn();
      opts.signal?.throwIfAborted();
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
