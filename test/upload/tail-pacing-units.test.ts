// The tail hold-back's release rule and its body wrapper (lib/upload/tail-pacing.ts,
// docs/maas-upload-protocol.md#holding-back-the-tail), with a scripted clock: what is handed over
// before the release, that the bytes are the chunk's unchanged, and that a fast link holds nothing.
import t from 'tap';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import fc from 'fast-check';
import { putChunk } from '../../lib/upload/chunk-put.js';
import type { ChunkSource } from '../../lib/upload/chunk-source.js';
import { holdTail, tailHold, type HoldClock } from '../../lib/upload/tail-pacing.js';
import { fakeUpload, type FakeUpload } from '../fixtures/fake-upload.js';

const KiB = 1024;
const MiB = 1024 * KiB;

t.test('the release rule: on a slow link the tail goes shortly before the link reaches it, never after', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: 64 * KiB, max: 10 * MiB }), fc.double({ min: 10, max: 100_000, noNaN: true }), (length, crossingMs) => {
      const rate = length / crossingMs;
      const hold = tailHold(length, rate);
      // The crossing as the rule sees it (length over rate may land a hair off crossingMs).
      if (length / rate < 500) return hold === undefined;
      if (hold === undefined) return false;
      // At the fastest chunk's rate (a lower bound on the link) the link reaches the tail at:
      const reachesTailMs = (length - hold.tailBytes) / rate;
      const early = reachesTailMs - hold.releaseAfterMs;
      return (
        hold.tailBytes >= 1 &&
        hold.tailBytes <= 64 * KiB &&
        hold.tailBytes <= length / 16 &&
        // Early enough that the kernel still holds bytes (the link never waits for the tail)…
        early >= 30 - 1e-6 &&
        // …and late: at most 30 ms or 3 % of the crossing early, whichever is more.
        early <= Math.max(30, 0.03 * crossingMs) + 1e-6
      );
    }),
  );
});

t.test('with MAAS\'s turnaround known, the link never waits for the tail, however slow MAAS answers', async (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 64 * KiB, max: 10 * MiB }),
      fc.double({ min: 500, max: 100_000, noNaN: true }),
      fc.double({ min: 0, max: 25, noNaN: true }),
      fc.double({ min: 0, max: 5_000, noNaN: true }),
      (length, linkMs, firstByteMs, turnaroundMs) => {
        // The hidden truth: the link carries the chunk in linkMs; the fastest chunk's time adds the
        // first byte's delay and MAAS's turnaround, which a held chunk's answer has shown.
        const fastest = length / (firstByteMs + linkMs + turnaroundMs);
        const hold = tailHold(length, fastest, turnaroundMs);
        // linkMs ≥ 500 makes the crossing slow, but floating point may put it a hair under.
        if (!hold) return length / fastest < 500 + 1e-6;
        const linkNeedsTailMs = firstByteMs + ((length - hold.tailBytes) / length) * linkMs;
        return hold.releaseAfterMs <= linkNeedsTailMs + 1e-6;
      },
    ),
  );
});

t.test('the bench\'s late drops come well before the release: 8 MiB at 8 MB/s, fastest chunk 1.056 s', async (t) => {
  // Seed 14 of bench/flaky.mjs: a drop 0.937 into the chunk, 7,863,799 bytes, which cross the
  // 8 MB/s link in 0.983 s; the fastest chunk took 1.056 s (measured: 7 ms over the link's 1.049 s).
  const dropMs = (7_863_799 / 8e6) * 1000;
  const hold = tailHold(8 * MiB, (8 * MiB) / 1056);
  t.ok(hold, 'a 1.06 s crossing is slow');
  t.ok(hold!.releaseAfterMs >= dropMs + 20, `released at ${hold!.releaseAfterMs.toFixed(0)} ms, 20 ms or more after the drop at ${dropMs.toFixed(0)} ms`);
});

