// The settle window after a chunk without an answer counts from the failure, not from the end of
// the first offset read (docs/maas-upload-protocol.md#which-failures-are-ambiguous): a body that
// reached MAAS at all had reached it when the attempt ended, so a slow first read is part of the
// watch. Measured against a scripted server (test/fixtures/fake-upload.ts) whose first read is slow;
// the times of the reads are the truth: the watch still covers the whole window after the failure.
import t from 'tap';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BootResources } from '../../lib/resources/boot-resources.js';
import { MaasNetworkError } from '../../lib/errors/index.js';
import { afterPutFailure } from '../../lib/upload/failure-handling.js';
import { settle } from '../../lib/upload/server-watch.js';
import type { Attempt } from '../../lib/upload/upload-context.js';
import { fakeUpload } from '../fixtures/fake-upload.js';

const CHUNK = 100_000;
const SETTLE_MS = 400;
const FIRST_READ_MS = 300;

const unanswered: Attempt = { offset: 200_000, length: CHUNK, final: false, handedOver: CHUNK, elapsedMs: 900, status: undefined, error: undefined, timedOut: false };

t.test('a slow first offset read is part of the settle window, which still runs its full length after the failure', async (t) => {
  const { ctx, s, server } = fakeUpload({ offset: 200_000, opts: { settleMs: SETTLE_MS, pollIntervalMs: 20 } });
  const read = ctx.deps.resources.read.bind(ctx.deps.resources);
  const sentAt: number[] = [];
  ctx.deps.resources.read = async (...args: Parameters<BootResources['read']>) => {
    sentAt.push(Date.now());
    if (sentAt.length === 1) await sleep(FIRST_READ_MS);
    return read(...args);
  };
  const failedAt = Date.now();
  await afterPutFailure(ctx, s, unanswered, 'unknown');
  t.equal(s.offset, 200_000, 'the chunk never landed: sent again from the same offset');
  t.ok(server.reads >= 2, `watched more than once (${server.reads} reads)`);
  const after = sentAt.map((at) => at - failedAt);
  // A timer may fire up to 1 ms before Date.now() reaches its deadline (Node rounds the two clocks apart).
  t.ok(after.at(-1)! >= SETTLE_MS - 2, `the last read was sent after the whole window (${after.at(-1)} ms after the failure)`);
  // Counted from the end of the first read, reads would still go out FIRST_READ_MS past the
  // window; from the failure, the watch stops at the first read sent after it. Read times, not
  // the wall time of the whole watch, so a loaded machine cannot blur the two. The upload takes
  // its own failure time between `failedAt` above and its first read, a few ms after `failedAt`
  // on a loaded machine (a read 400 ms after `failedAt` was still inside the window, 7 December
  // 2026), and this wrapper records each read a little after the upload sent it. So the reads are
  // counted from the first one, against the midpoint of the two behaviours: from the failure the
  // second-last read goes out before SETTLE_MS; from the end of the first read, at or after
  // FIRST_READ_MS + SETTLE_MS less one poll.
  const fromFirstRead = sentAt.map((at) => at - sentAt[0]!);
  const midpoint = SETTLE_MS + FIRST_READ_MS / 2;
  t.ok(fromFirstRead.at(-2)! < midpoint, `every read but the last was sent inside the window counted from the failure (${fromFirstRead.join(', ')} ms after the first read)`);
});

t.test('a rerun settling a crashed run\'s chunk has no failure time: its window starts with the settle', async (t) => {
  const { ctx, s } = fakeUpload({ offset: 200_000, opts: { settleMs: SETTLE_MS, pollIntervalMs: 20 } });
  const started = Date.now();
  await settle(ctx, s, { ...unanswered, elapsedMs: 0 });
  t.ok(Date.now() - started >= SETTLE_MS - 2, 'the whole window, from now (less 1 ms of timer rounding)');
});

