import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Write `text` to `path` so that a crash leaves either the old or the new content, never a
 * torn file: write a 0600 temp file beside it, rename over. `durable` adds an fsync first, for
 * content that must survive a power cut; per-chunk progress does not need it (the server's
 * offset is the truth) and an fsync per chunk costs real throughput on slow disks.
 *
 * Synchronous inside: the upload saves its state before every chunk, and through fs/promises
 * each of mkdir, open, write, close and rename was a hand-over to libuv's thread pool (a futex
 * and an epoll wake each: about 0.3 ms of CPU per save on the bench machine,
 * docs/performance.md), where a small file's write to the page cache takes microseconds. So a save is
 * open, write, close, rename, and a mkdir only when the directory is missing. Being synchronous
 * also makes the temp name safe without random bytes: no other save of this process can run
 * between its open and its rename, and another process has another pid.
 */
export async function writeFileAtomic(path: string, text: string, durable = true): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openTemp(tmp);
  try {
    try {
      writeFileSync(fd, text);
      if (durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

function openTemp(tmp: string): number {
  try {
    return openSync(tmp, 'w', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(dirname(tmp), { recursive: true, mode: 0o700 });
    return openSync(tmp, 'w', 0o600);
  }
}
