import t from 'tap';
import { pollUntil } from '../fixtures/poll.js';
import { request } from 'undici';
import { bytes, call, createFor, oauthHeader, putChunk, readFile, startSim } from '../fixtures/testing/maas-call.js';

const UPLOAD = /\/upload\/\d+\/$/;

t.test('fault: cut after N bytes without applying (docs/architecture.md#testing)', async (t) => {
  const sim = await startSim(t);
  const data = bytes(4096, 2);
  const { resource, fileId, uploadUri } = await createFor(sim, data);
  sim.faults.add({ match: { method: 'PUT', path: UPLOAD }, action: { type: 'cut', afterBytes: 1024, apply: false } });
  await t.rejects(putChunk(sim, uploadUri, data.subarray(0, 2048)), 'the client sees a dropped connection');
  t.equal(sim.fileReceived(fileId), 0, 'nothing applied');
  t.equal(sim.faults.fired, 1);
  const rec = sim.requests.filter((r) => r.method === 'PUT').at(-1)!;
  t.equal(rec.status, 0);
  t.equal(rec.fault, 'cut');
  t.ok(rec.bodyBytes >= 1024 && rec.bodyBytes <= 2048);
  t.equal(rec.applied, undefined, 'never reached the handler');
  t.equal((await putChunk(sim, uploadUri, data.subarray(0, 2048))).status, 200, 'fires once by default');
  t.equal((await readFile(sim, resource.id)).file.progress, 50);
});

t.test('fault: lost response — the chunk is applied, the answer never comes', async (t) => {
  const sim = await startSim(t);
  const data = bytes(4096, 3);
  const { resource, fileId, uploadUri } = await createFor(sim, data);
  sim.faults.add({ match: { method: 'PUT', nth: 2 }, action: { type: 'cut', apply: true } });
  t.equal((await putChunk(sim, uploadUri, data.subarray(0, 1024))).status, 200, '1st PUT normal');
  await t.rejects(putChunk(sim, uploadUri, data.subarray(1024, 2048)), '2nd PUT: connection dropped');
  t.equal(sim.fileReceived(fileId), 2048, 'the chunk was applied');
  const { file } = await readFile(sim, resource.id);
  t.equal(Math.round((file.progress * data.length) / 100), 2048, 'the client recovers the offset from progress (docs/maas-upload-protocol.md#deriving-the-offset)');
  const rec = sim.requests.filter((r) => r.method === 'PUT').at(-1)!;
  t.same([rec.status, rec.applied, rec.fault], [0, true, 'cut']);
});

t.test('fault: status (503 + Retry-After), not applied', async (t) => {
  const sim = await startSim(t);
  const data = bytes(1000, 4);
  const { fileId, uploadUri } = await createFor(sim, data);
  sim.faults.add({ match: { method: 'PUT', times: 2 }, action: { type: 'status', status: 503, retryAfter: 2 } });
  for (let i = 0; i < 2; i++) {
    const r = await putChunk(sim, uploadUri, data);
    t.equal(r.status, 503);
    t.equal(r.headers['retry-after'], '2');
    t.match(r.text, /<title>503 Service Temporarily Unavailable<\/title>/, "nginx's page");
  }
  t.equal(sim.fileReceived(fileId), 0);
  t.equal((await putChunk(sim, uploadUri, data)).status, 200, 'times: 2 then normal');
  const custom = await startSim(t);
  custom.faults.add({ match: { path: /version/ }, action: { type: 'status', status: 502, body: 'bad gateway' } });
  const r = await call(custom, 'GET', 'version/');
  t.same([r.status, r.text], [502, 'bad gateway']);
});

t.test('fault: status does not consume the OAuth nonce', async (t) => {
  const sim = await startSim(t);
  sim.faults.add({ match: { path: /whoami/ }, action: { type: 'status', status: 503 } });
  const h = oauthHeader(sim.adminKey, { nonce: 'retry-me' });
  t.equal((await call(sim, 'GET', 'users/?op=whoami', { authorization: h })).status, 503);
  t.equal((await call(sim, 'GET', 'users/?op=whoami', { authorization: h })).status, 200);
});

t.test('fault: every k-th matching request', async (t) => {
  const sim = await startSim(t);
  sim.faults.add({ match: { method: 'GET', path: /version/, every: 3 }, action: { type: 'status', status: 500 } });
  const statuses: number[] = [];
  for (let i = 0; i < 7; i++) statuses.push((await call(sim, 'GET', 'version/')).status);
  t.same(statuses, [200, 200, 500, 200, 200, 500, 200]);
  t.equal(sim.faults.fired, 2);
  sim.faults.clear();
  t.equal((await call(sim, 'GET', 'version/')).status, 200);
});