t.test('after a failed offset read the window starts afresh: a struggling server gets the whole watch', async (t) => {
  const { ctx, s } = fakeUpload({ offset: 200_000, opts: { settleMs: SETTLE_MS, pollIntervalMs: 20 } });
  const read = ctx.deps.resources.read.bind(ctx.deps.resources);
  const readsAt: number[] = [];
  let refusedAt = 0;
  ctx.deps.resources.read = async (...args: Parameters<BootResources['read']>) => {
    // The first read fails only after the whole window: counted from the failure, nothing would be left to watch.
    if (refusedAt === 0) {
      await sleep(SETTLE_MS + 50);
      refusedAt = Date.now();
      throw new MaasNetworkError('Cannot reach maas: connect ECONNREFUSED', { code: 'ECONNREFUSED' });
    }
    readsAt.push(Date.now());
    return read(...args);
  };
  await afterPutFailure(ctx, s, unanswered, 'unknown');
  t.equal(s.offset, 200_000);
  t.ok(readsAt.at(-1)! - refusedAt >= SETTLE_MS - 2, `watched a whole window after the refused read (${readsAt.at(-1)! - refusedAt} ms, ${readsAt.length} reads)`);
});

t.test('a read sent inside the window but answered after it proves nothing: the watch reads once more', async (t) => {
  // MAAS saw the first read at once (nothing applied yet), applied the chunk right after, and the
  // answer reached the client only after the window had passed (a busy region, a loaded client).
  const { ctx, s, server } = fakeUpload({ offset: 200_000, opts: { settleMs: SETTLE_MS, pollIntervalMs: 20 } });
  const read = ctx.deps.resources.read.bind(ctx.deps.resources);
  ctx.deps.resources.read = async (...args: Parameters<BootResources['read']>) => {
    const seen = await read(...args);
    if (server.reads === 1) {
      server.held = 200_000 + CHUNK;
      await sleep(SETTLE_MS + 50);
    }
    return seen;
  };
  await afterPutFailure(ctx, s, unanswered, 'unknown');
  t.equal(s.offset, 200_000 + CHUNK, 'the chunk landed while the first answer was on its way: not sent again');
  t.equal(server.reads, 2, 'one more read, sent after the window had passed');
});

// A 504 is a timeout too: the proxy in front of regiond gave up waiting (nginx's
// proxy_read_timeout, src/maasserver/templates/http/regiond.nginx.conf.template), while regiond may
// still be writing the chunk. The settle window then lasts as long as the attempt ran (≤ 1 min),
// as after the client's own timeout (docs/maas-upload-protocol.md#which-failures-are-ambiguous).
const answered = (status: number | undefined, over: Partial<Attempt> = {}): Attempt => ({ offset: 0, length: 10, final: false, handedOver: 10, elapsedMs: 9_500, status, error: undefined, timedOut: false, ...over });

async function windowSeconds(attempt: Attempt): Promise<string> {
  const { ctx, s, server, log } = fakeUpload({ offset: 0, opts: { settleMs: 1000, pollIntervalMs: 1 } });
  // The chunk lands at the second read, so the watch ends at once whatever its window.
  server.onRead = (n) => {
    if (n === 2) server.held = attempt.length;
  };
  await settle(ctx, s, attempt);
  return /\(up to (\d+) s\)/.exec(log.phases[0]?.[1] ?? '')?.[1] ?? 'none';
}

t.test('settle window after a proxy timeout (504): as long as the attempt ran, at most a minute', async (t) => {
  t.equal(await windowSeconds(answered(504)), '10', '504 after 9.5 s: 10 s');
  t.equal(await windowSeconds(answered(504, { elapsedMs: 600_000 })), '60', '504 after 10 min: a minute');
  t.equal(await windowSeconds(answered(502)), '1', '502 (the upstream closed, not slow): settleMs');
  t.equal(await windowSeconds(answered(undefined, { timedOut: true })), '10', 'our own timeout: as before');
});
