import { Transform, type TransformCallback } from 'node:stream';

/** Passes bytes through unchanged and reports how many went by (bytes handed to the socket). */
export class CountingStream extends Transform {
  bytes = 0;
  constructor(private readonly onBytes: (total: number) => void) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    this.onBytes(this.bytes);
    cb(null, chunk);
  }
}
