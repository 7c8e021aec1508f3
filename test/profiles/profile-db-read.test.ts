import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { MaasConfigError } from '../../lib/errors/index.js';
import { ProfileStore, describeProfile } from '../../lib/profiles/index.js';
import { BACKENDS, profileRows, rawDb } from '../fixtures/sqlite-db.js';

// docs/maas-cli.md#profile-database-schema: the official schema and statement, as config.py runs them.
const SCHEMA = 'CREATE TABLE IF NOT EXISTS profiles (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, data BLOB)';
// docs/maas-cli.md#profile-record: the row `maas login` wrote (json.dumps output), byte for byte.
const ADMIN_ROW =
  '{"credentials": ["ck", "tk", "ts"], "description": {"doc": "MAAS API", "hash": "abc123", "resources": [], "handlers": []}, "name": "admin", "url": "http://10.0.0.2:5240/MAAS/api/2.0/", "cacerts": null}';
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function officialDb(dir: string): string {
  const path = join(dir, '.maascli.db');
  const db = rawDb(path);
  db.exec(SCHEMA);
  const insert = db.prepare('INSERT OR REPLACE INTO profiles (name, data) VALUES (?, ?)');
  insert.run('admin', ADMIN_ROW); // TEXT, as Python stores a str
  insert.run(
    'blobby',
    Buffer.from(
      '{"credentials": ["a1", "b2", "c3"], "description": {"doc": "MAAS API"}, "name": "blobby", "url": "https://m.example/MAAS/api/2.0/", "cacerts": ' +
        JSON.stringify(PEM) +
        '}',
    ),
  ); // BLOB, as another writer might store it
  // A MAAS ≤ 3.1 login: no cacerts key at all.
  insert.run('old', '{"credentials": ["o1", "o2", "o3"], "description": {}, "name": "old", "url": "http://old:5240/MAAS/api/2.0/"}');
  // Anonymous login, plus keys we do not know about.
  insert.run(
    'anon',
    '{"credentials": null, "description": {"doc": "MAAS API"}, "name": "anon", "url": "http://a:5240/MAAS/api/2.0/", "cacerts": null, "insecure": true, "future": [1]}',
  );
  db.close();
  return path;
}

t.test('the fixture is what the official CLI would have produced', async (t) => {
  const path = officialDb(t.testdir());
  const types = profileRows(path).map((r) => ({ name: r.name, type: r.type }));
  t.same(types, [
    { name: 'admin', type: 'text' },
    { name: 'blobby', type: 'blob' },
    { name: 'old', type: 'text' },
    { name: 'anon', type: 'text' },
  ]);
});

for (const backend of BACKENDS) {
  t.test(`through ${backend}`, async (t) => {
    t.test('reads every official row shape', async (t) => {
      const path = officialDb(t.testdir());
      const store = ProfileStore.open({ backend, path });
      t.teardown(() => store.close());
      t.equal(store.path, path);

      t.same(store.get('admin'), {
        name: 'admin',
        url: 'http://10.0.0.2:5240/MAAS/api/2.0/',
        credentials: ['ck', 'tk', 'ts'],
        description: { doc: 'MAAS API', hash: 'abc123', resources: [], handlers: [] },
        cacerts: null,
      });
      const blobby = store.get('blobby');
      t.same(blobby?.credentials, ['a1', 'b2', 'c3'], 'BLOB data decoded');
      t.equal(blobby?.cacerts, PEM);
      t.equal(store.get('old')?.cacerts, null, 'missing cacerts key reads as null');
      const anon = store.get('anon');
      t.equal(anon?.credentials, null, 'anonymous profile');
      t.notOk(anon && 'insecure' in anon, 'unknown keys are not surfaced');
      t.equal(store.get('nope'), undefined);

      t.same(
        store.list().map((p) => p.name),
        ['admin', 'blobby', 'old', 'anon'],
        'rowid order, as maas list',
      );
      t.same(store.names(), ['admin', 'blobby', 'old', 'anon']);
    });

    t.test('describeProfile never exposes the key', async (t) => {
      const store = ProfileStore.open({ backend, path: officialDb(t.testdir()) });
      t.teardown(() => store.close());
      const summaries = store.list().map(describeProfile);
      t.same(summaries, [
        { name: 'admin', url: 'http://10.0.0.2:5240/MAAS/api/2.0/', anonymous: false, cacerts: false },
        { name: 'blobby', url: 'https://m.example/MAAS/api/2.0/', anonymous: false, cacerts: true },
        { name: 'old', url: 'http://old:5240/MAAS/api/2.0/', anonymous: false, cacerts: false },
        { name: 'anon', url: 'http://a:5240/MAAS/api/2.0/', anonymous: true, cacerts: false },
      ]);
      const text = JSON.stringify(summaries);
      for (const secret of ['ck', 'tk', 'ts', 'c3']) t.notMatch(text, `"${secret}"`);
    });

    t.test('reading never writes: the file is byte-identical afterwards', async (t) => {
      const path = officialDb(t.testdir());
      const before = readFileSync(path);
      const store = ProfileStore.open({ backend, path });
      store.list();
      store.get('admin');
      store.close();
      t.ok(readFileSync(path).equals(before));
    });

    t.test('a missing database reads as empty and is not created', async (t) => {
      const path = join(t.testdir(), '.maascli.db');
      const store = ProfileStore.open({ backend, path });
      t.same(store.list(), []);
      t.equal(store.get('admin'), undefined);
      store.close();
      t.notOk(existsSync(path));
    });

    t.test('a touched file without the table reads as empty', async (t) => {
      const path = join(t.testdir(), '.maascli.db');
      writeFileSync(path, '');
      const store = ProfileStore.open({ backend, path });
      t.teardown(() => store.close());
      t.same(store.list(), []);
    });

    t.test('a corrupt row fails with the profile and file named, not its content', async (t) => {
      const path = officialDb(t.testdir());
      const db = rawDb(path);
      db.prepare('INSERT INTO profiles (name, data) VALUES (?, ?)').run('broken', '{"credentials": ["sec", "ret", "key"');
      db.prepare('INSERT INTO profiles (name, data) VALUES (?, ?)').run('weird', '{"credentials": "x:y:SECRETZ", "url": "http://h/MAAS/api/2.0/"}');
      db.close();
      const store = ProfileStore.open({ backend, path });
      t.teardown(() => store.close());
      t.ok(store.get('admin'), 'other profiles still readable');
      const err = t.throws(() => store.get('broken')) as MaasConfigError;
      t.type(err, MaasConfigError);
      t.match(err.message, `Profile 'broken' in ${path}`);
      t.notMatch(err.message, 'sec');
      const err2 = t.throws(() => store.list()) as MaasConfigError;
      t.type(err2, MaasConfigError);
      const err3 = t.throws(() => store.get('weird')) as MaasConfigError;
      t.match(err3.message, 'credentials are not three strings');
      t.notMatch(JSON.stringify(err3) + err3.message, 'SECRETZ');
    });

    t.test('a file that is not a database gives a config error naming it', async (t) => {
      const path = join(t.testdir(), '.maascli.db');
      writeFileSync(path, 'this is not sqlite, just some text that is long enough to be a header'.repeat(10));
      const err = t.throws(() => {
        const store = ProfileStore.open({ backend, path });
        try {
          store.list();
        } finally {
          store.close();
        }
      }) as MaasConfigError;
      t.type(err, MaasConfigError);
      t.match(err.message, path);
    });
  });
}
