import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { MaasConfigError } from '../../lib/errors/index.js';
import { ProfileStore, resolveConnection, writeProfileCaCert, type MaasProfile } from '../../lib/profiles/index.js';
import { normaliseApiUrl } from '../../lib/profiles/api-url.js';

// A real (self-signed, test-only) CA certificate: the CA readers parse it like pyOpenSSL does.
const CA_FILE_PEM = `-----BEGIN CERTIFICATE-----
MIIBhTCCASugAwIBAgIUAUMttrZp6ouzoX25z/edWSTqE7UwCgYIKoZIzj0EAwIw
FzEVMBMGA1UEAwwMbWFhcy10ZXN0LWNhMCAXDTI2MTEyNTIwMTQzMVoYDzIxMjYx
MTAxMjAxNDMxWjAXMRUwEwYDVQQDDAxtYWFzLXRlc3QtY2EwWTATBgcqhkjOPQIB
BggqhkjOPQMBBwNCAAT0ZCHuGPd+MtSIeqMED7NeI63C4/jgX1nIyWS1tUHRrTy7
nZ7VjY8O1DhNrNZ/dG0jtAQojSGOkLCkEr9s2e1jo1MwUTAdBgNVHQ4EFgQUDCHq
xM3NYdBlMfJwKHHoJTfyTjowHwYDVR0jBBgwFoAUDCHqxM3NYdBlMfJwKHHoJTfy
TjowDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEAmfl4CWeg5yYm
wh5KpM3sUkhLgAYd/QvzP7uiW6ajatwCIC4v8HUzW8/6VcXMKStMdJQOvSFOFtMT
sta0rPyyg0jR
-----END CERTIFICATE-----
`;
// Distinguishable variants of the same certificate, to tell the sources apart.
const withLabel = (label: string) => `${label}\n${CA_FILE_PEM}`;

const ADMIN_KEY = 'ck1:tk1:ts1';
const ENV_KEY = 'ck2:tk2:ts2';
const FLAG_KEY = 'ck3:tk3:ts3';

function setup(home: string, extra: MaasProfile[] = []) {
  const dbPath = join(home, '.maascli.db');
  const store = ProfileStore.open({ path: dbPath, create: true });
  store.save({
    name: 'admin',
    url: 'http://profile.example:5240/MAAS/api/2.0/',
    credentials: ADMIN_KEY.split(':') as [string, string, string],
    description: {},
    cacerts: withLabel('# profile cacerts'),
  });
  store.save({ name: 'ops', url: 'https://ops.example/MAAS/api/2.0/', credentials: null, description: {}, cacerts: null });
  for (const p of extra) store.save(p);
  store.close();
  const file = (name: string, text: string) => {
    const p = join(home, name);
    writeFileSync(p, text);
    return p;
  };
  return { home, dbPath, file };
}

t.test('a named profile supplies URL, key and its cacerts', async (t) => {
  const { home, dbPath } = setup(t.testdir());
  const c = resolveConnection({ profile: 'admin', env: {}, home });
  t.same(c, {
    url: 'http://profile.example:5240/MAAS/api/2.0/',
    apiKey: ADMIN_KEY,
    ca: withLabel('# profile cacerts'),
    insecure: false,
    source: 'profile',
    profileName: 'admin',
    profileDbPath: dbPath,
  });
  const anon = resolveConnection({ profile: 'ops', env: {}, home });
  t.equal(anon.apiKey, null, 'anonymous profile');
  t.equal(anon.ca, undefined, 'no CA: system trust');
});

