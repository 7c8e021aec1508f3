// What an upload (lib/upload/uploader.ts) tells its caller, against the in-process simulator:
// progress events (throttled to ten a second, the last of each phase always sent), warnings and
// retries from every step, the handle's iterator letting go of its listener, and what an image
// MAAS already holds costs (no PUT, no state). Expectations come from the simulator's request
// log and the test's own clock, not from the uploader.
import t from 'tap';
import { MaasAbortError } from '../../lib/errors/index.js';
import { UploadStateStore, type UploadState } from '../../lib/upload/state-store.js';
import type { UploadStateStorage } from '../../lib/upload/locate.js';
import type { UploadProgress } from '../../lib/upload/types.js';
import { BootResourceUpload } from '../../lib/upload/uploader.js';
import { KiB, makeImage, tempDir, uploadEnv } from '../fixtures/upload-env.js';

const CHUNK = 64 * KiB;

t.test('progress: at most one event per 100 ms unless it ends a phase or a chunk or hands over the last byte; the last one has nothing left', async (t) => {
  const env = await uploadEnv(t, { era: '3.7' });
  // Over 1 MiB so hashing reports several steps; a rate limit so chunks report slices.
  const image = makeImage(tempDir(t), 4096 * KiB);
  const events: Array<{ at: number; p: UploadProgress }> = [];
  const started = Date.now();
  // 1 MiB chunks at 4 MiB/s: each takes at least 250 ms, so slices report between chunk ends.
  const chunk = 1024 * KiB;
  const up = env.client.bootResources.upload(env.options(image, { limitRate: 4 * 1024 * 1024, chunkSize: chunk }));
  up.on('progress', (p) => events.push({ at: Date.now(), p }));
  const r = await up.done();
  const wall = Date.now() - started;
  t.ok(r.elapsedMs >= 0 && r.elapsedMs <= wall, `elapsedMs ${r.elapsedMs} within the ${wall} ms the test saw`);
  const hashes = events.filter((e) => e.p.phase === 'hash');
  t.ok(hashes.length >= 1, 'hashing reports progress');
  t.equal(hashes.at(-1)?.p.bytesSent, image.size, 'the last hashing sample is always sent: 100 %');
  // Unforced: a slice of a chunk (sent beyond the acknowledged offset) short of the whole image
  // (the last byte handed over is reported at once: MAAS's check that follows can take minutes),
  // or a hashing step short of the end.
  const unforced = events.filter((e) => (e.p.phase === 'upload' && e.p.bytesSent > e.p.bytesAcked && e.p.bytesSent < e.p.total) || (e.p.phase === 'hash' && e.p.bytesSent < e.p.total));
  t.ok(
    events.some((e) => e.p.phase === 'upload' && e.p.bytesSent === e.p.total && e.p.bytesAcked < e.p.total),
    'the whole image handed over is reported before MAAS acknowledges it',
  );
  t.ok(unforced.some((e) => e.p.phase === 'upload'), 'slices of a chunk report progress');
  const tooSoon = unforced.filter((e) => {
    const before = events[events.indexOf(e) - 1];
    return before !== undefined && e.at - before.at < 95;
  });
  t.same(tooSoon.map((e) => [e.p.phase, e.p.bytesSent]), [], 'no unforced event within 100 ms of the one before');
  const uploads = events.filter((e) => e.p.phase === 'upload');
  const acked = uploads.filter((e) => e.p.bytesSent === e.p.bytesAcked).map((e) => e.p.bytesAcked);
  const chunkEnds = Array.from({ length: Math.ceil(image.size / chunk) }, (_, i) => Math.min((i + 1) * chunk, image.size));
  t.same(acked, chunkEnds, 'every acknowledged chunk is reported');
  const last = uploads.at(-1)!.p;
  t.same([last.bytesSent, last.total, last.eta], [image.size, image.size, 0], 'the last event: all sent, nothing left');
});

t.test('warnings and retries from the steps reach the caller as events', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 300 * KiB);
  // 3.8 answers a stale first chunk with "Too much data received." (docs/maas-upload-protocol.md#differences-between-eras),
  // then a 503 on a later chunk.
  env.sim.faults.add({ match: { method: 'PUT', nth: 1 }, action: { type: 'status', status: 400, body: 'Too much data received.' } });
  env.sim.faults.add({ match: { method: 'PUT', nth: 3 }, action: { type: 'status', status: 503, body: 'Service Unavailable' } });
  const up = env.client.bootResources.upload(env.options(image));
  const warnings: string[] = [];
  const retries: number[] = [];
  up.on('warning', (m) => warnings.push(m));
  up.on('retry', (r) => retries.push(r.attempt));
  const r = await up.done();
  t.same(warnings, ['MAAS discarded a stale copy of this image; sending the first chunk again.']);
  t.equal(retries.length, r.retries, 'one retry event per retry counted');
  t.ok(retries.length >= 1, 'the 503 was retried');
  t.equal(env.sim.faults.unfired().length, 0, 'both faults fired');
});

