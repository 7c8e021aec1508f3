// Carrying out the retry decision (docs/architecture.md#where-the-retry-decision-lives), step by
// step against a scripted server (test/fixtures/fake-upload.ts): what the session holds after
// each kind of failure, what was read, created, deleted and saved, and what the caller is told.
// Expectations are MAAS facts (docs/maas-upload-protocol.md#integrity-errors, #append-only-writes)
// and the documented contract: one budget, reset when the offset advances.
import t from 'tap';
import {
  MaasAbortError,
  MaasAuthError,
  MaasError,
  MaasNetworkError,
  MaasNotFoundError,
  MaasPermissionError,
  MaasServerError,
  MaasValidationError,
  UploadConflictError,
  UploadIntegrityError,
  UploadRetryError,
} from '../../lib/errors/index.js';
import { afterPutFailure, afterShortFile, retrying } from '../../lib/upload/failure-handling.js';
import type { Attempt } from '../../lib/upload/upload-context.js';
import { fakeUpload, SHA } from '../fixtures/fake-upload.js';

const CHUNK = 100_000;
const attemptAt = (offset: number, over: Partial<Attempt> = {}): Attempt => ({
  offset,
  length: CHUNK,
  final: false,
  handedOver: CHUNK,
  elapsedMs: 50,
  status: undefined,
  error: undefined,
  timedOut: false,
  ...over,
});
const rejected400 = (text: string): MaasValidationError => new MaasValidationError(`MAAS rejected the request: ${text}`, { status: 400, body: `${text}\n` });
const with400 = (offset: number, text: string): Attempt => attemptAt(offset, { status: 400, error: rejected400(text) });

t.test('a reset mid-body: no pause, one offset read, the budget restarts when the offset moved', async (t) => {
  const { ctx, s, server, log } = fakeUpload({ offset: 300_000 });
  s.state!.inFlight = { offset: 300_000, length: CHUNK, final: false };
  server.held = 300_000 + CHUNK; // the region applied the chunk after all
  const reset = new MaasNetworkError('Cannot reach maas: other side closed (ECONNRESET)', { code: 'ECONNRESET' });
  await afterPutFailure(ctx, s, attemptAt(300_000, { handedOver: 20_000, error: reset }), 'not-applied');
  t.equal(s.state!.inFlight, undefined, 'a chunk that was not applied is no longer in flight');
  t.same(log.retries, [{ attempt: 1, delayMs: 0, offset: 300_000, error: reset }], 'the first retry after a lost connection does not wait');
  t.equal(server.reads, 1, 'one GET for the offset');
  t.same([s.offset, s.attempts, s.retries], [400_000, 0, 1], 'sends from what MAAS holds; the offset advanced, so the budget restarts');
  t.same(log.saves.at(-1), { offset: 400_000, durable: false }, 'the offset read is recorded');
});

t.test('an offset that did not move keeps counting against the budget', async (t) => {
  const { ctx, s, server, log } = fakeUpload({ offset: 300_000, backoff: { baseMs: 1, maxMs: 1, retries: 2 } });
  const fail = (): Attempt => attemptAt(300_000, { handedOver: 10, error: new MaasNetworkError('reset', { code: 'ECONNRESET' }) });
  await afterPutFailure(ctx, s, fail(), 'not-applied');
  await afterPutFailure(ctx, s, fail(), 'not-applied');
  t.same([s.attempts, s.retries, server.reads], [2, 2, 2]);
  t.equal(log.retries[1]!.attempt, 2);
  const e = await t.rejects(afterPutFailure(ctx, s, fail(), 'not-applied'));
  t.ok(e instanceof UploadRetryError);
  const err = e as UploadRetryError;
  t.same([err.code, err.message], ['RETRIES_EXHAUSTED', 'Upload paused at 300000 of 1000000 bytes after 3 failed attempts in a row: reset']);
  t.match(err.hint, /resume/);
  t.same(log.saves.at(-1), { offset: 300_000, durable: false }, 'the offset is saved before giving up');
  t.equal(server.reads, 2, 'no read after the last failure');
});

