// Six upload failure modes and three smaller ones, each reproduced against the
// simulator. Every assertion is a MAAS fact or a promise of the product (README "How the upload
// works"): stored sha256 == source, never "Too much data received.", at most one chunk re-sent
// per fault, exit 0 only with a verified copy.
import t from 'tap';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { MaasClient } from '../../lib/client/maas-client.js';
import { exitCodeFor } from '../../lib/cli/exit-codes.js';
import { MaasAbortError, MaasAuthError, UploadConflictError, UploadRetryError, UploadIntegrityError } from '../../lib/errors/index.js';
import type { MaasSimulator } from '../../lib/testing/index.js';
import { fileIdOf, KiB, makeImage, tempDir, uploadEnv } from '../fixtures/upload-env.js';
import { ledgerOf, uploadPuts } from '../fixtures/server-ledger.js';

const CHUNK = 64 * KiB;

function tooMuchData(sim: MaasSimulator): number {
  return sim.requests.filter((r) => r.method === 'PUT' && r.status === 400).length;
}
function lastPutFileId(sim: MaasSimulator): number {
  const put = [...sim.requests].reverse().find((r) => r.method === 'PUT');
  if (!put) throw new Error('no PUT was made');
  return fileIdOf(put.path);
}

t.test('1. Ctrl-C while a chunk is in flight, rerun at once: the late body is not sent twice', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 700 * KiB);
  // The proxy holds the third chunk's whole body; MAAS applies it after the client left, just
  // before it answers the second read of the resource (the rerun's, while it watches).
  env.sim.faults.add({ match: { method: 'PUT', nth: 3 }, action: { type: 'late', atRead: 2 } });
  const ac = new AbortController();
  const first = env.client.bootResources.upload(env.options(image, { signal: ac.signal, interruptGraceMs: 50 }));
  // Ctrl-C once the third chunk's whole body has reached the proxy.
  const watch = setInterval(() => {
    const third = env.sim.requests.filter((r) => r.method === 'PUT')[2];
    if (third && third.bodyBytes > 0 && !ac.signal.aborted) ac.abort(new Error('Ctrl-C'));
  }, 5);
  t.teardown(() => clearInterval(watch));
  const err = await first.done().catch((e: unknown) => e);
  t.ok(err instanceof MaasAbortError, 'interrupted');
  t.equal(exitCodeFor(err), 130);
  const rerunStarted = Date.now();
  const rerunFirst = env.sim.requests.length;
  const result = await env.client.bootResources.upload(env.options(image, { settleMs: 1000 })).done();
  const late = env.sim.requests.find((q) => q.fault === 'late');
  const landed = late?.landedBefore ?? -1;
  t.ok(landed >= rerunFirst && env.sim.requests[landed]?.method === 'GET', `the late body landed while the rerun read the offset (before request ${landed}; the rerun began at ${rerunFirst})`);
  t.ok(Date.now() - rerunStarted < 10_000, `the rerun took ${Date.now() - rerunStarted} ms (no stall behind the abandoned request)`);
  await env.sim.settled();
  t.equal(tooMuchData(env.sim), 0, 'never "Too much data received."');
  t.equal(result.recreated, false, 'no restart from 0');
  t.ok(result.bytesResent <= CHUNK, `re-sent ${result.bytesResent} bytes`);
  t.equal(result.file.complete, true);
  t.equal(await env.storedSha256(lastPutFileId(env.sim)), image.sha256);
});

t.test('2a. the server lost its tail across a restart: resend from its offset, never report success early', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 900 * KiB);
  env.sim.faults.latency(15);
  const up = env.client.bootResources.upload(env.options(image, { syncTimeoutMs: 500 }));
  let restarted: Promise<void> | undefined;
  up.on('progress', (p) => {
    if (!restarted && p.phase === 'upload' && p.bytesAcked >= 4 * CHUNK) restarted = env.sim.restart({ loseTailBytes: 2 * CHUNK });
  });
  const result = await up.done();
  await restarted;
  // The server's log: exactly the two lost chunks were applied a second time, nothing else.
  const ledger = ledgerOf(env.sim.requests, image.size);
  t.equal(ledger.reappliedBytes, 2 * CHUNK, 'the server lost its tail and got it again');
  t.equal(result.bytesResent, ledger.resentBytes, 'bytesResent is what the server received twice');
  t.equal(result.file.complete, true, 'MAAS reports the file complete');
  t.equal(tooMuchData(env.sim), 0);
  t.equal(await env.storedSha256(lastPutFileId(env.sim)), image.sha256, 'stored sha256 == source');
});

