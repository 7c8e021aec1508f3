// A proxy that does not answer is named as the proxy, not as the MAAS URL (lib/http/classify.ts):
// "Nothing listens at <MAAS host>: check the MAAS URL" sent users to a URL that was never dialled.
import t from 'tap';
import { MaasApiClient } from '../../lib/http/api-client.js';
import { MaasNetworkError } from '../../lib/errors/index.js';
import { exitCodeFor } from '../../lib/cli/exit-codes.js';
import { closedPort, startServer } from '../fixtures/http-server.js';
import { startConnectProxy } from '../fixtures/connect-proxy.js';

t.test('a dead HTTP_PROXY is named as the proxy, with HTTP_PROXY and NO_PROXY as the fix', async (t) => {
  const proxyPort = await closedPort();
  const maasPort = await closedPort();
  const api = new MaasApiClient({ apiUrl: `http://127.0.0.1:${maasPort}/MAAS/api/2.0/`, apiKey: null, env: { HTTP_PROXY: `http://user:secret@127.0.0.1:${proxyPort}`, NO_PROXY: '' } });
  t.teardown(() => api.close());
  const err = (await t.rejects(api.json('GET', 'version/'))) as MaasNetworkError;
  t.ok(err instanceof MaasNetworkError);
  t.match(err.message, new RegExp(`^Cannot reach the proxy 127\\.0\\.0\\.1:${proxyPort} on the way to 127\\.0\\.0\\.1:${maasPort}: `));
  t.equal(err.hint, `Check that the proxy in HTTP_PROXY/HTTPS_PROXY (127.0.0.1:${proxyPort}) is running, or add 127.0.0.1 to NO_PROXY to reach MAAS directly.`);
  t.notMatch(`${err.message} ${err.hint}`, /secret/, "the proxy's password is not printed");
  t.equal(exitCodeFor(err), 5, 'a network failure, as README says');
});

t.test('with NO_PROXY covering MAAS, a dead MAAS is still the MAAS URL', async (t) => {
  const proxyPort = await closedPort();
  const maasPort = await closedPort();
  const api = new MaasApiClient({ apiUrl: `http://127.0.0.1:${maasPort}/MAAS/api/2.0/`, apiKey: null, env: { HTTP_PROXY: `http://127.0.0.1:${proxyPort}`, NO_PROXY: '127.0.0.1' } });
  t.teardown(() => api.close());
  const err = (await t.rejects(api.json('GET', 'version/'))) as MaasNetworkError;
  t.match(err.message, new RegExp(`^Cannot reach 127\\.0\\.0\\.1:${maasPort}: `));
  t.match(err.hint, /check the MAAS URL/);
});

// A proxy named without a scheme (HTTP_PROXY=127.0.0.1:3128) is an http:// proxy, as curl reads it
// (https://curl.se/docs/manpage.html#-x: "If no protocol is specified … treated as HTTP"). undici
// alone refused it as an invalid URL, and the CLI retried that as a network failure.
for (const variable of ['HTTP_PROXY', 'http_proxy'] as const) {
  t.test(`${variable}=host:port without http:// goes through that proxy`, async (t) => {
    const maas = await startServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"version":"3.8.0"}'));
    t.teardown(maas.close);
    const proxy = await startConnectProxy();
    t.teardown(proxy.close);
    const bare = proxy.url.replace(/^http:\/\//, '');
    const api = new MaasApiClient({ apiUrl: `${maas.url}/MAAS/api/2.0/`, apiKey: null, env: { [variable]: bare, NO_PROXY: '' } });
    t.teardown(() => api.close());
    t.same(await api.json('GET', 'version/'), { version: '3.8.0' });
    t.equal(proxy.connects(), 1, 'the request was tunnelled through the proxy');
    t.equal(maas.requests.length, 1, 'and reached MAAS once');
  });
}
