import t from 'tap';
import { rawDb } from '../fixtures/sqlite-db.js';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startMaasSimulator, type MaasSimulator } from '../../lib/testing/index.js';
import { cli } from '../fixtures/cli-harness.js';
import { KiB, makeImage, sha256Of, tempDir } from '../fixtures/upload-env.js';

async function sim(t: { teardown(fn: () => unknown): void }, era: '3.4' | '3.7' | '3.8' = '3.8'): Promise<MaasSimulator> {
  const s = await startMaasSimulator({ era, dataDir: join(tempDir(t), 'maas') });
  t.teardown(() => s.close());
  return s;
}

/** The API key, and each of its secret parts, must never appear in any output. */
function assertNoSecret(t: { notOk: (v: unknown, msg: string) => unknown }, key: string, ...outputs: string[]): void {
  const [, tokenKey, secret] = key.split(':');
  for (const o of outputs) {
    t.notOk(o.includes(secret!), 'token secret never printed');
    t.notOk(o.includes(tokenKey!), 'token key never printed');
  }
}

t.test('login → list → logout round trip; the DB row is readable by plain SQLite', async (t) => {
  const s = await sim(t);
  const home = tempDir(t);
  const login = await cli(['login', 'admin', s.url, '-', '--json'], { home, stdin: `${s.adminKey}\n` });
  t.equal(login.code, 0, login.stderr);
  t.match(login.stderr, /You are now logged in to the MAAS server at http:\/\/127\.0\.0\.1:\d+\/MAAS\/api\/2\.0\/ with the profile name 'admin'/);
  t.same(JSON.parse(login.stdout), { name: 'admin', url: `${s.apiUrl}`, anonymous: false, cacerts: false });
  const db = join(home, '.maascli.db');
  t.equal(statSync(db).mode & 0o777, 0o600);
  // A plain SQLite query, as any SQLite client (and the official CLI) would read the row.
  const sqlite = rawDb(db, true);
  const r = sqlite.prepare('SELECT name, typeof(data) AS kind, data FROM profiles').get() as { name: string; kind: string; data: string };
  sqlite.close();
  const row = `${r.name}|${r.kind}|${r.data}`;
  t.match(row, /^admin\|text\|\{"credentials": \[/, 'official format: TEXT data, json.dumps separators');
  t.match(row, /"description": \{/, 'a real describe/ document is stored for the official CLI');

  const list = await cli(['list'], { home });
  t.equal(list.code, 0);
  t.equal(list.stdout, `admin ${s.apiUrl}\n`);
  assertNoSecret(t, s.adminKey, login.stdout, login.stderr, list.stdout, list.stderr);

  const out = await cli(['logout', 'admin'], { home });
  t.equal(out.code, 0);
  t.equal((await cli(['list'], { home })).stdout, '');
});

t.test('login with a rejected key: exit 1 with the maas CLI text, nothing written', async (t) => {
  const s = await sim(t);
  const home = tempDir(t);
  const bad = 'aaaaaaaaaaaaaaaaaa:bbbbbbbbbbbbbbbbbb:cccccccccccccccccccccccccccccccc';
  const r = await cli(['login', 'admin', s.url, bad], { home });
  t.equal(r.code, 4, 'authentication refused → exit 4');
  t.match(r.stderr, /The MAAS server rejected your API key\./);
  t.notOk(existsSync(join(home, '.maascli.db')), 'no profile written');
  assertNoSecret(t, bad, r.stdout, r.stderr);
  const malformed = await cli(['login', 'admin', s.url, 'not-a-key'], { home });
  t.equal(malformed.code, 1);
  t.match(malformed.stderr, /Malformed credentials string\. {2}Expected 3 colon-separated items, got 1\./);
});

t.test('an unknown profile says how to log in with the key on stdin, not on the command line (README: login with -)', async (t) => {
  const r = await cli(['nosuch', 'boot-resources', 'read'], { home: tempDir(t) });
  t.equal(r.code, 2);
  t.match(r.stderr, /Unknown profile 'nosuch'\. Log in first: maas-esxi login nosuch http:\/\/HOST:5240\/MAAS\/ - \(the API key on stdin\)/);
  t.notMatch(r.stderr, /\bAPI_KEY\b/, 'no key placeholder on the command line (it would show in ps)');
  t.equal(r.stdout, '');
  const j = await cli(['nosuch', 'boot-resources', 'read', '--json'], { home: tempDir(t) });
  t.equal(JSON.parse(j.stdout).error.name, 'MaasConfigError', '--json: the error is the one JSON document');
});

t.test('the maas CLI command line works verbatim; non-TTY progress is periodic lines; stdout is the resource', async (t) => {
  const s = await sim(t);
  const home = tempDir(t);
  await cli(['login', 'admin', s.url, s.adminKey], { home });
  const image = makeImage(home, 600 * KiB);
  const r = await cli(
    ['admin', 'boot-resources', 'create', 'name=esxi/8.0', 'title=VMware ESXi 8.0', 'architecture=amd64/generic', 'filetype=ddgz', 'content@=vmware-esxi.dd.gz', '--chunk-size', '64KiB'],
    { home },
  );
  t.equal(r.code, 0, r.stderr);
  const resource = JSON.parse(r.stdout);
  t.equal(resource.name, 'esxi/8.0');
  t.equal(resource.type, 'Uploaded');
  const file = Object.values(Object.values(resource.sets as Record<string, { files: Record<string, { complete: boolean; filename_on_disk: string }> }>)[0]!.files)[0]!;
  t.equal(file.complete, true);
  t.equal(await sha256Of(join(s.dataDir, 'files', file.filename_on_disk)), image.sha256);
  t.match(r.stderr, /^Hashing the image/m);
  t.match(r.stderr, /^uploading \d.* \/ \d.* \(\d+\.\d%\)/m, 'plain progress lines off a TTY');
  t.notMatch(r.stderr, /\u001b\[/, 'no escape codes off a TTY');
  t.match(r.stderr, /Uploaded esxi\/8\.0 .* as boot resource \d+/);
  assertNoSecret(t, s.adminKey, r.stdout, r.stderr);

  const again = await cli(['admin', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', 'filetype=ddgz', `content@=${image.path}`], { home });
  t.equal(again.code, 0);
  t.match(again.stderr, /An identical image is already in MAAS/);

  const quiet = await cli(['admin', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${image.path}`, '--quiet'], { home });
  t.equal(quiet.stderr, '', '--quiet prints nothing on stderr');
});

t.test('on a TTY the progress is a bar with bytes, rate and ETA', async (t) => {
  const s = await sim(t);
  const home = tempDir(t);
  const image = makeImage(home, 600 * KiB);
  s.faults.latency(40);
  const r = await cli(['env', 'create', 'name=esxi/7.0', 'architecture=amd64/generic', `content@=${image.path}`, '--chunk-size', '64KiB'], {
    home,
    tty: true,
    env: { MAAS_API_URL: s.url, MAAS_API_KEY: s.adminKey },
  });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /uploading +\[[=-]+\] \d+\.\d% \| .* \/ .* \| .*\/s \| ETA /, 'a bar');
  t.match(r.stderr, /filetype not given; using filetype=ddgz/);
  t.equal(JSON.parse(r.stdout).title, 'VMware ESXi 7.0', 'ESXi title defaulted as MAAS formats it');
  assertNoSecret(t, s.adminKey, r.stdout, r.stderr);
});

t.test('--json prints exactly one document; --dry-run writes nothing', async (t) => {
  const s = await sim(t);
  const home = tempDir(t);
  const image = makeImage(home, 200 * KiB);
  const env = { MAAS_API_URL: s.url, MAAS_API_KEY: s.adminKey };
  const dry = await cli(['env', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${image.path}`, '--dry-run', '--json'], { home, env });
  t.equal(dry.code, 0, dry.stderr);
  const plan = JSON.parse(dry.stdout);
  t.equal(plan.action, 'create');
  t.equal(plan.sha256, image.sha256);
  t.notOk(s.requests.some((r) => r.method !== 'GET'), 'dry run made no writes');
  const real = await cli(['env', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${image.path}`, '--json'], { home, env });
  const doc = JSON.parse(real.stdout);
  t.same(Object.keys(doc), ['resource', 'upload']);
  t.equal(doc.upload.sha256, image.sha256);
});

t.test('usage and input errors: one line with the fix, documented exit codes', async (t) => {
  const s = await sim(t);
  const home = tempDir(t);
  const env = { MAAS_API_URL: s.url, MAAS_API_KEY: s.adminKey };
  const image = makeImage(home, 100 * KiB);
  const cases: Array<[string[], number, RegExp]> = [
    [['env', 'create', 'name=esxi/8.0', 'architecture=amd64/generic'], 2, /Missing content\. Name the image with content@=FILE/],
    [['env', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', 'contnet@=x.dd.gz'], 2, /Missing content \(you wrote contnet@=; did you mean content@=\?\)\. Name the image with content@=FILE/],
    [['env', 'create', 'name=esxi/8.0', 'architecure=amd64/generic', `content@=${image.path}`], 2, /Missing architecture \(you wrote architecure=; did you mean architecture=\?\)\./],
    [['env', 'create', 'novalue'], 2, /'novalue' is not a name=value or name@=filename pair/],
    [['env', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', 'content@='], 2, /content@= names no file/],
    [['env', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', 'content=x.gz'], 2, /content must name a file with @=/],
    [['env', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', 'filetype=ddtgz', `content@=${image.path}`], 1, /filetype=ddtgz expects .* Use filetype=ddgz/],
    [['env', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', 'content@=/nonexistent.dd.gz'], 1, /No such file: \/nonexistent\.dd\.gz/],
    [['env', 'boot-resource', 'read', '999'], 2, /No BootResource matches the given query\./],
    [['env', 'boot-resource', 'read', 'abc'], 2, /'abc' is not a boot resource id/],
    [['env', 'frobnicate'], 2, /Unknown command 'frobnicate'; choose create, .*\. Run 'maas-esxi env --help' for usage\.$/m],
  ];
  for (const [args, code, text] of cases) {
    const r = await cli(args, { home, env });
    t.equal(r.code, code, `${args.join(' ')} → exit ${code}`);
    t.match(r.stderr, text);
    t.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr.trim()}`);
  }
  const perm = await cli(['env', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${image.path}`], { home, env: { MAAS_API_URL: s.url, MAAS_API_KEY: s.userKey } });
  t.equal(perm.code, 4, 'permission refused → 4');
  t.match(perm.stderr, /can_edit_boot_entities/);
  assertNoSecret(t, s.userKey, perm.stdout, perm.stderr);
});

t.test('boot-resources read / boot-resource read|delete pass MAAS JSON through; uploads list/forget', async (t) => {
  const s = await sim(t);
  const home = tempDir(t);
  const env = { MAAS_API_URL: s.url, MAAS_API_KEY: s.adminKey };
  const image = makeImage(home, 600 * KiB);
  const ac = new AbortController();
  // Ctrl-C once chunks are flowing (the state exists from the create on).
  const watch = setInterval(() => {
    if (s.requests.filter((r) => r.method === 'PUT').length >= 2) ac.abort();
  }, 5);
  t.teardown(() => clearInterval(watch));
  s.faults.latency(60);
  const interrupted = await cli(['env', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${image.path}`, '--chunk-size', '64KiB'], { home, env, signal: ac.signal });
  t.equal(interrupted.code, 130, 'Ctrl-C → 130');
  t.match(interrupted.stderr, /interrupted .* state is saved\. Rerun the same command: an upload resumes where it stopped\./);
  s.faults.latency(null);
  const list = await cli(['env', 'uploads', 'list', '--json'], { home, env });
  const pending = JSON.parse(list.stdout) as Array<{ id: string; name: string }>;
  t.equal(pending.length, 1);
  t.equal(pending[0]!.name, 'esxi/8.0');
  const all = JSON.parse((await cli(['env', 'boot-resources', 'read', 'type=uploaded'], { home, env })).stdout) as Array<{ id: number }>;
  t.equal(all.length, 1);
  const one = JSON.parse((await cli(['env', 'boot-resource', 'read', String(all[0]!.id)], { home, env })).stdout);
  t.ok(one.sets, 'read one has sets');
  const forget = await cli(['env', 'uploads', 'forget', pending[0]!.id.slice(0, 6), '--delete-remote'], { home, env });
  t.equal(forget.code, 0, forget.stderr);
  t.same(JSON.parse((await cli(['env', 'uploads', 'list', '--json'], { home, env })).stdout), []);
  t.same(JSON.parse((await cli(['env', 'boot-resources', 'read', 'type=uploaded'], { home, env })).stdout), [], 'no orphaned MAAS resource');
  t.same(readdirSync(join(home, '.local', 'state', 'maas-esxi', 'uploads')), []);
});

t.test('completion prints a shell script; --help and --version go to stdout', async (t) => {
  const home = tempDir(t);
  const c = await cli(['completion'], { home });
  t.equal(c.code, 0);
  t.match(c.stdout, /maas-esxi/);
  t.match(c.stdout, /complete|compdef/);
  const h = await cli(['--help'], { home });
  t.match(h.stdout, /login <profile> <url>/);
  const v = await cli(['--version'], { home });
  t.match(v.stdout, /^\d+\.\d+\.\d+/);
});
