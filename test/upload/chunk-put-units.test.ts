// One chunk PUT (lib/upload/chunk-put.ts) with a scripted body and a scripted MAAS answer: what
// the attempt records, its timeouts (idle while sending, then the wait for the answer), and how
// Ctrl-C abandons it by resetting the connection so no body lands late
// (docs/maas-upload-protocol.md#abandoning-a-request-reset-not-close, #the-final-chunk).
import t from 'tap';
import { MaasError, MaasNetworkError, MaasServerError, UploadIntegrityError } from '../../lib/errors/index.js';
import type { ChunkSource } from '../../lib/upload/chunk-source.js';
import { putChunk } from '../../lib/upload/chunk-put.js';
import type { UploadOptions } from '../../lib/upload/types.js';
import { fakeUpload, type FakeUpload } from '../fixtures/fake-upload.js';
import { pollUntil } from '../fixtures/poll.js';

const LENGTH = 1_000;
/** `stall`: MAAS reads the first slice of the body, then nothing more. */
type Answer = 'ok' | 'hang' | 'stall' | Error | { afterMs: number };

interface PutRig extends FakeUpload {
  resets: number;
  calls: Array<{ uploadUri: string; length: number; headersTimeoutMs: number | undefined; received: number }>;
  /** The chunk buffer size each chunk source was made with. */
  buffers: number[];
}

/**
 * A body in slices (`gated`: the second never comes; `gapMs` paces them), and a
 * MAAS that reads the whole body, then answers as told; an abandoned request fails as the transport does.
 */
function rig(answer: Answer, opts: Partial<UploadOptions> = {}, body: { gated?: boolean; slices?: number; gapMs?: number } = {}): PutRig {
  const f = fakeUpload({ size: 10_000, offset: 0, opts });
  const gate = body.gated ? new Promise<void>(() => undefined) : Promise.resolve();
  const slices = body.slices ?? 2;
  const r: PutRig = { ...f, resets: 0, calls: [], buffers: [] };
  f.ctx.chunkSource = (_path, chunkSize) =>
    (r.buffers.push(chunkSize), {
      async *chunk(_offset: number, length: number, onSent: (sent: number) => void) {
        for (let i = 1; i <= slices; i++) {
          if (i === 2) await gate;
          if (i > 1 && body.gapMs) await new Promise((resolve) => setTimeout(resolve, body.gapMs));
          yield Buffer.alloc(length / slices, i);
          onSent((length * i) / slices);
        }
      },
    }) as unknown as ChunkSource;
  Object.assign(f.ctx.deps.api, { transport: { resetConnections: () => void (r.resets += 1) } });
  Object.assign(f.ctx.deps.resources, {
    uploadChunk: (o: { uploadUri: string; body: AsyncIterable<Uint8Array>; length: number; signal: AbortSignal; headersTimeoutMs?: number }) =>
      new Promise<void>((resolve, reject) => {
        const call = { uploadUri: o.uploadUri, length: o.length, headersTimeoutMs: o.headersTimeoutMs, received: 0 };
        r.calls.push(call);
        o.signal.addEventListener('abort', () => reject(new MaasNetworkError('Cannot reach maas: aborted', { code: 'UND_ERR_ABORTED' })), { once: true });
        void (async () => {
          if (answer === 'stall') {
            const first = await o.body[Symbol.asyncIterator]().next();
            call.received += first.value?.length ?? 0;
            return;
          }
          for await (const piece of o.body) call.received += piece.length;
          if (answer === 'ok') resolve();
          else if (answer instanceof Error) reject(answer);
          else if (answer !== 'hang') setTimeout(resolve, answer.afterMs);
        })();
      }),
  });
  return r;
}

t.test('an answered PUT: status 200, every byte handed over, progress reported', async (t) => {
  const r = rig('ok');
  const a = await putChunk(r.ctx, r.s, 3_000, LENGTH, false);
  t.same({ ...a, elapsedMs: 0 }, { offset: 3_000, length: LENGTH, final: false, handedOver: LENGTH, elapsedMs: 0, status: 200, error: undefined, timedOut: false });
  t.ok(a.elapsedMs >= 0 && a.elapsedMs < 60_000, `elapsedMs is the attempt's duration (${a.elapsedMs})`);
  t.same(r.buffers, [10_000], 'the chunk buffer is no larger than the file');
  t.same(r.calls, [{ uploadUri: '/MAAS/api/2.0/boot-resources/7/upload/7/', length: LENGTH, headersTimeoutMs: 180_000, received: LENGTH }], "2 min for MAAS's answer, undici's own a minute later");
  t.same(r.log.progress, [
    ['upload', 3_500, 3_000, 10_000],
    ['upload', 4_000, 3_000, 10_000],
  ]);
  t.same([r.resets, r.log.phases], [0, []]);
});

