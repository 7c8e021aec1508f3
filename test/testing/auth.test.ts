import t from 'tap';
import { parseApiKey } from '../../lib/auth/api-key.js';
import { OAuthSigner } from '../../lib/auth/oauth.js';
import { startMaasSimulator, generateApiKey } from '../../lib/testing/index.js';
import { call, oauthHeader } from '../fixtures/testing/maas-call.js';

const NOW = 1_700_000_400_000;
const nowS = NOW / 1000;

t.test('OAuth checks (docs/maas-api.md#the-300-s-window)', async (t) => {
  const inactive = { username: 'gone', isSuperuser: false, active: false, apiKey: generateApiKey() };
  const sim = await startMaasSimulator({
    now: () => NOW,
    users: [
      { username: 'admin', isSuperuser: true, apiKey: generateApiKey() },
      { username: 'user', isSuperuser: false, apiKey: generateApiKey() },
      inactive,
    ],
  });
  t.teardown(() => sim.close());
  const key = sim.adminKey;
  const [ck, tk] = key.split(':');
  const whoami = (authorization?: string) => call(sim, 'GET', 'users/?op=whoami', { authorization });
  const at = (parts: Parameters<typeof oauthHeader>[1] = {}) => oauthHeader(key, { timestamp: nowS, ...parts });

  t.test('docs/maas-api.md#signing-each-request: the header oauthlib/maascli sends is accepted', async (t) => {
    const r = await whoami(at());
    t.equal(r.status, 200);
    t.equal(r.json().username, 'admin');
    t.equal(r.headers.date, new Date(NOW).toUTCString(), 'Date header from the simulated clock');
  });

  t.test('docs/maas-api.md#signing-each-request: lib/auth OAuthSigner (oauth-1.0a, another parameter order) is accepted', async (t) => {
    const signer = new OAuthSigner(parseApiKey(key), () => NOW);
    const r = await whoami(signer.authorization('GET', `${sim.apiUrl}users/?op=whoami`));
    t.equal(r.status, 200);
  });

  t.test('docs/maas-api.md#signing-each-request: unquoted `&secret` signature and a realm parameter are tolerated', async (t) => {
    const r = await whoami(at({ signature: `&${key.split(':')[2]}`, realm: 'OAuth' }));
    t.equal(r.status, 200);
  });

  t.test('docs/maas-api.md#authentication-errors: no Authorization header → 401 text/plain "Forbidden", no WWW-Authenticate', async (t) => {
    const r = await whoami();
    t.equal(r.status, 401);
    t.equal(r.text, 'Forbidden');
    t.equal(r.headers['content-type'], 'text/plain');
    t.equal(r.headers['www-authenticate'], undefined);
  });

  t.test('docs/maas-api.md#authentication-errors: incomplete OAuth params → 401 "Forbidden" (not an OAuth attempt)', async (t) => {
    for (const missing of ['oauth_nonce', 'oauth_signature', 'oauth_timestamp', 'oauth_token', 'oauth_consumer_key', 'oauth_signature_method']) {
      const r = await whoami(at({ omit: [missing] }));
      t.equal(r.status, 401, missing);
      t.equal(r.text, 'Forbidden', missing);
    }
  });

  t.test('docs/maas-api.md#the-300-s-window: the header must start with "OAuth " (case-sensitive)', async (t) => {
    const r = await whoami(at().replace(/^OAuth /, 'oauth '));
    t.equal(r.status, 401);
    t.equal(r.text, 'Forbidden');
  });

  t.test('docs/maas-api.md#authentication-errors: unknown consumer → "Authorization Error: Invalid API key." with WWW-Authenticate', async (t) => {
    const r = await whoami(at({ consumerKey: 'NOPE' }));
    t.equal(r.status, 401);
    t.equal(r.text, 'Authorization Error: Invalid API key.');
    t.equal(r.headers['www-authenticate'], 'OAuth realm="OAuth"');
  });

  t.test("docs/maas-api.md#authentication-errors: unknown token → Authorization Error: 'Invalid access token: <tk>'", async (t) => {
    const r = await whoami(at({ tokenKey: 'BADTOKEN' }));
    t.equal(r.status, 401);
    t.equal(r.text, "Authorization Error: 'Invalid access token: BADTOKEN'");
    t.equal(r.headers['www-authenticate'], 'OAuth realm="OAuth"');
  });

  t.test('docs/maas-api.md#the-300-s-window: the token is looked up alone, not tied to the consumer', async (t) => {
    const [otherCk] = sim.userKey.split(':');
    const r = await whoami(at({ consumerKey: otherCk }));
    t.equal(r.status, 200);
    t.equal(r.json().username, 'admin', 'the token decides the user');
  });

  t.test('docs/maas-api.md#authentication-errors: timestamp older than 300 s → Expired timestamp message', async (t) => {
    const stale = nowS - 301;
    const r = await whoami(at({ timestamp: stale }));
    t.equal(r.status, 401);
    t.equal(
      r.text,
      `Authorization Error: 'Expired timestamp: given ${stale} and now ${nowS} has a greater difference than threshold 300'`,
    );
    t.equal((await whoami(at({ timestamp: nowS - 300 }))).status, 200, 'exactly 300 s old still passes');
  });

  t.test('docs/maas-api.md#the-300-s-window: future timestamps are accepted', async (t) => {
    t.equal((await whoami(at({ timestamp: nowS + 100_000 }))).status, 200);
  });

  t.test("docs/maas-api.md#authentication-errors: nonce reuse → Authorization Error: 'Nonce already used: <nonce>'", async (t) => {
    const h = at({ nonce: 'n-reused-1' });
    t.equal((await whoami(h)).status, 200);
    const r = await whoami(h);
    t.equal(r.status, 401);
    t.equal(r.text, "Authorization Error: 'Nonce already used: n-reused-1'");
    const other = oauthHeader(sim.userKey, { timestamp: nowS, nonce: 'n-reused-1' });
    t.equal((await whoami(other)).status, 200, 'nonces are per (consumer, token)');
  });

  t.test('docs/maas-api.md#the-300-s-window note: a request that ends in an error does not consume its nonce', async (t) => {
    const h = at({ nonce: 'n-after-404' });
    const miss = await call(sim, 'GET', 'boot-resources/99999/', { authorization: h });
    t.equal(miss.status, 404);
    t.equal((await whoami(h)).status, 200, 'the same nonce works after the failed request');
  });

  t.test("docs/maas-api.md#authentication-errors: oauth_version ≠ 1.0 → 'OAuth version 2.0 not supported.'", async (t) => {
    const r = await whoami(at({ version: '2.0' }));
    t.equal(r.status, 401);
    t.equal(r.text, "Authorization Error: 'OAuth version 2.0 not supported.'");
    t.equal((await whoami(at({ version: null }))).status, 200, 'oauth_version may be absent');
  });

  t.test('docs/maas-api.md#authentication-errors: unsupported signature method', async (t) => {
    const r = await whoami(at({ signatureMethod: 'FOO' }));
    t.equal(r.status, 401);
    t.equal(r.text, "Authorization Error: 'Signature method FOO not supported try one of the following: PLAINTEXT, HMAC-SHA1'");
  });

  t.test("docs/maas-api.md#authentication-errors: wrong PLAINTEXT signature → 'Invalid signature. …'", async (t) => {
    const r = await whoami(at({ signature: '%26wrong' }));
    t.equal(r.status, 401);
    t.match(r.text, /^Authorization Error: 'Invalid signature\. Expected signature base string: /);
  });

  t.test('docs/maas-api.md#authentication-errors: unparseable header params', async (t) => {
    const r = await whoami(`${at()}, garbage`);
    t.equal(r.status, 401);
    t.equal(r.text, "Authorization Error: 'Unable to parse OAuth parameters from Authorization header.'");
  });

  t.test('docs/maas-api.md#authentication-errors: inactive user → 403 "User is not allowed access to this API."', async (t) => {
    const r = await call(sim, 'GET', 'users/?op=whoami', { authorization: oauthHeader(inactive.apiKey, { timestamp: nowS }) });
    t.equal(r.status, 403);
    t.equal(r.text, 'User is not allowed access to this API.');
    t.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
  });

  t.test('docs/maas-api.md#the-300-s-window: OAuth params in the query string work too', async (t) => {
    const q = new URLSearchParams({
      op: 'whoami',
      oauth_consumer_key: ck!,
      oauth_token: tk!,
      oauth_signature: `&${key.split(':')[2]}`,
      oauth_signature_method: 'PLAINTEXT',
      oauth_timestamp: String(nowS),
      oauth_nonce: 'query-nonce',
    });
    const r = await call(sim, 'GET', `users/?${q}`);
    t.equal(r.status, 200);
  });

  t.test('docs/maas-api.md#authentication-errors: auth failures precede 404/405/400', async (t) => {
    const bad = () => at({ tokenKey: 'X' });
    t.equal((await call(sim, 'GET', 'boot-resources/424242/', { authorization: bad() })).status, 401);
    t.equal((await call(sim, 'PUT', 'boot-resources/', { authorization: bad() })).status, 401);
    t.equal((await call(sim, 'GET', 'boot-resources/?op=nope', { authorization: bad() })).status, 401);
    t.equal((await call(sim, 'GET', 'boot-resources/424242/')).status, 401, 'anonymous too');
  });

  t.test('docs/maas-api.md#authentication-errors: version/ and describe/ are anonymous; boot-resources is not', async (t) => {
    t.equal((await call(sim, 'GET', 'version/')).status, 200);
    t.equal((await call(sim, 'GET', 'describe/')).status, 200);
    t.equal((await call(sim, 'GET', 'boot-resources/')).status, 401);
  });
});

t.test('docs/maas-api.md#authentication-errors, docs/maas-upload-protocol.md#differences-between-eras: non-integer oauth_timestamp', async (t) => {
  t.test('3.8 → 400 with the quoted Bad Request text', async (t) => {
    const sim = await startMaasSimulator({ era: '3.8' });
    t.teardown(() => sim.close());
    const r = await call(sim, 'GET', 'users/?op=whoami', { authorization: oauthHeader(sim.adminKey, { timestamp: 'abc' }) });
    t.equal(r.status, 400);
    t.equal(r.text, "'Bad Request: the following problems were found among the auth params: oauth_timestamp has an unexpected type'");
    t.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
  });
  t.test('3.7 → 500 from int() (unverified in the reference)', async (t) => {
    const sim = await startMaasSimulator({ era: '3.7' });
    t.teardown(() => sim.close());
    const r = await call(sim, 'GET', 'users/?op=whoami', { authorization: oauthHeader(sim.adminKey, { timestamp: 'abc' }) });
    t.equal(r.status, 500);
    t.equal(r.text, "invalid literal for int() with base 10: 'abc'");
  });
});

t.test('docs/maas-api.md#authentication-errors: ≤3.7 tests presence by substring on the raw header', async (t) => {
  const sim = await startMaasSimulator({ era: '3.7' });
  t.teardown(() => sim.close());
  // `oauth_signature` is a substring of `oauth_signature_method`, so piston treats the request as an
  // OAuth attempt and python-oauth's get_parameter then fails.
  const r = await call(sim, 'GET', 'users/?op=whoami', { authorization: oauthHeader(sim.adminKey, { omit: ['oauth_signature'] }) });
  t.equal(r.status, 401);
  t.equal(r.text, "Authorization Error: 'Parameter not found: oauth_signature'");
  const r2 = await call(sim, 'GET', 'users/?op=whoami', { authorization: oauthHeader(sim.adminKey, { omit: ['oauth_nonce'] }) });
  t.equal(r2.text, 'Forbidden');
});

t.test('docs/maas-api.md#the-300-s-window: HMAC-SHA1 signatures are verified', async (t) => {
  const { createHmac } = await import('node:crypto');
  const sim = await startMaasSimulator();
  t.teardown(() => sim.close());
  const [ck, tk, ts] = sim.adminKey.split(':') as [string, string, string];
  const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const oauth: Record<string, string> = {
    oauth_consumer_key: ck,
    oauth_token: tk,
    oauth_signature_method: 'HMAC-SHA1',
    oauth_timestamp: String(Math.floor(Date.now() / 1000)),
    oauth_nonce: 'hmac-nonce',
    oauth_version: '1.0',
  };
  const params = [...Object.entries(oauth), ['op', 'whoami']].map(([k, v]) => [enc(k!), enc(v!)]).sort(([a], [b]) => (a! < b! ? -1 : 1));
  const base = `GET&${enc(`http://127.0.0.1:${sim.port}/MAAS/api/2.0/users/`)}&${enc(params.map(([k, v]) => `${k}=${v}`).join('&'))}`;
  const sig = createHmac('sha1', `&${ts}`).update(base).digest('base64');
  const header = `OAuth ${Object.entries({ ...oauth, oauth_signature: sig }).map(([k, v]) => `${k}="${enc(v)}"`).join(', ')}`;
  t.equal((await call(sim, 'GET', 'users/?op=whoami', { authorization: header })).status, 200);
  const wrong = header.replace('hmac-nonce', 'hmac-nonce-2');
  const r = await call(sim, 'GET', 'users/?op=whoami', { authorization: wrong });
  t.equal(r.status, 401, 'a changed parameter breaks the HMAC');
  t.match(r.text, /Invalid signature/);
});
