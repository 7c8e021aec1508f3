// `npm run bench`: performance of hashing and uploading, each measured against a baseline in the
// same run on the same machine and the same MAAS simulator (127.0.0.1 only). Prints a table and
// writes bench/out/results.json. Not part of the tests.
//
//   BENCH_HASH_GIB=1 BENCH_UPLOAD_GIB=1 BENCH_RSS_GIB="1 4 16" BENCH_FLAKY_MIB=256 BENCH_FANOUT_MIB=96 npm run bench
//   BENCH_ONLY=maascli,memory,flaky npm run bench   (the performance goals; see bench/maas-cli.mjs for MAAS_CLI_SRC)
//   BENCH_ONLY=align npm run bench   (read buffers: page-aligned against 64 bytes in, bench/read-alignment.mjs)
// Every bench and setting, with its default: README "Performance".
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => join(root, 'dist', p);
const { chosenBenches, checkSettings, machineLine } = await import('./settings.mjs');
if (!existsSync(dist('index.js'))) {
  process.stderr.write('bench: dist/ is not built: run npm run build first (npm run bench does both).\n');
  process.exit(2);
}
const settingsProblem = checkSettings(process.env);
if (settingsProblem) {
  process.stderr.write(`bench: ${settingsProblem}\n`);
  process.exit(2);
}
const { sha256File } = await import(dist('upload/hash.js'));
const { MaasClient } = await import(dist('client/maas-client.js'));
const { OAuthSigner } = await import(dist('auth/oauth.js'));
const { parseApiKey } = await import(dist('auth/api-key.js'));
const { sampleEsxiDiskEnds, startMaasSimulator } = await import(dist('testing/index.js'));
const { uploadToSites } = await import(dist('client/sites.js'));
const { maasCliCreate, maasCliSource, median, oursCreate, shimNodeFlags } = await import('./maas-cli.mjs');
const { benchFlaky } = await import('./flaky.mjs');
const { benchReadAlignment } = await import('./read-alignment.mjs');

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const env = (k, d) => process.env[k] ?? d;
const work = mkdtempSync(join(env('BENCH_DIR', tmpdir()), 'maas-esxi-bench-'));
const rows = [];
const log = (s) => process.stderr.write(`${s}\n`);

/**
 * A file of `bytes` incompressible bytes (16 MiB random block repeated) laid out as ESXi with our
 * hooks at both ends (GPT, partitions 1 and 5; the backup GPT), so `create name=esxi/…` passes its
 * hook check (docs/image-inspection.md#hooks).
 */
function makeFile(name, bytes) {
  const path = join(work, name);
  const block = randomBytes(16 * MiB);
  const fd = openSync(path, 'w');
  for (let left = bytes; left > 0; left -= block.length) writeSync(fd, block, 0, Math.min(left, block.length));
  const { head, tail } = sampleEsxiDiskEnds({ diskBytes: bytes });
  writeSync(fd, head, 0, head.length, 0);
  writeSync(fd, tail, 0, tail.length, bytes - tail.length);
  closeSync(fd);
  return path;
}

const time = async (fn) => {
  const t0 = process.hrtime.bigint();
  const value = await fn();
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, value };
};

/** Simulators still running: stopped when the bench exits, however it ends. */
const servers = new Set();
process.on('exit', () => { for (const child of servers) child.kill('SIGKILL'); });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

