import t from 'tap';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { cli } from '../fixtures/cli-harness.js';
import { interruptCli } from '../fixtures/cli-process.js';
import { makeImage, tempDir } from '../fixtures/upload-env.js';

// A second Ctrl-C quits at once (lib/cli/run.ts), without waiting for MAAS to confirm the chunk in
// flight. The run still ends as every failure does: one closing line on stderr (the JSON error
// document on stdout with --json), exit 130, and the upload resumable.
t.test('a second Ctrl-C ends with a closing line (or the --json error document), exit 130, and the upload resumes', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  const env = { ...process.env, HOME: home, XDG_STATE_HOME: join(home, 'state'), XDG_CONFIG_HOME: join(home, 'config'), NO_COLOR: '1' };
  await cli(['login', 'admin', sim.url, sim.adminKey], { home, env });
  const image = makeImage(home, 2 * 1024 * 1024);
  const create = ['admin', 'create', 'name=custom/twice', 'architecture=amd64/generic', `content@=${image.path}`, '--chunk-size', '256K'];
  // The second chunk's answer is held back (MAAS applied it): the first Ctrl-C then waits for it
  // ("Waiting for MAAS to confirm the last chunk"), and the second one quits.
  const holdSecondAnswer = (): void => sim.faults.add({ match: { method: 'PUT', nth: 2 }, action: { type: 'hang', ms: 60_000 } });
  const held = (n: number) => (): boolean => sim.requests.filter((r) => r.fault === 'hang' && r.applied === true).length >= n;
  holdSecondAnswer();

  const plain = await interruptCli(create, env, held(1), 2);
  t.equal(plain.code, 130, plain.stderr);
  const last = plain.stderr.trimEnd().split('\n').at(-1);
  t.equal(last, 'maas-esxi: error: Interrupted twice: stopped at once. Rerun the same command: an upload resumes where it stopped.', plain.stderr);
  t.equal(plain.stdout, '', 'no result on stdout');
  t.equal(plain.stderr.split('\n').filter((l) => l.includes('maas-esxi: error:')).length, 1, 'the only closing line');

  sim.faults.clear();
  holdSecondAnswer();
  const json = await interruptCli(['--json', ...create, '--no-resume'], env, held(2), 2);
  t.equal(json.code, 130, json.stderr);
  const doc = JSON.parse(json.stdout) as { error: Record<string, unknown> };
  t.match(doc.error, { name: 'MaasAbortError', message: 'Interrupted twice: stopped at once.', code: 'ABORTED' }, json.stdout);

  sim.faults.clear();
  const resumed = await cli(create, { home, env });
  t.equal(resumed.code, 0, resumed.stderr);
  t.match(resumed.stderr, /Resuming /, 'the saved state was used');
  const resource = JSON.parse(resumed.stdout) as { sets: Record<string, { complete: boolean; files: Record<string, { sha256: string }> }> };
  const files = Object.values(resource.sets).flatMap((set) => (set.complete ? Object.values(set.files) : []));
  t.same(
    files.map((f) => f.sha256),
    [createHash('sha256').update(readFileSync(image.path)).digest('hex')],
    'MAAS holds the whole image: its sha256 checked on the final chunk',
  );
});

// Ctrl-C while the command line is still parsed (before the command runs): the notice is said
// all the same, and the run stops with exit 130 without touching MAAS.
t.test('a Ctrl-C before the command started: the notice, exit 130, no request', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  const image = makeImage(home, 256 * 1024);
  const ac = new AbortController();
  ac.abort(Object.assign(new Error('interrupted by SIGINT'), { signal: 'SIGINT' }));
  const r = await cli(['env', 'create', 'name=custom/early', 'architecture=amd64/generic', `content@=${image.path}`], {
    home,
    env: { MAAS_API_URL: sim.url, MAAS_API_KEY: sim.adminKey },
    signal: ac.signal,
  });
  t.equal(r.code, 130, r.stderr);
  t.match(r.stderr, /^maas-esxi: SIGINT received; stopping cleanly/m);
  t.notOk(sim.requests.some((q) => q.method === 'POST' || q.method === 'PUT'), 'nothing created or sent');
});
