import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { cli } from '../fixtures/cli-harness.js';
import { makeImage, tempDir } from '../fixtures/upload-env.js';

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
