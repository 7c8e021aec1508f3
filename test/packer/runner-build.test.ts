/**
 * The runner against the real Packer on this host (Debian's 1.6.6 in CI), with small templates
 * built on the `file` builder (built into every Packer, docs/packer.md) so no VM runs.
 */
import t from 'tap';
import { leaveOutUnlessCI } from '../fixtures/prerequisite.js';
import { execa } from 'execa';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { PackerError, PrerequisiteError } from '../../lib/errors/index.js';
import { startPackerBuild, type PackerEvent, type BuildOptions } from '../../lib/packer/index.js';
import { esxiLikeFiles, writeFakeIso } from '../fixtures/packer/fake-iso.js';
import { template } from '../fixtures/packer/paths.js';

/** The plan checks the ISO before Packer runs: a tiny one that looks like an ESXi installer. */
async function fakeIso(dir: string): Promise<string> {
  const iso = join(dir, 'esxi.iso');
  await writeFakeIso(iso, { volumeId: 'ESXI-8.0U3-24022510-STANDARD', files: esxiLikeFiles() });
  return iso;
}

function collect(opts: BuildOptions) {
  const build = startPackerBuild(opts);
  const events: PackerEvent[] = [];
  const phases: string[] = [];
  const logs: string[] = [];
  let buildDir: string | null = null;
  build.on('event', (e) => {
    events.push(e);
    buildDir ??= build.buildDir;
  });
  build.on('phase', (p) => phases.push(p.name));
  build.on('log', (l) => logs.push(l));
  return { build, events, phases, logs, buildDirSeen: () => buildDir };
}

t.test('file builder + shell-local + compress chain: artifact found, moved, hashed (docs/packer.md)', async (t) => {
  const work = t.testdir({ out: {} });
  const iso = await fakeIso(work);
  const { build, events, phases, logs, buildDirSeen } = collect({ iso, templateDir: template('file-chain'), outputDir: join(work, 'out'), timeout: '5m', vars: { greeting: 'maas, esxi' } });
  const res = await build.done();

  t.equal(res.artifactPath, join(work, 'out', 'vmware-esxi.dd.gz'));
  t.match(res.packerVersion, /^\d+\.\d+\.\d+/);
  t.equal(res.buildDir, null);
  const { stdout } = await execa('sha256sum', [res.artifactPath]);
  t.equal(res.sha256, stdout.split(' ')[0], 'sha256 matches sha256sum');
  const bytes = await readFile(res.artifactPath);
  t.equal(res.size, bytes.length);
  t.same([...bytes.subarray(0, 2)], [0x1f, 0x8b], 'gzip magic');
  const raw = gunzipSync(bytes).toString();
  t.match(raw, `raw disk, for maas, esxi\nISO ${iso} timeout 5m\nappended\n`, 'variables reached the template; the chain modified the disk before compressing');

  // Typed events from the real output.
  t.ok(events.some((e) => e.type === 'ui' && e.level === 'message' && e.text.includes('modifying, maas, esxi')), 'escaped comma unescaped');
  t.ok(events.some((e) => e.type === 'ui' && e.level === 'error' && e.text.includes('trace-on-stderr')), 'script stderr is a ui error line that does not fail the build');
  t.ok(events.some((e) => e.type === 'build-finished' && e.ok && e.build === 'file.img'));
  t.ok(events.some((e) => e.type === 'artifact-count' && e.count === 2 && e.target === 'file.img'));
  t.ok(events.some((e) => e.type === 'artifact' && e.field === 'builder-id' && e.value === 'packer.post-processor.compress'));
  t.same(phases, ['prepare', 'post-process', 'compress', 'finish', 'artifact']);
  t.ok(logs.some((l) => /^running: packer build -machine-readable -color=false .*-var greeting=maas, esxi .*-var vmware_esxi_iso_path=/.test(l)));

  const dir = buildDirSeen();
  t.ok(dir, 'build dir was visible while running');
  t.notOk(existsSync(dir!), 'build dir removed after success');
});

t.test('keepBuildDir keeps the build directory; the template copy is Packer\'s cwd', async (t) => {
  const work = t.testdir();
  const iso = await fakeIso(work);
  const res = await startPackerBuild({ iso, templateDir: template('file-chain'), outputDir: work, keepBuildDir: true }).done();
  t.teardown(() => execa('rm', ['-rf', res.buildDir!]));
  t.ok(res.buildDir && existsSync(join(res.buildDir, 'file-chain', 'image.pkr.hcl')));
  t.ok(existsSync(join(res.buildDir!, 'file-chain', 'output-img')), 'Packer wrote its output inside the build dir');
  t.notOk(existsSync(join(res.buildDir!, 'file-chain', 'vmware-esxi.dd.gz')), 'the image was moved out');
  t.ok(existsSync(join(work, 'vmware-esxi.dd.gz')));
});

