// What a create against an http:// MAAS loads (the CPU of a fresh create): no TLS stack and
// no help renderer. Time is measured by bench/run.mjs (BENCH_ONLY=maascli), not here.
import t from 'tap';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { modulesLoadedBy } from '../fixtures/modules-loaded.js';
import { KiB, makeImage, tempDir } from '../fixtures/upload-env.js';

t.test('a create over http:// loads neither node:https nor node:tls, nor cliui or string-width', async (t) => {
  const sim = await startMaasSimulator({ era: '3.8' });
  t.teardown(() => sim.close());
  const home = tempDir(t);
  const image = makeImage(home, 600 * KiB);
  const args = ['env', 'create', `content@=${image.path}`, 'architecture=amd64/generic', 'filetype=ddgz', '--quiet'];
  const r = await modulesLoadedBy(home, args, 'create', { MAAS_API_URL: sim.url, MAAS_API_KEY: sim.adminKey });
  t.equal(r.code, 0, r.stderr);
  t.equal(sim.requests.filter((q) => q.method === 'PUT').length > 0, true, 'the image was sent');
  t.ok(r.modules.includes('node:http'), 'the log sees builtins');
  t.same(r.modules.filter((u) => /^node:(https|tls)$|node_modules\/(cliui|string-width|wrap-ansi)\//.test(u)), [], 'none of them');
});
