import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMaasSimulator, type MaasSimulator, type SimulatorOptions } from '../../lib/testing/index.js';
import { cli } from '../fixtures/cli-harness.js';
import { KiB, makeImage, tempDir } from '../fixtures/upload-env.js';

type T = { teardown(fn: () => unknown): void };

async function site(t: T, opts: SimulatorOptions = {}): Promise<MaasSimulator> {
  const s = await startMaasSimulator({ dataDir: join(tempDir(t), 'maas'), ...opts });
  t.teardown(() => s.close());
  return s;
}

async function login(home: string, name: string, s: MaasSimulator): Promise<void> {
  const r = await cli(['login', name, s.url, '-'], { home, stdin: `${s.adminKey}\n` });
  if (r.code !== 0) throw new Error(r.stderr);
}

const CREATE = ['name=esxi/8.0', 'architecture=amd64/generic', 'filetype=ddgz'];

t.test('create --wait-ready (≤3.4): one line per rack, disconnected rack named and skipped', async (t) => {
  const home = tempDir(t);
  const s = await site(t, { era: '3.4', racks: [{ hostname: 'rack-a' }, { hostname: 'rack-b', syncMs: 300 }, { hostname: 'rack-c', connected: false }] });
  await login(home, 'admin', s);
  const image = makeImage(home, 100 * KiB);
  const r = await cli(['admin', 'create', ...CREATE, `content@=${image.path}`, '--wait-ready', '--poll', '50ms', '--json'], { home });
  t.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { resource: { name: string }; ready: { ready: { hostname: string }[]; skipped: { hostname: string }[] } };
  t.equal(doc.resource.name, 'esxi/8.0');
  t.same(doc.ready.ready.map((x) => x.hostname).sort(), ['rack-a', 'rack-b']);
  t.same(doc.ready.skipped.map((x) => x.hostname), ['rack-c']);
  const lines = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { event: string; hostname?: string; state?: string });
  t.same(lines.filter((l) => l.event === 'ready' && l.hostname === 'rack-b').map((l) => l.state), ['syncing', 'ready']);
});

t.test('--wait-ready before the data pairs still reads them (yargs took one as its value)', async (t) => {
  const home = tempDir(t);
  const s = await site(t, { era: '3.8' });
  await login(home, 'admin', s);
  const image = makeImage(home, 100 * KiB);
  const r = await cli(['admin', 'boot-resources', 'create', '--wait-ready', ...CREATE, `content@=${image.path}`, '--poll', '50ms'], { home });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /region region-1 \([a-z0-9]+\): ready — every region holds the complete file/);
  t.match(r.stderr, /esxi\/8\.0 is ready on 1 region controller\./);
});

t.test('wait-ready: a rack that never syncs → exit 5 naming it', async (t) => {
  const home = tempDir(t);
  const s = await site(t, { era: '3.4', racks: [{ hostname: 'rack-a' }, { hostname: 'rack-stuck', syncMs: Infinity }] });
  await login(home, 'admin', s);
  const image = makeImage(home, 100 * KiB);
  t.equal((await cli(['admin', 'create', ...CREATE, `content@=${image.path}`], { home })).code, 0);
  const r = await cli(['admin', 'wait-ready', 'name=esxi/8.0', '--timeout', '400ms', '--poll', '50ms'], { home });
  t.equal(r.code, 5);
  t.match(r.stderr, /rack rack-stuck \([a-z0-9]+\): syncing — status syncing/);
  t.match(r.stderr, /error: esxi\/8\.0 \(amd64\/generic\) is not ready after 400 ms: rack rack-stuck/);
  const usage = await cli(['admin', 'wait-ready', 'architecture=amd64/generic'], { home });
  t.equal(usage.code, 2);
  t.match(usage.stderr, /wait-ready needs name=/);
  const badTimeout = await cli(['admin', 'wait-ready', 'name=esxi/8.0', '--timeout', 'soon'], { home });
  t.equal(badTimeout.code, 2);
  t.match(badTimeout.stderr, /--timeout 'soon' is not a duration\. Write it like 90s, 30m or 1h30m/);
});

