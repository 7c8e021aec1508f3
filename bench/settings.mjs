// The bench's settings (README "Performance" lists them), checked before anything is written, and
// the line that says what machine a run measured.
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';

const BENCHES = ['hash', 'align', 'throughput', 'maascli', 'memory', 'flaky', 'interrupt', 'final503', 'limit', 'fanout'];

/** Numeric settings: one positive number, or (`list`) several separated by spaces. */
const NUMBERS = {
  BENCH_HASH_GIB: {}, BENCH_HASH_ROUNDS: { whole: true }, BENCH_ALIGN_GIB: {}, BENCH_ALIGN_ROUNDS: { whole: true },
  BENCH_UPLOAD_GIB: {}, BENCH_MAASCLI_GIB: {}, BENCH_PAIRS: { whole: true }, BENCH_RSS_GIB: { list: true },
  BENCH_FLAKY_MIB: {}, BENCH_LINK_MB_S: {}, BENCH_SEEDS: { list: true, whole: true }, BENCH_INTERRUPT_MIB: {},
  BENCH_LIMIT_MIB_S: {}, BENCH_FANOUT_MIB: {},
};

/** The benches BENCH_ONLY names (every bench without it). */
export const chosenBenches = (env) => (env.BENCH_ONLY ?? BENCHES.join(',')).split(',');

/** Why the settings in `env` cannot run (one line naming the setting and the fix), or undefined. */
export function checkSettings(env) {
  const unknown = chosenBenches(env).filter((name) => !BENCHES.includes(name));
  if (unknown.length > 0) return `BENCH_ONLY names no bench called ${unknown.join(', ')}; the benches are ${BENCHES.join(', ')}.`;
  for (const [name, { list, whole }] of Object.entries(NUMBERS)) {
    const value = env[name];
    if (value === undefined) continue;
    const words = list ? value.trim().split(/\s+/) : [value.trim()];
    const bad = words.find((w) => !/^\d+(\.\d+)?$/.test(w) || !(Number(w) > 0) || (whole && !Number.isInteger(Number(w))));
    if (bad !== undefined) {
      const kind = list ? `${whole ? 'whole numbers' : 'numbers'} above 0 separated by spaces` : `${whole ? 'a whole number' : 'a number'} above 0`;
      return `${name}='${value}' is not ${kind} (e.g. ${list ? (whole ? '"11 12"' : '"1 4"') : whole ? '5' : '1'}).`;
    }
  }
  return undefined;
}

/** Node.js (and extra flags), CPU (model, family/model from /proc/cpuinfo, cores), RAM, kernel, load. */
export function machineLine(env) {
  const extra = (env.BENCH_NODE_FLAGS ?? '').trim();
  let family = '';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const field = (k) => new RegExp(`^${k}\\s*:\\s*(.+)$`, 'm').exec(info)?.[1]?.trim();
    const [f, m, cache] = [field('cpu family'), field('model'), field('cache size')];
    if (f && m) family = `, family ${f} model ${m}${cache ? `, ${cache} cache` : ''}`;
  } catch {
    // Not Linux: the model name alone.
  }
  const node = `Node.js ${process.version}${extra ? ` with BENCH_NODE_FLAGS=${extra}` : ''}`;
  const cpu = `${cpus()[0]?.model.trim() ?? 'an unknown CPU'}${family} (${cpus().length} cores)`;
  return `${node} on ${cpu}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, ${type()} ${release()}, load ${loadavg()[0].toFixed(1)}`;
}
