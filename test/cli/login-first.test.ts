import t from 'tap';
import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { runCli } from '../../lib/cli/main.js';
import type { CliIO } from '../../lib/cli/output.js';
import { cli } from '../fixtures/cli-harness.js';
import { tempDir } from '../fixtures/upload-env.js';

// The login a new user types first.
t.test('a URL without /MAAS/ says the URL needs it', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  const root = sim.url.replace(/MAAS\/$/, '');
  const r = await cli(['login', 'admin', root, sim.adminKey], { home });
  t.equal(r.code, 2, r.stderr);
  t.match(r.stderr, /the URL needs the \/MAAS\/ path\. Write it as http:\/\/127\.0\.0\.1:\d+\/MAAS\/\./);
  t.notMatch(r.stderr, /Not found: HTTP 404/);
});

// The fix is scheme, host and port plus /MAAS/, whatever path was written instead.
t.test('a wrong path (/api/2.0/, /MAS/) is replaced by /MAAS/, not extended', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  const origin = new URL(sim.url).origin;
  for (const path of ['/api/2.0/', '/MAS/']) {
    const r = await cli(['login', 'w', `${origin}${path}`, '-'], { home, stdin: `${sim.adminKey}\n` });
    t.equal(r.code, 2, r.stderr);
    t.match(r.stderr, `Write it as ${origin}/MAAS/.\n`, path);
  }
});

t.test('MAAS_API_URL without /MAAS/: the same hint, not a bare 404', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  const origin = new URL(sim.url).origin;
  const r = await cli(['env', 'boot-resources', 'read'], { home, env: { MAAS_API_URL: `${origin}/`, MAAS_API_KEY: sim.adminKey } });
  t.equal(r.code, 1, 'a bad configured URL is a local error, as checkMaasUrl rules');
  t.equal(r.stderr, `maas-esxi: error: No MAAS API at ${origin}/api/2.0/boot-resources/ (HTTP 404): the URL needs the /MAAS/ path. Write it as ${origin}/MAAS/.\n`);
  // MAAS's own 404 (an unknown id) keeps its text.
  const known = await cli(['env', 'boot-resource', 'read', '999'], { home, env: { MAAS_API_URL: sim.url, MAAS_API_KEY: sim.adminKey } });
  t.match(known.stderr, /Not found: No BootResource matches/);
});

t.test('on a TTY without a key, login prompts for it with hidden input', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  let stdout = '';
  let stderr = '';
  const modes: boolean[] = [];
  const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: (on: boolean) => (modes.push(on), stdin) });
  const io: CliIO = {
    stdout: { write: (s: string) => ((stdout += s), true), isTTY: true, columns: 100 },
    stderr: { write: (s: string) => ((stderr += s), true), isTTY: true, columns: 100 },
    stdin,
    env: { XDG_STATE_HOME: join(home, 'state'), NO_COLOR: '1' },
    cwd: home,
    home,
  };
  const done = runCli(['login', 'admin', sim.url], io);
  // Type the key once the prompt is shown (an event, not a sleep).
  const deadline = Date.now() + 10_000;
  while (!stderr.includes('API key') && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  t.match(stderr, /API key for profile 'admin' \(input hidden\): $/);
  stdin.write(`${sim.adminKey}\r`);
  const code = await done;
  t.equal(code, 0, stderr);
  t.same(modes, [true, false], 'raw mode (no echo) while typing, restored after');
  t.notOk((stdout + stderr).includes(sim.adminKey), 'the key is never echoed or printed');
  t.match(stdout, /You are now logged in/);
});

// A profile named like a command is saved and then never reached: refused, with the right reason.
t.test('login refuses command words as profile names, and saves nothing', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  const reasons: Array<[string, string]> = [
    ['inspect', "'inspect' cannot be a profile name: 'maas-esxi inspect' runs that command. Choose another name, e.g. admin.\n"],
    ['list', "'list' cannot be a profile name: 'maas-esxi list' runs that command. Choose another name, e.g. admin.\n"],
    ['env', "'env' cannot be a profile name: it names the profile read from MAAS_API_URL and MAAS_API_KEY. Choose another name, e.g. admin.\n"],
  ];
  for (const [name, line] of reasons) {
    const r = await cli(['login', name, sim.url, '-'], { home, stdin: `${sim.adminKey}\n` });
    t.equal(r.code, 2, `${name}: a usage error`);
    t.equal(r.stderr, `maas-esxi: error: ${line}`);
  }
  t.notOk(sim.requests.some((q) => q.path.includes('whoami')), 'refused before asking MAAS');
  t.equal((await cli(['list'], { home })).stdout, '', 'no profile saved');
});
