// A proxy that does not answer is named as the proxy, not as the MAAS URL (lib/http/classify.ts):
// "Nothing listens at <MAAS host>: check the MAAS URL" sent users to a URL that was never dialled.
import t from 'tap';
import { MaasApiClient } from '../../lib/http/api-client.js';
import { MaasNetworkError } from '../../lib/errors/index.js';
import { exitCodeFor } from '../../lib/cli/exit-codes.js';
import { closedPort } from '../fixtures/http-server.js';

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
