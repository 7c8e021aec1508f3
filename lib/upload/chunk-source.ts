import { open, type FileHandle } from 'node:fs/promises';

/** Bytes read from disk per step while a chunk is being sent. */
const SLICE_BYTES = 256 * 1024;

/**
 * Reads chunks of the image into ONE reusable buffer of chunk size, and yields them to the HTTP
 * body slice by slice as the connection takes them (disk reads overlap the send).
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
  async *chunk(offset: number, length: number, onSent: (sent: number) => void): AsyncGenerator<Buffer> {
    if (length > this.#buffer.length) throw new RangeError(`chunk of ${length} bytes exceeds the ${this.#buffer.length}-byte buffer`);
    this.#fh ??= await open(this.path, 'r');
    let done = 0;
    while (done < length) {
      const want = Math.min(SLICE_BYTES, length - done);
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
