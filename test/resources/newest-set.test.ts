import t from 'tap';
import { KiB, makeImage, tempDir, uploadEnv } from '../fixtures/upload-env.js';
import { compareSiteImages } from '../../lib/client/image-drift.js';
import { newestSet } from '../../lib/resources/set-order.js';

// MAAS names a resource's sets `YYYYmmdd`, then `YYYYmmdd.1`, `.2`… the same day
// (docs/maas-upload-protocol.md#same-name-and-architecture-twice, step 3), and renders them newest
// first. JSON.parse puts integer-like keys (`20261207`) before all others, and `.10` sorts before
// `.9` as text: neither the key order nor a text sort says which set is newest.

const FAST = { intervalMs: 40 };

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
