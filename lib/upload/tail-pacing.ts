import { setTimeout as sleep } from 'node:timers/promises';
import { afterIoPoll } from './event-loop.js';

/**
 * Holding back the tail of a chunk on a slow link (docs/maas-upload-protocol.md#holding-back-the-tail).
 *
 * Kernel and proxy buffers take megabytes at once, so without it the whole body of a chunk is
 * "handed over" long before it crosses, and a connection dropped late in the crossing leaves the
 * outcome unknown (lib/upload/chunk-outcome.ts): the uploader must watch the server's offset for
 * the settle window. Handing the last bytes over only when the link has nearly reached them makes
 * such a drop come before the body was complete, which the existing rule already calls not
 * applied: nothing new is inferred, so nothing can be misclassified. The hold only moves when
 * bytes are handed over; the classification reads `handedOver` as before.
 */

/**
 * Below this crossing time (a LAN: 8 MiB in 70 ms) the lead would be most of the crossing and
 * timer resolution a large part of it: hold nothing, add no latency. Drops there settle as before.
 */
const SLOW_CROSSING_MS = 500;
/** The tail held back: small, so that the link has little left to carry once it is released. */
const TAIL_BYTES = 64 * 1024;
/**
 * How long before the link would reach the tail (at the fastest chunk's rate) it is released.
 * That rate is a whole chunk over its first byte to MAAS's answer, so it counts the connection's
 * start and MAAS's turnaround as link time: the link is really up to that much ahead of the
 * estimate, and the lead must cover it or the link idles. The fastest chunk's own overhead is the
 * smallest (7 ms over the link's 1.049 s in the bench); a slower MAAS is learnt (TailPacer). The
 * rest covers a late timer. At 60 ms the release came only 5 ms after the bench's drop at 94 %.
 */
const LEAD_MIN_MS = 30;
/** …and grows with the crossing (a slower link's turnaround, timer lateness on a loaded machine). */
const LEAD_FRACTION = 0.03;
/** While holding, the body yields an empty piece this often, so the transport can stop pulling when the request failed. */
const HOLD_POLL_MS = 20;

/** When to hand over the last `tailBytes` of a chunk: `releaseAfterMs` after the attempt started. */
interface TailHold {
  tailBytes: number;
  releaseAfterMs: number;
}

/**
 * The release rule. `fastestBytesPerMs`: the fastest whole chunk so far, first byte to MAAS's
 * answer (a lower bound on the link: it includes MAAS's turnaround), undefined before the first.
 * At that rate the link reaches the tail `(length − tailBytes) / fastestBytesPerMs` ms after the
 * start; the tail goes a lead earlier, so the kernel still holds bytes when it is written.
 * `turnaroundMs`: MAAS's turnaround as held chunks showed it (TailPacer), undefined until then.
 * Undefined: hold nothing (no rate yet, a fast link, a chunk too short to split).
 */
export function tailHold(length: number, fastestBytesPerMs: number | undefined, turnaroundMs?: number): TailHold | undefined {
  if (fastestBytesPerMs === undefined || !(fastestBytesPerMs > 0) || !Number.isFinite(fastestBytesPerMs)) return undefined;
  const crossingMs = length / fastestBytesPerMs;
  if (crossingMs < SLOW_CROSSING_MS) return undefined;
  const tailBytes = Math.min(TAIL_BYTES, Math.floor(length / 16));
  if (tailBytes < 1) return undefined;
  // A MAAS slower to answer than the simulator needs a longer lead: at least its turnaround, once
  // a held chunk has shown it (no margin on top: the bound already holds any slack of the lead
  // that chunk had, and a margin would compound into an ever earlier release).
  const leadMs = Math.max(LEAD_MIN_MS, LEAD_FRACTION * crossingMs, turnaroundMs ?? 0);
  const releaseAfterMs = (length - tailBytes) / fastestBytesPerMs - leadMs;
  return releaseAfterMs > 0 ? { tailBytes, releaseAfterMs } : undefined;
}

/** The clock of a hold; tests substitute their own. */
export interface HoldClock {
  now(): number;
  sleep(ms: number): Promise<unknown>;
  /** Until the event loop has read the sockets once (lib/upload/event-loop.ts). */
  ioTurn(): Promise<unknown>;
}