t.test('Retry-After decides the pause (MAAS 503 before the chunk was applied)', async (t) => {
  const { ctx, s, log } = fakeUpload({ offset: 0 });
  const busy = new MaasServerError('MAAS server error (HTTP 503).', { status: 503, retryAfterMs: 30 });
  const started = Date.now();
  await afterPutFailure(ctx, s, attemptAt(0, { status: 503, error: busy }), 'not-applied');
  t.equal(log.retries[0]!.delayMs, 30, 'at least what the server asked for');
  t.ok(Date.now() - started >= 25, 'and it waited');
});

t.test('no answer after the whole body: settle until MAAS shows the chunk applied', async (t) => {
  const { ctx, s, server, log } = fakeUpload({ offset: 200_000, opts: { settleMs: 5_000, pollIntervalMs: 1 } });
  server.onRead = (n) => {
    if (n === 3) server.held = 300_000;
  };
  await afterPutFailure(ctx, s, attemptAt(200_000), 'unknown');
  t.same([s.offset, s.attempts, server.reads], [300_000, 0, 3], 'read until the offset moved, then the budget restarts');
  t.equal(log.phases[0]![0], 'settle');
});

t.test('while settling, the unanswered chunk stays recorded as in flight (a crash then settles it on the rerun)', async (t) => {
  const { ctx, s, server, log } = fakeUpload({ offset: 200_000, opts: { settleMs: 5_000, pollIntervalMs: 1 } });
  const chunk = { offset: 200_000, length: CHUNK, final: false };
  s.state!.inFlight = chunk;
  server.onRead = (n) => {
    if (n === 2) server.held = 300_000;
  };
  await afterPutFailure(ctx, s, attemptAt(200_000), 'unknown');
  t.same(log.states[0]!.inFlight, chunk, 'the first offset write during the settle still names the chunk');
});

t.test('a bad key mid-upload (401, not an expired signature) is a refusal, passed on', async (t) => {
  const { ctx, s, server, log } = fakeUpload({ offset: 100_000 });
  const denied = new MaasAuthError('MAAS rejected the credentials: Invalid access token', { status: 401, code: 'UNAUTHORIZED', body: 'Authorization Error: Invalid access token: x' });
  t.equal(await t.rejects(afterPutFailure(ctx, s, attemptAt(100_000, { status: 401, error: denied }), 'not-applied')), denied);
  t.same([server.reads, log.retries, log.warnings, ctx.link.crossingMs], [0, [], [], 100_000], 'no smaller chunks, no retry');
});

t.test('"Too much data received." mid-upload: create the resource again, from 0', async (t) => {
  const { ctx, s, server, log } = fakeUpload({ offset: 400_000 });
  await afterPutFailure(ctx, s, with400(400_000, 'Too much data received.'), 'not-applied');
  t.equal(server.creates.length, 1, 'one POST');
  t.same(server.creates[0], { name: 'esxi/8.0', architecture: 'amd64/generic', sha256: SHA, size: 1_000_000, title: undefined, filetype: 'ddgz', base_image: undefined, keep_old: undefined });
  t.same([s.resource.id, s.offset, s.recreated, s.repeatedFirstChunk], [8, 0, true, false]);
  t.same(log.warnings, ['MAAS reported "Too much data received."; its partial copy is unusable, creating the resource again and restarting from 0.']);
  t.same(log.retries, [], 'a re-create is no retry');
  t.equal(server.reads, 0);
});

