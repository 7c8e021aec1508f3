import { MaasError, UploadIntegrityError } from '../errors/index.js';
import { TailPacer } from './tail-pacing.js';
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

/** What the signals of an upload do to the chunk PUT in flight, if any. */
interface AttemptHooks {
  onInterrupt(): void;
  abandon(): void;
}

/**
 * The abort plumbing of one upload's chunk PUTs, made once per upload rather than once per chunk:
 * one listener on the upload's signal and one on `forceSignal`, calling the attempt in flight, and
 * one AbortController for the transport, replaced only after it fired. Per chunk, a fresh
 * controller and an add/remove of listeners on the long-lived signals left old-space garbage that
 * only a full collection frees (Node's AbortSignal is an EventTarget whose listener map reallocates
 * its table on every add and remove): 2.3 KiB per chunk, so V8's heap grew with the image size
 * (docs/performance.md, test/upload/old-space-per-chunk.test.ts).
 */
class AttemptSignals {
  #controller = new AbortController();
  #current: AttemptHooks | undefined;

  constructor(ctx: UploadContext) {
    ctx.signal.addEventListener('abort', () => this.#current?.onInterrupt(), { once: true });
    ctx.opts.forceSignal?.addEventListener('abort', () => this.#current?.abandon(), { once: true });
  }

  /** The signal the transport watches for this attempt. */
  begin(hooks: AttemptHooks): AbortSignal {
    if (this.#controller.signal.aborted) this.#controller = new AbortController();
    this.#current = hooks;
    return this.#controller.signal;
  }

  abort(reason: Error): void {
    this.#controller.abort(reason);
  }

  end(): void {
    this.#current = undefined;
  }
}

/** What one upload's chunk PUTs share, made with its first: the abort plumbing and the tail pacing. */
const sharedOf = new WeakMap<UploadContext, { signals: AttemptSignals; pacer: TailPacer }>();

function perUpload(ctx: UploadContext): { signals: AttemptSignals; pacer: TailPacer } {
  let shared = sharedOf.get(ctx);
  if (!shared) sharedOf.set(ctx, (shared = { signals: new AttemptSignals(ctx), pacer: new TailPacer() }));
  return shared;
}

/**
 * One chunk PUT, never retried here (the decision is lib/upload/retry-decision.ts). Its own
 * timeout (idle while sending, then the wait for the answer) and Ctrl-C abandon it by resetting
 * the connection, so that no body arrives late. A Ctrl-C after the whole body was handed over
 * first waits (bounded) for MAAS's answer. `fastestBytesPerMs` (the fastest answered chunk so far)
 * paces the body's tail on a slow link (lib/upload/tail-pacing.ts).
 */
export async function putChunk(ctx: UploadContext, s: Session, offset: number, length: number, final: boolean, fastestBytesPerMs?: number): Promise<Attempt> {
  const attempt: Attempt = { offset, length, final, handedOver: 0, elapsedMs: 0, status: undefined, error: undefined, timedOut: false };
  const uploadUri = s.file.upload_uri;
  if (!uploadUri) throw new UploadIntegrityError('The server file has no upload_uri although it is incomplete.');
  const o = ctx.opts;
  const { signals, pacer } = perUpload(ctx);
  let abandoned = false;
  const abandon = (): void => {
    if (abandoned) return;
    abandoned = true;
    ctx.deps.api.transport.resetConnections();
    signals.abort(new Error('abandoned'));
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
    const last = final && sent >= length;
    // All handed over (said even inside the throttle), then the wait: MAAS hashes the whole file.
    ctx.progress('upload', offset + sent, offset, s.size, last);
    if (last) ctx.phase('verify', `MAAS is checking the image's sha256 (up to ${Math.round(answerTimeout / 60_000)} min)`);
  };
  const signal = signals.begin({ onInterrupt, abandon });
  const started = Date.now();
  try {
    const slices = ctx.chunkSource(s.located.path, Math.min(s.located.chunkSize, s.size)).chunk(offset, length, onSent, ctx.limiter);
    const { body, answered } = pacer.pace(slices, length, fastestBytesPerMs, started, () => timer.rearm(idleTimeout));
    await ctx.deps.resources.uploadChunk({
      uploadUri,
      // The generator itself, not a stream over it: the transport asks for the next slice only
      // once the socket took the last one, so `handedOver` (counted when the next slice is asked
      // for) never runs ahead of the connection. A stream would read slices ahead into its buffer.
      body,
      length,
      signal,
      // Ours fires first; the transport's own would close without a reset.
      headersTimeoutMs: answerTimeout + 60_000,
    });
    attempt.status = 200;
    answered(Date.now() - started);
  } catch (err) {
    const e = err instanceof MaasError ? err : new MaasError(err instanceof Error ? err.message : String(err), { cause: err });
    attempt.error = e;
    attempt.status = abandoned ? undefined : e.status;
  } finally {
    timer.clear();
    clearTimeout(grace);
    signals.end();
    attempt.elapsedMs = Date.now() - started;
  }
  return attempt;
}
