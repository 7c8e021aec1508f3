/**
 * The smaller pieces of the plan: go-version constraints, the FAT image `prepare` writes, KVM only
 * when the template asks for it, a plan that does not fit the build.
 */
import t from 'tap';
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PackerError, PrerequisiteError } from '../../lib/errors/index.js';
import { writeFatImage } from '../../lib/packer/fat-image.js';
import { planBuild, startPackerBuild } from '../../lib/packer/index.js';
import { unmetVersionTerms } from '../../lib/packer/version-constraint.js';
import { esxiLikeFiles, writeFakeIso } from '../fixtures/packer/fake-iso.js';
import { template } from '../fixtures/packer/paths.js';

t.test('required_version constraints as hashicorp/go-version reads them', async (t) => {
  t.same(unmetVersionTerms('1.6.6', '>= 1.12.0'), ['>= 1.12.0']);
  t.same(unmetVersionTerms('1.12.0', '>= 1.12.0'), []);
  t.same(unmetVersionTerms('1.10.3', '>= 1.7.0, < 1.10.0'), ['< 1.10.0']);
  t.same(unmetVersionTerms('1.1.1', '>= 1.1.0, < 1.1.2'), []);
  t.same(unmetVersionTerms('1.6.6', '1.6.6'), [], 'no operator means =');
  t.same(unmetVersionTerms('1.6.6', '= 1.6.5'), ['= 1.6.5']);
  t.same(unmetVersionTerms('1.6.6', '!= 1.6.6'), ['!= 1.6.6']);
  t.same(unmetVersionTerms('1.6.6', '> 1.6.6'), ['> 1.6.6']);
  t.same(unmetVersionTerms('1.6.6', '<= 1.6.6'), []);
  t.same(unmetVersionTerms('1.2.9', '~> 1.2.3'), [], '~> 1.2.3 allows 1.2.x from 1.2.3');
  t.same(unmetVersionTerms('1.3.0', '~> 1.2.3'), ['~> 1.2.3']);
  t.same(unmetVersionTerms('1.9.4', '~> 1.2'), [], '~> 1.2 allows 1.x from 1.2');
  t.same(unmetVersionTerms('2.0.0', '~> 1.2'), ['~> 1.2']);
  t.same(unmetVersionTerms('1.11.2', '>= v1.10.0-rc1'), [], 'v prefix and pre-release suffix');
  t.throws(() => unmetVersionTerms('1.6.6', '>= one'), /cannot read the version constraint ">= one"/);
});

t.test('an unreadable required_version is a warning that Packer will judge it', async (t) => {
  const dir = t.testdir({ tpl: { 'x.pkr.hcl': 'packer {\n  required_version = ">= soon"\n}\nsource "file" "a" {\n  content = "x"\n  target = "o"\n}\nbuild {\n  sources = ["source.file.a"]\n}\n' } });
  const plan = await planBuild({ templateDir: join(dir, 'tpl'), outputDir: dir });
  t.match(plan.checks.find((c) => c.id === 'packer-version'), { ok: false, severity: 'warning', detail: /cannot read the version constraint ">= soon" \(x\.pkr\.hcl\)/ });
});

t.test('writeFatImage: an MBR, a FAT partition at 1 MiB holding the file', async (t) => {
  const dir = t.testdir({ 'KS.CFG': 'vmaccepteula\n' });
  const image = join(dir, 'usb.img');
  await writeFatImage({ image, sizeMiB: 4, files: [join(dir, 'KS.CFG')] });
  const mbr = (await readFile(image)).subarray(0, 512);
  t.same([mbr[510], mbr[511]], [0x55, 0xaa], 'boot signature');
  t.equal(mbr[446 + 4], 0x0c, 'FAT32 (LBA) partition type');
  t.equal(mbr.readUInt32LE(446 + 8), 2048, 'starts at 1 MiB');
  t.equal(mbr.readUInt32LE(446 + 12), 4 * 2048 - 2048, 'ends at the end of the image');
  const { stdout } = await execa('mtype', ['-i', `${image}@@1M`, '::ks.cfg'], { env: { MTOOLS_SKIP_CHECK: '1' } });
  t.equal(stdout, 'vmaccepteula', 'KS.CFG readable under the name the installer asks for (ks=usb://ks.cfg)');
});

t.test('writeFatImage without mtools: PrerequisiteError, nothing half-made', async (t) => {
  const dir = t.testdir({ 'KS.CFG': 'x\n' });
  const image = join(dir, 'usb.img');
  const err = await writeFatImage({ image, sizeMiB: 4, files: [join(dir, 'KS.CFG')], env: { PATH: dir } }).catch((e: unknown) => e);
  t.type(err, PrerequisiteError);
  t.match(err, { code: 'PREPARE_FAILED', message: 'could not make usb.img: mformat is not installed', hint: /apt-get install mtools/ });
  t.notOk(existsSync(image), 'the partial image was removed');
  const bad = await writeFatImage({ image, sizeMiB: 4, files: [join(dir, 'nope')] }).catch((e: unknown) => e);
  t.match(bad, { code: 'PREPARE_FAILED', message: /mcopy failed/, hint: /make usb\.img/ });
  t.notOk(existsSync(image));
});

t.test('/dev/kvm is checked only when the template asks for KVM', async (t) => {
  const dir = t.testdir();
  const kvmOf = async (templateDir: string, vars?: Record<string, string>) => (await planBuild({ templateDir, outputDir: dir, diskSizeMiB: 16, ...(vars ? { vars } : {}) })).checks.some((c) => c.id === 'kvm');
  t.equal(await kvmOf(template('qemu-poweroff')), true, 'accelerator = "kvm"');
  t.equal(await kvmOf(template('qemu-fails-to-start')), false, 'accelerator = "tcg"');
  t.equal(await kvmOf(template('file-chain')), false, 'no VM at all');
  const ours = (await planBuild({ outputDir: dir, diskSizeMiB: 16 })).template;
  t.same(ours?.accelerator, { value: 'kvm', variable: 'accelerator' }, 'our template: var.accelerator, default kvm');
  t.equal(await kvmOf(ours!.dir), true);
  t.equal(await kvmOf(ours!.dir, { accelerator: 'tcg' }), false, '--var accelerator=tcg');
});

t.test('a plan made for other inputs does not drive a build', async (t) => {
  const dir = t.testdir();
  const iso = join(dir, 'esxi.iso');
  await writeFakeIso(iso, { volumeId: 'ESXI-8.0U3-24022510-STANDARD', files: esxiLikeFiles() });
  const plan = await planBuild({ templateDir: template('file-chain'), outputDir: dir });
  const err = await startPackerBuild({ iso, templateDir: template('file-chain'), outputDir: dir, plan }).done().catch((e: unknown) => e);
  t.type(err, PackerError);
  t.match(err, { code: 'PLAN_MISMATCH', message: /made for other inputs: ISO \(none\)/ });
});
