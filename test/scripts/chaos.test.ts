// scripts/chaos.mjs (`npm run chaos -- …`): its arguments become the chaos suite's environment;
// a value that is not a number is a one-line usage error, not NaN random schedules.
import t from 'tap';
// @ts-expect-error -- a plain .mjs script without types
import { chaosEnv } from '../../scripts/chaos.mjs';

const env = chaosEnv as (argv: string[]) => Record<string, string> | string;

t.test('--runs N and --runs=N alike; seed and path passed on; 100 random schedules by default', async (t) => {
  t.same(env(['--runs', '2']), { CHAOS_RUNS: '2' });
  t.same(env(['--runs=2']), { CHAOS_RUNS: '2' });
  t.same(env([]), { CHAOS_RUNS: '100' });
  t.same(env(['--seed', '42', '--path', '3:1:0']), { CHAOS_RUNS: '100', CHAOS_SEED: '42', CHAOS_PATH: '3:1:0' });
});

t.test('a bad value or an unknown flag is one usage line', async (t) => {
  t.equal(env(['--runs', 'abc']), "--runs must be a whole number of random schedules, not 'abc'. Usage: npm run chaos -- [--runs N] [--seed S] [--path P].");
  t.equal(env(['--seed', 'x1']), "--seed must be the whole number a failure printed, not 'x1'. Usage: npm run chaos -- [--runs N] [--seed S] [--path P].");
  t.match(env(['--rusn', '2']), /^Unknown option '--rusn'.*\. Usage: npm run chaos -- \[--runs N\] \[--seed S\] \[--path P\]\.$/);
});
