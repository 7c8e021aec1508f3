import t from 'tap';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { call, form, bytes, createFor, putChunk, startSim } from '../fixtures/testing/maas-call.js';
import { existsSync } from 'node:fs';

t.test('URL layout and dispatch (docs/maas-api.md#urls-and-dispatch)', async (t) => {
  const sim = await startMaasSimulator({ era: '3.8' });
  t.teardown(() => sim.close());
  const key = sim.adminKey;

  t.test('docs/maas-api.md#urls-and-dispatch: missing trailing slash → 404 "Unknown API endpoint: <path>." (no redirect), anonymous too', async (t) => {
    const r = await call(sim, 'GET', 'boot-resources', { key });
    t.equal(r.status, 404);
    t.equal(r.text, 'Unknown API endpoint: /MAAS/api/2.0/boot-resources.');
    t.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    const anon = await call(sim, 'DELETE', 'no-such-thing/');
    t.equal(anon.status, 404);
    t.equal(anon.text, 'Unknown API endpoint: /MAAS/api/2.0/no-such-thing/.');
    const root = await call(sim, 'GET', '/MAAS/api/2.0/');
    t.equal(root.text, 'Unknown API endpoint: /MAAS/api/2.0/.');
  });

  t.test('docs/maas-api.md#urls-and-dispatch: GET /MAAS/api/version/ → 200 text "2.0"; /MAAS/api/1.0/ → 410', async (t) => {
    const v = await call(sim, 'GET', '/MAAS/api/version/');
    t.equal(v.status, 200);
    t.equal(v.text, '2.0');
    t.equal(v.headers['content-type'], 'text/plain');
    const old = await call(sim, 'GET', '/MAAS/api/1.0/nodes/');
    t.equal(old.status, 410);
    t.equal(old.text, 'The 1.0 API is no longer available. Please use API version 2.0.');
  });

  t.test('docs/maas-api.md#urls-and-dispatch: unknown op → 400 "Unrecognised signature: method=GET op=foo"', async (t) => {
    const r = await call(sim, 'GET', 'boot-resources/?op=foo', { key });
    t.equal(r.status, 400);
    t.equal(r.text, 'Unrecognised signature: method=GET op=foo');
    t.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    const wrongMethod = await call(sim, 'GET', 'boot-resources/?op=import', { key });
    t.equal(wrongMethod.text, 'Unrecognised signature: method=GET op=import', 'import is a POST op');
  });

  t.test('docs/maas-api.md#urls-and-dispatch: op= with an empty value is the CRUD method', async (t) => {
    const r = await call(sim, 'GET', 'boot-resources/?op=', { key });
    t.equal(r.status, 200);
    t.ok(Array.isArray(r.json()));
  });

  t.test('docs/maas-api.md#urls-and-dispatch: op from a form body and from the op-<op> path alias', async (t) => {
    const viaForm = await call(sim, 'POST', 'boot-resources/', { key, ...form({ op: 'import' }) });
    t.equal(viaForm.status, 200);
    t.equal(viaForm.text, 'Import of boot resources started');
    const viaPath = await call(sim, 'POST', 'boot-resources/op-stop_import', { key });
    t.equal(viaPath.status, 200);
    t.equal(viaPath.text, 'Import of boot resources is being stopped');
    const whoami = await call(sim, 'GET', 'users/op-whoami', { key });
    t.equal(whoami.json().username, 'admin');
  });

  t.test('docs/maas-api.md#urls-and-dispatch: method not exported → 405, empty body, Allow lists the methods', async (t) => {
    const r = await call(sim, 'PUT', 'boot-resources/', { key, body: 'x' });
    t.equal(r.status, 405);
    t.equal(r.text, '');
    t.same(String(r.headers.allow).split(', ').sort(), ['GET', 'POST']);
    const one = await call(sim, 'POST', 'boot-resources/1/', { key });
    t.same(String(one.headers.allow).split(', ').sort(), ['DELETE', 'GET']);
    const upload = await call(sim, 'GET', 'boot-resources/1/upload/1/', { key });
    t.equal(upload.status, 405);
    t.equal(upload.headers.allow, 'PUT');
  });

  t.test('docs/maas-api.md#response-framing: X-MAAS-API-Hash on handler responses and Http404, not on middleware errors', async (t) => {
    const ok = await call(sim, 'GET', 'boot-resources/', { key });
    t.match(ok.headers['x-maas-api-hash'], /^[0-9a-f]{40}$/);
    t.equal(ok.headers.vary, 'Authorization');
    const missing = await call(sim, 'GET', 'boot-resources/99999/', { key });
    t.equal(missing.status, 404);
    t.equal(missing.text, 'No BootResource matches the given query.');
    t.equal(missing.headers['content-type'], 'text/plain', 'Http404: no charset');
    t.equal(missing.headers['x-maas-api-hash'], ok.headers['x-maas-api-hash']);
    const bad = await call(sim, 'GET', 'boot-resources/?op=foo', { key });
    t.equal(bad.headers['x-maas-api-hash'], undefined);
    const oauth = await call(sim, 'GET', 'boot-resources/', { key: 'a:b:c' });
    t.equal(oauth.status, 401);
    t.equal(oauth.headers['x-maas-api-hash'], undefined);
  });

  t.test('docs/maas-api.md#response-framing, #version-and-eras: a real Date header on every response', async (t) => {
    const r = await call(sim, 'GET', 'version/');
    const date = Date.parse(String(r.headers.date));
    t.ok(Math.abs(date - Date.now()) < 5000);
  });

  t.test('docs/maas-api.md#version-and-eras: version/ is compact JSON with capabilities, version and empty subversion', async (t) => {
    const r = await call(sim, 'GET', 'version/');
    t.equal(r.headers['content-type'], 'application/json; charset=utf-8');
    t.match(r.text, /^\{"capabilities": \["networks-management", /);
    t.same(Object.keys(r.json()), ['capabilities', 'version', 'subversion']);
    t.equal(r.json().version, '3.8.0');
    t.equal(r.json().subversion, '');
    t.ok(r.json().capabilities.includes('authenticate-api'));
  });

  t.test('docs/maas-api.md#users: users/?op=whoami shape, 4-space indent', async (t) => {
    const r = await call(sim, 'GET', 'users/?op=whoami', { key: sim.userKey });
    t.equal(r.headers['content-type'], 'application/json; charset=utf-8');
    t.same(r.json(), { username: 'user', email: 'user@example.com', is_local: true, is_superuser: false, resource_uri: '/MAAS/api/2.0/users/user/' });
    t.match(r.text, /^\{\n {4}"username": "user",\n/);
  });

  t.test('docs/maas-api.md#boot-resources: import ops and is_importing', async (t) => {
    t.equal((await call(sim, 'POST', 'boot-resources/?op=import', { key })).status, 200);
    const busy = await call(sim, 'GET', 'boot-resources/?op=is_importing', { key: sim.userKey });
    t.equal(busy.headers['content-type'], 'application/json; charset=utf-8');
    t.equal(busy.text, 'true');
    const stop = await call(sim, 'POST', 'boot-resources/?op=stop_import', { key });
    t.equal(stop.headers['content-type'], 'text/plain; charset=utf-8');
    t.equal((await call(sim, 'GET', 'boot-resources/?op=is_importing', { key })).text, 'false');
  });
});

t.test('docs/maas-api.md#describe: describe/ per era', async (t) => {
  for (const era of ['3.7', '3.8'] as const) {
    t.test(era, async (t) => {
      const sim = await startMaasSimulator({ era });
      t.teardown(() => sim.close());
      const r = await call(sim, 'GET', 'describe/');
      t.equal(r.status, 200);
      t.equal(r.headers['content-type'], 'application/json', 'exactly application/json (maascli login checks it, docs/maas-cli.md#login-sequence)');
      const doc = r.json();
      t.same(Object.keys(doc), ['doc', 'handlers', 'hash', 'resources'], 'sort_keys');
      t.equal(doc.doc, 'MAAS API');
      const names: string[] = doc.resources.map((x: { name: string }) => x.name);
      t.same(names, [...names].sort(), 'resources sorted by name');
      for (const n of ['BootResourceHandler', 'BootResourcesHandler', 'UsersHandler', 'VersionHandler']) t.ok(names.includes(n), n);
      t.equal(names.includes('BootResourceFileUploadHandler'), era === '3.8', 'upload handler hidden ≤3.7, visible 3.8');
      const br = doc.resources.find((x: { name: string }) => x.name === 'BootResourcesHandler');
      t.equal(br.anon, null);
      t.equal(br.auth.path, '/MAAS/api/2.0/boot-resources/');
      t.equal(br.auth.uri, `http://127.0.0.1:${sim.port}/MAAS/api/2.0/boot-resources/`, 'uri absolute per request');
      t.same(br.auth.actions.map((a: { name: string }) => a.name), ['create', 'import', 'is_importing', 'read', 'stop_import']);
      t.same(br.auth.actions[1], { doc: br.auth.actions[1].doc, method: 'POST', name: 'import', op: 'import', restful: false });
      const one = doc.resources.find((x: { name: string }) => x.name === 'BootResourceHandler');
      t.same(one.auth.params, ['id']);
      t.equal(one.auth.path, '/MAAS/api/2.0/boot-resources/{id}/');
      if (era === '3.8') {
        const up = doc.resources.find((x: { name: string }) => x.name === 'BootResourceFileUploadHandler');
        t.equal(up.auth.path, '/MAAS/api/2.0/boot-resources/{resource_id}/upload/{id}/');
        t.same(up.auth.params, ['resource_id', 'id']);
      }
      const hashHeader = (await call(sim, 'GET', 'boot-resources/', { key: sim.adminKey })).headers['x-maas-api-hash'];
      t.equal(doc.hash, hashHeader, 'hash = X-MAAS-API-Hash');
      t.equal(doc.handlers.length, doc.resources.length);
      t.equal(doc.handlers[0].name, 'VersionHandler', 'anon handlers first');
    });
  }
});

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
