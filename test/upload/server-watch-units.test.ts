// Reading MAAS's side of an upload (docs/maas-upload-protocol.md#deriving-the-offset,
// #several-region-controllers, #append-only-writes) against a scripted server
// (test/fixtures/fake-upload.ts): the offset in both directions, a settle that watches for a late
// chunk, completion on every region, and another client at work. Windows are a few ms: no test
// waits for real time beyond them.
import t from 'tap';
import { MaasNotFoundError, MaasServerError, UploadConflictError, UploadRetryError } from '../../lib/errors/index.js';
import { confirm, learnRegionCount, readOffset, refuseToJoin, settle, verify } from '../../lib/upload/server-watch.js';
import type { UploadOptions } from '../../lib/upload/types.js';
import type { Attempt } from '../../lib/upload/upload-context.js';
import { fakeUpload, OTHER_SHA } from '../fixtures/fake-upload.js';

const unanswered = (offset: number, length: number, over: Partial<Attempt> = {}): Attempt => ({
  offset,
  length,
  final: false,
  handedOver: length,
  elapsedMs: 10,
  status: undefined,
  error: undefined,
  timedOut: false,
  ...over,
});

t.test('confirm: a deleted resource and a replaced file are conflicts; other failures pass through', async (t) => {
  const deleted = fakeUpload();
  deleted.server.readErrors.push(new MaasNotFoundError('Not found', { status: 404 }));
  const e = (await t.rejects(confirm(deleted.ctx, deleted.s))) as UploadConflictError;
  t.same([e.constructor, e.message, e.hint], [UploadConflictError, 'Boot resource 7 was deleted on the server during the upload.', 'Rerun the command to start a new upload.']);
  t.same(deleted.log.removed, ['state-1'], 'its state goes too');
  const replaced = fakeUpload();
  replaced.server.sha256 = OTHER_SHA;
  const other = (await t.rejects(confirm(replaced.ctx, replaced.s))) as UploadConflictError;
  t.equal(other.code, 'REPLACED');
  t.match(other.hint, /no other client uploads the same name, then rerun/, 'the fix is named');
  const busy = fakeUpload();
  const boom = new MaasServerError('busy', { status: 503 });
  busy.server.readErrors.push(boom);
  t.equal(await t.rejects(confirm(busy.ctx, busy.s)), boom);
  t.same(busy.log.removed, []);
});

t.test('readOffset: MAAS holding less than it acknowledged sends again from there, said once', async (t) => {
  for (const era of ['3.4', '3.7', '3.8'] as const) {
    const { ctx, s, log } = fakeUpload({ era, offset: 500_000, held: 250_000 });
    await readOffset(ctx, s, undefined);
    t.equal(s.offset, 250_000, era);
    t.same(log.warnings, ['MAAS holds 250000 bytes, fewer than the 500000 it acknowledged; sending again from there.']);
    t.same(log.saves, [{ offset: 250_000, durable: false }]);
    t.equal(s.file.progress, era === '3.4' ? 4 : 25, 'the session keeps what MAAS said');
  }
});

t.test('readOffset: bytes beyond what this upload sent belong to another client', async (t) => {
  const chunk = unanswered(500_000, 100_000);
  const ok = fakeUpload({ offset: 500_000, held: 600_000 });
  await readOffset(ok.ctx, ok.s, chunk);
  t.equal(ok.s.offset, 600_000, 'exactly the unanswered chunk: ours, applied');
  const other = fakeUpload({ offset: 500_000, held: 600_001 });
  const e = (await t.rejects(readOffset(other.ctx, other.s, chunk))) as UploadConflictError;
  t.same([e.code, e.message], ['UPLOAD_BUSY', 'Boot resource 7 grew to 600001 bytes, beyond the 600000 this upload sent: another client is uploading it.']);
  t.match(e.hint, /Let the other upload finish/, 'the fix is named');
  t.same(other.log.removed, ['state-1']);
  const noChunk = fakeUpload({ offset: 500_000, held: 500_001 });
  t.equal(((await t.rejects(readOffset(noChunk.ctx, noChunk.s, undefined))) as UploadConflictError).code, 'UPLOAD_BUSY', 'nothing in flight: beyond the offset');
  const behind = fakeUpload({ offset: 700_000, held: 650_000 });
  await readOffset(behind.ctx, behind.s, chunk);
  t.equal(behind.s.offset, 650_000, 'below our own offset is a lost tail, not another client');
  const done = fakeUpload({ offset: 500_000 });
  done.server.complete = true;
  await readOffset(done.ctx, done.s, chunk);
  t.equal(done.s.offset, 1_000_000, 'a complete file is complete, whoever sent it');
});

