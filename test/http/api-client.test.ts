import t from 'tap';
import { MaasApiClient } from '../../lib/http/api-client.js';
import {
  MaasAuthError,
  MaasConflictError,
  MaasNetworkError,
  MaasNotFoundError,
  MaasPermissionError,
  MaasServerError,
  MaasTimeoutError,
  MaasValidationError,
  MaasAbortError,
} from '../../lib/errors/index.js';
import { startServer } from '../fixtures/http-server.js';

const KEY = 'ck0000000000000000:tk0000000000000000:ts00000000000000000000000000000000';
const fast = { baseMs: 1, maxMs: 5, retries: 3 };

t.test('non-2xx answers become typed errors with MAAS\'s text (docs/maas-api.md#authentication-errors, #error-statuses-and-texts)', async (t) => {
  const answers: Record<string, [number, string, string]> = {
    '/a': [401, 'text/plain', "Authorization Error: 'Invalid access token: tk'"],
    '/b': [403, 'text/plain; charset=utf-8', 'This method is reserved for admin users.'],
    '/c': [404, 'text/plain', 'No BootResource matches the given query.'],
    '/d': [400, 'application/json; charset=utf-8', '{"architecture": ["\'x\' is not a valid architecture.  It should be one of: \'amd64/generic\'."]}'],
    '/e': [500, 'text/plain; charset=utf-8', 'BootResource matching query does not exist.'],
    '/f': [409, 'text/plain', 'conflict'],
    '/g': [413, 'text/html', '<html><head><title>413 Request Entity Too Large</title></head></html>'],
  };
  const srv = await startServer((req, res) => {
    const [status, type, body] = answers[req.url!.replace(/\/MAAS\/api\/2\.0/, '')]!;
    res.writeHead(status, { 'content-type': type });
    res.end(body);
  });
  t.teardown(srv.close);
  const api = new MaasApiClient({ apiUrl: `${srv.url}/MAAS/api/2.0/`, apiKey: KEY, backoff: fast });
  t.teardown(() => api.close());
  const cases: Array<[string, new (...a: never[]) => Error, RegExp]> = [
    ['/a', MaasAuthError, /Invalid access token/],
    ['/b', MaasPermissionError, /reserved for admin users/],
    ['/c', MaasNotFoundError, /No BootResource matches/],
    ['/d', MaasValidationError, /architecture: 'x' is not a valid architecture/],
    ['/f', MaasConflictError, /conflict/],
    ['/g', MaasValidationError, /larger than the server accepts/],
  ];
  for (const [path, cls, text] of cases) {
    const err = await api.request('POST', path.slice(1)).catch((e: unknown) => e);
    t.ok(err instanceof cls, `${path} → ${cls.name}`);
    t.match((err as Error).message, text);
    t.equal((err as MaasValidationError).status, answers[path]![0]);
  }
  const v = (await api.request('POST', 'd').catch((e: unknown) => e)) as MaasValidationError;
  t.same(Object.keys(v.fields ?? {}), ['architecture'], 'field errors are kept');
  const five = (await api.request('GET', 'e').catch((e: unknown) => e)) as MaasServerError;
  t.ok(five instanceof MaasServerError);
  t.equal(srv.requests.filter((r) => r.url.endsWith('/e')).length, 4, 'an idempotent GET is retried (1 + 3 retries)');
  const posts = srv.requests.filter((r) => r.url.endsWith('/a')).length;
  t.equal(posts, 1, 'POST is never retried blindly');
  for (const r of srv.requests) t.notMatch(JSON.stringify(five) + (five.stack ?? ''), /ts0000/, 'no secret in errors');
});

t.test('503 with Retry-After is retried after the server\'s delay, with a fresh signature each time', async (t) => {
  let n = 0;
  const srv = await startServer((_req, res) => {
    n += 1;
    if (n <= 2) {
      res.writeHead(503, { 'retry-after': '1', 'content-type': 'text/plain' });
      res.end('busy');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok": true}');
  });
  t.teardown(srv.close);
  const notices: number[] = [];
  const api = new MaasApiClient({ apiUrl: `${srv.url}/MAAS/api/2.0/`, apiKey: KEY, backoff: fast, onRetry: (r) => notices.push(r.delayMs) });
  t.teardown(() => api.close());
  const started = Date.now();
  t.same(await api.json('GET', 'x/'), { ok: true });
  t.ok(Date.now() - started >= 1900, 'waited for Retry-After twice');
  t.same(notices.map((d) => d >= 1000), [true, true]);
  const nonces = srv.requests.map((r) => /oauth_nonce="([^"]+)"/.exec(String(r.headers.authorization))![1]);
  t.equal(new Set(nonces).size, 3, 'three attempts, three nonces');
});

t.test('a 503 that is not retried carries the server\'s Retry-After as a typed field', async (t) => {
  const srv = await startServer((_req, res) => {
    res.writeHead(503, { 'retry-after': '7', 'content-type': 'text/plain' });
    res.end('busy');
  });
  t.teardown(srv.close);
  const api = new MaasApiClient({ apiUrl: `${srv.url}/MAAS/api/2.0/`, apiKey: KEY, backoff: fast });
  t.teardown(() => api.close());
  const err = await api.request('POST', 'x/').catch((e: unknown) => e);
  t.ok(err instanceof MaasServerError);
  t.equal((err as MaasServerError).retryAfterMs, 7000);
});

