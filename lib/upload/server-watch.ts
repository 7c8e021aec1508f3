import { MaasError, MaasNotFoundError, UploadConflictError, UploadRetryError } from '../errors/index.js';
import type { BootResource, BootResourceFile } from '../resources/types.js';
import { deriveServerOffset, findFileBySha256, regionCountFor } from './server-offset.js';
import { pause, saveOffset, throwIfAborted, type Attempt, type Session, type UploadContext } from './upload-context.js';

/**
 * Reading the server's side of the upload: its offset (the truth), whether an unanswered chunk
 * was applied, completion and the other regions' copies. No retries here: a failed read goes
 * back to the caller, which counts it against the one budget (lib/upload/retry-decision.ts).
 */

export async function replaced(ctx: UploadContext, s: Session, cause: MaasError): Promise<never> {
  await ctx.deps.store.remove(s.located.stateId);
  throw new UploadConflictError(`Boot resource ${s.resource.id} no longer has this upload's file: another upload replaced it.`, {
    code: 'REPLACED',
    cause,
    hint: 'Check that no other client uploads the same name, then rerun to upload again.',
  });
}

/** GET the resource once (no retries in MaasApiClient: the upload's budget counts this read). */
export async function confirm(ctx: UploadContext, s: Session): Promise<{ resource: BootResource; file: BootResourceFile }> {
  let resource: BootResource;
  try {
    resource = await ctx.deps.resources.read(s.resource.id, ctx.signal, 0);
  } catch (err) {
    if (err instanceof MaasNotFoundError) {
      await ctx.deps.store.remove(s.located.stateId);
      throw new UploadConflictError(`Boot resource ${s.resource.id} was deleted on the server during the upload.`, {
        cause: err,
        hint: 'Rerun the command to start a new upload.',
      });
    }
    throw err;
  }
  const found = findFileBySha256(resource, s.located.sha256);
  if (!found) return replaced(ctx, s, new MaasError('file not found'));
  return { resource, file: found.file };
}

/**
 * Without MAAS's region list, learn the count once from an offset MAAS just acknowledged, so
 * that later offset reads are exact (lib/upload/server-offset.ts regionCountFor).
 */
export async function learnRegionCount(ctx: UploadContext, s: Session): Promise<void> {
  const { regions, era } = s.located;
  if (regions.known) return;
  regions.known = era === '3.4';
  if (regions.known) return;
  const { file } = await confirm(ctx, s);
  // Once: when no count fits (a MAAS that reports progress otherwise), keep the configured one.
  regions.count = regionCountFor(file, era, s.offset) ?? regions.count;
  regions.known = true;
}

/**
 * Re-read the server's offset: the truth in both directions. Below ours means MAAS lost bytes
 * it had acknowledged: send again from there. Beyond what we sent means someone else sends.
 */
export async function readOffset(ctx: UploadContext, s: Session, attempt: Attempt | undefined): Promise<void> {
  const { resource, file } = await confirm(ctx, s);
  s.resource = resource;
  s.file = file;
  const held = deriveServerOffset(file, s.located.era, s.located.regions.count);
  const limit = attempt ? attempt.offset + attempt.length : s.offset;
  if (!file.complete && held > Math.max(limit, s.offset)) {
    await ctx.deps.store.remove(s.located.stateId);
    throw new UploadConflictError(`Boot resource ${s.resource.id} grew to ${held} bytes, beyond the ${limit} this upload sent: another client is uploading it.`, {
      code: 'UPLOAD_BUSY',
      hint: 'Let the other upload finish, or stop it and rerun.',
    });
  }
  if (held < s.offset) ctx.warning(`MAAS holds ${held} bytes, fewer than the ${s.offset} it acknowledged; sending again from there.`);
  s.offset = held;
  await saveOffset(ctx, s);
}

/**
 * After a chunk without an answer, the server may still be applying it (the final one hashes
 * the whole file first), so watch its offset for a bounded while before concluding it was
 * not applied: resending an applied chunk corrupts the upload. The window counts from
 * `failedAt`, when the attempt ended: a body that reached MAAS at all had reached it by then, so
 * the back-off and the first offset read are already part of the watch, not added to it
 * (docs/maas-upload-protocol.md#which-failures-are-ambiguous). A rerun settling a crashed run's
 * chunk knows no such moment: its window starts now.
 */
