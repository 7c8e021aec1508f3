// What each acknowledged chunk leaves in V8's old space must not scale the heap with the image:
// garbage promoted there is freed only by a full collection, which V8 runs late (its old
// generation may grow by 8 MiB or more first), so a few KiB per chunk made a 16 GiB upload's heap
// 8 MiB larger than a 1 GiB one's (docs/performance.md). Measured in a child process with the
// shim's young-generation cap, on the built SDK, summing every increase of old-space use between
// chunk 128 and chunk 512 (a full collection's drop is skipped, so the collector's timing does not
// decide the result). Before lib/upload/chunk-put.ts made its abort plumbing once per upload:
// 2.2–2.3 KiB per chunk; after: 1.2–1.35 KiB.
import t from 'tap';
import { spawn } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sampleEsxiDiskEnds, startMaasSimulator } from '../../lib/testing/index.js';
import { tempDir } from '../fixtures/upload-env.js';

const child = fileURLToPath(new URL('../fixtures/old-space-child.mjs', import.meta.url));
const CHUNK = 64 * 1024;
const FROM = 128;
const TO = 512;
/** Bytes per chunk: between what the per-chunk abort plumbing cost (2.2 KiB) and what is left without it (1.35 KiB). */
const BUDGET = 1800;

/** A raw disk of `bytes` with ESXi's layout at both ends (so the name check passes), random in between. */
function rawDisk(dir: string, bytes: number): string {
  const path = join(dir, 'disk.raw');
  const fd = openSync(path, 'w');
  const block = randomBytes(1024 * 1024);
  for (let at = 0; at < bytes; at += block.length) writeSync(fd, block, 0, Math.min(block.length, bytes - at), at);
  const { head, tail } = sampleEsxiDiskEnds({ diskBytes: bytes });
  writeSync(fd, head, 0, head.length, 0);
  writeSync(fd, tail, 0, tail.length, bytes - tail.length);
  closeSync(fd);
  return path;
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--max-semi-space-size=1', child, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

t.test(`each chunk adds at most ${BUDGET} bytes to V8's old space (chunks ${FROM} to ${TO} of 64 KiB)`, async (t) => {
  const dir = tempDir(t);
  const path = rawDisk(dir, TO * CHUNK);
  // What is promoted depends on when scavenges fall: on a loaded machine one run in many came out
  // at 1808. One upload; over the budget, two more and the median judged (the regression this
  // guards, 2.2 KiB, shows in every run).
  const perChunk: number[] = [];
  const measure = async (i: number): Promise<void> => {
    // The simulator in this process (a fresh one: MAAS 3.8 keeps one file per sha256), the upload
    // in the child: the child's heap is only the upload's.
    const sim = await startMaasSimulator({ era: '3.8', dataDir: join(dir, `maas-${i}`) });
    t.teardown(() => sim.close());
    const r = await run([sim.url, sim.adminKey, path, join(dir, `state-${i}`), String(CHUNK), String(FROM), String(TO)]);
    t.equal(r.code, 0, r.stderr);
    const m = JSON.parse(r.stdout) as { chunks: number; added: number; complete: boolean; measured: number };
    t.equal(m.complete, true);
    t.equal(m.chunks, TO);
    perChunk.push(m.added / m.measured);
  };
  await measure(1);
  if (perChunk[0]! > BUDGET) for (const i of [2, 3]) await measure(i);
  const median = [...perChunk].sort((a, b) => a - b)[Math.floor(perChunk.length / 2)]!;
  t.ok(median <= BUDGET, `median ${median.toFixed(0)} bytes per chunk (runs: ${perChunk.map((x) => x.toFixed(0)).join(', ')}; budget ${BUDGET})`);
});
