// A connection dropped late in a slow chunk's crossing (docs/maas-upload-protocol.md#holding-back-the-tail):
// with the tail held back, the drop comes before the whole body was handed over, so the chunk is
// certainly not applied and goes again at once, without the settle window; a late drop whose body
// did reach MAAS is still watched for and never sent twice. The simulator's request log and
// stored bytes are the truth.
import t from 'tap';
import type { RequestRecord } from '../../lib/testing/index.js';
import { fileIdOf, makeImage, tempDir, uploadEnv } from '../fixtures/upload-env.js';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MaasApiClient } from '../../lib/http/api-client.js';
import { holdTail } from '../../lib/upload/tail-pacing.js';
import { startConnectProxy } from '../fixtures/connect-proxy.js';
import { reusedBuffer } from '../fixtures/reused-buffer.js';

const MiB = 1024 * 1024;
const CHUNK = 4 * MiB;
/**
 * A chunk crosses in 1.5 s: slow enough to hold its tail back, and long enough that the drop at
 * 85 % comes well before the release (about 95 %) even when a loaded machine delays the
 * simulator's link by 100 ms, and after the 80 % up to which the 25 % rule alone calls it certain.
 */
const LINK = CHUNK / 1.5;
/** Where the second chunk's connection drops: past the 25 % rule's reach, before the tail. */
const DROP_AT = 0.85;
/** Long enough that a settle cannot hide in the time a certain drop costs. */
const SETTLE_MS = 3_000;

/** The requests after the `nth` PUT up to the next PUT: the offset reads between them. */
function between(requests: RequestRecord[], nth: number): { cut: RequestRecord; reads: RequestRecord[]; next: RequestRecord | undefined } {
  const puts = requests.filter((r) => r.method === 'PUT');
  const cut = puts[nth - 1]!;
  const next = puts[nth];
  const reads = requests.filter((r) => r.method === 'GET' && /\/boot-resources\/\d+\/$/.test(r.path) && r.receivedAt > cut.receivedAt && (!next || r.receivedAt < next.receivedAt));
  return { cut, reads, next };
}

function appliedBytes(requests: RequestRecord[]): number {
  return requests.filter((r) => r.method === 'PUT' && r.status === 200).reduce((n, r) => n + r.bodyBytes, 0);
}

t.test('a drop 85 % into a slow chunk is resent at once, without a settle, and the stored bytes are the file', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 18 * MiB);
  env.sim.faults.throttle(LINK);
  // Chunk 1 gives the rate; chunk 2 loses its connection once the server has read 85 % of it.
  env.sim.faults.add({ match: { method: 'PUT', nth: 2 }, action: { type: 'cut', afterBytes: Math.floor(DROP_AT * CHUNK), apply: false } });
  const result = await env.client.bootResources.upload(env.options(image, { chunkSize: CHUNK, settleMs: SETTLE_MS, pollIntervalMs: 100 })).done();
  const { cut, reads, next } = between(env.sim.requests, 2);
  t.equal(cut.fault, 'cut', 'the second PUT was the one cut');
  t.equal(reads.length, 1, `one offset read, no settle watch (${reads.length} reads)`);
  const lostMs = next!.receivedAt - cut.receivedAt - (cut.bodyBytes / LINK) * 1000;
  t.ok(lostMs < SETTLE_MS / 2, `the next PUT came ${lostMs.toFixed(0)} ms after the partial body had crossed`);
  t.equal(result.file.complete, true);
  t.equal(await env.storedSha256(fileIdOf(cut.path)), image.sha256, 'stored sha256 == source');
  t.equal(appliedBytes(env.sim.requests), image.size, 'no byte applied twice');
});

t.test('a late drop after MAAS applied the whole chunk is still watched for: never sent twice', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 18 * MiB);
  env.sim.faults.throttle(LINK);
  // The tail was released, the whole body crossed and was applied, and the answer was lost.
  env.sim.faults.add({ match: { method: 'PUT', nth: 2 }, action: { type: 'cut', apply: true } });
  const result = await env.client.bootResources.upload(env.options(image, { chunkSize: CHUNK, settleMs: SETTLE_MS, pollIntervalMs: 100 })).done();
  const { cut, reads } = between(env.sim.requests, 2);
  t.equal(cut.applied, true, 'the server applied the cut chunk');
  t.ok(reads.length >= 1, 'the offset was read before anything was sent again');
  t.equal(result.file.complete, true);
  t.equal(await env.storedSha256(fileIdOf(cut.path)), image.sha256, 'stored sha256 == source');
  t.equal(appliedBytes(env.sim.requests) + cut.bodyBytes, image.size, 'the applied chunk was not sent again');
});

// A MAAS slower to answer than the link is to carry a chunk's last bytes
// (docs/maas-upload-protocol.md#holding-back-the-tail): the fastest chunk's time counts that
// turnaround as link time, so a fixed lead would release the tail late and the link would wait
// for it on every chunk. Once a held chunk has shown the turnaround, the lead covers it: chunks
// after that take as long as the first, unheld one. The simulator's request log is the truth.
const SLOW_CHUNK = 1 * MiB;
/** 0.6 s a chunk: slow enough to hold its tail back. */
const SLOW_LINK = SLOW_CHUNK / 0.6;
/** MAAS answers each PUT this long after it has the whole body: far beyond the 30 ms lead. */
const TURNAROUND_MS = 400;

t.test('a slow MAAS turnaround: after the first held chunk the tail no longer goes late', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 12 * MiB);
  t.ok(image.size >= 5 * SLOW_CHUNK, `at least five whole chunks (${image.size} bytes)`);
  env.sim.faults.throttle(SLOW_LINK);
  env.sim.faults.add({ match: { method: 'PUT', times: Infinity }, action: { type: 'hang', ms: TURNAROUND_MS } });
  const result = await env.client.bootResources.upload(env.options(image, { chunkSize: SLOW_CHUNK })).done();
  t.equal(result.file.complete, true);
  const puts = env.sim.requests.filter((r) => r.method === 'PUT');
  const gaps = puts.slice(1).map((r, i) => r.receivedAt - puts[i]!.receivedAt);
  // Chunk 1 is never held: its gap is the link plus MAAS's turnaround plus the client's own time.
  // Chunk 2 is held with the fixed lead and waits for its tail; from chunk 3 the lead has learnt.
  const [unheld, , ...learnt] = gaps;
  const best = Math.min(...learnt.slice(0, 2));
  t.ok(best <= unheld! + 150, `PUT to PUT ${gaps.map((g) => g.toFixed(0)).join(', ')} ms: chunks 3–4 (best ${best.toFixed(0)}) as fast as the unheld first (${unheld!.toFixed(0)}), not ${TURNAROUND_MS - 30} ms later`);
});

// The tail hold-back through both HTTP paths (lib/http/direct-http.ts, and undici behind a
// proxy): the empty pieces it yields while holding leave the body exact, the tail reaches the
// server only after the release, and a connection dropped during the hold fails the request
// within a poll, not at the release (docs/maas-upload-protocol.md#holding-back-the-tail).
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
