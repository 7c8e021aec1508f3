import t from 'tap';
import { readFileSync } from 'node:fs';
import { KiB, makeImage, tempDir, uploadEnv } from '../fixtures/upload-env.js';
import { MaasNotFoundError, MaasTimeoutError } from '../../lib/errors/index.js';
import { exitCodeFor } from '../../lib/cli/exit-codes.js';
import type { ReadyTarget } from '../../lib/resources/boot-ready.js';
import { compareSiteImages } from '../../lib/client/image-drift.js';
import { newestSet } from '../../lib/resources/set-order.js';

const FAST = { intervalMs: 40 };

t.test('≤3.4: every connected rack must list the image; a disconnected rack is named and skipped', async (t) => {
  const env = await uploadEnv(t, {
    era: '3.4',
    racks: [{ hostname: 'rack-a', syncMs: 0 }, { hostname: 'rack-b', syncMs: 300 }, { hostname: 'rack-c', connected: false }],
  });
  await env.client.bootResources.upload(env.options(makeImage(tempDir(t), 200 * KiB))).done();
  const seen: ReadyTarget[] = [];
  const result = await env.client.bootResources.waitReady({ name: 'esxi/8.0', ...FAST, timeoutMs: 10_000, onProgress: (p) => seen.push(p) }).done();
  t.equal(result.era, '3.4');
  t.same(result.ready.map((r) => r.hostname).sort(), ['rack-a', 'rack-b']);
  t.same(result.skipped.map((r) => r.hostname), ['rack-c']);
  const b = seen.filter((p) => p.hostname === 'rack-b').map((p) => p.state);
  t.same(b, ['syncing', 'ready'], 'rack-b reported syncing, then ready — one line per change');
  t.equal(seen.filter((p) => p.hostname === 'rack-c').length, 1, 'the disconnected rack is reported once');
  t.match(seen.find((p) => p.hostname === 'rack-b')!.detail, /status syncing/, "MAAS's own status word");
});

t.test('≤3.4: a rack that never syncs ends in a timeout naming it (exit 5)', async (t) => {
  const env = await uploadEnv(t, { era: '3.4', racks: [{ hostname: 'rack-a' }, { hostname: 'rack-slow', syncMs: Infinity }] });
  await env.client.bootResources.upload(env.options(makeImage(tempDir(t), 100 * KiB))).done();
  const err = await env.client.bootResources.waitReady({ name: 'esxi/8.0', ...FAST, timeoutMs: 300 }).done().catch((e: unknown) => e);
  t.type(err, MaasTimeoutError);
  t.match((err as Error).message, /rack rack-slow \([a-z0-9]+\): status syncing/);
  t.notMatch((err as Error).message, /rack-a/, 'ready racks are not blamed');
  t.equal(exitCodeFor(err), 5);
});

t.test('≤3.4: no connected rack at all is not "ready"', async (t) => {
  const env = await uploadEnv(t, { era: '3.4', racks: [{ hostname: 'rack-a', connected: false }] });
  await env.client.bootResources.upload(env.options(makeImage(tempDir(t), 100 * KiB))).done();
  const err = await env.client.bootResources.waitReady({ name: 'esxi/8.0', ...FAST, timeoutMs: 200 }).done().catch((e: unknown) => e);
  t.match((err as Error).message, /no rack controller is connected/);
});

t.test('≤3.4: the wrong architecture is not there: MaasNotFoundError at once, not a wait', async (t) => {
  const env = await uploadEnv(t, { era: '3.4' });
  await env.client.bootResources.upload(env.options(makeImage(tempDir(t), 100 * KiB))).done();
  const err = await env.client.bootResources.waitReady({ name: 'esxi/8.0', architecture: 'arm64/generic', ...FAST, timeoutMs: 60_000 }).done().catch((e: unknown) => e);
  t.type(err, MaasNotFoundError);
});

/** Create and send the whole file in one PUT, without the uploader's own sync wait. */
async function uploadWithoutWaiting(env: Awaited<ReturnType<typeof uploadEnv>>, dir: string) {
  const image = makeImage(dir, 100 * KiB);
  const created = await env.client.bootResources.create({ name: 'esxi/8.0', architecture: 'amd64/generic', filetype: 'ddgz', sha256: image.sha256, size: image.size, title: 'VMware ESXi 8.0' });
  const file = Object.values(Object.values(created.sets)[0]!.files)[0]!;
  const body = readFileSync(image.path);
  await env.client.bootResources.uploadChunk({ uploadUri: file.upload_uri!, body, length: body.length });
}

