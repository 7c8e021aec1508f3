/**
 * `maas-esxi inspect IMAGE`: one JSON document with --json, a readable summary otherwise, one
 * error line and exit 1 for a file that is not a disk image, and --sha256 through the upload's
 * hash cache (docs/image-inspection.md).
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, truncateSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { cli } from '../fixtures/cli-harness.js';
import { compress, makeEsxiDisk, tempDir } from '../fixtures/inspect/esxi-disk.js';
import { execFileSync } from 'node:child_process';
import { ImageInspectError, inspectImage } from '../../lib/inspect/index.js';

t.test('inspect: summary, --json, --sha256 through the hash cache, refusal', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const home = join(tmp.dir, 'home');
  const image = compress(makeEsxiDisk(tmp.dir, { layout: '7.0+', build: '8.0.3-0.0.24022510', hooks: 'ours' }), 'gzip');

  const text = await cli(['inspect', image], { home });
  t.equal(text.code, 0, text.stderr);
  t.match(text.stdout, "ESXi: 8.0 U3, build 24022510 (8.0.3-0.0.24022510; 7.0+ layout) → name=esxi/8.0 title='VMware ESXi 8.0 u3'");
  t.match(text.stdout, "MAAS hooks: maas-esxi's (first-boot payload 1.0.0)");
  t.match(text.stdout, /5\s+5\.0 MiB\s+8\.0 MiB\s+basic data\s+FAT12 BOOTBANK1/);

  const json = await cli(['inspect', image, '--json', '--sha256'], { home });
  t.equal(json.code, 0, json.stderr);
  const doc = JSON.parse(json.stdout) as { sha256: string; esxi: { name: string } };
  const expected = createHash('sha256').update(readFileSync(image)).digest('hex');
  t.equal(doc.sha256, expected, 'the file sha256');
  t.equal(doc.esxi.name, 'esxi/8.0');
  // The upload's cache (lib/upload/hash.ts HashCache) now holds it: a planted value proves it is read.
  const cachePath = join(home, '.local', 'state', 'maas-esxi', 'hash-cache.json');
  const cache = JSON.parse(readFileSync(cachePath, 'utf8')) as Record<string, { sha256: string }>;
  t.same(Object.values(cache).map((e) => e.sha256), [expected]);
  for (const entry of Object.values(cache)) entry.sha256 = 'f'.repeat(64);
  writeFileSync(cachePath, JSON.stringify(cache));
  const cached = await cli(['inspect', image, '--json', '--sha256'], { home });
  t.equal((JSON.parse(cached.stdout) as { sha256: string }).sha256, 'f'.repeat(64), 'second run: from the cache, no hashing');

  const iso = join(tmp.dir, 'vmware-esxi.dd.gz');
  const isoBytes = Buffer.alloc(64 * 1024);
  isoBytes.write('CD001', 32769, 'latin1');
  writeFileSync(iso, gzipSync(isoBytes));
  const refused = await cli(['inspect', iso], { home });
  t.equal(refused.code, 1, 'a local error');
  t.equal(refused.stdout, '');
  t.match(refused.stderr, /^maas-esxi: error: vmware-esxi\.dd\.gz is a gzip-compressed ISO 9660 image \(an installer ISO\), not a disk image MAAS can deploy\. .*maas-esxi build --iso vmware-esxi\.dd\.gz\.\n$/);
  t.equal(refused.stderr.split('\n').length, 2, 'one line');

  const usage = await cli(['inspect'], { home });
  t.equal(usage.code, 2);
  t.match(usage.stderr, 'inspect needs the image file.');
});

t.test('inspect: an empty file is refused as create refuses it; a file without a partition table says so', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const home = join(tmp.dir, 'home');
  const empty = join(tmp.dir, 'empty.dd.gz');
  writeFileSync(empty, '');
  const r = await cli(['inspect', empty], { home });
  t.equal(r.code, 1, 'exit 1: bad input');
  t.match(r.stderr, /is empty \(0 bytes\)\. Give the path of the built disk image/);
  const blank = join(tmp.dir, 'blank.dd.gz');
  writeFileSync(blank, gzipSync(Buffer.alloc(64 * 1024)));
  const b = await cli(['inspect', blank], { home });
  t.equal(b.code, 0, b.stderr);
  t.match(b.stdout, 'Partitions: no partition table (neither GPT nor MBR).');
  t.notMatch(b.stdout, /Partitions \(NONE\)/);
});

/**
 * Files that are not disk images MAAS can deploy, and damaged ones: each is named as what it is,
 * with the fix (docs/image-inspection.md#containers).
 */
