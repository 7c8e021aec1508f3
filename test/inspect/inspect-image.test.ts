/**
 * inspectImage on ESXi-shaped disks of each layout, hook kind and compression
 * (docs/image-inspection.md). Expected releases come from VMware's build numbers, written out
 * here, not from the parser: 8.0.3-0.0.24022510 is ESXi 8.0 Update 3, build 24022510.
 */
import t from 'tap';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspectImage } from '../../lib/inspect/index.js';
import { writeFatImage } from '../../lib/packer/fat-image.js';
import { bootbankEnd, compress, makeEsxiDisk, tempDir } from '../fixtures/inspect/esxi-disk.js';
import { parseBootCfg } from '../../lib/inspect/boot-cfg.js';
import { execFileSync } from 'node:child_process';

const PROVENANCE = {
  format: 1,
  maasEsxiVersion: '0.1.0',
  template: { name: 'maas-esxi vmware-esxi', version: '0.1.0' },
  iso: { name: 'VMware-VMvisor-Installer-8.0U3-24022510.x86_64.iso', size: 629145600, sha256: 'a'.repeat(64) },
  esxi: { version: '8.0U3', build: '24022510' },
  kickstartExtraSha256: null,
  packerVersion: '1.6.6',
  rootPassword: 'random',
};

t.test('ESXi 8.0 U3 with our hooks and provenance, gzip: release, hooks, payload version, provenance, partitions', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const disk = makeEsxiDisk(tmp.dir, { layout: '7.0+', build: '8.0.3-0.0.24022510', hooks: 'ours', provenance: JSON.stringify(PROVENANCE) });
  const image = await inspectImage(compress(disk, 'gzip'));
  t.equal(image.filetype, 'ddgz');
  t.equal(image.expandedSize, statSync(disk).size, 'expanded size = the raw disk written');
  t.match(image.esxi, { release: '8.0', update: 3, build: 24022510, name: 'esxi/8.0', title: 'VMware ESXi 8.0 u3', layout: '7.0+', datastorePartition: 8 });
  t.equal(image.hooks.kind, 'maas-esxi');
  // packer/vmware-esxi/payload/maas_esxi/__init__.py VERSION, the payload the post-processor zipped.
  t.equal(image.hooks.payloadVersion, '1.0.0');
  t.match(image.provenance, { ...PROVENANCE, template: PROVENANCE.template, iso: PROVENANCE.iso });
  t.match(image.provenance?.builtAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, 'stamped by the post-processor, UTC');
  t.same(
    image.partitionTable.partitions.map((p) => [p.number, p.typeName, p.fat?.label ?? null, p.read]),
    [
      [1, 'EFI system', 'ESXI', true],
      [5, 'basic data', 'BOOTBANK1', true],
      [6, 'basic data', null, false],
      [7, 'VMware VMFS-L (ESX-OSData)', null, false],
      [8, 'VMware VMFS', null, false],
    ],
  );
  t.same(image.warnings, []);
});

t.test('ESXi 6.7 U3 with packer-maas hooks, xz: the 6.7 layout (datastore on 3)', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const disk = makeEsxiDisk(tmp.dir, { layout: '6.7', build: '6.7.0-3.73.14320388', hooks: 'packer-maas' });
  const image = await inspectImage(compress(disk, 'xz'));
  t.equal(image.filetype, 'ddxz');
  t.match(image.esxi, { release: '6.7', update: 3, build: 14320388, name: 'esxi/6.7', title: 'VMware ESXi 6.7 u3', layout: '6.7', datastorePartition: 3 });
  t.same(image.hooks, { kind: 'packer-maas', payloadVersion: null, files: ['curtin/curtin-hooks', 'curtin/scripts.tar.xz'] });
  t.equal(image.provenance, null);
});

t.test('ESXi 7.0 U3 without hooks, raw: hooks none', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const disk = makeEsxiDisk(tmp.dir, { layout: '7.0+', build: '7.0.3-0.105.22348816', hooks: 'none' });
  const image = await inspectImage(disk);
  t.equal(image.filetype, 'ddraw');
  t.match(image.esxi, { release: '7.0', update: 3, build: 22348816, title: 'VMware ESXi 7.0 u3' });
  t.same(image.hooks, { kind: 'none', payloadVersion: null, files: [] });
});

t.test('ESXi 9.0 GA, bzip2: update 0, the title without an update', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const disk = makeEsxiDisk(tmp.dir, { layout: '7.0+', build: '9.0.0-0.0.24755229', hooks: 'ours' });
  const image = await inspectImage(compress(disk, 'bzip2'));
  t.equal(image.filetype, 'ddbz2');
  t.match(image.esxi, { release: '9.0', update: 0, build: 24755229, name: 'esxi/9.0', title: 'VMware ESXi 9.0' });
  t.equal(image.hooks.kind, 'maas-esxi');
  t.equal(image.provenance, null, 'no record: not built by maas-esxi build');
});

t.test('an ESXi layout whose bootbank has no boot.cfg: no release, and a warning saying so', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const image = await inspectImage(makeEsxiDisk(tmp.dir, { layout: '7.0+', hooks: 'ours' }));
  t.equal(image.esxi, null);
  t.match(image.warnings, [/partition 5\) has no boot\.cfg/]);
});

