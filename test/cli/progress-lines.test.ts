import t from 'tap';
import { join } from 'node:path';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { cli, runContext, withoutEscapes } from '../fixtures/cli-harness.js';
import { createProgressView } from '../../lib/cli/progress-view.js';
import { pollUntil } from '../fixtures/poll.js';
import { KiB, makeImage, tempDir } from '../fixtures/upload-env.js';
import { esxiLikeFiles, writeFakeIso } from '../fixtures/packer/fake-iso.js';
import { template } from '../fixtures/packer/paths.js';

const CREATE = ['create', 'name=esxi/8.0', 'architecture=amd64/generic', 'filetype=ddgz'];
const count = (text: string, line: RegExp): number => text.split('\n').filter((l) => line.test(l)).length;

// One upload, one "Waiting for MAAS to verify" line: the wait is one step to a person, however
// many times the SDK reports it (after the last chunk, then while it polls the resource).
t.test('an upload says once that MAAS verifies the image', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  await cli(['login', 'admin', sim.url, sim.adminKey], { home });
  const image = makeImage(home, 256 * KiB);
  const r = await cli(['admin', ...CREATE, `content@=${image.path}`, '--chunk-size', '64KiB'], { home });
  t.equal(r.code, 0, r.stderr);
  t.equal(count(r.stderr, /Waiting for MAAS to verify the image/), 1, r.stderr);
});

// Off a TTY a person reads the log afterwards: its last hashing and uploading lines say 100 %,
// once each (the SDK throttles progress to ten events a second and dropped the last hash sample;
// the line view printed the finished upload line again for a second 100 % sample).
t.test('off a TTY: the last hashing and uploading lines are 100 %, printed once', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  await cli(['login', 'admin', sim.url, sim.adminKey], { home });
  // Many chunks, and one chunk (the whole file in the final PUT).
  for (const [i, kib] of [4096, 64].entries()) {
    const image = makeImage(home, kib * KiB, `image-${i}.dd.gz`);
    const r = await cli(['admin', ...CREATE, `content@=${image.path}`, '--chunk-size', '256KiB'], { home });
    t.equal(r.code, 0, r.stderr);
    for (const label of ['hashing', 'uploading']) {
      const lines = r.stderr.split('\n').filter((l) => l.startsWith(`${label} `));
      t.match(lines.at(-1), /\(100\.0%\)/, `${kib} KiB: the last ${label} line is 100 %: ${lines.join(' | ')}`);
      t.equal(lines.filter((l) => l.includes('(100.0%)')).length, 1, `${kib} KiB: one 100 % ${label} line`);
    }
  }
});

// The last chunk handed over is 100 % sent; then MAAS hashes the whole file before it answers.
// A person reads the 100 % first and the wait after it, and no bar or line redrawn after the
// wait (the answer's acknowledgement is the same 100 %).
t.test('the 100 % uploading line comes before "Waiting for MAAS to verify", and nothing is redrawn after it', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  await cli(['login', 'admin', sim.url, sim.adminKey], { home });
  for (const [i, tty] of [false, true].entries()) {
    const image = makeImage(home, 1024 * KiB, `order-${i}.dd.gz`);
    const r = await cli(['admin', ...CREATE, `content@=${image.path}`, '--chunk-size', '256KiB'], { home, tty });
    t.equal(r.code, 0, r.stderr);
    const text = withoutEscapes(r.stderr);
    const wait = text.indexOf('Waiting for MAAS to verify the image');
    t.ok(wait > 0, 'the wait is said');
    const before = text.slice(0, wait);
    t.match(before.slice(before.lastIndexOf('uploading')), /^uploading[^\n]*100\.0%/, `${tty ? 'TTY' : 'no TTY'}: the last progress before the wait is 100 %: ${JSON.stringify(text)}`);
    t.notMatch(text.slice(wait), /uploading|hashing/, `${tty ? 'TTY' : 'no TTY'}: no progress after the wait: ${JSON.stringify(text.slice(wait))}`);
  }
});

