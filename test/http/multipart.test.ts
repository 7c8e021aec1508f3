// The create's form is encoded by lib/http/multipart.ts (no undici on a direct connection,
// docs/dependencies.md#undici). These check the bytes on the wire against RFC 7578 written out by
// hand, that an independent parser (the WHATWG Response.formData of Node itself) reads every field
// back, and that the simulator (Django MultiPartParser semantics) accepts it as MAAS would.
import t from 'tap';
import { MaasApiClient } from '../../lib/http/api-client.js';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { startServer } from '../fixtures/http-server.js';

const FIELDS = { name: 'esxi/8.0', title: 'VMware ESXi 8.0 “u3” — ü', architecture: 'amd64/generic', size: 1048576, base_image: '', skipped: undefined };

t.test('the wire bytes are RFC 7578 parts of the given fields, with an exact length and boundary', async (t) => {
  const srv = await startServer((_req, res) => res.end('{}'));
  t.teardown(srv.close);
  const api = new MaasApiClient({ apiUrl: `${srv.url}/MAAS/api/2.0/`, apiKey: null });
  t.teardown(() => api.close());
  await api.request('POST', 'boot-resources/', { form: FIELDS });
  const [req] = srv.requests;
  const boundary = /^multipart\/form-data; boundary=(\S+)$/.exec(String(req!.headers['content-type']))?.[1];
  t.ok(boundary, 'content-type names the boundary');
  const part = (k: string, v: string): string => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`;
  const expected = Buffer.from(
    part('name', 'esxi/8.0') + part('title', 'VMware ESXi 8.0 “u3” — ü') + part('architecture', 'amd64/generic') + part('size', '1048576') + part('base_image', '') + `--${boundary}--\r\n`,
  );
  t.equal(req!.body.toString('utf8'), expected.toString('utf8'), 'the exact body; an undefined field is left out');
  t.equal(req!.headers['content-length'], String(expected.length), 'an exact Content-Length');
  t.equal(req!.headers['transfer-encoding'], undefined, 'not chunked');
  const parsed = await new Response(req!.body, { headers: { 'content-type': String(req!.headers['content-type']) } }).formData();
  t.same([...parsed.entries()], [['name', 'esxi/8.0'], ['title', 'VMware ESXi 8.0 “u3” — ü'], ['architecture', 'amd64/generic'], ['size', '1048576'], ['base_image', '']], 'an independent parser reads the same fields');
});

t.test('a field name with a quote or a line break cannot break out of its header', async (t) => {
  const srv = await startServer((_req, res) => res.end('{}'));
  t.teardown(srv.close);
  const api = new MaasApiClient({ apiUrl: `${srv.url}/MAAS/api/2.0/`, apiKey: null });
  t.teardown(() => api.close());
  await api.request('POST', 'x/', { form: { 'a"b\r\nc': 'v' } });
  const body = srv.requests[0]!.body.toString('utf8');
  t.match(body, /name="a%22b%0D%0Ac"\r\n\r\nv\r\n/);
});

t.test('MAAS (the simulator) parses the form: a create stores the fields it was sent', async (t) => {
  const sim = await startMaasSimulator();
  t.teardown(() => sim.close());
  const api = new MaasApiClient({ apiUrl: sim.apiUrl, apiKey: sim.adminKey });
  t.teardown(() => api.close());
  const sha256 = 'ab'.repeat(32);
  const created = await api.json<{ id: number }>('POST', 'boot-resources/', {
    form: { name: 'esxi/8.0', title: 'VMware ESXi 8.0 “u3”', architecture: 'amd64/generic', filetype: 'ddraw', sha256, size: 4096 },
  });
  const read = await api.json<{ name: string; title: string; architecture: string; sets: Record<string, { files: Record<string, { sha256: string; size: number }> }> }>('GET', `boot-resources/${created.id}/`);
  t.match(read, { name: 'esxi/8.0', title: 'VMware ESXi 8.0 “u3”', architecture: 'amd64/generic' });
  const files = Object.values(read.sets).flatMap((s) => Object.values(s.files));
  t.match(files, [{ sha256, size: 4096 }], 'sha256 and size as sent');
  const logged = sim.requests.find((r) => r.method === 'POST');
  t.match(logged, { status: 201 }, 'the request log has the create answered 201');
});
