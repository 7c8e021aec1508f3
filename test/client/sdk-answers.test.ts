/**
 * A script author gets the right error at once, with numbers as they were
 * and hints in the SDK's own terms. Truth is read from the simulator (its request log, its
 * stored resources), not from the client's own counters.
 */
import t from 'tap';
import { inspect } from 'node:util';
import { join } from 'node:path';
import { KiB, makeImage, tempDir, uploadEnv } from '../fixtures/upload-env.js';
import { MaasClient } from '../../lib/client/maas-client.js';
import { login } from '../../lib/client/login.js';
import { uploadToSites } from '../../lib/client/sites.js';
import { DeploymentFailedError, MaasConfigError, MaasError, MaasNotFoundError, MaasServerError, MaasTimeoutError } from '../../lib/errors/index.js';

const FAST = { intervalMs: 40 };

t.test('item 1: deleting an unknown id is MaasNotFoundError at once, one DELETE, no retry', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const err = await env.client.bootResources.delete(9999).catch((e: unknown) => e);
  t.type(err, MaasNotFoundError);
  // docs/maas-api.md#boot-resources: MAAS answers an unknown id with a 500 DoesNotExist text.
  t.match((err as MaasError).body, /BootResource matching query does not exist\./);
  t.equal(env.sim.requests.filter((r) => r.method === 'DELETE').length, 1, 'exactly one DELETE reached MAAS');
});

for (const era of ['3.4', '3.7', '3.8'] as const) {
  t.test(`item 2: waitReady for an image MAAS lacks fails at once on ${era}`, async (t) => {
    const env = await uploadEnv(t, { era, racks: [{ hostname: 'rack-1' }] });
    const err = await env.client.bootResources.waitReady({ name: 'esxi/9.9', ...FAST, timeoutMs: 60_000 }).done().catch((e: unknown) => e);
    t.type(err, MaasNotFoundError);
    t.match((err as Error).message, /MAAS has no boot resource esxi\/9\.9 \(amd64\/generic\)/);
    t.notOk(env.sim.requests.some((r) => r.query.includes('list_boot_images')), 'no rack was polled for it');
  });
}

t.test('item 3: uploadToSites reads the image once; a rerun with every site done reads it never', async (t) => {
  const a = await uploadEnv(t, { era: '3.8' });
  const b = await uploadEnv(t, { era: '3.7' });
  const image = makeImage(tempDir(t), 300 * KiB);
  const sites = [{ name: 'a', client: a.client }, { name: 'b', client: b.client }];
  const run = async () => {
    let hashCalls = 0;
    const op = uploadToSites(sites, a.options(image));
    op.on('progress', (p) => (hashCalls += p.kind === 'hash' ? 1 : 0));
    const out = await op.done();
    return { out, hashCalls };
  };
  const first = await run();
  t.ok(first.hashCalls > 0, 'the first run hashes the image');
  const second = await run();
  t.equal(second.hashCalls, 0, 'the rerun never reads the image for its sha256');
  t.equal(second.out.hashes, 0);
  t.equal(second.out.sha256From, 'cache', 'the result names the hash cache as the source');
  t.equal(first.out.sha256From, 'hashed');
  t.equal(second.out.sha256, image.sha256);
  t.same(second.out.sites.map((s) => s.ok && s.value?.upload.action), ['already-present', 'already-present']);
});

t.test('item 4: an esxi/<release> upload without a title gets MAAS\'s ESXi title from the SDK', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const image = makeImage(tempDir(t), 100 * KiB);
  const { title: _omitted, ...options } = env.options(image, { name: 'esxi/7.0' });
  const result = await env.client.bootResources.upload(options).done();
  const stored = env.sim.resource(result.resource.id) as { title: string };
  // ESXi.get_release_title (docs/maas-upload-protocol.md#fields): "7.0" → "VMware ESXi 7.0".
  t.equal(stored.title, 'VMware ESXi 7.0');
});

