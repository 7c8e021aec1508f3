/**
 * The "modify" post-processor step on a raw GPT disk made by sgdisk (an independent GPT writer),
 * with a FAT partition 1 made by mformat at its byte offset, checked with mdir/mtype: no root,
 * no nbd, no FUSE (docs/packer.md). Failures must exit non-zero so the chained compress step
 * never runs (docs/packer.md).
 */
import t from 'tap';
import { execa } from 'execa';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RECIPE } from '../fixtures/recipe/python-suite.js';

const SCRIPT = join(RECIPE, 'scripts', 'install_curtin_hook.py');
const MTOOLS_ENV = { MTOOLS_SKIP_CHECK: '1' };

/** A sparse 64 MiB disk: ESXi-like partition 1 at sector 64 (FAT), partitions 5 and 6 after it. */
async function makeDisk(dir: string): Promise<{ disk: string; image: string }> {
  const disk = join(dir, 'vmware-esxi.raw');
  await execa('truncate', ['-s', '64M', disk]);
  await execa('sgdisk', ['-a', '1', '-n', '1:64:20543', '-t', '1:EF00', '-n', '5:20544:61439', '-t', '5:0700', '-n', '6:61440:120000', '-t', '6:0700', disk]);
  const image = `${disk}@@${64 * 512}`;
  await execa('mformat', ['-i', image, '-T', String(20543 - 64 + 1), '-h', '64', '-s', '32', '-v', 'ESP', '::'], { env: MTOOLS_ENV });
  await execa('mmd', ['-i', image, '::/EFI'], { env: MTOOLS_ENV });
  return { disk, image };
}

t.test('hook and payload are written to partition 1 at its GPT offset', async (t) => {
  const { disk, image } = await makeDisk(t.testdir());
  const res = await execa('python3', [SCRIPT, disk], { reject: false, all: true });
  t.equal(res.exitCode, 0, 'install_curtin_hook.py succeeds', { output: String(res.all) });
  t.match(String(res.stdout), /partition 1: LBA 64-20543 .* at byte offset 32768/);

  const listing = await execa('mdir', ['-i', image, '-b', '::/curtin'], { env: MTOOLS_ENV });
  t.same(String(listing.stdout).split(/\s+/).filter(Boolean).sort(), ['::/curtin/curtin-hooks', '::/curtin/maas-esxi.pyz']);
  const hook = await execa('mtype', ['-i', image, '::/curtin/curtin-hooks'], { env: MTOOLS_ENV, stripFinalNewline: false });
  t.equal(String(hook.stdout), await readFile(join(RECIPE, 'hooks', 'curtin_hooks.py'), 'utf8'));
  const pyz = await execa('mtype', ['-i', image, '::/curtin/maas-esxi.pyz'], { env: MTOOLS_ENV, encoding: 'buffer' });
  t.equal(Buffer.from(pyz.stdout).subarray(0, 4).toString('latin1'), 'PK\x03\x04', 'payload is a zip archive');
  const root = await execa('mdir', ['-i', image, '-b', '::/'], { env: MTOOLS_ENV });
  t.match(String(root.stdout), /::\/EFI/, 'existing files untouched');
  // sgdisk agrees the table is still intact
  const verify = await execa('sgdisk', ['-v', disk], { reject: false });
  t.match(String(verify.stdout), /No problems found/);
});

t.test('a disk without GPT fails the step loudly', async (t) => {
  const disk = join(t.testdir(), 'blank.raw');
  await writeFile(disk, Buffer.alloc(4 * 1024 * 1024));
  const res = await execa('python3', [SCRIPT, disk], { reject: false });
  t.equal(res.exitCode, 1);
  t.match(String(res.stderr), /ERROR: .*has no GPT header/);
});

t.test('a partition 1 that is not FAT fails the step loudly', async (t) => {
  const dir = t.testdir();
  const disk = join(dir, 'nofat.raw');
  await execa('truncate', ['-s', '16M', disk]);
  await execa('sgdisk', ['-a', '1', '-n', '1:64:8191', '-t', '1:EF00', disk]);
  const res = await execa('python3', [SCRIPT, disk], { reject: false });
  t.equal(res.exitCode, 1);
  t.match(String(res.stderr), /partition 1 of .* holds no FAT file system/);
});
