import { open, type FileHandle } from 'node:fs/promises';
import type { RateLimiter } from './rate-limit.js';

/**
 * Bytes read from disk and handed to the socket per step. Each slice is a trip through the
 * stream, undici and a socket write: on a 512 MiB create (loaded machine) 256 KiB
 * slices cost 2.6 s of CPU, 2 MiB 2.0 s, whole 8 MiB chunks 1.9 s. 2 MiB keeps the disk read of
 * the next slice overlapping the send, which whole chunks lose (goodput on a throttled 8 MB/s
 * link: 0.88 against 0.74–0.83 with 8 MiB slices, same run).
 */
const SLICE_BYTES = 2 * 1024 * 1024;

/**
 * Reads chunks of the image into ONE reusable buffer of chunk size, and yields them to the HTTP
 * body in large slices (under `--limit-rate`, in the limiter's smaller steps).
 *
 * Why not a fresh `fs.createReadStream` per chunk: that allocates a new buffer for every read and
 * leaves it to the garbage collector, which lets a multi-GB upload's RSS drift well above its
 * working set. Here the only large allocation is the chunk buffer, made once, so memory stays
 * flat whatever the image size (docs/architecture.md#where-each-concern-lives: never more than one chunk in memory). The buffer
 * is reused only after the request that used it has finished, successfully or not.
 */
export class ChunkSource {
  readonly #buffer: Buffer;
  #fh: FileHandle | undefined;

  constructor(
    readonly path: string,
    chunkSize: number,
  ) {
    this.#buffer = Buffer.allocUnsafe(chunkSize);
  }

  /** The body of one chunk PUT: `length` bytes from `offset`, reporting bytes handed over. */
  async *chunk(offset: number, length: number, onSent: (sent: number) => void, limiter?: RateLimiter): AsyncGenerator<Buffer> {
    if (length > this.#buffer.length) throw new RangeError(`chunk of ${length} bytes exceeds the ${this.#buffer.length}-byte buffer`);
    this.#fh ??= await open(this.path, 'r');
    let done = 0;
    while (done < length) {
      const want = Math.min(limiter ? limiter.sliceBytes(SLICE_BYTES) : SLICE_BYTES, length - done);
      if (limiter) await limiter.take(want);
      const { bytesRead } = await this.#fh.read(this.#buffer, done, want, offset + done);
      if (bytesRead === 0) throw new Error(`${this.path} ended early at byte ${offset + done} (was it truncated?)`);
      const slice = this.#buffer.subarray(done, done + bytesRead);
      done += bytesRead;
      yield slice;
      onSent(done);
    }
  }

  async close(): Promise<void> {
    const fh = this.#fh;
    this.#fh = undefined;
    await fh?.close();
  }
}
