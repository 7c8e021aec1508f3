// `npm run bench`: performance of hashing and uploading, each measured against a baseline in the
// same run on the same machine and the same MAAS simulator (127.0.0.1 only). Prints a table and
// writes bench/out/results.json. Not part of the tests.
//
//   BENCH_HASH_GIB=1 BENCH_UPLOAD_GIB=1 BENCH_RSS_GIB="1 4" BENCH_FLAKY_MIB=256 BENCH_FANOUT_MIB=96 npm run bench
//   BENCH_ONLY=fanout npm run bench     (one benchmark: hash, throughput, memory, flaky, fanout)
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => join(root, 'dist', p);
const { sha256File } = await import(dist('upload/hash.js'));
const { MaasClient } = await import(dist('client/maas-client.js'));
const { OAuthSigner } = await import(dist('auth/oauth.js'));
const { parseApiKey } = await import(dist('auth/api-key.js'));
const { startMaasSimulator } = await import(dist('testing/index.js'));
const { uploadToSites } = await import(dist('client/sites.js'));

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const env = (k, d) => process.env[k] ?? d;
const work = mkdtempSync(join(env('BENCH_DIR', tmpdir()), 'maas-esxi-bench-'));
const rows = [];
const log = (s) => process.stderr.write(`${s}\n`);

/** A file of `bytes` incompressible bytes (16 MiB random block repeated). */
function makeFile(name, bytes) {
  const path = join(work, name);
  const block = randomBytes(16 * MiB);
  const fd = openSync(path, 'w');
  for (let left = bytes; left > 0; left -= block.length) writeSync(fd, block, 0, Math.min(left, block.length));
  closeSync(fd);
  return path;
}

const time = async (fn) => {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, value };
};

function startServe(args) {
  const child = spawn(process.execPath, [dist('testing/serve.js'), '--port', '0', '--era', '3.8', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve({ ...JSON.parse(buf.slice(0, nl)), child });
    });
    child.on('exit', (c) => reject(new Error(`simulator exited ${c}`)));
  });
}
const stopServe = (s) => new Promise((r) => { s.child.on('exit', r); s.child.kill('SIGTERM'); });

function fileOf(resource) {
  return Object.values(Object.values(resource.sets)[0].files)[0];
}

/**
 * sha256File against `openssl dgst -sha256` (OpenSSL's SHA-NI/AVX2 code: the hardware's speed;
 * coreutils `sha256sum` lacks SHA-NI on many builds and would flatter us). Both read the same
 * file from the page cache, alternately, BENCH_HASH_ROUNDS times; the best time of each counts,
 * so a burst of load from other processes does not decide the ratio.
 */
async function benchHash() {
  const size = Number(env('BENCH_HASH_GIB', '1')) * GiB;
  const rounds = Number(env('BENCH_HASH_ROUNDS', '5'));
  const path = makeFile('hash.bin', size);
  execFileSync('cat', [path], { stdio: ['ignore', 'ignore', 'inherit'] }); // warm the page cache for both
  const openssl = () => /= ([0-9a-f]{64})$/.exec(execFileSync('openssl', ['dgst', '-sha256', path]).toString().trim())?.[1];
  let base;
  let ours;
  for (let i = 0; i < rounds; i++) {
    const b = await time(async () => openssl());
    const o = await time(() => sha256File(path));
    if (b.value !== o.value) throw new Error(`sha256 mismatch: openssl ${b.value}, sha256File ${o.value}`);
    if (!base || b.seconds < base.seconds) base = b;
    if (!ours || o.seconds < ours.seconds) ours = o;
  }
  const ratio = base.seconds / ours.seconds;
  const rate = (r) => `${(size / MiB / r.seconds).toFixed(0)} MiB/s (${r.seconds.toFixed(2)} s)`;
  rows.push({ bench: `hash ${size / GiB} GiB, best of ${rounds}`, baseline: `openssl dgst -sha256 ${rate(base)}`, ours: rate(ours), ratio: ratio.toFixed(2), goal: '≥ 0.90', met: ratio >= 0.9 });
  rmSync(path);
}

async function benchThroughput() {
  const size = Number(env('BENCH_UPLOAD_GIB', '1')) * GiB;
  const path = makeFile('upload.raw', size);
  const sim = await startServe(['--max-body-bytes', String(64 * GiB), '--data-dir', join(work, 'sim-throughput')]);
  const client = MaasClient.connect({ url: sim.url, apiKey: sim.adminKey });
  const sha256 = await sha256File(path);
  // Baseline: curl -T of the same bytes in one PUT to a fresh resource's upload_uri.
  const created = await client.bootResources.create({ name: 'esxi/curl', architecture: 'amd64/generic', sha256, size, title: 'curl', filetype: 'ddraw' });
  const uploadUrl = new URL(fileOf(created).upload_uri, sim.url).toString();
  const auth = new OAuthSigner(parseApiKey(sim.adminKey)).authorization('PUT', uploadUrl);
  const base = await time(async () =>
    // --request-target: with -T, curl would append the file name to a URL ending in '/'.
    execFileSync('curl', ['-sS', '-f', '-T', path, '--request-target', new URL(uploadUrl).pathname, '-H', `Authorization: ${auth}`, '-H', 'Content-Type: application/octet-stream', '-H', 'Expect:', new URL('/', uploadUrl).toString()]).toString(),
  );
  const ours = await time(() =>
    client.bootResources.upload({ name: 'esxi/ours', title: 'ours', architecture: 'amd64/generic', filetype: 'ddraw', path, sha256, stateDir: join(work, 'state') }).done(),
  );
  await client.close();
  await stopServe(sim);
  const ratio = base.seconds / ours.seconds;
  rows.push({ bench: `upload ${size / GiB} GiB (8 MiB chunks)`, baseline: `curl -T one PUT ${(size / MiB / base.seconds).toFixed(0)} MiB/s`, ours: `${(size / MiB / ours.seconds).toFixed(0)} MiB/s`, ratio: ratio.toFixed(2), goal: '≥ 0.90', met: ratio >= 0.9 });
  rmSync(path);
}

