import t from 'tap';
import { appendFileSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BootResourceUpload } from '../../lib/upload/uploader.js';
import {
  MaasAbortError,
  MaasAuthError,
  MaasPermissionError,
  MaasValidationError,
  UploadConflictError,
  UploadInputError,
  UploadRetryError,
} from '../../lib/errors/index.js';
import { MaasClient } from '../../lib/client/maas-client.js';
import { exitCodeFor } from '../../lib/cli/exit-codes.js';
import type { MaasSimulator } from '../../lib/testing/index.js';
import { fileIdOf, KiB, makeImage, tempDir, uploadEnv } from '../fixtures/upload-env.js';
import { uploadPuts } from '../fixtures/server-ledger.js';

/** File id of the upload's last PUT (the stored bytes live under it). */
function uploadedFileId(sim: MaasSimulator): number {
  const put = [...sim.requests].reverse().find((r) => r.method === 'PUT');
  if (!put) throw new Error('no PUT was made');
  return fileIdOf(put.path);
}

/** No PUT may ever be answered "Too much data received." (a re-sent applied chunk, docs/maas-upload-protocol.md#append-only-writes). */
function tooMuchData(sim: MaasSimulator): number {
  return sim.requests.filter((r) => r.method === 'PUT' && r.status === 400).length;
}

for (const era of ['3.4', '3.7', '3.8'] as const) {
  t.test(`happy path on MAAS ${era}: stored bytes identical, resource complete`, async (t) => {
    const env = await uploadEnv(t, { era });
    const image = makeImage(tempDir(t), 700 * KiB);
    const up = env.client.bootResources.upload(env.options(image));
    const phases: string[] = [];
    up.on('phase', (p) => phases.push(p));
    let lastAcked = 0;
    up.on('progress', (p) => {
      if (p.phase === 'upload') {
        t.ok(p.bytesAcked >= lastAcked, 'acked bytes never go back');
        lastAcked = p.bytesAcked;
      }
    });
    const result = await up.done();
    t.equal(result.action, 'create');
    t.equal(result.size, image.size);
    t.equal(result.sha256, image.sha256);
    t.equal(result.file.complete, true);
    t.equal(result.bytesResent, 0);
    t.same(phases.slice(0, 4), ['check', 'hash', 'locate', 'create']);
    t.equal(await env.storedSha256(uploadedFileId(env.sim)), image.sha256, 'server copy is byte-identical');
    t.equal(lastAcked, image.size);
    t.same(readdirSync(join(env.stateDir, 'uploads')), [], 'state removed on success');
    const puts = env.sim.requests.filter((r) => r.method === 'PUT');
    t.equal(puts.length, Math.ceil(image.size / (64 * KiB)), 'one PUT per chunk');
    t.ok(puts.every((r) => r.bodyBytes <= 64 * KiB));
  });
}

t.test('connection cut after the chunk was applied: resume from the server offset, never resend (docs/maas-upload-protocol.md#append-only-writes)', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 900 * KiB);
  env.sim.faults.add({ match: { method: 'PUT', nth: 3 }, action: { type: 'cut', apply: true } });
  env.sim.faults.add({ match: { method: 'PUT', nth: 7 }, action: { type: 'cut', apply: true } });
  const result = await env.client.bootResources.upload(env.options(image)).done();
  t.equal(result.retries, 2);
  t.equal(result.bytesResent, 0, 'the applied chunks were not sent again');
  t.equal(tooMuchData(env.sim), 0);
  t.equal(await env.storedSha256(uploadedFileId(env.sim)), image.sha256);
});

t.test('connection cut before the chunk was applied: that chunk is sent again, once', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 900 * KiB);
  env.sim.faults.add({ match: { method: 'PUT', nth: 2 }, action: { type: 'cut', afterBytes: 1000, apply: false } });
  env.sim.faults.add({ match: { method: 'PUT', nth: 5 }, action: { type: 'cut', afterBytes: 30_000, apply: false } });
  const result = await env.client.bootResources.upload(env.options(image)).done();
  t.equal(result.retries, 2);
  t.ok(result.bytesResent <= 2 * 64 * KiB, `re-sent ${result.bytesResent} bytes: at most one chunk per fault`);
  t.equal(tooMuchData(env.sim), 0);
  t.equal(await env.storedSha256(uploadedFileId(env.sim)), image.sha256);
});

t.test('503 bursts with Retry-After are waited out', async (t) => {
  const env = await uploadEnv(t, { era: '3.7' });
  const image = makeImage(tempDir(t), 400 * KiB);
  env.sim.faults.add({ match: { method: 'PUT', nth: 2, times: 3 }, action: { type: 'status', status: 503, retryAfter: 1, body: 'Service Unavailable' } });
  const retries: number[] = [];
  const up = env.client.bootResources.upload(env.options(image));
  up.on('retry', (r) => retries.push(r.delayMs));
  const started = Date.now();
  const result = await up.done();
  t.equal(result.retries, 3);
  t.ok(retries.every((d) => d >= 1000), 'Retry-After: 1 honoured');
  t.ok(Date.now() - started >= 2900);
  t.equal(await env.storedSha256(uploadedFileId(env.sim)), image.sha256);
});

