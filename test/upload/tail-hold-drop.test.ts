// A connection dropped late in a slow chunk's crossing (docs/maas-upload-protocol.md#holding-back-the-tail):
// with the tail held back, the drop comes before the whole body was handed over, so the chunk is
// certainly not applied and goes again at once, without the settle window; a late drop whose body
// did reach MAAS is still watched for and never sent twice. The simulator's request log and
// stored bytes are the truth.
import t from 'tap';
import type { RequestRecord } from '../../lib/testing/index.js';
import { fileIdOf, makeImage, tempDir, uploadEnv } from '../fixtures/upload-env.js';

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
