import t from 'tap';
import { join } from 'node:path';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { GROUPS, PROFILE, TOP_LEVEL } from '../../lib/cli/commands/index.js';
import { commandName } from '../../lib/cli/command.js';
import { cli, ctrlCOnceAcked } from '../fixtures/cli-harness.js';
import { makeImage, tempDir } from '../fixtures/upload-env.js';

t.test('global flags are accepted before the profile, as in maas', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  await cli(['login', 'admin', sim.url, sim.adminKey], { home });
  const unknown = await cli(['--json', 'nope', 'boot-resources', 'read'], { home });
  t.equal(unknown.code, 2);
  t.match(JSON.parse(unknown.stdout).error.message, /^Unknown profile 'nope' \(profiles: admin\)\.$/, '--json first: the profile is still the first word');
  for (const flag of ['--json', '-q', '--quiet', '-d', '--debug']) {
    const r = await cli([flag, 'admin', 'boot-resources', 'read'], { home });
    t.equal(r.code, 0, `${flag} before the profile: ${r.stderr}`);
    t.ok(Array.isArray(JSON.parse(r.stdout)), `${flag} first: the result is printed`);
    if (flag === '-d' || flag === '--debug') t.match(r.stderr, /GET .*boot-resources\//, `${flag}: the HTTP trace is on`);
    else t.equal(r.stderr, '', `${flag}: nothing on stderr`);
  }
  const image = makeImage(home, 300 * 1024);
  const dry = await cli(['--dry-run', '--chunk-size', '64KiB', 'admin', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${image.path}`], { home });
  t.equal(dry.code, 0, dry.stderr);
  t.match(dry.stdout, /Would create a boot resource and send 3 chunks of 64\.0 KiB, the last \d+\.\d KiB\./);
  t.notOk(sim.requests.some((q) => q.method !== 'GET'), '--dry-run first still writes nothing');
  const cacerts = await cli(['--cacerts', join(home, 'none.pem'), '-k', 'admin', 'boot-resources', 'read'], { home });
  t.equal(cacerts.code, 2, 'a value-taking global flag before the profile keeps its value (and -k with it is a usage error)');
  t.match(cacerts.stderr, /cacerts|insecure/);
});

t.test('a usage error suggests a help command that works', async (t) => {
  const home = tempDir(t);
  const env = { MAAS_API_URL: 'http://127.0.0.1:9/MAAS/', MAAS_API_KEY: 'a:b:c' };
  const cases: Array<[string[], string]> = [
    [['env', 'boot-resources', 'frobnicate'], 'env boot-resources --help'],
    [['env', 'create', 'name=x', '--frob'], 'env create --help'],
    [['env', 'boot-resources', 'read', '--nope'], 'env boot-resources read --help'],
    [['--json', 'build', '--nope'], 'build --help'],
  ];
  for (const [args, help] of cases) {
    const r = await cli(args, { home, env });
    t.equal(r.code, 2, args.join(' '));
    const hint = /Run 'maas-esxi (.*)' for usage\./.exec(r.stderr + r.stdout);
    t.equal(hint?.[1], help, `${args.join(' ')} suggests ${help}`);
    const h = await cli(help.split(' '), { home, env });
    t.equal(h.code, 0, `${help} works`);
    t.match(h.stdout, /maas-esxi/);
  }
});

t.test("each command's help lists its fields and 2–3 examples", async (t) => {
  const home = tempDir(t);
  const env = { MAAS_API_URL: 'http://127.0.0.1:9/MAAS/', MAAS_API_KEY: 'a:b:c' };
  const create = await cli(['env', 'boot-resources', 'create', '--help'], { home, env });
  t.equal(create.code, 0);
  t.match(create.stdout, /maas-esxi env boot-resources create \[data\.\.\]/, "create's own help, not the group's");
  for (const field of ['name=VALUE', 'architecture=VALUE', 'content@=FILE', 'filetype=VALUE', 'title=VALUE', 'base_image=VALUE', 'keep_old=true|false', 'sha256=VALUE', 'size=VALUE']) {
    t.match(create.stdout, new RegExp(`^  ${field.replace(/[|.]/g, '\\$&')}$`, 'm'), `field ${field}`);
  }
  t.match(create.stdout, /keep_old=true\|false\n +true keeps earlier uploads [^]*?Default: false\./);
  t.match(create.stdout, /Examples:\n  # the maas CLI line, verbatim\n  \$ maas-esxi admin boot-resources create/);
  const build = await cli(['build', '--help'], { home });
  t.match(build.stdout, /--kickstart-extra/);
  t.match(build.stdout, /MAAS_ESXI_ROOT_PASSWORD/);
  const bau = await cli(['env', 'build-and-upload', '--help'], { home, env });
  t.match(bau.stdout, /--kickstart-extra/);
  t.match(bau.stdout, /MAAS_ESXI_ROOT_PASSWORD/);
  t.match(bau.stdout, /keep_old=true\|false/);
  // Every command has 1–3 examples, each a maas-esxi line.
  for (const spec of [...TOP_LEVEL, ...PROFILE, ...GROUPS.flatMap((g) => g.commands)]) {
    t.ok(spec.examples.length >= 1 && spec.examples.length <= 3, `${commandName(spec)}: ${spec.examples.length} examples`);
    t.ok(spec.examples.every(([line]) => /(^|\s)maas-esxi /.test(line)), `${commandName(spec)}: examples are maas-esxi lines`);
  }
  const read = await cli(['env', 'boot-resources', 'read', '--help'], { home, env });
  t.match(read.stdout, /type=all\|synced\|uploaded\n +which resources\. Default: all\./);
});

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

// Saved upload state records the MAAS it went to (lib/upload/locate.ts, the fingerprint's apiUrl);
// README "Exit codes": a command line that cannot be used as typed is a usage error, exit 2.
t.test("uploads resume and forget --delete-remote refuse another profile's upload; nothing reaches that MAAS", async (t) => {
  const home = tempDir(t);
  const admin = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas-admin') });
  const site2 = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas-site2') });
  t.teardown(() => Promise.all([admin.close(), site2.close()]));
  t.equal((await cli(['login', 'admin', admin.url, admin.adminKey], { home })).code, 0);
  t.equal((await cli(['login', 'site2', site2.url, site2.adminKey], { home })).code, 0);

  const image = makeImage(home, 512 * 1024);
  const create = ['site2', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${image.path}`, '--chunk-size', '64KiB'];
  // Ctrl-C once site2's MAAS has acknowledged two chunks (its request log).
  const interrupt = ctrlCOnceAcked(t, site2, 2);
  site2.faults.latency(40);
  t.equal((await cli(create, { home, signal: interrupt })).code, 130, 'the upload to site2 stopped unfinished');
  site2.faults.latency(null);

  const [saved] = JSON.parse((await cli(['site2', 'uploads', 'list', '--json'], { home })).stdout) as Array<{ id: string; offset: number; resourceId: number }>;
  const id = saved!.id.slice(0, 4);
  const table = await cli(['admin', 'uploads', 'list'], { home });
  t.match(table.stdout.split('\n')[0], /^ID\s+PROFILE\s+MAAS\s+NAME\s+/, 'the table has PROFILE and MAAS columns');
  t.match(table.stdout.split('\n')[1], new RegExp(`^${saved!.id.slice(0, 12)}\\s+site2\\s+${site2.url.replace(/[.?]/g, '\\$&')}\\s+esxi/8\\.0`), 'the row names site2 and its MAAS');

  const adminBefore = admin.requests.length;
  const site2Before = site2.requests.length;
  const resume = await cli(['admin', 'uploads', 'resume', id], { home });
  t.equal(resume.code, 2, 'a usage error');
  t.equal(resume.stderr, `maas-esxi: error: Upload ${id} belongs to site2 (${site2.url}); run maas-esxi site2 uploads resume ${id}.\n`);
  const forget = await cli(['admin', 'uploads', 'forget', id, '--delete-remote'], { home });
  t.equal(forget.code, 2, 'a usage error');
  t.equal(forget.stderr, `maas-esxi: error: Upload ${id} belongs to site2 (${site2.url}); run maas-esxi site2 uploads forget ${id} --delete-remote.\n`);
  t.same(admin.requests.slice(adminBefore), [], "admin's MAAS received no request");
  t.same(site2.requests.slice(site2Before), [], "site2's MAAS received no request either");
  t.equal(admin.resource(saved!.resourceId), undefined, "admin's MAAS holds no such resource");
  t.equal(site2.resource(saved!.resourceId)?.sets && true, true, "site2's unfinished resource is still there");
  const after = JSON.parse((await cli(['site2', 'uploads', 'list', '--json'], { home })).stdout) as Array<{ id: string; offset: number }>;
  t.same(after.map((s) => [s.id, s.offset]), [[saved!.id, saved!.offset]], 'the resume state is intact');

  const right = await cli(['site2', 'uploads', 'resume', id], { home });
  t.equal(right.code, 0, right.stderr);
  t.equal(await site2.storedSha256(saved!.resourceId), image.sha256, 'resumed on site2: its stored bytes are the image');
  t.same(admin.requests.slice(adminBefore), [], "admin's MAAS still received nothing");
});
