// bin/maas-esxi.js enables Node's module compile cache (Node ≥ 22.1, module.enableCompileCache)
// under the user's cache directory, and a cache that cannot be written never fails a command.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import * as nodeModule from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../fixtures/upload-env.js';

const bin = fileURLToPath(new URL('../../bin/maas-esxi.js', import.meta.url));
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
