/**
 * What became of one chunk PUT. MAAS appends every accepted body blindly
 * (src/maasserver/api/boot_resources.py BootResourceFileUploadHandler.update), so this decides
 * whether the next PUT may carry the next chunk, the same chunk, or must wait for the server's
 * offset to tell.
 */
export type ChunkOutcome = 'applied' | 'not-applied' | 'unknown';

interface ChunkAnswer {
  /** The HTTP status that came back; undefined when no answer arrived (reset, timeout, abort). */
  status: number | undefined;
  /** Bytes of the body handed to the connection. */
  handedOver: number;
  /** The chunk's length. */
  length: number;
  /**
   * Whether the whole body could have crossed the link before the failure, judged against the
   * fastest whole chunk so far with a 25 % margin ("handed over" only means the kernel took it,
   * and kernel buffers hold megabytes). Undefined when unknown.
   */
  couldHaveArrived?: boolean | undefined;
}

/**
 * The rules:
 * - An answer from MAAS is never ambiguous. 2xx: applied. Any other MAAS answer (4xx, 500, 503
 *   with or without Retry-After): not applied — the handler raised, so its transaction rolled
 *   back, or it never ran (src/maasserver/utils/views.py: every request runs in a transaction).
 * - 502 and 504 are the proxy's words, not MAAS's: MAAS may have applied the chunk: unknown.
 * - No answer and part of the body never handed over: nginx buffers the whole body before it
 *   passes the request on, so MAAS never saw it: not applied.
 * - No answer after the whole body was handed over, but sooner than it could have crossed the
 *   link: not applied, for the same reason.
 * - No answer after the whole body was handed over: unknown; only the server's offset can tell.
 */
export function classifyChunkOutcome(answer: ChunkAnswer): ChunkOutcome {
  const { status } = answer;
  if (status !== undefined) {
    if (status >= 200 && status < 300) return 'applied';
    if (status === 502 || status === 504) return 'unknown';
    return 'not-applied';
  }
  return answer.handedOver < answer.length || answer.couldHaveArrived === false ? 'not-applied' : 'unknown';
}

/**
 * The fastest whole chunk so far, as a rate: its length over first byte to MAAS's answer. That
 * time includes MAAS's turnaround, so the rate is a lower bound on the link's. It is a maximum
 * over answered chunks, so a chunk slowed by anything (the tail held back, a busy server) never
 * lowers it.
 */
export class FastestChunk {
  #bytesPerMs: number | undefined;

  get bytesPerMs(): number | undefined {
    return this.#bytesPerMs;
  }

  /** An answered chunk of `length` bytes took `elapsedMs`. */
  record(length: number, elapsedMs: number): void {
    this.#bytesPerMs = Math.max(this.#bytesPerMs ?? 0, length / Math.max(1, elapsedMs));
  }

  /** Whether `length` bytes could have crossed in `elapsedMs`, with a 25 % margin; undefined before the first answered chunk. */
  couldHaveArrived(length: number, elapsedMs: number): boolean | undefined {
    return this.#bytesPerMs === undefined ? undefined : this.#bytesPerMs * elapsedMs * 1.25 >= length;
  }
}