t.test('fault: hang — applied, answered only after ms (client timeouts)', async (t) => {
  const sim = await startSim(t);
  const data = bytes(1000, 5);
  const { fileId, uploadUri } = await createFor(sim, data);
  sim.faults.add({ match: { method: 'PUT' }, action: { type: 'hang', ms: 400 } });
  await t.rejects(
    request(`http://127.0.0.1:${sim.port}${uploadUri}`, {
      method: 'PUT',
      body: data.subarray(0, 100),
      headers: { authorization: oauthHeader(sim.adminKey) },
      signal: AbortSignal.timeout(100),
    }),
    'the client gives up first',
  );
  await pollUntil('the server to apply the chunk', () => sim.fileReceived(fileId) === 100, { timeoutMs: 5000 });
  t.equal(sim.fileReceived(fileId), 100, 'the server applied the chunk meanwhile');
  sim.faults.add({ match: { method: 'GET' }, action: { type: 'hang', ms: 150 } });
  const started = Date.now();
  t.equal((await call(sim, 'GET', 'version/')).status, 200);
  t.ok(Date.now() - started >= 140, 'answered after the delay');
});

t.test('fault plan: latency and throttle', async (t) => {
  const sim = await startSim(t);
  sim.faults.latency(120);
  let started = Date.now();
  await call(sim, 'GET', 'version/');
  t.ok(Date.now() - started >= 110, 'latency before handling');
  sim.faults.latency(null);
  const data = bytes(200_000, 6);
  const { fileId, uploadUri } = await createFor(sim, data);
  sim.faults.throttle(400_000);
  started = Date.now();
  t.equal((await putChunk(sim, uploadUri, data)).status, 200);
  const took = Date.now() - started;
  t.ok(took >= 350, `200 kB at 400 kB/s takes ≥ 0.35 s (took ${took} ms)`);
  t.equal(sim.fileReceived(fileId), 200_000);
  sim.faults.throttle(null);
});

t.test('fault plan: invalid rules are refused', async (t) => {
  const sim = await startSim(t);
  t.throws(() => sim.faults.add({ match: { nth: 0 }, action: { type: 'hang', ms: 1 } }), RangeError);
});

t.test('docs/maas-upload-protocol.md#body-size-and-chunk-size: body > client_max_body_size → nginx 413 HTML, not applied', async (t) => {
  const sim = await startSim(t, { maxBodyBytes: 64 * 1024 });
  const data = bytes(100 * 1024, 8);
  const { fileId, uploadUri } = await createFor(sim, data);
  const r = await putChunk(sim, uploadUri, data);
  t.equal(r.status, 413);
  t.match(r.text, /^<html>\r\n<head><title>413 Request Entity Too Large<\/title><\/head>/);
  t.match(r.text, /<center>nginx<\/center>/);
  t.equal(r.headers['content-type'], 'text/html');
  t.equal(sim.fileReceived(fileId), 0);
  t.equal((await putChunk(sim, uploadUri, data.subarray(0, 64 * 1024))).status, 200, 'exactly the limit passes');
  const anon = await call(sim, 'PUT', uploadUri, { body: data });
  t.equal(anon.status, 413, 'nginx answers before MAAS authenticates');
});

t.test('docs/maas-upload-protocol.md#body-size-and-chunk-size: a chunked body over the limit gets the 413 too', async (t) => {
  const { request: httpRequest } = await import('node:http');
  const sim = await startSim(t, { maxBodyBytes: 1000 });
  const { uploadUri, fileId } = await createFor(sim, bytes(5000));
  const [status, text] = await new Promise<[number, string]>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: sim.port, path: uploadUri, method: 'PUT', headers: { authorization: oauthHeader(sim.adminKey) } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve([res.statusCode ?? 0, body]));
    });
    req.on('error', reject);
    req.write(bytes(800));
    req.end(bytes(800)); // no Content-Length: Transfer-Encoding chunked
  });
  t.equal(status, 413);
  t.match(text, /413 Request Entity Too Large/);
  t.equal(sim.fileReceived(fileId), 0);
});

t.test('docs/maas-upload-protocol.md#body-size-and-chunk-size: the default limit is 10 MiB; Infinity disables it', async (t) => {
  const sim = await startSim(t);
  const big = Buffer.alloc(10 * 1024 * 1024 + 1);
  const { uploadUri } = await createFor(sim, big);
  t.equal((await putChunk(sim, uploadUri, big)).status, 413);
  const open = await startSim(t, { maxBodyBytes: Infinity });
  const up = await createFor(open, big);
  t.equal((await putChunk(open, up.uploadUri, big)).status, 200);
});