export async function settle(ctx: UploadContext, s: Session, attempt: Attempt, failedAt: number = Date.now()): Promise<void> {
  const before = s.offset;
  let sentAt = Date.now();
  await readOffset(ctx, s, attempt);
  if (s.offset !== before) return;
  const o = ctx.opts;
  const base = attempt.final ? (o.finalSettleMs ?? 5 * 60_000) : (o.settleMs ?? 3_000);
  // A server slow enough to time out may still be working: wait as long as the attempt ran (≤ 1 min).
  // A 504 is the same timeout, hit by the proxy in front of regiond (nginx's proxy_read_timeout).
  const slow = attempt.timedOut || attempt.status === 504;
  const window = Math.max(base, slow ? Math.min(attempt.elapsedMs, 60_000) : 0);
  const poll = o.pollIntervalMs ?? (attempt.final ? 2_000 : 250);
  const deadline = failedAt + window;
  ctx.phase('settle', `checking whether MAAS applied the chunk at byte ${before} (up to ${Math.ceil(window / 1000)} s)`);
  // Only a read sent once the window has passed proves the chunk did not land: MAAS answers from
  // the moment the read reached it, so a read sent earlier but answered late (a busy region, a
  // loaded client) saw the server before the window closed.
  while (sentAt < deadline) {
    await pause(ctx, Math.min(poll, Math.max(0, deadline - Date.now())));
    throwIfAborted(ctx, s);
    sentAt = Date.now();
    await readOffset(ctx, s, attempt);
    if (s.offset !== before) return;
  }
}

/**
 * Every byte is sent: 'complete' when MAAS reports the file complete with our sha256 (after the
 * other regions copied it, bounded); 'short' when it holds less (it lost a tail): `s.offset`
 * goes back to what it holds.
 */
export async function verify(ctx: UploadContext, s: Session): Promise<'complete' | 'short'> {
  ctx.phase('verify');
  const { resource, file } = await confirm(ctx, s);
  s.resource = resource;
  s.file = file;
  if (file.complete) return 'complete';
  const held = deriveServerOffset(file, s.located.era, s.located.regions.count);
  if (held >= s.size && s.located.regions.count > 1) {
    await waitForSync(ctx, s);
    return 'complete';
  }
  ctx.warning(`MAAS holds ${held} of ${s.size} bytes after the last chunk; sending again from byte ${held}.`);
  s.offset = held;
  return 'short';
}

async function waitForSync(ctx: UploadContext, s: Session): Promise<void> {
  ctx.phase('sync', 'waiting for the other region controllers to copy the image');
  const timeoutMs = ctx.opts.syncTimeoutMs ?? 30 * 60_000;
  const deadline = Date.now() + timeoutMs;
  const poll = ctx.opts.pollIntervalMs ?? 2_000;
  for (;;) {
    const got = await confirm(ctx, s);
    s.resource = got.resource;
    s.file = got.file;
    if (got.file.complete) return;
    if (Date.now() >= deadline) {
      const { count, names } = s.located.regions;
      const holding = Math.round(((got.file.progress ?? 0) * count) / 100);
      await ctx.deps.store.remove(s.located.stateId);
      throw new UploadRetryError(
        `MAAS has the image on ${holding} of ${count} region controllers (${names.join(', ')}) after ${Math.round(timeoutMs / 1000)} s; the others are still copying it.`,
        { code: 'SYNC_TIMEOUT', hint: 'MAAS finishes the copy on its own; rerun the same command later to confirm (nothing is sent again).' },
      );
    }
    ctx.progress('sync', s.size, s.size, s.size);
    await pause(ctx, poll);
    throwIfAborted(ctx, s);
  }
}

/**
 * An unfinished upload found on the server without our own state may belong to a client that
 * is still sending: two clients appending the same chunks corrupt it. Watch its offset first:
 * a copy that grew (or was completed meanwhile) is another client's (UPLOAD_BUSY); one that
 * shrank is MAAS losing bytes (a restart), which readOffset warns about and the upload sends again.
 */
export async function refuseToJoin(ctx: UploadContext, s: Session): Promise<void> {
  if (s.located.found?.via !== 'server') return;
  const window = ctx.opts.joinCheckMs ?? 3_000;
  if (window <= 0) return;
  const before = s.offset;
  ctx.phase('settle', `checking that no other client is uploading boot resource ${s.resource.id}`);
  await pause(ctx, window);
  await readOffset(ctx, s, undefined);
  // readOffset refuses growth only while the file is incomplete: one the other client completed
  // during the watch grew too (test/upload/failure-modes.test.ts, a second client).
  if (s.offset > before) {
    await ctx.deps.store.remove(s.located.stateId);
    throw new UploadConflictError(
      `Another client is uploading this image to boot resource ${s.resource.id} right now (MAAS's copy went from ${before} to ${s.offset} bytes in ${window / 1000} s).`,
      { code: 'UPLOAD_BUSY', hint: 'Let that upload finish (then rerun: it reports the image as present), or stop it first; two clients would corrupt the image.' },
    );
  }
}
