import t from 'tap';
import { KiB, makeImage, tempDir, uploadEnv } from '../fixtures/upload-env.js';
import { regionCountFor } from '../../lib/upload/server-offset.js';

t.test('docs/maas-upload-protocol.md#deriving-the-offset: the region count is learnt from an acknowledged offset', async (t) => {
  const size = 10_000_000;
  const chunk = 1_048_576;
  for (const n of [1, 2, 3]) {
    // MAAS's progress for `chunk` acknowledged bytes on n regions: 100·received/(size·n).
    const progress = (100 * chunk) / (size * n);
    t.equal(regionCountFor({ size, progress, complete: false }, '3.8', chunk), n, `${n} region(s)`);
  }
  t.equal(regionCountFor({ size, progress: 0.3, complete: false }, '3.4', chunk), undefined, '≤3.4 progress does not depend on the count');
  t.equal(regionCountFor({ size, progress: 33.3, complete: false }, '3.8', chunk), undefined, 'no count fits: undefined');
});

t.test('two regions, regions unknown to the client: a lost answer is not mistaken for a lost chunk', async (t) => {
  const env = await uploadEnv(t, { era: '3.7', regions: 2, regionSyncMs: 200 });
  const image = makeImage(tempDir(t), 600 * KiB);
  env.sim.faults.add({ match: { method: 'PUT', nth: 4 }, action: { type: 'cut', apply: true } });
  const result = await env.client.bootResources.upload(env.options(image)).done();
  t.equal(result.file.complete, true);
  t.equal(result.recreated, false, 'no integrity recovery was needed');
  t.equal(env.sim.requests.filter((r) => r.method === 'PUT' && r.status === 400).length, 0, 'no "Too much data received."');
});

t.test('two regions: a lost answer to the final chunk ends in the sync wait, not a PUT loop', async (t) => {
  const env = await uploadEnv(t, { era: '3.8', regions: 2, regionSyncMs: 400 });
  const image = makeImage(tempDir(t), 200 * KiB);
  const chunks = Math.ceil(image.size / (64 * KiB));
  env.sim.faults.add({ match: { method: 'PUT', nth: chunks }, action: { type: 'cut', apply: true } });
  const result = await env.client.bootResources.upload(env.options(image, { finalSettleMs: 50 })).done();
  t.equal(result.file.complete, true);
  t.ok(env.sim.requests.filter((r) => r.method === 'PUT').length <= chunks + 1, 'at most one extra PUT');
});
