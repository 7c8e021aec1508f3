// A proxy named without a scheme (HTTP_PROXY=127.0.0.1:3128) is an http:// proxy, as curl reads it
// (https://curl.se/docs/manpage.html#-x: "If no protocol is specified … treated as HTTP"). undici
// alone refused it as an invalid URL, and the CLI retried that as a network failure.
import t from 'tap';
import { MaasApiClient } from '../../lib/http/api-client.js';
import { startConnectProxy } from '../fixtures/connect-proxy.js';
import { startServer } from '../fixtures/http-server.js';

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
