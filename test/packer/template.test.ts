/**
 * Reading templates (ours, packer-maas's shape, JSON), mapping our inputs to declared variables,
 * and adapting the build directory to the Packer version (docs/packer.md).
 */
import t from 'tap';
import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { PackerError } from '../../lib/errors/index.js';
import { prepareBuildDir, removeBuildDir } from '../../lib/packer/build-dir.js';
import { defaultTemplateDir, readTemplateInfo } from '../../lib/packer/index.js';
import { sizeMiB } from '../../lib/packer/template-info.js';
import { resolveTemplateVars, varArgs } from '../../lib/packer/template-vars.js';
import { topLevelBlocks } from '../../lib/packer/hcl-blocks.js';
import { fixturesDir, template } from '../fixtures/packer/paths.js';

/** The stand-in packer-maas checkout's vmware-esxi/ (test/fixtures/packer/packer-maas). */
const maasStandIn = join(fixturesDir, 'packer-maas', 'vmware-esxi');

t.test('top-level HCL blocks: braces in strings, heredocs, interpolations and comments are not blocks', async (t) => {
  const src = [
    '# variable "commented" {',
    'variable "a" {',
    '  default = "x { y"',
    '}',
    '/* packer { */',
    'locals {',
    '  s = "${join("}", ["a"])}"',
    '}',
    'build {',
    '  provisioner "shell-local" {',
    '    inline = [<<EOF',
    'if true; then { echo "}"; }; fi',
    'EOF',
    '    ]',
    '  }',
    '}',
    'packer {',
    '  required_version = ">= 1.12.0"',
    '}',
  ].join('\n');
  const blocks = topLevelBlocks(src);
  t.same(
    blocks.map((b) => [b.type, b.labels]),
    [
      ['variable', ['a']],
      ['locals', []],
      ['build', []],
      ['packer', []],
    ],
  );
  t.match(blocks[3]?.body, /required_version/);
});

t.test('packer-maas shaped template: variables, packer block, FUSE/nbd needs', async (t) => {
  const info = await readTemplateInfo(maasStandIn);
  t.equal(info.format, 'hcl2');
  t.equal(info.templateArg, '.');
  t.same(
    info.variables.map((v) => [v.name, v.hasDefault]),
    [
      ['vmware_esxi_iso_path', true],
      ['timeout', true],
    ],
  );
  t.same(info.packerBlockFiles, ['vmware-esxi.pkr.hcl']);
  t.same(info.pluginFiles, []);
  t.same(info.compressOutputs, ['vmware-esxi.dd.gz']);
  t.same(info.requiredVersions, [{ file: 'vmware-esxi.pkr.hcl', constraint: '>= 1.12.0', pluginOnly: false }]);
  t.equal(info.needsFuse, true, 'its post-processor sources ../scripts/fuse-nbd');
  t.equal(info.needsNbd, false, 'userspace qemu-nbd on a socket, no nbd kernel module');
  t.same(info.accelerator, { value: 'kvm' });
  t.equal(info.serialStdio, true);
});

t.test('qemu template: disk size, memory, console log; plugins file detection', async (t) => {
  const q = await readTemplateInfo(template('qemu-poweroff'));
  t.equal(q.usesQemu, true);
  t.equal(q.diskSizeMiB, 16);
  t.equal(q.memoryMiB, 128);
  t.equal(q.consoleLog, 'serial.log');
  t.equal(q.serialStdio, false);
  const p = await readTemplateInfo(template('with-plugins'));
  t.same(p.pluginFiles, ['plugins.pkr.hcl']);
  t.same(p.packerBlockFiles, []);
});

