// The server loses its tail while a chunk is on the wire and the connection
// resets. The client must read the server's offset (one GET) before the next PUT and resend from
// there: never append at its own stale offset, never restart from 0.
import t from 'tap';
import { KiB, fileIdOf, makeImage, tempDir, uploadEnv } from '../fixtures/upload-env.js';

const CHUNK = 64 * KiB;

t.test('a lost tail plus a reset while chunk 4 is on the wire: resend from the server\'s offset', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 2048 * KiB);
  // Slow enough that chunk 4 is still crossing when the region restarts.
  env.sim.faults.throttle(256 * KiB);
  // As on the independent MAAS imitation: no region controller list to read the
  // region count from, so the offset comes from the progress float alone.
  env.sim.faults.add({ match: { method: 'GET', path: /regioncontrollers/, times: Infinity }, action: { type: 'status', status: 404, body: 'Unknown API endpoint' } });
  const up = env.client.bootResources.upload(env.options(image, { syncTimeoutMs: 500 }));
  let restarted: Promise<void> | undefined;
  // Chunks 1–3 acknowledged and chunk 4 arriving: the region restarts from a snapshot one chunk
  // older, resetting the connection that carries chunk 4. Polled from the request log, bounded
  // by the upload itself (the watch stops when it ends).
  const watch = setInterval(() => {
    const puts = env.sim.requests.filter((r) => r.method === 'PUT');
    if (!restarted && puts.length === 4 && puts.slice(0, 3).every((r) => r.status === 200)) {
      restarted = env.sim.restart({ loseTailBytes: CHUNK });
    }
  }, 5);
  t.teardown(() => clearInterval(watch));
  const result = await up.done();
  clearInterval(watch);
  await restarted;
  t.ok(restarted, 'the region restarted mid-chunk and lost its last chunk');
  const puts = env.sim.requests.filter((r) => r.method === 'PUT');
  t.equal(puts.filter((r) => r.status === 400).length, 0, 'never "Too much data received." nor a sha256 mismatch');
  t.equal(result.recreated, false, 'no restart from 0');
  t.equal(result.file.complete, true);
  t.equal(await env.storedSha256(fileIdOf(puts.at(-1)!.path)), image.sha256, 'stored sha256 == source');
  // The server lost one chunk and never got chunk 4: at most those two are sent again.
  const applied = puts.filter((r) => r.status === 200).reduce((n, r) => n + r.bodyBytes, 0);
  t.ok(applied <= image.size + CHUNK, `the server applied ${applied} bytes for a ${image.size}-byte image`);
  // The counters cover what the server saw. Every byte it applied twice was
  // re-sent; nothing reaches the server that was not handed over; each byte is sent once first.
  const received = puts.reduce((n, r) => n + r.bodyBytes, 0);
  t.ok(result.bytesResent >= applied - image.size, `bytesResent ${result.bytesResent} ≥ ${applied - image.size} applied twice`);
  t.ok(result.bytesSent >= received, `bytesSent ${result.bytesSent} ≥ ${received} received by the server`);
  t.equal(result.bytesSent - result.bytesResent, image.size, 'bytesSent − bytesResent is the image, once');
});
