/**
 * planBuild on this host (real packer/qemu lookups, real /dev/kvm, real statfs), with
 * fake ISOs and, for Packer ≥ 1.10 plugin handling, a stand-in `packer` script via PACKER_PATH.
 */
import t from 'tap';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PrerequisiteError } from '../../lib/errors/index.js';
import { assertBuildPlan, planBuild, type BuildPlan } from '../../lib/packer/index.js';
import { parseInstalledQemuPlugins } from '../../lib/packer/qemu-plugin.js';
import { esxiLikeFiles, writeFakeIso } from '../fixtures/packer/fake-iso.js';
import { template } from '../fixtures/packer/paths.js';

const check = (r: BuildPlan, id: string) => r.checks.find((c) => c.id === id);

t.test('an ESXi ISO passes, its version is reported', async (t) => {
  const dir = t.testdir();
  const iso = join(dir, 'VMware-VMvisor-Installer-8.0U3-24022510.x86_64.iso');
  await writeFakeIso(iso, { volumeId: 'ESXI-8.0U3-24022510-STANDARD', files: esxiLikeFiles(), dirs: ['EFI'] });
  const r = await planBuild({ iso, templateDir: template('file-chain'), outputDir: dir, diskSizeMiB: 16 });
  t.match(check(r, 'iso'), { ok: true, severity: 'error', detail: /volume id ESXI-8\.0U3-24022510-STANDARD, ESXi 8\.0U3 build 24022510/ });
  t.same(r.toJSON().iso, { volumeId: 'ESXI-8.0U3-24022510-STANDARD', esxiVersion: '8.0U3', build: '24022510' });
  t.match(check(r, 'packer'), { ok: true, detail: /^Packer \d+\.\d+\.\d+ at \// });
  t.match(r.packer, { path: /packer$/, version: /^\d+\.\d+\.\d+/ });
  t.match(check(r, 'disk'), { ok: true });
  for (const id of ['packer', 'template', 'iso', 'disk', 'memory', 'cpus']) t.ok(check(r, id), `check ${id} present`);
  for (const id of ['qemu-system', 'qemu-img', 'kvm']) t.notOk(check(r, id), `no ${id} check: the template builds with the file builder, no VM`);
  t.notOk(check(r, 'fuse'), 'FUSE is only checked when the template needs it');
  t.notOk(check(r, 'nbd'));
  for (const c of r.checks.filter((c) => !c.ok)) t.ok(c.fix, `failed check ${c.id} names a fix`);
});

t.test('a non-ESXi ISO fails with a fix; assertBuildPlan throws', async (t) => {
  const dir = t.testdir();
  const iso = join(dir, 'ubuntu.iso');
  await writeFakeIso(iso, { volumeId: 'Ubuntu-Server 24.04 LTS amd64', dirs: ['CASPER'] });
  const r = await planBuild({ iso, templateDir: template('file-chain'), outputDir: dir, diskSizeMiB: 16 });
  t.match(check(r, 'iso'), { ok: false, severity: 'error', detail: /"Ubuntu-Server 24\.04 LTS amd64".*do not look like an ESXi installer/, fix: /VMware-VMvisor-Installer/ });
  t.equal(r.ok, false);
  t.throws(() => assertBuildPlan(r), PrerequisiteError);
  try {
    assertBuildPlan(r);
  } catch (err) {
    t.match(err, { code: 'PREREQUISITES', message: /ESXi installer ISO/, hint: /VMware-VMvisor-Installer/ });
  }
  const missing = await planBuild({ iso: join(dir, 'nope.iso'), templateDir: template('file-chain'), outputDir: dir, diskSizeMiB: 16 });
  t.match(check(missing, 'iso'), { ok: false, detail: /does not exist/, fix: /--iso/ });
});

t.test('packer missing from PATH → failed check with the install fix', async (t) => {
  const dir = t.testdir();
  const r = await planBuild({ templateDir: template('qemu-poweroff'), outputDir: dir, diskSizeMiB: 16, env: { PATH: dir, HOME: dir } });
  t.match(check(r, 'packer'), { ok: false, severity: 'error', detail: /packer was not found on PATH/, fix: /apt-get install packer/ });
  t.match(check(r, 'qemu-system'), { ok: false, fix: /qemu-system-x86/ });
  t.match(check(r, 'qemu-img'), { ok: false, fix: /qemu-utils/ });
  t.equal(r.packer, undefined);
  t.equal(r.ok, false);
  const r2 = await planBuild({ templateDir: template('file-chain'), outputDir: dir, diskSizeMiB: 16, env: { ...process.env, PACKER_PATH: join(dir, 'no-packer') } });
  t.match(check(r2, 'packer'), { ok: false, detail: /PACKER_PATH=.*no-packer is not an executable file/ });
});

t.test('Packer ≥ 1.10 needs the qemu plugin (stand-in packer 1.11.2)', async (t) => {
  const dir = t.testdir();
  const fake = join(dir, 'packer');
  await writeFile(
    fake,
    [
      '#!/bin/sh',
      'case "$1 $2" in',
      '  "-machine-readable version") echo "1795631144,,version,1.11.2"; echo "1795631144,,ui,say,Packer v1.11.2" ;;',
      '  "plugins installed") if [ -n "$FAKE_QEMU_PLUGIN" ]; then echo "$HOME/.config/packer/plugins/github.com/hashicorp/qemu/packer-plugin-qemu_v${FAKE_QEMU_PLUGIN}_x5.0_linux_amd64"; fi ;;',
      '  *) exit 127 ;;',
      'esac',
      '',
    ].join('\n'),
  );
  await chmod(fake, 0o755);
  const run = (plugin: string) =>
    planBuild({ templateDir: template('with-plugins'), outputDir: dir, diskSizeMiB: 16, env: { ...process.env, HOME: dir, PACKER_PATH: fake, FAKE_QEMU_PLUGIN: plugin } });

  const none = await run('');
  t.match(none.packer, { path: fake, version: '1.11.2', needsPlugins: true });
  t.match(check(none, 'qemu-plugin'), { ok: false, severity: 'error', fix: /packer plugins install github\.com\/hashicorp\/qemu.*GitHub/ });
  const broken = await run('1.1.2');
  t.match(check(broken, 'qemu-plugin'), { ok: false, detail: /1\.1\.2 stops the VM/, fix: /1\.1\.3 or later/ });
  const good = await run('1.1.3');
  t.match(check(good, 'qemu-plugin'), { ok: true, detail: 'installed: 1.1.3' });

  const local = await planBuild({ templateDir: template('file-chain'), outputDir: dir, diskSizeMiB: 16 });
  t.equal(check(local, 'qemu-plugin') === undefined, !local.packer?.needsPlugins, 'the real Packer here: plugin check only when it needs plugins');
});

t.test('parse `packer plugins installed`', async (t) => {
  t.same(
    parseInstalledQemuPlugins(
      [
        '/root/.config/packer/plugins/github.com/hashicorp/qemu/packer-plugin-qemu_v1.1.3_x5.0_linux_amd64',
        '/root/.config/packer/plugins/github.com/hashicorp/qemu/packer-plugin-qemu_v1.1.10_x5.0_linux_amd64',
        '/root/.config/packer/plugins/github.com/hashicorp/qemu/packer-plugin-qemu_v1.1.3_x5.0_linux_amd64_SHA256SUM',
        '/root/.config/packer/plugins/github.com/hashicorp/ansible/packer-plugin-ansible_v1.1.0_x5.0_linux_amd64',
      ].join('\n'),
    ),
    ['1.1.3', '1.1.10'],
  );
});

t.test('not enough disk space for the raw disk plus the image', async (t) => {
  const dir = t.testdir();
  const r = await planBuild({ templateDir: template('file-chain'), outputDir: dir, workDir: dir, diskSizeMiB: 1024 * 1024 * 1024 });
  t.match(check(r, 'disk'), { ok: false, severity: 'error', detail: /free, the raw disk .* need/, fix: /--output DIR/ });
  const fromTemplate = await planBuild({ templateDir: template('qemu-poweroff'), outputDir: dir, workDir: dir });
  t.match(check(fromTemplate, 'disk'), { ok: true, detail: /raw 16 MiB/ }, 'the disk size is read from the template');
});

t.test('FUSE is checked when the template uses packer-maas fuse-nbd', async (t) => {
  const dir = t.testdir({
    tpl: {
      'x.pkr.hcl': 'source "file" "a" {\n  content = "x"\n  target = "o"\n}\nbuild {\n  sources = ["source.file.a"]\n  post-processor "shell-local" {\n    inline = ["source ../scripts/fuse-nbd"]\n  }\n}\n',
    },
  });
  const r = await planBuild({ templateDir: join(dir, 'tpl'), outputDir: dir, diskSizeMiB: 16 });
  const fuse = check(r, 'fuse');
  t.ok(fuse, 'fuse check present');
  t.equal(fuse?.severity, 'warning');
  if (fuse && !fuse.ok) t.ok(fuse.fix);
});

t.test('a cancelled check rejects with MaasAbortError', async (t) => {
  const ac = new AbortController();
  ac.abort();
  await t.rejects(planBuild({ templateDir: template('file-chain'), signal: ac.signal }), { name: 'MaasAbortError', code: 'CANCELLED' });
});