t.test('server restarted mid-upload: the upload carries on from the persisted offset', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 1200 * KiB);
  env.sim.faults.latency(15);
  const up = env.client.bootResources.upload(env.options(image));
  let restarted: Promise<void> | undefined;
  let requestsBefore = -1;
  up.on('progress', (p) => {
    if (restarted || p.phase !== 'upload' || p.bytesAcked <= image.size / 3) return;
    requestsBefore = env.sim.requests.length;
    restarted = env.sim.restart();
  });
  const result = await up.done();
  await restarted;
  // From the server's log: bytes were applied on both sides of the restart, and the first chunk
  // after it landed where the last one before it ended (carried on, nothing sent twice).
  const applied = (from: number, to?: number) => uploadPuts(env.sim.requests.slice(from, to)).filter((q) => q.applied);
  const before = applied(0, requestsBefore).at(-1);
  const after = applied(requestsBefore)[0];
  t.ok(requestsBefore > 0 && before && after, 'the server was restarted during the upload');
  t.equal(after?.appliedAt, (before?.appliedAt ?? NaN) + (before?.bodyBytes ?? NaN), 'the upload carried on from the offset before the restart');
  t.equal(result.file.complete, true);
  t.equal(tooMuchData(env.sim), 0);
  t.equal(await env.storedSha256(uploadedFileId(env.sim)), image.sha256);
});

t.test('Ctrl-C (AbortSignal) saves state; a rerun resumes without hashing again', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 900 * KiB);
  env.sim.faults.latency(20);
  const ac = new AbortController();
  const first = env.client.bootResources.upload(env.options(image, { signal: ac.signal }));
  first.on('progress', (p) => {
    if (p.phase === 'upload' && p.bytesAcked >= 5 * 64 * KiB) ac.abort(new Error('Ctrl-C'));
  });
  const err = await first.done().catch((e: unknown) => e);
  t.ok(err instanceof MaasAbortError, 'interrupted');
  t.equal(exitCodeFor(err), 130);
  const saved = readdirSync(join(env.stateDir, 'uploads'));
  t.equal(saved.length, 1, 'state saved');
  env.sim.faults.latency(null);
  const second = env.client.bootResources.upload(env.options(image));
  const phases: string[] = [];
  let hashed = false;
  second.on('phase', (p) => phases.push(p));
  second.on('progress', (p) => (hashed ||= p.phase === 'hash'));
  const result = await second.done();
  t.equal(result.action, 'resume');
  t.ok(result.resumedFrom >= 5 * 64 * KiB, `resumed from ${result.resumedFrom}`);
  t.notOk(phases.includes('create'), 'no new resource');
  t.notOk(hashed, 'the hash came from the cache');
  t.equal(tooMuchData(env.sim), 0);
  t.equal(await env.storedSha256(uploadedFileId(env.sim)), image.sha256);
});

t.test('resume without local state finds the incomplete file by sha256 (docs/architecture.md#data-flow-of-an-upload step 3)', async (t) => {
  const env = await uploadEnv(t, { era: '3.7' });
  const image = makeImage(tempDir(t), 900 * KiB);
  const ac = new AbortController();
  const first = env.client.bootResources.upload(env.options(image, { signal: ac.signal }));
  first.on('progress', (p) => {
    if (p.phase === 'upload' && p.bytesAcked >= 4 * 64 * KiB) ac.abort();
  });
  await first.done().catch(() => undefined);
  rmSync(env.stateDir, { recursive: true, force: true });
  const posts = env.sim.requests.filter((r) => r.method === 'POST').length;
  const result = await env.client.bootResources.upload(env.options(image)).done();
  t.equal(result.action, 'resume');
  t.ok(result.resumedFrom >= 4 * 64 * KiB);
  t.equal(env.sim.requests.filter((r) => r.method === 'POST').length, posts, 'no second create');
  t.equal(await env.storedSha256(uploadedFileId(env.sim)), image.sha256);
});

t.test('an identical image already complete is reported, not uploaded again', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 300 * KiB);
  await env.client.bootResources.upload(env.options(image)).done();
  const before = env.sim.requests.length;
  const plan = await env.client.bootResources.planUpload(env.options(image));
  t.equal(plan.action, 'already-present');
  const result = await env.client.bootResources.upload(env.options(image)).done();
  t.equal(result.action, 'already-present');
  t.equal(result.bytesSent, 0);
  t.notOk(env.sim.requests.slice(before).some((r) => r.method !== 'GET'), 'only reads');
});

