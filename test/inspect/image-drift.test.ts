/**
 * `maas-esxi site1,site2 images [name=…]`: one row per site and image, read
 * from each simulated MAAS — sha256 and size of the stored file, complete, ready, machines
 * deployed from it — then exit 0 when the sites agree and exit 8 naming the drift.
 */
import t from 'tap';
import { join } from 'node:path';
import { startMaasSimulator, type MaasSimulator } from '../../lib/testing/index.js';
import { cli } from '../fixtures/cli-harness.js';
import { KiB, makeImage, tempDir } from '../fixtures/upload-env.js';

t.test('images across sites: consistent (exit 0), then drifted (exit 8)', async (t) => {
  const home = tempDir(t);
  const sims: MaasSimulator[] = [];
  for (const [i, era] of (['3.8', '3.7', '3.4'] as const).entries()) {
    const machines = i === 0 ? [{ hostname: 'esx1', status: 'Deployed' as const, deployedFrom: 'esxi/8.0' }, { hostname: 'ubu1', status: 'Deployed' as const }] : [];
    const sim = await startMaasSimulator({ era, dataDir: join(home, `maas${i}`), machines });
    t.teardown(() => sim.close());
    sims.push(sim);
    const login = await cli(['login', `site${i + 1}`, sim.url, '-'], { home, stdin: `${sim.adminKey}\n` });
    t.equal(login.code, 0, login.stderr);
  }
  const same = makeImage(home, 256 * KiB, 'same.dd.gz');
  const other = makeImage(join(home, 'maas2'), 256 * KiB, 'other.dd.gz');
  const up = await cli(['site1,site2', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${same.path}`], { home });
  t.equal(up.code, 0, up.stderr);
  const up3 = await cli(['site3', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${other.path}`], { home });
  t.equal(up3.code, 0, up3.stderr);

  const ok = await cli(['site1,site2', 'images', 'name=esxi/8.0'], { home });
  t.equal(ok.code, 0, ok.stderr);
  const rows = ok.stdout.trim().split('\n').map((l) => l.split(/\s{2,}/));
  t.same(rows[0], ['SITE', 'NAME', 'ARCHITECTURE', 'SHA256', 'SIZE', 'UPLOADED', 'COMPLETE', 'READY', 'MACHINES']);
  t.same(
    rows.slice(1).map((r) => [r[0], r[1], r[2], r[3], r[6], r[8]]),
    [
      ['site1', 'esxi/8.0', 'amd64/generic', same.sha256.slice(0, 12), 'yes', '1'],
      ['site2', 'esxi/8.0', 'amd64/generic', same.sha256.slice(0, 12), 'yes', '0'],
    ],
    'sha256 of the bytes uploaded; esx1 runs esxi/8.0, ubu1 does not count',
  );
  t.match(ok.stderr, 'Consistent: every site holds the same complete images.');

  const drifted = await cli(['--json', 'site1,site2,site3', 'images'], { home });
  t.equal(drifted.code, 8, drifted.stderr);
  const doc = JSON.parse(drifted.stdout) as { images: Array<{ site: string; sha256: string }>; drift: string[] };
  t.same(doc.images.map((i) => [i.site, i.sha256]), [['site1', same.sha256], ['site2', same.sha256], ['site3', other.sha256]]);
  t.same(doc.drift, [`esxi/8.0 amd64/generic differs between sites: site1 ${same.sha256.slice(0, 12)}, site2 ${same.sha256.slice(0, 12)}, site3 ${other.sha256.slice(0, 12)}.`]);
});

/**
 * MAAS up to 3.7 stores `custom/foo` as `foo`; 3.8 keeps `custom/foo`
 * (docs/maas-upload-protocol.md#name-rules step 3). The same upload to a 3.8 and a 3.4 site is one
 * image: `images` finds no drift, whichever spelling `name=` uses.
 */
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
