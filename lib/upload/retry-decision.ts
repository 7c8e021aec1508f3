import { backoffDelay, type BackoffPolicy } from '../http/backoff.js';
import type { MaasEra } from '../resources/types.js';
import { chunkSizeFor } from './chunk-size.js';

/**
 * What to do after a failure during an upload: the one place that decides it
 * (docs/architecture.md#where-the-retry-decision-lives). Pure: the uploader gathers the facts,
 * calls `decideAfterFailure`, and carries out the action.
 */

/** Server texts that mean the server's copy can no longer be trusted (src/maasserver/api/boot_resources.py BootResourceFileUploadHandler.update). */
export const TOO_MUCH_DATA = 'Too much data received.';
export const SHA_MISMATCH = 'Saved content does not match given SHA256 value.';
export const NO_SPACE = 'No space left on device';
export const COMPLETE_FILE = 'Cannot upload to a complete file.';

/** The failure, reduced to what the decision needs. */
export interface Failure {
  /**
   * `put-not-applied`: a chunk PUT that certainly left the server's copy unchanged;
   * `put-unknown`: a chunk PUT whose body may still be applied (no answer after the whole body);
   * `read`: a GET of the resource (the offset read); `short`: MAAS holds less than was sent
   * after the last chunk.
   */
  during: 'put-not-applied' | 'put-unknown' | 'read' | 'short';
  /** MAAS's status; undefined when no answer arrived (reset, timeout). */
  status: number | undefined;
  /** MAAS's answer text, trimmed ('' without one). */
  text: string;
  /** What the error class says: worth another attempt, a stale signature, a vanished resource, Ctrl-C, or a refusal. */
  kind: 'transient' | 'expired' | 'not-found' | 'aborted' | 'rejected';
  retryAfterMs?: number | undefined;
  /** PUTs only: bytes handed over and how long the attempt ran. */
  handedOver?: number | undefined;
  elapsedMs?: number | undefined;
}

/** The upload's state, as far as the decision needs it. */
export interface RetryState {
  era: MaasEra;
  /** Bytes the server holds, as far as we know. */
  offset: number;
  /** Failed attempts in a row since the offset last advanced, this failure included. */
  attempts: number;
  /** The resource was already created again once. */
  recreated: boolean;
  /** 3.8's stale-copy answer to the first chunk was already seen once. */
  repeatedFirstChunk: boolean;
  /** The configured chunk size (`chunkSize`). */
  chunkSize: number;
  /** The longest a chunk may take to cross now, ms (shrinks after an expired signature). */
  crossingMs: number;
  policy: BackoffPolicy;
}

type GiveUpReason = 'aborted' | 'rejected' | 'replaced' | 'integrity' | 'no-space' | 'retries-exhausted';

export type RetryAction =
  /** Every byte is on the server (an earlier answer was lost): verify the file. */
  | { type: 'verify' }
  /** Send the same chunk again at once (3.8 discarded a stale copy on the first PUT). */
  | { type: 'repeat' }
  /** Wait `delayMs`, read the server's offset (one GET), send from there. */
  | { type: 'resend'; delayMs: number }
  /** Wait `delayMs`, then watch the server's offset (bounded) in case it still applies the chunk; send from there. */
  | { type: 'settle'; delayMs: number }
  /** Chunks must cross faster: use `chunkSize` (crossing in at most `crossingMs`), read the offset, send from there. */
  | { type: 'shrink'; chunkSize: number; crossingMs: number }
  /** The server's copy is unusable: create the resource again and send from 0. */
  | { type: 'recreate' }
  | { type: 'give-up'; reason: GiveUpReason };

/** piston's answer: "Expired timestamp: given 1700000000 and now 1700000400 has a greater difference than threshold 300". */
const EXPIRED = /given (\d+) and now (\d+) has a greater difference than threshold (\d+)/;

export function decideAfterFailure(state: RetryState, failure: Failure, random: () => number = Math.random): RetryAction {
  if (failure.kind === 'aborted') return { type: 'give-up', reason: 'aborted' };
  const integrity = integrityAction(state, failure);
  if (integrity) return integrity;
  if (failure.kind === 'not-found') return { type: 'give-up', reason: 'replaced' };
  if (failure.kind === 'rejected') return { type: 'give-up', reason: 'rejected' };
  if (state.attempts > state.policy.retries) return { type: 'give-up', reason: 'retries-exhausted' };
  if (failure.kind === 'expired' && failure.during !== 'read') return shrinkAfterExpiry(state, failure);
  // A lost connection's first retry needs no pause: the offset read that follows is the check.
  // MAAS's own answers (503 …) and repeated failures back off, Retry-After first.
  const lostConnection = failure.status === undefined && state.attempts === 1;
  const delayMs = lostConnection || failure.during === 'short' ? 0 : backoffDelay(state.policy, state.attempts - 1, failure.retryAfterMs, random);
  return failure.during === 'put-unknown' ? { type: 'settle', delayMs } : { type: 'resend', delayMs };
}

/** MAAS's integrity answers to a PUT (docs/maas-upload-protocol.md#integrity-errors); undefined for any other failure. */
function integrityAction(state: RetryState, failure: Failure): RetryAction | undefined {
  if (failure.during !== 'put-not-applied' || failure.status !== 400) return undefined;
  const { text } = failure;
  if (text === COMPLETE_FILE) return { type: 'verify' };
  if (text !== TOO_MUCH_DATA && text !== SHA_MISMATCH && text !== NO_SPACE) return undefined;
  // 3.8: a stale copy of the same sha256 makes the very first PUT fail once and deletes that copy
  // (src/maasservicelayer/utils/image_local_files.py SyncLocalBootResourceFile.append_chunk).
  if (state.era === '3.8' && text === TOO_MUCH_DATA && state.offset === 0 && !state.repeatedFirstChunk) return { type: 'repeat' };
  if (text === NO_SPACE) return { type: 'give-up', reason: 'no-space' };
  return state.recreated ? { type: 'give-up', reason: 'integrity' } : { type: 'recreate' };
}

/**
 * MAAS checks the signature's age after its proxy has read the whole body (piston's
 * OAuthServer, docs/maas-api.md#the-300-s-window), so a chunk that crosses slower than the window
 * is refused every time. The window comes from MAAS's own text when it states it; the rate from
 * the failed attempt. Chunks then cross in a third of the window. When the lateness was mostly
 * clock skew (the crossing was short), MaasApiClient has adopted the server's clock: resend.
 */
function shrinkAfterExpiry(state: RetryState, failure: Failure): RetryAction {
  const elapsedMs = failure.elapsedMs ?? 0;
  const m = EXPIRED.exec(failure.text);
  const windowMs = m ? Number(m[3]) * 1000 : elapsedMs;
  const lateMs = m ? (Number(m[2]) - Number(m[1])) * 1000 : elapsedMs;
  // Timestamps have 1 s resolution on both sides: allow 2 s of rounding.
  if (elapsedMs + 2000 < lateMs) return { type: 'resend', delayMs: 0 };
  const crossingMs = Math.min(state.crossingMs, Math.max(1, Math.floor(windowMs / 3)));
  const bytesPerSecond = elapsedMs > 0 && failure.handedOver ? (failure.handedOver * 1000) / elapsedMs : undefined;
  return { type: 'shrink', chunkSize: chunkSizeFor(state.chunkSize, bytesPerSecond, crossingMs), crossingMs };
}
