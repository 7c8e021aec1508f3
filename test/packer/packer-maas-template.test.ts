/**
 * `--template` with a packer-maas checkout (issue: Packer 1.6.6 started, ignored
 * `required_version = ">= 1.12.0"`, and qemu failed at once with "Could not open 'usb.img'").
 * Against the stand-in under test/fixtures/packer/packer-maas/ (laid out like packer-maas,
 * written by us): the plan names every missing piece with the command that makes it, before
 * Packer starts; `prepare` makes usb.img itself; a real Packer build then uses it.
 */
import t from 'tap';
import { cpSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PrerequisiteError } from '../../lib/errors/index.js';
import { assertBuildPlan, planBuild, startPackerBuild, type BuildPlan } from '../../lib/packer/index.js';
import { cli } from '../fixtures/cli-harness.js';
import { esxiLikeFiles, writeFakeIso } from '../fixtures/packer/fake-iso.js';
import { fixturesDir } from '../fixtures/packer/paths.js';

const standIn = join(fixturesDir, 'packer-maas');
const check = (p: BuildPlan, id: string) => p.checks.find((c) => c.id === id);

/** A `packer` that reports `version` (PACKER_PATH), for version-dependent checks. */
async function fakePacker(dir: string, version: string): Promise<string> {
  const path = join(dir, `packer-${version}`);
  await writeFile(
    path,
    `#!/bin/sh\ncase "$1 $2" in\n  "-machine-readable version") echo "1795631144,,version,${version}" ;;\n  "plugins installed") echo "$HOME/.config/packer/plugins/github.com/hashicorp/qemu/packer-plugin-qemu_v1.1.1_x5.0_linux_amd64" ;;\n  *) echo "fake packer must not build" >&2; exit 99 ;;\nesac\n`,
  );
  await chmod(path, 0o755);
  return path;
}

/** A directory of stand-in programs, so "installed" does not depend on this host. */
async function binDir(dir: string, names: string[]): Promise<string> {
  const bin = join(dir, 'bin');
  await mkdir(bin, { recursive: true });
  for (const n of names) {
    await writeFile(join(bin, n), '#!/bin/sh\nexit 0\n');
    await chmod(join(bin, n), 0o755);
  }
  return bin;
}

async function esxiIso(dir: string): Promise<string> {
  const iso = join(dir, 'VMware-VMvisor-Installer-8.0U3-24022510.x86_64.iso');
  await writeFakeIso(iso, { volumeId: 'ESXI-8.0U3-24022510-STANDARD', files: esxiLikeFiles(), dirs: ['EFI'] });
  return iso;
}

/** A private copy of the stand-in checkout (tests add or remove files in it). */
function checkout(t: { testdir(): string }): string {
  const dir = join(t.testdir(), 'packer-maas');
  cpSync(standIn, dir, { recursive: true });
  return dir;
}

t.test('Packer 1.6.6 vs required_version ">= 1.12.0": a failed check, not a silent bypass', async (t) => {
  const work = t.testdir();
  const old = await fakePacker(work, '1.6.6');
  const plan = await planBuild({ templateDir: join(standIn, 'vmware-esxi'), outputDir: work, diskSizeMiB: 16, env: { ...process.env, PACKER_PATH: old } });
  t.match(check(plan, 'packer-version'), {
    ok: false,
    severity: 'error',
    detail: 'Packer 1.6.6 does not meet required_version = ">= 1.12.0" in vmware-esxi.pkr.hcl',
    fix: /developer\.hashicorp\.com\/packer\/install.*PACKER_PATH/,
  });

  const recent = await fakePacker(work, '1.12.1');
  const ok = await planBuild({ templateDir: join(standIn, 'vmware-esxi'), outputDir: work, diskSizeMiB: 16, env: { ...process.env, HOME: work, PACKER_PATH: recent } });
  t.match(check(ok, 'packer-version'), { ok: true, detail: 'Packer 1.12.1 meets ">= 1.12.0"' });
  t.match(check(ok, 'qemu-plugin'), { ok: true, detail: 'installed: 1.1.1' }, 'Packer ≥ 1.10: the plugin is checked too');

  // Our own template keeps required_version in plugins.pkr.hcl, which Packer < 1.10 never sees.
  const ours = await planBuild({ outputDir: work, diskSizeMiB: 16, env: { ...process.env, PACKER_PATH: old } });
  t.notOk(check(ours, 'packer-version'), 'a plugin-only file left out for Packer < 1.10 does not constrain it');
  const oursNew = await planBuild({ outputDir: work, diskSizeMiB: 16, env: { ...process.env, HOME: work, PACKER_PATH: recent } });
  t.match(check(oursNew, 'packer-version'), { ok: true });
});