t.test('settle: the first read that shows the chunk ends it', async (t) => {
  const { ctx, s, server, log } = fakeUpload({ offset: 0, held: 100_000, opts: { settleMs: 60_000 } });
  await settle(ctx, s, unanswered(0, 100_000));
  t.same([s.offset, server.reads, log.phases], [100_000, 1, []], 'applied already: no watching at all');
});

t.test('settle: watches until the chunk lands, within its window', async (t) => {
  const { ctx, s, server, log } = fakeUpload({ offset: 0, opts: { settleMs: 60_000, pollIntervalMs: 1 } });
  server.onRead = (n) => {
    if (n === 4) server.held = 100_000;
  };
  await settle(ctx, s, unanswered(0, 100_000));
  t.same([s.offset, server.reads], [100_000, 4]);
  t.same(log.phases, [['settle', 'checking whether MAAS applied the chunk at byte 0 (up to 60 s)']]);
});

t.test('settle: a chunk that never lands is given up after the window', async (t) => {
  const { ctx, s, server } = fakeUpload({ offset: 0, opts: { settleMs: 100, pollIntervalMs: 5 } });
  const started = Date.now();
  await settle(ctx, s, unanswered(0, 100_000));
  const took = Date.now() - started;
  t.ok(took >= 100, `waited the window (${took} ms)`);
  t.ok(server.reads >= 2, `read more than once (${server.reads} reads)`);
  t.equal(s.offset, 0);
});

t.test('settle: a poll longer than the window is cut to what is left of it', async (t) => {
  const { ctx, s } = fakeUpload({ offset: 0, opts: { settleMs: 50, pollIntervalMs: 60_000 } });
  const started = Date.now();
  await settle(ctx, s, unanswered(0, 100_000));
  t.ok(Date.now() - started < 5_000, 'ended with the window, not a minute later');
});

t.test('settle: the window', async (t) => {
  const window = async (attempt: Attempt, opts: Partial<UploadOptions>): Promise<string | undefined> => {
    const { ctx, s, server, log } = fakeUpload({ offset: 0, opts: { pollIntervalMs: 1, ...opts } });
    server.onRead = (n) => {
      if (n === 2) server.held = attempt.length;
    };
    await settle(ctx, s, attempt);
    return log.phases[0]![1];
  };
  const at = (detail: string | undefined): string => /\(up to (\d+) s\)/.exec(detail ?? '')?.[1] ?? 'none';
  t.equal(at(await window(unanswered(0, 10), {})), '3', 'a chunk: 3 s');
  t.equal(at(await window(unanswered(0, 10, { final: true }), {})), '300', 'the final chunk: MAAS hashes the whole file first, 5 min');
  t.equal(at(await window(unanswered(0, 10, { final: true }), { settleMs: 1000, finalSettleMs: 7000 })), '7', 'finalSettleMs for the final chunk');
  t.equal(at(await window(unanswered(0, 10), { settleMs: 1000, finalSettleMs: 7000 })), '1', 'settleMs for the others');
  t.equal(at(await window(unanswered(0, 10, { timedOut: true, elapsedMs: 9_500 }), { settleMs: 1000 })), '10', 'a timed-out attempt: as long as it ran');
  t.equal(at(await window(unanswered(0, 10, { timedOut: true, elapsedMs: 600_000 }), { settleMs: 1000 })), '60', '… but at most a minute');
  t.equal(at(await window(unanswered(0, 10, { elapsedMs: 9_500 }), { settleMs: 1000 })), '1', 'an attempt that was answered: its own window');
});

t.test('settle: polls a chunk every 250 ms by default', async (t) => {
  const { ctx, s, server } = fakeUpload({ offset: 0, opts: { settleMs: 60_000 } });
  server.onRead = (n) => {
    if (n === 2) server.held = 10;
  };
  const started = Date.now();
  await settle(ctx, s, unanswered(0, 10));
  const took = Date.now() - started;
  t.ok(took >= 240 && took < 1900, `one poll of a chunk, not the final chunk's 2 s: ${took} ms`);
});

