import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';

/** SHA-256 of a stored file, streamed with large reads (MAAS re-reads the whole file, docs/maas-upload-protocol.md#the-final-chunk). */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const block of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) {
    hash.update(block as Buffer);
  }
  return hash.digest('hex');
}

/** Size on disk, 0 when the file does not exist (3.8's `SyncLocalBootResourceFile.size`). */
export async function sizeOnDisk(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export async function unlinkQuietly(...paths: string[]): Promise<void> {
  await Promise.all(paths.map((p) => rm(p, { force: true })));
}
