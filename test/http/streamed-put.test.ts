// Streamed bodies (the upload's chunk PUTs) go over node:http on direct connections
// (lib/http/direct-http.ts). These check what the upload relies on, at the server: the exact
// bytes, a fresh signature per request, one kept-alive connection, TLS options, an early answer,
// and that nothing is read from the body before the connection is up.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { MaasApiClient } from '../../lib/http/api-client.js';
import { MaasError, MaasNetworkError, MaasValidationError } from '../../lib/errors/index.js';
import { startServer } from '../fixtures/http-server.js';
import { reusedBuffer } from '../fixtures/reused-buffer.js';
import { startMaasSimulator } from '../../lib/testing/index.js';

const KEY = 'ck0000000000000000:tk0000000000000000:ts00000000000000000000000000000000';
const noRetry = { baseMs: 1, maxMs: 1, retries: 0 };

/** A self-signed certificate for 127.0.0.1 and its key, written under `dir`. */
function selfSigned(dir: string): { key: string; cert: string } {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
}

/** `bytes` in `pieces` equal pieces; `pulled` counts the pieces read, `closed` says the reader stopped. */
function body(bytes: Buffer, pieces: number): { stream: Readable; pulled: () => number; closed: () => boolean } {
  let pulled = 0;
  let closed = false;
  async function* gen(): AsyncGenerator<Buffer> {
    try {
      const size = Math.ceil(bytes.length / pieces);
      for (let at = 0; at < bytes.length; at += size) {
        pulled += 1;
        yield bytes.subarray(at, at + size);
      }
    } finally {
      closed = true;
    }
  }
  return { stream: Readable.from(gen(), { objectMode: false }), pulled: () => pulled, closed: () => closed };
}

const put = (api: MaasApiClient, path: string, bytes: Buffer, b: Readable): Promise<unknown> =>
  api.request('PUT', path, { body: b, headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) } });

t.test('the body arrives whole, freshly signed each time, all PUTs on one kept-alive connection', async (t) => {
  const srv = await startServer((_req, res) => res.end('{}'));
  t.teardown(srv.close);
  const connections = new Set<Socket>();
  srv.server.on('connection', (s: Socket) => connections.add(s));
  const trace: string[] = [];
  const api = new MaasApiClient({ apiUrl: `${srv.url}/MAAS/api/2.0/`, apiKey: KEY, trace: (l) => trace.push(l) });
  t.teardown(() => api.close());
  const sent = [randomBytes(3 * 1024 * 1024 + 17), randomBytes(65_536), randomBytes(1)];
  for (const bytes of sent) await put(api, '/MAAS/api/2.0/boot-resources/1/upload/1/', bytes, body(bytes, 4).stream);
  t.same(srv.requests.map((r) => r.body.length), sent.map((b) => b.length), 'exact lengths');
  t.ok(srv.requests.every((r, i) => r.body.equals(sent[i]!)), 'exact bytes');
  t.equal(new Set(srv.requests.map((r) => r.headers.authorization)).size, 3, 'a fresh OAuth header per request');
  t.equal(connections.size, 1, 'one connection for every PUT');
  t.notMatch(trace.join('\n'), /tk0000|ts0000/, 'the --debug trace holds no secret');
  t.match(trace.join('\n'), /authorization: OAuth .*oauth_signature="\[REDACTED\]"/);
});

t.test('a body whose pieces share one buffer arrives exactly: the next piece is read only once the socket took the last', async (t) => {
  const srv = await startServer((_req, res) => res.end('{}'));
  t.teardown(srv.close);
  const api = new MaasApiClient({ apiUrl: `${srv.url}/MAAS/api/2.0/`, apiKey: KEY });
  t.teardown(() => api.close());
  for (let round = 0; round < 3; round++) {
    const { body: b, expected } = reusedBuffer(2 * 1024 * 1024, 6);
    await api.request('PUT', 'upload/', { body: b, headers: { 'content-type': 'application/octet-stream', 'content-length': String(expected.length) } });
    t.ok(srv.requests[round]!.body.equals(expected), `round ${round}: the server holds exactly the pieces, in order`);
  }
});

