import t from 'tap';
import { join } from 'node:path';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { cli, withoutEscapes } from '../fixtures/cli-harness.js';
import { esxiLikeFiles, writeFakeIso } from '../fixtures/packer/fake-iso.js';
import { template } from '../fixtures/packer/paths.js';
import { makeImage, tempDir } from '../fixtures/upload-env.js';

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