t.test('an expired-timestamp 401 is retried once with the server\'s clock (docs/maas-api.md#the-300-s-window)', async (t) => {
  const serverNow = Date.now() + 3_600_000;
  const srv = await startServer((req, res) => {
    const ts = Number(/oauth_timestamp="(\d+)"/.exec(String(req.headers.authorization))![1]);
    const now = Math.floor(serverNow / 1000);
    if (now - ts > 300) {
      res.writeHead(401, { 'content-type': 'text/html', date: new Date(serverNow).toUTCString() });
      res.end(`Authorization Error: 'Expired timestamp: given ${ts} and now ${now} has a greater difference than threshold 300'`);
      return;
    }
    res.writeHead(201, { 'content-type': 'application/json', date: new Date(serverNow).toUTCString() });
    res.end('{"id": 1}');
  });
  t.teardown(srv.close);
  const api = new MaasApiClient({ apiUrl: `${srv.url}/MAAS/api/2.0/`, apiKey: KEY, backoff: fast });
  t.teardown(() => api.close());
  t.same(await api.json('POST', 'boot-resources/', { form: { name: 'esxi/8.0' } }), { id: 1 });
  t.equal(srv.requests.length, 2);
  t.match(srv.requests[0]!.headers['content-type'], /^multipart\/form-data; boundary=/, 'form fields go as multipart, like the maas CLI');
  t.match(srv.requests[0]!.body.toString(), /name="name"\r\n\r\nesxi\/8\.0/);
});

t.test('network failures are typed and name the fix', async (t) => {
  const srv = await startServer(() => undefined);
  const url = srv.url;
  await srv.close();
  const api = new MaasApiClient({ apiUrl: `${url}/MAAS/api/2.0/`, apiKey: null, backoff: { baseMs: 1, maxMs: 1, retries: 0 } });
  t.teardown(() => api.close());
  const err = (await api.request('GET', 'version/').catch((e: unknown) => e)) as MaasNetworkError;
  t.ok(err instanceof MaasNetworkError);
  t.equal(err.code, 'ECONNREFUSED');
  t.match(err.hint, /Nothing listens/);

  const slow = await startServer(() => undefined); // never answers
  t.teardown(slow.close);
  const api2 = new MaasApiClient({ apiUrl: `${slow.url}/MAAS/api/2.0/`, apiKey: null, headersTimeoutMs: 200, backoff: { baseMs: 1, maxMs: 1, retries: 0 } });
  t.teardown(() => api2.close());
  const timeout = await api2.request('GET', 'version/').catch((e: unknown) => e);
  t.ok(timeout instanceof MaasTimeoutError, 'headers timeout → MaasTimeoutError');

  // Ctrl-C once the request has reached the server (an event, not a fixed wait).
  const ac = new AbortController();
  slow.server.once('request', () => ac.abort(new Error('user pressed Ctrl-C')));
  const aborted = await api2.request('GET', 'version/', { signal: ac.signal }).catch((e: unknown) => e);
  t.ok(aborted instanceof MaasAbortError, 'abort → MaasAbortError');
});

t.test('--debug trace shows requests and responses with the Authorization header redacted', async (t) => {
  const srv = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('[]');
  });
  t.teardown(srv.close);
  const lines: string[] = [];
  const api = new MaasApiClient({ apiUrl: `${srv.url}/MAAS/api/2.0/`, apiKey: KEY, trace: (l) => lines.push(l) });
  t.teardown(() => api.close());
  await api.json('GET', 'boot-resources/', { query: { type: 'uploaded' } });
  const all = lines.join('\n');
  t.match(all, /> GET http:\/\/127\.0\.0\.1:\d+\/MAAS\/api\/2\.0\/boot-resources\/\?type=uploaded/);
  t.match(all, /< 200 GET/);
  t.match(all, /oauth_signature="\[REDACTED\]"/);
  t.notMatch(all, /ts0000|tk0000000000000000|ck0000000000000000/, 'no part of the key in the trace');
});

t.test('url() joins API-relative paths and absolute upload_uri paths with the profile origin', async (t) => {
  const api = new MaasApiClient({ apiUrl: 'http://maas.example:5240/MAAS/api/2.0/', apiKey: null });
  t.teardown(() => api.close());
  t.equal(api.url('boot-resources/7/'), 'http://maas.example:5240/MAAS/api/2.0/boot-resources/7/');
  t.equal(api.url('/MAAS/api/2.0/boot-resources/7/upload/9/'), 'http://maas.example:5240/MAAS/api/2.0/boot-resources/7/upload/9/');
  t.equal(api.url('users/', { op: 'whoami', x: ['a', 'b'] }), 'http://maas.example:5240/MAAS/api/2.0/users/?op=whoami&x=a&x=b');
});

t.test('API calls on a direct connection share one kept-alive connection, forms included', async (t) => {
  const srv = await startServer((_req, res) => res.end('{}'));
  t.teardown(srv.close);
  let connections = 0;
  srv.server.on('connection', () => (connections += 1));
  const api = new MaasApiClient({ apiUrl: `${srv.url}/MAAS/api/2.0/`, apiKey: null });
  t.teardown(() => api.close());
  await api.json('GET', 'version/');
  await api.json('POST', 'boot-resources/', { form: { name: 'esxi/8.0' } });
  await api.json('GET', 'users/', { query: { op: 'whoami' } });
  t.equal(srv.requests.length, 3);
  t.equal(connections, 1, 'one connection for every call');
});