t.test('fault: a 504 after an applied chunk — MAAS stored it, the proxy answered 504', async (t) => {
  const sim = await startSim(t);
  const data = bytes(4096, 7);
  const { fileId, uploadUri } = await createFor(sim, data);
  sim.faults.add({ match: { method: 'PUT', nth: 2 }, action: { type: 'status', status: 504, apply: true } });
  t.equal((await putChunk(sim, uploadUri, data.subarray(0, 1024))).status, 200);
  const r = await putChunk(sim, uploadUri, data.subarray(1024, 2048));
  t.equal(r.status, 504, 'the client hears the gateway timeout');
  t.match(r.text, /<title>504 Gateway Time-out<\/title>/, "nginx's page");
  t.equal(sim.fileReceived(fileId), 2048, 'yet the chunk is stored');
  const rec = sim.requests.filter((q) => q.method === 'PUT').at(-1)!;
  t.same([rec.status, rec.applied, rec.appliedAt, rec.fault], [504, true, 1024, 'status']);
});

t.test('request log: every applied PUT records the offset it landed at', async (t) => {
  for (const era of ['3.4', '3.7', '3.8'] as const) {
    const sim = await startSim(t, { era });
    const data = bytes(3000, 8);
    const { uploadUri } = await createFor(sim, data);
    for (const [from, to] of [[0, 1000], [1000, 2500], [2500, 3000]] as const) {
      t.equal((await putChunk(sim, uploadUri, data.subarray(from, to))).status, 200, `${era}: PUT ${from}–${to}`);
    }
    const puts = sim.requests.filter((q) => q.method === 'PUT');
    t.same(puts.map((q) => [q.applied, q.appliedAt, q.bodyBytes]), [[true, 0, 1000], [true, 1000, 1500], [true, 2500, 500]], `${era}: offsets`);
  }
});

t.test('fault: call runs at the matching request, which then proceeds normally', async (t) => {
  const sim = await startSim(t);
  const data = bytes(2048, 9);
  const { fileId, uploadUri } = await createFor(sim, data);
  const seenAt: number[] = [];
  sim.faults.add({ match: { method: 'PUT', nth: 2 }, action: { type: 'call', run: () => seenAt.push(sim.requests.filter((q) => q.method === 'PUT').length) } });
  t.same(sim.faults.unfired().length, 1, 'not yet fired');
  t.equal((await putChunk(sim, uploadUri, data.subarray(0, 1024))).status, 200);
  t.same(seenAt, [], 'not on the first PUT');
  t.equal((await putChunk(sim, uploadUri, data.subarray(1024))).status, 200, 'the second PUT is answered as usual');
  t.same(seenAt, [2], 'ran once, when the second PUT arrived');
  t.equal(sim.fileReceived(fileId), 2048);
  t.same(sim.faults.unfired(), [], 'every rule fired');
});

t.test("fault: late — never answered; the body lands just before the client's atRead-th read after it, or before its next write", async (t) => {
  const sim = await startSim(t, { era: '3.8' });
  const data = bytes(4096, 7);
  const { resource, fileId, uploadUri } = await createFor(sim, data);
  const held = (n: number) => () => sim.requests.filter((q) => q.fault === 'late' && q.bodyBytes === 1024).length === n;
  sim.faults.add({ match: { method: 'PUT', path: UPLOAD }, action: { type: 'late', atRead: 2 } });
  void putChunk(sim, uploadUri, data.subarray(0, 1024)).catch(() => undefined);
  await pollUntil('the proxy to hold the first body', held(1));
  t.equal(sim.fileReceived(fileId), 0, 'held, not applied');
  t.equal((await readFile(sim, resource.id)).file.progress, 0, 'the first read after it: not applied yet');
  t.equal((await readFile(sim, resource.id)).file.progress, 25, 'the second read: applied just before MAAS answered it');
  const first = sim.requests.find((q) => q.fault === 'late')!;
  t.same([sim.requests[first.landedBefore!]?.method, first.applied, first.appliedAt, first.status], ['GET', true, 0, 0], 'landed at the read; never answered');

  // A client that sends again without reading meets its own chunk: it lands first, then the resend.
  sim.faults.add({ match: { method: 'PUT', path: UPLOAD }, action: { type: 'late', atRead: 2 } });
  void putChunk(sim, uploadUri, data.subarray(1024, 2048)).catch(() => undefined);
  await pollUntil('the proxy to hold the second body', held(2));
  t.equal((await putChunk(sim, uploadUri, data.subarray(1024, 2048))).status, 200);
  const second = sim.requests.filter((q) => q.fault === 'late')[1]!;
  t.equal(sim.requests[second.landedBefore!]?.method, 'PUT', 'landed before the resend');
  t.equal(sim.fileReceived(fileId), 3072, 'MAAS 3.8 appended the chunk twice');
});