// On a slow link a chunk is handed to the kernel at once and acknowledged seconds later: no new
// sample comes for a long while. A person reading the log still gets a line every interval: the
// latest sample (printed or not), its ETA counted down; none after a log line or the end.
t.test('off a TTY: a quiet interval repeats the latest sample with its ETA counted down; not after a log line or the end', async (t) => {
  const { ctx, stderr } = runContext({ home: tempDir(t) });
  let now = 100_000;
  const view = createProgressView(ctx.out, { now: () => now, tickMs: 5 });
  t.teardown(() => view.stop());
  const lines = (): string[] => stderr().split('\n').filter((l) => l.startsWith('uploading '));
  const sample = (done: number, eta: number) => ({ label: 'uploading', phase: 'upload' as const, done, acked: 200, total: 1000, rate: 100, eta });
  const settle = () => new Promise((r) => setTimeout(r, 60)); // a dozen ticks of the 5 ms ticker
  view.update(sample(400, 8));
  now += 1_000;
  view.update(sample(600, 8)); // inside the interval: not printed, but the latest
  t.same(lines(), ['uploading 400 B / 1000 B (40.0%) 100 B/s ETA 8s']);
  now += 4_000; // 5 s after the first line, 4 s after the latest sample
  await pollUntil('the repeat', () => lines().length === 2, { timeoutMs: 5_000 });
  t.equal(lines()[1], 'uploading 600 B / 1000 B (60.0%) 100 B/s ETA 4s', 'the latest sample, its ETA 8 − 4 s');
  now += 2_000;
  await settle();
  t.equal(lines().length, 2, 'not before a whole interval');
  now += 3_000;
  await pollUntil('the next repeat', () => lines().length === 3, { timeoutMs: 5_000 });
  t.equal(lines()[2], 'uploading 600 B / 1000 B (60.0%) 100 B/s ETA 0s', 'counted down to 0, not below');
  view.log('Waiting: checking whether MAAS applied the chunk.');
  now += 10_000;
  await settle();
  t.equal(lines().length, 3, 'no repeat after a log line');
  view.update(sample(700, 3));
  view.update({ ...sample(1000, 0), acked: 1000 });
  now += 10_000;
  await settle();
  t.same(lines().slice(3), ['uploading 700 B / 1000 B (70.0%) 100 B/s ETA 3s', 'uploading 1000 B / 1000 B (100.0%) 100 B/s ETA 0s'], 'the end, and nothing repeated after it');
});

t.test('off a TTY: a second finished sample of the same phase prints no second 100 % line', async (t) => {
  const { ctx, stderr } = runContext({ home: tempDir(t) });
  let now = 1_000;
  const view = createProgressView(ctx.out, { now: () => now });
  const sample = { label: 'uploading', phase: 'upload' as const, done: 334, acked: 334, total: 334, rate: 0, eta: 0 };
  view.update(sample);
  now += 7;
  view.update(sample);
  t.equal(stderr().split('\n').filter((l) => l.includes('(100.0%)')).length, 1, stderr());
});

// Several sites show each site's progress as one site does (the same words and precision), each
// line prefixed with the site: no "90 %" rounded to tens, no bare phase names.
t.test('multi-site progress: the single-site lines, prefixed with the site', async (t) => {
  const home = tempDir(t);
  for (const name of ['site1', 'site2']) {
    const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, name) });
    t.teardown(() => sim.close());
    await cli(['login', name, sim.url, sim.adminKey], { home });
  }
  const image = makeImage(home, 320 * KiB);
  const r = await cli(['site1,site2', ...CREATE, `content@=${image.path}`, '--chunk-size', '64KiB'], { home });
  t.equal(r.code, 0, r.stderr);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('[site'));
  for (const site of ['site1', 'site2']) {
    t.ok(lines.includes(`[${site}] Creating the boot resource…`), `${site}: the single-site phase line`);
    // The single-site line at the end of the upload: "uploading 161 KiB / 161 KiB (100.0%) 1.2 MiB/s ETA 0s".
    t.ok(lines.some((l) => new RegExp(`^\\[${site}\\] uploading (\\S+ \\S+) / \\1 \\(100\\.0%\\) .+/s ETA \\S+$`).test(l)), `${site}: the single-site progress line at its end`);
    t.equal(count(r.stderr, new RegExp(`^\\[${site}\\] Waiting for MAAS to verify the image…$`)), 1, `${site}: verify said once`);
  }
  t.notOk(lines.some((l) => /^\[site\d\] (check|hash|locate|create|upload|verify|done)\b/.test(l)), `no bare phase names: ${lines.join(' | ')}`);
  t.notOk(lines.some((l) => /\d0 % \(/.test(l)), 'no progress rounded to tens');
});

// MAAS marks a machine Deployed when it fetches its user-data, part-way through our first boot
// (packer/vmware-esxi/README.md "Status events"): a step failing after that must not be followed
// by a line that reads like success.
t.test('deploy --wait: nothing says "now Deployed" after the FAILED verdict', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({
    era: '3.8',
    dataDir: join(home, 'maas'),
    deployStepMs: 5,
    machines: [{ hostname: 'esx-02', firstBoot: { failAt: 'persist', cause: 'the bootbank is read-only' } }],
  });
  t.teardown(() => sim.close());
  await cli(['login', 'admin', sim.url, sim.adminKey], { home });
  const image = makeImage(home, 64 * KiB);
  t.equal((await cli(['admin', ...CREATE, `content@=${image.path}`], { home })).code, 0);
  // A poll slower than the whole first boot: the status change and the verdict arrive in one read.
  const r = await cli(['admin', 'deploy', 'esx-02', '--image', 'esxi/8.0', '--wait', '--poll', '2s'], { home });
  t.equal(r.code, 6, r.stderr);
  const lines = r.stderr.split('\n');
  const failed = lines.findIndex((l) => /first boot FAILED at persist/.test(l));
  t.ok(failed >= 0, r.stderr);
  t.same(lines.slice(failed).filter((l) => /now Deployed/.test(l)), [], r.stderr);
});