async function deploySite(t: T, machines: SimulatorOptions['machines']) {
  const home = tempDir(t);
  const s = await site(t, { era: '3.8', machines, deployStepMs: 10 });
  await login(home, 'admin', s);
  const image = makeImage(home, 100 * KiB);
  t.teardown(() => undefined);
  const up = await cli(['admin', 'create', ...CREATE, `content@=${image.path}`], { home });
  if (up.code !== 0) throw new Error(up.stderr);
  return { home, s };
}

t.test('deploy --wait: events as progress lines, first boot to SUCCESS, exit 0', async (t) => {
  const { home, s } = await deploySite(t, [{ hostname: 'esx-01' }]);
  writeFileSync(join(home, 'ud.txt'), 'hello');
  const r = await cli(['admin', 'deploy', 'esx-01', '--image', 'esxi/8.0', '--wait', '--poll', '30ms', '--user-data', 'ud.txt'], { home });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /Allocated esx-01/);
  t.match(r.stderr, /first boot: network — apply MAAS's network configuration \(else keep vmk0 on the boot NIC, DHCP\)/);
  t.match(r.stderr, /first boot finished: SUCCESS \(11 steps\)/);
  t.match(r.stderr, /esx-01 is Deployed, first boot SUCCESS \(11 steps\)/);
  t.equal((JSON.parse(r.stdout) as { status_name: string }).status_name, 'Deployed');
  t.equal(s.machine('esx-01')!.userData, 'hello');
});

t.test('deploy --wait: a first-boot step fails → exit 6 with the step\'s cause', async (t) => {
  const { home } = await deploySite(t, [{ hostname: 'esx-02', firstBoot: { failAt: 'storage', cause: 'no disk has serial S3Z1NX0K' } }]);
  const r = await cli(['admin', 'deploy', 'esx-02', '--image', 'esxi/8.0', '--wait', '--poll', '30ms'], { home });
  t.equal(r.code, 6, r.stderr);
  // storage runs before user-data is fetched: MAAS still says Deploying, so an installation failure
  t.match(r.stderr, /ERROR  Node installation failure: 'maas-esxi' maas-esxi storage failed: no disk has serial S3Z1NX0K/);
  t.match(r.stderr, /error: Deployment of esx-02 \([a-z0-9]+\) failed: first boot FAILED at storage: no disk has serial S3Z1NX0K/);
});

t.test('deploy: a machine in the wrong state → exit 2 naming the state; --json: JSON lines and one result', async (t) => {
  const { home } = await deploySite(t, [{ hostname: 'busy', status: 'Deployed' }, { hostname: 'esx-03' }]);
  const busy = await cli(['admin', 'deploy', 'busy', '--image', 'esxi/8.0'], { home });
  t.equal(busy.code, 2);
  t.match(busy.stderr, /Can't deploy a machine that is in the 'Deployed' state/);
  t.match(busy.stderr, /Release it first/);
  const j = await cli(['admin', 'deploy', 'esx-03', '--image', 'esxi/8.0', '--wait', '--poll', '30ms', '--json'], { home });
  t.equal(j.code, 0, j.stderr);
  const events = j.stderr.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { event: string; description?: string });
  t.ok(events.some((e) => e.event === 'maas-event' && e.description === "'maas-esxi' maas-esxi first boot finished: SUCCESS (11 steps)"));
  t.equal((JSON.parse(j.stdout) as { firstBootSteps: number }).firstBootSteps, 11);
  const noImage = await cli(['admin', 'deploy', 'esx-03'], { home });
  t.equal(noImage.code, 2);
  t.match(noImage.stderr, /deploy needs --image/);
});

