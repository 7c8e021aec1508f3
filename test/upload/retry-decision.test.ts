// The decision after a failure is one pure function, tested here over every
// outcome × era. The expectations are MAAS facts (docs/maas-upload-protocol.md#append-only-writes,
// #integrity-errors, docs/maas-api.md#the-300-s-window), written out per row, not computed.
import t from 'tap';
import type { MaasEra } from '../../lib/resources/types.js';
import { COMPLETE_FILE, decideAfterFailure, NO_SPACE, SHA_MISMATCH, TOO_MUCH_DATA, type Failure, type RetryAction, type RetryState } from '../../lib/upload/retry-decision.js';
import { exitCodeFor } from '../../lib/cli/exit-codes.js';
import { UploadRetryError } from '../../lib/errors/index.js';
import { KiB, makeImage, tempDir, uploadEnv } from '../fixtures/upload-env.js';

const ERAS: MaasEra[] = ['3.4', '3.7', '3.8'];
const MiB = 1024 * 1024;
const policy = { baseMs: 100, maxMs: 1000, retries: 3 };
// random() = 1: the top of the full-jitter range, so the delay is the exponential ceiling.
const top = (): number => 1;

function state(era: MaasEra, over: Partial<RetryState> = {}): RetryState {
  return { era, offset: 4 * MiB, attempts: 1, recreated: false, repeatedFirstChunk: false, chunkSize: 8 * MiB, crossingMs: 100_000, policy, ...over };
}

const reset: Failure = { during: 'put-not-applied', status: undefined, text: '', kind: 'transient', handedOver: MiB, elapsedMs: 500 };
const answer = (status: number, text: string, kind: Failure['kind'] = 'rejected'): Failure => ({ during: 'put-not-applied', status, text, kind, handedOver: 8 * MiB, elapsedMs: 500 });

interface Row {
  name: string;
  failure: Failure;
  state?: Partial<RetryState>;
  want: RetryAction | ((era: MaasEra) => RetryAction);
}

const rows: Row[] = [
  { name: 'reset mid-body, first failure: read the offset at once', failure: reset, want: { type: 'resend', delayMs: 0 } },
  { name: 'reset mid-body, third failure in a row: back off', failure: reset, state: { attempts: 3 }, want: { type: 'resend', delayMs: 400 } },
  { name: 'no answer after the whole body: settle', failure: { ...reset, during: 'put-unknown', handedOver: 8 * MiB }, want: { type: 'settle', delayMs: 0 } },
  { name: '502 from the proxy: settle after backing off', failure: { ...answer(502, '', 'transient'), during: 'put-unknown' }, want: { type: 'settle', delayMs: 100 } },
  { name: '503 with Retry-After 5 s: back off 5 s, resend from the offset', failure: { ...answer(503, '', 'transient'), retryAfterMs: 5000 }, want: { type: 'resend', delayMs: 5000 } },
  { name: 'budget spent (retries + 1 failures in a row): give up', failure: reset, state: { attempts: 4 }, want: { type: 'give-up', reason: 'retries-exhausted' } },
  { name: 'Ctrl-C: give up as aborted', failure: { ...reset, kind: 'aborted' }, want: { type: 'give-up', reason: 'aborted' } },
  { name: '"Cannot upload to a complete file.": verify', failure: answer(400, COMPLETE_FILE), want: { type: 'verify' } },
  { name: '"Saved content does not match": re-create', failure: answer(400, SHA_MISMATCH), want: { type: 'recreate' } },
  { name: '"Saved content does not match" after a re-create: give up', failure: answer(400, SHA_MISMATCH), state: { recreated: true }, want: { type: 'give-up', reason: 'integrity' } },
  { name: '"Too much data received." mid-upload: re-create', failure: answer(400, TOO_MUCH_DATA), want: { type: 'recreate' } },
  {
    name: '"Too much data received." on the first chunk: 3.8 discarded a stale copy (repeat once), older eras re-create',
    failure: answer(400, TOO_MUCH_DATA),
    state: { offset: 0 },
    want: (era) => (era === '3.8' ? { type: 'repeat' } : { type: 'recreate' }),
  },
  { name: '"Too much data received." on the first chunk, already repeated: re-create', failure: answer(400, TOO_MUCH_DATA), state: { offset: 0, repeatedFirstChunk: true }, want: { type: 'recreate' } },
  { name: 'no space left: give up', failure: answer(400, NO_SPACE), want: { type: 'give-up', reason: 'no-space' } },
  { name: 'another 400 ("Missing data."): MAAS refused it, give up', failure: answer(400, 'Missing data.'), want: { type: 'give-up', reason: 'rejected' } },
  { name: '403: give up', failure: answer(403, 'Forbidden'), want: { type: 'give-up', reason: 'rejected' } },
  { name: '404: the file was replaced', failure: answer(404, 'Not Found', 'not-found'), want: { type: 'give-up', reason: 'replaced' } },
  {
    // 8 MiB crossed in 20 s (≈ 419 kB/s) against a 10 s window: cross in 10/3 s → 1.33 MB → 1,376,256 bytes (21 × 64 KiB).
    name: 'expired signature after a slow crossing: shrink to a chunk that crosses in a third of the window',
    failure: { ...answer(401, 'Expired timestamp: given 1000 and now 1021 has a greater difference than threshold 10', 'expired'), elapsedMs: 20_000 },
    want: { type: 'shrink', chunkSize: 1_376_256, crossingMs: 3333 },
  },
  {
    name: 'expired signature after a quick crossing: the clock was off (now adopted), resend',
    failure: { ...answer(401, 'Expired timestamp: given 1000 and now 1400 has a greater difference than threshold 300', 'expired'), elapsedMs: 300 },
    want: { type: 'resend', delayMs: 0 },
  },
  { name: 'offset read failed (503): back off, read again', failure: { during: 'read', status: 503, text: '', kind: 'transient' }, state: { attempts: 2 }, want: { type: 'resend', delayMs: 200 } },
  { name: 'offset read refused (403): give up', failure: { during: 'read', status: 403, text: 'Forbidden', kind: 'rejected' }, want: { type: 'give-up', reason: 'rejected' } },
  { name: 'short file after the last chunk: send again from what MAAS holds', failure: { during: 'short', status: undefined, text: '', kind: 'transient' }, state: { attempts: 2 }, want: { type: 'resend', delayMs: 0 } },
];

