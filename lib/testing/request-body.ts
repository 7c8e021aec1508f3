import type { IncomingMessage } from 'node:http';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** Bodies above this are spooled to a temp file instead of held in memory. */
const SPOOL_THRESHOLD = 64 * 1024 * 1024;
const COPY_BLOCK = 4 * 1024 * 1024;

/** A fully received request body, in memory or spooled to disk. */
export interface ReceivedBody {
  readonly length: number;
  toBuffer(): Promise<Buffer>;
  /** Write the bytes to `fh` at `position` (null = the handle's append/current position). */
  writeTo(fh: FileHandle, position: number | null): Promise<void>;
  dispose(): Promise<void>;
}

class MemoryBody implements ReceivedBody {
  constructor(readonly chunks: Buffer[], readonly length: number) {}
  async toBuffer(): Promise<Buffer> {
    return Buffer.concat(this.chunks, this.length);
  }
  async writeTo(fh: FileHandle, position: number | null): Promise<void> {
    let pos = position;
    // writev in batches: one syscall for many 64 KiB socket chunks, no concatenation.
    for (let i = 0; i < this.chunks.length; i += 512) {
      const batch = this.chunks.slice(i, i + 512);
      const bytes = batch.reduce((n, b) => n + b.length, 0);
      let written = 0;
      while (written < bytes) {
        const rest = written === 0 ? batch : sliceFrom(batch, written);
        const { bytesWritten } = await fh.writev(rest, pos === null ? undefined : pos + written);
        written += bytesWritten;
      }
      if (pos !== null) pos += bytes;
    }
  }
  async dispose(): Promise<void> {}
}

function sliceFrom(buffers: Buffer[], offset: number): Buffer[] {
  const out: Buffer[] = [];
  let skip = offset;
  for (const b of buffers) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    out.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return out;
}

class SpooledBody implements ReceivedBody {
  constructor(readonly path: string, readonly length: number) {}
  async toBuffer(): Promise<Buffer> {
    const fh = await open(this.path, 'r');
    try {
      return await fh.readFile();
    } finally {
      await fh.close();
    }
  }
  async writeTo(fh: FileHandle, position: number | null): Promise<void> {
    const src = await open(this.path, 'r');
    try {
      const block = Buffer.allocUnsafe(COPY_BLOCK);
      let done = 0;
      while (done < this.length) {
        const { bytesRead } = await src.read(block, 0, Math.min(COPY_BLOCK, this.length - done), done);
        if (bytesRead === 0) break;
        let w = 0;
        while (w < bytesRead) {
          const { bytesWritten } = await fh.write(block, w, bytesRead - w, position === null ? null : position + done + w);
          w += bytesWritten;
        }
        done += bytesRead;
      }
    } finally {
      await src.close();
    }
  }
  async dispose(): Promise<void> {
    await rm(this.path, { force: true });
  }
}


export interface ReadBodyOptions {
  spoolDir: string;
  /** Current throttle; read each time so a change applies to requests in flight. */
  bytesPerSecond: () => number | null;
  /** Stop (and report `cut`) once this many bytes have arrived. */
  stopAfter?: number;
  /** Stop (and report `tooLarge`) once more than this many bytes have arrived. */
  maxBytes?: number;
  /** Aborts throttle waits when the simulator stops. */
  signal?: AbortSignal;
  /** Bodies larger than this go to a temp file in `spoolDir` (default 64 MiB). */
  spoolThreshold?: number;
}

type ReadBodyResult =
  | { outcome: 'complete'; body: ReceivedBody }
  | { outcome: 'cut' | 'tooLarge' | 'aborted'; bytes: number };

let spoolCounter = 0;

/** Bytes a throttled link holds between the client's socket and the server (send queue + wire). */
const WIRE_BYTES = 4 * 1024 * 1024;

/** When the next bytes may leave a throttled link: the rate is kept over time, not per chunk. */
class LinkClock {
  #nextDue = performance.now();