t.test('precedence: flag > env > profile', async (t) => {
  const { home } = setup(t.testdir());
  const env = { MAAS_API_URL: 'http://env.example:5240/MAAS', MAAS_API_KEY: ENV_KEY };

  const fromFlags = resolveConnection({ profile: 'admin', env, home, flags: { url: 'http://flag.example/MAAS/', apiKey: FLAG_KEY } });
  t.equal(fromFlags.source, 'flags');
  t.equal(fromFlags.url, 'http://flag.example/MAAS/api/2.0/');
  t.equal(fromFlags.apiKey, FLAG_KEY);

  const fromEnv = resolveConnection({ env, home });
  t.equal(fromEnv.source, 'env');
  t.equal(fromEnv.url, 'http://env.example:5240/MAAS/api/2.0/', 'normalised as maas login does');
  t.equal(fromEnv.apiKey, ENV_KEY);
  t.same(resolveConnection({ profile: 'env', env, home }), fromEnv, "the pseudo-profile 'env'");

  const fromProfile = resolveConnection({ profile: 'admin', env: {}, home });
  t.equal(fromProfile.source, 'profile');
  t.equal(fromProfile.apiKey, ADMIN_KEY);
});

t.test('a key is only sent to the URL it came with', async (t) => {
  const { home } = setup(t.testdir());
  const env = { MAAS_API_URL: 'http://env.example/MAAS/', MAAS_API_KEY: ENV_KEY };
  // A flag URL does not borrow the env key or a profile's key.
  const c = resolveConnection({ profile: 'admin', env, home, flags: { url: 'http://flag.example/MAAS/' } });
  t.equal(c.apiKey, null);
  // An explicitly named profile is a command-line choice: exported variables do not redirect it.
  const p = resolveConnection({ profile: 'admin', env, home });
  t.equal(p.url, 'http://profile.example:5240/MAAS/api/2.0/');
  t.equal(p.apiKey, ADMIN_KEY);
  // A key flag alone would go to someone else's URL: refused.
  t.throws(() => resolveConnection({ profile: 'admin', env: {}, home, flags: { apiKey: FLAG_KEY } }), {
    name: 'MaasConfigError',
    message: 'An API key was given without a MAAS URL.',
  });
  // MAAS_API_URL alone: anonymous.
  t.equal(resolveConnection({ env: { MAAS_API_URL: 'http://e/MAAS/' }, home }).apiKey, null);
});

t.test('MAAS_API_KEY without MAAS_API_URL is a clear error', async (t) => {
  const { home } = setup(t.testdir());
  for (const profile of [undefined, 'env']) {
    t.throws(() => resolveConnection({ profile, env: { MAAS_API_KEY: ENV_KEY }, home }), {
      name: 'MaasConfigError',
      message: 'MAAS_API_KEY is set but MAAS_API_URL is not.',
    });
  }
});

t.test('nothing configured at all', async (t) => {
  const { home } = setup(t.testdir());
  t.throws(() => resolveConnection({ env: {}, home }), {
    name: 'MaasConfigError',
    message: 'No MAAS profile given and MAAS_API_URL is not set.',
  });
  t.throws(() => resolveConnection({ profile: 'env', env: {}, home }), {
    name: 'MaasConfigError',
    message: /^MAAS_API_URL is not set/,
  });
});

t.test("a real profile named 'env' is used when the variables are not set", async (t) => {
  const { home } = setup(t.testdir(), [
    { name: 'env', url: 'http://named-env/MAAS/api/2.0/', credentials: null, description: {}, cacerts: null },
  ]);
  t.equal(resolveConnection({ profile: 'env', env: {}, home }).url, 'http://named-env/MAAS/api/2.0/');
});

t.test('unknown profile: names the known ones and how to log in', async (t) => {
  const { home } = setup(t.testdir());
  const err = t.throws(() => resolveConnection({ profile: 'x', env: {}, home })) as MaasConfigError;
  t.type(err, MaasConfigError);
  t.equal(err.message, "Unknown profile 'x' (profiles: admin, ops).");
  t.equal(err.hint, 'Log in first: maas-esxi login x http://HOST:5240/MAAS/ - with the API key on stdin (or set MAAS_API_URL and MAAS_API_KEY)');

  const empty = join(home, 'another-home');
  const err2 = t.throws(() => resolveConnection({ profile: 'x', env: {}, home: empty })) as MaasConfigError;
  t.equal(err2.message, `Unknown profile 'x' (no profiles in ${join(empty, '.maascli.db')}).`);
});

