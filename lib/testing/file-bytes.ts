import { rm, stat } from 'node:fs/promises';

/** Size on disk, 0 when the file does not exist (3.8's `SyncLocalBootResourceFile.size`). */
export async function sizeOnDisk(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

export { exists } from '../fs/exists.js';

export async function unlinkQuietly(...paths: string[]): Promise<void> {
  await Promise.all(paths.map((p) => rm(p, { force: true })));
}
