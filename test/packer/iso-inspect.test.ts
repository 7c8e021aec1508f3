/** inspectIso on small ISO 9660 images written by the fixture (same structures as real ISOs). */
import t from 'tap';
import { execa } from 'execa';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PrerequisiteError } from '../../lib/errors/index.js';
import { inspectIso, versionFromBootCfg, versionFromVolumeId } from '../../lib/packer/iso-inspect.js';
import { esxiLikeFiles, writeFakeIso } from '../fixtures/packer/fake-iso.js';

t.test('ESXi 8.0U3 ISO: volume id, root entries, version and build', async (t) => {
  const dir = t.testdir();
  const iso = join(dir, 'esxi.iso');
  await writeFakeIso(iso, { volumeId: 'ESXI-8.0U3-24022510-STANDARD', files: esxiLikeFiles(), dirs: ['EFI', 'UPGRADE'] });
  // An independent reader agrees on what the fixture wrote (file(1) reads the PVD).
  const { stdout } = await execa('file', ['-b', iso], { reject: false });
  if (stdout) t.match(stdout, /ISO 9660 .*'ESXI-8.0U3-24022510-STANDARD'/);
  const info = await inspectIso(iso);
  t.equal(info.volumeId, 'ESXI-8.0U3-24022510-STANDARD');
  t.equal(info.isEsxi, true);
  t.equal(info.esxiVersion, '8.0U3');
  t.equal(info.build, '24022510');
  t.same(info.rootEntries.sort(), ['B.B00', 'BOOT.CFG', 'EFI', 'ISOLINUX.BIN', 'MBOOT.C32', 'UPGRADE']);
});

t.test('vendor ISO with another volume id: recognised by its files; version from BOOT.CFG', async (t) => {
  const dir = t.testdir();
  const iso = join(dir, 'vendor.iso');
  await writeFakeIso(iso, { volumeId: 'VENDOR-CUSTOM-7', files: esxiLikeFiles('Loading ESXi 7.0b installer', '7.0.0-1.25.16324942') });
  const info = await inspectIso(iso);
  t.equal(info.isEsxi, true);
  t.equal(info.esxiVersion, '7.0b');
  t.equal(info.build, '16324942');
});

t.test('a Linux ISO is not ESXi', async (t) => {
  const dir = t.testdir();
  const iso = join(dir, 'ubuntu.iso');
  await writeFakeIso(iso, { volumeId: 'Ubuntu-Server 24.04 LTS amd64', files: [{ name: 'MD5SUM.TXT', content: 'x' }], dirs: ['CASPER', 'BOOT'] });
  const info = await inspectIso(iso);
  t.equal(info.volumeId, 'Ubuntu-Server 24.04 LTS amd64');
  t.equal(info.isEsxi, false);
  t.equal(info.esxiVersion, undefined);
});

t.test('not an ISO, missing file', async (t) => {
  const dir = t.testdir();
  const junk = join(dir, 'junk.iso');
  await writeFile(junk, Buffer.alloc(40000, 1));
  const e1 = await inspectIso(junk).catch((e: unknown) => e);
  t.type(e1, PrerequisiteError);
  t.equal((e1 as PrerequisiteError).code, 'ISO_NOT_ISO9660');
  const e2 = await inspectIso(join(dir, 'missing.iso')).catch((e: unknown) => e);
  t.equal((e2 as PrerequisiteError).code, 'ISO_NOT_FOUND');
  const short = join(dir, 'short.iso');
  await writeFile(short, 'tiny');
  t.equal(((await inspectIso(short).catch((e: unknown) => e)) as PrerequisiteError).code, 'ISO_NOT_ISO9660');
});

t.test('version strings', async (t) => {
  t.equal(versionFromVolumeId('ESXI-8.0U3-24022510-STANDARD'), '8.0U3');
  t.equal(versionFromVolumeId('ESXI-6.7.0-20190802001-STANDARD'), '6.7.0');
  t.equal(versionFromVolumeId('ESXi-7.0u3c-19193900'), '7.0U3c');
  t.equal(versionFromVolumeId('ESXI-9.0.0.0-24755229'), '9.0.0.0');
  t.equal(versionFromVolumeId('UBUNTU'), undefined);
  t.equal(versionFromBootCfg('title=Loading ESXi installer\nbuild=8.0.3-0.0.24022510\n'), '8.0.3');
  t.equal(versionFromBootCfg('title=Loading ESXi 7.0b installer\n'), '7.0b');
});
