import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { pollUntil } from '../fixtures/poll.js';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { bytes, call, createFor, putChunk, readFile, sha256, startSim } from '../fixtures/testing/maas-call.js';

t.test('restart mid-upload: same port, persisted counters and bytes, the upload completes', async (t) => {
  for (const era of ['3.4', '3.7', '3.8'] as const) {
    t.test(era, async (t) => {
      const sim = await startSim(t, { era });
      const port = sim.port;
      const data = bytes(5000, 31);
      const { resource, fileId, uploadUri } = await createFor(sim, data);
      t.equal((await putChunk(sim, uploadUri, data.subarray(0, 2000))).status, 200);
      await sim.restart();
      t.equal(sim.port, port, 'same port');
      t.equal(sim.fileReceived(fileId), 2000, 'counter persisted');
      const { file } = await readFile(sim, resource.id);
      const offset = era === '3.4' ? Math.round(data.length / file.progress) : Math.round((file.progress * data.length) / 100);
      t.equal(offset, 2000, 'the client derives the offset after the restart');
      t.equal((await putChunk(sim, uploadUri, data.subarray(offset))).status, 200);
      t.equal(sha256(readFileSync(sim.fileBytesPath(fileId))), sha256(data));
      t.equal((await call(sim, 'GET', 'users/?op=whoami', { key: sim.adminKey })).status, 200, 'users persisted');
    });
  }
});

t.test('restart while a PUT is in flight: the connection drops, nothing half-applied', async (t) => {
  const sim = await startSim(t);
  const data = bytes(300_000, 37);
  const { fileId, uploadUri } = await createFor(sim, data);
  sim.faults.throttle(200_000); // the PUT takes ~1.5 s to arrive
  const pending = putChunk(sim, uploadUri, data).then(
    (r) => r.status,
    (e: Error) => e,
  );
  // The PUT has arrived and is still unanswered (its record's status is 0 until the answer).
  const inFlight = () => sim.requests.some((q) => q.method === 'PUT' && q.status === 0);
  await pollUntil('the PUT to arrive at the server', inFlight);
  t.ok(inFlight(), 'the PUT is in flight when the server restarts');
  await sim.restart();
  t.type(await pending, Error, 'the client sees the connection go');
  sim.faults.throttle(null);
  t.equal(sim.fileReceived(fileId), 0, 'a body that never fully arrived is not applied');
  t.equal((await putChunk(sim, uploadUri, data)).status, 200);
});

t.test('state.json is written on every change (atomically) and reloaded', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'maas-sim-state-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const sim = await startMaasSimulator({ dataDir: dir, era: '3.7' });
  const data = bytes(1000, 41);
  const { resource, fileId, uploadUri } = await createFor(sim, data);
  await putChunk(sim, uploadUri, data.subarray(0, 400));
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'));
  t.equal(state.era, '3.7');
  t.equal(state.files.find((f: { id: number }) => f.id === fileId).sync['0'], 400, 'the counter is on disk already');
  t.notOk(readFileSync(join(dir, 'state.json'), 'utf8').includes('.tmp'), 'complete JSON');
  t.ok(existsSync(join(dir, 'files', `${sha256(data).slice(0, 7)}.incomplete`)), '3.7 writes <name>.incomplete');
  const adminKey = sim.adminKey;
  await sim.close();
  t.ok(existsSync(join(dir, 'state.json')), 'a given dataDir is kept on close');

  const again = await startMaasSimulator({ dataDir: dir, era: '3.7' });
  t.teardown(() => again.close());
  t.equal(again.adminKey, adminKey, 'same users and keys');
  t.equal(again.fileReceived(fileId), 400);
  t.equal((await readFile(again, resource.id)).file.progress, 40);
  await t.rejects(startMaasSimulator({ dataDir: dir, era: '3.8' }), /holds a MAAS 3\.7 state/);
});

t.test('a temporary dataDir is removed on close', async (t) => {
  const sim = await startMaasSimulator();
  const dir = sim.dataDir;
  t.ok(existsSync(join(dir, 'state.json')));
  await sim.close();
  t.notOk(existsSync(dir));
  await t.rejects(sim.restart(), /closed/);
});

t.test('multi-region sync survives a restart', async (t) => {
  const sim = await startSim(t, { regions: 3, regionSyncMs: 100 });
  const data = bytes(600, 43);
  const { resource, uploadUri } = await createFor(sim, data);
  await putChunk(sim, uploadUri, data);
  t.equal((await readFile(sim, resource.id)).file.progress, 100 / 3);
  await sim.restart();
  // The other regions sync 100 ms later: wait for it (bounded) rather than for a fixed time.
  await pollUntil('the regions to sync after the restart', async () => (await readFile(sim, resource.id)).file.complete === true);
  t.equal((await readFile(sim, resource.id)).file.complete, true);
});