const SAVE = '\u001b7';
const RESTORE = '\u001b8';

/**
 * What stderr wrote while a bar was drawn: cli-progress saves the cursor when a bar starts and
 * restores it when the bar stops, so a line written in between is drawn over afterwards.
 */
function linesUnderLiveBars(stderr: string): string[] {
  const torn: string[] = [];
  let from = stderr.indexOf(SAVE);
  while (from !== -1) {
    const end = stderr.indexOf(RESTORE, from);
    const live = stderr.slice(from, end === -1 ? undefined : end);
    if (live.includes('\n')) torn.push(withoutEscapes(live));
    from = end === -1 ? -1 : stderr.indexOf(SAVE, end);
  }
  return torn;
}

// Ctrl-C mid-upload on a terminal: the notice, the wait for the chunk in flight and the closing
// error each land on a line of their own below the stopped bar, none drawn over by it.
t.test('on a terminal, Ctrl-C: the notice and the closing line are written below the stopped bar, never under it', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  await cli(['login', 'admin', sim.url, sim.adminKey], { home });
  sim.faults.throttle(512 * 1024);
  const image = makeImage(home, 3 * 1024 * 1024);
  const ac = new AbortController();
  const watch = setInterval(() => {
    if (sim.requests.some((r) => r.method === 'PUT' && r.status === 200)) ac.abort(Object.assign(new Error('interrupted by SIGINT'), { signal: 'SIGINT' }));
  }, 5);
  t.teardown(() => clearInterval(watch));
  const r = await cli(['admin', 'create', 'name=custom/tty', 'architecture=amd64/generic', `content@=${image.path}`, '--chunk-size', '256KiB'], { home, tty: true, signal: ac.signal });
  t.equal(r.code, 130, r.stderr);
  t.ok(r.stderr.includes(SAVE), 'a bar was drawn');
  t.same(linesUnderLiveBars(r.stderr), [], 'no line written while a bar was live');
  const shown = withoutEscapes(r.stderr);
  t.match(shown, /\nmaas-esxi: SIGINT received; stopping cleanly \(press Ctrl-C again to quit at once\)…\n/, 'the notice on a line of its own');
  t.match(shown.trimEnd().split('\n').at(-1), /^maas-esxi: error: /, 'the closing line last');
  // --debug traces every request while the bar is drawn: each trace line ends the bar first.
  sim.faults.throttle(null);
  const other = makeImage(home, 1024 * 1024, 'debug.dd.gz');
  const traced = await cli(['admin', 'create', 'name=custom/traced', 'architecture=amd64/generic', `content@=${other.path}`, '--chunk-size', '256KiB', '--debug'], { home, tty: true });
  t.equal(traced.code, 0, traced.stderr);
  t.match(traced.stderr, /\n> PUT /, 'chunk PUTs were traced');
  t.same(linesUnderLiveBars(traced.stderr), [], '--debug: no trace line written while a bar was live');
});

// A build's status line on a terminal is redrawn in place (no newline): Ctrl-C's notice must end
// it first, not be glued to its end.
t.test('on a terminal, Ctrl-C during a build: the notice starts a line of its own after the status line', async (t) => {
  const home = tempDir(t);
  const iso = join(home, 'esxi.iso');
  await writeFakeIso(iso, { volumeId: 'ESXI-8.0U3-24022510-STANDARD', files: esxiLikeFiles(), dirs: ['EFI'] });
  const ac = new AbortController();
  let stderr = '';
  const watch = setInterval(() => {
    if (/\r\u001b\[2K\[.*\] /.test(stderr)) ac.abort(Object.assign(new Error('interrupted by SIGINT'), { signal: 'SIGINT' }));
  }, 20);
  t.teardown(() => clearInterval(watch));
  const r = await cli(['build', '--iso', iso, '--template', template('sleep'), '--output', join(home, 'o')], {
    home,
    env: { PATH: process.env['PATH'] },
    tty: true,
    signal: ac.signal,
    onStderr: (s) => (stderr += s),
  });
  t.equal(r.code, 130, r.stderr);
  t.match(r.stderr, /\r\u001b\[2K\[[^\n]*\nmaas-esxi: SIGINT received; stopping cleanly/, `the status line ended before the notice: ${JSON.stringify(r.stderr)}`);
});