t.test('a fast link (or no rate yet) holds nothing back', async (t) => {
  t.equal(tailHold(8 * MiB, undefined), undefined, 'the first chunk: no rate');
  t.equal(tailHold(8 * MiB, (8 * MiB) / 70), undefined, 'a LAN: 8 MiB in 70 ms');
  t.equal(tailHold(8 * MiB, (8 * MiB) / 499), undefined, 'just under half a second');
  t.equal(tailHold(8 * MiB, Number.POSITIVE_INFINITY), undefined);
});

/** A scripted clock: sleeping advances it; `sleeps` counts the waits, `turns` the I/O turns. */
function fakeClock(): HoldClock & { t: number; sleeps: number; turns: number } {
  const c = {
    t: 0,
    sleeps: 0,
    turns: 0,
    ioTurn: async () => void (c.turns += 1),
    now: () => c.t,
    sleep: async (ms: number) => {
      c.sleeps += 1;
      c.t += ms;
    },
  };
  return c;
}

async function* pieces(sizes: number[]): AsyncGenerator<Buffer> {
  let n = 0;
  for (const size of sizes) yield Buffer.alloc(size, ++n);
}

/** Every piece the wrapper yields, with the clock's time when it was yielded. */
async function drain(body: AsyncIterable<Buffer>, clock: { now(): number }): Promise<Array<{ at: number; bytes: Buffer }>> {
  const out: Array<{ at: number; bytes: Buffer }> = [];
  for await (const bytes of body) out.push({ at: clock.now(), bytes: Buffer.from(bytes) });
  return out;
}

t.test('holdTail hands over all but the tail at once, then the tail at the release, the bytes unchanged', async (t) => {
  fc.assert(
    fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 4000 }), fc.integer({ min: 1, max: 500 }), async (sizes, tail, releaseAfterMs) => {
      const length = sizes.reduce((a, b) => a + b, 0);
      const tailBytes = Math.min(tail, length);
      const clock = fakeClock();
      const out = await drain(holdTail(pieces(sizes), length, { tailBytes, releaseAfterMs }, 0, {}, clock), clock);
      const expected = Buffer.concat(sizes.map((size, i) => Buffer.alloc(size, i + 1)));
      if (!Buffer.concat(out.map((p) => p.bytes)).equals(expected)) return false;
      let handed = 0;
      for (const p of out) {
        // No byte of the tail before the release; everything before it at time 0.
        if (handed + p.bytes.length > length - tailBytes && p.bytes.length > 0 && p.at < releaseAfterMs) return false;
        if (handed + p.bytes.length <= length - tailBytes && p.bytes.length > 0 && p.at !== 0) return false;
        handed += p.bytes.length;
      }
      // The hold polls: never a wait longer than 20 ms without an (empty) piece.
      return clock.sleeps >= Math.ceil(releaseAfterMs / 20) && out.filter((p) => p.bytes.length === 0).length === clock.sleeps;
    }),
  );
});

t.test('holdTail without a hold passes the body through: no wait, no extra piece', async (t) => {
  const clock = fakeClock();
  const source = pieces([10, 20, 30]);
  const out = await drain(holdTail(source, 60, undefined, 0, {}, clock), clock);
  t.same(out.map((p) => p.bytes.length), [10, 20, 30]);
  t.equal(clock.sleeps, 0, 'no added latency');
});

t.test('holdTail: a release already past when the tail comes does not wait', async (t) => {
  const clock = fakeClock();
  clock.t = 1000;
  const out = await drain(holdTail(pieces([100, 100]), 200, { tailBytes: 50, releaseAfterMs: 500 }, 0, {}, clock), clock);
  t.same(out.map((p) => p.bytes.length), [100, 50, 50]);
  t.equal(clock.sleeps, 0);
  t.equal(clock.turns, 1, 'one turn of the event loop before the tail, for a drop still unread');
});