t.test('packer-maas ESXi template text (verbatim shape): disk 32G via qemuargs, serial stdio, fuse-nbd', async (t) => {
  const dir = t.testdir({
    'vmware-esxi.pkr.hcl': `packer {
  required_version = ">= 1.12.0"
  required_plugins {
    qemu = {
      version = ">= 1.1.0, < 1.1.2"
      source  = "github.com/hashicorp/qemu"
    }
  }
}

variable "vmware_esxi_iso_path" {
  type    = string
  default = "\${env("VMWARE_ESXI_ISO_PATH")}"
}

variable "timeout" {
  type        = string
  default     = "1h"
  description = "Timeout for building the image"
}

source "qemu" "esxi" {
  accelerator      = "kvm"
  boot_command     = ["<enter><wait>", "<leftShift>O", " ks=usb://ks.cfg"]
  communicator     = "none"
  disk_size        = "32G"
  format           = "raw"
  headless         = true
  memory           = 8192
  cpus             = "4"
  qemuargs = [
    ["-cpu", "host"],
    ["-serial", "stdio"],
    ["-cdrom", "\${var.vmware_esxi_iso_path}"],
  ]
  shutdown_timeout = "\${var.timeout}"
}

build {
  sources = ["source.qemu.esxi"]

  post-processor "shell-local" {
    inline_shebang = "/bin/bash -e"
    inline = [
      "SOURCE=esxi",
      "IMG_FMT=raw",
      "source ../scripts/fuse-nbd",
      "source ./post.sh",
    ]
  }
  post-processor "compress" {
    output = "vmware-esxi.dd.gz"
  }
}
`,
  });
  const info = await readTemplateInfo(dir);
  t.equal(info.diskSizeMiB, 32 * 1024);
  t.equal(info.memoryMiB, 8192);
  t.equal(info.serialStdio, true);
  t.equal(info.consoleLog, undefined);
  t.equal(info.needsFuse, true, 'scripts/fuse-nbd → /dev/fuse matters');
  t.equal(info.needsNbd, false, 'no kernel nbd since 2023 (docs/packer.md)');
  t.same(info.packerBlockFiles, ['vmware-esxi.pkr.hcl']);
  t.same(info.compressOutputs, ['vmware-esxi.dd.gz']);
});

t.test('legacy JSON: variables with null are required, disk size from builders', async (t) => {
  const info = await readTemplateInfo(template('legacy-json'));
  t.equal(info.format, 'json');
  t.equal(info.templateArg, 'image.json');
  t.same(
    info.variables.map((v) => [v.name, v.hasDefault]),
    [
      ['vmware_esxi_iso_path', false],
      ['timeout', true],
      ['greeting', true],
    ],
  );
  const dir = t.testdir({ 'a.json': '{"builders":[{"type":"qemu","disk_size":"{{user `size`}}","memory":4096}],"variables":{"size":"20480"}}', 'b.json': '{"not":"a template"}' });
  const q = await readTemplateInfo(dir);
  t.equal(q.templateArg, 'a.json');
  t.equal(q.diskSizeMiB, 20480);
  t.equal(q.memoryMiB, 4096);
});

t.test('template directory errors', async (t) => {
  const empty = t.testdir({ 'README.md': 'nothing' });
  t.rejects(readTemplateInfo(empty), { name: 'PackerError', code: 'TEMPLATE_NOT_FOUND' });
  const two = t.testdir({ 'a.json': '{"builders":[]}', 'b.json': '{"builders":[]}' });
  t.rejects(readTemplateInfo(two), { code: 'TEMPLATE_NOT_FOUND', message: /several JSON templates/ });
});

t.test('inputs → -var for declared variables only', async (t) => {
  const info = await readTemplateInfo(template('file-chain'));
  const r = resolveTemplateVars(info, { iso: 'isos/esxi.iso', timeout: '2h', esxiVersion: '8.0U3', vars: { greeting: './rel/x' }, cwd: '/home/u' });
  t.same(r.vars, { vmware_esxi_iso_path: '/home/u/isos/esxi.iso', timeout: '2h', greeting: '/home/u/rel/x' });
  t.match(r.notes, [/no variable "esxi_version"/]);
  t.same(varArgs(r.vars), ['-var', 'greeting=/home/u/rel/x', '-var', 'timeout=2h', '-var', 'vmware_esxi_iso_path=/home/u/isos/esxi.iso']);

  t.throws(() => resolveTemplateVars(info, { iso: '/x.iso', vars: { nosuch: '1' } }), { name: 'PackerError', code: 'UNDECLARED_VARIABLE', message: /"nosuch"/ });
  const e = (() => {
    try {
      resolveTemplateVars(info, { vars: { greeting: 'x' } });
    } catch (err) {
      return err as PackerError;
    }
    return undefined;
  })();
  t.equal(e?.code, 'MISSING_VARIABLE');
  t.match(e?.hint, /--iso PATH/);
});

