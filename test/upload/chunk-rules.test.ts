import t from 'tap';
import fc from 'fast-check';
import { classifyChunkOutcome } from '../../lib/upload/chunk-outcome.js';
import { chunkSizeFor, CHUNK_CROSSING_S, LinkEstimate, MIN_CHUNK, SIGNATURE_WINDOW_S } from '../../lib/upload/chunk-size.js';
import { RateLimiter } from '../../lib/upload/rate-limit.js';
import { parseRate } from '../../lib/cli/sizes.js';

const MiB = 1024 * 1024;

t.test('classifyChunkOutcome: a MAAS answer is never ambiguous, only a lost one is', async (t) => {
  const full = { handedOver: 8 * MiB, length: 8 * MiB };
  t.equal(classifyChunkOutcome({ status: 200, ...full }), 'applied');
  for (const status of [400, 401, 403, 404, 413, 500, 503]) t.equal(classifyChunkOutcome({ status, ...full }), 'not-applied', `HTTP ${status}`);
  for (const status of [502, 504]) t.equal(classifyChunkOutcome({ status, ...full }), 'unknown', `HTTP ${status} from the proxy`);
  t.equal(classifyChunkOutcome({ status: undefined, ...full }), 'unknown', 'lost answer after the whole body');
  t.equal(classifyChunkOutcome({ status: undefined, handedOver: 8 * MiB - 1, length: 8 * MiB }), 'not-applied', 'body never complete');
  t.equal(classifyChunkOutcome({ status: undefined, ...full, couldHaveArrived: false }), 'not-applied', 'failed sooner than the body could cross');
  t.equal(classifyChunkOutcome({ status: undefined, ...full, couldHaveArrived: true }), 'unknown');
  t.equal(classifyChunkOutcome({ status: 200, ...full, couldHaveArrived: false }), 'applied', 'an answer decides');
  for (const status of [201, 204, 299]) t.equal(classifyChunkOutcome({ status, ...full }), 'applied', `HTTP ${status}: 2xx`);
  for (const status of [199, 300, 501, 505]) t.equal(classifyChunkOutcome({ status, ...full }), 'not-applied', `HTTP ${status}: MAAS answered, not 2xx`);
  t.equal(classifyChunkOutcome({ status: undefined, handedOver: 0, length: 1, couldHaveArrived: true }), 'not-applied', 'nothing handed over');
  // Whatever the numbers, an answer decides on its own and 'unknown' needs the whole body out.
  fc.assert(
    fc.property(fc.option(fc.integer({ min: 100, max: 599 }), { nil: undefined }), fc.integer({ min: 1, max: 10 * MiB }), fc.integer({ min: 0, max: 10 * MiB }), (status, length, sent) => {
      const handedOver = Math.min(sent, length);
      const outcome = classifyChunkOutcome({ status, handedOver, length });
      if (outcome === 'applied') return status !== undefined && status >= 200 && status < 300;
      if (outcome === 'unknown') return status === 502 || status === 504 || (status === undefined && handedOver === length);
      // not-applied: MAAS itself refused, or part of the body never left.
      return (status !== undefined && (status < 200 || status >= 300) && status !== 502 && status !== 504) || (status === undefined && handedOver < length);
    }),
  );
});

t.test('chunkSizeFor: every chunk crosses well inside the 300 s signature window', async (t) => {
  t.equal(chunkSizeFor(8 * MiB, undefined), 8 * MiB, 'unknown link: the configured size');
  t.equal(chunkSizeFor(8 * MiB, 12 * MiB), 8 * MiB, 'fast link: the configured size');
  t.equal(chunkSizeFor(16 * MiB, undefined), 10 * MiB, 'never above 10 MiB');
  t.equal(chunkSizeFor(8 * MiB, 20_000), 1_966_080, '20 kB/s: about 100 s worth');
  t.equal(chunkSizeFor(8 * MiB, 500), MIN_CHUNK, 'very slow link: the floor');
  fc.assert(
    fc.property(fc.integer({ min: 64 * 1024, max: 10 * MiB }), fc.integer({ min: 1000, max: 50 * MiB }), (configured, rate) => {
      const size = chunkSizeFor(configured, rate);
      return size <= configured && size >= Math.min(MIN_CHUNK, configured) && (size === MIN_CHUNK || size / rate <= CHUNK_CROSSING_S) && CHUNK_CROSSING_S * 3 <= SIGNATURE_WINDOW_S;
    }),
  );
  const link = new LinkEstimate(2 * MiB);
  t.equal(link.bytesPerSecond, 2 * MiB, 'the limit before any measurement');
  link.record(8 * MiB, 8000);
  t.equal(link.bytesPerSecond, 1 * MiB, 'a slower measured link wins');
  link.record(8 * MiB, 1000);
  t.equal(link.bytesPerSecond, 2 * MiB, 'never above the limit');
  link.record(0, 0);
  t.equal(link.bytesPerSecond, 2 * MiB, 'an empty measurement changes nothing');
  link.record(MiB, 0);
  link.record(0, 1000);
  link.record(-1, 1000);
  link.record(MiB, -5);
  t.equal(link.bytesPerSecond, 2 * MiB, 'nor does one without bytes or without time');
  const unlimited = new LinkEstimate(undefined);
  unlimited.record(MiB, 0);
  t.equal(unlimited.bytesPerSecond, undefined, 'no time measured: no rate (not an infinite one)');
  unlimited.record(3 * MiB, 2000);
  t.equal(unlimited.bytesPerSecond, 1.5 * MiB, 'no limit: the measured rate');
  t.equal(chunkSizeFor(32 * 1024, 500), 32 * 1024, 'a configured size below the floor stays');
  t.equal(chunkSizeFor(32 * 1024, 50 * MiB), 32 * 1024);
  for (const rate of [0, -1, Number.NaN]) t.equal(chunkSizeFor(8 * MiB, rate), 8 * MiB, `rate ${rate}: unknown link`);
  t.equal(chunkSizeFor(8 * MiB, 65_536 / 100), MIN_CHUNK, 'exactly one floor chunk per 100 s');
  t.equal(chunkSizeFor(8 * MiB, (3 * 65_536) / 100 + 1), 3 * MIN_CHUNK, 'rounded down to whole 64 KiB');
  t.same([SIGNATURE_WINDOW_S, CHUNK_CROSSING_S, MIN_CHUNK], [300, 100, 65_536]);
  t.equal(new LinkEstimate(undefined).bytesPerSecond, undefined);
});

t.test('RateLimiter holds the average rate', async (t) => {
  t.throws(() => new RateLimiter(0));
  const limiter = new RateLimiter(400 * 1024);
  t.equal(limiter.sliceBytes(256 * 1024), 20 * 1024);
  const started = performance.now();
  for (let i = 0; i < 10; i++) await limiter.take(20 * 1024);
  const took = performance.now() - started;
  t.ok(took >= 450, `200 KiB at 400 KiB/s took ${took.toFixed(0)} ms (≥ 0.45 s)`);
});

t.test('--limit-rate takes curl\'s suffixes', async (t) => {
  t.equal(parseRate('500K'), 500 * 1024);
  t.equal(parseRate('2M'), 2 * MiB);
  t.equal(parseRate('1g'), 1024 * MiB);
  t.equal(parseRate('4096'), 4096);
  t.throws(() => parseRate('fast'), /not a rate/);
  t.throws(() => parseRate('100'), /below 1K/);
});