t.test('a refused connection reads nothing from the body (nothing counts as handed over)', async (t) => {
  const srv = await startServer((_req, res) => res.end());
  const url = srv.url;
  await srv.close();
  const api = new MaasApiClient({ apiUrl: `${url}/MAAS/api/2.0/`, apiKey: KEY, backoff: noRetry });
  t.teardown(() => api.close());
  const bytes = randomBytes(256 * 1024);
  const b = body(bytes, 4);
  const err = await put(api, '/MAAS/api/2.0/upload/', bytes, b.stream).catch((e: unknown) => e);
  t.ok(err instanceof MaasNetworkError, String(err));
  t.equal((err as MaasError).code, 'ECONNREFUSED');
  t.equal(b.pulled(), 0, 'no piece was read');
});

t.test('an answer before the whole body (a proxy 413) is the typed error, and the body reader has stopped', async (t) => {
  const srv = await startServer(() => undefined);
  // Answer on the headers, without reading the body, as nginx does past client_max_body_size.
  srv.server.removeAllListeners('request');
  srv.server.on('request', (_req, res) => {
    res.writeHead(413, { 'content-type': 'text/html', connection: 'close' });
    res.end('<html><title>413 Request Entity Too Large</title></html>');
  });
  t.teardown(srv.close);
  const api = new MaasApiClient({ apiUrl: `${srv.url}/MAAS/api/2.0/`, apiKey: KEY, backoff: noRetry });
  t.teardown(() => api.close());
  const bytes = randomBytes(32 * 1024 * 1024);
  const b = body(bytes, 64);
  const err = await put(api, '/MAAS/api/2.0/upload/', bytes, b.stream).catch((e: unknown) => e);
  t.ok(err instanceof MaasValidationError, String(err));
  t.equal((err as MaasError).code, 'BODY_TOO_LARGE');
  t.ok(b.closed(), 'the body was closed before the request settled (the upload reuses its buffer next)');
  t.ok(b.pulled() < 64, `stopped after ${b.pulled()} of 64 pieces`);
});

