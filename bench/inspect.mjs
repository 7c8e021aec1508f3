// `node bench/inspect.mjs` (after `npm run build`): how long `inspectImage` takes on a ddgz laid
// out as ESXi 8.0 on a 32 GiB disk (docs/image-inspection.md#esxi-layouts) and how much memory it
// holds, for two file sizes. The image is filled up to the end of the bootbank — partition 1
// (100 MiB) and the 1 GiB bootbank hold incompressible data as a real one holds VIBs — and
// followed by a second gzip member of incompressible filler that brings the file to its size
// (a 6 GB image: BENCH_INSPECT_GB=6) and an empty third member, whose trailer (ISIZE 0 = 32 GiB
// modulo 2^32, RFC 1952 2.3.1) is what a real single-member image ends with. inspect must never
// read that filler, so its time and memory must not grow with it. Not part of the tests;
// 127.0.0.1 only, no network at all.
//
// Each size is inspected three times, each in a fresh process; readMiB is what the process read
// (/proc/self/io rchar: the image's compressed head and Node's own modules, never the filler).
// Peak RSS is Node's baseline (≈ 46 MiB) plus the Buffers already passed on and not yet
// collected: every compressed read and every decompressed chunk is a new Buffer (Node's zlib
// allocates each output chunk), and V8 collects them when their total crosses its
// external-memory limit, by incremental marking that lags while they keep coming. So the peak
// lands between ≈ 80 and ≈ 150 MiB by when that collection runs — run to run, on one image as
// on another — and not by the file's size: the bytes read and decompressed are the same.
//
//   BENCH_INSPECT_GB="0.5 2" node bench/inspect.mjs
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, closeSync, createWriteStream, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGzip, gzipSync } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MiB = 1024 ** 2;
const SECTOR = 512;
const sizes = (process.env.BENCH_INSPECT_GB ?? '0.5 2').split(/\s+/).filter(Boolean).map(Number);
const work = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'maas-esxi-bench-inspect-'));
const mtools = { ...process.env, MTOOLS_SKIP_CHECK: '1' };
const log = (s) => process.stderr.write(`${s}\n`);

// ESXi 8.0 on 32 GiB (sectors): system boot, bootbank, altbootbank, ESX-OSData, datastore.
const PARTS = [
  [1, 64, 204863, 'EF00'],
  [5, 208896, 2306047, '0700'],
  [6, 2308096, 4405247, '0700'],
  [7, 4407296, 50544639, '4EB2EA39-7855-4790-A79E-FAE495E21F8F'],
  [8, 50546688, 67108830, 'FB00'],
];
const BOOTBANK_END = (2306047 + 1) * SECTOR;

/** Incompressible bytes from a 16 MiB random block, so writing GBs stays cheap. */
function* filler(bytes) {
  const block = randomBytes(16 * MiB);
  for (let left = bytes; left > 0; left -= block.length) yield block.subarray(0, Math.min(block.length, left));
}

function makeHead() {
  const disk = join(work, 'disk.raw');
  execFileSync('truncate', ['-s', '32G', disk]);
  execFileSync('sgdisk', ['-o', '-a', '1', ...PARTS.flatMap(([n, a, b, c]) => ['-n', `${n}:${a}:${b}`, '-t', `${n}:${c}`]), disk], { stdio: 'ignore' });
  for (const [n, a, b] of PARTS.filter(([n]) => n === 1 || n === 5)) {
    execFileSync('mformat', ['-i', `${disk}@@${a * SECTOR}`, '-T', String(b - a + 1), '-h', '64', '-s', '32', '-H', String(a), '-v', n === 1 ? 'ESXI' : 'BOOTBANK1', '::'], { env: mtools });
  }
  execFileSync('python3', [join(root, 'packer/vmware-esxi/scripts/install_curtin_hook.py'), disk], { env: mtools, stdio: 'ignore' });
  const cfg = join(work, 'boot.cfg');
  writeFileSync(cfg, 'bootstate=0\ntitle=Loading VMware ESXi\nkernel=b.b00\nbuild=8.0.3-0.0.24022510\nupdated=1\n');
  execFileSync('mcopy', ['-i', `${disk}@@${208896 * SECTOR}`, cfg, '::/boot.cfg'], { env: mtools });
  // Fill the rest of both FAT partitions with incompressible "VIBs", after the files inspect reads.
  for (const [n, a, b] of [[1, 64, 204863], [5, 208896, 2306047]]) {
    const vib = join(work, `fill${n}`);
    const fd = openSync(vib, 'w');
    for (const chunk of filler((b - a + 1) * SECTOR - 8 * MiB)) writeSync(fd, chunk);
    closeSync(fd);
    execFileSync('mcopy', ['-i', `${disk}@@${a * SECTOR}`, vib, '::/fill.v00'], { env: mtools });
    rmSync(vib);
  }
  return disk;
}

