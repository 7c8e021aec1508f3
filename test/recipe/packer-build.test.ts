/**
 * Real `packer build` of our template (Packer as installed, 1.6.6 on Debian) with a stand-in
 * installer: the chained post-processors put the curtin hook on partition 1 and compress the raw
 * disk to <output_directory>/<output_name>.dd.gz, then the qemu output directory is gone.
 */
import t from 'tap';
import { execa } from 'execa';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { leaveOutUnlessCI } from '../fixtures/prerequisite.js';
import { buildUnavailable, fakeInstallerBuild } from '../fixtures/recipe/packer-build.js';

const skip = leaveOutUnlessCI(await buildUnavailable(), 'apt-get install packer qemu-system-x86 qemu-utils gdisk mtools');

t.test('build with a disk that has a FAT partition 1 yields a .dd.gz with the hook', { skip }, async (t) => {
  const dir = t.testdir();
  const run = await fakeInstallerBuild(dir, { gpt: true });
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
  t.same(String(listing.stdout).split(/\s+/).filter(Boolean).sort(), ['::/curtin/curtin-hooks', '::/curtin/maas-esxi.pyz']);
});