for (const era of ERAS) {
  t.test(`MAAS ${era}`, async (t) => {
    for (const row of rows) {
      const want = typeof row.want === 'function' ? row.want(era) : row.want;
      t.same(decideAfterFailure(state(era, row.state), row.failure, top), want, row.name);
    }
  });
}

t.test('the delay is full jitter: anywhere from 0 to the ceiling', async (t) => {
  const s = state('3.8', { attempts: 3 });
  const failure = answer(503, '', 'transient');
  t.same(decideAfterFailure(s, failure, () => 0), { type: 'resend', delayMs: 0 });
  t.same(decideAfterFailure(s, failure, () => 0.5), { type: 'resend', delayMs: 200 });
  t.same(decideAfterFailure({ ...s, attempts: 9, policy: { ...policy, retries: 20 } }, failure, top), { type: 'resend', delayMs: 1000 }, 'capped at maxMs');
});

// The edges of the retry decision that the era table above does not reach:
// the expired-signature arithmetic (docs/maas-api.md#the-300-s-window, "chunks cross in a third
// of the window"), which failures count as integrity answers, and the budget's bounds
// (docs/architecture.md#where-the-retry-decision-lives). Each expected value is worked out by hand.
const KiB64 = 64 * 1024;
const edgeState = (over: Partial<RetryState> = {}): RetryState => ({
  era: '3.7',
  offset: 4 * MiB,
  attempts: 1,
  recreated: false,
  repeatedFirstChunk: false,
  chunkSize: 8 * MiB,
  crossingMs: 100_000,
  policy: { baseMs: 100, maxMs: 10_000, retries: 3 },
  ...over,
});
const expired = (text: string, elapsedMs: number | undefined, handedOver: number | undefined = 8 * MiB): Failure => ({
  during: 'put-not-applied',
  status: 401,
  text,
  kind: 'expired',
  elapsedMs,
  handedOver,
});
const stated = (given: number, now: number, threshold: number): string => `Expired timestamp: given ${given} and now ${now} has a greater difference than threshold ${threshold}`;