t.test('item 5: connect refuses a URL that is not http(s)://HOST, naming it and the expected form', async (t) => {
  for (const url of ['maas.example:5240/MAAS', 'ftp://maas.example/MAAS/', 'http://']) {
    const err = (() => {
      try {
        MaasClient.connect({ url, apiKey: null });
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    t.type(err, MaasConfigError, url);
    t.ok((err as Error).message.includes(`'${url}'`), `the message names ${url}`);
    t.match((err as MaasConfigError).hint, /^Write it as http:\/\/.+\/\.$/, 'the hint gives the expected form');
    t.match((err as MaasConfigError).fix, { option: 'url' });
  }
  t.match(MaasClient.connect({ url: 'http://maas.example:5240/MAAS/' }).api.apiUrl, 'http://maas.example:5240/MAAS/api/2.0/');
});

t.test('item 6: a first-boot failure points at the log the payload writes, /var/log/maas.log', async (t) => {
  const env = await uploadEnv(t, { era: '3.8', deployStepMs: 10, machines: [{ hostname: 'esx-01', firstBoot: { failAt: 'network', cause: 'no link' } }] });
  await env.client.bootResources.upload(env.options(makeImage(tempDir(t), 100 * KiB))).done();
  const err = await env.client.deploy({ machine: 'esx-01', distroSeries: 'esxi/8.0', pollIntervalMs: 20 }).done().catch((e: unknown) => e);
  t.type(err, DeploymentFailedError);
  // packer/vmware-esxi/payload/maas_esxi/__main__.py DEFAULT_LOG.
  t.match((err as MaasError).hint, /\/var\/log\/maas\.log/);
  t.notMatch((err as MaasError).hint, /maas-esxi\.log/);
});

t.test('item 7: a 1500 ms timeout is reported as 1.5 s, with the option that changes it', async (t) => {
  const env = await uploadEnv(t, { era: '3.4', racks: [{ hostname: 'rack-slow', syncMs: Infinity }] });
  await env.client.bootResources.upload(env.options(makeImage(tempDir(t), 100 * KiB))).done();
  const err = await env.client.bootResources.waitReady({ name: 'esxi/8.0', ...FAST, timeoutMs: 1500 }).done().catch((e: unknown) => e);
  t.type(err, MaasTimeoutError);
  t.match((err as Error).message, /not ready after 1\.5 s:/);
  t.match((err as MaasError).fix, { option: 'timeoutMs' });
  t.notMatch((err as MaasError).hint, /--/, 'the SDK hint names no CLI flag');
});

t.test('item 7: a bare 503 says its status once', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  env.sim.faults.add({ match: { method: 'GET', path: /boot-resources\/$/, every: 1 }, action: { type: 'status', status: 503, body: '' } });
  const client = MaasClient.connect({ url: env.sim.url, apiKey: env.sim.adminKey, backoff: { baseMs: 1, maxMs: 1, retries: 0 } });
  t.teardown(() => client.close());
  const err = await client.bootResources.list().catch((e: unknown) => e);
  t.type(err, MaasServerError);
  t.equal((err as Error).message, 'MAAS server error (HTTP 503).');
  t.match((err as MaasError).fix, { rerun: true });
  t.notMatch((err as MaasError).hint, /--|Rerun the same command/);
});

t.test('item 7: LoginResult prints its credentials as [REDACTED] (JSON and inspect)', async (t) => {
  const env = await uploadEnv(t, { era: '3.8' });
  const home = tempDir(t);
  const result = await login({ profile: 'lab', url: env.sim.url, apiKey: env.sim.adminKey, home, dbPath: join(home, '.maascli.db') });
  const [consumer, token, secret] = env.sim.adminKey.split(':') as [string, string, string];
  t.same(result.profile.credentials, [consumer, token, secret], 'code that reads the credentials still gets them');
  for (const [how, text] of [['JSON', JSON.stringify(result)], ['inspect', inspect(result, { depth: 10 })]] as const) {
    for (const part of [token, secret]) t.notOk(text.includes(part), `${how} output holds no part of the key`);
    t.match(text, /\[REDACTED\]/, `${how} output marks the credentials as redacted`);
  }
});