t.test('TLS: a streamed PUT trusts ca, is refused without it, skips the check with insecure', async (t) => {
  const dir = t.testdir({});
  const { key, cert } = selfSigned(dir);
  const received: number[] = [];
  const server = createHttpsServer({ key: key, cert }, (req, res) => {
    let n = 0;
    req.on('data', (d: Buffer) => (n += d.length));
    req.on('end', () => (received.push(n), res.end('{}')));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  const apiUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}/MAAS/api/2.0/`;
  const bytes = randomBytes(1024 * 1024);
  const strict = new MaasApiClient({ apiUrl, apiKey: KEY, backoff: noRetry });
  const b = body(bytes, 4);
  const err = await put(strict, 'upload/', bytes, b.stream).catch((e: unknown) => e);
  await strict.close();
  t.ok(err instanceof MaasNetworkError, String(err));
  t.match((err as MaasError).message, /TLS certificate verification failed/);
  t.equal(b.pulled(), 0, 'nothing read for a connection that never came up');
  for (const opts of [{ ca: cert }, { insecure: true }]) {
    const api = new MaasApiClient({ apiUrl, apiKey: KEY, ...opts });
    await put(api, 'upload/', bytes, body(bytes, 4).stream);
    await api.close();
  }
  t.same(received, [bytes.length, bytes.length], 'both bodies arrived whole');
});

t.test('TLS: a body whose pieces share one buffer arrives exactly (the encrypting socket may hold a piece past the write call)', async (t) => {
  const dir = t.testdir({});
  const { key, cert } = selfSigned(dir);
  const received: Buffer[] = [];
  const server = createHttpsServer({ key: key, cert }, (req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => (received.push(Buffer.concat(parts)), res.end('{}')));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));
  const api = new MaasApiClient({ apiUrl: `https://127.0.0.1:${(server.address() as AddressInfo).port}/MAAS/api/2.0/`, apiKey: KEY, ca: cert });
  t.teardown(() => api.close());
  const { body: b, expected } = reusedBuffer(512 * 1024, 12);
  await api.request('PUT', 'upload/', { body: b, headers: { 'content-type': 'application/octet-stream', 'content-length': String(expected.length) } });
  t.ok(received[0]?.equals(expected), 'the server holds exactly the pieces, in order');
});

// The create's form is encoded by lib/http/multipart.ts (no undici on a direct connection,
// docs/dependencies.md#undici). These check the bytes on the wire against RFC 7578 written out by
// hand, that an independent parser (the WHATWG Response.formData of Node itself) reads every field
// back, and that the simulator (Django MultiPartParser semantics) accepts it as MAAS would.
const FIELDS = { name: 'esxi/8.0', title: 'VMware ESXi 8.0 “u3” — ü', architecture: 'amd64/generic', size: 1048576, base_image: '', skipped: undefined };

t.test('the wire bytes are RFC 7578 parts of the given fields, with an exact length and boundary', async (t) => {
  const srv = await startServer((_req, res) => res.end('{}'));
  t.teardown(srv.close);
  const api = new MaasApiClient({ apiUrl: `${srv.url}/MAAS/api/2.0/`, apiKey: null });
  t.teardown(() => api.close());
  await api.request('POST', 'boot-resources/', { form: FIELDS });
  const [req] = srv.requests;
  const boundary = /^multipart\/form-data; boundary=(\S+)$/.exec(String(req!.headers['content-type']))?.[1];
  t.ok(boundary, 'content-type names the boundary');
  const part = (k: string, v: string): string => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`;
  const expected = Buffer.from(
    part('name', 'esxi/8.0') + part('title', 'VMware ESXi 8.0 “u3” — ü') + part('architecture', 'amd64/generic') + part('size', '1048576') + part('base_image', '') + `--${boundary}--\r\n`,
  );
  t.equal(req!.body.toString('utf8'), expected.toString('utf8'), 'the exact body; an undefined field is left out');
  t.equal(req!.headers['content-length'], String(expected.length), 'an exact Content-Length');
  t.equal(req!.headers['transfer-encoding'], undefined, 'not chunked');
  const parsed = await new Response(req!.body, { headers: { 'content-type': String(req!.headers['content-type']) } }).formData();
  t.same([...parsed.entries()], [['name', 'esxi/8.0'], ['title', 'VMware ESXi 8.0 “u3” — ü'], ['architecture', 'amd64/generic'], ['size', '1048576'], ['base_image', '']], 'an independent parser reads the same fields');
});

t.test('a field name with a quote or a line break cannot break out of its header', async (t) => {
  const srv = await startServer((_req, res) => res.end('{}'));
  t.teardown(srv.close);
  const api = new MaasApiClient({ apiUrl: `${srv.url}/MAAS/api/2.0/`, apiKey: null });
  t.teardown(() => api.close());
  await api.request('POST', 'x/', { form: { 'a"b\r\nc': 'v' } });
  const body = srv.requests[0]!.body.toString('utf8');
  t.match(body, /name="a%22b%0D%0Ac"\r\n\r\nv\r\n/);
});

t.test('MAAS (the simulator) parses the form: a create stores the fields it was sent', async (t) => {
  const sim = await startMaasSimulator();
  t.teardown(() => sim.close());
  const api = new MaasApiClient({ apiUrl: sim.apiUrl, apiKey: sim.adminKey });
  t.teardown(() => api.close());
  const sha256 = 'ab'.repeat(32);
  const created = await api.json<{ id: number }>('POST', 'boot-resources/', {
    form: { name: 'esxi/8.0', title: 'VMware ESXi 8.0 “u3”', architecture: 'amd64/generic', filetype: 'ddraw', sha256, size: 4096 },
  });
  const read = await api.json<{ name: string; title: string; architecture: string; sets: Record<string, { files: Record<string, { sha256: string; size: number }> }> }>('GET', `boot-resources/${created.id}/`);
  t.match(read, { name: 'esxi/8.0', title: 'VMware ESXi 8.0 “u3”', architecture: 'amd64/generic' });
  const files = Object.values(read.sets).flatMap((s) => Object.values(s.files));
  t.match(files, [{ sha256, size: 4096 }], 'sha256 and size as sent');
  const logged = sim.requests.find((r) => r.method === 'POST');
  t.match(logged, { status: 201 }, 'the request log has the create answered 201');
});
