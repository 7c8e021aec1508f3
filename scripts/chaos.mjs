// `npm run chaos -- --runs N [--seed S]`: the property-based upload chaos suite, N schedules.
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const value = (flag) => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};
const env = { ...process.env, CHAOS_RUNS: value('--runs') ?? '100' };
if (value('--seed')) env.CHAOS_SEED = value('--seed');
const r = spawnSync('npx', ['tap', '--disable-coverage', '--timeout', '0', 'test/chaos/upload-chaos.test.ts'], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
