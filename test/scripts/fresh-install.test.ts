// An air-gapped operator's install, tried for real: a fresh copy of the repository, a fresh HOME (no npm `nodedir`
// in any npm config, no node-gyp header cache), node-gyp's header download blocked (its mirror,
// NODEJS_ORG_MIRROR, is a closed port on 127.0.0.1), then `npm ci` and the demo (scripts/demo.mjs)
// with the running Node.js. (Debian's Node 20 finds its own headers by its build prefix, so the
// addon builds there: https://github.com/nodejs/node-gyp `use_prefix_to_find_headers`.)
// .ci/run runs the suite under Node.js 20, 22 and 24, so this runs under each: on 22 and 24 both
// must pass (node:sqlite, nothing to compile); on 20 better-sqlite3 either builds from the local
// headers or the demo fails with the one-line explanation (https://nodejs.org/api/sqlite.html).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import t from 'tap';
import { defaultSqliteBackend } from '../../lib/profiles/sqlite.js';

const MINUTE = 60_000;
t.setTimeout(15 * MINUTE);

/** A port on 127.0.0.1 that nothing listens on: bound by us, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The repository's files as a fresh clone has them: tracked and new files, nothing git ignores. */
function freshCopy(to: string): void {
  const files = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' });
  if (files.status !== 0) throw new Error(`git ls-files failed: ${files.stderr}`);
  for (const file of files.stdout.split('\0').filter(Boolean)) {
    mkdirSync(join(to, dirname(file)), { recursive: true });
    try {
      cpSync(file, join(to, file));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; // deleted, not yet committed
    }
  }
}

t.test(`npm ci and the demo on a fresh clone under Node.js ${process.version}, no nodedir, no header download`, async (t) => {
  // Outside the repository, so that no test scanning the repository's files meets the copy.
  const dir = mkdtempSync(join(tmpdir(), 'maas-esxi-fresh-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const clone = join(dir, 'clone');
  mkdirSync(join(dir, 'home'));
  freshCopy(clone);
  const cache = spawnSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).stdout.trim();
  // Nothing of this session's npm settings: only PATH (this Node.js first), the fresh HOME, and
  // npm's download cache (packages still come from the registry when missing there).
  const env = {
    PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`,
    HOME: join(dir, 'home'),
    npm_config_cache: cache,
    npm_config_prefer_offline: 'true',
    // node-gyp's download location (https://github.com/nodejs/node-gyp#environment-variables).
    NODEJS_ORG_MIRROR: `http://127.0.0.1:${await closedPort()}`,
    CI: 'true',
  };
  const run = (args: string[]) => {
    const started = Date.now();
    const r = spawnSync('npm', args, { cwd: clone, env, encoding: 'utf8', timeout: 10 * MINUTE });
    t.comment(`npm ${args.join(' ')}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return { ...r, log: `${r.stdout}\n${r.stderr}` };
  };

  const nodedir = run(['config', 'get', 'nodedir']);
  t.equal(nodedir.stdout.trim(), 'undefined', 'precondition: no nodedir in any npm config');
  t.equal(run(['exec', '--', 'node', '-v']).stdout.trim(), process.version, 'precondition: npm runs this Node.js');

  const ci = run(['ci', '--no-audit', '--no-fund']);
  t.equal(ci.status, 0, 'npm ci exits 0 (the optional better-sqlite3 may fail to build)', { log: ci.status === 0 ? '' : ci.log.slice(-3000) });
  // The demo itself (`npm run demo` would run the build npm ci's prepare step has just run).
  const demo = run(['exec', '--', 'node', 'scripts/demo.mjs']);
  const log = demo.log;
  if (defaultSqliteBackend() === 'node:sqlite') {
    t.equal(demo.status, 0, 'the demo passes', { log: demo.status === 0 ? '' : log.slice(-3000) });
    t.notMatch(log, /ExperimentalWarning/, 'no SQLite warning shown');
  } else if (demo.status !== 0) {
    // Node 20 without a better-sqlite3 build: the one line, not a stack.
    t.match(log, /maas-esxi: error: Node\.js [\d.]+ has no built-in SQLite and the better-sqlite3 addon did not install, so the maas CLI profile database cannot be read\. Use Node\.js 22 or 24, or install python3, make and g\+\+ and run `npm rebuild better-sqlite3`\./);
    t.notMatch(log, /at Module\._load|bindings file/, 'no loader stack');
  } else {
    t.pass('Node 20: better-sqlite3 built from the local headers and the demo passed');
  }
});
