// --limit-rate's token bucket on a fake clock: the waits it asks for, exactly (curl's
// --limit-rate semantics: the average rate, at most one second of idle time made up).
import t, { type Test } from 'tap';
import * as backoff from '../../lib/http/backoff.js';

async function limiterOnFakeClock(t: Test) {
  let now = 10_000;
  const waits: number[] = [];
  t.intercept(performance, 'now', { value: () => now });
  const { RateLimiter } = await t.mockImport<typeof import('../../lib/upload/rate-limit.js')>('../../lib/upload/rate-limit.js', {
    '../../lib/http/backoff.js': { ...backoff, sleep: async (ms: number) => void waits.push(ms) },
  });
  return { RateLimiter, waits, advance: (ms: number) => void (now += ms) };
}

t.test('the first bytes go at once; then each take waits for its share of the second', async (t) => {
  const { RateLimiter, waits, advance } = await limiterOnFakeClock(t);
  const limiter = new RateLimiter(1000);
  await limiter.take(500);
  t.same(waits, [500], '500 bytes at 1000 B/s: due 0.5 s after the first byte');
  advance(500);
  await limiter.take(250);
  t.same(waits, [500, 250]);
  advance(250);
  await limiter.take(1);
  t.same(waits, [500, 250], 'a wait of 1 ms or less is not worth a timer');
  advance(1);
  await limiter.take(2);
  t.same(waits, [500, 250, 2], 'just over 1 ms is waited');
});

t.test('idle time earns at most one second of credit, never a longer burst', async (t) => {
  const { RateLimiter, waits, advance } = await limiterOnFakeClock(t);
  const limiter = new RateLimiter(1000);
  await limiter.take(1000);
  advance(1000 + 5000); // the answer to a chunk took 5 s
  await limiter.take(1500);
  t.same(waits, [1000, 500], '1.5 s worth after a long pause: 1 s made up, 0.5 s waited');
  advance(500);
  await limiter.take(300);
  t.same(waits, [1000, 500, 300], 'back to the plain rate');
});

t.test('read slices: a twentieth of a second, at least 4 KiB, at most the chunk', async (t) => {
  const { RateLimiter } = await limiterOnFakeClock(t);
  t.equal(new RateLimiter(400 * 1024).sliceBytes(256 * 1024), 20 * 1024);
  t.equal(new RateLimiter(20_000).sliceBytes(256 * 1024), 4096, 'slow links still read 4 KiB');
  t.equal(new RateLimiter(100 * 1024 * 1024).sliceBytes(256 * 1024), 256 * 1024, 'never more than asked');
  for (const bad of [0, -1, Number.NaN]) t.throws(() => new RateLimiter(bad), new RangeError('rate limit must be > 0 bytes/s'), `${bad}`);
});
