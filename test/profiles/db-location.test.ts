import { mkdirSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import t from 'tap';
import { ProfileStore, chooseProfileDb, profileDbCandidates, type MaasProfile } from '../../lib/profiles/index.js';

const PROFILE = (name: string, host: string): MaasProfile => ({
  name,
  url: `http://${host}:5240/MAAS/api/2.0/`,
  credentials: ['a', 'b', 'c'],
  description: {},
  cacerts: null,
});

function seed(path: string, profile: MaasProfile): void {
  mkdirSync(join(path, '..'), { recursive: true });
  const s = ProfileStore.open({ path, create: true });
  s.save(profile);
  s.close();
}

t.test('candidates: ~/.maascli.db then the snap path (docs/maas-cli.md#profile-database-location)', async (t) => {
  const home = t.testdir();
  t.same(profileDbCandidates({ home, env: {} }), [
    join(home, '.maascli.db'),
    join(home, 'snap', 'maas', 'current', '.maascli.db'),
  ]);
});

t.test('MAAS_ESXI_PROFILE_DB is the only candidate when set', async (t) => {
  const home = t.testdir();
  t.same(profileDbCandidates({ home, env: { MAAS_ESXI_PROFILE_DB: '/x/p.db' } }), ['/x/p.db']);
  t.same(profileDbCandidates({ home, env: { MAAS_ESXI_PROFILE_DB: '~/p.db' } }), [join(home, 'p.db')]);
  t.same(profileDbCandidates({ home, env: { MAAS_ESXI_PROFILE_DB: 'rel.db' } }), [resolve('rel.db')]);
  t.same(profileDbCandidates({ home, env: { MAAS_ESXI_PROFILE_DB: '' } }).length, 2, 'empty = unset');
});

t.test('falls back to the snap database when ~/.maascli.db is absent', async (t) => {
  const home = t.testdir();
  const rev = join(home, 'snap', 'maas', '36000');
  mkdirSync(rev, { recursive: true });
  symlinkSync('36000', join(home, 'snap', 'maas', 'current')); // as snapd lays it out
  seed(join(rev, '.maascli.db'), PROFILE('snappy', 'snap'));

  const store = ProfileStore.open({ home, env: {} });
  t.teardown(() => store.close());
  t.equal(store.path, join(home, 'snap', 'maas', 'current', '.maascli.db'));
  t.equal(store.certsHome, join(home, 'snap', 'maas', 'current'), 'snap HOME holds .maascli.certs');
  t.same(store.names(), ['snappy']);
});

t.test('~/.maascli.db wins over the snap database', async (t) => {
  const home = t.testdir();
  seed(join(home, 'snap', 'maas', 'current', '.maascli.db'), PROFILE('snappy', 'snap'));
  seed(join(home, '.maascli.db'), PROFILE('deb', 'deb'));
  const store = ProfileStore.open({ home, env: {} });
  t.teardown(() => store.close());
  t.equal(store.path, join(home, '.maascli.db'));
  t.same(store.names(), ['deb']);
});

t.test('HOME from the env is used when no home is given', async (t) => {
  const home = t.testdir();
  seed(join(home, '.maascli.db'), PROFILE('deb', 'deb'));
  const store = ProfileStore.open({ env: { HOME: home } });
  t.teardown(() => store.close());
  t.same(store.names(), ['deb']);
});

t.test('where login creates the database when none exists', async (t) => {
  const home = t.testdir();
  t.same(chooseProfileDb({ home, env: {} }), { path: join(home, '.maascli.db'), exists: false });
  // Once the snap CLI has run for this user, create where it will look.
  mkdirSync(join(home, 'snap', 'maas', 'current'), { recursive: true });
  t.same(chooseProfileDb({ home, env: {} }), {
    path: join(home, 'snap', 'maas', 'current', '.maascli.db'),
    exists: false,
  });
  const override = join(home, 'custom', 'p.db');
  t.same(chooseProfileDb({ home, env: { MAAS_ESXI_PROFILE_DB: override } }), { path: override, exists: false });
});

t.test('the override is honoured for reading and writing', async (t) => {
  const home = t.testdir();
  seed(join(home, '.maascli.db'), PROFILE('real', 'real'));
  const override = join(home, 'isolated', 'p.db');
  const env = { MAAS_ESXI_PROFILE_DB: override };
  const empty = ProfileStore.open({ home, env });
  t.same(empty.names(), [], 'does not fall back to ~/.maascli.db');
  empty.close();
  const w = ProfileStore.open({ home, env, create: true });
  w.save(PROFILE('iso', 'iso'));
  w.close();
  const r = ProfileStore.open({ home, env });
  t.teardown(() => r.close());
  t.equal(r.path, override);
  t.same(r.names(), ['iso']);
});
