// Property-based fault schedules against the simulator (fast-check: generation and shrinking).
// Fixed schedules cover every fault kind on every era, then CHAOS_RUNS random ones (default 6);
// `npm run chaos -- --runs N [--seed S] [--path P]` for long runs or to replay a failure.
// Invariants, checked from the simulator's request log and stored bytes: the stored sha256 equals
// the source's, MAAS never refused a re-sent chunk, at most one chunk per fault crossed the link
// twice (plus each lost tail), every generated fault fired, no run beyond the documented waits.
import t from 'tap';
import fc from 'fast-check';
import { makeImage, KiB } from '../fixtures/upload-env.js';
import { runSchedule } from '../fixtures/chaos/run.js';
import { describeSchedule, ERAS, FAULT_KINDS, fixedSchedules, kindOf, scheduleArbitrary, type Schedule } from '../fixtures/chaos/schedule.js';

const CHUNK = 64 * KiB;
const RUNS = Number(process.env['CHAOS_RUNS'] ?? 6);
const SEED = process.env['CHAOS_SEED'] ? Number(process.env['CHAOS_SEED']) : Math.floor(Math.random() * 2 ** 31);
const PATH = process.env['CHAOS_PATH'];

function chaosImages(t: { testdir(): string }): ReturnType<typeof makeImage>[] {
  const dir = t.testdir();
  return [makeImage(dir, 700 * KiB, 'esxi-8.dd.gz'), makeImage(dir, 300 * KiB, 'esxi-7.dd.gz')];
}

t.test('chaos: fault schedules never corrupt, re-send an applied chunk or report a false success', async (t) => {
  const [main, second] = chaosImages(t) as [ReturnType<typeof makeImage>, ReturnType<typeof makeImage>];
  // Positions come from the real chunk count: the first client alone sends at least this many PUTs.
  const puts = Math.ceil(main.size / CHUNK);
  const fixed = fixedSchedules(puts, CHUNK);
  const ran: Schedule[] = [];
  t.comment(`chaos seed ${SEED}: replay with npm run chaos -- --seed ${SEED} (and --path from a failure)`);
  const details = await fc.check(
    fc.asyncProperty(scheduleArbitrary(puts, CHUNK), async (s) => {
      ran.push(s);
      await runSchedule(s, [main, second], CHUNK);
    }),
    // Shrinking stays on: a failure is reported as the smallest schedule that still fails.
    // fast-check counts the examples among numRuns, and a replayed path indexes the runs with
    // the examples first: a replay keeps them, or the path points past the runs.
    { numRuns: fixed.length + RUNS, seed: SEED, ...(PATH ? { path: PATH } : {}), examples: fixed.map((s) => [s] as [Schedule]), timeout: 60_000 },
  );
  if (details.failed) {
    const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    t.fail(`chaos failed; replay: npm run chaos -- --seed ${details.seed} --path ${details.counterexamplePath ?? ''}\n${error}`);
    return;
  }
  if (PATH) return;
  const all = ERAS.flatMap((era) => FAULT_KINDS.map((k) => ({ era, k })));
  const covered = new Set(ran.flatMap((s) => s.faults.map((f) => `${kindOf(f)} on ${s.era}`)));
  t.same(all.map(({ era, k }) => `${k} on ${era}`).filter((c) => !covered.has(c)), [], 'every fault kind ran on every era');
  t.ok(ran.some((s) => s.regions === 2) && ran.some((s) => s.throttle !== null) && ran.some((s) => s.secondClient), 'two regions, a throttled link and a second client each ran');
  t.equal(ran.length, fixed.length + RUNS, `${fixed.length} fixed and ${RUNS} random schedules ran`);
});

// A lost tail while a chunk is on the wire (docs/maas-upload-protocol.md#deriving-the-offset): the
// region count is learnt from an acknowledged offset, never guessed after a failure, so one
// region's lost chunk is not read as a second region's copy. Timing decides whether the restart
// catches the chunk unapplied: several positions on both 3.5+ eras.
t.test('chaos: a lost tail after a reset on MAAS 3.5+ neither corrupts nor restarts', async (t) => {
    const [main, second] = chaosImages(t) as [ReturnType<typeof makeImage>, ReturnType<typeof makeImage>];
    const single = (era: '3.7' | '3.8', put: number): Schedule => ({ era, regions: 1, throttle: 500_000, secondClient: false, faults: [{ kind: 'restart', put, loseTail: true }] });
    const known = [single('3.8', 3), single('3.8', 4), single('3.8', 5), single('3.7', 3), single('3.7', 4)];
    for (const s of known) {
      const error = await runSchedule(s, [main, second], CHUNK).then(() => undefined, (e: unknown) => (e instanceof Error ? e.message : String(e)));
      t.equal(error, undefined, describeSchedule(s));
    }
});