t.test('the final chunk: MAAS hashes the whole file before answering, so it gets 30 min and says so', async (t) => {
  const r = rig('ok');
  await putChunk(r.ctx, r.s, 9_000, LENGTH, true);
  t.equal(r.calls[0]!.headersTimeoutMs, 31 * 60_000);
  t.same(r.log.phases, [['verify', "MAAS is checking the image's sha256 (up to 30 min)"]]);
  const sliced = rig('ok', {}, { slices: 4 });
  await putChunk(sliced.ctx, sliced.s, 9_000, LENGTH, true);
  t.equal(sliced.log.phases.length, 1, 'said once, when the whole body is handed over');
  const custom = rig('ok', { finalChunkTimeoutMs: 120_000, chunkTimeoutMs: 5_000 });
  await putChunk(custom.ctx, custom.s, 9_000, LENGTH, true);
  t.equal(custom.calls[0]!.headersTimeoutMs, 180_000);
  t.same(custom.log.phases, [['verify', "MAAS is checking the image's sha256 (up to 2 min)"]]);
  const other = rig('ok', { finalChunkTimeoutMs: 120_000, chunkTimeoutMs: 5_000 });
  await putChunk(other.ctx, other.s, 0, LENGTH, false);
  t.same([other.calls[0]!.headersTimeoutMs, other.log.phases], [65_000, []], 'other chunks: chunkTimeoutMs');
});

t.test('a file without upload_uri cannot take chunks', async (t) => {
  const r = rig('ok');
  r.server.complete = true;
  r.s.file = r.server.file();
  const e = await t.rejects(putChunk(r.ctx, r.s, 0, LENGTH, false));
  t.same([e instanceof UploadIntegrityError, (e as Error).message], [true, 'The server file has no upload_uri although it is incomplete.']);
  t.same(r.calls, []);
});

t.test("MAAS's refusal is kept with its status; anything else becomes a MaasError without one", async (t) => {
  const busy = new MaasServerError('MAAS server error (HTTP 503).', { status: 503 });
  const r = rig(busy);
  const a = await putChunk(r.ctx, r.s, 0, LENGTH, false);
  t.same([a.status, a.error, a.handedOver, a.timedOut, r.resets], [503, busy, LENGTH, false, 0]);
  const hangUp = new Error('socket hang up');
  const h = rig(hangUp);
  const odd = await putChunk(h.ctx, h.s, 0, LENGTH, false);
  t.ok(odd.error instanceof MaasError);
  t.same([odd.error!.message, odd.error!.cause, odd.status], ['socket hang up', hangUp, undefined]);
});

t.test('no answer within chunkTimeoutMs after the body: abandoned with a reset, timed out', async (t) => {
  const r = rig('hang', { chunkTimeoutMs: 30 });
  const a = await putChunk(r.ctx, r.s, 0, LENGTH, false);
  t.same([a.timedOut, a.status, a.handedOver, r.resets], [true, undefined, LENGTH, 1]);
  t.ok(a.error instanceof MaasNetworkError);
  t.ok(a.elapsedMs >= 25, `it waited (${a.elapsedMs} ms)`);
});

t.test('a slow but moving body is not a timeout: each slice re-arms the idle timer', async (t) => {
  const r = rig('ok', { chunkTimeoutMs: 200 }, { slices: 5, gapMs: 70 });
  const a = await putChunk(r.ctx, r.s, 0, LENGTH, false);
  t.same([a.status, a.timedOut, r.resets], [200, false, 0], `${a.elapsedMs} ms in all, longer than the idle timeout`);
  t.ok(a.elapsedMs >= 200);
});

t.test('a final chunk stalled while sending times out on the idle timer, not the 30 min answer wait', async (t) => {
  const r = rig('ok', { chunkTimeoutMs: 30, finalChunkTimeoutMs: 60_000 }, { gated: true });
  const a = await putChunk(r.ctx, r.s, 0, LENGTH, true);
  t.same([a.timedOut, a.status, a.handedOver, r.resets], [true, undefined, LENGTH / 2, 1]);
  t.ok(a.elapsedMs < 5_000);
});