t.test('build directory adapted to the Packer version', async (t) => {
  const work = t.testdir();
  const maasLike = await readTemplateInfo(maasStandIn);
  const plugins = await readTemplateInfo(template('with-plugins'));

  t.test('1.6.6: plugin file left out, inline packer block removed, siblings linked', async (t) => {
    const bd = await prepareBuildDir(maasLike, { version: '1.6.6', needsPlugins: false }, { workDir: work });
    const text = readFileSync(join(bd.cwd, 'vmware-esxi.pkr.hcl'), 'utf8');
    t.notMatch(text, /^\s*(required_plugins\s*\{|required_version\s*=)/m);
    t.match(text, /variable "vmware_esxi_iso_path"/);
    t.match(text, /source "qemu" "esxi" \{/);
    t.equal(text.split('\n').length, readFileSync(join(maasStandIn, 'vmware-esxi.pkr.hcl'), 'utf8').split('\n').length, 'line numbers kept for Packer\'s error messages');
    t.ok(lstatSync(join(bd.root, 'scripts')).isSymbolicLink());
    t.equal(readlinkSync(join(bd.root, 'scripts')), join(maasStandIn, '..', 'scripts'));
    t.match(bd.notes.join('\n'), /removed the packer \{\} block/);
    const bd2 = await prepareBuildDir(plugins, { version: '1.6.6', needsPlugins: false }, { workDir: work });
    t.notOk(existsSync(join(bd2.cwd, 'plugins.pkr.hcl')));
    t.ok(existsSync(join(bd2.cwd, 'image.pkr.hcl')));
    t.same(await removeBuildDir(bd), []);
    t.same(await removeBuildDir(bd2), []);
    t.notOk(existsSync(bd.root));
    t.ok(existsSync(join(maasStandIn, '..', 'scripts', 'fuse-nbd')), 'removing the link left the original alone');
  });

  t.test('1.11: template unchanged, plugins file included', async (t) => {
    const bd = await prepareBuildDir(maasLike, { version: '1.11.2', needsPlugins: true }, { workDir: work });
    t.equal(readFileSync(join(bd.cwd, 'vmware-esxi.pkr.hcl'), 'utf8'), readFileSync(join(maasStandIn, 'vmware-esxi.pkr.hcl'), 'utf8'));
    const bd2 = await prepareBuildDir(plugins, { version: '1.11.2', needsPlugins: true }, { workDir: work });
    t.ok(existsSync(join(bd2.cwd, 'plugins.pkr.hcl')));
    t.same(bd2.notes.filter((n) => !n.startsWith('temporary files in')), [], 'nothing adapted');
    await removeBuildDir(bd);
    await removeBuildDir(bd2);
  });

  t.test('stale outputs of a user checkout are not copied', async (t) => {
    const dir = t.testdir({
      'x.pkr.hcl': 'source "file" "a" {\n  content = "x"\n  target = "o"\n}\nbuild {\n  sources = ["source.file.a"]\n}\n',
      'output-esxi': { 'packer-esxi': 'old disk' },
      'vmware-esxi.dd.gz': 'old image',
      'KS.CFG': 'vmaccepteula',
    });
    const info = await readTemplateInfo(dir);
    const bd = await prepareBuildDir(info, { version: '1.6.6', needsPlugins: false }, { workDir: work });
    t.ok(existsSync(join(bd.cwd, 'KS.CFG')));
    t.notOk(existsSync(join(bd.cwd, 'output-esxi')));
    t.notOk(existsSync(join(bd.cwd, 'vmware-esxi.dd.gz')));
    await removeBuildDir(bd);
  });
});

t.test('sizes and the default template location', async (t) => {
  t.equal(sizeMiB('32G'), 32768);
  t.equal(sizeMiB('32768'), 32768);
  t.equal(sizeMiB('512M'), 512);
  t.equal(sizeMiB('2048K'), 2);
  t.equal(sizeMiB('1T'), 1024 * 1024);
  t.equal(sizeMiB('lots'), undefined);
  t.match(defaultTemplateDir(), /\/packer\/vmware-esxi$/);
  t.ok(existsSync(join(defaultTemplateDir(), '..', '..', 'package.json')), 'resolved to the package root');
});