t.test('usb.img and scripts.tar.xz missing: one check naming the Makefile command; --prepare covers usb.img', async (t) => {
  const work = t.testdir();
  const dir = join(standIn, 'vmware-esxi');
  const plan = await planBuild({ templateDir: dir, outputDir: work, diskSizeMiB: 16 });
  const files = check(plan, 'template-files');
  t.match(files, { ok: false, severity: 'error' });
  t.match(files?.detail, /^missing: usb\.img \(referenced by vmware-esxi\.pkr\.hcl \(qemuargs\); made by the Makefile\); scripts\.tar\.xz \(referenced by \.\/post\.sh; made by the Makefile, downloading\)$/);
  t.match(files?.fix, `Run \`cd ${dir} && make usb.img scripts.tar.xz\` (its recipes run dd, parted, mformat, mcopy, python3, pip, tar; scripts.tar.xz needs network access for pip).`);
  t.match(files?.fix, /Or let maas-esxi make usb\.img itself \(no root, no network\): add --prepare/);
  t.same(plan.preparations, [], 'nothing is made without prepare');

  const prepared = await planBuild({ templateDir: dir, outputDir: work, diskSizeMiB: 16, prepare: true });
  const after = check(prepared, 'template-files');
  t.match(after, { ok: false, detail: /^missing: scripts\.tar\.xz / }, 'usb.img no longer missing; scripts.tar.xz needs pip and the network, so it is not ours to make');
  t.match(after?.fix, `make scripts.tar.xz`);
  t.same(prepared.preparations, [{ image: 'usb.img', sizeMiB: 32, files: ['KS.CFG'] }], 'the Makefile recipe read: 32 MiB, KS.CFG');
  t.ok(check(prepared, 'mtools'), 'mtools is checked for --prepare');

  // After `make usb.img scripts.tar.xz` the check passes.
  const made = checkout(t);
  writeFileSync(join(made, 'vmware-esxi', 'usb.img'), '');
  writeFileSync(join(made, 'vmware-esxi', 'scripts.tar.xz'), '');
  const ready = await planBuild({ templateDir: join(made, 'vmware-esxi'), outputDir: work, diskSizeMiB: 16 });
  t.match(check(ready, 'template-files'), { ok: true, detail: 'present: usb.img, ../scripts/fuse-nbd, ./post.sh, scripts.tar.xz' });
});

t.test('the template copied out of its checkout: ../scripts/fuse-nbd is named', async (t) => {
  const work = t.testdir();
  const alone = join(work, 'vmware-esxi');
  cpSync(join(standIn, 'vmware-esxi'), alone, { recursive: true });
  const plan = await planBuild({ templateDir: alone, outputDir: work, diskSizeMiB: 16 });
  const files = check(plan, 'template-files');
  t.match(files?.detail, `${join(work, 'scripts', 'fuse-nbd')} (referenced by vmware-esxi.pkr.hcl (post-processor))`);
  t.match(files?.fix, /Restore .*scripts\/fuse-nbd: use the template from a complete checkout/);
});

t.test("the post-processor's programs (fuse-nbd: qemu-nbd, nbdkit, nbdfuse, fusefat…) with their packages", async (t) => {
  const work = t.testdir();
  const dir = join(standIn, 'vmware-esxi');
  const some = await binDir(work, ['qemu-nbd', 'fusermount']);
  const missing = await planBuild({ templateDir: dir, outputDir: work, diskSizeMiB: 16, env: { ...process.env, PATH: some } });
  t.match(check(missing, 'template-tools'), {
    ok: false,
    severity: 'error',
    detail: 'not on PATH: nbdkit (run by ../scripts/fuse-nbd), nbdfuse (run by ../scripts/fuse-nbd), fusefat (run by ../scripts/fuse-nbd), fuse2fs (run by ../scripts/fuse-nbd)',
    fix: 'sudo apt-get install nbdkit libnbd-bin fusefat fuse2fs',
  });
  const all = await binDir(work, ['qemu-nbd', 'fusermount', 'nbdkit', 'nbdfuse', 'fusefat', 'fuse2fs']);
  const present = await planBuild({ templateDir: dir, outputDir: work, diskSizeMiB: 16, env: { ...process.env, PATH: all } });
  t.match(check(present, 'template-tools'), { ok: true, detail: 'found: qemu-nbd, nbdkit, nbdfuse, fusefat, fuse2fs, fusermount' });
});