function startServe(args) {
  const child = spawn(process.execPath, [dist('testing/serve.js'), '--port', '0', '--era', '3.8', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  servers.add(child);
  child.on('exit', () => servers.delete(child));
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
  // MAAS 3.8 shares one file per sha256, and the uploader refuses to empty a stored copy: the
  // baseline's resource goes before ours uploads the same bytes.
  await client.bootResources.delete(created.id);
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
  const sizes = env('BENCH_RSS_GIB', '1 4 16').split(/\s+/).map(Number);
  const results = [];
  for (const gib of sizes) {
    const path = makeFile(`rss-${gib}.raw`, gib * GiB);
    const sim = await startServe(['--max-body-bytes', String(10 * MiB), '--data-dir', join(work, `sim-rss-${gib}`)]);
    const report = join(work, `rss-${gib}.json`);
    execFileSync(process.execPath, [...shimNodeFlags(root), join(root, 'bench', 'upload-child.mjs'), sim.url, sim.adminKey, path, join(work, `state-rss-${gib}`), report], { stdio: ['ignore', 'ignore', 'inherit'] });
    await stopServe(sim);
    // The simulator's copy of the image goes with the image: at 16 GiB the two need 32 GiB of disk.
    rmSync(join(work, `sim-rss-${gib}`), { recursive: true, force: true });
    const measured = JSON.parse(readFileSync(report, 'utf8'));
    if (measured.exitCode !== 0) throw new Error(`the ${gib} GiB upload failed with exit ${measured.exitCode}`);
    results.push({ gib, ...measured });
    rmSync(path);
  }
  for (const r of results) {
    rows.push({ bench: `peak RSS, ${r.gib} GiB upload`, baseline: '-', ours: `${(r.maxRssKiB / 1024).toFixed(0)} MiB`, ratio: '-', goal: '≤ 64 MiB', met: r.maxRssKiB / 1024 <= 64 });
    const p = r.atPeak;
    if (p) log(`  ${r.gib} GiB, at the peak: ${p.rssMiB.toFixed(0)} MiB = ${p.fileMiB.toFixed(0)} file-backed (node's binary) + ${p.anonMiB.toFixed(0)} anonymous (V8 heap ${p.heapTotalMiB.toFixed(0)} of which ${p.heapUsedMiB.toFixed(0)} used, external ${p.externalMiB.toFixed(0)} of which ${p.arrayBuffersMiB.toFixed(0)} Buffers, the rest native)`);
  }
  if (results.length >= 2) {
    const growth = results[results.length - 1].maxRssKiB / results[0].maxRssKiB;
    rows.push({ bench: `RSS growth ${results[0].gib}→${results[results.length - 1].gib} GiB`, baseline: '-', ours: `×${growth.toFixed(2)}`, ratio: '-', goal: 'flat (≤ ×1.15)', met: growth <= 1.15 });
  }
}

/** The official maas CLI against ours, fresh 1 GiB create each, A/B pairs in turn on fresh simulators. */
async function benchMaasCli() {
  const maas = maasCliSource();
  if (maas.problem) {
    log(`… no maas CLI baseline: ${maas.problem}`);
    for (const [bench, goal] of [['CPU (user+sys), 1 GiB create', '≤ 0.80'], ['wall, 1 GiB create', '≤ 1.00'], ['peak RSS, 1 GiB create', '≤ 64 MiB']]) {
      rows.push({ bench, baseline: `no maas CLI: ${maas.problem.split(':')[0]}`, ours: '-', ratio: '-', goal, met: null });
    }
    return;
  }
  const size = Number(env('BENCH_MAASCLI_GIB', '1')) * GiB;
  const pairs = Number(env('BENCH_PAIRS', '5'));
  const path = makeFile('maascli.raw', size);
  const runs = { maas: [], ours: [] };
  for (let i = 0; i < pairs; i++) {
    for (const who of ['maas', 'ours']) {
      const sim = await startServe(['--data-dir', join(work, `sim-${who}-${i}`)]);
      const name = `esxi/${who}${i}`;
      runs[who].push(who === 'maas' ? maasCliCreate(maas, sim, path, name, join(work, `home-${i}`)) : oursCreate(root, sim, path, name, join(work, `state-cli-${i}`)));
      await stopServe(sim);
    }
  }
  const m = (who, k) => median(runs[who].map((r) => r[k]));
  const label = `${size / GiB} GiB create, median of ${pairs} pairs`;
  const cpuRatio = m('ours', 'cpu') / m('maas', 'cpu');
  const wallRatio = m('ours', 'wall') / m('maas', 'wall');
  rows.push({ bench: `CPU (user+sys), ${label}`, baseline: `maas CLI ${m('maas', 'cpu').toFixed(2)} s`, ours: `${m('ours', 'cpu').toFixed(2)} s`, ratio: cpuRatio.toFixed(2), goal: '≤ 0.80', met: cpuRatio <= 0.8 });
  rows.push({ bench: `wall, ${label}`, baseline: `maas CLI ${m('maas', 'wall').toFixed(2)} s`, ours: `${m('ours', 'wall').toFixed(2)} s`, ratio: wallRatio.toFixed(2), goal: '≤ 1.00', met: wallRatio <= 1 });
  rows.push({ bench: `peak RSS, ${label}`, baseline: `maas CLI ${(m('maas', 'maxRssKiB') / 1024).toFixed(0)} MiB`, ours: `${(m('ours', 'maxRssKiB') / 1024).toFixed(0)} MiB`, ratio: '-', goal: '≤ 64 MiB', met: m('ours', 'maxRssKiB') / 1024 <= 64 });
  rmSync(path);
}

/** Bytes the server read in PUT bodies beyond the image size: what was sent more than once. */
const resentOnServer = (sim, size) => sim.requests.filter((r) => r.method === 'PUT').reduce((n, r) => n + r.bodyBytes, 0) - size;

/** Ctrl-C while a chunk crosses a 12 MiB/s link, rerun at once: bytes sent twice, against one chunk. */
async function benchInterrupt() {
  const size = Number(env('BENCH_INTERRUPT_MIB', '96')) * MiB;
  const chunk = 8 * MiB;
  const path = makeFile('interrupt.raw', size);
  const sha256 = await sha256File(path);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(work, 'sim-interrupt') });
  sim.faults.throttle(12 * MiB);
  const client = MaasClient.connect({ url: sim.url, apiKey: sim.adminKey });
  const opts = { name: 'esxi/interrupt', title: 'interrupt', architecture: 'amd64/generic', filetype: 'ddraw', path, sha256, chunkSize: chunk, stateDir: join(work, 'state-interrupt') };
  const ac = new AbortController();
  const first = client.bootResources.upload({ ...opts, signal: ac.signal });
  // Ctrl-C half-way through the fourth chunk.
  first.on('progress', (p) => { if (p.phase === 'upload' && p.bytesSent >= 3.5 * chunk) ac.abort(new Error('Ctrl-C')); });
  await first.done().catch(() => undefined);
  const second = await client.bootResources.upload(opts).done();
  await client.close();
  await sim.close();
  const resent = resentOnServer(sim, size);
  rows.push({ bench: `Ctrl-C mid-chunk, rerun at once (${size / MiB} MiB)`, baseline: `chunk ${chunk / MiB} MiB`, ours: `${(resent / MiB).toFixed(2)} MiB re-sent`, ratio: (resent / chunk).toFixed(2), goal: '≤ 1 chunk', met: resent <= chunk && second.file.complete });
  rmSync(path);
}