/** gzip of the disk up to the bootbank's end, then a filler member up to `gb` GB in all. */
async function makeImage(disk, gb) {
  const out = join(work, `esxi-${gb}GB.dd.gz`);
  const head = Readable.from((function* () {
    const fd = openSync(disk, 'r');
    const buf = Buffer.alloc(16 * MiB);
    for (let at = 0; at < BOOTBANK_END; at += buf.length) {
      const n = Math.min(buf.length, BOOTBANK_END - at);
      const got = readSync(fd, buf, 0, n, at);
      yield Buffer.from(buf.subarray(0, got));
    }
    closeSync(fd);
  })());
  await pipeline(head, createGzip({ level: 1 }), createWriteStream(out));
  const rest = Math.max(0, gb * 1e9 - statSync(out).size);
  const stream = createWriteStream(out, { flags: 'a' });
  await pipeline(Readable.from(filler(rest)), createGzip({ level: 0 }), stream);
  appendFileSync(out, gzipSync(Buffer.alloc(0)));
  return out;
}

/** One inspection in a fresh process: wall time and peak RSS. */
function measure(image) {
  const child = spawnSync(process.execPath, ['-e', `
    const { inspectImage } = await import(${JSON.stringify(join(root, 'dist/inspect/index.js'))});
    const t0 = performance.now();
    const r = await inspectImage(${JSON.stringify(image)});
    const ms = performance.now() - t0;
    // rchar: every byte this process read (the image, and Node's own modules), Linux only.
    const io = await import('node:fs').then((fs) => fs.readFileSync('/proc/self/io', 'utf8')).catch(() => '');
    const readBytes = Number(/^rchar: ([0-9]+)/m.exec(io)?.[1] ?? NaN);
    console.log(JSON.stringify({ ms, maxRssMiB: process.resourceUsage().maxRSS / 1024, build: r.esxi?.build, hooks: r.hooks.kind, bytesDecompressed: r.bytesDecompressed, readBytes, warnings: r.warnings }));
  `, '--input-type=module'], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(child.stderr);
  return JSON.parse(child.stdout);
}

try {
  log(`building an ESXi 8.0-shaped 32 GiB disk in ${work}…`);
  const disk = makeHead();
  const rows = [];
  for (const gb of sizes) {
    const image = await makeImage(disk, gb);
    const runs = [measure(image), measure(image), measure(image)];
    const m = runs[0];
    const range = (f) => `${Math.min(...runs.map(f))}–${Math.max(...runs.map(f))}`;
    if (m.warnings.length > 0) log(`warnings: ${m.warnings.join(' ')}`);
    rows.push({
      fileGB: +(statSync(image).size / 1e9).toFixed(2),
      seconds: range((r) => +(r.ms / 1000).toFixed(2)),
      maxRssMiB: range((r) => Math.round(r.maxRssMiB)),
      readMiB: Math.round(m.readBytes / MiB),
      decompressedMiB: Math.round(m.bytesDecompressed / MiB),
      bootbankEndMiB: Math.round(BOOTBANK_END / MiB),
      build: m.build,
      hooks: m.hooks,
    });
    rmSync(image);
  }
  console.table(rows);
} finally {
  rmSync(work, { recursive: true, force: true });
}