t.test('Ctrl-C while MAAS has stopped reading: not all of the body handed over, abandoned at once', async (t) => {
  const big = 10 * 64 * 1024;
  const r = rig('stall', { interruptGraceMs: 60_000 }, { slices: 10 });
  const put = putChunk(r.ctx, r.s, 0, big, false);
  await waitFor('MAAS took the first slice', () => r.calls[0]?.received === 64 * 1024);
  r.abort.abort(new Error('Ctrl-C'));
  const a = await put;
  t.ok(a.handedOver <= r.calls[0]!.received, `${a.handedOver} bytes counted as handed over, ${r.calls[0]!.received} taken by MAAS: never more`);
  t.same([a.status, r.resets, r.log.phases], [undefined, 1, []], 'not all of it sent: abandoned at once');
});

t.test('after the whole final body, the answer timeout applies, not the idle one', async (t) => {
  const r = rig({ afterMs: 100 }, { chunkTimeoutMs: 30, finalChunkTimeoutMs: 5_000 });
  const a = await putChunk(r.ctx, r.s, 0, LENGTH, true);
  t.same([a.status, a.timedOut, r.resets], [200, false, 0]);
});

t.test('Ctrl-C with part of the body unsent: abandoned at once (MAAS never saw it)', async (t) => {
  const r = rig('ok', {}, { gated: true });
  const put = putChunk(r.ctx, r.s, 0, LENGTH, false);
  await waitFor('the first half handed over', () => r.log.progress.length === 1);
  r.abort.abort(new Error('Ctrl-C'));
  const a = await put;
  t.same([a.status, a.handedOver, a.timedOut, r.resets, r.log.phases], [undefined, LENGTH / 2, false, 1, []]);
});

t.test('Ctrl-C after the whole body: wait (bounded) for the answer, which decides', async (t) => {
  const answered = rig({ afterMs: 50 }, { interruptGraceMs: 60_000 });
  const put = putChunk(answered.ctx, answered.s, 0, LENGTH, false);
  await waitFor('the whole body at MAAS', () => answered.calls[0]?.received === LENGTH);
  answered.abort.abort(new Error('Ctrl-C'));
  const a = await put;
  t.same([a.status, answered.resets], [200, 0], 'the answer came within the grace period');
  t.same(answered.log.phases, [['confirm', 'waiting for MAAS to confirm the last chunk']]);
  const silent = rig('hang', { interruptGraceMs: 20 });
  const put2 = putChunk(silent.ctx, silent.s, 0, LENGTH, false);
  await waitFor('the whole body at MAAS', () => silent.calls[0]?.received === LENGTH);
  silent.abort.abort(new Error('Ctrl-C'));
  const b = await put2;
  t.same([b.status, b.timedOut, silent.resets], [undefined, false, 1], 'no answer within it: abandoned with a reset');
});

t.test('a second Ctrl-C (forceSignal) abandons at once; after the PUT, signals change nothing', async (t) => {
  const force = new AbortController();
  const r = rig('hang', { forceSignal: force.signal, interruptGraceMs: 60_000 });
  const put = putChunk(r.ctx, r.s, 0, LENGTH, false);
  await waitFor('the whole body at MAAS', () => r.calls[0]?.received === LENGTH);
  force.abort();
  const a = await put;
  t.same([a.status, r.resets], [undefined, 1]);
  const done = rig('ok', { forceSignal: new AbortController().signal });
  await putChunk(done.ctx, done.s, 0, LENGTH, false);
  const lateForce = new AbortController();
  const done2 = rig('ok', { forceSignal: lateForce.signal });
  await putChunk(done2.ctx, done2.s, 0, LENGTH, false);
  done.abort.abort(new Error('late Ctrl-C'));
  lateForce.abort();
  t.same([done.resets, done.log.phases, done2.resets], [0, [], 0], 'no listener left behind');
  const twice = new AbortController();
  const r2 = rig('ok', { forceSignal: twice.signal }, { gated: true });
  const put2 = putChunk(r2.ctx, r2.s, 0, LENGTH, false);
  await waitFor('the first half handed over', () => r2.log.progress.length === 1);
  r2.abort.abort(new Error('Ctrl-C'));
  twice.abort();
  await put2;
  t.equal(r2.resets, 1, 'abandoned once, however many signals ask');

});

const waitFor = (what: string, check: () => boolean): Promise<void> => pollUntil(what, check, { timeoutMs: 5_000, intervalMs: 1 });
