// One retry budget, honoured. `backoff.retries` bounds the failed attempts in a
// row of an upload — chunk PUTs and the offset reads between them together — and MaasApiClient
// does not retry those reads on its own (its loop around ours multiplied the two budgets).
import t from 'tap';
import { exitCodeFor } from '../../lib/cli/exit-codes.js';
import { UploadRetryError } from '../../lib/errors/index.js';
import { KiB, makeImage, tempDir, uploadEnv } from '../fixtures/upload-env.js';

const RESOURCE = /^\/MAAS\/api\/2\.0\/boot-resources\/\d+\/$/;

t.test('every PUT answered 503: backoff.retries 3 means 4 PUTs, then exit 5', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 300 * KiB);
  env.sim.faults.add({ match: { method: 'PUT', times: Infinity }, action: { type: 'status', status: 503, body: 'Service Unavailable' } });
  const err = await env.client.bootResources.upload(env.options(image, { backoff: { baseMs: 5, maxMs: 20, retries: 3 } })).done().catch((e: unknown) => e);
  t.ok(err instanceof UploadRetryError, 'gave up with UploadRetryError');
  t.equal(exitCodeFor(err), 5);
  t.equal(env.sim.requests.filter((r) => r.method === 'PUT').length, 4, '1 attempt + 3 retries');
});

t.test('a reset chunk, then every offset read answered 503: the reads count against the same budget', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 300 * KiB);
  env.sim.faults.add({ match: { method: 'PUT', times: Infinity }, action: { type: 'cut', afterBytes: 1000, apply: false } });
  env.sim.faults.add({ match: { method: 'GET', path: RESOURCE, times: Infinity }, action: { type: 'status', status: 503, body: 'Service Unavailable' } });
  const err = await env.client.bootResources.upload(env.options(image, { backoff: { baseMs: 5, maxMs: 20, retries: 3 } })).done().catch((e: unknown) => e);
  t.ok(err instanceof UploadRetryError, 'gave up with UploadRetryError');
  const puts = env.sim.requests.filter((r) => r.method === 'PUT').length;
  const reads = env.sim.requests.filter((r) => r.method === 'GET' && RESOURCE.test(r.path)).length;
  t.equal(puts + reads, 4, `4 failed requests in all (${puts} PUT, ${reads} reads)`);
});

t.test('`retries` overrides backoff.retries', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 300 * KiB);
  env.sim.faults.add({ match: { method: 'PUT', times: Infinity }, action: { type: 'status', status: 503, body: 'Service Unavailable' } });
  await env.client.bootResources.upload(env.options(image, { retries: 1, backoff: { baseMs: 5, maxMs: 20, retries: 3 } })).done().catch(() => undefined);
  t.equal(env.sim.requests.filter((r) => r.method === 'PUT').length, 2, '1 attempt + 1 retry');
});
