import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Write `text` to `path` so that a crash leaves either the old or the new content, never a
 * torn file: write a 0600 temp file beside it, rename over. `durable` adds an fsync first, for
 * content that must survive a power cut; per-chunk progress does not need it (the server's
 * offset is the truth) and an fsync per chunk costs real throughput on slow disks.
 */
export async function writeFileAtomic(path: string, text: string, durable = true): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(text, 'utf8');
    if (durable) await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
