// For uploads: the handle is { on(...), done(), abort(), [Symbol.asyncIterator] },
// and resume() returns the same handle at once, as upload() does.
import t from 'tap';
import { exitCodeFor } from '../../lib/cli/exit-codes.js';
import { MaasAbortError, MaasConfigError, MaasPermissionError } from '../../lib/errors/index.js';
import type { UploadProgress } from '../../lib/upload/types.js';
import { fileIdOf, KiB, makeImage, tempDir, uploadEnv } from '../fixtures/upload-env.js';

const CHUNK = 64 * KiB;

t.test('abort() stops like Ctrl-C: MaasAbortError (exit 130), state saved, a rerun completes', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 900 * KiB);
  env.sim.faults.latency(20);
  const up = env.client.bootResources.upload(env.options(image));
  up.on('progress', (p) => {
    if (p.phase === 'upload' && p.bytesAcked >= 2 * CHUNK) up.abort();
  });
  const err = await up.done().catch((e: unknown) => e);
  t.ok(err instanceof MaasAbortError, 'rejects with MaasAbortError');
  t.equal(exitCodeFor(err), 130);
  const pending = await env.client.bootResources.pendingUploads({ stateDir: env.stateDir });
  t.equal(pending.length, 1, 'its state is saved');
  const result = await env.client.bootResources.upload(env.options(image)).done();
  t.equal(result.action, 'resume');
  const put = env.sim.requests.filter((r) => r.method === 'PUT').at(-1)!;
  t.equal(await env.storedSha256(fileIdOf(put.path)), image.sha256, 'stored sha256 == source');
});

t.test('for await … of the handle: progress snapshots until the upload ends', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 600 * KiB);
  const up = env.client.bootResources.upload(env.options(image));
  const seen: UploadProgress[] = [];
  for await (const p of up) seen.push(p);
  const result = await up.done();
  const acked = seen.filter((p) => p.phase === 'upload').map((p) => p.bytesAcked);
  t.ok(acked.length > 0, `${acked.length} upload snapshots`);
  t.same(acked, [...acked].sort((a, b) => a - b), 'acknowledged bytes never go down');
  t.equal(acked.at(-1), result.size, 'the last snapshot has every byte acknowledged');
});

t.test('for await … of a failing upload throws what done() rejects with', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 300 * KiB);
  env.sim.faults.add({ match: { method: 'PUT', times: Infinity }, action: { type: 'status', status: 403, body: 'Forbidden' } });
  const up = env.client.bootResources.upload(env.options(image));
  const thrown = await (async () => {
    for await (const p of up) void p;
  })().catch((e: unknown) => e);
  t.ok(thrown instanceof MaasPermissionError, 'the iteration throws the permission error');
  t.equal(await up.done().catch((e: unknown) => e), thrown, 'the same error as done()');
});

t.test('resume(id) returns the handle at once; an unknown id rejects done()', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const up = env.client.bootResources.resume('ffff', { stateDir: env.stateDir });
  t.type(up.done, 'function', 'a handle, not a promise');
  t.type(up.abort, 'function');
  const err = await up.done().catch((e: unknown) => e);
  t.ok(err instanceof MaasConfigError, 'MaasConfigError');
  t.equal(exitCodeFor(err), 2);
});