/** Peak RSS of a whole CLI upload (hashing included) in its own process, for several image sizes. */
async function benchMemory() {
  const sizes = env('BENCH_RSS_GIB', '1 4').split(/\s+/).map(Number);
  const results = [];
  for (const gib of sizes) {
    const path = makeFile(`rss-${gib}.raw`, gib * GiB);
    const sim = await startServe(['--max-body-bytes', String(10 * MiB), '--data-dir', join(work, `sim-rss-${gib}`)]);
    const report = join(work, `rss-${gib}.json`);
    execFileSync(process.execPath, [join(root, 'bench', 'upload-child.mjs'), sim.url, sim.adminKey, path, join(work, `state-rss-${gib}`), report], { stdio: ['ignore', 'ignore', 'inherit'] });
    await stopServe(sim);
    const measured = JSON.parse(readFileSync(report, 'utf8'));
    if (measured.exitCode !== 0) throw new Error(`the ${gib} GiB upload failed with exit ${measured.exitCode}`);
    results.push({ gib, ...measured });
    rmSync(path);
  }
  for (const r of results) {
    rows.push({ bench: `peak RSS, ${r.gib} GiB upload`, baseline: '-', ours: `${(r.maxRssKiB / 1024).toFixed(0)} MiB`, ratio: '-', goal: '≤ 100 MiB', met: r.maxRssKiB / 1024 <= 100 });
  }
  if (results.length >= 2) {
    const growth = results[results.length - 1].maxRssKiB / results[0].maxRssKiB;
    rows.push({ bench: `RSS growth ${results[0].gib}→${results[results.length - 1].gib} GiB`, baseline: '-', ours: `×${growth.toFixed(2)}`, ratio: '-', goal: 'flat (≤ ×1.15)', met: growth <= 1.15 });
  }
}

/** One throttled upload of `path`, with or without ~5 % of chunk requests cut. */
async function throttledUpload(path, name, link, chunk, withFaults) {
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(work, `sim-${name}`) });
  sim.faults.throttle(link);
  if (withFaults) {
    // Every 20th chunk request cut after the chunk was applied (lost answer), every 30th cut
    // half-way through the body (lost chunk); the first rule wins where both match.
    sim.faults.add({ match: { method: 'PUT', every: 20, times: 1000 }, action: { type: 'cut', apply: true } });
    sim.faults.add({ match: { method: 'PUT', every: 30, times: 1000 }, action: { type: 'cut', afterBytes: chunk / 2, apply: false } });
  }
  const client = MaasClient.connect({ url: sim.url, apiKey: sim.adminKey });
  const sha256 = await sha256File(path);
  const run = await time(() =>
    client.bootResources.upload({ name: `esxi/${name}`, title: name, architecture: 'amd64/generic', filetype: 'ddraw', path, sha256, chunkSize: chunk, stateDir: join(work, `state-${name}`) }).done(),
  );
  await client.close();
  await sim.close();
  return { seconds: run.seconds, result: run.value, puts: sim.requests.filter((r) => r.method === 'PUT').length, faults: sim.faults.fired };
}

/** Goodput over a throttled link with 5 % of chunk requests cut, against the link rate. */
async function benchFlaky() {
  const size = Number(env('BENCH_FLAKY_MIB', '768')) * MiB;
  const link = Number(env('BENCH_LINK_MIB_S', '12')) * MiB;
  // A slow WAN link (12 MiB/s ≈ 100 Mbit/s, the product's target) and the default 8 MiB chunks.
  const chunk = 8 * MiB;
  const path = makeFile('flaky.raw', size);
  const clean = await throttledUpload(path, 'clean', link, chunk, false);
  const flaky = await throttledUpload(path, 'flaky', link, chunk, true);
  const goodput = size / flaky.seconds;
  const cleanGoodput = size / clean.seconds;
  rows.push({ bench: `goodput ${size / MiB} MiB, no faults (reference)`, baseline: `link ${(link / MiB).toFixed(0)} MiB/s`, ours: `${(cleanGoodput / MiB).toFixed(1)} MiB/s`, ratio: (cleanGoodput / link).toFixed(2), goal: '-', met: true });
  rows.push({ bench: `goodput ${size / MiB} MiB, ${flaky.faults} cuts in ${flaky.puts} PUTs (${((100 * flaky.faults) / flaky.puts).toFixed(1)} %)`, baseline: `link ${(link / MiB).toFixed(0)} MiB/s`, ours: `${(goodput / MiB).toFixed(1)} MiB/s`, ratio: (goodput / link).toFixed(2), goal: '≥ 0.90', met: goodput / link >= 0.9 });
  const perFault = flaky.faults > 0 ? flaky.result.bytesResent / flaky.faults : 0;
  rows.push({ bench: 'bytes re-sent per fault', baseline: `chunk ${chunk / MiB} MiB`, ours: `${(perFault / MiB).toFixed(2)} MiB`, ratio: (perFault / chunk).toFixed(2), goal: '≤ 1 chunk', met: perFault <= chunk });
  rmSync(path);
}

