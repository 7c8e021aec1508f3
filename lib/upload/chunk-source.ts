import { closeSync, openSync, readSync } from 'node:fs';
import type { RateLimiter } from './rate-limit.js';
import { readBuffer } from './read-buffer.js';

/**
 * Bytes read from disk and handed to the socket per step: 512 KiB. A fresh 1 GiB create, A/B
 * runs in turn (7 December 2026): 512 KiB slices took 0.90× the CPU of 2 MiB slices (sys 0.56
 * against 0.84 s), 256 KiB 0.95× (the per-slice work in JavaScript starts to show). Not for the
 * L2 cache, as this said before: what made reads dear was a page-aligned buffer
 * (lib/upload/read-buffer.ts). Each slice reaches the socket while the next is read, which whole
 * 8 MiB chunks lose on a throttled link.
 */
const SLICE_BYTES = 512 * 1024;

/**
 * Reads chunks of the image slice by slice into ONE reusable buffer of one slice (512 KiB), and yields them
 * to the HTTP body (under `--limit-rate`, in the limiter's smaller steps).
 *
 * Why not a fresh `fs.createReadStream` per chunk: that allocates a new buffer for every read and
 * leaves it to the garbage collector, which lets a multi-GB upload's RSS drift well above its
 * working set. Why not a buffer of a whole chunk: 8 MiB of RSS for bytes that go out a slice at a
 * time. The contract with the body's consumer: a slice's memory is overwritten by the next one,
 * so the consumer asks for the next slice only once the socket has taken all of this one
 * (lib/http/direct-http.ts waits for the write's callback; lib/http/proxied.ts copies, as undici
 * reads ahead). The buffer is made once, so memory stays flat whatever the image size
 * (docs/architecture.md#where-each-concern-lives: never more than one chunk in memory).
 */
export class ChunkSource {
  readonly #buffer: Buffer;
  #fd: number | undefined;

  constructor(
    readonly path: string,
    chunkSize: number,
  ) {
    this.#buffer = readBuffer(Math.min(chunkSize, SLICE_BYTES));
  }

  /** The body of one chunk PUT: `length` bytes from `offset`, reporting bytes handed over. */
  async *chunk(offset: number, length: number, onSent: (sent: number) => void, limiter?: RateLimiter): AsyncGenerator<Buffer> {
    this.#fd ??= openSync(this.path, 'r');
    const buffer = this.#buffer;
    let done = 0;
    while (done < length) {
      const want = Math.min(limiter ? limiter.sliceBytes(buffer.length) : buffer.length, length - done);
      if (limiter) await limiter.take(want);
      // Synchronous, as the hash reads: a slice from the page cache takes well under a
      // millisecond, and libuv's thread pool would cost a hand-over per slice and copy the bytes
      // on another core (1 GiB in 8 MiB PUTs to a loopback sink: 0.78 s of CPU against 0.96–1.09 s
      // with FileHandle.read, same run).
      const bytesRead = readSync(this.#fd, buffer, 0, want, offset + done);
      if (bytesRead === 0) throw new Error(`${this.path} ended early at byte ${offset + done} (was it truncated?)`);
      done += bytesRead;
      yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
      onSent(done);
    }
  }

  async close(): Promise<void> {
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd !== undefined) closeSync(fd);
  }
}
