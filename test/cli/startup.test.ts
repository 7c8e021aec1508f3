import t from 'tap';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { modulesLoadedBy } from '../fixtures/modules-loaded.js';
import { tempDir } from '../fixtures/upload-env.js';
import { ProfileStore } from '../../lib/profiles/profile-store.js';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import * as nodeModule from 'node:module';

const bin = fileURLToPath(new URL('../../bin/maas-esxi.js', import.meta.url));

/** The module URLs the built CLI loads for `args`; the command must succeed. */
async function loadedBy(home: string, args: string[], name: string): Promise<string[]> {
  const r = await modulesLoadedBy(home, args, name);
  if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return r.modules;
}

// Help and a completion Tab start instantly because they load only the
// registry; the parser, the HTTP client and the upload engine load when a command runs.
// (Time and memory are measured by bench/startup.mjs; this guards what makes them small.)
t.test('help and completion load no yargs, undici, SDK client or upload engine', async (t) => {
  const home = tempDir(t);
  // node:v8 loads everywhere (lib/cli/run.ts sets V8 flags: it saves more than it costs).
  const heavy = /node_modules\/(yargs|undici|oauth-1\.0a)\/|dist\/(upload\/uploader|client\/maas-client|http\/transport|packer\/index)\.js|node:crypto$/;
  const lines: Array<[string, string[]]> = [
    ['help', ['--help']],
    ['create-help', ['admin', 'boot-resources', 'create', '--help']],
    ['login-help', ['login', '--help']],
    ['tab', ['__complete', '--cur', '', '--line', 'maas-esxi ']],
    ['tab-arch', ['__complete', '--cur', 'architecture=', '--line', 'maas-esxi admin create architecture=']],
  ];
  for (const [name, args] of lines) {
    const loaded = await loadedBy(home, args, name);
    t.ok(loaded.some((u) => u.includes('dist/cli/commands/index.js')), `${name}: the log sees the registry load`);
    t.same(loaded.filter((u) => heavy.test(u)), [], `${name}: nothing heavy loads`);
  }
  const run = await loadedBy(home, ['env', 'boot-resources', 'read', '--help'], 'read-help');
  t.notOk(run.some((u) => u.includes('yargs')), 'a help line of a profile command loads no yargs either');
});

// A Tab's memory (bench/startup.mjs: ≤ 50 MiB peak) grows with every module it loads: it loads
// lib/cli/complete-for-shell.ts, not the CLI's main module, and once the profile names are
// remembered for the DB's size and mtime, no SQLite either.
t.test('a Tab loads neither the main module nor, after the first, the profile store', async (t) => {
  const home = tempDir(t);
  const store = ProfileStore.open({ home, env: {} });
  store.save({ name: 'admin', url: 'http://127.0.0.1:5240/MAAS/api/2.0/', credentials: ['c', 't', 's'], description: null, cacerts: null });
  store.close();
  const tab = ['__complete', '--cur', '', '--line', 'maas-esxi '];
  const first = await loadedBy(home, tab, 'tab-1');
  t.ok(first.some((u) => u.endsWith('dist/profiles/profile-store.js')), 'the first Tab reads the profile DB');
  const second = await loadedBy(home, tab, 'tab-2');
  t.same(second.filter((u) => /dist\/(cli\/(main|help|output)|profiles\/(profile-store|sqlite))\.js$/.test(u)), [], 'the next Tab loads none of them');
  const names = spawnSync(process.execPath, [bin, ...tab], { env: { ...process.env, HOME: home, XDG_STATE_HOME: join(home, 'state') }, encoding: 'utf8' });
  t.match(names.stdout, /^admin$/m, 'and still offers the profile');
  // A login changes the DB, so the next Tab reads it again.
  const again = ProfileStore.open({ home, env: {} });
  again.save({ name: 'site2', url: 'http://127.0.0.1:5240/MAAS/api/2.0/', credentials: ['c', 't', 's'], description: null, cacerts: null });
  again.close();
  const after = spawnSync(process.execPath, [bin, ...tab], { env: { ...process.env, HOME: home, XDG_STATE_HOME: join(home, 'state') }, encoding: 'utf8' });
  t.match(after.stdout, /^site2$/m, 'a profile saved since is offered at once');
});

// bin/maas-esxi.js enables Node's module compile cache (Node ≥ 22.1, module.enableCompileCache)
// under the user's cache directory, and a cache that cannot be written never fails a command.
// Node 20 has no compile cache; 22.1+ has (https://nodejs.org/api/module.html#moduleenablecompilecachecachedir).
const supported = typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === 'function';

function help(home: string, cacheHome: string): { status: number | null; stdout: string; stderr: string } {
  const env = { ...process.env, HOME: home, XDG_STATE_HOME: join(home, 'state'), XDG_CACHE_HOME: cacheHome, NODE_COMPILE_CACHE: undefined, NODE_DISABLE_COMPILE_CACHE: undefined };
  return spawnSync(process.execPath, [bin, '--help'], { env, encoding: 'utf8' });
}

function filesUnder(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name) : [];
}

t.test(`the compile cache lands under $XDG_CACHE_HOME/maas-esxi/compile-cache (${supported ? 'this Node has it' : 'this Node has none: nothing is written'})`, async (t) => {
  const home = tempDir(t);
  const cache = join(home, 'cache');
  const r = help(home, cache);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^Usage: maas-esxi/);
  const files = filesUnder(join(cache, 'maas-esxi', 'compile-cache'));
  if (supported) t.ok(files.length > 0, `the cache holds compiled modules (${files.length} files)`);
  else t.same(files, [], 'no cache without Node support');
});

t.test('an unwritable cache directory changes nothing the user sees', async (t) => {
  const home = tempDir(t);
  const blocked = join(home, 'not-a-dir');
  writeFileSync(blocked, 'a file where the cache directory would go');
  const r = help(home, blocked);
  const normal = help(home, join(home, 'cache'));
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, normal.stdout, 'the same help');
  t.equal(r.stderr, '', 'and no warning');
});

t.test('a relative XDG_CACHE_HOME is ignored (XDG spec): the cache goes to ~/.cache', async (t) => {
  const home = tempDir(t);
  const r = help(home, 'relative-cache');
  t.equal(r.status, 0, r.stderr);
  const files = filesUnder(join(home, '.cache', 'maas-esxi', 'compile-cache'));
  if (supported) t.ok(files.length > 0, 'under ~/.cache');
  else t.same(files, [], 'no cache without Node support');
});
