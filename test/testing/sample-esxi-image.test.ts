/**
 * `sampleEsxiImage` (maas-esxi/testing): a ddgz that tools other than ours read as ESXi's layout —
 * sgdisk verifies its GPT (primary and backup), mtools reads both FAT volumes — and that inspect
 * and create's hook check accept as ESXi 8.0 U3 with maas-esxi's hooks (docs/image-inspection.md).
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { inspectImage } from '../../lib/inspect/index.js';
import { sampleEsxiImage } from '../../lib/testing/index.js';
import { tempDir } from '../fixtures/upload-env.js';

const mtools = { ...process.env, MTOOLS_SKIP_CHECK: '1' };

t.test('a 3 MiB sample with provenance: sgdisk and mtools read ESXi partitions 1, 5-8, the hooks, the record and boot.cfg', async (t) => {
  const dir = tempDir(t);
  const gz = sampleEsxiImage({ diskBytes: 3 * 1024 * 1024, provenance: true });
  const raw = join(dir, 'disk.raw');
  writeFileSync(raw, gunzipSync(gz));
  t.equal(gunzipSync(gz).length, 3 * 1024 * 1024, 'the disk size asked for');
  t.match(execFileSync('sgdisk', ['-v', raw], { encoding: 'utf8' }), 'No problems found', 'primary and backup GPT agree, checksums hold');
  // ESXi's type GUIDs as partedUtil showGuids lists them.
  const types = [1, 5, 6, 7, 8].map((n) => [n, /GUID code: (\S+)/.exec(execFileSync('sgdisk', ['-i', String(n), raw], { encoding: 'utf8' }))?.[1]]);
  t.same(types, [
    [1, 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B'],
    [5, 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7'],
    [6, 'EBD0A0A2-B9E5-4433-87C0-68B6B72699C7'],
    [7, '4EB2EA39-7855-4790-A79E-FAE495E21F8F'],
    [8, 'AA31E02A-400F-11DB-9590-000C2911D1B8'],
  ]);
  const curtin = execFileSync('mdir', ['-i', `${raw}@@${64 * 512}`, '-b', '::/curtin'], { encoding: 'utf8', env: mtools });
  t.same(curtin.trim().split('\n').sort(), ['::/curtin/curtin-hooks', '::/curtin/maas-esxi-provenance.json']);
  t.match(execFileSync('mtype', ['-i', `${raw}@@${96 * 512}`, '::/boot.cfg'], { encoding: 'utf8', env: mtools }), /^build=8\.0\.3-0\.0\.24022510$/m);
  const image = join(dir, 'vmware-esxi.dd.gz');
  writeFileSync(image, gz);
  const found = await inspectImage(image);
  t.match(found, { expandedSize: 3 * 1024 * 1024, esxi: { name: 'esxi/8.0', update: 3, build: 24022510 }, hooks: { kind: 'maas-esxi' }, provenance: { format: 1 }, warnings: [] });
});

t.test('hooks: false, a small size, another build: no curtin/, the minimum size, the build given', async (t) => {
  const dir = tempDir(t);
  const image = join(dir, 'bare.dd.gz');
  writeFileSync(image, sampleEsxiImage({ diskBytes: 1000, hooks: false, build: '7.0.3-0.0.21930508', randomFill: false }));
  const found = await inspectImage(image);
  t.equal(found.expandedSize, 256 * 512, 'rounded up to the 128 KiB minimum');
  t.equal(found.hooks.kind, 'none');
  t.equal(found.provenance, null, 'none unless asked for');
  t.equal(found.esxi?.name, 'esxi/7.0');
});
