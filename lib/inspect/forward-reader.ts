import { ImageInspectError } from './errors.js';
import { openDecompressed, type Compression, type DecompressedStream } from './decompressed-stream.js';

/**
 * Random-looking reads over a forward-only decompressed stream. Reads ahead of the position skip
 * (and drop) the bytes between; a read behind it starts the stream again from the beginning (a
 * new pass). Memory holds one decompressed chunk plus what the caller asked for, whatever the
 * image size (docs/image-inspection.md#streaming).
 */
export class ForwardReader {
  readonly #path: string;
  readonly #compression: Compression;
  #stream: DecompressedStream | undefined;
  #pending: Buffer = Buffer.alloc(0);
  /** Offset in the decompressed image of `#pending[0]`. */
  #position = 0;
  /** Decompressed bytes pulled from the decompressor over every pass. */
  bytesDecompressed = 0;
  /** Furthest decompressed offset reached. */
  furthest = 0;
  passes = 0;

  constructor(path: string, compression: Compression) {
    this.#path = path;
    this.#compression = compression;
  }

  /** `length` bytes at `offset`; fewer only when the image ends first (`allowShort`). */
  async read(offset: number, length: number, allowShort = false): Promise<Buffer> {
    if (!this.#stream || offset < this.#position) this.#restart();
    await this.#skipTo(offset);
    const parts: Buffer[] = [];
    let got = 0;
    while (got < length) {
      if (this.#pending.length === 0 && !(await this.#pull())) break;
      const take = this.#pending.subarray(0, length - got);
      parts.push(take);
      got += take.length;
      this.#advance(take.length);
    }
    if (got < length && !allowShort) throw this.#truncated(offset + got);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, got);
  }

  close(): void {
    this.#stream?.close();
    this.#stream = undefined;
  }

  #restart(): void {
    this.close();
    this.#stream = openDecompressed(this.#path, this.#compression);
    this.#pending = Buffer.alloc(0);
    this.#position = 0;
    this.passes += 1;
  }

  async #skipTo(offset: number): Promise<void> {
    while (this.#position < offset) {
      if (this.#pending.length === 0 && !(await this.#pull())) throw this.#truncated(this.#position);
      this.#advance(Math.min(this.#pending.length, offset - this.#position));
    }
  }

  #advance(n: number): void {
    this.#pending = this.#pending.subarray(n);
    this.#position += n;
    this.furthest = Math.max(this.furthest, this.#position);
  }

  /** The next decompressed chunk; false at the end of the image. */
  async #pull(): Promise<boolean> {
    let next: IteratorResult<Buffer>;
    try {
      next = await this.#stream!.chunks.next();
    } catch (err) {
      if (err instanceof ImageInspectError) throw err;
      if (isTruncation(err)) throw this.#truncated(this.#position);
      throw new ImageInspectError(`Cannot decompress ${this.#path}: ${(err as Error).message}.`, {
        code: 'UNREADABLE',
        hint: 'Check that the file is a complete image of the type its name says.',
        cause: err,
      });
    }
    if (next.done) return false;
    this.#pending = next.value;
    this.bytesDecompressed += next.value.length;
    return true;
  }

  #truncated(at: number): ImageInspectError {
    const what = this.#compression === 'none' ? 'image' : `${this.#compression}-compressed image`;
    return new ImageInspectError(`${this.#path} is a truncated ${what}: it ends after ${at} bytes of disk, before the partitions it lists.`, {
      code: 'TRUNCATED',
      hint: 'Copy or download the image again and compare its sha256 with the one the build printed.',
    });
  }
}

function isTruncation(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'Z_BUF_ERROR' || /unexpected end/i.test((err as Error | undefined)?.message ?? '');
}
