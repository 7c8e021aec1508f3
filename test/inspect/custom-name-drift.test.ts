/**
 * MAAS up to 3.7 stores `custom/foo` as `foo`; 3.8 keeps `custom/foo`
 * (docs/maas-upload-protocol.md#name-rules step 3). The same upload to a 3.8 and a 3.4 site is one
 * image: `images` finds no drift, whichever spelling `name=` uses.
 */
import t from 'tap';
import { join } from 'node:path';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { cli } from '../fixtures/cli-harness.js';
import { KiB, makeImage, tempDir } from '../fixtures/upload-env.js';

t.test('custom/rand on 3.8 and rand on 3.4 are the same image in images', async (t) => {
  const home = tempDir(t);
  for (const [profile, era] of [['admin', '3.8'], ['site2', '3.4']] as const) {
    const sim = await startMaasSimulator({ era, dataDir: join(home, profile) });
    t.teardown(() => sim.close());
    t.equal((await cli(['login', profile, sim.url, sim.adminKey], { home })).code, 0);
  }
  const image = makeImage(home, 128 * KiB, 'rand.dd.gz');
  const up = await cli(['admin,site2', 'create', 'name=custom/rand', 'architecture=amd64/generic', `content@=${image.path}`], { home });
  t.equal(up.code, 0, up.stderr);

  for (const name of ['custom/rand', 'rand']) {
    const run = await cli(['--json', 'admin,site2', 'images', `name=${name}`], { home });
    t.equal(run.code, 0, `name=${name}: no drift; ${run.stderr}`);
    const doc = JSON.parse(run.stdout) as { images: Array<{ site: string; name: string; sha256: string }>; drift: string[] };
    // Each site's row shows the name as that site stores it (the era rule above).
    t.same(doc.images.map((i) => [i.site, i.name, i.sha256]), [['admin', 'custom/rand', image.sha256], ['site2', 'rand', image.sha256]], `name=${name}: both sites' rows`);
    t.same(doc.drift, [], `name=${name}: no drift`);
  }

  const other = makeImage(join(home, 'site2'), 128 * KiB, 'other.dd.gz');
  t.equal((await cli(['site2', 'create', 'name=custom/rand', 'architecture=amd64/generic', `content@=${other.path}`], { home })).code, 0);
  const drifted = await cli(['--json', 'admin,site2', 'images', 'name=rand'], { home });
  t.equal(drifted.code, 8, 'a real difference is still drift');
  t.same((JSON.parse(drifted.stdout) as { drift: string[] }).drift, [`custom/rand (rand on site2) amd64/generic differs between sites: admin ${image.sha256.slice(0, 12)}, site2 ${other.sha256.slice(0, 12)}.`]);
});
