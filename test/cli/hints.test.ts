import t from 'tap';
import { join } from 'node:path';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { cli } from '../fixtures/cli-harness.js';
import { makeImage, tempDir } from '../fixtures/upload-env.js';

// Hints speak the profile the user typed, not a placeholder.
t.test('a hint names the known profile instead of PROFILE', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas'), machines: [{ hostname: 'esx-01' }] });
  t.teardown(() => sim.close());
  await cli(['login', 'lab', sim.url, sim.adminKey], { home });
  const image = makeImage(home, 64 * 1024);
  t.equal((await cli(['lab', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${image.path}`], { home })).code, 0);
  t.equal((await cli(['lab', 'deploy', 'esx-01', '--image', 'esxi/8.0', '--wait'], { home })).code, 0);
  const again = await cli(['lab', 'deploy', 'esx-01', '--image', 'esxi/8.0'], { home });
  t.equal(again.code, 2);
  t.match(again.stderr, /maas lab machine release /, 'the hint uses profile lab');
  t.notMatch(again.stderr, /PROFILE/);
});

t.test('the known-sha256 line names its source: the saved upload, the sha256= field', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  await cli(['login', 'admin', sim.url, sim.adminKey], { home });
  const image = makeImage(home, 512 * 1024);
  const ac = new AbortController();
  const watch = setInterval(() => {
    if (sim.requests.filter((r) => r.method === 'PUT' && r.status === 200).length >= 1) ac.abort(new Error('SIGINT'));
  }, 5);
  t.teardown(() => clearInterval(watch));
  sim.faults.latency(40);
  const cut = await cli(['admin', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${image.path}`, '--chunk-size', '64KiB'], { home, signal: ac.signal });
  t.equal(cut.code, 130);
  sim.faults.latency(null);
  const [upload] = JSON.parse((await cli(['admin', 'uploads', 'list', '--json'], { home })).stdout) as { id: string }[];
  const resumed = await cli(['admin', 'uploads', 'resume', upload!.id], { home });
  t.equal(resumed.code, 0, resumed.stderr);
  t.notMatch(resumed.stderr, /computed by the build|the build computed/);
  t.match(resumed.stderr, 'Using the sha256 saved with the interrupted upload (the image is not hashed again).', 'it names where the sha256 came from');
  // sha256= given: the field is named.
  const other = makeImage(home, 256 * 1024, 'other.dd.gz');
  const given = await cli(['admin', 'create', 'name=esxi/given', 'architecture=amd64/generic', `content@=${other.path}`, `sha256=${other.sha256}`], { home });
  t.equal(given.code, 0, given.stderr);
  t.match(given.stderr, 'Using the sha256 given in sha256= (the image is not hashed).');
});

// The --json error document is read by the same user: its hint speaks CLI words too.
t.test('--json errors carry the hint in CLI words', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  await cli(['login', 'admin', sim.url, sim.adminKey], { home });
  const r = await cli(['--json', 'admin', 'uploads', 'forget', 'zz'], { home });
  t.not(r.code, 0);
  const doc = JSON.parse(r.stdout) as { error: { hint: string } };
  t.match(doc.error.hint, "'maas-esxi admin uploads list'");
  t.notMatch(doc.error.hint, /bootResources\./);
});
