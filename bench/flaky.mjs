// The flaky-link goodput (`BENCH_ONLY=flaky npm run bench`, README "Performance"): a throttled link, 5 % of chunk
// PUTs cut mid-body, five seeds; each drop's timeline comes from the simulator's own request log.
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const MiB = 1024 ** 2;

/** mulberry32: a small seeded PRNG, so every seed's fault pattern is the same on every run. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * When the simulator's throttled link delivered its last byte (ms, performance.now()). The
 * simulator reads its link rate once per piece of request body it lets through, just before that
 * piece's time on the wire (lib/testing/request-body.ts, throughLink; its responses read it too,
 * hence the stack test): the last such read plus that piece's time is when the final byte of the
 * image reached the server.
 */
function linkExit(sim, bytesPerSecond) {
  let last = 0;
  const get = () => {
    if (new Error().stack?.includes('throughLink')) last = performance.now();
    return bytesPerSecond;
  };
  Object.defineProperty(sim.faults, 'bytesPerSecond', { get });
  // A piece is one socket read: at most 64 KiB on loopback, 8 ms at 8 MB/s.
  return () => last + (64 * 1024 / bytesPerSecond) * 1000;
}

/**
 * Where each drop's time went, from the simulator's request log alone: when the cut PUT arrived,
 * how much body the server read before the cut (its time on the link is the drop's unavoidable
 * cost), when the next offset read and the next PUT arrived, how many offset reads came between
 * (more than one: the client settled, docs/maas-upload-protocol.md#which-failures-are-ambiguous),
 * and the time lost beyond the partial body.
 */
function dropTimeline(requests, link, chunk) {
  const t0 = requests.find((r) => r.method === 'PUT')?.receivedAt ?? 0;
  return requests.flatMap((r, i) => {
    if (r.method !== 'PUT' || r.fault !== 'cut') return [];
    const later = requests.slice(i + 1);
    const next = later.find((q) => q.method === 'PUT');
    const reads = later.filter((q) => q.method === 'GET' && (!next || q.receivedAt <= next.receivedAt));
    const onLinkMs = (r.bodyBytes / link) * 1000;
    const nextPutMs = next ? next.receivedAt - r.receivedAt : NaN;
    return [{ atMs: r.receivedAt - t0, bytes: r.bodyBytes, ofChunk: r.bodyBytes / chunk, onLinkMs, firstReadMs: reads[0] ? reads[0].receivedAt - r.receivedAt : NaN, reads: reads.length, nextPutMs, lostMs: nextPutMs - onLinkMs }];
  });
}

const s = (ms) => `${(ms / 1000).toFixed(2)} s`;

/** `BENCH_FLAKY_PUTS=1`: every PUT's arrival, its gap to the next request and its body, from the request log. */
function logPuts(log, name, requests) {
  const t0 = requests.find((r) => r.method === 'PUT')?.receivedAt ?? 0;
  requests.forEach((r, i) => {
    const next = requests[i + 1];
    if (r.method === 'PUT') log(`  ${name} PUT +${s(r.receivedAt - t0)}: ${r.bodyBytes} B, ${r.status}${r.fault ? ` (${r.fault})` : ''}; next request +${next ? s(next.receivedAt - r.receivedAt) : '-'}`);
  });
}

function logDrops(log, seed, drops) {
  drops.forEach((d, i) =>
    log(
      `  seed ${seed}, drop ${i + 1}: PUT at +${s(d.atMs)}, cut after ${d.bytes} B (${d.ofChunk.toFixed(3)} of the chunk, ${s(d.onLinkMs)} on the link); ` +
        `offset read +${s(d.firstReadMs)}, ${d.reads} read(s)${d.reads > 1 ? ' (settled)' : ''}; next PUT +${s(d.nextPutMs)}: ${s(d.lostMs)} beyond the partial body`,
    ),
  );
}

