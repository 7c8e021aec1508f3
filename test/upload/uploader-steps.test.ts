// The upload's own steps (lib/upload/uploader.ts: locate → create or adopt → send → verify →
// ready) on small images against the in-process simulator, checked from the server's request
// log: where each PUT landed, what the result counts, what a dry run plans, how a stop is told.
// Chunk arithmetic is written out by hand (64 KiB chunks, docs/maas-upload-protocol.md#sending-chunks).
import t from 'tap';
import { rmSync } from 'node:fs';
import { MaasAbortError, UploadConflictError } from '../../lib/errors/index.js';
import type { MaasSimulator } from '../../lib/testing/index.js';
import { BootResourceUpload } from '../../lib/upload/uploader.js';
import { KiB, makeImage, tempDir, uploadEnv } from '../fixtures/upload-env.js';

const CHUNK = 64 * KiB;
/** Where each applied PUT landed on the server. */
const landed = (sim: MaasSimulator): number[] => sim.requests.filter((r) => r.method === 'PUT' && r.applied).map((r) => r.appliedAt ?? NaN);

t.test('a fresh upload: one PUT per chunk in order, the result counts exactly what was sent', async (t) => {
  const env = await uploadEnv(t, { era: '3.7' });
  const image = makeImage(tempDir(t), 300 * KiB);
  const up = env.client.bootResources.upload(env.options(image));
  const phases: Array<[string, string | undefined]> = [];
  up.on('phase', (p, detail) => phases.push([p, detail]));
  const acked: number[] = [];
  up.on('progress', (p) => {
    if (p.phase === 'upload' && p.bytesAcked > 0 && p.bytesAcked !== acked.at(-1)) acked.push(p.bytesAcked);
  });
  const r = await up.done();
  const chunks = Math.ceil(image.size / CHUNK);
  const starts = Array.from({ length: chunks }, (_, i) => i * CHUNK);
  t.same(landed(env.sim), starts);
  t.same([r.action, r.resumedFrom, r.bytesSent, r.bytesResent, r.retries, r.recreated, r.size, r.sha256], ['create', 0, image.size, 0, 0, false, image.size, image.sha256]);
  t.same(acked, [...starts.slice(1), image.size], 'every acknowledged chunk is reported, whatever the rate limit on events');
  t.same(
    phases.filter(([p]) => p !== 'hash').map(([p, d]) => (p === 'upload' || p === 'done' ? [p, d] : [p])),
    [['check'], ['locate'], ['create'], ['upload', undefined], ['verify'], ['verify'], ['done', undefined]],
  );
  t.ok(r.elapsedMs >= 0 && r.stateId.length > 0);
  t.equal(env.sim.requests.filter((q) => q.method === 'POST').length, 1, 'one create');
  const beforeCreate = env.sim.requests.slice(0, env.sim.requests.findIndex((q) => q.method === 'POST'));
  t.same(
    beforeCreate.filter((q) => q.query.includes('type=uploaded')).map((q) => `${q.method} ${q.path}${q.query}`),
    ['GET /MAAS/api/2.0/boot-resources/?type=uploaded'],
    'one list of uploaded resources serves the three lookups before a create (lib/upload/locate.ts)',
  );
});