t.test('expired signature: window and lateness from MAAS text, rate from the attempt', async (t) => {
  // 8 MiB in 20 s = 419,430.4 B/s; no numbers in the text: the window is the crossing, 20 s; a
  // third is 6,666 ms → 2,795,923 B → 42 × 64 KiB.
  t.same(decideAfterFailure(edgeState(), expired('Expired timestamp', 20_000), top), { type: 'shrink', chunkSize: 42 * KiB64, crossingMs: 6_666 });
  // late 12 s, crossing 10 s: 10 + 2 is not below 12, so the crossing was slow: shrink (window 10 s → 3,333 ms; 838,861 B/s → 2,795,923 B → 42 chunks of 64 KiB).
  t.same(decideAfterFailure(edgeState(), expired(stated(1000, 1012, 10), 10_000), top), { type: 'shrink', chunkSize: 42 * KiB64, crossingMs: 3_333 });
  // 1 ms quicker and the 2 s rounding explains the rest: clock skew, resend at once.
  t.same(decideAfterFailure(edgeState(), expired(stated(1000, 1012, 10), 9_999), top), { type: 'resend', delayMs: 0 });
});

t.test('expired signature: the crossing time never grows, never reaches 0, and chunks stay 64 KiB to the configured size', async (t) => {
  t.same(decideAfterFailure(edgeState({ crossingMs: 2_000 }), expired(stated(1000, 1030, 30), 30_000), top), { type: 'shrink', chunkSize: 8 * KiB64, crossingMs: 2_000 }, 'narrowed before: stays narrow (279,620 B/s × 2 s = 559,241 B → 8 × 64 KiB)');
  t.same(decideAfterFailure(edgeState(), expired(stated(1000, 1003, 0), 3_000), top), { type: 'shrink', chunkSize: KiB64, crossingMs: 1 }, 'a 0 s window: 1 ms, the smallest chunk');
  t.same(decideAfterFailure(edgeState(), expired(stated(1000, 1001, 0), undefined), top), { type: 'shrink', chunkSize: 8 * MiB, crossingMs: 1 }, 'no timing known: no rate, the configured size');
  t.same(decideAfterFailure(edgeState(), expired(stated(1000, 1030, 30), 30_000, 0), top), { type: 'shrink', chunkSize: 8 * MiB, crossingMs: 10_000 }, 'nothing handed over: no rate');
  t.same(decideAfterFailure(edgeState({ chunkSize: 16 * MiB }), expired(stated(1000, 1030, 30), 30_000, 0), top), { type: 'shrink', chunkSize: 10 * MiB, crossingMs: 10_000 }, 'never above 10 MiB');
});

t.test('an expired signature on the offset read is no slow chunk: back off and read again', async (t) => {
  t.same(decideAfterFailure(edgeState({ attempts: 2 }), { ...expired(stated(1, 400, 300), 100), during: 'read' }, top), { type: 'resend', delayMs: 200 });
});

t.test('integrity texts count only as the answer to a chunk MAAS refused', async (t) => {
  const put = { status: 400, text: TOO_MUCH_DATA, kind: 'rejected' } as const;
  t.same(decideAfterFailure(edgeState(), { ...put, during: 'put-not-applied' }, top), { type: 'recreate' });
  t.same(decideAfterFailure(edgeState(), { ...put, during: 'read' }, top), { type: 'give-up', reason: 'rejected' }, 'the same text on a read: a refusal');
  t.same(decideAfterFailure(edgeState(), { ...put, during: 'put-not-applied', status: 409 }, top), { type: 'give-up', reason: 'rejected' }, 'another status: a refusal');
  t.same(decideAfterFailure(edgeState(), { during: 'put-not-applied', status: 409, text: COMPLETE_FILE, kind: 'rejected' }, top), { type: 'give-up', reason: 'rejected' });
  t.same(decideAfterFailure(edgeState({ era: '3.8', offset: 1 }), { ...put, during: 'put-not-applied' }, top), { type: 'recreate' }, '3.8 past the first byte: a real overflow');
  t.same(decideAfterFailure(edgeState({ era: '3.8', offset: 0 }), { ...put, text: 'Saved content does not match given SHA256 value.', during: 'put-not-applied' }, top), { type: 'recreate' }, "3.8's repeat is for too much data only");
  t.same(decideAfterFailure(edgeState({ recreated: true }), { ...put, kind: 'not-found', during: 'put-not-applied', text: 'No space left on device' }, top), { type: 'give-up', reason: 'no-space' }, 'no space wins over the error class');
});