t.test('an integrity failure after a re-create: delete the broken resource, UploadIntegrityError', async (t) => {
  for (const [text, sha256, hint] of [
    ['Saved content does not match given SHA256 value.', undefined, /nothing else uploads the same image/],
    ['Saved content does not match given SHA256 value.', 'ef'.repeat(32), /The sha256 option \(efef.*\) may not be the file's/],
    ['Too much data received.', 'ef'.repeat(32), /nothing else uploads the same image/],
  ] as const) {
    const { ctx, s, server, log } = fakeUpload({ offset: 400_000, opts: { sha256 } });
    s.recreated = true;
    const e = (await t.rejects(afterPutFailure(ctx, s, with400(400_000, text), 'not-applied'))) as UploadIntegrityError;
    t.ok(e instanceof UploadIntegrityError, text);
    t.equal(e.message, `MAAS reported "${text}" and the upload cannot be recovered; deleted the incomplete boot resource 7.`);
    t.match(e.hint, hint);
    t.same([server.deleted, log.removed, e.status, e.body], [[7], ['state-1'], 400, `${text}\n`], 'nothing half-made remains');
  }
});

t.test('no space left on the region: give up at once, say so; a failed delete is named with its fix', async (t) => {
  const { ctx, s, server } = fakeUpload({ offset: 400_000 });
  server.deleteError = new Error('connection refused');
  const e = (await t.rejects(afterPutFailure(ctx, s, with400(400_000, 'No space left on device'), 'not-applied'))) as UploadIntegrityError;
  t.equal(
    e.message,
    'MAAS reported "No space left on device" and the upload cannot be recovered; could not delete boot resource 7 (connection refused); delete it with `maas-esxi PROFILE boot-resource delete 7`.',
  );
  t.equal(e.hint, 'Free disk space on the region controller (image storage), then rerun.');
  t.same(server.creates, [], 'no re-create');
});

t.test('3.8 discards a stale copy on the first chunk: send it again once, at once', async (t) => {
  const { ctx, s, server, log } = fakeUpload({ era: '3.8', offset: 0 });
  await afterPutFailure(ctx, s, with400(0, 'Too much data received.'), 'not-applied');
  t.same([s.repeatedFirstChunk, s.offset, server.reads, server.creates.length, log.retries.length], [true, 0, 0, 0, 0]);
  t.same(log.warnings, ['MAAS discarded a stale copy of this image; sending the first chunk again.']);
  await afterPutFailure(ctx, s, with400(0, 'Too much data received.'), 'not-applied');
  t.same([server.creates.length, s.recreated], [1, true], 'the second time it is a real overflow');
});

t.test('"Cannot upload to a complete file.": every byte is there, verify next', async (t) => {
  const { ctx, s, server } = fakeUpload({ offset: 900_000 });
  await afterPutFailure(ctx, s, with400(900_000, 'Cannot upload to a complete file.'), 'not-applied');
  t.same([s.offset, server.reads, s.retries], [1_000_000, 0, 0]);
});

t.test('an expired signature after a slow crossing: smaller chunks, then read the offset', async (t) => {
  const { ctx, s, server, log } = fakeUpload({ offset: 0, chunkSize: 4 * 1024 * 1024 });
  const expired = new MaasAuthError('MAAS rejected the credentials', {
    status: 401,
    code: 'EXPIRED_TIMESTAMP',
    body: 'Expired timestamp: given 1000 and now 1030 has a greater difference than threshold 30',
  });
  // 4 MiB in 30 s ≈ 139,810 B/s; a third of the 30 s window is 10 s → 1,398,101 B → 21 × 64 KiB.
  await afterPutFailure(ctx, s, attemptAt(0, { length: 4 * 1024 * 1024, handedOver: 4 * 1024 * 1024, elapsedMs: 30_000, status: 401, error: expired }), 'not-applied');
  t.equal(ctx.link.crossingMs, 10_000);
  t.equal(ctx.link.chunkSize(4 * 1024 * 1024), 21 * 65_536);
  t.same(log.warnings, [`MAAS refused a chunk as signed too long ago; sending ${21 * 65_536}-byte chunks from now on.`]);
  t.same([log.retries.length, log.retries[0]!.delayMs, server.reads], [1, 0, 1]);
});

t.test('a 404 on the chunk: another upload replaced the file', async (t) => {
  const { ctx, s, log } = fakeUpload({ offset: 100_000 });
  const gone = new MaasNotFoundError('Not found: gone', { status: 404 });
  const e = (await t.rejects(afterPutFailure(ctx, s, attemptAt(100_000, { status: 404, error: gone }), 'not-applied'))) as UploadConflictError;
  t.same([e.constructor, e.code, e.message, e.cause], [UploadConflictError, 'REPLACED', "Boot resource 7 no longer has this upload's file: another upload replaced it.", gone]);
  t.same(log.removed, ['state-1']);
});

t.test('a refusal (403) is passed on as it is, the offset saved', async (t) => {
  const { ctx, s, log } = fakeUpload({ offset: 100_000 });
  const no = new MaasPermissionError('MAAS refused the operation: no', { status: 403, body: 'no' });
  t.equal(await t.rejects(afterPutFailure(ctx, s, attemptAt(100_000, { status: 403, error: no }), 'not-applied')), no);
  t.same(log.saves, [{ offset: 100_000, durable: false }]);
});

t.test('Ctrl-C during a failed chunk: stop with the state saved, whatever the failure', async (t) => {
  const { ctx, s, abort, log, server } = fakeUpload({ offset: 100_000 });
  abort.abort(new Error('Ctrl-C'));
  const e = (await t.rejects(afterPutFailure(ctx, s, attemptAt(100_000, { error: new MaasNetworkError('reset') }), 'unknown'))) as MaasAbortError;
  t.same([e.constructor, e.message], [MaasAbortError, 'Upload interrupted at 100000 of 1000000 bytes; its state is saved.']);
  t.same([log.saves.length, server.reads, log.retries.length], [1, 0, 0]);
});

t.test('a PUT without an error object still counts as a lost connection', async (t) => {
  const { ctx, s, log } = fakeUpload({ offset: 0 });
  await afterPutFailure(ctx, s, attemptAt(0, { handedOver: 0 }), 'not-applied');
  t.equal(log.retries[0]!.error.message, 'The chunk PUT failed.');
  t.equal(log.retries[0]!.delayMs, 0, 'no answer, first failure: no pause');
});

t.test('a lost tail after the last chunk: counted, then sent again from what MAAS holds', async (t) => {
  // A long backoff: a short file is no MAAS refusal, so even a third failure in a row reads at once.
  const { ctx, s, log } = fakeUpload({ offset: 600_000, backoff: { baseMs: 10_000, maxMs: 10_000, retries: 5 } });
  s.attempts = 2;
  await afterShortFile(ctx, s, 600_000);
  t.same([s.attempts, s.retries], [3, 1]);
  t.equal(log.retries[0]!.error.message, 'MAAS holds 600000 of 1000000 bytes after the last chunk.');
  t.equal(log.retries[0]!.delayMs, 0);
});

t.test('retrying a read: transient failures back off and read again; others end it', async (t) => {
  const { ctx, s, log } = fakeUpload({ offset: 0 });
  let calls = 0;
  const flaky = async (): Promise<string> => {
    calls += 1;
    if (calls === 1) throw new MaasServerError('MAAS server error (HTTP 503).', { status: 503 });
    return 'read';
  };
  t.equal(await retrying(ctx, s, flaky), 'read');
  t.same([calls, log.retries.length, s.attempts], [2, 1, 1]);
  const statusless = new MaasError('no status');
  t.equal(await t.rejects(retrying(ctx, s, async () => Promise.reject(statusless))), statusless, 'a read failing without a status is no lost connection: not retried');
  const plain = new TypeError('bug');
  t.equal(await t.rejects(retrying(ctx, s, async () => Promise.reject(plain))), plain, 'not a MAAS error: a bug, passed on');
  t.equal(log.retries.length, 1);
});

t.test('retrying stops at once after Ctrl-C', async (t) => {
  const { ctx, s, abort, log } = fakeUpload({ offset: 0 });
  const busy = new MaasServerError('busy', { status: 503 });
  let calls = 0;
  const read = async (): Promise<void> => {
    calls += 1;
    abort.abort(new Error('Ctrl-C'));
    throw busy;
  };
  t.equal(await t.rejects(retrying(ctx, s, read)), busy);
  t.same([calls, log.retries.length, log.saves.length], [1, 0, 0]);
});
