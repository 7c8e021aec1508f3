// `node bench/startup.mjs` (after `npm run build`): how fast `maas-esxi --help` and a completion
// Tab start, against `node -e 0` measured in the same run, interleaved, on the same machine
// (the budget: at most node -e 0 + 0.12 s and 50 MiB peak RSS). Prints a table and one JSON line.
//
//   BENCH_STARTUP_RUNS=15 node bench/startup.mjs
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'maas-esxi.js');
const runs = Number(process.env['BENCH_STARTUP_RUNS'] ?? 9);
const BUDGET_S = 0.12;
const BUDGET_RSS_MIB = 50;
// Peak RSS as the kernel counts it (GNU time's %M, in KiB); without /usr/bin/time each child
// reports its own on exit through a preload, which adds about 1.5 MiB to every case alike.
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const REPORT_RSS = `--import=data:text/javascript,process.on('exit',()=>process.stderr.write('\\nMAXRSS '+process.resourceUsage().maxRSS+'\\n'))`;
const home = mkdtempSync(join(tmpdir(), 'maas-esxi-startup-'));
// A user who completes has logged in: a profile DB with one profile (a Tab reads its names).
const { ProfileStore } = await import(join(root, 'dist', 'profiles', 'profile-store.js'));
const store = ProfileStore.open({ home, env: {} });
store.save({ name: 'admin', url: 'http://127.0.0.1:5240/MAAS/api/2.0/', credentials: ['c', 't', 's'], description: null, cacerts: null });
store.close();

const cases = [
  ['node -e 0', ['-e', '0']],
  ['maas-esxi --help', [bin, '--help']],
  ['maas-esxi PROFILE create --help', [bin, 'admin', 'boot-resources', 'create', '--help']],
  ['Tab: maas-esxi <TAB>', [bin, '__complete', '--cur', '', '--line', 'maas-esxi ']],
  ['Tab: create architecture=<TAB>', [bin, '__complete', '--cur', 'architecture=', '--line', 'maas-esxi admin create architecture=']],
];

function once(args) {
  const start = process.hrtime.bigint();
  const [cmd, argv] = GNU_TIME ? [GNU_TIME, ['-f', 'MAXRSS %M', process.execPath, ...args]] : [process.execPath, [REPORT_RSS, ...args]];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', env: { ...process.env, HOME: home, XDG_STATE_HOME: join(home, 'state') } });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const rss = Number(/MAXRSS (\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1024;
  return { seconds, rss };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const samples = cases.map(() => ({ seconds: [], rss: [] }));
// Warm-up: the disk cache, and the Tab's remembered profile names (written on the first Tab).
for (const [, args] of cases) once(args);
for (let i = 0; i < runs; i += 1) {
  // Interleaved, so a busy moment of the machine costs every case alike.
  cases.forEach(([, args], c) => {
    const s = once(args);
    samples[c].seconds.push(s.seconds);
    samples[c].rss.push(s.rss);
  });
}
rmSync(home, { recursive: true, force: true });

const base = median(samples[0].seconds);
const results = cases.map(([name], c) => {
  const seconds = median(samples[c].seconds);
  const rssMiB = Math.max(...samples[c].rss);
  const overS = seconds - base;
  return { name, seconds: +seconds.toFixed(3), overBaselineS: +overS.toFixed(3), peakRssMiB: +rssMiB.toFixed(1), ok: c === 0 || (overS <= BUDGET_S && rssMiB <= BUDGET_RSS_MIB) };
});
process.stderr.write(`median of ${runs} runs (peak RSS: ${GNU_TIME ? 'GNU time' : 'process.resourceUsage() preload'}); budget: node -e 0 + ${BUDGET_S} s and ${BUDGET_RSS_MIB} MiB peak RSS\n`);
for (const r of results) {
  process.stderr.write(`${r.name.padEnd(34)} ${r.seconds.toFixed(3)} s  (+${r.overBaselineS.toFixed(3)} s)  ${r.peakRssMiB.toFixed(1)} MiB  ${r.ok ? 'ok' : 'OVER BUDGET'}\n`);
}
process.stdout.write(`${JSON.stringify({ runs, budget: { overBaselineS: BUDGET_S, peakRssMiB: BUDGET_RSS_MIB }, results })}\n`);
process.exitCode = results.every((r) => r.ok) ? 0 : 1;