t.test('the budget: retries + 1 failures in a row; a lost connection waits only the first time', async (t) => {
  const lost: Failure = { during: 'put-not-applied', status: undefined, text: '', kind: 'transient' };
  t.same(decideAfterFailure(edgeState({ attempts: 3 }), lost, top), { type: 'resend', delayMs: 400 }, 'the last allowed retry (100 × 2²)');
  t.same(decideAfterFailure(edgeState({ attempts: 4 }), lost, top), { type: 'give-up', reason: 'retries-exhausted' });
  t.same(decideAfterFailure(edgeState({ attempts: 2 }), lost, top), { type: 'resend', delayMs: 200 }, 'the second lost connection in a row backs off');
  t.same(decideAfterFailure(edgeState({ attempts: 1 }), { ...lost, status: 503 }, top), { type: 'resend', delayMs: 100 }, "MAAS's own answer backs off from the first");
  t.same(decideAfterFailure(edgeState({ attempts: 3 }), { ...lost, during: 'short' }, top), { type: 'resend', delayMs: 0 }, 'a short file: read again at once');
  t.same(decideAfterFailure(edgeState({ attempts: 4 }), { ...lost, kind: 'aborted' }, top), { type: 'give-up', reason: 'aborted' }, 'Ctrl-C is Ctrl-C, budget or not');
});

// One retry budget, honoured. `backoff.retries` bounds the failed attempts in a
// row of an upload — chunk PUTs and the offset reads between them together — and MaasApiClient
// does not retry those reads on its own (its loop around ours multiplied the two budgets).
const RESOURCE = /^\/MAAS\/api\/2\.0\/boot-resources\/\d+\/$/;

t.test('every PUT answered 503: backoff.retries 3 means 4 PUTs, then exit 5', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 300 * KiB);
  env.sim.faults.add({ match: { method: 'PUT', times: Infinity }, action: { type: 'status', status: 503, body: 'Service Unavailable' } });
  const err = await env.client.bootResources.upload(env.options(image, { backoff: { baseMs: 5, maxMs: 20, retries: 3 } })).done().catch((e: unknown) => e);
  t.ok(err instanceof UploadRetryError, 'gave up with UploadRetryError');
  t.equal(exitCodeFor(err), 5);
  t.equal(env.sim.requests.filter((r) => r.method === 'PUT').length, 4, '1 attempt + 3 retries');
});

t.test('a reset chunk, then every offset read answered 503: the reads count against the same budget', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 300 * KiB);
  env.sim.faults.add({ match: { method: 'PUT', times: Infinity }, action: { type: 'cut', afterBytes: 1000, apply: false } });
  env.sim.faults.add({ match: { method: 'GET', path: RESOURCE, times: Infinity }, action: { type: 'status', status: 503, body: 'Service Unavailable' } });
  const err = await env.client.bootResources.upload(env.options(image, { backoff: { baseMs: 5, maxMs: 20, retries: 3 } })).done().catch((e: unknown) => e);
  t.ok(err instanceof UploadRetryError, 'gave up with UploadRetryError');
  const puts = env.sim.requests.filter((r) => r.method === 'PUT').length;
  const reads = env.sim.requests.filter((r) => r.method === 'GET' && RESOURCE.test(r.path)).length;
  t.equal(puts + reads, 4, `4 failed requests in all (${puts} PUT, ${reads} reads)`);
});

t.test('`retries` overrides backoff.retries', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 300 * KiB);
  env.sim.faults.add({ match: { method: 'PUT', times: Infinity }, action: { type: 'status', status: 503, body: 'Service Unavailable' } });
  await env.client.bootResources.upload(env.options(image, { retries: 1, backoff: { baseMs: 5, maxMs: 20, retries: 3 } })).done().catch(() => undefined);
  t.equal(env.sim.requests.filter((r) => r.method === 'PUT').length, 2, '1 attempt + 1 retry');
});
