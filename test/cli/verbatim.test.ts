import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseCommandLine } from '../../lib/cli/main.js';
import { commandName } from '../../lib/cli/command.js';
import type { CreateOptions } from '../../lib/cli/commands/create.js';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { cli, runContext } from '../fixtures/cli-harness.js';
import { tempDir } from '../fixtures/upload-env.js';
// @ts-expect-error: a plain .mjs script without types
import { shellLine } from '../../scripts/demo.mjs';

/** Split a line as the user's shell would: real bash, with $PROFILE and friends set to `admin`. */
function shellWords(line: string): string[] {
  const r = spawnSync('bash', ['-c', `PROFILE=admin LOGIN=admin MAAS_USER=admin; set -- ${line}; printf '%s\\0' "$@"`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.split('\0').slice(0, -1);
}

const tarGz = (): Buffer => {
  const header = Buffer.alloc(1024);
  header.write('etc/hostname', 0);
  header.write('ustar', 257);
  return gzipSync(header);
};
const ddGz = (): Buffer => gzipSync(Buffer.alloc(64 * 1024, 0xeb));

/**
 * Real `maas … boot-resources create` lines, each with the fields the maas CLI would send for
 * it (src/maascli/actions/boot_resources_create.py: every key=value but content, then size and
 * sha256 of the content), and where from.
 */
const LINES: Array<{ from: string; line: string; content: { file: string; data: () => Buffer }; sends: Record<string, string | boolean> }> = [
  {
    from: 'packer-maas vmware-esxi/README.md',
    line: "maas $PROFILE boot-resources create name='esxi/6.7' title='VMware ESXi 6.7' architecture='amd64/generic' filetype='ddgz' content@=vmware-esxi.dd.gz",
    content: { file: 'vmware-esxi.dd.gz', data: ddGz },
    sends: { name: 'esxi/6.7', title: 'VMware ESXi 6.7', architecture: 'amd64/generic', filetype: 'ddgz' },
  },
  {
    from: 'MAAS docs, custom images (LVM dd.gz)',
    line: 'maas $MAAS_USER boot-resources create name=custom/ubuntu architecture=amd64/generic filetype=ddgz content@=custom-ubuntu-lvm.dd.gz',
    content: { file: 'custom-ubuntu-lvm.dd.gz', data: ddGz },
    sends: { name: 'custom/ubuntu', architecture: 'amd64/generic', filetype: 'ddgz' },
  },
  {
    from: 'packer-maas rocky9/README.md',
    line: "maas $PROFILE boot-resources create name='custom/rocky9' \\\n    title='Rocky 9 Custom' architecture='amd64/generic' \\\n    base_image='rhel/9' filetype='tgz' \\\n    content@=rocky9.tar.gz",
    content: { file: 'rocky9.tar.gz', data: tarGz },
    sends: { name: 'custom/rocky9', title: 'Rocky 9 Custom', architecture: 'amd64/generic', base_image: 'rhel/9', filetype: 'tgz' },
  },
  {
    from: 'packer-maas rocky10 bootc README (base_image last but one)',
    line: "maas $PROFILE boot-resources create name='custom/rocky10-bootc' \\\n    title='Rocky 10 bootc (Immutable)' \\\n    architecture='amd64/generic' \\\n    base_image='rhel/10' \\\n    filetype='tgz' \\\n    content@=rocky10-bootc.tar.gz",
    content: { file: 'rocky10-bootc.tar.gz', data: tarGz },
    sends: { name: 'custom/rocky10-bootc', title: 'Rocky 10 bootc (Immutable)', architecture: 'amd64/generic', base_image: 'rhel/10', filetype: 'tgz' },
  },
  {
    from: 'packer-maas README, PVE (flag after the fields)',
    line: "maas ${LOGIN} boot-resources create name='custom/pve8' title='PVE8' \\\narchitecture='amd64/generic' filetype='tgz' content@=debian-custom-cloudimg.tar.gz -k",
    content: { file: 'debian-custom-cloudimg.tar.gz', data: tarGz },
    sends: { name: 'custom/pve8', title: 'PVE8', architecture: 'amd64/generic', filetype: 'tgz' },
  },
  {
    from: 'a packer manifest helper: sha256= and size= given by hand',
    line: "maas admin boot-resources create name='custom/harmonic' title='Harmonic cOS' architecture='amd64/generic' filetype='tgz' sha256='SHA' size='1' content@='harmonic-installer.tar.gz'",
    content: { file: 'harmonic-installer.tar.gz', data: tarGz },
    sends: { name: 'custom/harmonic', title: 'Harmonic cOS', architecture: 'amd64/generic', filetype: 'tgz', sha256: 'SHA' },
  },
  {
    from: 'MAAS windows images doc',
    line: 'maas admin boot-resources create name=windows/win2012r2 \\\n    architecture=amd64/generic filetype=ddtgz content@=windows2012r2',
    content: { file: 'windows2012r2', data: () => gzipSync(Buffer.concat([Buffer.from('root-dd'.padEnd(257, '\0')), Buffer.from('ustar'), Buffer.alloc(762)])) },
    sends: { name: 'windows/win2012r2', architecture: 'amd64/generic', filetype: 'ddtgz' },
  },
  {
    from: 'keep_old and base_image (BootResourceForm fields)',
    line: 'maas admin boot-resources create name=custom/k architecture=amd64/generic filetype=ddgz base_image=ubuntu/noble keep_old=true content@=k.dd.gz',
    content: { file: 'k.dd.gz', data: ddGz },
    sends: { name: 'custom/k', architecture: 'amd64/generic', filetype: 'ddgz', base_image: 'ubuntu/noble', keep_old: true },
  },
];

t.test('real-world maas boot-resources lines are accepted with the same meaning', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  t.equal((await cli(['login', 'admin', sim.url, sim.adminKey], { home })).code, 0);
  const cwd = join(home, 'images');
  mkdirSync(cwd);
  for (const { from, line, content, sends } of LINES) {
    writeFileSync(join(cwd, content.file), content.data());
    const words = shellWords(line);
    t.equal(words[0], 'maas', from);
    const harness = runContext({ home, cwd });
    const d = await parseCommandLine(words.slice(1), harness.ctx.io);
    if (d.kind !== 'command') throw new Error(`${from}: not a command`);
    t.equal(commandName(d.spec), 'create', `${from}: boot-resources create`);
    const o = (await d.spec.parse(d.argv, harness.ctx)) as CreateOptions;
    const sent: Record<string, string | boolean> = {};
    for (const key of ['name', 'title', 'architecture', 'filetype', 'base_image', 'keep_old', 'sha256'] as const) {
      const v = o.fields[key];
      if (v !== undefined && !(key === 'title' && !('title' in sends))) sent[key] = v;
    }
    t.same(sent, sends, `${from}: same fields`);
    t.equal(o.fields.path, join(cwd, content.file), `${from}: content relative to the working directory`);
    t.same(o.fields.ignored, [], `${from}: nothing ignored`);
  }
});

t.test('keep_old reaches MAAS; size= is replaced with a note; an unknown field is warned about and dropped', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  await cli(['login', 'admin', sim.url, sim.adminKey], { home });
  const filesPerSet = async (): Promise<number[]> => {
    const all = JSON.parse((await cli(['admin', 'boot-resources', 'read', 'type=uploaded'], { home })).stdout) as Array<{ id: number }>;
    const one = JSON.parse((await cli(['admin', 'boot-resource', 'read', String(all[0]!.id)], { home })).stdout) as { sets: Record<string, { files: object }>; base_image?: string };
    return Object.values(one.sets).map((set) => Object.keys(set.files).length).sort();
  };
  const upload = async (file: string, ...extra: string[]) => {
    writeFileSync(join(home, file), gzipSync(Buffer.from(file.repeat(5000))));
    return cli(['admin', 'boot-resources', 'create', 'name=custom/k', 'architecture=amd64/generic', 'filetype=ddgz', 'base_image=ubuntu/noble', ...extra, `content@=${file}`], { home });
  };
  t.equal((await upload('one.dd.gz')).code, 0);
  const kept = await upload('two.dd.gz', 'keep_old=true', 'size=12', 'colour=blue', 'titel=Lab');
  t.equal(kept.code, 0, kept.stderr);
  t.match(kept.stderr, /warning: size=12 replaced by the size of the content \(\d+ bytes\), as the maas CLI does\./);
  t.match(kept.stderr, /warning: MAAS's boot-resources create has no field 'colour' and would ignore it; not sent\./);
  t.match(kept.stderr, /warning: MAAS's boot-resources create has no field 'titel' \(did you mean title=\?\) and would ignore it; not sent\./, 'a close field name is offered, as for flags');
  t.same(await filesPerSet(), [1, 1], 'keep_old=true: MAAS kept the earlier upload');
  t.equal((await upload('three.dd.gz')).code, 0);
  t.same(await filesPerSet(), [0, 0, 1], 'without keep_old MAAS deletes the earlier uploads, as BootResourceForm.save does');
});

t.test('keep_old follows Django BooleanField: false, 0 and empty are false', async (t) => {
  const home = tempDir(t);
  writeFileSync(join(home, 'k.dd.gz'), ddGz());
  for (const [text, expected] of [['true', true], ['True', true], ['1', true], ['false', false], ['FALSE', false], ['0', false], ['', false]] as const) {
    const h = runContext({ home });
    const d = await parseCommandLine(['env', 'create', 'name=custom/k', 'architecture=amd64/generic', `keep_old=${text}`, 'content@=k.dd.gz'], h.ctx.io);
    if (d.kind !== 'command') throw new Error('not a command');
    t.equal(((await d.spec.parse(d.argv, h.ctx)) as CreateOptions).fields.keep_old, expected, `keep_old=${text}`);
  }
  const bad = await cli(['env', 'create', 'name=custom/k', 'architecture=amd64/generic', 'size=big', 'content@=k.dd.gz'], { home, env: { MAAS_API_URL: 'http://127.0.0.1:9/MAAS/', MAAS_API_KEY: 'a:b:c' } });
  t.equal(bad.code, 2);
  t.match(bad.stderr, /size=big is not a whole number of bytes\. Leave size= out/);
});

// scripts/demo.mjs echoes each command it runs: the same bash reads it back word for word.
t.test('the demo echoes commands that paste into a shell unchanged', async (t) => {
  const cases: string[][] = [
    ['demo', 'boot-resources', 'create', 'name=esxi/8.0', 'title=VMware ESXi 8.0', 'architecture=amd64/generic', 'content@=/tmp/a b/vmware-esxi.dd.gz', '--chunk-size', '4MiB'],
    ['login', 'demo', 'http://127.0.0.1:5240/MAAS/', '-'],
    ["title=it's $HOME", 'x;y', ''],
  ];
  for (const args of cases) {
    const line = (shellLine as (a: string[]) => string)(args);
    t.same(shellWords(line), args, line);
  }
  t.equal((shellLine as (a: string[]) => string)(['title=VMware ESXi 8.0']), "title='VMware ESXi 8.0'", 'key=value keeps the key outside the quotes, as people write it');
});
