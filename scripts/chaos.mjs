// `npm run chaos -- --runs N [--seed S] [--path P]`: the property-based upload chaos suite: the
// fixed schedules plus N random ones (default 100); a seed and path from a failure replay it.
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const value = (flag) => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};
const env = { ...process.env, CHAOS_RUNS: value('--runs') ?? '100' };
if (value('--seed')) env.CHAOS_SEED = value('--seed');
if (value('--path')) env.CHAOS_PATH = value('--path');
const r = spawnSync('npx', ['tap', '--disable-coverage', '--timeout', '0', 'test/chaos/upload-chaos.test.ts'], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
