/**
 * Our shipped template (packer/vmware-esxi) driven by the runner with a fake ISO: the
 * integration points between the two — variable names, the kickstart stick, the serial console
 * file, the chained post-processors — on a real qemu VM. Needs KVM. ~40 s (the boot command is
 * typed over VNC character by character).
 */
import t from 'tap';
import { constants, existsSync, readdirSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { PackerError } from '../../lib/errors/index.js';
import { defaultTemplateDir, ROOT_PASSWORD_ENV, startPackerBuild } from '../../lib/packer/index.js';
import { esxiLikeFiles, powerOffBootImage, writeFakeIso } from '../fixtures/packer/fake-iso.js';

const kvm = await access('/dev/kvm', constants.R_OK | constants.W_OK).then(
  () => true,
  () => false,
);
// Without KVM the template runs under TCG (--var accelerator=tcg), which the plan then accepts.
// Under TCG Packer types the boot command far more slowly, so the fake installer stays up longer
// before it powers off (an early power-off ends the build with "use of closed network connection"
// instead of at the curtin-hook step this test is about), and the file gets the time that needs.
const installerSeconds = kvm ? 25 : 100;
t.setTimeout((installerSeconds + 120) * 1000);

t.test('our shipped template through the runner: kickstart stick, variables, VM, boot command, curtin-hook step', { skip: (!existsSync(join(defaultTemplateDir(), 'vmware-esxi.pkr.hcl')) && 'packer/vmware-esxi/vmware-esxi.pkr.hcl is not there') }, async (t) => {
  // A fake ISO installs nothing, so the build must end at the curtin-hook post-processor (the
  // raw disk has no GPT) — with a PackerError, and no image delivered. Small VM, named CPU model
  // (`-cpu host` fails on nested hosts, docs/packer.md), ESXi 7.0 so a small disk is allowed.
  const work = t.testdir({ out: {} });
  const iso = join(work, 'esxi.iso');
  await writeFakeIso(iso, { volumeId: 'ESXI-7.0U3-19193900-STANDARD', files: esxiLikeFiles(), bootImage: powerOffBootImage('fake ESXi 7.0 installer\r\n', { delaySeconds: installerSeconds }) });
  const build = startPackerBuild({
    iso,
    outputDir: join(work, 'out'),
    timeout: '3m',
    consolePollMs: 250,
    vars: { memory: '256', cpus: '1', cpu_model: 'qemu64', disk_size: '64M', boot_wait: '1s', ...(kvm ? {} : { accelerator: 'tcg' }) },
  });
  const logs: string[] = [];
  const phases: string[] = [];
  const consoleLines: string[] = [];
  build.on('log', (l) => logs.push(l));
  build.on('phase', (p) => phases.push(p.name));
  build.on('console', (l) => consoleLines.push(l));
  const err = (await build.done().catch((e: unknown) => e)) as PackerError;
  t.ok(logs.some((l) => /ESXi 7\.0U3 detected on the ISO: esxi_version=7\.0/.test(l)), 'version read from the ISO');
  t.ok(logs.some((l) => /build-kickstart-usb: wrote .*usb\.img \(KS\.CFG for ESXi 7\.0\)/.test(l)), 'kickstart stick built');
  const running = logs.find((l) => l.startsWith('running: packer build')) ?? '';
  t.match(running, /-var kickstart_image=\/\S+\/usb\.img .*-var serial_log=\/\S+\/serial\.log .*-var timeout=3m -var vmware_esxi_iso_path=\//);
  t.same(consoleLines, ['fake ESXi 7.0 installer'], 'serial console followed through the template\'s serial_log');
  for (const p of ['boot-command', 'install', 'post-process']) t.ok(phases.includes(p), `reached ${p}`);
  t.type(err, PackerError);
  t.equal(err.code, 'BUILD_FAILED');
  t.match(err.message, /Post-processor failed/);
  t.same(readdirSync(join(work, 'out')), [], 'no image delivered');
});

t.test('our template: a root password ESXi would refuse stops the build before Packer runs', { skip: !existsSync(join(defaultTemplateDir(), 'scripts', 'build_kickstart_usb.py')) && 'the shipped template has no kickstart script' }, async (t) => {
  const work = t.testdir();
  const iso = join(work, 'esxi.iso');
  await writeFakeIso(iso, { volumeId: 'ESXI-8.0U3-24022510-STANDARD', files: esxiLikeFiles() });
  // accelerator=tcg: the plan then needs no /dev/kvm, so this runs on any host and reaches the
  // kickstart step (with KVM the plan would refuse first on a host that has none).
  const build = startPackerBuild({ iso, outputDir: work, vars: { accelerator: 'tcg' }, env: { ...process.env, [ROOT_PASSWORD_ENV]: 'abc' } });
  const logs: string[] = [];
  build.on('log', (l) => logs.push(l));
  const err = (await build.done().catch((e: unknown) => e)) as PackerError;
  t.type(err, PackerError);
  t.equal(err.code, 'KICKSTART_FAILED');
  t.match(err.hint, new RegExp(ROOT_PASSWORD_ENV));
  t.notOk(logs.some((l) => l.startsWith('running: packer')), 'Packer never started');
  t.notOk(JSON.stringify(err.toJSON()).includes('"abc"') || logs.some((l) => /\babc\b/.test(l)), 'the password is not echoed');
});