t.test('settle: Ctrl-C ends the watch at once', async (t) => {
  const { ctx, s, abort, server } = fakeUpload({ offset: 0, opts: { settleMs: 60_000, pollIntervalMs: 60_000 } });
  server.onRead = () => abort.abort(new Error('Ctrl-C'));
  const e = await t.rejects(settle(ctx, s, unanswered(0, 10)));
  t.match((e as Error).message, /^Upload interrupted at 0 of 1000000 bytes/);
  t.equal(server.reads, 1, 'no read after the interrupt');
});

t.test('verify: complete, or short with the offset back to what MAAS holds', async (t) => {
  const complete = fakeUpload({ offset: 1_000_000 });
  complete.server.complete = true;
  t.equal(await verify(complete.ctx, complete.s), 'complete');
  t.same(complete.log.phases, [['verify', undefined]]);
  const short = fakeUpload({ offset: 1_000_000, held: 900_000 });
  t.equal(await verify(short.ctx, short.s), 'short');
  t.same([short.s.offset, short.log.warnings], [900_000, ['MAAS holds 900000 of 1000000 bytes after the last chunk; sending again from byte 900000.']]);
});

t.test('verify on several regions: wait until every region holds the image', async (t) => {
  const regions = { count: 3, names: ['r1', 'r2', 'r3'] };
  const { ctx, s, server, log } = fakeUpload({ offset: 1_000_000, held: 1_000_000, regions, opts: { pollIntervalMs: 1, syncTimeoutMs: 60_000 } });
  server.onRead = (n) => {
    server.holding = n;
    if (n === 3) server.complete = true;
  };
  t.equal(await verify(ctx, s), 'complete');
  t.equal(server.reads, 3);
  t.same(log.phases, [['verify', undefined], ['sync', 'waiting for the other region controllers to copy the image']]);
  t.same(log.progress, [['sync', 1_000_000, 1_000_000, 1_000_000]], 'progress while the others copy');
  t.equal(s.file.complete, true);
});

t.test('verify on several regions: a region short of bytes is a short file, not a sync', async (t) => {
  const { ctx, s, server, log } = fakeUpload({ offset: 1_000_000, held: 900_000, regions: { count: 3, names: ['r1', 'r2', 'r3'] }, opts: { pollIntervalMs: 1 } });
  t.equal(await verify(ctx, s), 'short');
  t.same([s.offset, server.reads, log.phases.map((p) => p[0])], [900_000, 1, ['verify']]);
});

t.test('verify on several regions: waits 30 min by default', async (t) => {
  const { ctx, s, server } = fakeUpload({ offset: 1_000_000, held: 1_000_000, regions: { count: 2 }, opts: { pollIntervalMs: 1 } });
  server.onRead = (n) => {
    if (n === 4) server.complete = true;
  };
  t.equal(await verify(ctx, s), 'complete', 'a copy that takes a few polls is no timeout');
});

t.test('verify on several regions: a copy that does not finish is a timeout, never a success', async (t) => {
  const regions = { count: 3, names: ['r1', 'r2', 'r3'] };
  const { ctx, s, server, log } = fakeUpload({ offset: 1_000_000, held: 1_000_000, regions, opts: { pollIntervalMs: 1, syncTimeoutMs: 20 } });
  server.holding = 2;
  const e = (await t.rejects(verify(ctx, s))) as UploadRetryError;
  t.same([e.constructor, e.code], [UploadRetryError, 'SYNC_TIMEOUT']);
  t.equal(e.message, 'MAAS has the image on 2 of 3 region controllers (r1, r2, r3) after 0 s; the others are still copying it.');
  t.ok(server.reads >= 2, 'polled');
  t.same(log.removed, ['state-1']);
  t.match(e.hint, /rerun the same command later/, 'the fix is named');
});

t.test('learnRegionCount: from the acknowledged offset, once; 3.4 reports no per-region progress', async (t) => {
  const two = fakeUpload({ offset: 400_000, regions: { count: 1, known: false } });
  two.server.held = 200_000; // each of two regions holds half the average: progress 20 ↔ 400 000 bytes on two
  await learnRegionCount(two.ctx, two.s);
  t.same([two.s.located.regions.count, two.s.located.regions.known, two.server.reads], [2, true, 1]);
  await learnRegionCount(two.ctx, two.s);
  t.equal(two.server.reads, 1, 'known: no more reads');
  const old = fakeUpload({ era: '3.4', offset: 400_000, regions: { count: 1, known: false } });
  await learnRegionCount(old.ctx, old.s);
  t.same([old.s.located.regions.known, old.server.reads], [true, 0]);
  // 777 777 bytes averaged over 5 regions: 155 555 × n is never 400 000 for n = 1…16.
  const odd = fakeUpload({ offset: 400_000, held: 777_777, regions: { count: 5, known: false } });
  await learnRegionCount(odd.ctx, odd.s);
  t.same([odd.s.located.regions.count, odd.s.located.regions.known], [5, true], 'no count fits: the configured one stays');
});

