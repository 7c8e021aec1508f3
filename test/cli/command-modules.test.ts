// What a command loads decides its fixed cost (README "Performance", bench/startup.mjs measures
// it): a direct connection loads no undici (docs/dependencies.md#undici), a proxied one does and
// goes through the proxy. Asserted on the modules the built CLI loads, never on timing.
import t from 'tap';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { startConnectProxy } from '../fixtures/connect-proxy.js';
import { modulesLoadedBy } from '../fixtures/modules-loaded.js';
import { tempDir } from '../fixtures/upload-env.js';

const UNDICI = /node_modules\/undici\//;

t.test('a direct connection loads no undici; with HTTP_PROXY set, undici carries the request through the proxy', async (t) => {
  const sim = await startMaasSimulator();
  t.teardown(() => sim.close());
  const proxy = await startConnectProxy();
  t.teardown(proxy.close);
  const home = tempDir(t);
  const env = { MAAS_API_URL: sim.url, MAAS_API_KEY: sim.adminKey, HTTP_PROXY: undefined, HTTPS_PROXY: undefined, http_proxy: undefined, https_proxy: undefined, NO_PROXY: undefined, no_proxy: undefined };
  const args = ['env', 'boot-resources', 'read', '--json'];
  const direct = await modulesLoadedBy(home, args, 'direct', env);
  t.equal(direct.code, 0, direct.stderr);
  t.ok(direct.modules.some((u) => u.endsWith('dist/http/direct-http.js')), 'the log sees the HTTP client load');
  t.same(direct.modules.filter((u) => UNDICI.test(u)), [], 'no undici module');
  const before = sim.requests.length;
  const proxied = await modulesLoadedBy(home, args, 'proxied', { ...env, HTTP_PROXY: proxy.url });
  t.equal(proxied.code, 0, proxied.stderr);
  t.ok(proxied.modules.some((u) => UNDICI.test(u)), 'undici loads behind a proxy');
  t.ok(proxy.connects() >= 1, 'and the request went through the proxy');
  t.ok(sim.requests.length > before, 'to the simulator');
  t.equal(proxied.stdout, direct.stdout, 'with the same answer');
});