t.test('startPackerBuild refuses before Packer starts: one PrerequisiteError with every fix', async (t) => {
  const work = t.testdir({ builds: {} });
  const iso = await esxiIso(work);
  const old = await fakePacker(work, '1.6.6');
  const err = (await startPackerBuild({ iso, templateDir: join(standIn, 'vmware-esxi'), outputDir: work, workDir: join(work, 'builds'), env: { ...process.env, PACKER_PATH: old } })
    .done()
    .catch((e: unknown) => e)) as PrerequisiteError;
  t.type(err, PrerequisiteError);
  t.equal(err.code, 'PREREQUISITES');
  t.match(err.message, /build prerequisites not met: .*Packer version the template requires: Packer 1\.6\.6 does not meet .* \| Files the template needs: missing: usb\.img/);
  t.match(err.hint, `make usb.img scripts.tar.xz`);
  t.match(err.hint, /--prepare/);
  t.same(readdirSync(join(work, 'builds')), [], 'no build directory was made: Packer never started');
});

t.test('assertBuildPlan passes a plan without failed errors', async (t) => {
  const work = t.testdir();
  const plan = await planBuild({ templateDir: join(fixturesDir, 'templates', 'file-chain'), outputDir: work, iso: await esxiIso(work) });
  t.equal(plan.ok, true, plan.failed.map((c) => c.detail).join('; '));
  t.doesNotThrow(() => assertBuildPlan(plan));
  const json = JSON.parse(JSON.stringify(plan)) as Record<string, unknown>;
  t.same(Object.keys(json).sort(), ['checks', 'iso', 'ok', 'packer', 'template'], 'doctor --json: the checks and findings, never the environment');
});

t.test('prepare: usb.img is made in the build directory from KS.CFG and a real Packer build reads it', async (t) => {
  const work = t.testdir({ out: {} });
  const iso = await esxiIso(work);
  const templateDir = join(standIn, 'file-esxi');
  const refused = await startPackerBuild({ iso, templateDir, outputDir: join(work, 'out') })
    .done()
    .catch((e: unknown) => e);
  t.match(refused, { name: 'PrerequisiteError', message: /usb\.img/ }, 'without prepare: refused, naming usb.img');

  const logs: string[] = [];
  const build = startPackerBuild({ iso, templateDir, outputDir: join(work, 'out'), prepare: true });
  build.on('log', (l) => logs.push(l));
  const res = await build.done();
  const disk = gunzipSync(await readFile(res.artifactPath)).toString('latin1');
  t.match(disk, 'raw disk\nstamped by ../scripts/stamp\n', '../scripts reached through the build directory');
  t.match(disk, await readFile(join(templateDir, 'KS.CFG'), 'latin1'), 'KS.CFG read back from usb.img by mtools inside the build');
  t.ok(logs.some((l) => l === 'prepared usb.img: 8 MiB FAT image holding KS.CFG (as the template\'s Makefile makes it)'));
  const stripped = logs.some((l) => /removed the packer \{\} block \(required_version\/required_plugins\) from file-esxi\.pkr\.hcl/.test(l));
  const version = /using Packer (\S+)/.exec(logs.find((l) => l.startsWith('using Packer')) ?? '')?.[1] ?? '';
  t.equal(stripped, /^1\.[0-9]\./.test(version), `Packer ${version}: required_plugins stripped only before 1.10, after the plan checked required_version`);
  t.notOk(existsSync(join(templateDir, 'usb.img')), 'the template directory is never written');
});

t.test('CLI: build --template <packer-maas>/vmware-esxi exits 1 with the command; --prepare reaches the SDK', async (t) => {
  const home = t.testdir();
  const iso = await esxiIso(home);
  const env = { PATH: process.env['PATH'] };
  const r = await cli(['build', '--iso', iso, '--template', join(standIn, 'vmware-esxi'), '--output', join(home, 'o')], { home, env });
  t.equal(r.code, 1, r.stderr);
  t.match(r.stderr, /Files the template needs: missing: usb\.img/);
  t.match(r.stderr, `make usb.img scripts.tar.xz`);
  t.notMatch(r.stderr, /running: packer build/);

  const p = await cli(['build', '--iso', iso, '--template', join(standIn, 'file-esxi'), '--output', join(home, 'p'), '--prepare'], { home, env });
  t.equal(p.code, 0, p.stderr);
  t.ok(existsSync(join(home, 'p', 'vmware-esxi.dd.gz')));

  const d = await cli(['doctor', '--template', join(standIn, 'vmware-esxi')], { home, env });
  t.equal(d.code, 1);
  t.match(d.stdout, /FAIL +Files the template needs +missing: usb\.img/);
});