t.test('site1,site2,site3 create --parallel 3: one hash (its source named), a table, each site resumable on its own', async (t) => {
  const home = tempDir(t);
  const sims = [await site(t), await site(t, { era: '3.4' }), await site(t, { era: '3.7' })];
  for (const [i, s] of sims.entries()) await login(home, `site${i + 1}`, s);
  const image = makeImage(home, 300 * KiB);
  const r = await cli(['site1,site2,site3', 'create', ...CREATE, `content@=${image.path}`, '--parallel', '3', '--chunk-size', '64KiB'], { home });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stderr.match(/Hashing .* once for 3 sites/g)?.length, 1);
  t.match(r.stdout, /^SITE\s+ACTION\s+BYTES\s+TIME\s+RESULT\n/);
  for (const n of [1, 2, 3]) t.match(r.stdout, new RegExp(`site${n}\\s+create\\s+\\S+ KiB\\s+\\S+\\s+ok`));
  const again = await cli(['site1,site2,site3', 'create', ...CREATE, `content@=${image.path}`, '--json'], { home });
  t.equal(again.code, 0, again.stderr);
  const rows = JSON.parse(again.stdout) as { site: string; action: string; bytes: number }[];
  t.same(rows.map((x) => [x.site, x.action, x.bytes]), [['site1', 'already-present', 0], ['site2', 'already-present', 0], ['site3', 'already-present', 0]]);
  t.match(r.stderr, /sha256 [0-9a-f]{64} \(hashed once\)\./, 'the summary says the image was hashed once');
  t.match(again.stderr, /sha256 [0-9a-f]{64} \(from the hash cache; the image was not read again\)\./, 'the rerun names the hash cache as the source');
  t.notMatch(again.stderr, /by the build/, 'no build ran: the summary does not say it did');
  const other = await cli(['site1,site2', 'deploy', 'esx-01', '--image', 'esxi/8.0'], { home });
  t.equal(other.code, 2);
  t.match(other.stderr, /Only create, boot-resources create, build-and-upload, wait-ready and images take several profiles/);
});

t.test('one site of three down: the others finish, the table says which, exit = the worst (5)', async (t) => {
  const home = tempDir(t);
  const sims = [await site(t), await site(t), await site(t)];
  for (const [i, s] of sims.entries()) await login(home, `site${i + 1}`, s);
  await sims[1]!.close();
  const image = makeImage(home, 100 * KiB);
  const r = await cli(['site1,site2,site3', 'create', ...CREATE, `content@=${image.path}`, '--retries', '0', '--json'], { home });
  t.equal(r.code, 5, r.stderr);
  const rows = JSON.parse(r.stdout) as { site: string; result: string; exitCode: number; error?: { message: string } }[];
  t.same(rows.map((x) => [x.site, x.result]), [['site1', 'ok'], ['site2', 'failed'], ['site3', 'ok']]);
  t.match(rows[1]!.error!.message, /Cannot reach 127\.0\.0\.1:\d+/);
  t.equal(rows[1]!.exitCode, 5);
});

t.test('site1,site2 wait-ready: a summary per site', async (t) => {
  const home = tempDir(t);
  const sims = [await site(t, { era: '3.4' }), await site(t, { era: '3.4', racks: [{ hostname: 'rack-x', syncMs: Infinity }] })];
  for (const [i, s] of sims.entries()) await login(home, `site${i + 1}`, s);
  const image = makeImage(home, 100 * KiB);
  t.equal((await cli(['site1,site2', 'create', ...CREATE, `content@=${image.path}`], { home })).code, 0);
  const r = await cli(['site1,site2', 'wait-ready', 'name=esxi/8.0', '--timeout', '300ms', '--poll', '50ms'], { home });
  t.equal(r.code, 5);
  t.match(r.stdout, /site1\s+wait-ready\s+0 B\s+\S+\s+ok/);
  t.match(r.stdout, /site2\s+wait-ready\s+0 B\s+\S+\s+failed \(exit 5\): esxi\/8\.0 .* rack rack-x/);
  t.match(r.stderr, /\[site2\] rack rack-x/);
});