t.test('refuseToJoin: an upload found on the server is watched before we append to it', async (t) => {
  const idle = fakeUpload({ offset: 300_000, via: 'server', opts: { joinCheckMs: 5 } });
  await refuseToJoin(idle.ctx, idle.s);
  t.same([idle.server.reads, idle.log.phases], [1, [['settle', 'checking that no other client is uploading boot resource 7']]]);
  const busy = fakeUpload({ offset: 300_000, via: 'server', opts: { joinCheckMs: 5 } });
  busy.server.onRead = () => (busy.server.held = 350_000);
  const e = (await t.rejects(refuseToJoin(busy.ctx, busy.s))) as UploadConflictError;
  t.same([e.code, e.message], ['UPLOAD_BUSY', 'Boot resource 7 grew to 350000 bytes, beyond the 300000 this upload sent: another client is uploading it.']);
  t.same(busy.log.removed, ['state-1']);
  for (const via of ['state', 'same-image'] as const) {
    const ours = fakeUpload({ offset: 300_000, via, opts: { joinCheckMs: 5 } });
    await refuseToJoin(ours.ctx, ours.s);
    t.equal(ours.server.reads, 0, `found via ${via}: ours, no watch`);
  }
  const off = fakeUpload({ offset: 300_000, via: 'server', opts: { joinCheckMs: 0 } });
  await refuseToJoin(off.ctx, off.s);
  t.equal(off.server.reads, 0, 'joinCheckMs 0 turns it off');
});

t.test('refuseToJoin: a copy that shrank during the watch is MAAS losing bytes, not another client: send again from what it holds', async (t) => {
  // MAAS restarted and kept fewer bytes (docs/maas-upload-protocol.md#deriving-the-offset): nobody else appends.
  const shrunk = fakeUpload({ offset: 300_000, via: 'server', opts: { joinCheckMs: 5 } });
  shrunk.server.onRead = () => (shrunk.server.held = 250_000);
  await refuseToJoin(shrunk.ctx, shrunk.s);
  t.same([shrunk.s.offset, shrunk.log.removed], [250_000, []], 'continues from the 250 000 bytes MAAS holds, its state kept');
  t.same(shrunk.log.warnings, ['MAAS holds 250000 bytes, fewer than the 300000 it acknowledged; sending again from there.']);
  t.same(shrunk.log.saves.at(-1)?.offset, 250_000, 'the smaller offset is what the state records');
});

t.test('refuseToJoin: a file the other client completed during the watch is refused too (the offset read refuses only an incomplete one)', async (t) => {
  const finished = fakeUpload({ offset: 300_000, via: 'server', opts: { joinCheckMs: 5 } });
  const size = finished.server.size;
  finished.server.onRead = () => Object.assign(finished.server, { held: size, complete: true });
  const e = (await t.rejects(refuseToJoin(finished.ctx, finished.s))) as UploadConflictError;
  t.same(
    [e.code, e.message, e.hint],
    [
      'UPLOAD_BUSY',
      `Another client is uploading this image to boot resource 7 right now (MAAS's copy went from 300000 to ${size} bytes in 0.005 s).`,
      'Let that upload finish (then rerun: it reports the image as present), or stop it first; two clients would corrupt the image.',
    ],
  );
  t.same(finished.log.removed, ['state-1'], 'its state goes: a rerun reports the image as present');
});

t.test('refuseToJoin waits 3 s by default', async (t) => {
  const { ctx, s, abort, server } = fakeUpload({ offset: 300_000, via: 'server' });
  const started = Date.now();
  setTimeout(() => abort.abort(new Error('stop')), 100).unref();
  await refuseToJoin(ctx, s);
  t.ok(Date.now() - started >= 90, 'still waiting after 100 ms');
  t.ok(server.reads <= 1);
});