t.test('MAAS 3.8, replacing a name: the resource it replaces is read once, though two lookups look at it (lib/upload/locate.ts)', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const dir = tempDir(t);
  await env.client.bootResources.upload(env.options(makeImage(dir, 200 * KiB, 'a.dd.gz'))).done();
  const from = env.sim.requests.length;
  const r = await env.client.bootResources.upload(env.options(makeImage(dir, 300 * KiB, 'b.dd.gz'))).done();
  const second = env.sim.requests.slice(from);
  const reads = second
    .slice(0, second.findIndex((q) => q.method === 'POST'))
    .filter((q) => q.method === 'GET' && /\/boot-resources\/\d+\/$/.test(q.path))
    .map((q) => q.path.replace(/.*\/boot-resources\//, ''));
  t.same(reads, [`${r.resource.id}/`], 'one GET of the replaced resource (which the new image joins): the same-name and same-image lookups share it');
});

t.test('an interrupted upload: the rerun starts at the server offset and counts only what it sent', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 400 * KiB);
  const first = env.client.bootResources.upload(env.options(image));
  first.on('progress', (p) => {
    if (p.phase === 'upload' && p.bytesAcked >= 2 * CHUNK) first.abort();
  });
  const stop = (await first.done().catch((e: unknown) => e)) as MaasAbortError;
  t.same([stop.constructor, stop.message], [MaasAbortError, `Upload interrupted at ${2 * CHUNK} of ${image.size} bytes; its state is saved.`]);
  const plan = await BootResourceUpload.plan({ api: env.client.api, resources: env.client.bootResources }, env.options(image));
  t.same([plan.action, plan.resumeFrom, plan.chunks, plan.size], ['resume', 2 * CHUNK, Math.ceil((image.size - 2 * CHUNK) / CHUNK), image.size]);
  t.ok(plan.resourceId !== undefined);
  const putsBefore = landed(env.sim).length;
  const second = env.client.bootResources.upload(env.options(image));
  const phases: Array<[string, string | undefined]> = [];
  second.on('phase', (p, detail) => phases.push([p, detail]));
  const r = await second.done();
  t.same(landed(env.sim).slice(putsBefore)[0], 2 * CHUNK, 'the first PUT of the rerun lands where the first run stopped');
  t.same([r.action, r.resumedFrom, r.bytesSent, r.bytesResent], ['resume', 2 * CHUNK, image.size - 2 * CHUNK, 0]);
  t.same(phases.find(([p]) => p === 'upload'), ['upload', `at byte ${2 * CHUNK} of ${image.size}`]);
  const done = await BootResourceUpload.plan({ api: env.client.api, resources: env.client.bootResources }, env.options(image));
  t.same([done.action, done.resumeFrom, done.chunks], ['already-present', image.size, 0], 'a complete image plans nothing');
  const again = env.client.bootResources.upload(env.options(image));
  const said: Array<[string, string | undefined]> = [];
  again.on('phase', (p, detail) => said.push([p, detail]));
  const same = await again.done();
  t.same([same.action, same.bytesSent, same.resource.id], ['already-present', 0, r.resource.id]);
  t.same(said.at(-1), ['done', 'an identical image is already in MAAS']);
});

t.test('a new upload plans every chunk', async (t) => {
  const env = await uploadEnv(t, { era: '3.4' });
  const image = makeImage(tempDir(t), 200 * KiB);
  const plan = await BootResourceUpload.plan({ api: env.client.api, resources: env.client.bootResources }, env.options(image));
  t.same([plan.action, plan.resumeFrom, plan.chunks, plan.chunkSize, plan.era, plan.resourceId], ['create', 0, Math.ceil(image.size / CHUNK), CHUNK, '3.4', undefined]);
});

t.test('a stop is told by how far the upload got', async (t) => {
  const env = await uploadEnv(t, { era: '3.7' });
  const image = makeImage(tempDir(t), 200 * KiB);
  const early = env.client.bootResources.upload(env.options(image));
  early.abort();
  const e1 = (await early.done().catch((e: unknown) => e)) as MaasAbortError;
  t.same([e1.constructor, e1.code, e1.message], [MaasAbortError, 'ABORTED', 'Interrupted before any data was sent; nothing to resume yet.']);
  t.match(e1.hint, /start again/);
  const late = env.client.bootResources.upload(env.options(image));
  let verifying = 0;
  late.on('phase', (p) => {
    if (p === 'verify' && ++verifying === 2) late.abort(new Error('Ctrl-C'));
  });
  const e2 = (await late.done().catch((e: unknown) => e)) as MaasAbortError;
  t.same([e2.constructor, e2.message], [MaasAbortError, 'Upload interrupted; its state is saved.']);
  t.match(e2.hint, /to resume/);
});

t.test('the image file disappearing or changing mid-upload stops it', async (t) => {
  const env = await uploadEnv(t, { era: '3.7' });
  const image = makeImage(tempDir(t), 400 * KiB);
  const up = env.client.bootResources.upload(env.options(image));
  up.on('progress', (p) => {
    if (p.phase === 'upload' && p.bytesAcked >= CHUNK) rmSync(image.path, { force: true });
  });
  const e = (await up.done().catch((err: unknown) => err)) as UploadConflictError;
  t.same([e.constructor, e.message], [UploadConflictError, `${image.path} disappeared during the upload.`]);
  t.match(e.hint, /Restore the file/);
});
