import t from 'tap';
import { join } from 'node:path';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { cli } from '../fixtures/cli-harness.js';
import { makeImage, tempDir } from '../fixtures/upload-env.js';

// Saved upload state records the MAAS it went to (lib/upload/locate.ts, the fingerprint's apiUrl);
// README "Exit codes": a command line that cannot be used as typed is a usage error, exit 2.
t.test("uploads resume and forget --delete-remote refuse another profile's upload; nothing reaches that MAAS", async (t) => {
  const home = tempDir(t);
  const admin = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas-admin') });
  const site2 = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas-site2') });
  t.teardown(() => Promise.all([admin.close(), site2.close()]));
  t.equal((await cli(['login', 'admin', admin.url, admin.adminKey], { home })).code, 0);
  t.equal((await cli(['login', 'site2', site2.url, site2.adminKey], { home })).code, 0);

  const image = makeImage(home, 512 * 1024);
  const create = ['site2', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${image.path}`, '--chunk-size', '64KiB'];
  // Ctrl-C once site2's MAAS has acknowledged two chunks (its request log).
  const ac = new AbortController();
  const watch = setInterval(() => {
    if (site2.requests.filter((r) => r.method === 'PUT' && r.status === 200).length >= 2) ac.abort(new Error('SIGINT'));
  }, 5);
  t.teardown(() => clearInterval(watch));
  site2.faults.latency(40);
  t.equal((await cli(create, { home, signal: ac.signal })).code, 130, 'the upload to site2 stopped unfinished');
  site2.faults.latency(null);

  const [saved] = JSON.parse((await cli(['site2', 'uploads', 'list', '--json'], { home })).stdout) as Array<{ id: string; offset: number; resourceId: number }>;
  const id = saved!.id.slice(0, 4);
  const table = await cli(['admin', 'uploads', 'list'], { home });
  t.match(table.stdout.split('\n')[0], /^ID\s+PROFILE\s+MAAS\s+NAME\s+/, 'the table has PROFILE and MAAS columns');
  t.match(table.stdout.split('\n')[1], new RegExp(`^${saved!.id.slice(0, 12)}\\s+site2\\s+${site2.url.replace(/[.?]/g, '\\$&')}\\s+esxi/8\\.0`), 'the row names site2 and its MAAS');

  const adminBefore = admin.requests.length;
  const site2Before = site2.requests.length;
  const resume = await cli(['admin', 'uploads', 'resume', id], { home });
  t.equal(resume.code, 2, 'a usage error');
  t.equal(resume.stderr, `maas-esxi: error: Upload ${id} belongs to site2 (${site2.url}); run maas-esxi site2 uploads resume ${id}.\n`);
  const forget = await cli(['admin', 'uploads', 'forget', id, '--delete-remote'], { home });
  t.equal(forget.code, 2, 'a usage error');
  t.equal(forget.stderr, `maas-esxi: error: Upload ${id} belongs to site2 (${site2.url}); run maas-esxi site2 uploads forget ${id} --delete-remote.\n`);
  t.same(admin.requests.slice(adminBefore), [], "admin's MAAS received no request");
  t.same(site2.requests.slice(site2Before), [], "site2's MAAS received no request either");
  t.equal(admin.resource(saved!.resourceId), undefined, "admin's MAAS holds no such resource");
  t.equal(site2.resource(saved!.resourceId)?.sets && true, true, "site2's unfinished resource is still there");
  const after = JSON.parse((await cli(['site2', 'uploads', 'list', '--json'], { home })).stdout) as Array<{ id: string; offset: number }>;
  t.same(after.map((s) => [s.id, s.offset]), [[saved!.id, saved!.offset]], 'the resume state is intact');

  const right = await cli(['site2', 'uploads', 'resume', id], { home });
  t.equal(right.code, 0, right.stderr);
  t.equal(await site2.storedSha256(saved!.resourceId), image.sha256, 'resumed on site2: its stored bytes are the image');
  t.same(admin.requests.slice(adminBefore), [], "admin's MAAS still received nothing");
});
