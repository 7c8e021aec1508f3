import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { MaasApiClient } from '../../lib/http/api-client.js';
import { isTransient, MaasNetworkError } from '../../lib/errors/index.js';
import { pollUntil } from '../fixtures/poll.js';
import { exitCodeFor } from '../../lib/cli/exit-codes.js';
import { startConnectProxy } from '../fixtures/connect-proxy.js';
import { reusedBuffer } from '../fixtures/reused-buffer.js';

function makeCert(dir: string): { key: string; cert: string } {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
}

t.test('TLS: a private CA is trusted with ca, refused without it, skipped with insecure', async (t) => {
  const { key, cert } = makeCert(t.testdir({}));
  const server = createHttpsServer({ key, cert }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"version": "3.8.0"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  const apiUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}/MAAS/api/2.0/`;
  const noRetry = { baseMs: 1, maxMs: 1, retries: 0 };

  const strict = new MaasApiClient({ apiUrl, apiKey: null, backoff: noRetry });
  const err = (await strict.json('GET', 'version/').catch((e: unknown) => e)) as MaasNetworkError;
  await strict.close();
  t.ok(err instanceof MaasNetworkError);
  t.match(err.message, /TLS certificate verification failed/);
  t.match(err.fix, { option: 'ca' }, 'the fix names the SDK option; the CLI maps it to --cacerts');
  t.equal(exitCodeFor(err), 1, 'TLS failure is a local error (exit 1), like the maas CLI');

  const withCa = new MaasApiClient({ apiUrl, apiKey: null, ca: cert });
  t.same(await withCa.json('GET', 'version/'), { version: '3.8.0' });
  await withCa.close();

  const insecure = new MaasApiClient({ apiUrl, apiKey: null, insecure: true });
  t.same(await insecure.json('GET', 'version/'), { version: '3.8.0' });
  await insecure.close();
});

t.test('a refused certificate fails at once: retrying cannot change it (one handshake, no back-off)', async (t) => {
  const { key, cert } = makeCert(t.testdir({}));
  const server = createHttpsServer({ key, cert }, (_req, res) => res.end('{}'));
  let handshakesRefused = 0;
  server.on('tlsClientError', () => handshakesRefused++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  const apiUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}/MAAS/api/2.0/`;
  const retried: number[] = [];
  const client = new MaasApiClient({ apiUrl, apiKey: null, backoff: { baseMs: 1, maxMs: 1, retries: 4 }, onRetry: (n) => retried.push(n.attempt) });
  const err = (await client.json('GET', 'version/').catch((e: unknown) => e)) as MaasNetworkError;
  await client.close();
  t.match(err, { name: 'MaasNetworkError', fix: { option: 'ca' } });
  t.same(retried, [], 'no retry announced');
  await pollUntil('the server to log the refused handshake', () => handshakesRefused > 0);
  t.equal(handshakesRefused, 1, 'the server saw exactly one handshake, refused by the client');
  t.notOk(isTransient(err), 'not transient');
});

t.test('HTTPS_PROXY is honoured and the CA reaches the tunnelled TLS (docs/dependencies.md#undici)', async (t) => {
  const { key, cert } = makeCert(t.testdir({}));
  const target = createHttpsServer({ key, cert }, (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('"via proxy"');
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  const targetPort = (target.address() as AddressInfo).port;
  const proxy = await startConnectProxy();
  t.teardown(async () => {
    target.closeAllConnections();
    await proxy.close();
    await new Promise<void>((r) => target.close(() => r()));
  });
  const env = { HTTPS_PROXY: proxy.url, NO_PROXY: '' };
  const api = new MaasApiClient({ apiUrl: `https://127.0.0.1:${targetPort}/MAAS/api/2.0/`, apiKey: null, ca: cert, env });
  t.equal(await api.json('GET', 'version/'), 'via proxy');
  await api.close();
  t.equal(proxy.connects(), 1, 'the request went through the proxy');
});

t.test('behind a proxy, a body whose pieces share one buffer arrives exactly (undici reads ahead: each piece is copied)', async (t) => {
  const { key, cert } = makeCert(t.testdir({}));
  const received: Buffer[] = [];
  const target = createHttpsServer({ key, cert }, (req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => (received.push(Buffer.concat(parts)), res.end('{}')));
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  const proxy = await startConnectProxy();
  t.teardown(async () => {
    target.closeAllConnections();
    await proxy.close();
    await new Promise<void>((r) => target.close(() => r()));
  });
  const api = new MaasApiClient({ apiUrl: `https://127.0.0.1:${(target.address() as AddressInfo).port}/MAAS/api/2.0/`, apiKey: null, ca: cert, env: { HTTPS_PROXY: proxy.url, NO_PROXY: '' } });
  t.teardown(() => api.close());
  for (let round = 0; round < 2; round++) {
    const { body, expected } = reusedBuffer(2 * 1024 * 1024, 5);
    await api.request('PUT', 'upload/', { body, headers: { 'content-type': 'application/octet-stream', 'content-length': String(expected.length) } });
    t.ok(received[round]?.equals(expected), `round ${round}: the server holds exactly the pieces, in order`);
  }
  t.equal(proxy.connects(), 1, 'through the proxy');
});


// A hang-up during the TLS handshake is the URL's fault (https:// on MAAS's plain-HTTP port) only
// when MAAS never answered this client; after it has, it is a proxy or region restarting: retried,
// and the fix is a rerun.
t.test('TLS hang-up: before MAAS ever answered, the URL is at fault at once; after it answered, retried and a rerun', async (t) => {
  const { key, cert } = makeCert(t.testdir({}));
  const https = createHttpsServer({ key, cert }, (_req, res) => res.end('{"version": "3.8.0"}'));
  await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
  const port = (https.address() as AddressInfo).port;
  const apiUrl = `https://127.0.0.1:${port}/MAAS/api/2.0/`;
  const retried: number[] = [];
  const answered = new MaasApiClient({ apiUrl, apiKey: null, ca: cert, backoff: { baseMs: 1, maxMs: 1, retries: 2 }, onRetry: (n) => retried.push(n.attempt) });
  t.teardown(() => answered.close());
  t.same(await answered.json('GET', 'version/'), { version: '3.8.0' }, 'MAAS answered once');
  https.closeAllConnections();
  await new Promise<void>((r) => https.close(() => r()));
  // The same port now hangs up on every connection before the handshake completes.
  const hangUp = createNetServer((socket) => socket.destroy());
  await new Promise<void>((r) => hangUp.listen(port, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => hangUp.close(() => r())));
  const later = (await answered.json('GET', 'version/').catch((e: unknown) => e)) as MaasNetworkError;
  t.match(later, { name: 'MaasNetworkError', fix: { rerun: true } }, 'after an answer: a rerun');
  t.same(retried, [1, 2], 'retried with the usual budget');
  const fresh = new MaasApiClient({ apiUrl, apiKey: null, ca: cert, backoff: { baseMs: 1, maxMs: 1, retries: 2 }, onRetry: (n) => retried.push(n.attempt) });
  t.teardown(() => fresh.close());
  const first = (await fresh.json('GET', 'version/').catch((e: unknown) => e)) as MaasNetworkError;
  t.match(first, { name: 'MaasNetworkError', fix: { option: 'url' }, message: /before secure TLS connection was established/ }, 'never answered: the URL');
  t.same(retried, [1, 2], 'and not retried');
});