  async pass(bytes: number, bps: number | null, signal: AbortSignal | undefined): Promise<void> {
    if (bps === null || bps <= 0) return;
    const now = performance.now();
    // An idle link does not bank credit for a later burst.
    if (this.#nextDue < now - 50) this.#nextDue = now;
    this.#nextDue += (bytes / bps) * 1000;
    if (this.#nextDue - now > 1) await sleep(this.#nextDue - now, undefined, { signal });
  }
}

/**
 * A throttled link, modelled as a queue between the client's socket and the handler: the socket
 * is read as fast as the client writes (up to WIRE_BYTES ahead, as kernel buffers and the wire
 * would hold), and the bytes come out at the link rate. What happens to the queue when the client
 * stops is TCP's: after a FIN (a plain close) the queued bytes still arrive — a late body after
 * a client abort, which the server then applies as usual; after a reset (RST) the client's
 * kernel discards its send queue, so whatever had not crossed the link never arrives.
 */
async function* throughLink(req: IncomingMessage, bytesPerSecond: () => number | null, signal: AbortSignal | undefined): AsyncGenerator<Buffer> {
  const queue: Buffer[] = [];
  let queued = 0;
  let ended = false;
  let reset = false;
  let wake: (() => void) | undefined;
  const poke = (): void => {
    wake?.();
    wake = undefined;
  };
  const socket = req.socket;
  const onData = (c: Buffer): void => {
    queue.push(c);
    queued += c.length;
    if (queued > WIRE_BYTES) req.pause();
    poke();
  };
  const onEnd = (): void => {
    ended = true;
    poke();
  };
  const onClose = (hadError: boolean): void => {
    if (hadError) reset = true;
    ended = true;
    poke();
  };
  const onError = (): void => {
    reset = true;
    poke();
  };
  const listeners: Array<[NodeJS.EventEmitter | undefined, string, Parameters<NodeJS.EventEmitter['on']>[1]]> = [
    [req, 'data', onData],
    [req, 'end', onEnd],
    [req, 'aborted', onError],
    [req, 'error', onError],
    [socket, 'close', onClose],
    [socket, 'error', onError],
  ];
  for (const [emitter, event, fn] of listeners) emitter?.on(event, fn);
  const clock = new LinkClock();
  try {
    for (;;) {
      if (reset) throw new Error('connection reset by the client');
      const chunk = queue.shift();
      if (!chunk) {
        if (ended) return;
        await new Promise<void>((r) => (wake = r));
        continue;
      }
      queued -= chunk.length;
      if (queued <= WIRE_BYTES) req.resume();
      await clock.pass(chunk.length, bytesPerSecond(), signal);
      if (reset) throw new Error('connection reset by the client');
      yield chunk;
    }
  } finally {
    for (const [emitter, event, fn] of listeners) emitter?.off(event, fn);
  }
}

/**
 * Receive a request body completely before anything is applied — nginx buffers request bodies
 * before proxying to regiond (docs/maas-upload-protocol.md#body-size-and-chunk-size), so MAAS never sees half a chunk.
 */
export async function readRequestBody(req: IncomingMessage, opts: ReadBodyOptions): Promise<ReadBodyResult> {
  const chunks: Buffer[] = [];
  let length = 0;
  let spool: { fh: FileHandle; path: string } | undefined;
  const fail = async (outcome: 'cut' | 'tooLarge' | 'aborted') => {
    if (spool) {
      await spool.fh.close().catch(() => {});
      await rm(spool.path, { force: true });
    }
    return { outcome, bytes: length } as const;
  };
  if (opts.stopAfter === 0) return fail('cut');
  let tooLarge = false;
  const throttled = opts.bytesPerSecond() !== null;
  const source: AsyncIterable<Buffer> = throttled ? throughLink(req, opts.bytesPerSecond, opts.signal) : (req as AsyncIterable<Buffer>);
  try {
    for await (const chunk of source) {
      length += chunk.length;
      if (tooLarge) continue;
      if (opts.maxBytes !== undefined && length > opts.maxBytes) {
        // Keep reading (and discarding) so the 413 can be answered on a clean connection.
        tooLarge = true;
        chunks.length = 0;
        continue;
      }
      if (spool) {
        await spool.fh.write(chunk);
      } else {
        chunks.push(chunk);
        if (length > (opts.spoolThreshold ?? SPOOL_THRESHOLD)) {
          const path = join(opts.spoolDir, `body-${process.pid}-${++spoolCounter}`);
          spool = { fh: await open(path, 'w'), path };
          await new MemoryBody(chunks.splice(0), length).writeTo(spool.fh, null);
        }
      }
      if (opts.stopAfter !== undefined && length >= opts.stopAfter) return await fail('cut');
    }
  } catch {
    return fail('aborted');
  }
  if (!req.complete && !(throttled && length > 0 && length === Number(req.headers?.['content-length']))) return fail('aborted');
  if (tooLarge) return fail('tooLarge');
  if (spool) {
    await spool.fh.close();
    return { outcome: 'complete', body: new SpooledBody(spool.path, length) };
  }
  return { outcome: 'complete', body: new MemoryBody(chunks, length) };
}