t.test('dbPath selects the database explicitly', async (t) => {
  const { home, dbPath } = setup(t.testdir());
  const other = join(home, 'another-home');
  const c = resolveConnection({ profile: 'admin', env: {}, home: other, dbPath });
  t.equal(c.profileDbPath, dbPath);
});

t.test('CA order for a profile: --cacerts, MAAS_API_CACERT, ~/.maascli.certs/<name>.pem, cacerts', async (t) => {
  const { home, file } = setup(t.testdir());
  const flagCa = file('flag.pem', withLabel('# flag'));
  const envCa = file('env.pem', withLabel('# env'));
  writeProfileCaCert(home, 'admin', withLabel('# certs dir'));

  t.equal(resolveConnection({ profile: 'admin', env: {}, home }).ca, withLabel('# certs dir'), 'file beats profile cacerts (docs/maas-cli.md#compatibility-rules rule 5)');
  t.equal(resolveConnection({ profile: 'admin', env: { MAAS_API_CACERT: envCa }, home }).ca, withLabel('# env'));
  t.equal(
    resolveConnection({ profile: 'admin', env: { MAAS_API_CACERT: envCa }, home, flags: { cacerts: flagCa } }).ca,
    withLabel('# flag'),
  );
  // Env and flag sources use the env/flag CA too.
  t.equal(resolveConnection({ env: { MAAS_API_URL: 'https://e/MAAS/', MAAS_API_CACERT: envCa }, home }).ca, withLabel('# env'));
});

t.test('the snap profile uses the snap HOME for its CA file', async (t) => {
  const home = t.testdir();
  const snapHome = join(home, 'snap', 'maas', 'current');
  mkdirSync(snapHome, { recursive: true });
  const s = ProfileStore.open({ path: join(snapHome, '.maascli.db'), create: true });
  s.save({ name: 'admin', url: 'https://s/MAAS/api/2.0/', credentials: null, description: {}, cacerts: null });
  s.close();
  writeProfileCaCert(snapHome, 'admin', withLabel('# snap'));
  t.equal(resolveConnection({ profile: 'admin', env: {}, home }).ca, withLabel('# snap'));
});

t.test('insecure: never with --cacerts, and it drops any CA', async (t) => {
  const { home, file } = setup(t.testdir());
  const flagCa = file('flag.pem', CA_FILE_PEM);
  t.throws(() => resolveConnection({ profile: 'admin', env: {}, home, flags: { cacerts: flagCa, insecure: true } }), {
    name: 'MaasConfigError',
    message: 'You cannot use both cacerts and insecure arguments.', // docs/maas-cli.md#login-sequence step 1
  });
  const c = resolveConnection({ profile: 'admin', env: {}, home, flags: { insecure: true } });
  t.equal(c.insecure, true);
  t.equal(c.ca, undefined);
});

t.test('unreadable or invalid CA files name the path', async (t) => {
  const { home, file } = setup(t.testdir());
  const missing = join(home, 'nope.pem');
  t.throws(() => resolveConnection({ profile: 'admin', env: {}, home, flags: { cacerts: missing } }), {
    name: 'MaasConfigError',
    message: `Cannot read the CA file ${missing} (--cacerts): ENOENT.`,
  });
  const junk = file('junk.pem', 'not a certificate');
  t.throws(() => resolveConnection({ env: { MAAS_API_URL: 'https://e/MAAS/', MAAS_API_CACERT: junk }, home }), {
    name: 'MaasConfigError',
    message: `Invalid PEM material in ${junk} (MAAS_API_CACERT).`,
  });
  const dir = join(home, 'a-directory.pem');
  mkdirSync(dir);
  t.throws(() => resolveConnection({ profile: 'admin', env: { MAAS_API_CACERT: dir }, home }), {
    name: 'MaasConfigError',
    message: new RegExp(`^Cannot read the CA file ${dir} \\(MAAS_API_CACERT\\)`),
  });
  writeProfileCaCert(home, 'admin', 'garbage');
  t.throws(() => resolveConnection({ profile: 'admin', env: {}, home }), {
    name: 'MaasConfigError',
    message: `Invalid PEM material in ${join(home, '.maascli.certs', 'admin.pem')} (CA file of profile 'admin').`,
  });
});