t.test('--same-image rebuild on 3.8 re-uploads over the shared copy: the first PUT is repeated once (docs/maas-upload-protocol.md#integrity-errors)', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 300 * KiB);
  await env.client.bootResources.upload(env.options(image)).done();
  const warnings: string[] = [];
  const up = env.client.bootResources.upload(env.options(image, { resume: false, name: 'esxi/8.0u1', sameImage: 'rebuild' }));
  up.on('warning', (w) => warnings.push(w));
  const result = await up.done();
  t.equal(result.file.complete, true);
  t.match(warnings.join('\n'), /stale copy/);
  t.equal(await env.storedSha256(uploadedFileId(env.sim)), image.sha256);
});

t.test('dry run plans without writing anything', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 300 * KiB);
  const plan = await BootResourceUpload.plan({ api: env.client.api, resources: env.client.bootResources }, env.options(image));
  t.equal(plan.action, 'create');
  t.equal(plan.sha256, image.sha256);
  t.equal(plan.chunks, Math.ceil(image.size / (64 * KiB)));
  t.notOk(env.sim.requests.some((r) => r.method !== 'GET'), 'no writes');
});

t.test('the local file changing mid-upload stops the upload', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 900 * KiB);
  const up = env.client.bootResources.upload(env.options(image));
  let touched = false;
  up.on('progress', (p) => {
    if (!touched && p.phase === 'upload' && p.bytesAcked >= 2 * 64 * KiB) {
      touched = true;
      appendFileSync(image.path, 'more');
    }
  });
  const err = (await up.done().catch((e: unknown) => e)) as UploadConflictError;
  t.ok(err instanceof UploadConflictError);
  t.equal(err.code, 'FILE_CHANGED');
  t.match(err.hint, /rerun/);
});

t.test('bad input is refused before any write', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const dir = tempDir(t);
  const image = makeImage(dir, 100 * KiB);
  const cases: Array<[Partial<Parameters<typeof env.options>[1]>, string]> = [
    [{ filetype: 'ddtgz' }, 'FILETYPE_MISMATCH'],
    [{ path: join(dir, 'missing.dd.gz') }, 'ENOENT'],
    [{ name: 'esxi/8/0' }, 'BAD_NAME'],
    [{ name: 'vmware/8.0' }, 'BAD_NAME'],
    // @ts-expect-error the compiler refuses it; a JS caller still meets the run-time check.
    [{ architecture: 'amd64' }, 'BAD_ARCHITECTURE'],
    [{ chunkSize: 11 * 1024 * 1024 }, 'BAD_CHUNK_SIZE'],
  ];
  for (const [extra, code] of cases) {
    const err = (await env.client.bootResources.upload(env.options(image, extra)).done().catch((e: unknown) => e)) as UploadInputError;
    t.ok(err instanceof UploadInputError, `${code}: ${err.message}`);
    t.equal(err.code, code);
    t.ok(err.hint, 'names the fix');
    t.equal(exitCodeFor(err), code.startsWith('BAD_') ? 2 : 1, 'typed input exits 2, the file 1 (README "Exit codes")');
  }
  t.notOk(env.sim.requests.some((r) => r.method !== 'GET'), 'nothing written to MAAS');
  t.notOk(existsSync(join(env.stateDir, 'uploads')) && readdirSync(join(env.stateDir, 'uploads')).length > 0, 'no state left');
});

t.test('an oversized chunk gets nginx\'s 413 (docs/maas-upload-protocol.md#body-size-and-chunk-size) with the fix; nothing applied', async (t) => {
  const env = await uploadEnv(t, { era: '3.8', maxBodyBytes: 100 * KiB });
  const image = makeImage(tempDir(t), 300 * KiB);
  const err = (await env.client.bootResources.upload(env.options(image, { chunkSize: 128 * KiB })).done().catch((e: unknown) => e)) as MaasValidationError;
  t.ok(err instanceof MaasValidationError);
  t.equal(err.status, 413);
  t.match(err.fix, { option: 'chunkSize' }, 'the fix names the SDK option; the CLI maps it to --chunk-size');
  t.equal(exitCodeFor(err), 2);
  t.notOk(env.sim.requests.some((r) => r.method === 'PUT' && r.applied), 'nothing applied');
});

