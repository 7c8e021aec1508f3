// The SQLite driver under the profile store, seen from outside: a child Node.js process loads the
// built SDK (dist/) as an installed copy would, so module loading and warnings are its own.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { defaultSqliteBackend } from '../../lib/profiles/sqlite.js';
import { rawDb } from '../fixtures/sqlite-db.js';

const profiles = fileURLToPath(new URL('../../dist/profiles/index.js', import.meta.url));
if (!existsSync(profiles)) throw new Error('dist/ is not built: run npm run build');

function dbWithOneProfile(dir: string): string {
  const path = join(dir, '.maascli.db');
  const db = rawDb(path);
  db.exec('CREATE TABLE profiles (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, data BLOB)');
  db.prepare('INSERT INTO profiles (name, data) VALUES (?, ?)').run('admin', '{"name": "admin", "url": "http://h/MAAS/api/2.0/", "credentials": null}');
  db.close();
  return path;
}

function runNode(args: string[], script: string) {
  return spawnSync(process.execPath, [...args, '--input-type=module', '-e', script], { encoding: 'utf8' });
}

t.test('node:sqlite from Node.js 22.13 on, better-sqlite3 before (https://nodejs.org/api/sqlite.html)', async (t) => {
  t.equal(defaultSqliteBackend('20.19.0'), 'better-sqlite3');
  t.equal(defaultSqliteBackend('22.12.0'), 'better-sqlite3', 'behind --experimental-sqlite before 22.13');
  t.equal(defaultSqliteBackend('22.13.0'), 'node:sqlite');
  t.equal(defaultSqliteBackend('23.0.0'), 'node:sqlite');
  t.equal(defaultSqliteBackend('24.22.3'), 'node:sqlite');
});

t.test("reading profiles prints no SQLite warning, and other warnings still show", async (t) => {
  const path = dbWithOneProfile(t.testdir());
  const r = runNode(
    [],
    `const { ProfileStore } = await import(${JSON.stringify(profiles)});
     const s = ProfileStore.open({ path: ${JSON.stringify(path)} }); console.log(s.names().join()); s.close();
     process.emitWarning('a warning of our own', 'ExperimentalWarning');`,
  );
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, 'admin\n');
  t.match(r.stderr, /ExperimentalWarning: a warning of our own/);
  t.notMatch(r.stderr, /SQLite/);
});

t.test('a missing better-sqlite3 is one line naming the fix, not a loader stack', async (t) => {
  const dir = t.testdir();
  const path = dbWithOneProfile(dir);
  // npm removes an optional dependency whose install (the native build) failed: loading it then
  // fails as for any missing module.
  const hide = join(dir, 'no-better-sqlite3.cjs');
  writeFileSync(
    hide,
    `const M = require('node:module'); const load = M._load;
     M._load = function (request, ...rest) {
       if (request === 'better-sqlite3') throw Object.assign(new Error("Cannot find module 'better-sqlite3'"), { code: 'MODULE_NOT_FOUND' });
       return load.call(this, request, ...rest);
     };`,
  );
  const r = runNode(
    ['--require', hide],
    `const { ProfileStore } = await import(${JSON.stringify(profiles)});
     try { ProfileStore.open({ path: ${JSON.stringify(path)}, backend: 'better-sqlite3' }); console.log('opened'); }
     catch (e) { console.log(e.name + ': ' + e.message); }`,
  );
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout.split('\n').length, 2, 'one line');
  t.match(r.stdout, /^MaasConfigError: Node\.js [\d.]+ has no built-in SQLite and the better-sqlite3 addon did not install, so the maas CLI profile database cannot be read\. Use Node\.js 22 or 24, or install python3, make and g\+\+ and reinstall against this Node's own headers: `(npm_config_nodedir=\S+ )?npm install -g maas-esxi` \(in a clone: `node scripts\/ensure-install\.mjs --force`\)\.\n$/);
});