t.test('3.5+: every region must hold the complete file; one line per region', async (t) => {
  const env = await uploadEnv(t, { era: '3.8', regions: 3, regionSyncMs: 1500 });
  await uploadWithoutWaiting(env, tempDir(t));
  const seen: ReadyTarget[] = [];
  const result = await env.client.bootResources.waitReady({ name: 'esxi/8.0', ...FAST, timeoutMs: 10_000, onProgress: (p) => seen.push(p) }).done();
  t.equal(result.ready.length, 3);
  t.ok(result.ready.every((r) => r.kind === 'region'));
  t.same(seen.filter((p) => p.hostname === 'region-2').map((p) => p.state), ['syncing', 'ready']);
  t.match(seen[0]!.detail, /33\.3 % of all regions' copies/, 'one of three regions holds the file');
});

t.test('3.5+: regions that never sync end in a timeout naming them', async (t) => {
  const env = await uploadEnv(t, { era: '3.7', regions: 2, regionSyncMs: 60_000 });
  await uploadWithoutWaiting(env, tempDir(t));
  const err = await env.client.bootResources.waitReady({ name: 'esxi/8.0', ...FAST, timeoutMs: 200 }).done().catch((e: unknown) => e);
  t.type(err, MaasTimeoutError);
  t.match((err as Error).message, /region region-1 .*; region region-2/);
});

t.test('3.5+: racks are not consulted (list_boot_images is deprecated and always "synced")', async (t) => {
  const env = await uploadEnv(t, { era: '3.8', racks: [{ hostname: 'rack-a', connected: false }] });
  await env.client.bootResources.upload(env.options(makeImage(tempDir(t), 100 * KiB))).done();
  const result = await env.client.bootResources.waitReady({ name: 'esxi/8.0', ...FAST }).done();
  t.equal(result.ready.length, 1);
  t.notOk(env.sim.requests.some((r) => r.query.includes('list_boot_images')));
  const listing = await env.client.api.json<{ status: string; connected: boolean }>('GET', `rackcontrollers/${(await env.client.api.json<{ system_id: string }[]>('GET', 'rackcontrollers/'))[0]!.system_id}/`, { query: { op: 'list_boot_images' } });
  t.same([listing.status, listing.connected], ['synced', true]);
});

t.test('an image MAAS does not have is a clear error, at once', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const err = await env.client.bootResources.waitReady({ name: 'esxi/9.9', ...FAST }).done().catch((e: unknown) => e);
  t.match((err as Error).message, /MAAS has no boot resource esxi\/9\.9 \(amd64\/generic\)/);
});

t.test('cancelling the wait is an abort, not a timeout', async (t) => {
  const env = await uploadEnv(t, { era: '3.4', racks: [{ hostname: 'rack-a', syncMs: Infinity }] });
  await env.client.bootResources.upload(env.options(makeImage(tempDir(t), 100 * KiB))).done();
  // Cancelled while it waits: at its first progress report (rack-a never syncs), not after a fixed time.
  const ac = new AbortController();
  const waiting = env.client.bootResources.waitReady({ name: 'esxi/8.0', ...FAST, signal: ac.signal });
  waiting.once('progress', () => ac.abort());
  const err = await waiting.done().catch((e: unknown) => e);
  t.equal(exitCodeFor(err), 130);
});

// MAAS names a resource's sets `YYYYmmdd`, then `YYYYmmdd.1`, `.2`… the same day
// (docs/maas-upload-protocol.md#same-name-and-architecture-twice, step 3), and renders them newest
// first. JSON.parse puts integer-like keys (`20261207`) before all others, and `.10` sorts before
// `.9` as text: neither the key order nor a text sort says which set is newest.


t.test('3.8: an image uploaded again the same day is ready once its newest set is complete', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const dir = tempDir(t);
  const a = makeImage(dir, 100 * KiB, 'a.dd.gz');
  const b = makeImage(dir, 100 * KiB, 'b.dd.gz');
  for (const image of [a, b, a]) await env.client.bootResources.upload(env.options(image)).done();
  const resource = (await env.client.bootResources.list()).find((r) => r.name === 'esxi/8.0')!;
  const read = await env.client.bootResources.read(resource.id);
  const withFiles = Object.entries(read.sets).filter(([, s]) => Object.keys(s.files).length > 0);
  t.same(withFiles.map(([v, s]) => [v, s.complete]), [[Object.keys(read.sets).find((v) => v.endsWith('.2')), true]], 'only the third set holds a file, and it is complete');
  const result = await env.client.bootResources.waitReady({ name: 'esxi/8.0', ...FAST, timeoutMs: 3_000 }).done();
  t.same(result.ready.map((r) => r.state), ['ready'], 'ready, not "syncing 0.0 %" from the empty first set');
});

t.test('images: the newest set is the last upload, also after ten uploads in a day', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const dir = tempDir(t);
  let last = makeImage(dir, 20 * KiB, 'i0.dd.gz');
  await env.client.bootResources.upload(env.options(last)).done();
  for (let i = 1; i <= 10; i++) {
    last = makeImage(dir, 20 * KiB, `i${i}.dd.gz`);
    await env.client.bootResources.upload(env.options(last)).done();
  }
  const report = await compareSiteImages([{ name: 'site1', client: env.client }]);
  t.equal(report.images[0]?.sha256, last.sha256, "the eleventh upload's sha256");
  t.match(report.images[0]?.uploaded, /\.10$/, 'set YYYYmmdd.10, not .9');
  t.equal(report.images[0]?.complete, true);
});

t.test('newestSet orders MAAS set versions by date, then by number', async (t) => {
  const sets = JSON.parse('{"20261207.10": {"n": 10}, "20261207.9": {"n": 9}, "20261207": {"n": 0}, "20261206.3": {"n": -1}}') as Record<string, { n: number }>;
  t.same(newestSet(sets), ['20261207.10', { n: 10 }]);
  t.same(newestSet({ '20261206.3': 1, '20261207': 2 }), ['20261207', 2], 'a later day without a number beats an earlier day with one');
  t.equal(newestSet({}), undefined);
  t.equal(newestSet(undefined), undefined);
});
