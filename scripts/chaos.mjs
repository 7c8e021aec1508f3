// `npm run chaos -- --runs N [--seed S] [--path P]` (or `--runs=N`): the property-based upload chaos
// suite: the fixed schedules plus N random ones (default 100); a seed and path from a failure
// replay it.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const USAGE = 'npm run chaos -- [--runs N] [--seed S] [--path P]';

/** The suite's environment for these arguments, or a one-line usage error (a string). */
export function chaosEnv(argv) {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { runs: { type: 'string' }, seed: { type: 'string' }, path: { type: 'string' } }, strict: true }));
  } catch (err) {
    return `${err.message.replace(/\.$/, '')}. Usage: ${USAGE}.`;
  }
  const runs = values.runs ?? '100';
  if (!/^\d+$/.test(runs)) return `--runs must be a whole number of random schedules, not '${runs}'. Usage: ${USAGE}.`;
  if (values.seed !== undefined && !/^-?\d+$/.test(values.seed)) return `--seed must be the whole number a failure printed, not '${values.seed}'. Usage: ${USAGE}.`;
  return { CHAOS_RUNS: runs, ...(values.seed !== undefined && { CHAOS_SEED: values.seed }), ...(values.path !== undefined && { CHAOS_PATH: values.path }) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const env = chaosEnv(process.argv.slice(2));
  if (typeof env === 'string') {
    process.stderr.write(`maas-esxi chaos: ${env}\n`);
    process.exit(2);
  }
  const r = spawnSync('npx', ['tap', '--disable-coverage', '--timeout', '0', 'test/chaos/upload-chaos.test.ts'], { stdio: 'inherit', env: { ...process.env, ...env } });
  process.exit(r.status ?? 1);
}