/** One throttled upload of `path`; with a seed, each chunk request is dropped mid-body with probability 5 %. */
async function throttledUpload(b, path, name, link, chunk, seed) {
  const sim = await b.startMaasSimulator({ era: '3.8', dataDir: join(b.work, `sim-${name}`) });
  sim.faults.throttle(link);
  if (seed !== undefined) {
    const random = prng(seed);
    for (let nth = 1; nth <= 4 * Math.ceil(statSync(path).size / chunk); nth++) {
      if (random() < 0.05) sim.faults.add({ match: { method: 'PUT', nth }, action: { type: 'cut', afterBytes: Math.floor(random() * chunk), apply: false } });
    }
  }
  const lastByte = linkExit(sim, link);
  const client = b.MaasClient.connect({ url: sim.url, apiKey: sim.adminKey });
  const sha256 = await b.sha256File(path);
  const up = client.bootResources.upload({ name: `esxi/${name}`, title: name, architecture: 'amd64/generic', filetype: 'ddraw', path, sha256, chunkSize: chunk, stateDir: join(b.work, `state-${name}`) });
  let start = 0;
  up.on('phase', (p) => { if (p === 'upload') start = performance.now(); });
  const result = await up.done();
  const whole = performance.now() - start;
  await client.close();
  await sim.close();
  const puts = sim.requests.filter((r) => r.method === 'PUT');
  const received = puts.reduce((n, r) => n + r.bodyBytes, 0);
  const drops = dropTimeline(sim.requests, link, chunk);
  if (b.env('BENCH_FLAKY_PUTS', '') === '1') logPuts(b.log, name, sim.requests);
  return { seconds: (lastByte() - start) / 1000, verifySeconds: (start + whole - lastByte()) / 1000, result, puts: puts.length, faults: sim.faults.fired, received, drops };
}

/**
 * Goodput over a throttled 8 MB/s link, clean and with 5 % of chunk requests dropped mid-body, for
 * five seeds. What is counted: image bytes / (the first chunk PUT starting → the link
 * delivering the image's last byte to the server) / link rate. Not counted: the checks and the
 * create before the first chunk, and MAAS's own sha256 of the whole file after the last byte
 * (the server reading its disk, not the link; printed beside the clean run).
 * `b`: the bench's shared parts (env, log, rows, work, makeFile and the dist modules).
 */
export async function benchFlaky(b) {
  const size = Number(b.env('BENCH_FLAKY_MIB', '256')) * MiB;
  const link = Number(b.env('BENCH_LINK_MB_S', '8')) * 1e6;
  const chunk = 8 * MiB;
  const seeds = b.env('BENCH_SEEDS', '11 12 13 14 15').split(/\s+/).map(Number);
  const path = b.makeFile('flaky.raw', size);
  const clean = await throttledUpload(b, path, 'clean', link, chunk, undefined);
  const cleanRatio = size / clean.seconds / link;
  b.log(`  clean: ${clean.seconds.toFixed(2)} s on the link (ideal ${(size / link).toFixed(2)} s), then ${clean.verifySeconds.toFixed(2)} s of MAAS's final sha256 (not counted)`);
  b.rows.push({ bench: `goodput ${size / MiB} MiB, no faults`, baseline: `link ${link / 1e6} MB/s`, ours: `${(size / clean.seconds / 1e6).toFixed(2)} MB/s`, ratio: cleanRatio.toFixed(2), goal: '≥ 0.95', met: cleanRatio >= 0.95 });
  let faults = 0;
  let twice = 0;
  for (const seed of seeds) {
    const flaky = await throttledUpload(b, path, `flaky-${seed}`, link, chunk, seed);
    const ratio = size / flaky.seconds / link;
    logDrops(b.log, seed, flaky.drops);
    // The dropped partial bodies occupy the link whatever the client does: the best this seed allows.
    const cap = size / (size + flaky.received - size);
    b.rows.push({ bench: `goodput, seed ${seed}: ${flaky.faults} drops in ${flaky.puts} PUTs (partial bodies cap it at ${cap.toFixed(2)})`, baseline: `link ${link / 1e6} MB/s`, ours: `${(size / flaky.seconds / 1e6).toFixed(2)} MB/s`, ratio: ratio.toFixed(2), goal: '≥ 0.90', met: ratio >= 0.9 && flaky.result.file.complete });
    faults += flaky.faults;
    twice += flaky.received - size;
  }
  // Bytes the server read twice: a dropped chunk's partial body (never applied) and nothing more.
  b.rows.push({ bench: `bytes the server read twice, per drop (${faults} drops)`, baseline: `chunk ${chunk / MiB} MiB`, ours: `${(twice / Math.max(1, faults) / MiB).toFixed(2)} MiB`, ratio: (twice / Math.max(1, faults) / chunk).toFixed(2), goal: '≤ 1 chunk', met: twice <= faults * chunk });
  rmSync(path);
}
