import { spawn } from 'node:child_process';
import { chmodSync, existsSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import t from 'tap';
import { MaasConfigError } from '../../lib/errors/index.js';
import { ProfileStore, writeProfileCaCert, type MaasProfile } from '../../lib/profiles/index.js';
import { BACKENDS, profileRows as rows, rawDb } from '../fixtures/sqlite-db.js';

const ADMIN: MaasProfile = {
  name: 'admin',
  url: 'http://10.0.0.2:5240/MAAS/api/2.0/',
  credentials: ['ck', 'tk', 'ts'],
  description: { doc: 'MAAS API', hash: 'abc123', resources: [], handlers: [] },
  cacerts: null,
};
// docs/maas-cli.md#profile-record: what `maas login` stores for this profile (Python json.dumps).
const ADMIN_ROW =
  '{"credentials": ["ck", "tk", "ts"], "description": {"doc": "MAAS API", "hash": "abc123", "resources": [], "handlers": []}, "name": "admin", "url": "http://10.0.0.2:5240/MAAS/api/2.0/", "cacerts": null}';

for (const backend of BACKENDS) {
  t.test(`through ${backend}`, async (t) => {
    t.test('save writes the official row, schema and file mode', async (t) => {
      const path = join(t.testdir(), '.maascli.db');
      const store = ProfileStore.open({ backend, path, create: true });
      store.save(ADMIN);
      store.close();

      t.equal(statSync(path).mode & 0o777, 0o600, 'created 0600 (docs/maas-cli.md#files-and-permissions)');
      const [row, ...rest] = rows(path);
      t.equal(rest.length, 0);
      t.equal(row?.name, 'admin');
      t.equal(row?.type, 'text', 'stored as TEXT, as Python does (docs/maas-cli.md#profile-database-schema)');
      t.equal(row?.data, ADMIN_ROW, 'json.dumps byte for byte');
      t.same(JSON.parse(String(row?.data)), ADMIN);

      const db = rawDb(path, true);
      const objects = db.prepare("SELECT type, name, sql FROM sqlite_master ORDER BY name").all();
      db.close();
      t.same(objects, [
        { type: 'table', name: 'profiles', sql: 'CREATE TABLE profiles (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, data BLOB)' },
        { type: 'index', name: 'sqlite_autoindex_profiles_1', sql: null },
      ]);
    });

    t.test('save replaces a profile of the same name and leaves the others alone', async (t) => {
      const path = join(t.testdir(), '.maascli.db');
      // Someone else's rows, one of them a BLOB: must stay exactly as they were.
      const db = rawDb(path);
      db.exec('CREATE TABLE IF NOT EXISTS profiles (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, data BLOB)');
      db.prepare('INSERT INTO profiles (name, data) VALUES (?, ?)').run('ops', Buffer.from('{"url": "http://o/MAAS/api/2.0/", "x": 1}'));
      db.prepare('INSERT INTO profiles (name, data) VALUES (?, ?)').run('admin', '{"old": true}');
      db.close();
      const before = rows(path);

      const store = ProfileStore.open({ backend, path, create: true });
      store.save({ ...ADMIN, credentials: null, cacerts: 'PEM' });
      store.save(ADMIN);
      store.close();

      const after = rows(path);
      t.same(after.map((r) => r.name), ['ops', 'admin']);
      t.same(after[0], before[0], 'untouched row identical, still a BLOB');
      t.equal(after[1]?.data, ADMIN_ROW, 'replaced with the latest save');
      t.ok((after[1]?.id ?? 0) > (before[1]?.id ?? 0), 'INSERT OR REPLACE gives a new rowid, as maas login');
    });

    t.test('an existing file keeps its mode', async (t) => {
      const path = join(t.testdir(), '.maascli.db');
      writeFileSync(path, '');
      chmodSync(path, 0o640);
      const store = ProfileStore.open({ backend, path, create: true });
      store.save(ADMIN);
      store.close();
      t.equal(statSync(path).mode & 0o777, 0o640);
    });

    t.test('a store opened read-only can still save (login after a lookup)', async (t) => {
      const path = join(t.testdir(), 'sub', '.maascli.db');
      const store = ProfileStore.open({ backend, path });
      t.equal(store.get('admin'), undefined);
      t.notOk(existsSync(path));
      store.save(ADMIN);
      t.same(store.get('admin'), ADMIN);
      store.close();
      t.equal(statSync(path).mode & 0o777, 0o600);
    });

    t.test('save refuses what the official CLI could not read back', async (t) => {
      const store = ProfileStore.open({ backend, path: join(t.testdir(), '.maascli.db'), create: true });
      t.teardown(() => store.close());
      t.throws(() => store.save({ ...ADMIN, url: 'http://h:5240/MAAS' }), MaasConfigError, 'non-normalised URL');
      t.throws(() => store.save({ ...ADMIN, name: '' }), MaasConfigError);
      t.throws(() => store.save({ ...ADMIN, credentials: ['a', 'b'] as unknown as [string, string, string] }), MaasConfigError);
      t.same(store.list(), []);
    });

    t.test('remove deletes the row and ~/.maascli.certs/<name>.pem (docs/maas-cli.md#login-logout-list-refresh)', async (t) => {
      const home = t.testdir();
      const path = join(home, '.maascli.db');
      const store = ProfileStore.open({ backend, path, create: true });
      store.save(ADMIN);
      store.save({ ...ADMIN, name: 'ops' });
      const pem = writeProfileCaCert(home, 'admin', 'PEM');
      t.equal(pem, join(home, '.maascli.certs', 'admin.pem'));
      t.equal(store.caCertPath('admin'), pem, 'certs live next to the database');
      t.ok(existsSync(pem));

      t.equal(store.remove('admin'), true);
      t.notOk(existsSync(pem), 'CA file removed');
      t.equal(store.remove('admin'), false, 'no error for an unknown name');
      store.close();
      t.same(rows(path).map((r) => r.name), ['ops']);
    });

    t.test('remove on a missing database creates nothing', async (t) => {
      const path = join(t.testdir(), '.maascli.db');
      const store = ProfileStore.open({ backend, path });
      t.equal(store.remove('admin'), false);
      store.close();
      t.notOk(existsSync(path));
    });

    t.test('save waits for another writer instead of failing (busy timeout)', async (t) => {
      const path = join(t.testdir(), '.maascli.db');
      const seed = ProfileStore.open({ backend, path, create: true });
      seed.save({ ...ADMIN, name: 'seed' });
      seed.close();

      // Another process takes the write lock and holds it until 800 ms after we start saving (the
      // file `go` appears): timed from our save, not from its lock, so a loaded machine that
      // delays us cannot let the lock go before we ask for it.
      // The holder uses the same driver (a Node 20 line has no node:sqlite, a 22/24 line may lack the addon).
      const open =
        backend === 'node:sqlite'
          ? `const db=new (require('node:sqlite').DatabaseSync)(${JSON.stringify(path)});`
          : `const D=require(${JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'))});const db=new D(${JSON.stringify(path)});`;
      const holder = spawn(
        process.execPath,
        [
          '--disable-warning=ExperimentalWarning',
          '-e',
          open +
            `db.exec('BEGIN EXCLUSIVE');process.stdout.write('locked\\n');` +
            `const go=setInterval(()=>{if(!require('node:fs').existsSync(${JSON.stringify(`${path}.go`)}))return;clearInterval(go);` +
            `setTimeout(()=>{db.exec('COMMIT');db.close();},800);},10);`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
      writeFileSync(`${path}.go`, '');
      const started = Date.now();
      const store = ProfileStore.open({ backend, path, create: true });
      store.save(ADMIN);
      store.close();
      t.ok(Date.now() - started >= 300, 'waited for the lock');
      await new Promise((resolve) => holder.once('exit', resolve));
      t.same(rows(path).map((r) => r.name), ['seed', 'admin']);
    });
  });
}
