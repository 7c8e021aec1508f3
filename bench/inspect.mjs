// `node bench/inspect.mjs` (after `npm run build`): how long `inspectImage` takes on a ddgz laid
// out as ESXi 8.0 on a 32 GiB disk (docs/image-inspection.md#esxi-layouts) and how much memory it
// holds, for two file sizes. The image is filled up to the end of the bootbank — partition 1
// (100 MiB) and the 1 GiB bootbank hold incompressible data as a real one holds VIBs — and
// followed by a second gzip member of incompressible filler that brings the file to its size
// (a 6 GB image: BENCH_INSPECT_GB=6). inspect must never read that filler, so its time and
// memory must not grow with it. Not part of the tests; 127.0.0.1 only, no network at all.
//
//   BENCH_INSPECT_GB="0.5 2" node bench/inspect.mjs
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, createWriteStream, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
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
  return out;
}

/** One inspection in a fresh process: wall time and peak RSS. */
function measure(image) {
  const child = spawnSync(process.execPath, ['-e', `
    const { inspectImage } = await import(${JSON.stringify(join(root, 'dist/inspect/index.js'))});
    const t0 = performance.now();
    const r = await inspectImage(${JSON.stringify(image)});
    const ms = performance.now() - t0;
    console.log(JSON.stringify({ ms, maxRssMiB: process.resourceUsage().maxRSS / 1024, build: r.esxi?.build, hooks: r.hooks.kind, bytesDecompressed: r.bytesDecompressed }));
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
    const m = measure(image);
    rows.push({ fileGB: +(statSync(image).size / 1e9).toFixed(2), seconds: +(m.ms / 1000).toFixed(2), maxRssMiB: Math.round(m.maxRssMiB), decompressedMiB: Math.round(m.bytesDecompressed / MiB), build: m.build, hooks: m.hooks });
    rmSync(image);
  }
  console.table(rows);
} finally {
  rmSync(work, { recursive: true, force: true });
}
