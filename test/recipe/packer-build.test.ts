/**
 * Real `packer build` of our template (Packer as installed, 1.6.6 on Debian) with a stand-in
 * installer: the chained post-processors put the curtin hook on partition 1 and compress the raw
 * disk to <output_directory>/<output_name>.dd.gz, then the qemu output directory is gone.
 */
import t from 'tap';
import { execa } from 'execa';
import { createReadStream, createWriteStream, existsSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { leaveOutUnlessCI } from '../fixtures/prerequisite.js';
import { inspectImage } from '../../lib/inspect/index.js';
import { buildUnavailable, fakeInstallerBuild } from '../fixtures/recipe/packer-build.js';

const skip = leaveOutUnlessCI(await buildUnavailable(), 'apt-get install packer qemu-system-x86 qemu-utils gdisk mtools');

t.test('build with a disk that has a FAT partition 1 yields a .dd.gz with the hook', { skip }, async (t) => {
  const dir = t.testdir();
  const record = { format: 1, maasEsxiVersion: '0.1.0', template: { name: 'maas-esxi vmware-esxi', version: '0.1.0' }, iso: { name: 'boot.iso', size: 1, sha256: 'c'.repeat(64) }, esxi: { version: null, build: null }, kickstartExtraSha256: null, packerVersion: '1.6.6', rootPassword: 'random' };
  writeFileSync(join(dir, 'provenance.json'), JSON.stringify(record));
  const run = await fakeInstallerBuild(dir, { gpt: true, provenanceFile: join(dir, 'provenance.json') });
  t.equal(run.exitCode, 0, 'packer build succeeds', { output: run.stdout.slice(-3000) });
  t.notMatch(run.stdout, /,error-count,/);
  t.match(run.stdout, /,artifact,1,builder-id,packer\.post-processor\.compress/);
  t.match(run.stdout, /install-curtin-hook: done/);
  const gz = join(run.outDir, 'esxi-test.dd.gz');
  t.match(run.stdout, new RegExp(`,artifact,1,file,0,${gz.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
  t.notOk(existsSync(join(run.outDir, 'esxi-test-vm')), 'raw disk directory removed after compression');

  const raw = join(dir, 'image.raw');
  await pipeline(createReadStream(gz), createGunzip(), createWriteStream(raw));
  t.equal((await stat(raw)).size, 64 * 1024 * 1024, 'plain gzip of the whole raw disk (MAAS ddgz)');
  const listing = await execa('mdir', ['-i', `${raw}@@32768`, '-b', '::/curtin'], { env: { MTOOLS_SKIP_CHECK: '1' } });
  t.same(String(listing.stdout).split(/\s+/).filter(Boolean).sort(), ['::/curtin/curtin-hooks', '::/curtin/maas-esxi-provenance.json', '::/curtin/maas-esxi.pyz']);
  // docs/image-inspection.md: the stand-in image inspects as ours, with the provenance the template passed.
  const image = await inspectImage(gz);
  t.equal(image.hooks.kind, 'maas-esxi');
  t.match(image.provenance, { ...record, builtAt: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/ });
});

/**
 * When the image-modification step fails, the build fails and no .dd.gz is written: the
 * post-processors are chained, unlike packer-maas's independent blocks that compress anyway
 * (docs/packer.md, packer-maas issue #225).
 */
t.test('a disk without GPT fails the build and leaves no image', { skip }, async (t) => {
  const dir = t.testdir();
  const run = await fakeInstallerBuild(dir, { gpt: false });
  t.equal(run.exitCode, 1, 'packer build fails', { output: run.stdout.slice(-3000) });
  t.match(run.stdout, /install-curtin-hook: ERROR: .*has no GPT header/);
  t.match(run.stdout, /,error-count,1/);
  t.match(run.stdout, /Post-processor failed/);
  t.notMatch(run.stdout, /type compress/);
  t.notOk(existsSync(join(run.outDir, 'esxi-test.dd.gz')), 'no .dd.gz written');
});