t.test('2b. --regions 2 against a one-region MAAS: the count comes from MAAS, no bytes skipped', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 700 * KiB);
  const ac = new AbortController();
  const first = env.client.bootResources.upload(env.options(image, { signal: ac.signal }));
  first.on('progress', (p) => {
    if (p.phase === 'upload' && p.bytesAcked >= 3 * CHUNK) ac.abort();
  });
  await first.done().catch(() => undefined);
  const up = env.client.bootResources.upload(env.options(image, { regions: 2, syncTimeoutMs: 500 }));
  const warnings: string[] = [];
  up.on('warning', (w) => warnings.push(w));
  const result = await up.done();
  t.equal(result.file.complete, true);
  t.ok(result.resumedFrom <= 4 * CHUNK, `resumed from ${result.resumedFrom}`);
  t.equal(await env.storedSha256(lastPutFileId(env.sim)), image.sha256);
  t.match(warnings.join('\n'), /1 region controller/);
});

t.test('2c. multi-region sync that does not finish in time is exit 5 naming the regions, not success', async (t) => {
  const env = await uploadEnv(t, { era: '3.8', regions: 2, regionSyncMs: 60_000 });
  const image = makeImage(tempDir(t), 200 * KiB);
  const err = (await env.client.bootResources.upload(env.options(image, { syncTimeoutMs: 300 })).done().catch((e: unknown) => e)) as UploadRetryError;
  t.ok(err instanceof UploadRetryError, String(err));
  t.equal(exitCodeFor(err), 5);
  t.match(err.message, /region-1/);
});

t.test('3. a 503 with Retry-After on the final chunk costs Retry-After plus one round trip', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 300 * KiB);
  const chunks = Math.ceil(image.size / CHUNK);
  env.sim.faults.add({ match: { method: 'PUT', nth: chunks + 1 }, action: { type: 'status', status: 503, retryAfter: 1, body: 'Service Unavailable' } });
  env.sim.faults.add({ match: { method: 'PUT', nth: 2 }, action: { type: 'status', status: 503, retryAfter: 1, body: 'Service Unavailable' } });
  const started = Date.now();
  const result = await env.client.bootResources.upload(env.options(image, { settleMs: 20_000, finalSettleMs: 60_000 })).done();
  const took = Date.now() - started;
  t.equal(result.file.complete, true);
  t.ok(took >= 2 * 1000 && took < 2 * 1000 + 3000, `took ${took} ms for two Retry-After: 1 answers (at least both waits)`);
  t.equal(result.bytesResent, 2 * CHUNK - (chunks * CHUNK - image.size), 'each refused chunk sent once more');
});

t.test('4. an expired signature on a chunk: the chunk is sent again with a fresh body, not an empty one', async (t) => {
  let shift = 0;
  const env = await uploadEnv(t, { era: '3.8', now: () => Date.now() + shift });
  const image = makeImage(tempDir(t), 500 * KiB);
  const up = env.client.bootResources.upload(env.options(image));
  up.on('progress', (p) => {
    if (p.phase === 'upload' && p.bytesAcked >= 2 * CHUNK) shift = 400_000; // MAAS's clock jumps ahead 400 s
  });
  const result = await up.done();
  t.equal(result.file.complete, true);
  t.notOk(env.sim.requests.some((r) => r.method === 'PUT' && r.status === 400), 'no "Missing data."');
  t.equal(await env.storedSha256(lastPutFileId(env.sim)), image.sha256);
});

t.test('5. a chunk that times out on a slow link is abandoned with a reset: no late body lands', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 600 * KiB);
  // The link crawls from the 2nd PUT on (64 KiB would take 6 s): the client times out and resets.
  env.sim.faults.add({ match: { method: 'PUT', nth: 2 }, action: { type: 'call', run: () => env.sim.faults.throttle(10_000) } });
  const up = env.client.bootResources.upload(env.options(image, { chunkTimeoutMs: 300, settleMs: 100 }));
  up.on('retry', () => env.sim.faults.throttle(null));
  const result = await up.done();
  await env.sim.settled();
  const cut = uploadPuts(env.sim.requests)[1];
  t.ok(cut && cut.status === 0 && cut.bodyBytes < CHUNK, `the 2nd PUT was reset mid-body (${cut?.bodyBytes} bytes read)`);
  t.equal(cut?.applied, undefined, 'and nothing of it was applied, then or later');
  t.equal(ledgerOf(env.sim.requests, image.size).reappliedBytes, 0, 'no byte applied twice');
  t.equal(result.file.complete, true);
  t.equal(tooMuchData(env.sim), 0);
  t.equal(result.recreated, false);
  t.equal(await env.storedSha256(lastPutFileId(env.sim)), image.sha256);
});

