/**
 * Cancelling a real Packer build mid-step (docs/packer.md): done() rejects
 * promptly with MaasAbortError, no process of the build survives, the build dir is gone.
 */
import t, { type Test } from 'tap';
import { existsSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MaasAbortError } from '../../lib/errors/index.js';
import { startPackerBuild, type PackerBuild, type PackerEvent } from '../../lib/packer/index.js';
import { esxiLikeFiles, writeFakeIso } from '../fixtures/packer/fake-iso.js';
import { template } from '../fixtures/packer/paths.js';
import { isAlive, processesMentioning } from '../fixtures/packer/proc-scan.js';
import { pollUntil } from '../fixtures/poll.js';

async function startSleeping(t: Test, opts: { ignoreInterrupt: boolean; graceMs: number; signal?: AbortSignal }) {
  const work = t.testdir();
  const iso = join(work, 'esxi.iso');
  await writeFakeIso(iso, { volumeId: 'ESXI-8.0U3-24022510-STANDARD', files: esxiLikeFiles() });
  const build = startPackerBuild({
    iso,
    templateDir: template('sleep'),
    outputDir: work,
    graceMs: opts.graceMs,
    vars: { ignore_interrupt: opts.ignoreInterrupt ? 'yes' : 'no' },
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const events: PackerEvent[] = [];
  build.on('event', (e) => events.push(e));
  const sleeping = new Promise<void>((resolve) => {
    build.on('event', (e) => {
      if (e.type === 'ui' && e.text.includes('sleeping')) resolve();
    });
  });
  return { build, events, sleeping, work };
}

async function assertNothingLeft(t: Test, build: PackerBuild, buildDir: string, packerPid: number): Promise<void> {
  t.notOk(await isAlive(packerPid), 'packer itself has exited');
  const left = await processesMentioning(buildDir);
  t.same(left, [], 'no process of the build is left (env marker / cmdline scan of /proc)');
  t.notOk(existsSync(buildDir), 'build directory removed');
  t.equal(build.buildDir, null);
}

t.test('cancel() during a shell-local sleep: SIGINT to the group, Packer cleans up, done() rejects', async (t) => {
  // A grace period far past the step's 30 s sleep: a rejection before the sleep could end can only
  // come from Packer stopping on the SIGINT, never from our kill after the grace (no wall-clock
  // bound close to either, so a loaded machine cannot fail it).
  const { build, events, sleeping } = await startSleeping(t, { ignoreInterrupt: false, graceMs: 60_000 });
  const logs: string[] = [];
  build.on('log', (l) => logs.push(l));
  await sleeping;
  const buildDir = build.buildDir!;
  const pid = build.pid!;
  t.ok(buildDir && pid, 'running with a build dir and a pid');
  const started = Date.now();
  build.cancel('user pressed Ctrl-C');
  const err = await build.done().catch((e: unknown) => e);
  const took = Date.now() - started;
  t.type(err, MaasAbortError);
  t.equal((err as MaasAbortError).code, 'CANCELLED');
  t.match((err as Error).message, /user pressed Ctrl-C/);
  // Together the SIGINT's proof: the build ended long before its 30 s sleep and nothing was
  // killed by us. (Packer's own "Cancelling build after receiving interrupt" line is not: when the
  // group's SIGINT ends the shell step first, Packer 1.6.6 can exit on the step's error before its
  // signal handler prints — one fresh-clone CI run in many, 452 ms after cancel().)
  t.ok(took < 25_000, `rejected (${took} ms) before the 30 s sleep could end`);
  t.notOk(logs.some((l) => /did not stop within|killed leftover/.test(l)), 'Packer stopped on the SIGINT: nothing killed by us');
  t.ok(events.some((e) => e.type === 'phase' && e.name === 'cancel'));
  await assertNothingLeft(t, build, buildDir, pid);
});

t.test('a step that ignores SIGINT outlives Packer: killed after Packer exits / the grace period', async (t) => {
  const { build, sleeping } = await startSleeping(t, { ignoreInterrupt: true, graceMs: 1500 });
  const logs: string[] = [];
  build.on('log', (l) => logs.push(l));
  await sleeping;
  const buildDir = build.buildDir!;
  const pid = build.pid!;
  // "sleeping" is echoed just before the sleep starts: wait for its process, bounded.
  await pollUntil('the step\'s sleep 30 to start', async () => (await processesMentioning(buildDir)).some((p) => p.cmd.startsWith('sleep 30')));
  t.pass('the sleep is running');
  const started = Date.now();
  build.cancel();
  const err = await build.done().catch((e: unknown) => e);
  t.type(err, MaasAbortError);
  t.ok(Date.now() - started < 25_000, 'rejected without waiting for the 30 s sleep');
  t.ok(logs.some((l) => /killed leftover process \d+: sleep 30|did not stop within 1500 ms/.test(l)), 'the leftover was killed by us');
  await assertNothingLeft(t, build, buildDir, pid);
});

t.test('AbortSignal: already aborted → rejects without running Packer', async (t) => {
  const work = t.testdir();
  const ac = new AbortController();
  ac.abort('no thanks');
  const build = startPackerBuild({ iso: join(work, 'x.iso'), templateDir: template('sleep'), outputDir: work, signal: ac.signal });
  let ran = false;
  build.on('log', (l) => {
    if (l.startsWith('running:')) ran = true;
  });
  const err = await build.done().catch((e: unknown) => e);
  t.type(err, MaasAbortError);
  t.notOk(ran);
  t.equal(build.pid, undefined);
});

t.test('AbortSignal fired mid-build works like cancel()', async (t) => {
  const ac = new AbortController();
  const { build, sleeping } = await startSleeping(t, { ignoreInterrupt: false, graceMs: 60_0000_000, signal: ac.signal });
  await sleeping;
  const buildDir = build.buildDir!;
  const pid = build.pid!;
  ac.abort(new Error('shutdown'));
  const err = await build.done().catch((e: unknown) => e);
  t.type(err, MaasAbortError);
  await assertNothingLeft(t, build, buildDir, pid);
});

t.test('a Packer that ignores SIGINT is killed with its group after graceMs (stand-in packer)', async (t) => {
  const work = t.testdir();
  const fake = join(work, 'packer');
  await writeFile(
    fake,
    [
      '#!/bin/sh',
      'if [ "$1 $2" = "-machine-readable version" ]; then echo "1795631144,,version,1.6.6"; exit 0; fi',
      "trap '' INT TERM",
      'echo "1795631152,,ui,say,==> null.n: Running local shell script: stuck"',
      'sleep 60',
      '',
    ].join('\n'),
  );
  await chmod(fake, 0o755);
  const iso = join(work, 'esxi.iso');
  await writeFakeIso(iso, { volumeId: 'ESXI-8.0U3-24022510-STANDARD', files: esxiLikeFiles() });
  const build = startPackerBuild({ iso, templateDir: template('sleep'), outputDir: work, graceMs: 700, env: { ...process.env, PACKER_PATH: fake } });
  const logs: string[] = [];
  build.on('log', (l) => logs.push(l));
  await new Promise<void>((resolve) => build.on('phase', (p) => p.name === 'provision' && resolve()));
  const buildDir = build.buildDir!;
  const pid = build.pid!;
  const started = Date.now();
  build.cancel();
  const err = await build.done().catch((e: unknown) => e);
  const took = Date.now() - started;
  t.type(err, MaasAbortError);
  t.ok(took >= 600 && took < 5000, `waited the grace period, then killed (${took} ms)`);
  t.ok(logs.some((l) => l.includes('did not stop within 700 ms')));
  await assertNothingLeft(t, build, buildDir, pid);
});