t.test('a failing post-processor is a failure even though compress wrote a file (docs/packer.md)', async (t) => {
  const work = t.testdir({ out: {} });
  const iso = await fakeIso(work);
  const { build, events } = collect({ iso, templateDir: template('independent-pp-failure'), outputDir: join(work, 'out'), keepBuildDir: true });
  const err = await build.done().then(
    () => undefined,
    (e: unknown) => e,
  );
  t.teardown(() => (build.buildDir ? execa('rm', ['-rf', build.buildDir]) : undefined));
  t.type(err, PackerError);
  const pe = err as PackerError & { exitCode?: number; packerErrors?: string[] };
  t.equal(pe.name, 'PackerError');
  t.equal(pe.code, 'BUILD_FAILED');
  t.match(pe.message, /Post-processor failed: Script exited with non-zero exit status: 1/);
  t.equal(pe.exitCode, 1);
  t.match(pe.hint, /post-processor failed/i);
  t.ok(events.some((e) => e.type === 'error-count' && e.count === 1));
  t.ok(build.buildDir && existsSync(join(build.buildDir, 'independent-pp-failure', 'vmware-esxi.dd.gz')), 'compress did write the file');
  t.same(readdirSync(join(work, 'out')), [], 'nothing delivered to the output dir');
});

t.test('a template without a compress step: exit 0 but no image → NO_ARTIFACT', async (t) => {
  const work = t.testdir();
  const iso = await fakeIso(work);
  const err = await startPackerBuild({ iso, templateDir: template('no-compress'), outputDir: work }).done().catch((e: unknown) => e);
  t.type(err, PackerError);
  t.equal((err as PackerError).code, 'NO_ARTIFACT');
  t.match((err as PackerError).body, /packer\.file/);
});

t.test('validation errors', async (t) => {
  const work = t.testdir();
  const iso = await fakeIso(work);

  t.test('undeclared variable is refused before Packer runs, naming the declared ones', async (t) => {
    const build = startPackerBuild({ iso, templateDir: template('file-chain'), outputDir: work, vars: { nosuch: 'x' } });
    let ran = false;
    build.on('log', (l) => {
      if (l.startsWith('running: packer')) ran = true;
    });
    const err = (await build.done().catch((e: unknown) => e)) as PackerError;
    t.type(err, PackerError);
    t.equal(err.code, 'UNDECLARED_VARIABLE');
    t.match(err.message, /"nosuch"/);
    t.match(err.hint, /greeting, timeout, vmware_esxi_iso_path/);
    t.notOk(ran, 'packer build never started');
  });

  t.test('a template that Packer rejects → TEMPLATE_INVALID with Packer\'s text', async (t) => {
    const err = (await startPackerBuild({ iso, templateDir: template('bad-syntax'), outputDir: work }).done().catch((e: unknown) => e)) as PackerError;
    t.type(err, PackerError);
    t.equal(err.code, 'TEMPLATE_INVALID');
    t.match(err.message, /Failed preparing post-processor-block "compress"/);
    t.match(err.body, /no_such_option/);
  });

  t.test('a required variable without a value → MISSING_VARIABLE, before Packer runs', async (t) => {
    const dir = t.testdir({
      'x.pkr.hcl': 'variable "needed" {\n  type = string\n}\nsource "file" "img" {\n  content = var.needed\n  target = "out.raw"\n}\nbuild {\n  sources = ["source.file.img"]\n}\n',
    });
    const err = (await startPackerBuild({ iso, templateDir: dir, outputDir: work }).done().catch((e: unknown) => e)) as PackerError;
    t.type(err, PackerError);
    t.equal(err.code, 'MISSING_VARIABLE');
    t.match(err.message, /"needed"/);
    t.match(err.hint, /--var needed=VALUE/);
  });

  t.test('a missing ISO is reported before Packer runs', async (t) => {
    const err = (await startPackerBuild({ iso: join(work, 'nope.iso'), templateDir: template('file-chain'), outputDir: work }).done().catch((e: unknown) => e)) as PrerequisiteError;
    t.type(err, PrerequisiteError);
    t.equal(err.code, 'PREREQUISITES');
    t.match(err.message, /^build prerequisite not met: ESXi installer ISO: ISO .*nope\.iso does not exist$/);
  });

  t.test('a template directory that does not exist', async (t) => {
    const err = (await startPackerBuild({ iso, templateDir: join(work, 'nowhere'), outputDir: work }).done().catch((e: unknown) => e)) as PrerequisiteError;
    t.type(err, PrerequisiteError);
    t.match(err.message, /Packer template: template directory .*nowhere does not exist/);
    t.match(err.hint, /--template DIR/);
  });
});

t.test('legacy JSON template: variables from "variables", template passed by file name', async (t) => {
  const work = t.testdir();
  const iso = await fakeIso(work);
  const res = await startPackerBuild({ iso, templateDir: template('legacy-json'), outputDir: work, vars: { greeting: 'json' } }).done();
  t.equal(gunzipSync(await readFile(res.artifactPath)).toString(), 'json raw disk for json\n');
});

