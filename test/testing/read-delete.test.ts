import { existsSync } from 'node:fs';
import t from 'tap';
import { bytes, call, createFor, putChunk, startSim } from '../fixtures/testing/maas-call.js';

t.test('docs/maas-api.md#boot-resources: list, type filter, 400 text per era', async (t) => {
  for (const era of ['3.4', '3.7', '3.8'] as const) {
    t.test(era, async (t) => {
      const sim = await startSim(t, { era });
      await createFor(sim, bytes(10, 1), { name: 'esxi/b' });
      await createFor(sim, bytes(10, 2), { name: 'esxi/a' });
      const all = (await call(sim, 'GET', 'boot-resources/', { key: sim.userKey })).json();
      t.same(all.map((r: { type: string }) => r.type), ['Synced', 'Synced', 'Uploaded', 'Uploaded'], 'synced first');
      t.same(all.slice(2).map((r: { name: string }) => r.name), ['esxi/a', 'esxi/b'], 'then by name');
      t.notOk(all.some((r: object) => 'sets' in r), 'no sets in the list');
      const uploaded = (await call(sim, 'GET', 'boot-resources/?type=uploaded', { key: sim.userKey })).json();
      t.same(uploaded.map((r: { name: string }) => r.name), ['esxi/a', 'esxi/b']);
      const synced = (await call(sim, 'GET', 'boot-resources/?type=synced', { key: sim.userKey })).json();
      t.equal(synced.length, 2);
      const bad = await call(sim, 'GET', 'boot-resources/?type=', { key: sim.userKey });
      t.equal(bad.status, 400);
      t.equal(
        bad.text,
        era === '3.4'
          ? "'' is not a valid boot resource type. Available types: ['synced', 'generated', 'uploaded']"
          : "'' is not a valid boot resource type. Available types: ['synced', 'uploaded']",
      );
      const generated = await call(sim, 'GET', 'boot-resources/?type=generated', { key: sim.userKey });
      t.equal(generated.status, era === '3.4' ? 200 : 400, 'generated only ≤3.4');
    });
  }
});

t.test('docs/maas-api.md#boot-resources: read errors', async (t) => {
  const sim = await startSim(t);
  const missing = await call(sim, 'GET', 'boot-resources/424242/', { key: sim.userKey });
  t.same([missing.status, missing.text, missing.headers['content-type']], [404, 'No BootResource matches the given query.', 'text/plain']);
  const nan = await call(sim, 'GET', 'boot-resources/abc/', { key: sim.userKey });
  t.same([nan.status, nan.text], [500, "Field 'id' expected a number but got 'abc'."]);
});

t.test('docs/maas-api.md#boot-resources: delete quirks', async (t) => {
  const sim = await startSim(t);
  const unknown = await call(sim, 'DELETE', 'boot-resources/424242/', { key: sim.adminKey });
  t.equal(unknown.status, 500, 'BootResource.objects.get, not get_object_or_404');
  t.equal(unknown.text, 'BootResource matching query does not exist.');
  t.equal(unknown.headers['content-type'], 'text/plain; charset=utf-8');

  const data = bytes(500, 3);
  const a = await createFor(sim, data, { name: 'esxi/shared-a' });
  await putChunk(sim, a.uploadUri, data);
  const b = await createFor(sim, data, { name: 'esxi/shared-b' });
  const path = sim.fileBytesPath(a.fileId);
  const del = await call(sim, 'DELETE', `boot-resources/${a.resource.id}/`, { key: sim.adminKey });
  t.equal(del.status, 204);
  t.equal(del.text, '');
  t.equal(del.headers['content-type'], 'text/plain');
  t.ok(existsSync(path), 'bytes kept while another file shares the sha256');
  t.equal((await call(sim, 'GET', `boot-resources/${a.resource.id}/`, { key: sim.adminKey })).status, 404);
  t.equal((await call(sim, 'DELETE', `boot-resources/${b.resource.id}/`, { key: sim.adminKey })).status, 204);
  t.notOk(existsSync(path), 'bytes removed with the last reference');
  t.equal((await call(sim, 'DELETE', 'boot-resources/1/', { key: sim.adminKey })).status, 204, 'synced resources can be deleted too');
});