t.test('6. MAAS 3.8: the same image under a second name never destroys the stored copy', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 300 * KiB);
  const first = await env.client.bootResources.upload(env.options(image)).done();
  const storedPath = env.sim.fileBytesPath(lastPutFileId(env.sim));
  const posts = env.sim.requests.filter((r) => r.method === 'POST').length;
  const err = (await env.client.bootResources.upload(env.options(image, { name: 'esxi/8.0u1' })).done().catch((e: unknown) => e)) as UploadConflictError;
  t.ok(err instanceof UploadConflictError, String(err));
  t.equal(err.code, 'SAME_IMAGE');
  t.match(err.message, /esxi\/8\.0/);
  t.equal(exitCodeFor(err), 2);
  t.equal(env.sim.requests.filter((r) => r.method === 'POST').length, posts, 'nothing created');
  t.equal(statSync(storedPath).size, image.size, 'the stored copy is intact');

  const reused = await env.client.bootResources.upload(env.options(image, { name: 'esxi/8.0u1', sameImage: 'reuse' })).done();
  t.equal(reused.action, 'already-present');
  t.equal(reused.resource.id, first.resource.id);
  t.equal(reused.bytesSent, 0);

  const rebuilt = await env.client.bootResources.upload(env.options(image, { name: 'esxi/8.0u1', sameImage: 'rebuild' })).done();
  t.equal(rebuilt.file.complete, true);
  t.equal(await env.storedSha256(lastPutFileId(env.sim)), image.sha256, 'rebuilt at once');
});

t.test('wrong API key: refused before hashing', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 300 * KiB);
  const bad = MaasClient.connect({ url: env.sim.url, apiKey: 'aaaaaaaaaaaaaaaaaa:bbbbbbbbbbbbbbbbbb:cccccccccccccccccccccccccccccccc' });
  t.teardown(() => bad.close());
  const phases: string[] = [];
  const up = bad.bootResources.upload(env.options(image));
  up.on('phase', (p) => phases.push(p));
  const err = await up.done().catch((e: unknown) => e);
  t.ok(err instanceof MaasAuthError, String(err));
  t.notOk(phases.includes('hash'), `phases: ${phases.join(' ')}`);
});

t.test('a 404 on a chunk PUT says another upload replaced it', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 700 * KiB);
  env.sim.faults.latency(10);
  const up = env.client.bootResources.upload(env.options(image));
  let replaced: Promise<unknown> | undefined;
  up.on('progress', (p) => {
    if (!replaced && p.phase === 'upload' && p.bytesAcked >= 2 * CHUNK) {
      replaced = env.client.bootResources.create({ name: 'esxi/8.0', architecture: 'amd64/generic', sha256: 'f'.repeat(64), size: 1000, title: 'x', filetype: 'ddgz' });
    }
  });
  const err = (await up.done().catch((e: unknown) => e)) as UploadConflictError;
  await replaced;
  t.ok(err instanceof UploadConflictError, String(err));
  t.match(err.message, /another upload replaced it/);
});

t.test('a second client with another state directory does not join a running upload', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 1200 * KiB);
  env.sim.faults.latency(25);
  const a = env.client.bootResources.upload(env.options(image));
  let second: Promise<unknown> | undefined;
  const other = MaasClient.connect({ url: env.sim.url, apiKey: env.sim.adminKey });
  t.teardown(() => other.close());
  a.on('progress', (p) => {
    if (!second && p.phase === 'upload' && p.bytesAcked >= 2 * CHUNK) {
      second = other.bootResources.upload(env.options(image, { stateDir: join(tempDir(t), 'b') })).done().catch((e: unknown) => e);
    }
  });
  const result = await a.done();
  const err = (await second) as UploadConflictError;
  t.ok(err instanceof UploadConflictError, String(err));
  t.equal(err.code, 'UPLOAD_BUSY');
  t.equal(tooMuchData(env.sim), 0);
  t.equal(await env.storedSha256(lastPutFileId(env.sim)), image.sha256);
});

// MAAS checks an OAuth signature's age after its proxy has read the whole body
// (docs/maas-api.md#the-300-s-window). When a chunk crosses slower than the window, every resend
// of the same size is refused again: the client must shrink until a chunk crosses well inside
// the window, say the size it really uses, and complete.
const MiB = 1024 * KiB;
const WINDOW_S = 2;
const LINK = 500_000;

