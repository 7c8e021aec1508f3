/**
 * One convention for every long SDK call — a handle with done(), abort(),
 * typed `progress` events and async-iterable progress — and abort behaves the same in all:
 * done() and the iteration reject with MaasAbortError (exit 130 in the CLI).
 */
import t from 'tap';
import { KiB, makeImage, tempDir, uploadEnv, type UploadEnv } from '../fixtures/upload-env.js';
import { uploadToSites } from '../../lib/client/sites.js';
import type { Operation } from '../../lib/client/operation.js';
import { MaasAbortError } from '../../lib/errors/index.js';
import { exitCodeFor } from '../../lib/cli/exit-codes.js';

/** Each long operation, started so that it cannot finish on its own before it is aborted. */
type Teardown = Parameters<typeof tempDir>[0];
const STARTERS: Record<string, (t: Teardown, env: UploadEnv, signal?: AbortSignal) => Promise<Operation<unknown, unknown>>> = {
  waitReady: async (t, env, signal) => {
    await env.client.bootResources.upload(env.options(makeImage(tempDir(t), 100 * KiB))).done();
    return env.client.bootResources.waitReady({ name: 'esxi/8.0', intervalMs: 20, signal });
  },
  deploy: async (t, env, signal) => {
    await env.client.bootResources.upload(env.options(makeImage(tempDir(t), 100 * KiB))).done();
    return env.client.deploy({ machine: 'esx-01', distroSeries: 'esxi/8.0', pollIntervalMs: 20, signal });
  },
  'events.follow': async (_t, env, signal) => {
    const op = env.client.events.follow({ level: 'DEBUG', intervalMs: 20, signal });
    // Allocating logs a status change: the first event to follow.
    await env.client.machines.allocate(env.sim.machine('esx-01')!.system_id);
    return op;
  },
  uploadToSites: async (t, env, signal) => {
    // A throttled link: the upload is still running when the abort comes.
    env.sim.faults.throttle(64 * KiB);
    const image = makeImage(tempDir(t), 2048 * KiB);
    return uploadToSites([{ name: 'a', client: env.client }], { ...env.options(image), signal });
  },
};

async function simFor(t: Parameters<typeof uploadEnv>[0]): Promise<UploadEnv> {
  // Racks that never sync and a first boot that never ends keep waitReady and deploy going.
  return uploadEnv(t, {
    era: '3.4',
    racks: [{ hostname: 'rack-slow', syncMs: Infinity }],
    machines: [{ hostname: 'esx-01', firstBoot: { silent: true } }],
    deployStepMs: 10,
  });
}

/** The operation's first progress event, bounded. */
function firstProgress(op: Operation<unknown, unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no progress within 10 s')), 10_000);
    op.once('progress', (p) => {
      clearTimeout(timer);
      resolve(p);
    });
  });
}

for (const [name, start] of Object.entries(STARTERS)) {
  t.test(`${name}: abort() after the first progress rejects done() and the iteration with MaasAbortError`, async (t) => {
    const env = await simFor(t);
    const op = await start(t, env);
    const seen: unknown[] = [];
    const iterated = (async () => {
      for await (const p of op) seen.push(p);
    })();
    await firstProgress(op);
    op.abort();
    const err = await op.done().catch((e: unknown) => e);
    t.type(err, MaasAbortError);
    t.equal(exitCodeFor(err), 130);
    t.type(await iterated.catch((e: unknown) => e), MaasAbortError, 'the iteration throws the same');
    t.ok(seen.length >= 1, 'the iterator saw the progress');
  });

  t.test(`${name}: the caller's signal aborts it the same way`, async (t) => {
    const env = await simFor(t);
    const ac = new AbortController();
    const op = await start(t, env, ac.signal);
    await firstProgress(op);
    ac.abort();
    t.type(await op.done().catch((e: unknown) => e), MaasAbortError);
  });
}

t.test('progress events and the iterator see the same items, in order', async (t) => {
  const env = await uploadEnv(t, { era: '3.4', racks: [{ hostname: 'rack-a', syncMs: 100 }, { hostname: 'rack-b', syncMs: 200 }] });
  await env.client.bootResources.upload(env.options(makeImage(tempDir(t), 100 * KiB))).done();
  const op = env.client.bootResources.waitReady({ name: 'esxi/8.0', intervalMs: 20 });
  const heard: string[] = [];
  op.on('progress', (p) => heard.push(`${p.hostname}:${p.state}`));
  const iterated: string[] = [];
  for await (const p of op) iterated.push(`${p.hostname}:${p.state}`);
  const result = await op.done();
  t.same(iterated, heard);
  t.same(heard.filter((h) => h.endsWith(':ready')).sort(), ['rack-a:ready', 'rack-b:ready']);
  t.equal(result.ready.length, 2);
});

t.test('the deprecated onProgress option still works', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  await env.client.bootResources.upload(env.options(makeImage(tempDir(t), 100 * KiB))).done();
  const seen: string[] = [];
  await env.client.bootResources.waitReady({ name: 'esxi/8.0', intervalMs: 20, onProgress: (p) => seen.push(p.state) }).done();
  t.same(seen, ['ready']);
});