t.test('an MBR disk (not ESXi): its partition, FAT type, no ESXi, no hooks', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const disk = join(tmp.dir, 'usb.img');
  await writeFatImage({ image: disk, sizeMiB: 40, files: [] });
  const image = await inspectImage(disk);
  t.equal(image.partitionTable.scheme, 'mbr');
  // lib/packer/fat-image.ts: one FAT32 (LBA) partition from 1 MiB to the end.
  t.match(image.partitionTable.partitions, [{ number: 1, offset: 1024 * 1024, size: 39 * 1024 * 1024, type: '0x0c', fat: { type: /^FAT(16|32)$/ } }]);
  t.equal(image.esxi, null);
  t.equal(image.hooks.kind, 'none');
});

/**
 * The release and update in a bootbank's `boot.cfg` `build=` line (docs/image-inspection.md#bootcfg).
 * Expected values are VMware's release names for these build numbers (VMware KB 2143832 for 6.7
 * to 8.0), not what the parser makes of them: from 7.0 the update is the third field and a GA
 * release writes `-1.0.` after the dash (ESXi 7.0 GA's boot.cfg: `build=7.0.0-1.0.15843807`);
 * 6.7 keeps `6.7.0` and counts the update after the dash.
 */
const CASES: Array<[build: string, release: string, update: number, title: string]> = [
  ['6.7.0-0.0.8169922', '6.7', 0, 'VMware ESXi 6.7'],
  ['6.7.0-3.73.14320388', '6.7', 3, 'VMware ESXi 6.7 u3'],
  ['7.0.0-1.0.15843807', '7.0', 0, 'VMware ESXi 7.0'],
  ['7.0.0-1.25.16324942', '7.0', 0, 'VMware ESXi 7.0'], // 7.0b: a patch of GA, not an update
  ['7.0.3-0.105.22348816', '7.0', 3, 'VMware ESXi 7.0 u3'],
  ['8.0.0-1.0.20513097', '8.0', 0, 'VMware ESXi 8.0'],
  ['8.0.3-0.0.24022510', '8.0', 3, 'VMware ESXi 8.0 u3'],
  ['9.0.0-0.0.24755229', '9.0', 0, 'VMware ESXi 9.0'],
];

t.test('build= → release, update and title, for GA, patch and update builds of 6.7 to 9.0', async (t) => {
  for (const [build, release, update, title] of CASES) {
    t.match(parseBootCfg(`bootstate=0\nbuild=${build}\nupdated=1\n`), { release, update, title, build: Number(build.split('.').at(-1)) }, build);
  }
});

t.test('no build= line, or one that is not a build: null', async (t) => {
  t.equal(parseBootCfg('bootstate=0\ntitle=Loading VMware ESXi\n'), null);
  t.equal(parseBootCfg('build=\n'), null);
  t.equal(parseBootCfg('build=8.0U3\n'), null);
});

/**
 * inspect reads only as far as it needs (docs/image-inspection.md#streaming): never past the end
 * of the bootbank, and still finds a file placed before the directory that names it.
 */
t.test('gzip, xz and raw: the bytes decompressed stop before the end of the bootbank', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const disk = makeEsxiDisk(tmp.dir, { layout: '7.0+', build: '8.0.3-0.0.24022510', hooks: 'ours' });
  const end = bootbankEnd('7.0+');
  for (const file of [disk, compress(disk, 'gzip'), compress(disk, 'xz')]) {
    const image = await inspectImage(file);
    t.equal(image.esxi?.build, 24022510);
    t.ok(image.bytesDecompressed <= end, `${image.filetype}: ${image.bytesDecompressed} bytes decompressed, bootbank ends at ${end}`);
  }
});

t.test('a hook stored in clusters before its directory: found on a second pass', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const disk = makeEsxiDisk(tmp.dir, { layout: '7.0+', build: '8.0.3-0.0.24022510', hooks: 'none' });
  const p1 = `${disk}@@${64 * 512}`;
  const env = { ...process.env, MTOOLS_SKIP_CHECK: '1' };
  const pad = join(tmp.dir, 'pad');
  writeFileSync(pad, Buffer.alloc(64 * 1024, 1));
  const hook = join(tmp.dir, 'hook');
  writeFileSync(hook, '#!/usr/bin/env python3\nprint("maas-esxi curtin-hooks: hello")\n');
  // The pad takes the first clusters, curtin/ the next; freeing the pad lets the hook land before curtin/.
  execFileSync('mcopy', ['-i', p1, pad, '::/pad'], { env });
  execFileSync('mmd', ['-i', p1, '::/curtin'], { env });
  execFileSync('mdel', ['-i', p1, '::/pad'], { env });
  execFileSync('mcopy', ['-i', p1, hook, '::/curtin/curtin-hooks'], { env });
  const image = await inspectImage(compress(disk, 'gzip'));
  t.equal(image.hooks.kind, 'maas-esxi');
  t.same(image.hooks.files, ['curtin/curtin-hooks']);
});