const realClock: HoldClock = { now: Date.now, sleep: (ms) => sleep(ms), ioTurn: afterIoPoll };
const NOTHING = Buffer.alloc(0);

/** What a hold reports: each poll (the attempt's idle timer: holding is not idling), and the release. */
interface HoldHooks {
  onHold?: () => void;
  /** The tail is about to be handed over, `atMs` after the start. */
  onRelease?: (atMs: number) => void;
}

/**
 * The body of one chunk PUT with its last `hold.tailBytes` held back until `startedAt +
 * hold.releaseAfterMs`. The piece that straddles the boundary is split in two views of the same
 * buffer, both yielded before the body is asked for its next piece, so the contract of
 * lib/upload/chunk-source.ts (a piece's memory is reused once the next is asked for) holds.
 */
export async function* holdTail(
  body: AsyncIterable<Buffer>,
  length: number,
  hold: TailHold | undefined,
  startedAt: number,
  hooks: HoldHooks = {},
  clock: HoldClock = realClock,
): AsyncGenerator<Buffer> {
  if (!hold) return yield* body;
  const heldFrom = length - hold.tailBytes;
  let at = 0;
  let released = false;
  for await (const piece of body) {
    let rest = piece;
    if (!released && at + piece.length > heldFrom) {
      const before = heldFrom - at;
      if (before > 0) yield piece.subarray(0, before);
      yield* untilRelease(startedAt + hold.releaseAfterMs, hooks.onHold ?? (() => undefined), clock);
      hooks.onRelease?.(clock.now() - startedAt);
      released = true;
      rest = before > 0 ? piece.subarray(before) : piece;
    }
    at += piece.length;
    yield rest;
  }
}

/**
 * Wait for the release time, yielding an empty piece every HOLD_POLL_MS: the transport checks
 * between pieces whether its request is still alive (lib/http/direct-http.ts writeBody), so a
 * connection dropped during the hold is noticed within a poll rather than at the release. Then one
 * turn of the event loop before the tail: after a stall (a loaded machine) the late timer runs
 * before the socket events that came during the stall, and a drop from before the release would
 * otherwise find the tail already handed over (unknown: the settle window).
 */
async function* untilRelease(releaseAt: number, onHold: () => void, clock: HoldClock): AsyncGenerator<Buffer> {
  for (let wait = releaseAt - clock.now(); wait > 0; wait = releaseAt - clock.now()) {
    await clock.sleep(Math.min(HOLD_POLL_MS, wait));
    onHold();
    yield NOTHING;
  }
  await clock.ioTurn();
}

/**
 * One upload's tail holds: the release rule, and what the held chunks showed of MAAS's turnaround.
 * A held chunk answered `lag` ms after its tail was handed over took at least MAAS's turnaround
 * after the tail had crossed (`tailBytes` at the fastest chunk's rate, or sooner), and more when
 * the link still carried bytes ahead of the tail: the least such lag, less the tail's crossing,
 * bounds the turnaround from above, and a chunk whose tail the link waited for attains it.
 */
export class TailPacer {
  #turnaroundMs: number | undefined;

  /** The body of a chunk PUT started at `startedAt`, and what to call with the attempt's time once MAAS answered 2xx. */
  pace(body: AsyncIterable<Buffer>, length: number, fastestBytesPerMs: number | undefined, startedAt: number, onHold?: () => void): { body: AsyncGenerator<Buffer>; answered(elapsedMs: number): void } {
    const hold = tailHold(length, fastestBytesPerMs, this.#turnaroundMs);
    let releasedAt: number | undefined;
    const paced = holdTail(body, length, hold, startedAt, { ...(onHold ? { onHold } : {}), onRelease: (at) => (releasedAt = at) });
    const answered = (elapsedMs: number): void => {
      if (!hold || releasedAt === undefined || !fastestBytesPerMs) return;
      const lag = Math.max(0, elapsedMs - releasedAt - hold.tailBytes / fastestBytesPerMs);
      this.#turnaroundMs = Math.min(this.#turnaroundMs ?? lag, lag);
    };
    return { body: paced, answered };
  }
}
