import t from 'tap';
import { join } from 'node:path';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { cli, ctrlCOnceAcked } from '../fixtures/cli-harness.js';
import { KiB, makeImage, tempDir } from '../fixtures/upload-env.js';

async function setup(t: { teardown(fn: () => unknown): void }) {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  const image = makeImage(home, 500 * KiB);
  const env = { MAAS_API_URL: sim.url, MAAS_API_KEY: sim.adminKey };
  const create = (name: string, ...flags: string[]) => ['env', 'create', `name=${name}`, 'architecture=amd64/generic', 'filetype=ddgz', `content@=${image.path}`, '--chunk-size', '64KiB', ...flags];
  return { home, sim, image, env, create };
}

t.test('--limit-rate is parsed and holds the rate; a bad rate is a usage error', async (t) => {
  const { home, env, create, image } = await setup(t);
  const bad = await cli(create('esxi/8.0', '--limit-rate', 'fast'), { home, env });
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--limit-rate 'fast' is not a rate/);
  const started = Date.now();
  const ok = await cli(create('esxi/8.0', '--limit-rate', '400K'), { home, env });
  t.equal(ok.code, 0, ok.stderr);
  t.ok(Date.now() - started >= (0.8 * image.size * 1000) / (400 * 1024), 'the limit slowed the upload');
});

t.test('the same image under a second name on 3.8: exit 2 with the choices; --same-image reuse reports it', async (t) => {
  const { home, env, create } = await setup(t);
  t.equal((await cli(create('esxi/8.0'), { home, env })).code, 0);
  const refused = await cli(create('esxi/8.0u1'), { home, env });
  t.equal(refused.code, 2);
  t.match(refused.stderr, /already holds this image/);
  t.match(refused.stderr, /--same-image reuse/);
  const reused = await cli(create('esxi/8.0u1', '--same-image', 'reuse'), { home, env });
  t.equal(reused.code, 0, reused.stderr);
  t.match(reused.stderr, /already in MAAS/);
});

t.test('Ctrl-C with a chunk on its way says what it waits for, then exits 130', async (t) => {
  const { home, env, create, sim } = await setup(t);
  sim.faults.add({ match: { method: 'PUT', nth: 3 }, action: { type: 'hang', ms: 400 } });
  const ac = new AbortController();
  const watch = setInterval(() => {
    const third = sim.requests.filter((r) => r.method === 'PUT')[2];
    if (third && third.bodyBytes > 0 && !ac.signal.aborted) ac.abort(new Error('SIGINT'));
  }, 5);
  t.teardown(() => clearInterval(watch));
  const run = await cli(create('esxi/8.0'), { home, env, signal: ac.signal });
  t.equal(run.code, 130, run.stderr);
  t.match(run.stderr, /waiting for MAAS to confirm the last chunk — Ctrl-C again to quit now/i);
  const rerun = await cli([...create('esxi/8.0'), '--json'], { home, env });
  t.equal(rerun.code, 0, rerun.stderr);
  t.equal((JSON.parse(rerun.stdout) as { upload: { bytesResent: number } }).upload.bytesResent, 0);
  t.equal(sim.requests.filter((r) => r.method === 'PUT' && r.status === 400).length, 0);
});

t.test('site1,site2 create passes --same-image to every site (refused without it: exit 2 per site)', async (t) => {
  const home = tempDir(t);
  const sims = [];
  for (const name of ['site1', 'site2']) {
    const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, `maas-${name}`) });
    t.teardown(() => sim.close());
    const login = await cli(['login', name, sim.url, '-'], { home, stdin: `${sim.adminKey}\n` });
    t.equal(login.code, 0, login.stderr);
    sims.push(sim);
  }
  const image = makeImage(home, 200 * KiB);
  const create = (name: string, ...flags: string[]) => ['site1,site2', 'create', `name=${name}`, 'architecture=amd64/generic', 'filetype=ddgz', `content@=${image.path}`, '--chunk-size', '64KiB', '--json', ...flags];
  t.equal((await cli(create('esxi/8.0'), { home })).code, 0);
  const refused = await cli(create('esxi/8.0u1'), { home });
  t.equal(refused.code, 2, refused.stderr);
  t.same((JSON.parse(refused.stdout) as { exitCode: number }[]).map((r) => r.exitCode), [2, 2]);
  const reused = await cli(create('esxi/8.0u1', '--same-image', 'reuse'), { home });
  t.equal(reused.code, 0, reused.stderr);
  t.same((JSON.parse(reused.stdout) as { action: string; bytes: number }[]).map((r) => [r.action, r.bytes]), [['already-present', 0], ['already-present', 0]]);
  for (const sim of sims) t.equal(sim.requests.filter((r) => r.method === 'POST').length, 1, 'no second resource created');
});

t.test('uploads resume takes the upload flags: --limit-rate holds the rate, a bad one is refused', async (t) => {
  const { home, env, create, sim, image } = await setup(t);
  const interrupt = ctrlCOnceAcked(t, sim, 2);
  sim.faults.latency(40);
  t.equal((await cli(create('esxi/8.0'), { home, env, signal: interrupt })).code, 130);
  sim.faults.latency(0);
  const list = JSON.parse((await cli(['env', 'uploads', 'list', '--json'], { home, env })).stdout) as { id: string; offset: number }[];
  t.equal(list.length, 1);
  const bad = await cli(['env', 'uploads', 'resume', list[0]!.id, '--limit-rate', '0.5K'], { home, env });
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--limit-rate 0\.5K is below 1K/);
  const started = Date.now();
  const resumed = await cli(['env', 'uploads', 'resume', list[0]!.id, '--limit-rate', '300K'], { home, env });
  t.equal(resumed.code, 0, resumed.stderr);
  t.ok(Date.now() - started >= (0.8 * (image.size - list[0]!.offset) * 1000) / (300 * 1024), 'the limit slowed the resumed upload');
});
