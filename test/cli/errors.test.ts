import t from 'tap';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MaasApiClient } from '../../lib/http/api-client.js';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { cli } from '../fixtures/cli-harness.js';
import { closedPort } from '../fixtures/http-server.js';
import { makeImage, tempDir } from '../fixtures/upload-env.js';

const KEY = 'aaaaaaaaaaaaaaaaaa:bbbbbbbbbbbbbbbbbb:cccccccccccccccccccccccccccccccc';

t.test('a URL without a scheme is named, with the fix', async (t) => {
  const home = tempDir(t);
  const login = await cli(['login', 'x', 'maas.example:5240/MAAS', KEY], { home });
  t.equal(login.code, 2);
  t.equal(login.stderr, "maas-esxi: error: 'maas.example:5240/MAAS' (the login URL) is not a MAAS URL: it needs http:// or https:// and a host. Write it as http://maas.example:5240/MAAS/.\n");
  const ip = await cli(['login', 'x', '10.0.0.2', KEY], { home });
  t.match(ip.stderr, /'10\.0\.0\.2' \(the login URL\) is not a MAAS URL.* Write it as http:\/\/10\.0\.0\.2:5240\/MAAS\/\./);
  const env = await cli(['env', 'boot-resources', 'read'], { home, env: { MAAS_API_URL: 'maas:5240/MAAS/', MAAS_API_KEY: KEY } });
  t.equal(env.code, 2, 'a usage error, as from login');
  t.match(env.stderr, /MAAS_API_URL is not an http\(s\) URL: maas:5240\/MAAS\/\. Use the MAAS URL, e\.g\. http:\/\/HOST:5240\/MAAS\//);
  t.notOk(existsSync(join(home, '.maascli.db')), 'nothing saved');
});

t.test('login with an empty key is refused; --anonymous is the explicit way', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  const empty = await cli(['login', 'anon', sim.url, '-'], { home, stdin: '' });
  t.equal(empty.code, 2);
  t.match(empty.stderr, /No API key on stdin \(it was empty\)\. .* or pass --anonymous for a profile without one\./);
  t.notOk(existsSync(join(home, '.maascli.db')), 'no anonymous profile saved');
  const blank = await cli(['login', 'anon', sim.url, '  '], { home });
  t.equal(blank.code, 2);
  t.match(blank.stderr, /The API key is empty\./);
  const both = await cli(['login', 'anon', sim.url, KEY, '--anonymous'], { home });
  t.equal(both.code, 2);
  const anon = await cli(['login', 'anon', sim.url, '--anonymous', '--json'], { home });
  t.equal(anon.code, 0, anon.stderr);
  t.equal(JSON.parse(anon.stdout).anonymous, true);
  t.match(anon.stderr, /\(anonymous\)/);

  // With no key at all, MAAS's "Forbidden" is explained as such.
  const read = await cli(['anon', 'boot-resources', 'read'], { home });
  t.equal(read.code, 4);
  t.match(read.stderr, /MAAS refused the request \(HTTP 401 Forbidden\): no API key was sent, because profile 'anon' is anonymous\. Log in with a key: maas-esxi login anon URL - \(the API key on stdin\)\./);
  t.notMatch(read.stderr, /rejected the credentials/);
  const env = await cli(['env', 'boot-resources', 'read'], { home, env: { MAAS_API_URL: sim.url } });
  t.match(env.stderr, /no API key was sent, because MAAS_API_KEY is not set\. Set MAAS_API_KEY=/);
  const keyed = await cli(['env', 'boot-resources', 'read'], { home, env: { MAAS_API_URL: sim.url, MAAS_API_KEY: KEY } });
  t.equal(keyed.code, 4);
  t.match(keyed.stderr, /MAAS rejected the credentials/, 'a wrong key is still called a wrong key');
});

t.test('connection refused before MAAS ever answered fails at once; the hint says nothing listens', async (t) => {
  const home = tempDir(t);
  const url = `http://127.0.0.1:${await closedPort()}/MAAS/`;
  const started = Date.now();
  const r = await cli(['env', 'boot-resources', 'read'], { home, env: { MAAS_API_URL: url, MAAS_API_KEY: KEY } });
  t.equal(r.code, 5);
  t.notMatch(r.stderr, /retrying/, 'no retries');
  t.match(r.stderr, /ECONNREFUSED.* Nothing listens at 127\.0\.0\.1:\d+/);
  t.ok(Date.now() - started < 10_000, 'well under the old 12–14 s even on a loaded machine');
  const image = makeImage(home, 64 * 1024);
  const up = await cli(['env', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${image.path}`], { home, env: { MAAS_API_URL: url, MAAS_API_KEY: KEY } });
  t.equal(up.code, 5);
  t.notMatch(up.stderr, /retrying|Retrying/, 'create does not retry a refused first connection either');
});

t.test('https:// on a plain-HTTP MAAS fails at once; the hint names http:// and where the URL is set, not a rerun', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8' });
  t.teardown(() => sim.close());
  const url = sim.url.replace(/^http:/, 'https:');
  const hint = /closed the connection during the TLS handshake: if MAAS serves plain HTTP there \(as on port 5240\), use http:\/\/ in the MAAS URL \(the URL given to 'maas-esxi login', or MAAS_API_URL with the env profile\)\./;
  const login = await cli(['login', 'p', url, '-'], { home, stdin: `${sim.adminKey}\n` });
  t.equal(login.code, 5, login.stderr);
  t.match(login.stderr, hint);
  t.notMatch(login.stderr, /retrying|Rerun|resumes/, 'no retries, and no advice to rerun');
  t.notOk(existsSync(join(home, '.maascli.db')), 'no profile saved');
  const image = makeImage(home, 64 * 1024);
  const up = await cli(['env', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${image.path}`], { home, env: { MAAS_API_URL: url, MAAS_API_KEY: sim.adminKey } });
  t.equal(up.code, 5, up.stderr);
  t.match(up.stderr, hint);
  t.notMatch(up.stderr, /retrying|Rerun|resumes/);
  t.same(sim.requests.length, 0, 'MAAS never saw a request');
});

