import t from 'tap';
import { deriveServerOffset, findFileBySha256, regionCountFor } from '../../lib/upload/server-offset.js';
import { eraOf } from '../../lib/resources/era.js';
import { esxiReleaseTitle, defaultTitle } from '../../lib/resources/esxi-title.js';
import { KiB, makeImage, tempDir, uploadEnv } from '../fixtures/upload-env.js';

t.test('era from version/ (docs/maas-api.md#version-and-eras, docs/maas-upload-protocol.md#differences-between-eras)', async (t) => {
  t.equal(eraOf('3.4.10'), '3.4');
  t.equal(eraOf('2.9.2'), '3.4');
  t.equal(eraOf('3.5.0'), '3.7');
  t.equal(eraOf('3.7.0~beta2'), '3.7');
  t.equal(eraOf('3.8.0~rc1'), '3.8');
  t.equal(eraOf('4.0.0'), '3.8');
  t.equal(eraOf('None'), '3.8', 'unknown → the strictest era');
});

t.test('docs/maas-upload-protocol.md#deriving-the-offset: offset = Math.round(progress*size/100) is exact for 3.5+', async (t) => {
  // Reproduce the server's float: Python computes 100.0*received/size with one IEEE division.
  let mismatches = 0;
  let seed = 42;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < 200_000; i++) {
    const size = Math.floor(rnd() * 2 ** 40) + 1;
    const received = Math.floor(rnd() * size);
    const progress = (100.0 * received) / size;
    const parsed = JSON.parse(JSON.stringify(progress)) as number;
    if (deriveServerOffset({ size, progress: parsed, complete: false }, '3.7') !== received) mismatches++;
  }
  t.equal(mismatches, 0);
  t.equal(deriveServerOffset({ size: 100, progress: 0, complete: false }, '3.8'), 0);
  t.equal(deriveServerOffset({ size: 100, complete: true }, '3.8'), 100, 'complete → all bytes');
  t.equal(deriveServerOffset({ size: 100, complete: false }, '3.8'), 100, 'missing progress → complete (docs/maas-upload-protocol.md#deriving-the-offset)');
  t.equal(deriveServerOffset({ size: 6_000_000_000, progress: 25, complete: false }, '3.8', 2), 3_000_000_000, 'two regions');
});

t.test('docs/maas-upload-protocol.md#deriving-the-offset: ≤3.4 file progress is size/received', async (t) => {
  t.equal(deriveServerOffset({ size: 10_000, progress: 10_000 / 4_096, complete: false }, '3.4'), 4_096);
  t.equal(deriveServerOffset({ size: 10_000, progress: 0, complete: false }, '3.4'), 0);
});

t.test('the file is chosen by sha256, newest set first (docs/maas-upload-protocol.md#the-answer)', async (t) => {
  const f = (sha: string) => ({ filename: 'root-dd.gz', filetype: 'root-dd.gz', sha256: sha, size: 1, complete: false });
  const r = { sets: { '20260301.10': { files: { a: f('new') } }, '20260301.9': { files: { a: f('old') } } } };
  t.equal(findFileBySha256(r, 'old')?.setVersion, '20260301.9');
  t.equal(findFileBySha256(r, 'new')?.setVersion, '20260301.10');
  t.equal(findFileBySha256(r, 'none'), undefined);
});

t.test('ESXi titles as MAAS formats them (docs/maas-upload-protocol.md#fields)', async (t) => {
  t.equal(esxiReleaseTitle('7.0'), 'VMware ESXi 7.0');
  t.equal(esxiReleaseTitle('6.7.0'), 'VMware ESXi 6.7.0');
  t.equal(esxiReleaseTitle('8.0u3'), 'VMware ESXi 8.0 u3');
  t.equal(esxiReleaseTitle('9'), 'VMware ESXi 9');
  t.equal(defaultTitle('esxi/8.0'), 'VMware ESXi 8.0');
  t.equal(defaultTitle('custom/foo'), undefined);
});

t.test('a lost tail is not read as a second region (docs/maas-upload-protocol.md#deriving-the-offset)', async (t) => {
  // One region held 2 chunks, lost one to a restart while the 3rd was in flight: it holds 1 chunk,
  // and 1 chunk × 2 regions equals 2 chunks. The region count is learnt once, from an offset the
  // server acknowledged, so the reading after the loss is the bytes the one region holds.
  const size = 360_844;
  const chunk = 65_536;
  const at = (held: number) => ({ size, progress: (100 * held) / size, complete: false });
  const regions = regionCountFor(at(2 * chunk), '3.8', 2 * chunk);
  t.equal(regions, 1, 'learnt from the acknowledged offset');
  t.equal(deriveServerOffset(at(chunk), '3.8', regions), chunk, 'after the loss: one chunk held, not two');
});

t.test('offsets never exceed the file, and odd progress values mean nothing held (docs/maas-upload-protocol.md#deriving-the-offset)', async (t) => {
  t.equal(deriveServerOffset({ size: 1000, progress: 150, complete: false }, '3.8'), 1000, '3.5+: capped at the size');
  t.equal(deriveServerOffset({ size: 1000, progress: 0.5, complete: false }, '3.4'), 1000, '≤3.4: capped at the size');
  for (const progress of [Number.NaN, Number.POSITIVE_INFINITY, -3]) {
    t.equal(deriveServerOffset({ size: 1000, progress, complete: false }, '3.8'), 0, `progress ${progress}`);
    t.equal(deriveServerOffset({ size: 1000, progress, complete: false }, '3.4'), 0, `≤3.4 progress ${progress}`);
  }
  t.equal(deriveServerOffset({ size: 1000, progress: 50, complete: true }, '3.8'), 1000, 'complete wins over progress');
  t.equal(deriveServerOffset({ size: 1000, progress: 12.5, complete: false }, '3.8', 3), 375, 'three regions');
});

t.test('the region count is learnt only from a 3.5+ progress of an incomplete file and a positive acknowledged offset, up to 16 regions (docs/maas-upload-protocol.md#deriving-the-offset)', async (t) => {
  const size = 1_000_000;
  // 3.5+ progress when one of `regions` holds `held` bytes: 100·held / (size·regions).
  const at = (held: number, regions: number) => ({ size, progress: (100 * held) / (size * regions), complete: false });
  t.equal(regionCountFor(at(400_000, 16), '3.8', 400_000), 16, 'sixteen regions: the largest count tried');
  t.equal(regionCountFor(at(400_000, 17), '3.8', 400_000), undefined, 'seventeen: beyond what is tried');
  t.equal(regionCountFor(at(400_000, 2), '3.7', 400_000), 2);
  // ≤3.4's size/received ignores regions, so every count would "fit": nothing to learn.
  t.equal(regionCountFor({ size, progress: size / 400_000, complete: false }, '3.4', 400_000), undefined, '3.4');
  t.equal(regionCountFor({ size, complete: true }, '3.8', size), undefined, 'a complete file says nothing of regions');
  t.equal(regionCountFor({ size, progress: 50, complete: true }, '3.8', size), undefined, 'complete, even with a progress');
  t.equal(regionCountFor({ size, complete: false }, '3.8', size), undefined, 'no progress');
  t.equal(regionCountFor({ size, progress: 0, complete: false }, '3.8', 0), undefined, 'nothing acknowledged: 0 bytes fit any count');
});

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