t.test('an image MAAS 3.8 already holds under another name, reused: a warning, no PUT, no state written, no upload phase', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 300 * KiB);
  const first = await env.client.bootResources.upload(env.options(image)).done();
  const putsBefore = env.sim.requests.filter((q) => q.method === 'PUT').length;
  const real = new UploadStateStore(env.stateDir);
  const saved: UploadState[] = [];
  const store: UploadStateStorage = {
    get: (id) => real.get(id),
    save: (state, durable) => (saved.push(state), real.save(state, durable)),
    remove: (id) => real.remove(id),
    lock: (id) => real.lock(id),
    list: () => real.list(),
  };
  const up = new BootResourceUpload({ api: env.client.api, resources: env.client.bootResources, store }, env.options(image, { name: 'esxi/8.0u1', sameImage: 'reuse' }));
  const warnings: string[] = [];
  const phases: string[] = [];
  up.on('warning', (m) => warnings.push(m));
  up.on('phase', (p) => phases.push(p));
  const r = await up.done();
  t.same([r.action, r.resource.id, r.bytesSent], ['already-present', first.resource.id, 0]);
  t.same(warnings, [`MAAS already holds this image as esxi/8.0 (boot resource ${first.resource.id}); reporting that resource.`]);
  t.equal(env.sim.requests.filter((q) => q.method === 'PUT').length, putsBefore, 'no PUT');
  t.same(saved, [], 'no state written for a complete image');
  t.notOk(phases.includes('upload'), `no upload phase (${phases.join(', ')})`);
});

t.test('a replaced image is warned about by the locate step', async (t) => {
  const env = await uploadEnv(t, { era: '3.7' });
  const dir = tempDir(t);
  const first = await env.client.bootResources.upload(env.options(makeImage(dir, 300 * KiB))).done();
  const other = makeImage(dir, 400 * KiB, 'other.dd.gz');
  const up = env.client.bootResources.upload(env.options(other));
  const warnings: string[] = [];
  up.on('warning', (m) => warnings.push(m));
  await up.done();
  t.same(warnings, [
    `esxi/8.0 (amd64/generic) already exists in MAAS as boot resource ${first.resource.id}: this image replaces it, and MAAS deletes the older image's file (keep_old=true keeps it).`,
  ]);
});

t.test('regions: known from regioncontrollers/, no extra read; unknown, learnt once from the first acknowledged chunk', async (t) => {
  const between = (env: Awaited<ReturnType<typeof uploadEnv>>): number[] => {
    // GETs of the resource after each applied PUT and before the next PUT.
    const counts: number[] = [];
    for (const q of env.sim.requests) {
      if (q.method === 'PUT') counts.push(0);
      else if (q.method === 'GET' && /boot-resources\/\d+\/$/.test(q.path) && counts.length > 0) counts[counts.length - 1]! += 1;
    }
    return counts.slice(0, -1);
  };
  const known = await uploadEnv(t, { era: '3.7' });
  const image = makeImage(tempDir(t), 300 * KiB);
  await known.client.bootResources.upload(known.options(image)).done();
  const gaps = Math.ceil(image.size / CHUNK) - 1;
  t.ok(gaps >= 2, `${gaps + 1} chunks`);
  t.same(between(known), Array<number>(gaps).fill(0), 'region count known: no read between chunks');
  const unknown = await uploadEnv(t, { era: '3.7' });
  unknown.sim.faults.add({ match: { method: 'GET', path: /regioncontrollers/, times: Infinity }, action: { type: 'status', status: 404, body: 'Unknown API endpoint' } });
  await unknown.client.bootResources.upload(unknown.options(image)).done();
  t.same(between(unknown), [1, ...Array<number>(gaps - 1).fill(0)], 'unknown: one read after the first chunk learns it');
});

t.test("abort() without a reason: the error's cause says abort() was called", async (t) => {
  const env = await uploadEnv(t, { era: '3.7' });
  const image = makeImage(tempDir(t), 300 * KiB);
  const up = env.client.bootResources.upload(env.options(image));
  up.on('progress', (p) => {
    if (p.phase === 'upload' && p.bytesAcked >= CHUNK) up.abort();
  });
  const e = (await up.done().catch((err: unknown) => err)) as MaasAbortError;
  t.ok(e instanceof MaasAbortError);
  t.same([(e.cause as Error).message], ['abort() was called']);
});

t.test("the caller's own signal stops the upload like abort()", async (t) => {
  const env = await uploadEnv(t, { era: '3.7' });
  const image = makeImage(tempDir(t), 300 * KiB);
  const ac = new AbortController();
  const up = env.client.bootResources.upload(env.options(image, { signal: ac.signal }));
  up.on('progress', (p) => {
    if (p.phase === 'upload' && p.bytesAcked >= CHUNK) ac.abort(new Error('caller stop'));
  });
  const e = (await up.done().catch((err: unknown) => err)) as MaasAbortError;
  t.same([e.constructor, (e.cause as Error).message], [MaasAbortError, 'caller stop']);
  t.ok(env.sim.requests.filter((q) => q.method === 'PUT').length < Math.ceil(image.size / CHUNK), 'stopped before the last chunk');
});

t.test('for await … of the handle lets go of its progress listener when the loop ends, or breaks', async (t) => {
  const env = await uploadEnv(t, { era: '3.7' });
  const image = makeImage(tempDir(t), 300 * KiB);
  const up = env.client.bootResources.upload(env.options(image));
  for await (const p of up) void p;
  t.equal(up.listenerCount('progress'), 0, 'after the loop ended');
  const again = env.client.bootResources.upload(env.options(makeImage(tempDir(t), 300 * KiB, 'b.dd.gz')));
  for await (const p of again) if (p.phase === 'upload') break;
  t.equal(again.listenerCount('progress'), 0, 'after a break');
  await again.done();
});
