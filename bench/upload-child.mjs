// One CLI upload (`maas-esxi env create …`, the real CLI code path) in its own process; writes
// {"maxRssKiB": … (VmHWM), "seconds": …, "atPeak": {…}} to the file named by the last argument, for
// bench/run.mjs. Start it with the shim's node flags (shimNodeFlags in bench/maas-cli.mjs).
//
// atPeak says where the peak RSS comes from: sampled every 10 ms, at the highest RSS
// seen, the file-backed pages (node's own binary and libraries, shared with every node process)
// against the anonymous ones, and of those V8's heap (reserved and used) and the Buffers outside it
// (external, of which arrayBuffers: Buffer and ArrayBuffer memory, the slice buffer included). Linux only
// (/proc/self/status); elsewhere atPeak is absent.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [url, apiKey, path, stateDir, report] = process.argv.slice(2);
process.env.MAAS_API_URL = url;
process.env.MAAS_API_KEY = apiKey;
process.env.XDG_STATE_HOME = stateDir;
process.argv = [process.argv[0], join(root, 'bin', 'maas-esxi.js'), 'env', 'create', 'name=esxi/rss', 'title=rss', 'architecture=amd64/generic', 'filetype=ddraw', `content@=${path}`, '--quiet'];

const MiB = 1024 * 1024;
let atPeak;
const sample = () => {
  let status;
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch {
    return;
  }
  const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  const rss = kib('VmRSS');
  if (atPeak && rss <= atPeak.rssMiB * 1024) return;
  const m = process.memoryUsage();
  atPeak = { rssMiB: rss / 1024, fileMiB: kib('RssFile') / 1024, anonMiB: kib('RssAnon') / 1024, heapTotalMiB: m.heapTotal / MiB, heapUsedMiB: m.heapUsed / MiB, externalMiB: m.external / MiB, arrayBuffersMiB: m.arrayBuffers / MiB };
};
const sampler = setInterval(sample, 10);
sampler.unref();

const { run } = await import(join(root, 'dist', 'cli', 'run.js'));
const t0 = Date.now();
await run();
clearInterval(sampler);
writeFileSync(report, JSON.stringify({ maxRssKiB: ownPeakKiB(), seconds: (Date.now() - t0) / 1000, exitCode: process.exitCode ?? 0, atPeak }));

/**
 * This process image's own peak RSS: VmHWM. Not getrusage's maxRSS, which Linux carries across
 * fork + exec from the parent (a child of a 200 MiB process reports ≥ 200 MiB however small it
 * is), so it measured bench/run.mjs's own memory as much as the upload's.
 */
function ownPeakKiB() {
  try {
    return Number(/^VmHWM:\s+(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))[1]);
  } catch {
    return process.resourceUsage().maxRSS;
  }
}
