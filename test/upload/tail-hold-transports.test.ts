// The tail hold-back through both HTTP paths (lib/http/direct-http.ts, and undici behind a
// proxy): the empty pieces it yields while holding leave the body exact, the tail reaches the
// server only after the release, and a connection dropped during the hold fails the request
// within a poll, not at the release (docs/maas-upload-protocol.md#holding-back-the-tail).
import t from 'tap';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MaasApiClient } from '../../lib/http/api-client.js';
import { holdTail } from '../../lib/upload/tail-pacing.js';
import { startConnectProxy } from '../fixtures/connect-proxy.js';
import { reusedBuffer } from '../fixtures/reused-buffer.js';

const KiB = 1024;
const PIECE = 256 * KiB;
const PIECES = 4;
const LENGTH = PIECE * PIECES;
const TAIL = 64 * KiB;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/MAAS/api/2.0/`;
}

/** A client direct or through a CONNECT proxy (counted), torn down with the test. */
async function clientFor(t: { teardown(fn: () => unknown): void }, apiUrl: string, proxied: boolean): Promise<{ api: MaasApiClient; connects: () => number }> {
  const proxy = proxied ? await startConnectProxy() : undefined;
  const api = new MaasApiClient({ apiUrl, apiKey: null, env: proxy ? { HTTP_PROXY: proxy.url, NO_PROXY: '' } : {} });
  t.teardown(async () => {
    await api.close();
    await proxy?.close();
  });
  return { api, connects: () => proxy?.connects() ?? 0 };
}

function put(api: MaasApiClient, body: AsyncIterable<Uint8Array>): Promise<unknown> {
  return api.request('PUT', 'upload/', { body, headers: { 'content-type': 'application/octet-stream', 'content-length': String(LENGTH) }, idempotent: false });
}

for (const proxied of [false, true]) {
  const path = proxied ? 'behind a proxy' : 'direct';

  t.test(`${path}: the held body arrives exactly, its tail after the release`, async (t) => {
    const received: Array<{ at: number; bytes: Buffer }> = [];
    const server = createServer((req: IncomingMessage, res) => {
      req.on('data', (d: Buffer) => received.push({ at: Date.now(), bytes: d }));
      req.on('end', () => res.end('{}'));
    });
    const apiUrl = await listen(server);
    t.teardown(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
    const { api, connects } = await clientFor(t, apiUrl, proxied);
    const { body, expected } = reusedBuffer(PIECE, PIECES);
    const started = Date.now();
    await put(api, holdTail(body, LENGTH, { tailBytes: TAIL, releaseAfterMs: 300 }, started));
    t.ok(Buffer.concat(received.map((r) => r.bytes)).equals(expected), 'the server holds exactly the body, in order');
    let before = 0;
    for (const r of received) if (r.at - started < 300 - 2) before += r.bytes.length;
    t.ok(before <= LENGTH - TAIL, `${before} bytes arrived before the release, at most all but the tail`);
    t.equal(connects(), proxied ? 1 : 0, proxied ? 'through the proxy' : 'no proxy');
  });

  t.test(`${path}: a connection dropped during the hold fails the request within a poll`, async (t) => {
    let got = 0;
    const server = createServer((req: IncomingMessage) => {
      req.on('data', (d: Buffer) => {
        got += d.length;
        // MAAS's side goes away once most of the body is in: during the hold.
        if (got >= LENGTH / 2) req.socket.destroy();
      });
    });
    const apiUrl = await listen(server);
    t.teardown(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
    const { api } = await clientFor(t, apiUrl, proxied);
    const { body } = reusedBuffer(PIECE, PIECES);
    const started = Date.now();
    await t.rejects(put(api, holdTail(body, LENGTH, { tailBytes: TAIL, releaseAfterMs: 10_000 }, started)), 'the request fails');
    const ms = Date.now() - started;
    t.ok(ms < 5_000, `failed after ${ms} ms, not at the release 10 s in`);
  });
}
