/**
 * Deliver the image to the output directory and hash it once, streaming (images are GBs), so
 * the uploader can use the digest instead of reading the file again (docs/architecture.md#data-flow-of-an-upload step 2).
 * Same filesystem: rename, then hash. Across filesystems: copy and hash in the same pass.
 * Either way the destination appears atomically (temp name + rename).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Transform } from 'node:stream';
import { sha256File } from '../upload/hash.js';
import { pipeline } from 'node:stream/promises';

interface DeliveredArtifact {
  path: string;
  size: number;
  sha256: string;
}

const READ_CHUNK = 4 * 1024 * 1024;

export async function moveArtifact(src: string, outputDir: string, signal?: AbortSignal): Promise<DeliveredArtifact> {
  const dest = join(outputDir, basename(src));
  try {
    await rename(src, dest);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    return copyAndHash(src, dest, signal);
  }
  const sha256 = await sha256File(dest, { signal });
  return { path: dest, size: (await stat(dest)).size, sha256 };
}

async function copyAndHash(src: string, dest: string, signal?: AbortSignal): Promise<DeliveredArtifact> {
  const partial = `${dest}.partial-${process.pid}`;
  const hash = createHash('sha256');
  let size = 0;
  const tee = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  try {
    await pipeline(createReadStream(src, { highWaterMark: READ_CHUNK }), tee, createWriteStream(partial, { flags: 'wx' }), { signal });
    await rename(partial, dest);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  await unlink(src).catch(() => undefined);
  return { path: dest, size, sha256: hash.digest('hex') };
}