t.test('once MAAS has answered, a refused connection is retried (a region restarting)', async (t) => {
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const notices: string[] = [];
  const api = new MaasApiClient({ apiUrl: `http://127.0.0.1:${port}/MAAS/api/2.0/`, apiKey: null, backoff: { baseMs: 1, maxMs: 5, retries: 2 }, onRetry: (n) => notices.push(n.error.code ?? '') });
  t.teardown(() => api.close());
  await api.json('GET', 'version/');
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await t.rejects(api.json('GET', 'version/'), { code: 'ECONNREFUSED' });
  t.equal(notices.length, 2, 'retried with the usual budget');
  t.ok(notices.includes('ECONNREFUSED'), 'including the refused connections');
});

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The README exit-code table's row whose text names `phrase`: its code (the user's contract). */
function readmeCodeFor(phrase: string): number {
  const section = README.slice(README.indexOf('## Exit codes'));
  const rows = [...section.matchAll(/^\| (\d+) \| (.*) \|$/gm)].filter((m) => m[2]!.includes(phrase));
  if (rows.length !== 1) throw new Error(`README's exit-code table names '${phrase}' in ${rows.length} rows`);
  return Number(rows[0]![1]);
}

// One rule: what was typed and cannot be used as typed exits as a usage error; the local world
// (the file, TLS, the build host) as a local error. Each case with the README row that names it.
t.test('each input mistake exits with the code README gives its class', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  t.equal((await cli(['login', 'admin', sim.url, '-'], { home, stdin: `${sim.adminKey}\n` })).code, 0);
  // A valid ESXi-shaped image, so only the mistake under test can refuse the line.
  const image = makeImage(home, 256 * 1024, 'v.dd.gz').path;
  const ca = join(home, 'ca.pem');
  writeFileSync(ca, 'not a certificate\n');
  const create = (...fields: string[]) => ['admin', 'create', 'name=esxi/8.0', ...fields];
  const cases: Array<[string, string[], string]> = [
    ['-k with --cacerts (create)', [...create('architecture=amd64/generic', `content@=${image}`), '-k', '--cacerts', ca], '`-k` with `--cacerts`'],
    ['-k with --cacerts (login)', ['login', 'other', sim.url, sim.adminKey, '-k', '--cacerts', ca], '`-k` with `--cacerts`'],
    ['architecture without a subarchitecture', create('architecture=amd64', `content@=${image}`), '`architecture=amd64`'],
    ['an architecture MAAS refuses', create('architecture=x86_64/generic', `content@=${image}`), "MAAS's own checks refuse"],
    ['no architecture', create(`content@=${image}`), 'field that is missing'],
    ['a filetype that does not exist', create('architecture=amd64/generic', 'filetype=dd', `content@=${image}`), '`filetype=dd`'],
    ['a file whose content is not its filetype', create('architecture=amd64/generic', 'filetype=ddtgz', `content@=${image}`), 'content not what `filetype=` says'],
    ['a missing file', create('architecture=amd64/generic', `content@=${join(home, 'nope.dd.gz')}`), 'the file (missing'],
  ];
  for (const [what, args, phrase] of cases) {
    const r = await cli(args, { home });
    t.equal(r.code, readmeCodeFor(phrase), `${what}: ${r.stderr.trim()}`);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('maas-esxi: error:'));
    t.equal(errors.length, 1, `${what}: one error line`);
    t.match(errors[0], /\.$/, `${what}: ending as a sentence`);
  }
  t.same(sim.requests.filter((q) => q.method !== 'GET').map((q) => `${q.method} ${q.path}`), [], 'nothing half-made: no write reached MAAS');
});

// Before a first login every profile is unknown; a mistyped command after it is still news.
t.test('an unknown profile does not hide a mistyped command after it', async (t) => {
  const home = tempDir(t);
  const action = await cli(['admn', 'boot-resources', 'creat', 'name=esxi/8.0'], { home });
  t.equal(action.code, 2);
  t.match(action.stderr, /^maas-esxi: error: Unknown action 'creat' of boot-resources; did you mean create\? Also, 'admn' is not a profile: log in first \(maas-esxi login admn http:\/\/HOST:5240\/MAAS\/ -, the API key on stdin\)\.\n$/);
  const command = await cli(['admn', 'creat', 'name=esxi/8.0'], { home });
  t.match(command.stderr, /Unknown command 'creat'; did you mean create\? Also, 'admn' is not a profile/);
  const right = await cli(['admn', 'boot-resources', 'create', 'name=esxi/8.0'], { home });
  t.match(right.stderr, /^maas-esxi: error: Unknown profile 'admn'\. Log in first/, 'a right command: only the profile');
});
