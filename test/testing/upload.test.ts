import { readFileSync, existsSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import t from 'tap';
import { pollUntil } from '../fixtures/poll.js';
import type { MaasEra } from '../../lib/testing/index.js';
import { bytes, call, createFor, oauthHeader, putChunk, readFile, sha256, startSim } from '../fixtures/testing/maas-call.js';

const ERAS: MaasEra[] = ['3.4', '3.7', '3.8'];

t.test('docs/maas-upload-protocol.md#checks-in-order: check order and texts', async (t) => {
  for (const era of ERAS) {
    t.test(era, async (t) => {
      const sim = await startSim(t, { era });
      const data = bytes(3000, 7);
      const { resource, fileId, uploadUri } = await createFor(sim, data);
      const put = (uri: string, body: Buffer, key = sim.adminKey) => putChunk(sim, uri, body, key);

      const forbidden = await put('/MAAS/api/2.0/boot-resources/99999/upload/99999/', data, sim.userKey);
      t.equal(forbidden.status, 403, 'permission first, even for unknown ids');
      t.equal(forbidden.text, era === '3.8' ? "User does not have permission to perform this operation. The user should have permission 'can_edit_boot_entities'" : 'This method is reserved for admin users.');

      const abc = await put('/MAAS/api/2.0/boot-resources/abc/upload/1/', data);
      t.equal(abc.status, 500);
      t.equal(abc.text, "Field 'id' expected a number but got 'abc'.");

      const noRes = await put('/MAAS/api/2.0/boot-resources/99999/upload/1/', data);
      t.equal(noRes.status, 404);
      t.equal(noRes.text, 'No BootResource matches the given query.');
      t.equal(noRes.headers['content-type'], 'text/plain');

      const noFile = await put(`/MAAS/api/2.0/boot-resources/${resource.id}/upload/99999/`, data);
      t.equal(noFile.status, 404);
      t.equal(noFile.text, 'No BootResourceFile matches the given query.');

      const empty = await put(uploadUri, Buffer.alloc(0));
      t.equal(empty.status, 400);
      t.equal(empty.text, 'Missing data.');
      t.equal(empty.headers['content-type'], 'text/plain; charset=utf-8');

      // Resource 1 is a synced Ubuntu; the file id need not belong to it (docs/maas-upload-protocol.md#checks-in-order row 2).
      const synced = await put(`/MAAS/api/2.0/boot-resources/1/upload/${fileId}/`, data.subarray(0, 10));
      t.equal(synced.status, 403);
      t.equal(synced.text, era === '3.4' ? 'Cannot upload to a resource of type: 0. ' : 'Cannot upload to a resource of type: 0.');

      const json = await call(sim, 'PUT', uploadUri, { key: sim.adminKey, body: data.subarray(0, 10), headers: { 'content-type': 'application/json' } });
      t.equal(json.status, 400, 'piston cannot decode the chunk as JSON (docs/maas-upload-protocol.md#request)');
      t.equal(json.text, 'Bad Request');

      const ok = await put(uploadUri, data.subarray(0, 1000));
      t.equal(ok.status, 200);
      t.equal(ok.text, 'OK');
      t.equal(ok.headers['content-type'], 'text/plain');
      t.equal(sim.fileReceived(fileId), 1000);

      const tooMuch = await put(uploadUri, data.subarray(0, 2500));
      t.equal(tooMuch.status, 400);
      t.equal(tooMuch.text, 'Too much data received.');

      t.equal((await put(uploadUri, data.subarray(1000))).status, 200, 'the rest');
      const again = await put(uploadUri, data.subarray(0, 1));
      t.equal(again.status, 400);
      t.equal(again.text, 'Cannot upload to a complete file.');
    });
  }
});

t.test('docs/maas-upload-protocol.md#request: a chunked PUT without Content-Length is "Missing data."', async (t) => {
  const sim = await startSim(t);
  const data = bytes(100);
  const { uploadUri } = await createFor(sim, data);
  const status = await new Promise<[number, string]>((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: sim.port, path: uploadUri, method: 'PUT', headers: { authorization: oauthHeader(sim.adminKey), 'transfer-encoding': 'chunked' } },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve([res.statusCode ?? 0, text]));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
  t.same(status, [400, 'Missing data.']);
});

t.test('docs/maas-upload-protocol.md#request: multipart PUT → 500 (request.body after the stream was read)', async (t) => {
  const sim = await startSim(t);
  const { uploadUri } = await createFor(sim, bytes(100));
  const r = await call(sim, 'PUT', uploadUri, { key: sim.adminKey, body: '--x\r\n\r\n--x--', headers: { 'content-type': 'multipart/form-data; boundary=x' } });
  t.equal(r.status, 500);
  t.equal(r.text, "You cannot access body after reading from request's data stream");
});

t.test('docs/maas-upload-protocol.md#deriving-the-offset: progress is the float 100*received/size and recovers the exact offset (3.5+)', async (t) => {
  for (const era of ['3.7', '3.8'] as const) {
    t.test(era, async (t) => {
      const sim = await startSim(t, { era });
      const data = bytes(3 * 7 * 11 * 13 * 17, 3); // 51051: offsets rarely divide evenly
      const { resource, fileId, uploadUri } = await createFor(sim, data);
      let offset = 0;
      for (const size of [1000, 4096, 7, 12345, 1]) {
        t.equal((await putChunk(sim, uploadUri, data.subarray(offset, offset + size))).status, 200);
        offset += size;
        const { file, resource: body, text } = await readFile(sim, resource.id);
        t.equal(file.progress, (100 * offset) / data.length, `progress after ${offset}`);
        t.equal(Math.round((file.progress * data.length) / 100), offset, 'offset = round(progress*size/100)');
        const set = Object.values(body.sets)[0] as { progress: number };
        t.equal(set.progress, file.progress, 'uploaded sets have one file: set progress = file progress');
        t.equal(sim.fileReceived(fileId), offset);
        t.match(text, new RegExp(`"progress": ${String((100 * offset) / data.length).replace('.', '\\.')},`), 'Python float repr');
      }
      t.equal((await putChunk(sim, uploadUri, data.subarray(offset))).status, 200);
      const { file, resource: done } = await readFile(sim, resource.id);
      t.equal(file.complete, true);
      t.notOk('progress' in file, 'complete removes progress');
      t.notOk('upload_uri' in file, 'complete removes upload_uri');
      const set = Object.values(done.sets)[0] as Record<string, unknown>;
      t.equal(set.complete, true);
      t.notOk('progress' in set);
      t.equal(sha256(readFileSync(sim.fileBytesPath(fileId))), sha256(data), 'stored bytes = source');
    });
  }
});

t.test('docs/maas-upload-protocol.md#deriving-the-offset: ≤3.4 progress formulas (file size/received, set 100*received/size, int 0 at start)', async (t) => {
  const sim = await startSim(t, { era: '3.4' });
  const data = bytes(3000, 5);
  const { resource, uploadUri, fileId } = await createFor(sim, data);
  const fresh = await readFile(sim, resource.id);
  t.match(fresh.text, /"progress": 0,\n/, 'file and set progress are the int 0 before any byte');
  t.notMatch(fresh.text, /"progress": 0\.0/);
  await putChunk(sim, uploadUri, data.subarray(0, 1000));
  const { file, resource: body, text } = await readFile(sim, resource.id);
  t.equal(file.progress, 3000 / 1000, 'file progress = total/received');
  t.match(text, /"progress": 3\.0,/);
  const set = Object.values(body.sets)[0] as { progress: number };
  t.equal(set.progress, (100 * 1000) / 3000, 'set progress = 100*received/total');
  t.equal(Math.round(data.length / file.progress), 1000, '≤3.4 offset = round(size / progress)');
  t.equal(sim.fileReceived(fileId), 1000);
});

t.test('docs/maas-upload-protocol.md#integrity-errors: "Too much data received." leaves a per-era state', async (t) => {
  for (const era of ERAS) {
    t.test(era, async (t) => {
      const sim = await startSim(t, { era });
      const data = bytes(3000, 11);
      const { resource, fileId, uploadUri } = await createFor(sim, data);
      await putChunk(sim, uploadUri, data.subarray(0, 1000));
      const r = await putChunk(sim, uploadUri, bytes(2500, 12));
      t.equal(r.text, 'Too much data received.');
      t.equal(sim.fileReceived(fileId), 1000, 'counter unchanged');
      const { progress } = (await readFile(sim, resource.id)).file;
      t.equal(era === '3.4' ? Math.round(3000 / progress) : Math.round((progress * 3000) / 100), 1000, 'progress unchanged');
      const path = sim.fileBytesPath(fileId);
      if (era === '3.8') {
        t.notOk(existsSync(path), '3.8 deletes the partial file');
        // Disk (0) and counter (1000) now disagree: the next chunk lands at disk offset 0 (docs/maas-upload-protocol.md#integrity-errors).
        t.equal((await putChunk(sim, uploadUri, data.subarray(1000, 2000))).status, 200);
        t.equal(statSync(path).size, 1000, 'appended at the on-disk size, not at the counter');
        t.equal(sim.fileReceived(fileId), 2000);
        const last = await putChunk(sim, uploadUri, data.subarray(2000));
        t.equal(last.status, 200, 'the counter completes although the disk holds 2000 bytes');
        t.equal((await readFile(sim, resource.id)).file.complete, true);
      } else {
        t.ok(existsSync(path), 'nothing written, nothing deleted');
        t.equal((await putChunk(sim, uploadUri, data.subarray(1000))).status, 200, 'retry with the right bytes completes');
        t.equal(sha256(readFileSync(sim.fileBytesPath(fileId))), sha256(data));
      }
    });
  }
});

t.test('docs/maas-upload-protocol.md#integrity-errors: SHA-256 mismatch on the final chunk, per era', async (t) => {
  for (const era of ERAS) {
    t.test(era, async (t) => {
      const sim = await startSim(t, { era });
      const data = bytes(3000, 13);
      const { resource, fileId, uploadUri } = await createFor(sim, data);
      await putChunk(sim, uploadUri, data.subarray(0, 2000));
      const wrong = Buffer.from(data.subarray(2000));
      wrong[0] = wrong[0]! ^ 0xff;
      const r = await putChunk(sim, uploadUri, wrong);
      t.equal(r.status, 400);
      t.equal(r.text, 'Saved content does not match given SHA256 value.');
      t.equal(sim.fileReceived(fileId), 2000, 'counter = size - last chunk');
      const path = sim.fileBytesPath(fileId);
      if (era === '3.4') {
        t.equal(statSync(path).size, 2000, 'the large object write is rolled back');
      } else {
        t.equal(statSync(path).size, 3000, 'the full-size file stays on disk');
      }
      const resend = await putChunk(sim, uploadUri, data.subarray(2000));
      if (era === '3.8') {
        t.equal(resend.text, 'Too much data received.', '3.8: the next PUT overflows and deletes the file');
        t.notOk(existsSync(path));
        const again = await createFor(sim, data);
        t.equal(again.resource.id, resource.id, 're-create: same resource');
        t.equal((await putChunk(sim, again.uploadUri, data)).status, 200, 'restart from 0 works');
        t.equal(sha256(readFileSync(sim.fileBytesPath(again.fileId))), sha256(data));
      } else {
        t.equal(resend.status, 200, `${era}: resending a correct last chunk completes`);
        t.equal(sha256(readFileSync(sim.fileBytesPath(fileId))), sha256(data));
      }
    });
  }
});

t.test('docs/maas-upload-protocol.md#same-content-twice: the same sha256 uploaded again, per era', async (t) => {
  for (const era of ERAS) {
    t.test(era, async (t) => {
      const sim = await startSim(t, { era });
      const data = bytes(2000, 17);
      const a = await createFor(sim, data, { name: 'esxi/a' });
      t.equal((await putChunk(sim, a.uploadUri, data)).status, 200);
      const r = await call(sim, 'POST', 'boot-resources/', {
        key: sim.adminKey,
        body: new URLSearchParams({ name: 'esxi/b', architecture: 'amd64/generic', filetype: 'ddgz', sha256: sha256(data), size: String(data.length) }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      const b = Object.values((Object.values(r.json().sets)[0] as { files: Record<string, any> }).files)[0];
      if (era === '3.4') {
        t.equal(b.complete, true, '≤3.4: complete at once (shared large object)');
        t.notOk('upload_uri' in b);
        return;
      }
      t.equal(b.complete, false, '3.5+: a new row without sync rows');
      t.equal(b.progress, 0);
      t.equal(b.filename_on_disk, a.file.filename_on_disk, 'same filename_on_disk');
      if (era === '3.7') {
        // The final SHA check hashes the existing final file, so re-sent bytes are not checked.
        const garbage = bytes(2000, 99);
        t.equal((await putChunk(sim, b.upload_uri, garbage)).status, 200, 'garbage of the right size is accepted');
        t.equal(sha256(readFileSync(sim.fileBytesPath(a.fileId))), sha256(garbage), 'and replaces the shared file');
      } else {
        const first = await putChunk(sim, b.upload_uri, data.subarray(0, 500));
        t.equal(first.text, 'Too much data received.', '3.8: the first PUT appends to the complete shared file');
        t.notOk(existsSync(sim.fileBytesPath(a.fileId)), 'and deletes the shared file');
        t.equal((await putChunk(sim, b.upload_uri, data.subarray(0, 500))).status, 200, 're-sending the same chunk succeeds');
        t.equal((await putChunk(sim, b.upload_uri, data.subarray(500))).status, 200);
        t.equal(sha256(readFileSync(sim.fileBytesPath(a.fileId))), sha256(data));
      }
    });
  }
});

t.test('docs/maas-upload-protocol.md#integrity-errors: 3.8 re-create with a stale partial copy on disk — the first PUT fails once', async (t) => {
  const sim = await startSim(t, { era: '3.8' });
  const data = bytes(3000, 19);
  const first = await createFor(sim, data);
  await putChunk(sim, first.uploadUri, data.subarray(0, 1500));
  const again = await createFor(sim, data);
  t.equal(again.resource.id, first.resource.id);
  t.not(again.fileId, first.fileId, 'a new file row');
  t.equal(again.file.progress, 0);
  const chunk = data.subarray(0, 2000);
  const r = await putChunk(sim, again.uploadUri, chunk);
  t.equal(r.text, 'Too much data received.', 'appended onto the stale 1500 bytes');
  t.notOk(existsSync(sim.fileBytesPath(again.fileId)), 'the stale copy is deleted');
  t.equal((await putChunk(sim, again.uploadUri, chunk)).status, 200, 'repeating that PUT works');
  t.equal((await putChunk(sim, again.uploadUri, data.subarray(2000))).status, 200);
  t.equal(sha256(readFileSync(sim.fileBytesPath(again.fileId))), sha256(data));
});

t.test('docs/maas-upload-protocol.md#deriving-the-offset: era 3.7 writes at offset = counter, era 3.8 appends at the on-disk size', async (t) => {
  for (const era of ['3.7', '3.8'] as const) {
    t.test(era, async (t) => {
      const sim = await startSim(t, { era });
      const data = bytes(4000, 23);
      const { fileId, uploadUri } = await createFor(sim, data);
      await putChunk(sim, uploadUri, data.subarray(0, 1000));
      // An out-of-band change of the stored bytes shows where the next chunk lands.
      const { truncateSync } = await import('node:fs');
      truncateSync(sim.fileBytesPath(fileId), era === '3.7' ? 4000 : 500);
      await putChunk(sim, uploadUri, data.subarray(1000, 2000));
      const stored = readFileSync(sim.fileBytesPath(fileId));
      if (era === '3.7') t.same(stored.subarray(1000, 2000), data.subarray(1000, 2000), 'written at offset 1000 (the counter)');
      else t.same(stored.subarray(500, 1500), data.subarray(1000, 2000), 'appended at offset 500 (the disk size)');
    });
  }
});

t.test('docs/maas-upload-protocol.md#the-final-chunk: multi-region — complete only after the other regions synced', async (t) => {
  const sim = await startSim(t, { regions: 2, regionSyncMs: 150 });
  const data = bytes(1000, 29);
  const { resource, uploadUri } = await createFor(sim, data);
  await putChunk(sim, uploadUri, data.subarray(0, 500));
  t.equal((await readFile(sim, resource.id)).file.progress, 25, 'progress = 100*received/(size*n)');
  t.equal((await putChunk(sim, uploadUri, data.subarray(500))).status, 200);
  const after = (await readFile(sim, resource.id)).file;
  t.equal(after.complete, false);
  t.equal(after.progress, 50);
  t.ok(after.upload_uri, 'still incomplete');
  const more = await putChunk(sim, uploadUri, data.subarray(0, 1));
  t.equal(more.text, 'Cannot upload to a complete file.', 'this region already has every byte');
  await pollUntil('the other region to sync', async () => (await readFile(sim, resource.id)).file.complete === true);
  const synced = (await readFile(sim, resource.id)).file;
  t.equal(synced.complete, true);
  t.notOk('progress' in synced);
});

t.test('the request log records whether each PUT was applied', async (t) => {
  const sim = await startSim(t);
  const data = bytes(100);
  const { uploadUri } = await createFor(sim, data);
  await putChunk(sim, uploadUri, data.subarray(0, 50));
  await putChunk(sim, uploadUri, data); // too much
  const puts = sim.requests.filter((r) => r.method === 'PUT');
  t.same(puts.map((r) => [r.status, r.applied, r.bodyBytes]), [[200, true, 50], [400, false, 100]]);
});