t.test('URLs and keys are checked before use', async (t) => {
  const { home } = setup(t.testdir());
  t.throws(() => resolveConnection({ env: { MAAS_API_URL: 'maas.example:5240/MAAS' }, home }), {
    name: 'MaasConfigError',
    message: /^MAAS_API_URL is not an http\(s\) URL/,
  });
  t.throws(() => resolveConnection({ env: { MAAS_API_URL: 'http://e/MAAS/', MAAS_API_KEY: 'only:two' }, home }), {
    name: 'MaasConfigError',
    message: /^MAAS_API_KEY: Malformed credentials string/,
  });
  t.equal(
    resolveConnection({ env: { MAAS_API_URL: 'http://e/MAAS/', MAAS_API_KEY: ` ${ENV_KEY}\n` }, home }).apiKey,
    ENV_KEY,
    'surrounding whitespace trimmed',
  );
});

// docs/maas-cli.md#url-normalisation: every row of the table (captured by running the maas CLI's api_url()).
const TABLE: [string, string][] = [
  ['http://h:5240/MAAS', 'http://h:5240/MAAS/api/2.0/'],
  ['http://h:5240/MAAS/', 'http://h:5240/MAAS/api/2.0/'],
  ['http://h:5240/MAAS/api/2.0', 'http://h:5240/MAAS/api/2.0/'],
  ['http://h:5240/MAAS/api/1.0/', 'http://h:5240/MAAS/api/1.0/'],
  ['http://h:5240', 'http://h:5240/api/2.0/'],
  ['https://h/MAAS/api/2.0/machines', 'https://h/MAAS/api/2.0/machines/api/2.0/'],
];

// Further inputs, expected values produced by the same api_url() under CPython 3.11 urllib.
const PYTHON_URLLIB: [string, string][] = [
  ['HTTP://H/MAAS?x=1#f', 'http://H/MAAS/api/2.0/?x=1#f'], // scheme lowercased, query kept out of the path
  ['http://h/MAAS;p', 'http://h/MAAS/api/2.0/;p'], // ;params of the last segment
  ['http://h/a;b/c', 'http://h/a;b/c/api/2.0/'],
  ['http://[::1]:5240/MAAS', 'http://[::1]:5240/MAAS/api/2.0/'],
  ['http://h/MAAS/api/2/', 'http://h/MAAS/api/2/'],
  ['http://h/MAAS/API/2.0/', 'http://h/MAAS/API/2.0/api/2.0/'], // case-sensitive match
  ['http://h/MAAS/api/2.0//', 'http://h/MAAS/api/2.0//api/2.0/'],
  ['http:/MAAS', 'http:///MAAS/api/2.0/'],
  ['h:5240/MAAS', 'h:5240/MAAS/api/2.0/'],
  ['http://u:p@h/MAAS', 'http://u:p@h/MAAS/api/2.0/'],
  [' http://h/MAAS', 'http://h/MAAS/api/2.0/'],
  ['http://h/MA\tAS', 'http://h/MAAS/api/2.0/'],
  ['http://h/MAAS/api/2.0/?', 'http://h/MAAS/api/2.0/'],
];

t.test('docs/maas-cli.md#url-normalisation table', async (t) => {
  for (const [input, expected] of TABLE) t.equal(normaliseApiUrl(input), expected, input);
});

t.test('matches Python urllib for the corner cases', async (t) => {
  for (const [input, expected] of PYTHON_URLLIB) t.equal(normaliseApiUrl(input), expected, JSON.stringify(input));
});

t.test('idempotent on its own output', async (t) => {
  for (const [, expected] of [...TABLE, ...PYTHON_URLLIB]) {
    t.equal(normaliseApiUrl(expected), expected, expected);
  }
});
