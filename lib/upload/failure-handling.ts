import { isCertificateFailure, isTransient, MaasAuthError, MaasError, MaasNotFoundError, retryAfterOf, UploadIntegrityError, UploadRetryError } from '../errors/index.js';
import type { ChunkOutcome } from './chunk-outcome.js';
import { createResource } from './create-resource.js';
import { decideAfterFailure, NO_SPACE, SHA_MISMATCH, type Failure, type RetryAction } from './retry-decision.js';
import { readOffset, replaced, settle } from './server-watch.js';
import { pause, saveOffset, throwIfAborted, type Attempt, type Session, type UploadContext } from './upload-context.js';

/**
 * Carrying out lib/upload/retry-decision.ts: every failure of an upload (a chunk PUT, an offset
 * read, a short file after the last chunk) goes through `decideAfterFailure` here, and nowhere else.
 */

/** A chunk PUT that was not (or not certainly) applied: decide what to send next, and do it. */
export async function afterPutFailure(ctx: UploadContext, s: Session, attempt: Attempt, outcome: Exclude<ChunkOutcome, 'applied'>): Promise<void> {
  const failedAt = Date.now();
  if (outcome === 'not-applied' && s.state) s.state.inFlight = undefined;
  const e = attempt.error ?? new MaasError('The chunk PUT failed.');
  const failure = failureOf(ctx, e, outcome === 'unknown' ? 'put-unknown' : 'put-not-applied', attempt);
  const action = decide(ctx, s, failure);
  await act(ctx, s, action, e, failure);
  if (action.type === 'shrink' || action.type === 'resend' || action.type === 'settle') {
    const before = s.offset;
    // The settle window counts from the failure only while MAAS answers: after a failed offset
    // read (a struggling server is the likeliest to still be writing the chunk) it starts afresh.
    let since: number | undefined = failedAt;
    const watch = (): Promise<void> => {
      const from = since;
      since = undefined;
      return settle(ctx, s, attempt, from);
    };
    await retrying(ctx, s, () => (action.type === 'settle' ? watch() : readOffset(ctx, s, attempt)));
    if (s.offset > before) s.attempts = 0;
  }
}

/** MAAS holds less than every byte after the last chunk (a lost tail): count it, send again. */
export async function afterShortFile(ctx: UploadContext, s: Session, held: number): Promise<void> {
  const e = new MaasError(`MAAS holds ${held} of ${s.size} bytes after the last chunk.`);
  const failure: Failure = { during: 'short', status: undefined, text: '', kind: 'transient' };
  await act(ctx, s, decide(ctx, s, failure), e, failure);
}

/** Run a read-only step; a failure goes through the decision (back off and read again, or give up). */
export async function retrying<T>(ctx: UploadContext, s: Session, step: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await step();
    } catch (err) {
      if (!(err instanceof MaasError) || ctx.signal.aborted) throw err;
      const failure = failureOf(ctx, err, 'read');
      await act(ctx, s, decide(ctx, s, failure), err, failure);
    }
  }
}

function failureOf(ctx: UploadContext, e: MaasError, during: Failure['during'], attempt?: Attempt): Failure {
  const kind: Failure['kind'] = ctx.signal.aborted
    ? 'aborted'
    : e instanceof MaasAuthError && e.code === 'EXPIRED_TIMESTAMP'
      ? 'expired'
      : e instanceof MaasNotFoundError
        ? 'not-found'
        : isTransient(e) || (during !== 'read' && e.status === undefined && !isCertificateFailure(e))
          ? 'transient'
          : 'rejected';
  const status = attempt ? attempt.status : e.status;
  return { during, status, text: (e.body ?? '').trim(), kind, retryAfterMs: retryAfterOf(e), handedOver: attempt?.handedOver, elapsedMs: attempt?.elapsedMs };
}

function decide(ctx: UploadContext, s: Session, failure: Failure): RetryAction {
  return decideAfterFailure(
    { era: s.located.era, offset: s.offset, attempts: s.attempts + 1, recreated: s.recreated, repeatedFirstChunk: s.repeatedFirstChunk, chunkSize: s.located.chunkSize, crossingMs: ctx.link.crossingMs, policy: ctx.backoff },
    failure,
  );
}

