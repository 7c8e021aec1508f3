// The upload reads every 512 KiB slice of a chunk into one reused buffer (lib/upload/chunk-source.ts):
// over many multi-slice chunks, a short last slice, and cuts inside a slice (applied or not), MAAS
// must store exactly the file. Measured at the simulator: its stored bytes' sha256 against the
// file's, computed from the file here.
import t from 'tap';
import { fileIdOf, KiB, makeImage, sha256Of, tempDir, uploadEnv } from '../fixtures/upload-env.js';
import { readBuffer } from '../../lib/upload/read-buffer.js';

const MiB = 1024 * KiB;

t.test('5 MiB chunks of ten slices each, cuts inside slices: the stored bytes are the file', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  // ~11 MiB of ddgz: two whole chunks and a short third one (its last slice shorter than the others).
  const image = makeImage(tempDir(t), 22 * MiB);
  t.ok(image.size > 10 * MiB && image.size < 15 * MiB, `image of ${image.size} bytes`);
  t.equal(await sha256Of(image.path), image.sha256);
  // Cut the second PUT 3 MiB and 12,345 bytes in (inside a slice), not applied; cut the fourth after it was applied.
  env.sim.faults.add({ match: { method: 'PUT', nth: 2 }, action: { type: 'cut', afterBytes: 3 * MiB + 12_345, apply: false } });
  env.sim.faults.add({ match: { method: 'PUT', nth: 4 }, action: { type: 'cut', apply: true } });
  const result = await env.client.bootResources.upload(env.options(image, { chunkSize: 5 * MiB })).done();
  t.equal(result.file.complete, true);
  t.equal(result.retries, 2);
  const put = [...env.sim.requests].reverse().find((r) => r.method === 'PUT')!;
  t.equal(await env.storedSha256(fileIdOf(put.path)), image.sha256, 'the server holds exactly the file');
});

// Read buffers start 64 bytes into their own allocation, never where Node's allocator put it
// (page-aligned for these sizes): lib/upload/read-buffer.ts; the cost is measured by
// `BENCH_ONLY=align node bench/run.mjs`, not here.
t.test('a read buffer is its own allocation, entered 64 bytes in', async (t) => {
  for (const bytes of [128 * 1024, 512 * 1024, 1024 * 1024]) {
    const b = readBuffer(bytes);
    t.equal(b.length, bytes, `${bytes} bytes usable`);
    t.equal(b.byteOffset, 64, 'starts 64 bytes past the allocation (so not at its page-aligned start)');
    t.equal(b.buffer.byteLength, bytes + 64, 'not a slice of the shared pool');
  }
});