/**
 * Several MAAS sites, one image: the fan-out hashes once, and with --parallel 3 takes no longer
 * than the slowest site alone (≤ 1.1×). Each site is its own simulator process behind its own
 * throttled link; the baseline (every site alone, on fresh simulators) is measured in this run.
 */
async function benchFanOut() {
  const size = Number(env('BENCH_FANOUT_MIB', '96')) * MiB;
  const links = [8, 10, 12].map((m) => m * MiB);
  const path = makeFile('fanout.raw', size);
  const opts = { name: 'esxi/8.0', title: 'VMware ESXi 8.0', architecture: 'amd64/generic', filetype: 'ddraw', path };
  const sitesOn = async (tag) => {
    const sims = await Promise.all(links.map((bps, i) => startServe(['--throttle', String(bps), '--max-body-bytes', 'Infinity', '--data-dir', join(work, `fanout-${tag}-${i}`)])));
    const sites = sims.map((sim, i) => ({ name: `site${i + 1}`, client: MaasClient.connect({ url: sim.url, apiKey: sim.adminKey }) }));
    return { sites, stop: async () => { await Promise.all(sites.map((x) => x.client.close())); await Promise.all(sims.map(stopServe)); } };
  };
  const alone = await sitesOn('alone');
  const single = [];
  for (const site of alone.sites) {
    const run = await time(() => uploadToSites([site], { ...opts, stateDir: join(work, 'fanout-state-alone') }));
    if (!run.value.sites[0].ok) throw run.value.sites[0].error;
    single.push(run.seconds);
  }
  await alone.stop();
  const together = await sitesOn('together');
  let siteHashes = 0;
  const countHashes = (_site, up) => up.on('phase', (phase, detail) => { if (phase === 'hash' && detail !== 'given') siteHashes += 1; });
  const fan = await time(() => uploadToSites(together.sites, { ...opts, parallel: 3, stateDir: join(work, 'fanout-state-together'), onUpload: countHashes }));
  await together.stop();
  if (!fan.value.sites.every((x) => x.ok)) throw new Error('fan-out: a site failed');
  const slowest = Math.max(...single);
  const ratio = fan.seconds / slowest;
  rows.push({ bench: `3 sites × ${size / MiB} MiB: image hashes`, baseline: '3 (one per site)', ours: String(fan.value.hashes + siteHashes), ratio: '-', goal: '1', met: fan.value.hashes === 1 && siteHashes === 0 });
  log(`  alone: ${single.map((x) => x.toFixed(1)).join(' / ')} s; inside the fan-out: ${fan.value.sites.map((x) => (x.elapsedMs / 1000).toFixed(1)).join(' / ')} s`);
  rows.push({ bench: `3 sites --parallel 3 (links ${links.map((l) => l / MiB).join('/')} MiB/s)`, baseline: `slowest alone ${slowest.toFixed(1)} s`, ours: `${fan.seconds.toFixed(1)} s`, ratio: ratio.toFixed(2), goal: '≤ 1.10', met: ratio <= 1.1 });
  rmSync(path);
}

const only = env('BENCH_ONLY', 'hash,throughput,memory,flaky,fanout').split(',');
try {
  mkdirSync(join(root, 'bench', 'out'), { recursive: true });
  if (only.includes('hash')) { log('… hashing'); await benchHash(); }
  if (only.includes('throughput')) { log('… upload throughput'); await benchThroughput(); }
  if (only.includes('memory')) { log('… peak RSS'); await benchMemory(); }
  if (only.includes('flaky')) { log('… flaky link'); await benchFlaky(); }
  if (only.includes('fanout')) { log('… three sites'); await benchFanOut(); }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const cols = ['bench', 'baseline', 'ours', 'ratio', 'goal', 'met'];
const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
const line = (r) => `| ${cols.map((c, i) => String(r[c]).padEnd(widths[i])).join(' | ')} |`;
console.log(line(Object.fromEntries(cols.map((c) => [c, c]))));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line({ ...r, met: r.met ? 'yes' : 'NO' }));
writeFileSync(join(root, 'bench', 'out', 'results.json'), JSON.stringify({ at: new Date().toISOString(), node: process.version, rows }, null, 2));
