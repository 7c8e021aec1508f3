import { MaasError, UploadIntegrityError } from '../errors/index.js';
import type { Attempt, Session, UploadContext } from './upload-context.js';

/** The timer of one attempt: idle while sending, then the wait for MAAS's answer. */
class AttemptTimer {
  #ms: number;
  #timer: NodeJS.Timeout;
  constructor(
    ms: number,
    readonly onTimeout: () => void,
  ) {
    this.#ms = ms;
    this.#timer = setTimeout(onTimeout, ms);
  }

  /** Called for every slice handed to the socket: refresh the same timer rather than allocate a new one. */
  rearm(ms: number): void {
    if (ms === this.#ms) {
      this.#timer.refresh();
      return;
    }
    clearTimeout(this.#timer);
    this.#ms = ms;
    this.#timer = setTimeout(this.onTimeout, ms);
  }

  clear(): void {
    clearTimeout(this.#timer);
  }
}

/**
 * One chunk PUT, never retried here (the decision is lib/upload/retry-decision.ts). Its own
 * timeout (idle while sending, then the wait for the answer) and Ctrl-C abandon it by resetting
 * the connection, so that no body arrives late. A Ctrl-C after the whole body was handed over
 * first waits (bounded) for MAAS's answer.
 */
export async function putChunk(ctx: UploadContext, s: Session, offset: number, length: number, final: boolean): Promise<Attempt> {
  const attempt: Attempt = { offset, length, final, handedOver: 0, elapsedMs: 0, status: undefined, error: undefined, timedOut: false };
  const uploadUri = s.file.upload_uri;
  if (!uploadUri) throw new UploadIntegrityError('The server file has no upload_uri although it is incomplete.');
  const o = ctx.opts;
  const ac = new AbortController();
  const abandon = (): void => {
    if (ac.signal.aborted) return;
    ctx.deps.api.transport.resetConnections();
    ac.abort(new Error('abandoned'));
  };
  const answerTimeout = final ? (o.finalChunkTimeoutMs ?? 30 * 60_000) : (o.chunkTimeoutMs ?? 120_000);
  const idleTimeout = o.chunkTimeoutMs ?? 120_000;
  const timer = new AttemptTimer(idleTimeout, () => ((attempt.timedOut = true), abandon()));
  let grace: NodeJS.Timeout | undefined;
  const onInterrupt = (): void => {
    if (attempt.handedOver < length) return abandon();
    ctx.phase('confirm', 'waiting for MAAS to confirm the last chunk');
    grace = setTimeout(abandon, o.interruptGraceMs ?? 30_000);
  };
  const onSent = (sent: number): void => {
    attempt.handedOver = sent;
    timer.rearm(sent >= length ? answerTimeout : idleTimeout);
    // MAAS now reads the whole file back to check its sha256: say what we wait for.
    if (final && sent >= length) ctx.phase('verify', `MAAS is checking the image's sha256 (up to ${Math.round(answerTimeout / 60_000)} min)`);
    ctx.progress('upload', offset + sent, offset, s.size);
  };
  ctx.signal.addEventListener('abort', onInterrupt, { once: true });
  o.forceSignal?.addEventListener('abort', abandon, { once: true });
  const started = Date.now();
  try {
    const body = ctx.chunkSource(s.located.path, Math.min(s.located.chunkSize, s.size)).chunk(offset, length, onSent, ctx.limiter);
    await ctx.deps.resources.uploadChunk({
      uploadUri,
      // The generator itself, not a stream over it: the transport asks for the next slice only
      // once the socket took the last one, so `handedOver` (counted when the next slice is asked
      // for) never runs ahead of the connection. A stream would read slices ahead into its buffer.
      body,
      length,
      signal: ac.signal,
      // Ours fires first; the transport's own would close without a reset.
      headersTimeoutMs: answerTimeout + 60_000,
    });
    attempt.status = 200;
  } catch (err) {
    const e = err instanceof MaasError ? err : new MaasError(err instanceof Error ? err.message : String(err), { cause: err });
    attempt.error = e;
    attempt.status = ac.signal.aborted ? undefined : e.status;
  } finally {
    timer.clear();
    clearTimeout(grace);
    ctx.signal.removeEventListener('abort', onInterrupt);
    o.forceSignal?.removeEventListener('abort', abandon);
    attempt.elapsedMs = Date.now() - started;
  }
  return attempt;
}
