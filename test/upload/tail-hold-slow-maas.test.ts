// A MAAS slower to answer than the link is to carry a chunk's last bytes
// (docs/maas-upload-protocol.md#holding-back-the-tail): the fastest chunk's time counts that
// turnaround as link time, so a fixed lead would release the tail late and the link would wait
// for it on every chunk. Once a held chunk has shown the turnaround, the lead covers it: chunks
// after that take as long as the first, unheld one. The simulator's request log is the truth.
import t from 'tap';
import { makeImage, tempDir, uploadEnv } from '../fixtures/upload-env.js';

const MiB = 1024 * 1024;
const CHUNK = 1 * MiB;
/** 0.6 s a chunk: slow enough to hold its tail back. */
const LINK = CHUNK / 0.6;
/** MAAS answers each PUT this long after it has the whole body: far beyond the 30 ms lead. */
const TURNAROUND_MS = 400;

t.test('a slow MAAS turnaround: after the first held chunk the tail no longer goes late', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 12 * MiB);
  t.ok(image.size >= 5 * CHUNK, `at least five whole chunks (${image.size} bytes)`);
  env.sim.faults.throttle(LINK);
  env.sim.faults.add({ match: { method: 'PUT', times: Infinity }, action: { type: 'hang', ms: TURNAROUND_MS } });
  const result = await env.client.bootResources.upload(env.options(image, { chunkSize: CHUNK })).done();
  t.equal(result.file.complete, true);
  const puts = env.sim.requests.filter((r) => r.method === 'PUT');
  const gaps = puts.slice(1).map((r, i) => r.receivedAt - puts[i]!.receivedAt);
  // Chunk 1 is never held: its gap is the link plus MAAS's turnaround plus the client's own time.
  // Chunk 2 is held with the fixed lead and waits for its tail; from chunk 3 the lead has learnt.
  const [unheld, , ...learnt] = gaps;
  const best = Math.min(...learnt.slice(0, 2));
  t.ok(best <= unheld! + 150, `PUT to PUT ${gaps.map((g) => g.toFixed(0)).join(', ')} ms: chunks 3–4 (best ${best.toFixed(0)}) as fast as the unheld first (${unheld!.toFixed(0)}), not ${TURNAROUND_MS - 30} ms later`);
});