t.test('a 2 s signature window at 500 kB/s with 2 MiB chunks: shrink, complete', async (t) => {
  const env = await uploadEnv(t, { era: '3.8', signatureWindowS: WINDOW_S });
  const image = makeImage(tempDir(t), 5 * MiB);
  env.sim.faults.throttle(LINK);
  const up = env.client.bootResources.upload(env.options(image, { chunkSize: 2 * MiB }));
  const warnings: string[] = [];
  up.on('warning', (w) => warnings.push(w));
  const result = await up.done();
  const puts = env.sim.requests.filter((r) => r.method === 'PUT');
  t.equal(result.file.complete, true);
  t.equal(await env.storedSha256(fileIdOf(puts.at(-1)!.path)), image.sha256, 'stored sha256 == source');
  const refused = puts.filter((r) => r.status === 401);
  t.ok(refused.length >= 1 && refused.length <= 2, `${refused.length} chunk(s) refused as expired, then none`);
  const accepted = puts.filter((r) => r.status === 200);
  // Well inside the window: at most half of it at the link's rate.
  for (const r of accepted) t.ok(r.bodyBytes <= (LINK * WINDOW_S) / 2, `a ${r.bodyBytes}-byte chunk crosses in ${(r.bodyBytes / LINK).toFixed(2)} s`);
  const said = warnings.map((w) => /sending (\d+)-byte chunks/.exec(w)?.[1]).filter((n) => n !== undefined).map(Number);
  t.ok(said.length >= 1, 'the client said which size it uses');
  // The next chunk is the size announced; later ones follow the rate measured on each.
  const next = puts[puts.indexOf(refused.at(-1)!) + 1];
  t.equal(next?.bodyBytes, said.at(-1), `the chunk after the refusal is the size announced (${said.at(-1)} bytes)`);
});

// A sha256 the caller passes that is not the file's: MAAS compares the stored bytes with it at the
// last chunk and answers "Saved content does not match given SHA256 value."
// (docs/maas-upload-protocol.md). The error must name that option as the likely cause, not
// another client, and leave no half-made resource behind.
t.test('a wrong sha256 option: exit 7, the hint names the option, no resource left', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 300 * KiB);
  const wrong = '0'.repeat(64);
  const err = await env.client.bootResources
    .upload(env.options(image, { sha256: wrong }))
    .done()
    .catch((e: unknown) => e);
  t.ok(err instanceof UploadIntegrityError, String(err));
  t.equal(exitCodeFor(err as UploadIntegrityError), 7);
  t.match((err as UploadIntegrityError).hint, `The sha256 option (${wrong}) may not be the file's`);
  t.notMatch((err as UploadIntegrityError).hint, /nothing else uploads/);
  const left = (await env.client.bootResources.list()).filter((r) => r.type === 'Uploaded');
  t.same(left, [], 'the broken resource was deleted');
});

// The create POST is not idempotent (docs/maas-upload-protocol.md#creating-the-resource): a
// connection lost before MAAS answered leaves it unknown whether MAAS created the resource. The
// uploader looks for it (name, architecture, sha256) before posting again, so neither a second
// resource nor a failed upload follows. Found by the chaos suite: a region restart during the
// second client's POST (seed 1879979501).
for (const applied of [true, false]) {
  t.test(`2d. the connection drops during the create POST (${applied ? 'MAAS created it' : 'nothing created'}): one resource, uploaded`, async (t) => {
    const env = await uploadEnv(t, { era: '3.8' });
    const image = makeImage(tempDir(t), 300 * KiB);
    env.sim.faults.add({ match: { method: 'POST', path: /boot-resources\/$/, nth: 1 }, action: applied ? { type: 'cut', apply: true } : { type: 'cut', afterBytes: 0, apply: false } });
    const up = env.client.bootResources.upload(env.options(image));
    const warnings: string[] = [];
    up.on('warning', (m) => warnings.push(m));
    const result = await up.done();
    const taken = `The answer to the create request was lost, but MAAS had created boot resource ${result.resource.id}; continuing with it.`;
    t.same(warnings.filter((w) => w.startsWith('The answer to the create')), applied ? [taken] : [], applied ? 'says it took over what MAAS created' : 'nothing to take over');
    const posts = env.sim.requests.filter((q) => q.method === 'POST' && /boot-resources\/$/.test(q.path));
    t.equal(posts.length, applied ? 1 : 2, applied ? 'no second POST: the created resource was found' : 'posted again once nothing was found');
    const resources = (await env.client.bootResources.list('uploaded')).filter((r) => r.name === result.resource.name);
    t.equal(resources.length, 1, 'one resource of that name');
    t.equal(result.file.complete, true);
    t.equal(await env.storedSha256(lastPutFileId(env.sim)), image.sha256, 'stored sha256 == source');
  });
}
