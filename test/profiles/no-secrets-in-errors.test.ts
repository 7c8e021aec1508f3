import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import t from 'tap';
import { ProfileStore, credentialsFromApiKey, resolveConnection } from '../../lib/profiles/index.js';
import { rawDb } from '../fixtures/sqlite-db.js';

// Realistic key parts: 18 + 18 + 32 alphanumerics (docs/maas-cli.md#credentials).
const CK = 'AbCdEfGhIjKlMnOpQr';
const TK = 'StUvWxYz0123456789';
const TS = 'q1w2e3r4t5y6u7i8o9p0a1s2d3f4g5h6';
const KEY = `${CK}:${TK}:${TS}`;

/** Every place an error could show the key: message, --json form, inspect() (cause, hint), stack. */
function leaks(err: unknown): string[] {
  if (!(err instanceof Error)) return ['(nothing was thrown)'];
  const surfaces = [err.message, JSON.stringify(err), inspect(err, { depth: 10, showHidden: true }), String(err.stack)].join('\n');
  return [KEY, CK, TK, TS].filter((secret) => surfaces.includes(secret));
}

function capture(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

t.test('no thrown error carries the API key', async (t) => {
  const home = t.testdir();
  const dbPath = join(home, '.maascli.db');
  const store = ProfileStore.open({ path: dbPath, create: true });
  store.save({ name: 'admin', url: 'http://h/MAAS/api/2.0/', credentials: [CK, TK, TS], description: {}, cacerts: null });
  store.close();
  const junk = join(home, 'junk.pem');
  writeFileSync(junk, 'junk');
  const url = 'http://h/MAAS/';

  const cases: [string, () => unknown][] = [
    ['malformed env key (extra part)', () => resolveConnection({ env: { MAAS_API_URL: url, MAAS_API_KEY: `${KEY}:x` }, home })],
    ['malformed env key (two parts)', () => resolveConnection({ env: { MAAS_API_URL: url, MAAS_API_KEY: `${CK}:${TS}` }, home })],
    ['malformed flag key', () => resolveConnection({ flags: { url, apiKey: `${CK}${TK}${TS}` }, env: {}, home })],
    ['key without URL (env)', () => resolveConnection({ env: { MAAS_API_KEY: KEY }, home })],
    ['key without URL (flag)', () => resolveConnection({ profile: 'admin', flags: { apiKey: KEY }, env: {}, home })],
    ['bad URL with key', () => resolveConnection({ env: { MAAS_API_URL: 'nope', MAAS_API_KEY: KEY }, home })],
    ['cacerts + insecure', () => resolveConnection({ flags: { url, apiKey: KEY, cacerts: junk, insecure: true }, env: {}, home })],
    ['invalid CA with key', () => resolveConnection({ flags: { url, apiKey: KEY, cacerts: junk }, env: {}, home })],
    ['missing CA with profile key', () => resolveConnection({ profile: 'admin', flags: { cacerts: join(home, 'x.pem') }, env: {}, home })],
    ['unknown profile', () => resolveConnection({ profile: 'nobody', env: { MAAS_API_KEY: KEY }, home })],
    ['credentialsFromApiKey', () => credentialsFromApiKey(`${KEY}:`)],
  ];
  for (const [label, fn] of cases) t.same(leaks(capture(fn)), [], label);

  // A corrupt row that contains the key: the error names the profile, not the content.
  const db = rawDb(dbPath);
  db.prepare('INSERT INTO profiles (name, data) VALUES (?, ?)').run('torn', `{"credentials": ["${CK}", "${TK}", "${TS}"`);
  db.close();
  const s = ProfileStore.open({ path: dbPath });
  t.same(leaks(capture(() => s.list())), [], 'corrupt row');
  s.close();
  t.same(leaks(capture(() => resolveConnection({ profile: 'torn', env: {}, home }))), [], 'resolving a corrupt profile');
});
