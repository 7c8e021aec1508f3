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

// A saved upload whose boot resource MAAS no longer has (deleted, or replaced by a later upload of
// the same name: MAAS deletes the older resource's files) cannot resume: the upload starts over,
// and says why instead of silently creating a resource and sending from byte 0.
t.test('resuming an upload whose boot resource MAAS deleted starts over and says why', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 512 * KiB);
  const ac = new AbortController();
  const first = env.client.bootResources.upload(env.options(image, { signal: ac.signal }));
  first.on('progress', (p) => p.phase === 'upload' && p.bytesAcked >= 64 * KiB && ac.abort(new Error('Ctrl-C')));
  await t.rejects(first.done(), 'the first run stops unfinished');
  const [saved] = (await env.client.bootResources.list('uploaded')).filter((r) => r.name === 'esxi/8.0');
  t.ok(saved, 'the unfinished resource exists');
  await env.client.bootResources.delete(saved!.id);

  const warnings: string[] = [];
  const again = env.client.bootResources.upload(env.options(image));
  again.on('warning', (m) => warnings.push(m));
  const r = await again.done();
  t.equal(r.action, 'create', 'started over');
  t.same(warnings.filter((w) => w.includes(`boot resource ${saved!.id}`)).length, 1, `the reason is said once: ${JSON.stringify(warnings)}`);
  t.match(warnings.join('\n'), new RegExp(`saved upload of .* \\(boot resource ${saved!.id}\\) is no longer in MAAS .*starting over`));
  // The simulator checks the stored bytes' sha256 on the final chunk, as MAAS does.
  t.same([r.file.complete, r.file.sha256], [true, image.sha256], 'MAAS holds the whole image');
});

// Trial: B interrupted, then C uploaded under the same name to the end (MAAS dropped B's partial
// file and holds C). Resuming B would replace C, which the user may not know: refused, C intact.
t.test('resuming an upload whose name a later upload took over is refused; MAAS keeps the later image', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const dir = tempDir(t);
  const b = makeImage(dir, 512 * KiB, 'b.dd.gz');
  const c = makeImage(dir, 384 * KiB, 'c.dd.gz');
  const ac = new AbortController();
  const first = env.client.bootResources.upload(env.options(b, { signal: ac.signal }));
  first.on('progress', (p) => p.phase === 'upload' && p.bytesAcked >= 64 * KiB && ac.abort(new Error('Ctrl-C')));
  await t.rejects(first.done(), 'B stops unfinished');
  const [pending] = await env.client.bootResources.pendingUploads({ stateDir: env.stateDir });
  t.ok(pending, 'B is saved');
  const later = await env.client.bootResources.upload(env.options(c)).done();
  t.same([later.file.complete, later.file.sha256], [true, c.sha256], 'C is in MAAS');
  const puts = env.sim.requests.filter((r) => r.method === 'PUT').length;

  const err = await env.client.bootResources.resume(pending!.id, { stateDir: env.stateDir, ...env.options(b) }).done().catch((e: unknown) => e);
  t.match(err, { name: 'UploadConflictError', code: 'RESUME_REPLACED', message: new RegExp(`now holds another image \\(boot resource ${later.resource.id}\\)`) });
  // Trial: the advice named a literal ID and "the current file"; followed in order, its second step failed.
  t.equal(
    (err as { hint?: string }).hint,
    `To keep that image, drop this saved upload with bootResources.forget('${pending!.id}'); to replace it with ${b.path} on purpose, upload that file with bootResources.upload (which drops the saved upload itself).`,
  );
  t.equal((err as { fix?: unknown }).fix, undefined, 'no generic fix: the hint is this upload\'s own');
  t.equal(env.sim.requests.filter((r) => r.method === 'PUT').length, puts, 'nothing sent');
  const stored = await env.client.bootResources.read(later.resource.id);
  const files = Object.values(stored.sets).flatMap((set) => Object.values(set.files));
  t.same(files.filter((f) => f.complete).map((f) => f.sha256), [c.sha256], 'MAAS still holds C');
});
