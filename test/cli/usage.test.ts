import t from 'tap';
import { join } from 'node:path';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { GROUPS, PROFILE, TOP_LEVEL } from '../../lib/cli/commands/index.js';
import { commandName } from '../../lib/cli/command.js';
import { cli } from '../fixtures/cli-harness.js';
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