/** A 503 with Retry-After: 1 on the final chunk, against the same upload without it. */
async function benchFinal503() {
  const size = 64 * MiB;
  const chunk = 8 * MiB;
  const path = makeFile('final503.raw', size);
  const sha256 = await sha256File(path);
  const once = async (name, fault) => {
    const sim = await startMaasSimulator({ era: '3.8', dataDir: join(work, `sim-${name}`) });
    if (fault) sim.faults.add({ match: { method: 'PUT', nth: size / chunk }, action: { type: 'status', status: 503, retryAfter: 1, body: 'Service Unavailable' } });
    const client = MaasClient.connect({ url: sim.url, apiKey: sim.adminKey });
    const rtt = await time(() => client.bootResources.list('uploaded'));
    const run = await time(() => client.bootResources.upload({ name: `esxi/${name}`, title: name, architecture: 'amd64/generic', filetype: 'ddraw', path, sha256, chunkSize: chunk, stateDir: join(work, `state-${name}`) }).done());
    const lastPut = [...sim.requests].reverse().find((r) => r.method === 'PUT');
    await client.close();
    await sim.close();
    return { seconds: run.seconds, rtt: rtt.seconds, lastPut };
  };
  await once('warmup503', false);
  const clean = await once('clean503', false);
  const faulty = await once('final503', true);
  // Inherent: Retry-After and sending the final chunk again (as long as it took in the clean run).
  const chunkSeconds = clean.seconds / (size / chunk);
  const extra = faulty.seconds - clean.seconds;
  const allowed = 1 + chunkSeconds + clean.rtt;
  rows.push({ bench: '503 Retry-After: 1 on the final chunk', baseline: `1 s + chunk ${chunkSeconds.toFixed(2)} s + RTT`, ours: `+${extra.toFixed(2)} s`, ratio: (extra / allowed).toFixed(2), goal: '≤ 1.00', met: extra <= allowed });
  rmSync(path);
}

