// README's quick start, tried for real as a new, air-gapped operator would: a fresh copy of the
// repository (what a clone has), a fresh HOME (no npm `nodedir` in any npm config, no node-gyp
// header cache), and `npm run demo` as the first command: scripts/ensure-install.mjs runs `npm ci`,
// then the build, then the demo (scripts/demo.mjs). node-gyp's header download
// (NODEJS_ORG_MIRROR, https://github.com/nodejs/node-gyp#environment-variables) points at a server
// on 127.0.0.1 that logs every request: no request may reach it (the headers come from the
// running Node's own prefix, or nothing is compiled at all).
// One test for two promises, so CI installs the copy once per Node.js line: the quick start works
// from a fresh clone (README "Quick start"), and the install needs no internet (README "Install").
// .ci/run runs it under Node.js 20, 22 and 24: on 22 and 24 nothing is compiled (node:sqlite,
// no install scripts) and the demo must pass; on 20 better-sqlite3 is built from the local headers
// and the demo passes, or the demo fails with the one-line explanation
// (https://nodejs.org/api/sqlite.html).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import t, { type Test } from 'tap';
import { defaultSqliteBackend } from '../../lib/profiles/sqlite.js';
import { NO_TAP_HOOK } from '../fixtures/no-tap-hook.js';

const MINUTE = 60_000;
t.setTimeout(15 * MINUTE);

/** An HTTP server on 127.0.0.1 that answers 404 to everything and remembers what was asked. */
async function loggingMirror(t: Test): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { url: `http://127.0.0.1:${address.port}`, requests };
}

/**
 * Where the clone compiles better-sqlite3 (Node 20), the compiler runs through ccache when it is
 * installed (.ci/run installs it): the fresh clone still runs node-gyp, make and the compiler on
 * the sources npm just unpacked, but a compile seen by an earlier run (same sources, flags and
 * headers) is answered from ccache's store in .ci/run's cache folder instead of taking minutes
 * (https://ccache.dev/manual/4.7.html: Debian's /usr/lib/ccache masquerade, base_dir, hash_dir).
 * base_dir is the scratch folder, so its random name never reaches the cache key.
 */
function compilerCache(scratch: string): { pathPrefix: string; env: Record<string, string> } {
  if (defaultSqliteBackend() === 'node:sqlite' || !existsSync('/usr/lib/ccache/g++')) return { pathPrefix: '', env: {} };
  const ciCache = process.env['MAAS_ESXI_CI_CACHE'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'maas-esxi-ci');
  return { pathPrefix: '/usr/lib/ccache:', env: { CCACHE_DIR: join(ciCache, 'ccache'), CCACHE_BASEDIR: scratch, CCACHE_NOHASHDIR: 'true' } };
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

t.test(`README's quick start on a fresh clone under Node.js ${process.version}: npm run demo, no nodedir, no header download`, async (t) => {
  // Outside the repository, so that no test scanning the repository's files meets the copy.
  const dir = mkdtempSync(join(tmpdir(), 'maas-esxi-fresh-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const clone = join(dir, 'clone');
  mkdirSync(join(dir, 'home'));
  freshCopy(clone);
  const mirror = await loggingMirror(t);
  const cache = spawnSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).stdout.trim();
  // Nothing of this session's npm settings: only PATH (this Node.js first), the fresh HOME, and
  // npm's download cache (packages still come from the registry when missing there). No tap hook:
  // nothing under npm runs this checkout's code, so its coverage would only be dropped.
  const ccache = compilerCache(dir);
  const env = { PATH: `${ccache.pathPrefix}${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`, HOME: join(dir, 'home'), npm_config_cache: cache, npm_config_prefer_offline: 'true', NODEJS_ORG_MIRROR: mirror.url, CI: 'true', ...ccache.env, ...NO_TAP_HOOK };
  const run = async (args: string[]) => {
    const started = Date.now();
    // Asynchronous: the mirror answers from this process while npm runs.
    const r = await new Promise<{ status: number | null; log: string }>((resolve) => {
      const child = spawn('npm', args, { cwd: clone, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let log = '';
      child.stdout.on('data', (d: Buffer) => (log += d.toString()));
      child.stderr.on('data', (d: Buffer) => (log += d.toString()));
      child.on('close', (status) => resolve({ status, log }));
    });
    t.comment(`npm ${args.join(' ')}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return r;
  };

  const nodedir = await run(['config', 'get', 'nodedir']);
  t.equal(nodedir.log.trim(), 'undefined', 'precondition: no nodedir in any npm config');

  const demo = await run(['run', 'demo']);
  t.match(demo.log, /maas-esxi: installing dependencies \(npm ci /, 'the quick start installed the fresh clone itself');
  t.same(mirror.requests, [], "nothing asked node-gyp's download mirror for headers");
  // @swc/core (the tests' transpiler) has its platform binary as an optional package; without it
  // its postinstall downloads @swc/wasm (docs/dependencies.md#swc).
  t.ok(existsSync(join(clone, 'node_modules', '@swc', 'core', 'package.json')), '@swc/core installed');
  t.notOk(existsSync(join(clone, 'node_modules', '@swc', 'wasm')), 'no @swc/wasm fallback was downloaded');
  if (defaultSqliteBackend() === 'node:sqlite') {
    t.equal(demo.status, 0, 'the demo passes', { log: demo.status === 0 ? '' : demo.log.slice(-3000) });
    t.notMatch(demo.log, /ExperimentalWarning/, 'no SQLite warning shown');
  } else if (demo.status !== 0) {
    // Node 20 without a better-sqlite3 build: the one line, not a stack.
    t.match(demo.log, /maas-esxi: error: Node\.js [\d.]+ has no built-in SQLite and the better-sqlite3 addon did not install, so the maas CLI profile database cannot be read\. Use Node\.js 22 or 24, or install python3, make and g\+\+ and reinstall against this Node's own headers: `(npm_config_nodedir=\S+ )?npm install -g maas-esxi` \(in a clone: `node scripts\/ensure-install\.mjs --force`\)\./);
    t.notMatch(demo.log, /at Module\._load|bindings file/, 'no loader stack');
  } else {
    t.pass('Node 20: better-sqlite3 built from the local headers and the demo passed');
  }
});
