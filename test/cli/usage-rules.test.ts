import t from 'tap';
import { join } from 'node:path';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { cli } from '../fixtures/cli-harness.js';
import { makeImage, tempDir } from '../fixtures/upload-env.js';

// One rule — whatever the user typed or set (argument, flag, environment
// variable) that cannot be used is a usage error, exit 2, quoting it as written.
t.test('a bad URL is exit 2 from login and from MAAS_API_URL alike', async (t) => {
  const home = tempDir(t);
  const login = await cli(['login', 'admin', 'maas:5240/MAAS/', 'a:b:c'], { home });
  const env = await cli(['env', 'boot-resources', 'read'], { home, env: { MAAS_API_URL: 'maas:5240/MAAS/', MAAS_API_KEY: 'a:b:c' } });
  t.equal(login.code, 2, login.stderr);
  t.equal(env.code, 2, env.stderr);
  t.match(env.stderr, /MAAS_API_URL/);
});

t.test('sizes out of range are usage errors shown as written', async (t) => {
  const home = tempDir(t);
  const image = makeImage(home, 64 * 1024);
  const env = { MAAS_API_URL: 'http://127.0.0.1:9/MAAS/', MAAS_API_KEY: 'a:b:c' };
  const base = ['env', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${image.path}`];
  for (const [flag, value] of [['--chunk-size', '20MiB'], ['--chunk-size', '1K'], ['--limit-rate', '10']] as const) {
    const r = await cli([...base, flag, value], { home, env });
    t.equal(r.code, 2, `${flag} ${value}: ${r.stderr}`);
    t.match(r.stderr, new RegExp(`${flag} ${value}\\b`), `${flag} ${value} is quoted as written`);
    t.notMatch(r.stderr, /20971520|1024 /, 'not as a byte count');
  }
});

t.test('create --wait-ready --timeout 1m is accepted, as wait-ready and deploy take --timeout', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  await cli(['login', 'admin', sim.url, sim.adminKey], { home });
  const image = makeImage(home, 64 * 1024);
  const r = await cli(['admin', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${image.path}`, '--wait-ready', '--timeout', '1m', '--poll', '1s', '--json'], { home });
  t.equal(r.code, 0, r.stderr);
  t.ok(JSON.parse(r.stdout).ready, 'the wait ran');
  const alone = await cli(['admin', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${image.path}`, '--timeout', '1m'], { home });
  t.equal(alone.code, 2, '--timeout without --wait-ready is a usage error');
  t.match(alone.stderr, /--timeout applies to --wait-ready\./);
});
