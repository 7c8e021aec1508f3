/**
 * The smaller pieces of the plan: go-version constraints, the FAT image `prepare` writes, KVM only
 * when the template asks for it, a plan that does not fit the build.
 */
import t from 'tap';
import { execa } from 'execa';
import { existsSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PackerError, PrerequisiteError } from '../../lib/errors/index.js';
import { writeFatImage } from '../../lib/packer/fat-image.js';
import { planBuild, startPackerBuild } from '../../lib/packer/index.js';
import { unmetVersionTerms } from '../../lib/packer/version-constraint.js';
import { esxiLikeFiles, writeFakeIso } from '../fixtures/packer/fake-iso.js';
import { template } from '../fixtures/packer/paths.js';
import { execFileSync } from 'node:child_process';
import { chooseRootPassword, passwordFileFor, randomPassword, writePasswordFile } from '../../lib/packer/root-password.js';
import { REPO, tempDir } from '../fixtures/inspect/esxi-disk.js';
import { createHash } from 'node:crypto';
import { writeProvenanceInput } from '../../lib/packer/provenance-record.js';
import { defaultTemplateDir } from '../../lib/packer/template-dir.js';

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

/**
 * No image with a public root password: without MAAS_ESXI_ROOT_PASSWORD a
 * random password is generated that ESXi's rules accept — checked by the recipe's own Python
 * checker (packer/vmware-esxi/scripts/esxi_password.py), the one the kickstart step applies —
 * and written once to a 0600 file next to the image.
 */
t.test('generated passwords pass ESXi rules as the kickstart step checks them, and differ', async (t) => {
  const passwords = Array.from({ length: 200 }, () => randomPassword());
  t.equal(new Set(passwords).size, passwords.length, 'no repeats');
  const script = `import sys, json\nsys.path.insert(0, ${JSON.stringify(join(REPO, 'packer/vmware-esxi/scripts'))})\nimport esxi_password\nprint(json.dumps([esxi_password.password_problems(p) for p in json.load(sys.stdin)]))`;
  const problems = JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify(passwords) }).toString()) as string[][];
  t.same(problems.filter((p) => p.length > 0), [], 'the recipe accepts every one');
});

t.test('origin: the environment first, then the published default only when asked, else random', async (t) => {
  t.same(chooseRootPassword({ MAAS_ESXI_ROOT_PASSWORD: 'Maas-Esxi%42x' }, 'MAAS_ESXI_ROOT_PASSWORD', true), { origin: 'environment', generated: undefined });
  t.same(chooseRootPassword({}, 'MAAS_ESXI_ROOT_PASSWORD', true), { origin: 'published-default', generated: undefined });
  const random = chooseRootPassword({ MAAS_ESXI_ROOT_PASSWORD: '' }, 'MAAS_ESXI_ROOT_PASSWORD', false);
  t.equal(random.origin, 'random');
  t.match(random.generated, /^.{20}$/);
});

t.test('the password file sits next to the image, mode 0600, also when an older one was 0644', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const file = passwordFileFor(join(tmp.dir, 'vmware-esxi.dd.gz'));
  t.equal(file, join(tmp.dir, 'vmware-esxi.root-password'));
  writeFileSync(file, 'old\n', { mode: 0o644 });
  await writePasswordFile(file, 'Abc-def-123x');
  t.equal(statSync(file).mode & 0o777, 0o600);
  t.equal(readFileSync(file, 'utf8'), 'Abc-def-123x\n');
});

/**
 * The provenance input a build prepares for the post-processor (docs/image-inspection.md#provenance):
 * ISO name, size and sha256 (compared with an independent hash), template, Packer version, the
 * kickstart snippet's sha256, where the root password came from — never the password.
 */
const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

t.test('the record names its inputs and holds no secret', async (t) => {
  const tmp = tempDir();
  t.teardown(tmp.remove);
  const iso = join(tmp.dir, 'VMware-VMvisor-Installer-8.0U3-24022510.x86_64.iso');
  writeFileSync(iso, Buffer.alloc(300 * 1024, 7));
  const ks = join(tmp.dir, 'site.ks');
  writeFileSync(ks, 'keyboard German\n');
  const path = await writeProvenanceInput(tmp.dir, {
    iso,
    isoInfo: { volumeId: 'ESXI-8.0U3-24022510-STANDARD', isEsxi: true, esxiVersion: '8.0U3', build: '24022510', rootEntries: [] },
    templateDir: defaultTemplateDir(),
    packerVersion: '1.6.6',
    kickstartExtra: ks,
    rootPassword: 'random',
  });
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  t.same(JSON.parse(readFileSync(path, 'utf8')), {
    format: 1,
    maasEsxiVersion: pkg.version,
    template: { name: 'maas-esxi vmware-esxi', version: pkg.version },
    iso: { name: 'VMware-VMvisor-Installer-8.0U3-24022510.x86_64.iso', size: 300 * 1024, sha256: sha(iso) },
    esxi: { version: '8.0U3', build: '24022510' },
    kickstartExtraSha256: sha(ks),
    packerVersion: '1.6.6',
    rootPassword: 'random',
  });
});