/** `--limit-rate`: the achieved rate against the limit. */
async function benchLimitRate() {
  const limit = Number(env('BENCH_LIMIT_MIB_S', '8')) * MiB;
  const size = 6 * limit;
  const path = makeFile('limit.raw', size);
  const sha256 = await sha256File(path);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(work, 'sim-limit') });
  const client = MaasClient.connect({ url: sim.url, apiKey: sim.adminKey });
  // Timed from the first chunk to the last byte handed over (checks, create and MAAS's final hash excluded).
  const up = client.bootResources.upload({ name: 'esxi/limit', title: 'limit', architecture: 'amd64/generic', filetype: 'ddraw', path, sha256, limitRate: limit, stateDir: join(work, 'state-limit') });
  let sendStart = 0;
  let sendEnd = 0;
  up.on('phase', (p) => { if (p === 'upload') sendStart = performance.now(); if (p === 'verify' && sendEnd === 0) sendEnd = performance.now(); });
  await up.done();
  await client.close();
  await sim.close();
  const rate = size / ((sendEnd - sendStart) / 1000);
  const ratio = rate / limit;
  rows.push({ bench: `--limit-rate ${limit / MiB}M, ${size / MiB} MiB`, baseline: `limit ${(limit / MiB).toFixed(1)} MiB/s`, ours: `${(rate / MiB).toFixed(2)} MiB/s`, ratio: ratio.toFixed(3), goal: '0.95–1.05', met: ratio >= 0.95 && ratio <= 1.05 });
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
    const run = await time(() => uploadToSites([site], { ...opts, stateDir: join(work, 'fanout-state-alone') }).done());
    if (!run.value.sites[0].ok) throw run.value.sites[0].error;
    single.push(run.seconds);
  }
  await alone.stop();
  const together = await sitesOn('together');
  let siteHashes = 0;
  const countHashes = (_site, up) => up.on('phase', (phase, detail) => { if (phase === 'hash' && detail !== 'given') siteHashes += 1; });
  const fan = await time(() => uploadToSites(together.sites, { ...opts, parallel: 3, stateDir: join(work, 'fanout-state-together'), onUpload: countHashes }).done());
  await together.stop();
  if (!fan.value.sites.every((x) => x.ok)) throw new Error('fan-out: a site failed');
  const slowest = Math.max(...single);
  const ratio = fan.seconds / slowest;
  rows.push({ bench: `3 sites × ${size / MiB} MiB: image hashes`, baseline: '3 (one per site)', ours: String(fan.value.hashes + siteHashes), ratio: '-', goal: '1', met: fan.value.hashes === 1 && siteHashes === 0 });
  log(`  alone: ${single.map((x) => x.toFixed(1)).join(' / ')} s; inside the fan-out: ${fan.value.sites.map((x) => (x.elapsedMs / 1000).toFixed(1)).join(' / ')} s`);
  rows.push({ bench: `3 sites --parallel 3 (links ${links.map((l) => l / MiB).join('/')} MiB/s)`, baseline: `slowest alone ${slowest.toFixed(1)} s`, ours: `${fan.seconds.toFixed(1)} s`, ratio: ratio.toFixed(2), goal: '≤ 1.10', met: ratio <= 1.1 });
  rmSync(path);
}

const only = chosenBenches(process.env);
const machine = machineLine(process.env);
log(`bench: ${machine}`);
try {
  mkdirSync(join(root, 'bench', 'out'), { recursive: true });
  if (only.includes('hash')) { log('… hashing'); await benchHash(); }
  if (only.includes('align')) { log('… read buffer alignment'); await benchReadAlignment({ env, rows, makeFile, GiB }); }
  if (only.includes('throughput')) { log('… upload throughput'); await benchThroughput(); }
  if (only.includes('maascli')) { log('… against the maas CLI'); await benchMaasCli(); }
  if (only.includes('memory')) { log('… peak RSS'); await benchMemory(); }
  if (only.includes('flaky')) { log('… flaky link'); await benchFlaky({ env, log, rows, work, makeFile, MaasClient, sha256File, startMaasSimulator }); }
  if (only.includes('interrupt')) { log('… Ctrl-C and rerun'); await benchInterrupt(); }
  if (only.includes('final503')) { log('… 503 on the final chunk'); await benchFinal503(); }
  if (only.includes('limit')) { log('… --limit-rate'); await benchLimitRate(); }
  if (only.includes('fanout')) { log('… three sites'); await benchFanOut(); }
} finally {
  rmSync(work, { recursive: true, force: true });
}
// `met: null` is a row that could not run (its baseline is missing): "not run", not a missed goal.
const shown = rows.map((r) => ({ ...r, met: r.met === null ? 'not run' : r.met ? 'met' : 'not met' }));
const cols = ['bench', 'baseline', 'ours', 'ratio', 'goal', 'met'];
const widths = cols.map((c) => Math.max(c.length, ...shown.map((r) => String(r[c]).length)));
const line = (r) => `| ${cols.map((c, i) => String(r[c]).padEnd(widths[i])).join(' | ')} |`;
console.log(`${machine}, ${new Date().toISOString()}`);
console.log(line(Object.fromEntries(cols.map((c) => [c, c]))));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of shown) console.log(line(r));
writeFileSync(join(root, 'bench', 'out', 'results.json'), JSON.stringify({ at: new Date().toISOString(), node: process.version, machine, rows }, null, 2));