async function act(ctx: UploadContext, s: Session, action: RetryAction, e: MaasError, failure: Failure): Promise<void> {
  switch (action.type) {
    case 'give-up':
      return giveUp(ctx, s, action.reason, e, failure);
    case 'verify':
      // This region holds every byte (an earlier answer was lost): verify decides.
      s.offset = s.size;
      return;
    case 'repeat':
      s.repeatedFirstChunk = true;
      ctx.warning('MAAS discarded a stale copy of this image; sending the first chunk again.');
      return;
    case 'recreate':
      ctx.warning(`MAAS reported "${failure.text}"; its partial copy is unusable, creating the resource again and restarting from 0.`);
      await createResource(ctx, s.located, s);
      s.recreated = true;
      s.repeatedFirstChunk = false;
      return;
    case 'shrink':
      ctx.link.crossingMs = action.crossingMs;
      ctx.link.record(failure.handedOver ?? 0, failure.elapsedMs ?? 0);
      ctx.warning(`MAAS refused a chunk as signed too long ago; sending ${ctx.link.chunkSize(s.located.chunkSize)}-byte chunks from now on.`);
      return backOff(ctx, s, 0, e);
    case 'resend':
    case 'settle':
      return backOff(ctx, s, action.delayMs, e);
  }
}

async function backOff(ctx: UploadContext, s: Session, delayMs: number, error: MaasError): Promise<void> {
  s.attempts += 1;
  s.retries += 1;
  ctx.retry({ attempt: s.attempts, delayMs, offset: s.offset, error });
  await pause(ctx, delayMs);
  throwIfAborted(ctx, s);
}

async function giveUp(ctx: UploadContext, s: Session, reason: Extract<RetryAction, { type: 'give-up' }>['reason'], e: MaasError, failure: Failure): Promise<never> {
  if (reason === 'replaced') return replaced(ctx, s, e);
  if (reason === 'integrity' || reason === 'no-space') return unrecoverable(ctx, s, failure.text, e);
  await saveOffset(ctx, s);
  throwIfAborted(ctx, s);
  if (reason === 'retries-exhausted') {
    throw new UploadRetryError(`Upload paused at ${s.offset} of ${s.size} bytes after ${s.attempts + 1} failed attempts in a row: ${e.message}`, {
      code: 'RETRIES_EXHAUSTED',
      cause: e,
      status: e.status,
      url: e.url,
      method: e.method,
      hint: "Call upload() again with the same options to resume from the server's offset.",
    });
  }
  throw e;
}

/** An unrecoverable integrity failure: remove the broken resource so nothing half-made remains. */
async function unrecoverable(ctx: UploadContext, s: Session, text: string, cause: MaasError): Promise<never> {
  await ctx.deps.store.remove(s.located.stateId);
  const id = s.resource.id;
  let cleanup = `deleted the incomplete boot resource ${id}`;
  try {
    await ctx.deps.resources.delete(id);
  } catch (err) {
    cleanup = `could not delete boot resource ${id} (${err instanceof Error ? err.message : String(err)}); delete it with \`maas-esxi PROFILE boot-resource delete ${id}\``;
  }
  throw new UploadIntegrityError(`MAAS reported "${text}" and the upload cannot be recovered; ${cleanup}.`, {
    cause,
    status: cause.status,
    body: cause.body,
    url: cause.url,
    method: cause.method,
    hint: integrityHint(ctx, text),
  });
}

/** What to do about it: a sha256 the caller gave is the likeliest cause of a mismatch (MAAS compares the stored bytes with it). */
function integrityHint(ctx: UploadContext, text: string): string {
  if (text === NO_SPACE) return 'Free disk space on the region controller (image storage), then rerun.';
  if (text === SHA_MISMATCH && ctx.opts.sha256) return `The sha256 option (${ctx.opts.sha256}) may not be the file's: leave it out to let maas-esxi hash the file, then rerun.`;
  return 'Check that nothing else uploads the same image at the same time, then rerun.';
}
