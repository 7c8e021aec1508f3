import t from 'tap';
import { join } from 'node:path';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { cli } from '../fixtures/cli-harness.js';
import { KiB, makeImage, tempDir } from '../fixtures/upload-env.js';

// README "Commands": --json prints exactly one JSON document on stdout, for every command.
t.test('--json: boot-resource delete, import and stop-import each print one JSON document', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  await cli(['login', 'admin', sim.url, sim.adminKey], { home });
  const image = makeImage(home, 64 * KiB);
  const created = await cli(['admin', 'create', 'name=custom/h2', 'architecture=amd64/generic', `content@=${image.path}`], { home });
  const id = (JSON.parse(created.stdout) as { id: number }).id;

  const del = await cli(['--json', 'admin', 'boot-resource', 'delete', String(id)], { home });
  t.equal(del.code, 0, del.stderr);
  t.same(JSON.parse(del.stdout), { id, deleted: true });
  // The truth: MAAS answered the DELETE, and the resource is gone.
  t.ok(sim.requests.some((r) => r.method === 'DELETE' && r.path.endsWith(`/boot-resources/${id}/`) && r.status === 204));
  t.same(JSON.parse((await cli(['admin', 'boot-resources', 'read', 'type=uploaded'], { home })).stdout), []);

  // MAAS answers these two in text/plain (src/maasserver/api/boot_resources.py,
  // BootResourcesHandler.import_resources / stop_import); the maas CLI prints that text.
  const started = await cli(['--json', 'admin', 'boot-resources', 'import'], { home });
  t.equal(started.code, 0, started.stderr);
  t.equal(JSON.parse(started.stdout), 'Import of boot resources started');
  const stopped = await cli(['--json', 'admin', 'boot-resources', 'stop-import'], { home });
  t.equal(JSON.parse(stopped.stdout), 'Import of boot resources is being stopped');
  const plain = await cli(['admin', 'boot-resources', 'import'], { home });
  t.equal(plain.stdout, 'Import of boot resources started\n', 'without --json the text as the maas CLI prints it');
  // is_importing answers JSON (a boolean); the maas CLI prints that value, as README's command table says.
  const importing = await cli(['--json', 'admin', 'boot-resources', 'is-importing'], { home });
  t.equal(importing.code, 0, importing.stderr);
  t.equal(typeof JSON.parse(importing.stdout), 'boolean', '--json is-importing: true or false, not a string');
});