/** The primary volume descriptor of ECMA-119 8.4: type 1, `CD001`, at sector 16 of 2048 bytes. */
function isoBytes(): Buffer {
  const iso = Buffer.alloc(64 * 1024);
  iso[32768] = 1;
  iso.write('CD001', 32769, 'latin1');
  iso.write('ESXI-8.0U3', 32808, 'latin1');
  return iso;
}

async function refusal(path: string): Promise<ImageInspectError> {
  const err = await inspectImage(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ImageInspectError)) throw new Error(`expected an ImageInspectError, got ${String(err)}`);
  return err;
}

t.test('an installer ISO renamed .dd.gz, and a plain ISO: ISO 9660, build a disk image first', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const renamed = join(tmp.dir, 'vmware-esxi.dd.gz');
  writeFileSync(renamed, gzipSync(isoBytes()));
  const err = await refusal(renamed);
  t.equal(err.code, 'ISO9660');
  t.match(err.message, 'vmware-esxi.dd.gz is a gzip-compressed ISO 9660 image (an installer ISO), not a disk image MAAS can deploy.');
  t.match(err.hint, 'maas-esxi build --iso vmware-esxi.dd.gz');
  const plain = join(tmp.dir, 'esxi.iso');
  writeFileSync(plain, isoBytes());
  t.match(await refusal(plain), { code: 'ISO9660', message: /^esxi\.iso is an ISO 9660 image/ });
});

t.test('a gzip-compressed tar: tar, with the filetype that takes it', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.remove);
  writeFileSync(join(tmp.dir, 'disk.raw'), Buffer.alloc(4096));
  const tgz = join(tmp.dir, 'image.dd.gz');
  execFileSync('tar', ['czf', tgz, '-C', tmp.dir, 'disk.raw']);
  const err = await refusal(tgz);
  t.equal(err.code, 'TAR');
  t.match(err.hint, 'filetype=ddtgz');
});

t.test('a qcow2 image: qcow2, with the qemu-img line that converts it', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const qcow = join(tmp.dir, 'esxi.qcow2');
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', qcow, '64M']);
  const err = await refusal(qcow);
  t.equal(err.code, 'QCOW2');
  t.match(err.hint, `qemu-img convert -O raw esxi.qcow2 disk.raw && gzip disk.raw`);
});

t.test('a gzip cut before the bootbank ends: truncated, copy it again', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const gz = compress(makeEsxiDisk(tmp.dir, { layout: '7.0+', build: '8.0.3-0.0.24022510', hooks: 'ours' }), 'gzip');
  truncateSync(gz, 4096);
  const err = await refusal(gz);
  t.equal(err.code, 'TRUNCATED');
  t.match(err.message, /is a truncated gzip-compressed image: it ends after \d+ bytes of disk/);
  t.match(err.hint, 'Copy or download the image again');
});

t.test('a gzip or xz cut after the bootbank: inspected, with a warning that it may be truncated', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const disk = makeEsxiDisk(tmp.dir, { layout: '7.0+', build: '8.0.3-0.0.24022510', hooks: 'ours' });
  for (const tool of ['gzip', 'xz'] as const) {
    const file = compress(disk, tool);
    truncateSync(file, statSync(file).size - 64);
    const image = await inspectImage(file);
    t.equal(image.esxi?.build, 24022510, `${tool}: still read`);
    t.match(image.warnings, [/may be truncated\. Copy or download the image again/], `${tool}: warned`);
  }
});

t.test('a missing file: not found, with what to give', async (t) => {
  const err = await refusal('/nonexistent/vmware-esxi.dd.gz');
  t.equal(err.code, 'NOT_FOUND');
  t.equal(err.message, 'Cannot read the image /nonexistent/vmware-esxi.dd.gz: no such file.');
});
