/**
 * `packer validate` of packer/vmware-esxi with the Packer on this machine (CI installs Debian's
 * 1.6.6). The template must stay valid for 1.6.6 (no required_plugins, docs/packer.md), check its
 * inputs before any VM starts, and keep plugins.pkr.hcl (Packer >= 1.10 only) in a separate file.
 */
import t from 'tap';
import { execa } from 'execa';
import { join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { leaveOutUnlessCI } from '../fixtures/prerequisite.js';
import { RECIPE } from '../fixtures/recipe/python-suite.js';

const TEMPLATE = join(RECIPE, 'vmware-esxi.pkr.hcl');

const probe = await execa('packer', ['-machine-readable', 'version'], { reject: false });
const packerVersion = probe.exitCode === 0 ? (/,version,([\d.]+)/.exec(String(probe.stdout))?.[1] ?? '') : '';

async function validate(dir: string, vars: Record<string, string>, template = TEMPLATE) {
  const args = ['validate', ...Object.entries(vars).flatMap(([k, v]) => ['-var', `${k}=${v}`]), template];
  const res = await execa('packer', args, { cwd: dir, reject: false, all: true, env: { CHECKPOINT_DISABLE: '1', PACKER_LOG: '0' } });
  // Packer wraps its diagnostics at a width that depends on the paths in them: compare words.
  return { code: res.exitCode, text: String(res.all ?? '').replace(/\s+/g, ' ') };
}

if (!packerVersion) {
  t.test('packer validate', { skip: leaveOutUnlessCI('packer is not installed: template validation needs it', 'apt-get install packer') }, async (t) => {
    t.fail('packer is not installed');
  });
} else {
  t.test(`template validates with Packer ${packerVersion}`, async (t) => {
    const dir = t.testdir();
    await writeFile(join(dir, 'esxi.iso'), 'not really an ISO');
    const ok = await validate(dir, { vmware_esxi_iso_path: join(dir, 'esxi.iso') });
    t.equal(ok.code, 0, 'validates with defaults', { output: ok.text });
    const every = await validate(dir, {
      vmware_esxi_iso_path: join(dir, 'esxi.iso'), timeout: '2h', esxi_version: '9.0', disk_size: '40960M',
      memory: '16384', cpus: '8', output_directory: join(dir, 'out'), output_name: 'esxi-9', kickstart_image: join(dir, 'usb.img'),
      serial_log: join(dir, 'console.log'), headless: 'false', vnc_bind_address: '0.0.0.0', vnc_port_min: '5901',
      vnc_port_max: '5910', accelerator: 'kvm', cpu_model: 'host', boot_wait: '5s', compression_level: '9',
    });
    t.equal(every.code, 0, 'validates with every variable set', { output: every.text });
  });

  t.test('inputs are checked before a VM starts', async (t) => {
    const dir = t.testdir();
    const iso = join(dir, 'esxi.iso');
    await writeFile(iso, 'x');
    const version = await validate(dir, { vmware_esxi_iso_path: iso, esxi_version: '6.5' });
    t.equal(version.code, 1, 'unknown ESXi version refused');
    t.match(version.text, /esxi_version must be one of 6\.7, 7\.0, 8\.0, 9\.0/);
    const size = await validate(dir, { vmware_esxi_iso_path: iso, disk_size: 'lots' });
    t.equal(size.code, 1, 'malformed disk size refused');
    t.match(size.text, /disk_size must be a size in MiB or GiB/);
    // docs/packer.md: ESXi 8.0+ needs a 32 GB disk; 6.7 does not
    const small8 = await validate(dir, { vmware_esxi_iso_path: iso, disk_size: '16G', esxi_version: '8.0' });
    t.equal(small8.code, 1, 'ESXi 8.0 on 16G refused');
    t.match(small8.text, /ESXi 8\.0 needs disk_size of at least 32G/);
    const small67 = await validate(dir, { vmware_esxi_iso_path: iso, disk_size: '16G', esxi_version: '6.7' });
    t.equal(small67.code, 0, 'ESXi 6.7 accepts a 16G disk', { output: small67.text });
    const undeclared = await validate(dir, { vmware_esxi_iso_path: iso, no_such_knob: '1' });
    t.equal(undeclared.code, 1, 'undeclared variable refused');
  });

  t.test('template is packer fmt clean', async (t) => {
    const res = await execa('packer', ['fmt', '-check', '-diff', RECIPE], { reject: false, all: true });
    t.equal(res.exitCode, 0, 'packer fmt -check passes', { output: String(res.all ?? '') });
  });

  t.test('plugins.pkr.hcl is the only file Packer 1.6.6 refuses', { skip: leaveOutUnlessCI(!packerVersion.startsWith('1.6.') && `Packer ${packerVersion} is not 1.6.x`, "Debian's packer 1.6.6: apt-get install packer") }, async (t) => {
    const dir = t.testdir();
    await writeFile(join(dir, 'esxi.iso'), 'x');
    // The whole directory (template + plugins.pkr.hcl) is what Packer >= 1.10 is given.
    const both = await validate(dir, { vmware_esxi_iso_path: join(dir, 'esxi.iso') }, RECIPE);
    t.equal(both.code, 1, 'directory with plugins.pkr.hcl refused by 1.6.x');
    t.match(both.text, /plugins\.pkr\.hcl/);
    t.match(both.text, /required_plugins/);
  });
}
