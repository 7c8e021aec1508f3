// The edges of the retry decision that the era table (retry-decision.test.ts) does not reach:
// the expired-signature arithmetic (docs/maas-api.md#the-300-s-window, "chunks cross in a third
// of the window"), which failures count as integrity answers, and the budget's bounds
// (docs/architecture.md#where-the-retry-decision-lives). Each expected value is worked out by hand.
import t from 'tap';
import { decideAfterFailure, TOO_MUCH_DATA, COMPLETE_FILE, type Failure, type RetryState } from '../../lib/upload/retry-decision.js';

const MiB = 1024 * 1024;
const KiB64 = 64 * 1024;
const top = (): number => 1;
const state = (over: Partial<RetryState> = {}): RetryState => ({
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
  t.same(decideAfterFailure(state(), expired('Expired timestamp', 20_000), top), { type: 'shrink', chunkSize: 42 * KiB64, crossingMs: 6_666 });
  // late 12 s, crossing 10 s: 10 + 2 is not below 12, so the crossing was slow: shrink (window 10 s → 3,333 ms; 838,861 B/s → 2,795,923 B → 42 chunks of 64 KiB).
  t.same(decideAfterFailure(state(), expired(stated(1000, 1012, 10), 10_000), top), { type: 'shrink', chunkSize: 42 * KiB64, crossingMs: 3_333 });
  // 1 ms quicker and the 2 s rounding explains the rest: clock skew, resend at once.
  t.same(decideAfterFailure(state(), expired(stated(1000, 1012, 10), 9_999), top), { type: 'resend', delayMs: 0 });
});

t.test('expired signature: the crossing time never grows, never reaches 0, and chunks stay 64 KiB to the configured size', async (t) => {
  t.same(decideAfterFailure(state({ crossingMs: 2_000 }), expired(stated(1000, 1030, 30), 30_000), top), { type: 'shrink', chunkSize: 8 * KiB64, crossingMs: 2_000 }, 'narrowed before: stays narrow (279,620 B/s × 2 s = 559,241 B → 8 × 64 KiB)');
  t.same(decideAfterFailure(state(), expired(stated(1000, 1003, 0), 3_000), top), { type: 'shrink', chunkSize: KiB64, crossingMs: 1 }, 'a 0 s window: 1 ms, the smallest chunk');
  t.same(decideAfterFailure(state(), expired(stated(1000, 1001, 0), undefined), top), { type: 'shrink', chunkSize: 8 * MiB, crossingMs: 1 }, 'no timing known: no rate, the configured size');
  t.same(decideAfterFailure(state(), expired(stated(1000, 1030, 30), 30_000, 0), top), { type: 'shrink', chunkSize: 8 * MiB, crossingMs: 10_000 }, 'nothing handed over: no rate');
  t.same(decideAfterFailure(state({ chunkSize: 16 * MiB }), expired(stated(1000, 1030, 30), 30_000, 0), top), { type: 'shrink', chunkSize: 10 * MiB, crossingMs: 10_000 }, 'never above 10 MiB');
});

t.test('an expired signature on the offset read is no slow chunk: back off and read again', async (t) => {
  t.same(decideAfterFailure(state({ attempts: 2 }), { ...expired(stated(1, 400, 300), 100), during: 'read' }, top), { type: 'resend', delayMs: 200 });
});

t.test('integrity texts count only as the answer to a chunk MAAS refused', async (t) => {
  const put = { status: 400, text: TOO_MUCH_DATA, kind: 'rejected' } as const;
  t.same(decideAfterFailure(state(), { ...put, during: 'put-not-applied' }, top), { type: 'recreate' });
  t.same(decideAfterFailure(state(), { ...put, during: 'read' }, top), { type: 'give-up', reason: 'rejected' }, 'the same text on a read: a refusal');
  t.same(decideAfterFailure(state(), { ...put, during: 'put-not-applied', status: 409 }, top), { type: 'give-up', reason: 'rejected' }, 'another status: a refusal');
  t.same(decideAfterFailure(state(), { during: 'put-not-applied', status: 409, text: COMPLETE_FILE, kind: 'rejected' }, top), { type: 'give-up', reason: 'rejected' });
  t.same(decideAfterFailure(state({ era: '3.8', offset: 1 }), { ...put, during: 'put-not-applied' }, top), { type: 'recreate' }, '3.8 past the first byte: a real overflow');
  t.same(decideAfterFailure(state({ era: '3.8', offset: 0 }), { ...put, text: 'Saved content does not match given SHA256 value.', during: 'put-not-applied' }, top), { type: 'recreate' }, "3.8's repeat is for too much data only");
  t.same(decideAfterFailure(state({ recreated: true }), { ...put, kind: 'not-found', during: 'put-not-applied', text: 'No space left on device' }, top), { type: 'give-up', reason: 'no-space' }, 'no space wins over the error class');
});

t.test('the budget: retries + 1 failures in a row; a lost connection waits only the first time', async (t) => {
  const lost: Failure = { during: 'put-not-applied', status: undefined, text: '', kind: 'transient' };
  t.same(decideAfterFailure(state({ attempts: 3 }), lost, top), { type: 'resend', delayMs: 400 }, 'the last allowed retry (100 × 2²)');
  t.same(decideAfterFailure(state({ attempts: 4 }), lost, top), { type: 'give-up', reason: 'retries-exhausted' });
  t.same(decideAfterFailure(state({ attempts: 2 }), lost, top), { type: 'resend', delayMs: 200 }, 'the second lost connection in a row backs off');
  t.same(decideAfterFailure(state({ attempts: 1 }), { ...lost, status: 503 }, top), { type: 'resend', delayMs: 100 }, "MAAS's own answer backs off from the first");
  t.same(decideAfterFailure(state({ attempts: 3 }), { ...lost, during: 'short' }, top), { type: 'resend', delayMs: 0 }, 'a short file: read again at once');
  t.same(decideAfterFailure(state({ attempts: 4 }), { ...lost, kind: 'aborted' }, top), { type: 'give-up', reason: 'aborted' }, 'Ctrl-C is Ctrl-C, budget or not');
});