t.test('permission and authentication failures (docs/maas-api.md#authentication-errors, #permissions)', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' }, 'user');
  const image = makeImage(tempDir(t), 100 * KiB);
  const err = (await env.client.bootResources.upload(env.options(image)).done().catch((e: unknown) => e)) as MaasPermissionError;
  t.ok(err instanceof MaasPermissionError);
  t.match(err.body, /can_edit_boot_entities/);
  t.equal(exitCodeFor(err), 4);

  const bad = MaasClient.connect({ url: env.sim.url, apiKey: 'aaaaaaaaaaaaaaaaaa:bbbbbbbbbbbbbbbbbb:cccccccccccccccccccccccccccccccc' });
  t.teardown(() => bad.close());
  const authErr = (await bad.bootResources.upload(env.options(image)).done().catch((e: unknown) => e)) as MaasAuthError;
  t.ok(authErr instanceof MaasAuthError);
  t.match(authErr.body, /Invalid API key/);
  t.equal(exitCodeFor(authErr), 4);
  t.notMatch(JSON.stringify(authErr) + authErr.message, /cccccccccccc/, 'the secret is not in the error');

  // A known token with a wrong secret: MAAS answers with the expected signature, i.e. the real
  // secret (docs/maas-api.md#authentication-errors). Neither secret may surface.
  const [ck, tk, realSecret] = env.sim.adminKey.split(':') as [string, string, string];
  const wrong = MaasClient.connect({ url: env.sim.url, apiKey: `${ck}:${tk}:${'w'.repeat(32)}` });
  t.teardown(() => wrong.close());
  const sigErr = (await wrong.whoami().catch((e: unknown) => e)) as MaasAuthError;
  t.ok(sigErr instanceof MaasAuthError);
  t.match(sigErr.body, /Invalid signature/);
  const all = JSON.stringify(sigErr) + sigErr.message + String(sigErr.body);
  t.notOk(all.includes(realSecret), 'the real secret echoed by MAAS is redacted');
  t.notOk(all.includes('w'.repeat(32)), 'our secret is redacted');
  t.notOk(all.includes(tk), 'the token key is redacted');
});

t.test('retries exhausted: exit 5, state kept, a rerun finishes the job', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 500 * KiB);
  env.sim.faults.add({ match: { method: 'PUT', nth: 3, times: 50 }, action: { type: 'status', status: 503 } });
  const err = (await env.client.bootResources.upload(env.options(image, { retries: 2 })).done().catch((e: unknown) => e)) as UploadRetryError;
  t.ok(err instanceof UploadRetryError);
  t.equal(exitCodeFor(err), 5);
  t.match(err.hint, /upload\(\) again with the same options to resume/);
  t.equal(readdirSync(join(env.stateDir, 'uploads')).length, 1);
  env.sim.faults.clear();
  const result = await env.client.bootResources.upload(env.options(image)).done();
  t.equal(result.action, 'resume');
  t.equal(await env.storedSha256(uploadedFileId(env.sim)), image.sha256);
});

t.test('a lost answer to the final chunk: wait for the server rather than resend (docs/maas-upload-protocol.md#the-final-chunk)', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 200 * KiB);
  const chunks = Math.ceil(image.size / (64 * KiB));
  env.sim.faults.add({ match: { method: 'PUT', nth: chunks }, action: { type: 'cut', apply: true } });
  const result = await env.client.bootResources.upload(env.options(image)).done();
  t.equal(result.file.complete, true);
  t.equal(tooMuchData(env.sim), 0);
  t.equal(env.sim.requests.filter((r) => r.method === 'PUT').length, chunks, 'the final chunk was not sent twice');
});

t.test('multi-region: completes after the other regions sync (docs/maas-upload-protocol.md#the-final-chunk)', async (t) => {
  const env = await uploadEnv(t, { era: '3.8', regions: 2, regionSyncMs: 300 });
  const image = makeImage(tempDir(t), 200 * KiB);
  const phases: string[] = [];
  const up = env.client.bootResources.upload(env.options(image));
  up.on('phase', (p) => phases.push(p));
  const result = await up.done();
  t.equal(result.file.complete, true);
  t.ok(phases.includes('sync'), 'waited for the sync');
});

t.test('two runs of the same upload at once: the second is refused, nothing corrupted (docs/maas-upload-protocol.md#append-only-writes)', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 600 * KiB);
  env.sim.faults.latency(20);
  const first = env.client.bootResources.upload(env.options(image));
  await new Promise<void>((resolve) => first.on('phase', (p) => p === 'upload' && resolve()));
  const other = MaasClient.connect({ url: env.sim.url, apiKey: env.sim.adminKey });
  t.teardown(() => other.close());
  const err = (await other.bootResources.upload(env.options(image)).done().catch((e: unknown) => e)) as UploadConflictError;
  t.ok(err instanceof UploadConflictError);
  t.equal(err.code, 'UPLOAD_LOCKED');
  const result = await first.done();
  t.equal(result.file.complete, true);
  t.equal(await env.storedSha256(uploadedFileId(env.sim)), image.sha256);
  t.same(readdirSync(join(env.stateDir, 'uploads')), [], 'lock released with the state');
});