t.test('holdTail: the consumer stopping during the hold ends it within a poll', async (t) => {
  const clock = fakeClock();
  let holds = 0;
  const body = holdTail(pieces([100]), 100, { tailBytes: 10, releaseAfterMs: 10_000 }, 0, { onHold: () => void (holds += 1) }, clock);
  let pieceCount = 0;
  for await (const p of body) {
    pieceCount += 1;
    // The transport finds its request failed at the first empty piece of the hold, and stops pulling.
    if (p.length === 0) break;
  }
  t.equal(pieceCount, 2, 'the bytes before the tail, then one poll');
  t.equal(clock.t, 20, 'one poll of the hold, not the whole 10 s');
  t.equal(holds, 1, 'the idle timer was refreshed at the poll');
});

/** putChunk against a transport that records each piece of the body and when it was taken. */
function recordingPut(): { f: FakeUpload; taken: Array<{ at: number; bytes: number }> } {
  const f = fakeUpload({ size: 10_000, offset: 0 });
  const taken: Array<{ at: number; bytes: number }> = [];
  f.ctx.chunkSource = () =>
    ({
      async *chunk(_offset: number, len: number, onSent: (sent: number) => void) {
        yield Buffer.alloc(len / 2, 1);
        onSent(len / 2);
        yield Buffer.alloc(len / 2, 2);
        onSent(len);
      },
    }) as unknown as ChunkSource;
  Object.assign(f.ctx.deps.resources, {
    uploadChunk: async (o: { body: AsyncIterable<Uint8Array> }) => {
      const start = Date.now();
      for await (const piece of o.body) taken.push({ at: Date.now() - start, bytes: piece.length });
    },
  });
  return { f, taken };
}

t.test('putChunk on a fast link hands the body over as it comes: no piece held, no wait', async (t) => {
  const { f, taken } = recordingPut();
  const a = await putChunk(f.ctx, f.s, 0, 1_000, false, 1_000 / 70);
  t.same(taken.map((p) => p.bytes), [500, 500], 'the source\'s pieces, unsplit, no empty poll');
  t.equal(a.status, 200);
});

t.test('putChunk on a slow link holds the tail until the release time', async (t) => {
  const { f, taken } = recordingPut();
  // A crossing of 600 ms at the fastest rate: the last 62 bytes (1/16) wait until 938 bytes would have crossed, less 60 ms.
  const a = await putChunk(f.ctx, f.s, 0, 1_000, false, 1_000 / 600);
  const bytes = taken.filter((p) => p.bytes > 0);
  t.same(bytes.map((p) => p.bytes), [500, 438, 62], 'all but the tail at once, then the tail');
  t.ok(bytes[2]!.at >= 938 * 0.6 - 60 - 2, `the tail went after ${bytes[2]!.at} ms`);
  t.ok(taken.some((p) => p.bytes === 0), 'empty pieces while holding (the transport checks its request between pieces)');
  t.same([a.status, a.handedOver], [200, 1_000]);
});

t.test('a drop that came while the event loop was stalled is seen before the tail goes', async (t) => {
  // A loaded machine: the release timer and the socket's end are both due when the loop resumes,
  // and timers run first. The tail must wait for the socket to be read.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  let dropped = false;
  client.on('end', () => (dropped = true)).on('close', () => (dropped = true)).on('error', () => (dropped = true));
  const peer = await accepted;
  const body = holdTail(pieces([100]), 100, { tailBytes: 10, releaseAfterMs: 30 }, Date.now());
  // The stall, in the check phase (a stall in a timer would leave libuv's cached time behind, and
  // the release would wait for the next turn anyway): the drop and the release both fall inside it.
  setTimeout(() =>
    setImmediate(() => {
      peer.destroy();
      const until = Date.now() + 100;
      while (Date.now() < until);
    }),
  5);
  let handed = 0;
  // As the transport does: check the request before writing each piece.
  for await (const piece of body) {
    if (dropped) break;
    handed += piece.length;
  }
  client.destroy();
  t.equal(handed, 90, 'the tail was never handed over: the drop is certain');
});
