import t from 'tap';
import { join } from 'node:path';
import { startMaasSimulator } from '../../lib/testing/index.js';
import { cli } from '../fixtures/cli-harness.js';
import { KiB, makeImage, tempDir } from '../fixtures/upload-env.js';
import { interruptCli } from '../fixtures/cli-process.js';

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

/** Each line of `text` parsed as JSON: throws on a line that is not. */
const jsonLines = (text: string): Record<string, unknown>[] => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

// With --json, stderr is JSON lines only (a script parses both streams).
t.test('with --json every stderr line is JSON: multi-site create and wait-ready', async (t) => {
  const home = tempDir(t);
  for (const name of ['site1', 'site2']) {
    const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, name) });
    t.teardown(() => sim.close());
    await cli(['login', name, sim.url, sim.adminKey], { home });
  }
  const image = makeImage(home, 64 * 1024);
  const create = await cli(['site1,site2', 'create', 'name=esxi/8.0', 'architecture=amd64/generic', `content@=${image.path}`, '--json'], { home });
  t.equal(create.code, 0, create.stderr);
  t.doesNotThrow(() => jsonLines(create.stderr), `create: ${create.stderr}`);
  const wait = await cli(['site1', 'wait-ready', 'name=esxi/8.0', '--json', '--poll', '1s'], { home });
  t.equal(wait.code, 0, wait.stderr);
  t.doesNotThrow(() => jsonLines(wait.stderr), `wait-ready: ${wait.stderr}`);
});

// With --json, stderr is JSON lines only: progress too (a script parses both streams).
t.test('--json create: progress arrives as JSON events, never as plain lines', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  await cli(['login', 'admin', sim.url, sim.adminKey], { home });
  const image = makeImage(home, 3 * 1024 * 1024);
  const run = await cli(['--json', 'admin', 'create', 'name=custom/h2', 'architecture=amd64/generic', `content@=${image.path}`, '--chunk-size', '1M'], { home });
  t.equal(run.code, 0, run.stderr);
  const events = jsonLines(run.stderr);
  const progress = events.filter((e) => e['event'] === 'progress');
  t.ok(progress.some((e) => e['phase'] === 'hash' && e['total'] === image.size), 'hashing is reported against the file size');
  // The truth is the simulator's request log: the last event counts what MAAS acknowledged.
  const acked = sim.requests.filter((r) => r.method === 'PUT' && r.status === 200).reduce((n, r) => n + r.bodyBytes, 0);
  const last = progress.filter((e) => e['phase'] === 'upload').at(-1);
  t.same(last && { bytesAcked: last['bytesAcked'], total: last['total'] }, { bytesAcked: acked, total: image.size });
  t.equal(progress.filter((e) => e['phase'] === 'hash').at(-1)?.['bytesHashed'], image.size, 'hashing ends with a 100 % event');
  // All sent, then MAAS's check of the whole file (minutes on a real MAAS): in that order.
  const allSent = events.findIndex((e) => e['phase'] === 'upload' && e['bytesSent'] === image.size);
  const verify = events.findIndex((e) => e['event'] === 'log' && String(e['message']).startsWith('Waiting for MAAS to verify'));
  t.ok(allSent !== -1 && verify !== -1 && allSent < verify, `the all-sent event (${allSent}) before the verify line (${verify})`);
});

t.test('--json and Ctrl-C: the stopping notice is a JSON log line too', async (t) => {
  const home = tempDir(t);
  const sim = await startMaasSimulator({ era: '3.8', dataDir: join(home, 'maas') });
  t.teardown(() => sim.close());
  const env = { ...process.env, HOME: home, XDG_STATE_HOME: join(home, 'state'), XDG_CONFIG_HOME: join(home, 'config') };
  await cli(['login', 'admin', sim.url, sim.adminKey], { home, env });
  const image = makeImage(home, 2 * 1024 * 1024);
  const args = ['--json', 'admin', 'create', 'name=custom/h2', 'architecture=amd64/generic', `content@=${image.path}`, '--chunk-size', '64K', '--limit-rate', '256K'];
  const run = await interruptCli(args, env, () => sim.requests.some((r) => r.method === 'PUT' && r.status === 200));
  t.equal(run.code, 130, run.stderr);
  const events = jsonLines(run.stderr);
  t.ok(events.some((e) => e['event'] === 'log' && String(e['message']).startsWith('SIGINT received')), run.stderr);
});