t.test('Packer 1.6.6 and a separate plugins.pkr.hcl: the file is left out (an inline packer {} block: packer-maas-template.test.ts)', async (t) => {
  const work = t.testdir();
  const iso = await fakeIso(work);

  t.test('separate plugins.pkr.hcl', async (t) => {
    const logs: string[] = [];
    const build = startPackerBuild({ iso, templateDir: template('with-plugins'), outputDir: work });
    build.on('log', (l) => logs.push(l));
    const res = await build.done();
    t.ok(existsSync(res.artifactPath));
    if (logs.some((l) => l.includes('using Packer 1.'))) {
      const modern = logs.some((l) => /using Packer 1\.(1\d|[2-9]\d)\./.test(l));
      t.equal(logs.some((l) => l.includes('left out plugins.pkr.hcl')), !modern, 'plugins file excluded only before 1.10');
    }
  });
});

t.test('qemu fails to start: the error quotes qemu itself, from the debug log (docs/packer.md)', async (t) => {
  const work = t.testdir();
  const iso = await fakeIso(work);
  const err = (await startPackerBuild({ iso, templateDir: template('qemu-fails-to-start'), outputDir: work }).done().catch((e: unknown) => e)) as PackerError;
  t.type(err, PackerError);
  t.equal(err.code, 'BUILD_FAILED');
  t.match(err.message, /Error launching VM: Qemu failed to start\. \(qemu-system-x86_64: unsupported machine type\)/, 'qemu\'s own words in the message');
  t.notMatch(err.message, /Please run with PACKER_LOG=1/);
  t.match(err.body, /qemu:\nqemu-system-x86_64: unsupported machine type\nUse -machine help/);
});

const shmOtherFs = existsSync('/dev/shm') && statSync('/dev/shm').dev !== statSync(tmpdir()).dev;
t.test(
  'output directory on another filesystem: copied and hashed in one pass',
  { skip: leaveOutUnlessCI(!shmOtherFs && '/dev/shm is missing or on the same filesystem as the temp dir, so the copy path cannot be exercised', 'a tmpfs at /dev/shm') },
  async (t) => {
    const work = t.testdir();
    const out = mkdtempSync(join('/dev/shm', 'maas-esxi-test-'));
    t.teardown(() => rmSync(out, { recursive: true, force: true }));
    const iso = await fakeIso(work);
    const build = startPackerBuild({ iso, templateDir: template('file-chain'), outputDir: out });
    const res = await build.done();
    t.equal(res.artifactPath, join(out, 'vmware-esxi.dd.gz'));
    const { stdout } = await execa('sha256sum', [res.artifactPath]);
    t.equal(res.sha256, stdout.split(' ')[0]);
    t.same(readdirSync(out), ['vmware-esxi.dd.gz'], 'no partial file left behind');
  },
);

t.test('a long work directory path: Packer\'s plugin sockets still get a short TMPDIR', async (t) => {
  const work = t.testdir();
  const deep = join(work, 'a-rather-long-directory-name-for-the-work-dir', 'and-another-level-of-it');
  const iso = await fakeIso(work);
  const logs: string[] = [];
  const build = startPackerBuild({ iso, templateDir: template('file-chain'), outputDir: work, workDir: deep });
  build.on('log', (l) => logs.push(l));
  const res = await build.done();
  t.ok(existsSync(res.artifactPath));
  const note = logs.find((l) => l.startsWith('temporary files in '));
  t.ok(note, 'the short TMPDIR was announced');
  const tmp = /^temporary files in (\S+):/.exec(note ?? '')?.[1];
  t.ok(tmp && tmp.length <= 60);
  t.notOk(tmp && existsSync(tmp), 'and removed afterwards');
  t.same(readdirSync(deep), [], 'build dir removed');
});

t.test('password-like -var values are not logged', async (t) => {
  const work = t.testdir({
    tpl: {
      'x.pkr.hcl':
        'variable "root_password" {\n  type = string\n}\nsource "file" "img" {\n  content = "pw ${var.root_password}"\n  target = "output-img/packer-img"\n}\nbuild {\n  sources = ["source.file.img"]\n  post-processors {\n    post-processor "compress" {\n      output = "vmware-esxi.dd.gz"\n    }\n  }\n}\n',
    },
  });
  const iso = await fakeIso(work);
  const logs: string[] = [];
  const build = startPackerBuild({ iso, templateDir: join(work, 'tpl'), outputDir: work, vars: { root_password: 'S3cret!pass' } });
  build.on('log', (l) => logs.push(l));
  const res = await build.done();
  t.equal(gunzipSync(await readFile(res.artifactPath)).toString(), 'pw S3cret!pass', 'the value reached Packer');
  t.ok(logs.some((l) => l.includes('-var root_password=REDACTED')));
  t.notOk(logs.some((l) => l.includes('S3cret!pass')), 'but no log line carries it');
});
