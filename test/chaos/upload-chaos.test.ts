// Property-based fault schedules against the simulator (fast-check: generation and shrinking).
// A bounded number of runs inside `npm test`; `npm run chaos -- --runs N` for long runs.
// Invariants: stored sha256 == source, never "Too much data received.", at most one chunk
// re-sent per fault, exit 0 only with a verified copy, no run beyond the documented waits.
import t from 'tap';
import fc from 'fast-check';
import { MaasAbortError } from '../../lib/errors/index.js';
import type { FaultAction } from '../../lib/testing/index.js';
import { fileIdOf, KiB, makeImage, tempDir, uploadEnv } from '../fixtures/upload-env.js';

const CHUNK = 64 * KiB;
const RUNS = Number(process.env['CHAOS_RUNS'] ?? 6);
const SEED = process.env['CHAOS_SEED'] ? Number(process.env['CHAOS_SEED']) : undefined;
const PATH = process.env['CHAOS_PATH'];

type Fault =
  | { kind: 'cut-before'; put: number; afterBytes: number }
  | { kind: 'cut-after'; put: number }
  | { kind: 'status'; put: number; status: 502 | 503 | 504 }
  | { kind: 'late'; put: number; delayMs: number }
  | { kind: 'hang'; put: number; ms: number }
  | { kind: 'expired'; put: number }
  | { kind: 'restart'; put: number; loseTail: boolean }
  | { kind: 'interrupt'; put: number };

const put = fc.integer({ min: 1, max: 9 });
const fault: fc.Arbitrary<Fault> = fc.oneof(
  fc.record({ kind: fc.constant('cut-before' as const), put, afterBytes: fc.integer({ min: 0, max: CHUNK - 1 }) }),
  fc.record({ kind: fc.constant('cut-after' as const), put }),
  fc.record({ kind: fc.constant('status' as const), put, status: fc.constantFrom(502 as const, 503 as const, 504 as const) }),
  fc.record({ kind: fc.constant('late' as const), put, delayMs: fc.integer({ min: 0, max: 120 }) }),
  fc.record({ kind: fc.constant('hang' as const), put, ms: fc.integer({ min: 50, max: 400 }) }),
  fc.record({ kind: fc.constant('expired' as const), put }),
  fc.record({ kind: fc.constant('restart' as const), put, loseTail: fc.boolean() }),
  fc.record({ kind: fc.constant('interrupt' as const), put }),
);

function actionOf(f: Fault): FaultAction | undefined {
  switch (f.kind) {
    case 'cut-before':
      return { type: 'cut', afterBytes: f.afterBytes, apply: false };
    case 'cut-after':
      return { type: 'cut', apply: true };
    case 'status':
      return { type: 'status', status: f.status, retryAfter: 0, body: 'proxy' };
    case 'late':
      return { type: 'late', delayMs: f.delayMs };
    case 'hang':
      return { type: 'hang', ms: f.ms };
    default:
      return undefined;
  }
}

t.test('chaos: random fault schedules never corrupt, re-send or report a false success', async (t) => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('3.7' as const, '3.8' as const), fc.array(fault, { minLength: 1, maxLength: 3 }), async (era, faults) => {
      run += 1;
      let shift = 0;
      const scope = { teardown: (fn: () => unknown) => cleanups.push(fn) };
      const cleanups: Array<() => unknown> = [];
      try {
        const env = await uploadEnv(scope, { era, now: () => Date.now() + shift });
        const image = makeImage(tempDir(scope), 700 * KiB);
        for (const f of faults) {
          const action = actionOf(f);
          if (action) env.sim.faults.add({ match: { method: 'PUT', nth: f.put }, action });
        }
        const ac = new AbortController();
        const opts = env.options(image, { signal: ac.signal, chunkTimeoutMs: 250, finalChunkTimeoutMs: 600, settleMs: 200, finalSettleMs: 400, interruptGraceMs: 100, retries: 12 });
        const started = Date.now();
        const up = env.client.bootResources.upload(opts);
        const warnings: string[] = [];
        up.on('warning', (w) => warnings.push(w));
        const pending = new Set(faults.filter((f) => f.kind === 'expired' || f.kind === 'restart' || f.kind === 'interrupt'));
        let busy: Promise<void> | undefined;
        const onPut = setInterval(() => {
          const puts = env.sim.requests.filter((r) => r.method === 'PUT').length;
          for (const f of [...pending]) {
            if (puts < f.put || busy) continue;
            pending.delete(f);
            if (f.kind === 'expired') shift += 400_000;
            else if (f.kind === 'interrupt') ac.abort(new Error('Ctrl-C'));
            else if (f.kind === 'restart') busy = env.sim.restart(f.loseTail ? { loseTailBytes: CHUNK } : {}).finally(() => (busy = undefined));
          }
        }, 3);
        let result = await up.done().catch((e: unknown) => e);
        if (result instanceof MaasAbortError) {
          // Rerun at once, as a user would.
          await busy;
          result = await env.client.bootResources.upload({ ...opts, signal: undefined }).done();
        }
        clearInterval(onPut);
        await busy;
        await env.sim.settled();
        if (result instanceof Error) throw result;
        const r = result as Awaited<ReturnType<typeof up.done>>;
        const elapsed = Date.now() - started;
        const lastPut = [...env.sim.requests].reverse().find((q) => q.method === 'PUT');
        if (!r.file.complete) throw new Error('exit 0 without a complete file');
        if (!lastPut || (await env.storedSha256(fileIdOf(lastPut.path))) !== image.sha256) throw new Error('stored sha256 differs from the source');
        const tooMuch = env.sim.requests.filter((q) => q.method === 'PUT' && q.status === 400).length;
        if (tooMuch > 0) {
          const trace = env.sim.requests.map((q) => `${q.method} ${q.status}${q.fault ? `(${q.fault})` : ''} ${q.bodyBytes}${q.applied ? '+' : ''}`).join(', ');
          throw new Error(`${tooMuch} PUT(s) answered 400 (a re-sent applied chunk): ${trace}; warnings: ${warnings.join(' | ')}`);
        }
        const lostTail = faults.filter((f) => f.kind === 'restart' && f.loseTail).length;
        if (r.bytesResent > (faults.length + lostTail) * CHUNK) throw new Error(`re-sent ${r.bytesResent} bytes for ${faults.length} fault(s)`);
        if (elapsed > 30_000) throw new Error(`took ${elapsed} ms`);
      } finally {
        for (const fn of cleanups.reverse()) await fn();
      }
    }),
    { numRuns: RUNS, timeout: 30_000, ...(SEED !== undefined ? { seed: SEED } : {}), ...(PATH ? { path: PATH } : {}), endOnFailure: true },
  );
  t.equal(run >= RUNS, true, `${run} schedules`);
});
