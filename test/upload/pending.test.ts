import t from 'tap';
import { appendFileSync } from 'node:fs';
import { MaasConfigError, UploadConflictError } from '../../lib/errors/index.js';
import { exitCodeFor } from '../../lib/cli/exit-codes.js';
import { MaasClient } from '../../lib/client/maas-client.js';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { KiB, makeImage, tempDir, uploadEnv } from '../fixtures/upload-env.js';

const CHUNK = 64 * KiB;

async function interrupted(t: { teardown(fn: () => unknown): void }, rawBytes = 700 * KiB) {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), rawBytes);
  const ac = new AbortController();
  const up = env.client.bootResources.upload(env.options(image, { signal: ac.signal }));
  up.on('progress', (p) => {
    if (p.phase === 'upload' && p.bytesAcked >= 3 * CHUNK) ac.abort();
  });
  await up.done().catch(() => undefined);
  return { env, image };
}

t.test('SDK: pendingUploads lists an interrupted upload; resume(id prefix) finishes it', async (t) => {
  const { env, image } = await interrupted(t);
  const pending = await env.client.bootResources.pendingUploads({ stateDir: env.stateDir });
  t.equal(pending.length, 1);
  t.equal(pending[0]!.params.name, 'esxi/8.0');
  t.ok(pending[0]!.offset >= 3 * CHUNK);
  const up = env.client.bootResources.resume(pending[0]!.id.slice(0, 5), { stateDir: env.stateDir, joinCheckMs: 0 });
  const result = await up.done();
  t.equal(result.action, 'resume');
  t.equal(result.file.complete, true);
  t.equal(result.sha256, image.sha256);
  t.same(await env.client.bootResources.pendingUploads({ stateDir: env.stateDir }), []);
});

t.test('SDK: forget drops the state, and with deleteRemote the unfinished resource', async (t) => {
  const { env } = await interrupted(t);
  const [state] = await env.client.bootResources.pendingUploads({ stateDir: env.stateDir });
  const err = await env.client.bootResources.forget('ffffffffffff', { stateDir: env.stateDir }).catch((e: unknown) => e);
  t.ok(err instanceof MaasConfigError);
  t.equal(exitCodeFor(err), 2);
  const { deletedResource } = await env.client.bootResources.forget(state!.id, { stateDir: env.stateDir, deleteRemote: true });
  t.equal(deletedResource, true);
  t.equal(env.sim.resource(state!.resourceId), undefined, 'the unfinished resource is gone');
  t.same(await env.client.bootResources.pendingUploads({ stateDir: env.stateDir }), []);
});

t.test('SDK: resume refuses a file that changed since', async (t) => {
  const { env, image } = await interrupted(t);
  const [state] = await env.client.bootResources.pendingUploads({ stateDir: env.stateDir });
  appendFileSync(image.path, 'x');
  const err = (await env.client.bootResources.resume(state!.id, { stateDir: env.stateDir }).done().catch((e: unknown) => e)) as UploadConflictError;
  t.ok(err instanceof UploadConflictError);
  t.equal(err.code, 'FILE_CHANGED');
});

// Saved state records the MAAS it went to (lib/upload/locate.ts): another MAAS must not get it.
t.test("SDK: resume refuses an upload saved for another MAAS and sends that MAAS nothing", async (t) => {
  const { env } = await interrupted(t);
  const [state] = await env.client.bootResources.pendingUploads({ stateDir: env.stateDir });
  const other = await startMaasSimulator({ era: '3.8', dataDir: tempDir(t) });
  t.teardown(() => other.close());
  const client = MaasClient.connect({ url: other.url, apiKey: other.adminKey });
  t.teardown(() => client.close());
  const err = await client.bootResources.resume(state!.id, { stateDir: env.stateDir, joinCheckMs: 0 }).done().catch((e: unknown) => e);
  t.ok(err instanceof MaasConfigError);
  t.equal(exitCodeFor(err), 2);
  t.same(other.requests, [], 'the other MAAS received no request');
  t.same((await env.client.bootResources.pendingUploads({ stateDir: env.stateDir })).map((s) => s.offset), [state!.offset], 'the state is intact');
});

t.test('--limit-rate: the SDK option holds the rate', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 600 * KiB);
  const limit = 200 * KiB;
  const up = env.client.bootResources.upload(env.options(image, { limitRate: limit }));
  let start = 0;
  let end = 0;
  up.on('phase', (p) => {
    if (p === 'upload') start = performance.now();
    if (p === 'verify' && end === 0) end = performance.now();
  });
  const result = await up.done();
  const seconds = (end - start) / 1000;
  t.ok(seconds >= (0.9 * result.size) / limit, `${result.size} bytes in ${seconds.toFixed(2)} s at a ${limit} B/s limit`);
  const err = await env.client.bootResources.upload(env.options(image, { limitRate: 10 })).done().catch((e: unknown) => e);
  t.match(String(err), /too low/);
});
